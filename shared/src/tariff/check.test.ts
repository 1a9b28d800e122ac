import { describe, expect, it } from 'vitest'
import { checkAccountTariffState, checkTariffDefinition } from './check.ts'
import { APRIL_STATE, FLAT_60, LADDER } from './test-tariffs.ts'

const withBlocks = (blocks: unknown): unknown => ({
  ...LADDER,
  pricing: { ...LADDER.pricing, blocks },
})

describe('checkTariffDefinition', () => {
  it('accepts sound tariffs', () => {
    expect(checkTariffDefinition(FLAT_60).ok).toBe(true)
    expect(checkTariffDefinition(LADDER).ok).toBe(true)
    expect(checkTariffDefinition({ ...LADDER, timeZone: 'Africa/Johannesburg' }).ok).toBe(true)
  })

  it.each([
    ['an unknown field', { ...FLAT_60, discount: 5 }],
    ['a fractional price', { ...FLAT_60, pricing: { kind: 'flat', priceFenPerKwh: 56.5 } }],
    ['a zero price', { ...FLAT_60, pricing: { kind: 'flat', priceFenPerKwh: 0 } }],
    ['another currency', { ...FLAT_60, currency: 'USD' }],
    [
      'an annual period without its month',
      { ...LADDER, pricing: { ...LADDER.pricing, period: 'annual' } },
    ],
    ['settlement day 29', { ...LADDER, pricing: { ...LADDER.pricing, settlementDay: 29 } }],
    ['a bounded last block', withBlocks([{ upToKwh: 200, priceFenPerKwh: 56 }])],
    [
      'an open block before the last',
      withBlocks([
        { upToKwh: null, priceFenPerKwh: 56 },
        { upToKwh: null, priceFenPerKwh: 61 },
      ]),
    ],
    [
      'blocks out of order',
      withBlocks([
        { upToKwh: 400, priceFenPerKwh: 56 },
        { upToKwh: 200, priceFenPerKwh: 61 },
        { upToKwh: null, priceFenPerKwh: 86 },
      ]),
    ],
    ['maximum below minimum', { ...FLAT_60, minVendFen: 5000, maxVendFen: 1000 }],
    ['an unknown time zone', { ...FLAT_60, timeZone: 'Asia/Atlantis' }],
    ['VAT above 100 %', { ...FLAT_60, vatRateBasisPoints: 10_001 }],
  ])('refuses %s', (_what, tariff) => {
    expect(checkTariffDefinition(tariff)).toMatchObject({ ok: false, code: 'ERR_TARIFF_INVALID' })
  })
})

describe('checkAccountTariffState', () => {
  it('accepts a sound state and refuses broken ones', () => {
    expect(checkAccountTariffState(APRIL_STATE).ok).toBe(true)
    expect(checkAccountTariffState({ ...APRIL_STATE, freeBasicIssuedMonth: null }).ok).toBe(true)
    for (const bad of [
      { ...APRIL_STATE, walletFen: 1.5 },
      { ...APRIL_STATE, arrearsFen: -1 },
      { ...APRIL_STATE, periodStart: '2026-4-1' },
      { ...APRIL_STATE, fixedChargesPaidThroughMonth: '2026-13' },
      { ...APRIL_STATE, extra: true },
    ]) {
      expect(checkAccountTariffState(bad)).toMatchObject({
        ok: false,
        code: 'ERR_TARIFF_STATE_INVALID',
      })
    }
  })
})
