/**
 * Worked examples: every number below is computed by hand in the comment beside it, so that a change
 * in the rules shows up as a changed example rather than a silently different token.
 */
import { describe, expect, it } from 'vitest'
import { decodeAmount, encodeAmount } from '../sts/amount.ts'
import { APRIL_10, APRIL_STATE, FLAT_60, LADDER } from './test-tariffs.ts'
import { TariffErrorCode } from './errors.ts'
import {
  computeVend,
  initialTariffState,
  quoteVend,
  type TariffVendOutcome,
  type TariffVendResult,
} from './vend.ts'
import type { TariffDefinition } from './schema.ts'

function ok(outcome: TariffVendOutcome): TariffVendResult {
  if (!outcome.ok) throw new Error(`${outcome.code}: ${outcome.message}`)
  return outcome.result
}

describe('computeVend — worked examples', () => {
  it('prices a vend that crosses from block 1 into block 2', () => {
    // 190 kWh bought this month; ¥20.00.
    // Block 1 has 10 kWh left: 10 000 Wh × 56 = 560 000 m-fen (560.0 fen).
    // Block 2 gets what 1440 fen buys at 61 fen/kWh: 23 606.5 Wh → whole units: 23 600 Wh.
    // Σ = 560 000 + 23 600 × 61 = 560 000 + 1 439 600 = 1 999 600 m-fen → ⌈1999.6⌉ = 2000 fen.
    // One unit more: 560 000 + 23 700 × 61 = 2 005 700 → 2006 fen > 2000, so 336 units is the most.
    // Lines by cumulative rounding: block 1 ⌈560.0⌉ = 560, block 2 2000 − 560 = 1440.
    const r = ok(
      computeVend({
        tariff: LADDER,
        state: { ...APRIL_STATE, energyBoughtInPeriodWh: 190_000 },
        amountFen: 2000,
        at: APRIL_10,
      }),
    )
    expect(r.energyWh).toBe(33_600)
    expect(r.units01).toBe(336)
    expect(r.blocks).toEqual([
      { blockNumber: 1, priceFenPerKwh: 56, energyWh: 10_000, costFen: 560 },
      { blockNumber: 2, priceFenPerKwh: 61, energyWh: 23_600, costFen: 1440 },
    ])
    expect(r.breakdown).toEqual({
      energyFen: 2000,
      vatFen: 0,
      fixedChargesFen: 0,
      debtRecoveredFen: 0,
      walletUsedFen: 0,
      carriedOverFen: 0,
    })
    expect(r.newState.energyBoughtInPeriodWh).toBe(223_600)
  })

  it('collects this month and two missed months of fixed charges on the first vend of a month', () => {
    // ¥10.00 a month, settled through January; a vend on 10 April owes Feb, Mar, Apr = 3 × 1000 = 3000.
    // ¥50.00 − 3000 = 2000 fen for energy at 6 fen per 0.1 kWh: 333 units = 1998 fen; 2 fen carried over.
    const tariff: TariffDefinition = { ...FLAT_60, fixedMonthlyChargeFen: 1000 }
    const state = { ...APRIL_STATE, fixedChargesPaidThroughMonth: '2026-01' }
    const r = ok(computeVend({ tariff, state, amountFen: 5000, at: APRIL_10 }))
    expect(r.fixedCharges).toEqual({
      months: 3,
      fromMonth: '2026-02',
      throughMonth: '2026-04',
      dueFen: 3000,
      paidFen: 3000,
      movedToArrearsFen: 0,
    })
    expect(r.breakdown).toEqual({
      energyFen: 1998,
      vatFen: 0,
      fixedChargesFen: 3000,
      debtRecoveredFen: 0,
      walletUsedFen: 0,
      carriedOverFen: 2,
    })
    expect(r.energyWh).toBe(33_300)
    expect(r.newState).toMatchObject({
      fixedChargesPaidThroughMonth: '2026-04',
      walletFen: 2,
      arrearsFen: 0,
    })

    // A second vend in April owes nothing more: 5000 + 2 = 5002 fen → 833 units = 4998; 4 carried.
    const again = ok(
      computeVend({ tariff, state: r.newState, amountFen: 5000, at: APRIL_10 + 3_600_000 }),
    )
    expect(again.fixedCharges.months).toBe(0)
    expect(again.breakdown).toEqual({
      energyFen: 4998,
      vatFen: 0,
      fixedChargesFen: 0,
      debtRecoveredFen: 0,
      walletUsedFen: 2,
      carriedOverFen: 4,
    })
  })

  it('moves fixed charges the money cannot cover into arrears', () => {
    // ¥20.00 a month × 3 months = 6000 due; ¥50.00 pays 5000 of it; 1000 becomes debt; no energy.
    const tariff: TariffDefinition = { ...FLAT_60, fixedMonthlyChargeFen: 2000 }
    const state = { ...APRIL_STATE, fixedChargesPaidThroughMonth: '2026-01', arrearsFen: 500 }
    const r = ok(computeVend({ tariff, state, amountFen: 5000, at: APRIL_10 }))
    expect(r.fixedCharges).toMatchObject({ dueFen: 6000, paidFen: 5000, movedToArrearsFen: 1000 })
    expect(r.breakdown).toEqual({
      energyFen: 0,
      vatFen: 0,
      fixedChargesFen: 5000,
      debtRecoveredFen: 0,
      walletUsedFen: 0,
      carriedOverFen: 0,
    })
    expect(r.energyWh).toBe(0)
    expect(r.newState).toMatchObject({ arrearsFen: 1500, fixedChargesPaidThroughMonth: '2026-04' })
  })

  it('recovers debt at 20 % of each vend until it is paid', () => {
    // Arrears ¥30.00. ¥50.00: debt ⌊5000 × 20 %⌋ = 1000; 4000 fen → 666 units = 3996 fen; 4 carried.
    const tariff: TariffDefinition = { ...FLAT_60, debtRecoveryBasisPoints: 2000 }
    const first = ok(
      computeVend({
        tariff,
        state: { ...APRIL_STATE, arrearsFen: 3000 },
        amountFen: 5000,
        at: APRIL_10,
      }),
    )
    expect(first.breakdown).toEqual({
      energyFen: 3996,
      vatFen: 0,
      fixedChargesFen: 0,
      debtRecoveredFen: 1000,
      walletUsedFen: 0,
      carriedOverFen: 4,
    })
    expect(first.newState).toMatchObject({ arrearsFen: 2000, walletFen: 4 })

    // ¥100.00 + 4 in the wallet = 10 004; ⌊10 004 × 20 %⌋ = 2000, all that is owed;
    // 8004 fen → 1334 units = 8004 fen exactly; nothing carried.
    const second = ok(
      computeVend({ tariff, state: first.newState, amountFen: 10_000, at: APRIL_10 + 60_000 }),
    )
    expect(second.breakdown).toEqual({
      energyFen: 8004,
      vatFen: 0,
      fixedChargesFen: 0,
      debtRecoveredFen: 2000,
      walletUsedFen: 4,
      carriedOverFen: 0,
    })
    expect(second.newState.arrearsFen).toBe(0)

    // Debt cleared: the next vend recovers nothing.
    const third = ok(
      computeVend({ tariff, state: second.newState, amountFen: 1200, at: APRIL_10 + 120_000 }),
    )
    expect(third.breakdown.debtRecoveredFen).toBe(0)
    expect(third.units01).toBe(200)
  })

  it('adds 13 % VAT on the energy, rounded half up, and carries the remainder to the next vend', () => {
    // 6 fen per 0.1 kWh before VAT. ¥50.00:
    //   737 units: net 4422, VAT 4422 × 13 % = 574.86 → 575, total 4997 ≤ 5000
    //   738 units: net 4428, VAT 575.64 → 576, total 5004 > 5000 → 737 units, 3 fen carried.
    const tariff: TariffDefinition = { ...FLAT_60, vatRateBasisPoints: 1300 }
    const first = ok(computeVend({ tariff, state: APRIL_STATE, amountFen: 5000, at: APRIL_10 }))
    expect(first.units01).toBe(737)
    expect(first.breakdown).toEqual({
      energyFen: 4422,
      vatFen: 575,
      fixedChargesFen: 0,
      debtRecoveredFen: 0,
      walletUsedFen: 0,
      carriedOverFen: 3,
    })

    // Next vend ¥10.00 + the 3 fen wallet = 1003:
    //   148 units: net 888, VAT 115.44 → 115, total 1003 — exactly the budget
    //   149 units: net 894, VAT 116.22 → 116, total 1010 > 1003.
    const second = ok(
      computeVend({ tariff, state: first.newState, amountFen: 1000, at: APRIL_10 + 60_000 }),
    )
    expect(second.units01).toBe(148)
    expect(second.breakdown).toEqual({
      energyFen: 888,
      vatFen: 115,
      fixedChargesFen: 0,
      debtRecoveredFen: 0,
      walletUsedFen: 3,
      carriedOverFen: 0,
    })
    expect(second.newState.walletFen).toBe(0)
  })

  it('refuses amounts outside the minimum and maximum vend and changes nothing', () => {
    const below = computeVend({ tariff: FLAT_60, state: APRIL_STATE, amountFen: 999, at: APRIL_10 })
    expect(below).toMatchObject({
      ok: false,
      code: TariffErrorCode.VEND_AMOUNT_BELOW_MINIMUM,
      minVendFen: 1000,
    })
    const above = computeVend({
      tariff: FLAT_60,
      state: APRIL_STATE,
      amountFen: 200_001,
      at: APRIL_10,
    })
    expect(above).toMatchObject({
      ok: false,
      code: 'ERR_VEND_AMOUNT_ABOVE_MAXIMUM',
      maxVendFen: 200_000,
    })
    // The limits themselves are allowed.
    expect(
      computeVend({ tariff: FLAT_60, state: APRIL_STATE, amountFen: 1000, at: APRIL_10 }).ok,
    ).toBe(true)
    expect(
      computeVend({ tariff: FLAT_60, state: APRIL_STATE, amountFen: 200_000, at: APRIL_10 }).ok,
    ).toBe(true)
  })

  it('adds the free basic allowance to the first vend of each month only', () => {
    // 10 kWh free a month. First April vend ¥10.00: 166 units paid (996 fen, 4 carried) + 100 free.
    const tariff: TariffDefinition = { ...FLAT_60, freeBasicKwhPerMonth: 10 }
    const state = { ...APRIL_STATE, freeBasicIssuedMonth: '2026-03' }
    const first = ok(computeVend({ tariff, state, amountFen: 1000, at: APRIL_10 }))
    expect(first).toMatchObject({
      freeBasicWh: 10_000,
      paidEnergyWh: 16_600,
      energyWh: 26_600,
      units01: 266,
    })
    expect(first.breakdown.carriedOverFen).toBe(4)
    // Free energy is not "bought": it does not push the resident up the blocks.
    expect(first.newState).toMatchObject({
      freeBasicIssuedMonth: '2026-04',
      energyBoughtInPeriodWh: 16_600,
    })

    // Second April vend: 1004 fen → 167 units (1002), 2 carried, nothing free.
    const second = ok(
      computeVend({ tariff, state: first.newState, amountFen: 1000, at: APRIL_10 + 86_400_000 }),
    )
    expect(second).toMatchObject({ freeBasicWh: 0, energyWh: 16_700 })

    // 1 May 00:05 in Shanghai is 30 April 16:05 UTC: a new month, a new allowance.
    const may = ok(
      computeVend({
        tariff,
        state: second.newState,
        amountFen: 1000,
        at: Date.UTC(2026, 3, 30, 16, 5),
      }),
    )
    expect(may.freeBasicWh).toBe(10_000)
  })

  it('starts a new month and block period at local midnight in Asia/Shanghai', () => {
    // 250 kWh bought in March (in block 2), free and fixed charges settled for March.
    // Tariff: LADDER with ¥10.00 a month fixed and 10 kWh free.
    const tariff: TariffDefinition = {
      ...LADDER,
      fixedMonthlyChargeFen: 1000,
      freeBasicKwhPerMonth: 10,
    }
    const march = {
      walletFen: 0,
      arrearsFen: 0,
      energyBoughtInPeriodWh: 250_000,
      periodStart: '2026-03-01',
      fixedChargesPaidThroughMonth: '2026-03',
      freeBasicIssuedMonth: '2026-03',
    }
    // 2026-03-31T15:59:59.999Z is 23:59:59.999 on 31 March in Shanghai: still March, block 2.
    // ¥50.00 at 61 fen/kWh: 81 967.2 Wh → 819 units: 81 900 × 61 = 4 995 900 m-fen → 4996; 4 carried.
    const lastMarch = ok(
      computeVend({
        tariff,
        state: march,
        amountFen: 5000,
        at: Date.UTC(2026, 2, 31, 15, 59, 59, 999),
      }),
    )
    expect(lastMarch).toMatchObject({
      month: '2026-03',
      periodStart: '2026-03-01',
      freeBasicWh: 0,
      energyWh: 81_900,
    })
    expect(lastMarch.blocks).toEqual([
      { blockNumber: 2, priceFenPerKwh: 61, energyWh: 81_900, costFen: 4996 },
    ])
    expect(lastMarch.breakdown).toMatchObject({ fixedChargesFen: 0, carriedOverFen: 4 })

    // 2026-03-31T16:30Z is 00:30 on 1 April: April's fixed charge, April's allowance, block 1 again.
    // ¥50.00 − 1000 fixed = 4000 at 56 fen/kWh: 71 428.6 Wh → 714 units:
    //   71 400 × 56 = 3 998 400 m-fen → 3999 fen (715 units: 4 004 000 → 4004 > 4000); 1 carried.
    const firstApril = ok(
      computeVend({ tariff, state: march, amountFen: 5000, at: Date.UTC(2026, 2, 31, 16, 30) }),
    )
    expect(firstApril).toMatchObject({
      month: '2026-04',
      periodStart: '2026-04-01',
      freeBasicWh: 10_000,
      paidEnergyWh: 71_400,
      energyWh: 81_400,
    })
    expect(firstApril.breakdown).toEqual({
      energyFen: 3999,
      vatFen: 0,
      fixedChargesFen: 1000,
      debtRecoveredFen: 0,
      walletUsedFen: 0,
      carriedOverFen: 1,
    })
    expect(firstApril.newState).toEqual({
      walletFen: 1,
      arrearsFen: 0,
      energyBoughtInPeriodWh: 71_400,
      periodStart: '2026-04-01',
      fixedChargesPaidThroughMonth: '2026-04',
      freeBasicIssuedMonth: '2026-04',
    })
  })

  it('never rewinds the state for a vend stamped before it (an offline vend uploaded late)', () => {
    // The state is already in April; a vend paid on 31 March is priced in April's period and
    // neither re-issues the allowance nor re-charges a month.
    const tariff: TariffDefinition = {
      ...LADDER,
      fixedMonthlyChargeFen: 1000,
      freeBasicKwhPerMonth: 10,
    }
    const state = { ...APRIL_STATE, energyBoughtInPeriodWh: 100_000 }
    const r = ok(computeVend({ tariff, state, amountFen: 1120, at: Date.UTC(2026, 2, 31, 10) }))
    // 1120 fen at 56 fen/kWh = exactly 20 kWh.
    expect(r).toMatchObject({ freeBasicWh: 0, energyWh: 20_000, periodStart: '2026-04-01' })
    expect(r.fixedCharges.months).toBe(0)
    expect(r.newState).toMatchObject({
      energyBoughtInPeriodWh: 120_000,
      fixedChargesPaidThroughMonth: '2026-04',
      freeBasicIssuedMonth: '2026-04',
    })
  })

  it('sells only amounts an STS token carries exactly, keeping the rest in the wallet', () => {
    // ¥1000.00 at 56 fen/kWh buys 1 785 714 Wh → 17 857 units. Above 16 383 the token's amount
    // field steps by 10 from 16 384 (sts.md §4): 16 384 + 10 × 147 = 17 854 is the largest below.
    // 1 785 400 Wh × 56 = 99 982 400 m-fen → 99 983 fen; 17 fen stay in the wallet (17 857 units
    // would have cost ⌈99 999.2⌉ = 100 000 but the token would have credited 17 864).
    const tariff: TariffDefinition = { ...LADDER, pricing: { kind: 'flat', priceFenPerKwh: 56 } }
    const r = ok(computeVend({ tariff, state: APRIL_STATE, amountFen: 100_000, at: APRIL_10 }))
    expect(r.units01).toBe(17_854)
    expect(r.breakdown).toMatchObject({ energyFen: 99_983, carriedOverFen: 17 })
    expect(decodeAmount(encodeAmount(r.units01))).toBe(r.units01)
  })

  it('quotes the same numbers without a new state', () => {
    const input = {
      tariff: LADDER,
      state: { ...APRIL_STATE, energyBoughtInPeriodWh: 190_000 },
      amountFen: 2000,
      at: APRIL_10,
    }
    const quote = quoteVend(input)
    const vend = ok(computeVend(input))
    const { newState: _ignored, ...expected } = vend
    expect(quote).toEqual({ ok: true, quote: expected })
    expect('newState' in (quote.ok ? quote.quote : {})).toBe(false)
  })

  it('opens an account owing the opening month, with nothing bought', () => {
    // 2026-04-10 10:00 Shanghai: March is the last settled month, so April's charge comes first.
    expect(initialTariffState(LADDER, APRIL_10)).toEqual({
      walletFen: 0,
      arrearsFen: 0,
      energyBoughtInPeriodWh: 0,
      periodStart: '2026-04-01',
      fixedChargesPaidThroughMonth: '2026-03',
      freeBasicIssuedMonth: null,
    })
    // January rolls back into the previous year.
    expect(initialTariffState(LADDER, Date.UTC(2026, 0, 5)).fixedChargesPaidThroughMonth).toBe(
      '2025-12',
    )
  })

  it('refuses a bad tariff or state with a code instead of pricing from it', () => {
    const badTariff = {
      ...LADDER,
      pricing: { ...LADDER.pricing, blocks: [{ upToKwh: 200, priceFenPerKwh: 56 }] },
    } as TariffDefinition
    expect(
      computeVend({ tariff: badTariff, state: APRIL_STATE, amountFen: 2000, at: APRIL_10 }),
    ).toMatchObject({ ok: false, code: 'ERR_TARIFF_INVALID' })
    const badState = { ...APRIL_STATE, walletFen: -1 }
    expect(
      computeVend({ tariff: LADDER, state: badState, amountFen: 2000, at: APRIL_10 }),
    ).toMatchObject({ ok: false, code: 'ERR_TARIFF_STATE_INVALID' })
    expect(() =>
      computeVend({ tariff: LADDER, state: APRIL_STATE, amountFen: 20.5, at: APRIL_10 }),
    ).toThrow(RangeError)
  })
})
