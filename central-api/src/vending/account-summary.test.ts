import { describe, expect, it } from 'vitest'
import type { TariffDefinition } from '@gridtill/shared'
import type { AccountView, ReadingRecord } from '../storage/repository.ts'
import type { DailyEnergy } from '../storage/analytics-repository.ts'
import { accountSummary, kioskAdvice, loadAccountSummary } from './account-summary.ts'

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

  it('sends the daily use behind the estimate (whole Wh, rounded up) so the kiosk can print the days a purchase adds', () => {
    expect(accountSummary(view(0), METER, AT, readings).dailyUseWh).toBe(2000)
    const uneven = readings.map((r, d) => ({ ...r, energyWh: 100_000 + d * 1999.5 }))
    expect(accountSummary(view(0), METER, AT, uneven).dailyUseWh).toBe(2000)
    const idle = readings.map((r) => ({ ...r, energyWh: 100_000 }))
    expect(accountSummary(view(0), METER, AT, idle)).not.toHaveProperty('dailyUseWh')
    expect(accountSummary(view(0), METER, AT, [])).not.toHaveProperty('dailyUseWh')
    expect(accountSummary(view(0, [{ meterNo: METER, unitName: '1-101', lastCreditWh: null }]), METER, AT, readings)).not.toHaveProperty('dailyUseWh')
  })
})

/** Daily roll-ups: `whOf(day)` a day, every hour covered, for each day of February–April 9. */
function dailyRows(whOf: (day: string) => number, meterNo = METER): DailyEnergy[] {
  const out: DailyEnergy[] = []
  for (let t = Date.UTC(2026, 1, 1); t <= Date.UTC(2026, 3, 9); t += DAY) {
    const day = new Date(t).toISOString().slice(0, 10)
    out.push({ meterNo, day, wh: whOf(day), covered: 24, estimated: 0 })
  }
  return out
}

describe('kiosk advice', () => {
  const repoWith = (rows: DailyEnergy[]) => ({
    asked: [] as [readonly string[] | null, string, string][],
    dailyEnergy(meterNos: readonly string[] | null, from: string, to: string) {
      this.asked.push([meterNos, from, to])
      return Promise.resolve(rows.filter((r) => meterNos?.includes(r.meterNo) ?? true))
    },
    latestReadings: () => Promise.resolve(readings),
  })

  it('says when last month’s use rose sharply, in both languages, from the meter’s own daily roll-ups only', async () => {
    // February 3 kWh a day, March 6 kWh a day.
    const repo = repoWith(dailyRows((d) => (d.startsWith('2026-02') ? 3000 : 6000)))
    const advice = await kioskAdvice(repo, METER, AT, 'Asia/Shanghai')
    expect(advice).toHaveLength(1)
    expect(advice[0]).toMatchObject({ code: 'monthChange' })
    expect(advice[0]?.en).toBe('Your use in March 2026 was 186 kWh, 121% more than in February 2026 (84.0 kWh).')
    expect(advice[0]?.zh).toContain('增加了 121%')
    // One meter, one read, back to the start of the month before last.
    expect(repo.asked).toEqual([[[METER], '2026-02-01', '2026-04-09']])
  })

  it('is silent with steady use, with no roll-ups, and when the store fails; the lookup carries it only when there is some', async () => {
    expect(await kioskAdvice(repoWith(dailyRows(() => 5000)), METER, AT, 'Asia/Shanghai')).toEqual([])
    expect(await kioskAdvice(repoWith([]), METER, AT, 'Asia/Shanghai')).toEqual([])
    const broken = { dailyEnergy: () => Promise.reject(new Error('db down')) }
    expect(await kioskAdvice(broken, METER, AT, 'Asia/Shanghai')).toEqual([])
    const steady = await loadAccountSummary(repoWith(dailyRows(() => 5000)), view(0), METER, AT)
    expect(steady).not.toHaveProperty('advice')
    const rising = await loadAccountSummary(repoWith(dailyRows((d) => (d.startsWith('2026-02') ? 3000 : 6000))), view(0), METER, AT)
    expect(rising.advice?.map((a) => a.code)).toEqual(['monthChange'])
    expect(rising.daysLeft).toBe(5)
  })

  it('is cheap enough for a lookup (a few ms for one meter)', async () => {
    const repo = repoWith(dailyRows((d) => (d.startsWith('2026-02') ? 3000 : 6000)))
    await kioskAdvice(repo, METER, AT, 'Asia/Shanghai')
    const t0 = performance.now()
    for (let i = 0; i < 20; i++) await kioskAdvice(repo, METER, AT, 'Asia/Shanghai')
    const perCallMs = (performance.now() - t0) / 20
    console.log(`kiosk advice: ${perCallMs.toFixed(2)} ms per lookup`)
    expect(perCallMs).toBeLessThan(15)
  })
})
