/** What a kiosk screen may show of an account: masked name, meters, prices, balances, outlook. */
import { DEFAULT_TARIFF_TIME_ZONE, meterNoDisplay, nextBlockInfo, type AccountSummary } from '@gridtill/shared'
import { adviceFor, buildAdviceFacts } from '../analytics/index.ts'
import { estimateDaysLeft } from '../analytics/days-left.ts'
import { localDay } from '../analytics-service/rollup-job.ts'
import { addDays, dailyTableFrom, hourlyCalendar, intervalStoreFrom } from '../analytics-service/tables.ts'
import { Errors } from '../errors.ts'
import { maskName } from '../privacy.ts'
import type { AccountView, ReadingRecord, Repository } from '../storage/repository.ts'

/**
 * Readings fetched for the days-left estimate: its 14-day window at one reading every 15 minutes
 * (the meters' default interval) is 1344; fewer readings only shorten the basis.
 */
export const DAYS_LEFT_READINGS = 1400

/**
 * `focusMeterNo`: the meter the resident is buying for, whose last known credit and days left are
 * shown. `readings`: that meter's recent readings (any order), for the days-left estimate.
 */
export function accountSummary(view: AccountView, focusMeterNo: string | null, at: number, readings: readonly ReadingRecord[] = []): AccountSummary {
  if (view.status !== 'open') throw new Errors.accountClosed()
  if (view.tariff === null || view.tariffState === null) throw new Errors.tariffMissing()
  const focus = focusMeterNo !== null ? view.meters.find((m) => m.meterNo === focusMeterNo) : view.meters.length === 1 ? view.meters[0] : undefined
  const def = view.tariff.definition
  // A block tariff's price depends on what the account bought this period: the block it is in now.
  const next = nextBlockInfo(def, view.tariffState, at)
  // The rate from the readings (estimateDaysLeft), applied to the credit this screen shows: the
  // meter's latest word, which a token acceptance updates before the next reading comes in.
  const rate = focus === undefined ? null : estimateDaysLeft(readings.filter((r) => r.meterNo === focus.meterNo), at).avgDailyWh
  const estimate = rate === null || rate <= 0 || focus?.lastCreditWh == null ? null : Math.max(0, focus.lastCreditWh) / rate
  return {
    accountId: view.accountId,
    customerNameMasked: maskName(view.customerName),
    meters: view.meters.map((m) => ({ meterNo: m.meterNo, meterNoDisplay: meterNoDisplay(m.meterNo), unitName: m.unitName })),
    tariffName: view.tariff.tariffName,
    priceFenPerKwh: next.priceFenPerKwh,
    minVendFen: def.minVendFen,
    maxVendFen: def.maxVendFen,
    arrearsFen: view.arrearsFen,
    walletFen: view.walletFen,
    lastKnownCreditWh: focus?.lastCreditWh ?? null,
    // Whole days, rounded down: a kiosk should not promise the last part-day.
    daysLeft: estimate === null ? null : Math.floor(estimate),
    // Rounded up so the days printed for a purchase never overstate (≥ 1 Wh: the schema's floor).
    ...(rate === null || rate <= 0 || focus?.lastCreditWh == null ? {} : { dailyUseWh: Math.max(1, Math.ceil(rate)) }),
    nextBlock: {
      blockNumber: next.blockNumber,
      blockCount: next.blockCount,
      priceFenPerKwh: next.priceFenPerKwh,
      remainingWh: next.remainingInBlockWh === null ? null : Math.max(0, next.remainingInBlockWh),
      nextPriceFenPerKwh: next.nextBlockPriceFenPerKwh,
      resetsOn: next.nextPeriodStart,
    },
  }
}

/** What a kiosk screen has room for (AccountSummary.advice maxItems). */
export const KIOSK_ADVICE_MAX = 2

type KioskAdvice = NonNullable<AccountSummary['advice']>

/**
 * Advice for the kiosk from the meter's own daily roll-ups (the analytics caches), one indexed
 * read of about 90 rows. Not the analytics service's advice(): that loads the whole site's hourly
 * energy to place the meter among its peers, far too slow for a lookup. So only the rules that
 * need no peers can speak here (month-on-month change, judged without the peers' change); the
 * credit runway is left out because the screen already shows days left. Never fails the lookup.
 */
export async function kioskAdvice(repo: Pick<Repository, 'dailyEnergy'>, meterNo: string, at: number, timeZone: string): Promise<KioskAdvice> {
  try {
    const to = addDays(localDay(timeZone, at), -1)
    const from = `${addDays(to, -62).slice(0, 7)}-01`
    const rows = await repo.dailyEnergy([meterNo], from, to)
    if (rows.length === 0) return []
    const cal = hourlyCalendar(timeZone, from, to)
    const [facts] = buildAdviceFacts({
      store: intervalStoreFrom(cal, [meterNo], [], new Map()),
      daily: dailyTableFrom(cal, [meterNo], rows),
      asOfDay: cal.dayCount - 1,
      classesOf: () => [],
    })
    if (facts === undefined) return []
    return adviceFor(facts)
      .filter((a) => a.code !== 'creditRunway')
      .map((a) => ({ code: a.code, zh: a.text['zh-CN'], en: a.text.en }))
      // The schema's limits: a longer sentence is dropped rather than failing the whole answer.
      .filter((a) => a.zh.length <= 200 && a.en.length <= 300)
      .slice(0, KIOSK_ADVICE_MAX)
  } catch {
    return []
  }
}

/** The summary with the focus meter's readings (and its advice) loaded: the one place lookups build it. */
export async function loadAccountSummary(
  repo: Pick<Repository, 'latestReadings' | 'dailyEnergy'>,
  view: AccountView,
  focusMeterNo: string | null,
  at: number,
): Promise<AccountSummary> {
  const focus = focusMeterNo ?? (view.meters.length === 1 ? (view.meters[0]?.meterNo ?? null) : null)
  const timeZone = view.tariff?.definition.timeZone ?? DEFAULT_TARIFF_TIME_ZONE
  const [readings, advice] = await Promise.all([
    focus === null ? [] : repo.latestReadings(focus, DAYS_LEFT_READINGS),
    focus === null ? [] : kioskAdvice(repo, focus, at, timeZone),
  ])
  const summary = accountSummary(view, focusMeterNo, at, readings)
  return advice.length > 0 ? { ...summary, advice } : summary
}
