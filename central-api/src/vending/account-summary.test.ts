import { describe, expect, it } from 'vitest'
import type { TariffDefinition } from '@gridtill/shared'
import type { AccountView, ReadingRecord } from '../storage/repository.ts'
import { accountSummary } from './account-summary.ts'

const LADDER: TariffDefinition = {
  currency: 'CNY',
  vatRateBasisPoints: 0,
  fixedMonthlyChargeFen: 0,
  debtRecoveryBasisPoints: 0,
  freeBasicKwhPerMonth: 0,
  minVendFen: 1000,
  maxVendFen: 200_000,
  name: '居民阶梯电价 Residential blocks',
  pricing: {
    kind: 'block',
    period: 'monthly',
    settlementDay: 1,
    blocks: [
      { upToKwh: 200, priceFenPerKwh: 56 },
      { upToKwh: 400, priceFenPerKwh: 61 },
      { upToKwh: null, priceFenPerKwh: 86 },
    ],
  },
}
/** 2026-04-10 10:00 in Shanghai. */
const AT = Date.UTC(2026, 3, 10, 2)
const DAY = 86_400_000
const METER = '58101000001'

function view(boughtWh: number, meters: AccountView['meters'] = [{ meterNo: METER, unitName: '1-101', lastCreditWh: 10_000 }]): AccountView {
  return {
    accountId: 'A1',
    customerName: '张三明',
    status: 'open',
    walletFen: 0,
    arrearsFen: 0,
    tariff: { versionId: 1, tariffName: LADDER.name, effectiveFrom: 0, definition: LADDER },
    tariffState: {
      walletFen: 0,
      arrearsFen: 0,
      energyBoughtInPeriodWh: boughtWh,
      periodStart: '2026-04-01',
      fixedChargesPaidThroughMonth: '2026-04',
      freeBasicIssuedMonth: '2026-04',
    },
    meters,
  }
}

/** Four days of readings using 2 kWh a day, 10 kWh of credit at the last one. */
const readings: ReadingRecord[] = [0, 1, 2, 3, 4].map((d) => ({
  meterNo: METER,
  at: AT - (4 - d) * DAY,
  energyWh: 100_000 + d * 2000,
  creditWh: 10_000,
  powerW: 80,
  relay: 'closed',
  tamper: false,
}))

describe('account summary', () => {
  it('names the block the next purchase starts in, with what is left of it this month', () => {
    const s = accountSummary(view(150_000), null, AT)
    expect(s.nextBlock).toEqual({ blockNumber: 1, blockCount: 3, priceFenPerKwh: 56, remainingWh: 50_000, nextPriceFenPerKwh: 61, resetsOn: '2026-05-01' })
    expect(s.priceFenPerKwh).toBe(56)
    const top = accountSummary(view(450_000), null, AT)
    expect(top.nextBlock).toMatchObject({ blockNumber: 3, priceFenPerKwh: 86, remainingWh: null, nextPriceFenPerKwh: null })
  })

  it('estimates whole days of credit from the focus meter’s recent consumption', () => {
    // Nothing used: the credit lasts indefinitely, which is no number of days.
    const idle = readings.map((r) => ({ ...r, energyWh: 100_000 }))
    expect(accountSummary(view(0), METER, AT, idle).daysLeft).toBeNull()
    expect(accountSummary(view(0), METER, AT, readings).daysLeft).toBe(5)
    // The credit is the meter's latest word (a token just accepted), not the last reading's: 9 kWh → 4.5 days, shown as 4.
    const topped = view(0, [{ meterNo: METER, unitName: '1-101', lastCreditWh: 9_000 }])
    expect(accountSummary(topped, METER, AT, readings).daysLeft).toBe(4)
    // No readings, no known credit, or no one meter in focus (two meters, none chosen): no estimate.
    expect(accountSummary(view(0), METER, AT, []).daysLeft).toBeNull()
    expect(accountSummary(view(0, [{ meterNo: METER, unitName: '1-101', lastCreditWh: null }]), METER, AT, readings).daysLeft).toBeNull()
    const two = view(0, [
      { meterNo: METER, unitName: '1-101', lastCreditWh: 10_000 },
      { meterNo: '58101000002', unitName: '1-102', lastCreditWh: 1 },
    ])
    expect(accountSummary(two, null, AT, readings).daysLeft).toBeNull()
  })
})
