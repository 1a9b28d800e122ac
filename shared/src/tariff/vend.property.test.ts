/**
 * Properties that must hold for every tariff, state, amount and time, not just the worked examples.
 * The oracle for rounding is recomputed here with BigInt, independently of energy-cost.ts.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkAccountTariffState } from './check.ts'
import { energyCost, priceBlocks } from './energy-cost.ts'
import type { AccountTariffState, TariffBlock, TariffDefinition, TariffPricing } from './schema.ts'
import { isExactTokenUnits, TOKEN_UNITS_MAX, tokenUnitsAtMost } from './token-units.ts'
import { computeVend, quoteVend, type TariffVendResult } from './vend.ts'

const FROM = Date.UTC(2025, 0, 1)
const TO = Date.UTC(2028, 0, 1)

const price = fc.oneof(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 100_000 }))

const blocks: fc.Arbitrary<TariffBlock[]> = fc
  .uniqueArray(fc.integer({ min: 1, max: 2000 }), { minLength: 0, maxLength: 4 })
  .chain((bounds) =>
    fc
      .array(price, { minLength: bounds.length + 1, maxLength: bounds.length + 1 })
      .map((prices) => {
        const sorted = [...bounds].sort((a, b) => a - b)
        return prices.map((p, i) => ({ upToKwh: sorted[i] ?? null, priceFenPerKwh: p }))
      }),
  )

const pricing: fc.Arbitrary<TariffPricing> = fc.oneof(
  price.map((p) => ({ kind: 'flat' as const, priceFenPerKwh: p })),
  fc.record({
    kind: fc.constant('block' as const),
    period: fc.constant('monthly' as const),
    settlementDay: fc.integer({ min: 1, max: 28 }),
    blocks,
  }),
  fc.record({
    kind: fc.constant('block' as const),
    period: fc.constant('annual' as const),
    settlementMonth: fc.integer({ min: 1, max: 12 }),
    settlementDay: fc.integer({ min: 1, max: 28 }),
    blocks,
  }),
)

const basisPoints = fc.oneof(
  fc.constantFrom(0, 600, 900, 1300, 2000, 10_000),
  fc.integer({ min: 0, max: 10_000 }),
)

const tariff: fc.Arbitrary<TariffDefinition> = fc
  .record({
    pricing,
    vatRateBasisPoints: basisPoints,
    fixedMonthlyChargeFen: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5000 })),
    debtRecoveryBasisPoints: basisPoints,
    freeBasicKwhPerMonth: fc.oneof(
      fc.constant(0),
      fc.integer({ min: 0, max: 50 }),
      fc.constant(1000),
    ),
    minVendFen: fc.integer({ min: 0, max: 2000 }),
    extraMaxFen: fc.oneof(
      fc.integer({ min: 0, max: 200_000 }),
      fc.integer({ min: 0, max: 100_000_000 }),
    ),
    timeZone: fc.constantFrom(
      undefined,
      'Asia/Shanghai',
      'Africa/Johannesburg',
      'America/New_York',
      'Pacific/Chatham',
    ),
  })
  .map(({ extraMaxFen, timeZone, ...t }) => ({
    name: 'generated',
    currency: 'CNY' as const,
    ...t,
    maxVendFen: Math.min(100_000_000, t.minVendFen + extraMaxFen),
    ...(timeZone === undefined ? {} : { timeZone }),
  }))

const month = fc
  .integer({ min: 2024 * 12, max: 2027 * 12 + 11 })
  .map((i) => `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`)

const state: fc.Arbitrary<AccountTariffState> = fc.record({
  walletFen: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 10_000_000 })),
  arrearsFen: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 0, max: 100_000 }),
    fc.integer({ min: 0, max: 10_000_000_000 }),
  ),
  // Any whole Wh, not only multiples of 100: a meter swap or a migrated account can leave odd values.
  energyBoughtInPeriodWh: fc.oneof(
    fc.integer({ min: 0, max: 3_000_000 }),
    fc.integer({ min: 0, max: 3_000 }).map((k) => k * 1000),
  ),
  periodStart: fc
    .tuple(month, fc.integer({ min: 1, max: 28 }))
    .map(([m, d]) => `${m}-${String(d).padStart(2, '0')}`),
  fixedChargesPaidThroughMonth: month,
  freeBasicIssuedMonth: fc.option(month, { nil: null }),
})

const at = fc.integer({ min: FROM, max: TO })

function amountWithin(t: TariffDefinition): fc.Arbitrary<number> {
  return fc.oneof(
    fc.integer({ min: t.minVendFen, max: Math.min(t.maxVendFen, t.minVendFen + 20_000) }),
    fc.integer({ min: t.minVendFen, max: t.maxVendFen }),
  )
}

const vendCase = tariff.chain((t) =>
  fc.record({ tariff: fc.constant(t), state, amountFen: amountWithin(t), at }),
)

function vend(input: Parameters<typeof computeVend>[0]): TariffVendResult {
  const outcome = computeVend(input)
  if (!outcome.ok) throw new Error(`${outcome.code}: ${outcome.message}`)
  return outcome.result
}

describe('computeVend — properties', () => {
  it('accounts for every fen: amount + wallet used = energy + VAT + fixed + debt + carried over', () => {
    fc.assert(
      fc.property(vendCase, (input) => {
        const { breakdown: b } = vend(input)
        expect(input.amountFen + b.walletUsedFen).toBe(
          b.energyFen + b.vatFen + b.fixedChargesFen + b.debtRecoveredFen + b.carriedOverFen,
        )
        expect(b.walletUsedFen).toBe(input.state.walletFen)
        for (const v of Object.values(b)) {
          expect(Number.isSafeInteger(v)).toBe(true)
          expect(v).toBeGreaterThanOrEqual(0)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('puts whole 0.1 kWh units on the token, in amounts the token carries exactly', () => {
    fc.assert(
      fc.property(vendCase, (input) => {
        const r = vend(input)
        expect(r.energyWh % 100).toBe(0)
        expect(r.units01 * 100).toBe(r.energyWh)
        expect(r.energyWh).toBe(r.paidEnergyWh + r.freeBasicWh)
        expect(isExactTokenUnits(r.units01)).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it('respects block boundaries and lines that add up', () => {
    fc.assert(
      fc.property(vendCase, (input) => {
        const r = vend(input)
        const blocks = priceBlocks(input.tariff.pricing)
        const startWh = r.newState.energyBoughtInPeriodWh - r.paidEnergyWh
        let atWh = startWh
        let lastBlock = 0
        for (const line of r.blocks) {
          const block = blocks[line.blockNumber - 1]!
          expect(line.blockNumber).toBeGreaterThan(lastBlock)
          expect(line.priceFenPerKwh).toBe(block.priceFenPerKwh)
          expect(line.energyWh).toBeGreaterThan(0)
          // The line sits inside its block's range of energy bought in the period.
          expect(atWh).toBeGreaterThanOrEqual(block.fromWh)
          if (block.toWh !== null) expect(atWh + line.energyWh).toBeLessThanOrEqual(block.toWh)
          // Lower blocks are used up before a higher one starts.
          if (line !== r.blocks.at(-1) && block.toWh !== null)
            expect(atWh + line.energyWh).toBe(block.toWh)
          atWh += line.energyWh
          lastBlock = line.blockNumber
        }
        expect(atWh - startWh).toBe(r.paidEnergyWh)
        expect(r.blocks.reduce((s, l) => s + l.costFen, 0)).toBe(r.breakdown.energyFen)
      }),
      { numRuns: 300 },
    )
  })

  it('rounds the energy price up by less than a fen and VAT half up, and buys as much as the money allows', () => {
    fc.assert(
      fc.property(vendCase, (input) => {
        const r = vend(input)
        const b = r.breakdown
        const milliFen = r.blocks.reduce(
          (s, l) => s + BigInt(l.energyWh) * BigInt(l.priceFenPerKwh),
          0n,
        )
        const energyMilliFen = BigInt(b.energyFen) * 1000n
        expect(energyMilliFen >= milliFen && energyMilliFen - milliFen < 1000n).toBe(true)
        const vatTimes10k = BigInt(b.energyFen) * BigInt(input.tariff.vatRateBasisPoints)
        expect(BigInt(b.vatFen) * 10_000n - vatTimes10k).toBeLessThanOrEqual(5000n)
        expect(vatTimes10k - BigInt(b.vatFen) * 10_000n).toBeLessThan(5000n)

        // The next amount a token carries would cost more than the money left for energy.
        if (r.units01 < TOKEN_UNITS_MAX) {
          let nextUnits = r.units01 + 1
          while (tokenUnitsAtMost(nextUnits) !== nextUnits) nextUnits++
          const startWh = r.newState.energyBoughtInPeriodWh - r.paidEnergyWh
          const more = energyCost(input.tariff, {
            fromWh: startWh,
            energyWh: (nextUnits - r.units01) * 100 + r.paidEnergyWh,
          })
          expect(more.totalFen).toBeGreaterThan(b.energyFen + b.vatFen + b.carriedOverFen)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('never buys less energy with more money', () => {
    const pair = tariff.chain((t) =>
      fc.record({ tariff: fc.constant(t), state, at, a: amountWithin(t), b: amountWithin(t) }),
    )
    fc.assert(
      fc.property(pair, ({ tariff: t, state: s, at: when, a, b }) => {
        const [low, high] = a <= b ? [a, b] : [b, a]
        const lowVend = vend({ tariff: t, state: s, amountFen: low, at: when })
        const highVend = vend({ tariff: t, state: s, amountFen: high, at: when })
        expect(highVend.energyWh).toBeGreaterThanOrEqual(lowVend.energyWh)
        // One more fen, too (the tightest case).
        if (low + 1 <= t.maxVendFen) {
          expect(
            vend({ tariff: t, state: s, amountFen: low + 1, at: when }).energyWh,
          ).toBeGreaterThanOrEqual(lowVend.energyWh)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('leaves a state that validates, and loses nothing over a run of vends', () => {
    const run = tariff.chain((t) =>
      fc.record({
        tariff: fc.constant(t),
        state,
        start: at,
        steps: fc.array(
          fc.record({
            amountFen: amountWithin(t),
            afterMs: fc.integer({ min: 0, max: 40 * 86_400_000 }),
          }),
          { minLength: 1, maxLength: 8 },
        ),
      }),
    )
    fc.assert(
      fc.property(run, ({ tariff: t, state: s0, start, steps }) => {
        let s = s0
        let when = start
        let paidIn = s0.walletFen
        let accounted = 0
        let arrears = s0.arrearsFen
        for (const step of steps) {
          when += step.afterMs
          const r = vend({ tariff: t, state: s, amountFen: step.amountFen, at: when })
          const b = r.breakdown
          paidIn += step.amountFen
          accounted += b.energyFen + b.vatFen + b.fixedChargesFen + b.debtRecoveredFen
          arrears += r.fixedCharges.movedToArrearsFen - b.debtRecoveredFen
          expect(checkAccountTariffState(r.newState).ok).toBe(true)
          s = r.newState
        }
        // Cash in (and the opening wallet) = everything charged + what is still in the wallet.
        expect(paidIn).toBe(accounted + s.walletFen)
        expect(s.arrearsFen).toBe(arrears)
      }),
      { numRuns: 150 },
    )
  })

  it('quotes exactly what it would vend', () => {
    fc.assert(
      fc.property(vendCase, (input) => {
        const q = quoteVend(input)
        const { newState: _n, ...expected } = vend(input)
        expect(q).toEqual({ ok: true, quote: expected })
      }),
      { numRuns: 100 },
    )
  })
})
