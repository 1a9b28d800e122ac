import { describe, expect, it } from 'vitest'
import { nextBlockInfo } from './next-block.ts'
import type { TariffDefinition } from './schema.ts'
import { APRIL_10, APRIL_STATE, FLAT_60, LADDER } from './test-tariffs.ts'

describe('nextBlockInfo', () => {
  it('says which block the next purchase starts in and how much is left in it', () => {
    // 190 kWh bought: block 1 (to 200 kWh) has 10 kWh left, then ¥0.61.
    expect(
      nextBlockInfo(LADDER, { ...APRIL_STATE, energyBoughtInPeriodWh: 190_000 }, APRIL_10),
    ).toMatchObject({
      blockNumber: 1,
      blockCount: 3,
      priceFenPerKwh: 56,
      remainingInBlockWh: 10_000,
      nextBlockPriceFenPerKwh: 61,
      periodStart: '2026-04-01',
      nextPeriodStart: '2026-05-01',
    })
    // Exactly 400 kWh: block 3, open-ended.
    expect(
      nextBlockInfo(LADDER, { ...APRIL_STATE, energyBoughtInPeriodWh: 400_000 }, APRIL_10),
    ).toMatchObject({
      blockNumber: 3,
      remainingInBlockWh: null,
      nextBlockPriceFenPerKwh: null,
    })
  })

  it('starts again from block 1 in a new period and shows what the next vend deducts first', () => {
    const t: TariffDefinition = {
      ...LADDER,
      fixedMonthlyChargeFen: 1000,
      freeBasicKwhPerMonth: 10,
      debtRecoveryBasisPoints: 2000,
    }
    const march = {
      ...APRIL_STATE,
      periodStart: '2026-03-01',
      energyBoughtInPeriodWh: 350_000,
      fixedChargesPaidThroughMonth: '2026-02',
      freeBasicIssuedMonth: '2026-03',
      arrearsFen: 700,
      walletFen: 3,
    }
    expect(nextBlockInfo(t, march, APRIL_10)).toEqual({
      blockNumber: 1,
      blockCount: 3,
      priceFenPerKwh: 56,
      vatRateBasisPoints: 0,
      energyBoughtInPeriodWh: 0,
      remainingInBlockWh: 200_000,
      nextBlockPriceFenPerKwh: 61,
      periodStart: '2026-04-01',
      nextPeriodStart: '2026-05-01',
      fixedChargesDueFen: 2000,
      fixedChargeMonthsDue: 2,
      arrearsFen: 700,
      debtRecoveryBasisPoints: 2000,
      walletFen: 3,
      freeBasicDueWh: 10_000,
    })
  })

  it('treats a flat tariff as one open block', () => {
    expect(nextBlockInfo(FLAT_60, APRIL_STATE, APRIL_10)).toMatchObject({
      blockNumber: 1,
      blockCount: 1,
      remainingInBlockWh: null,
      nextBlockPriceFenPerKwh: null,
    })
  })
})
