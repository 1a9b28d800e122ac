/**
 * What the analytics routes answer, as schemas: the routes serialise with them, and the console's
 * analytics page takes its types from them (import type), so the two cannot drift. Kept apart from
 * the routes so that importing them pulls in no server code.
 */
import { Type, type Static } from '@sinclair/typebox'

export const strict = { additionalProperties: false } as const

export const Day = Type.String({
  pattern: '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$',
  description: "local date 'YYYY-MM-DD'",
})

export const Month = Type.String({
  pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$',
  description: "local month 'YYYY-MM'",
})

export const Level = Type.Union([
  Type.Literal('meter'),
  Type.Literal('unit'),
  Type.Literal('building'),
  Type.Literal('site'),
])

export const MeterNo = Type.String({ pattern: '^[0-9]{11}$' })

export const Num = Type.Number()

export const NumOrNull = Type.Union([Type.Number(), Type.Null()])

export const StrOrNull = Type.Union([Type.String(), Type.Null()])

export const ScopesView = Type.Object({
  today: Day,
  firstDay: Type.Union([Day, Type.Null()]),
  lastDay: Type.Union([Day, Type.Null()]),
  sites: Type.Array(
    Type.Object({
      key: Type.String(),
      name: Type.String(),
      buildings: Type.Array(
        Type.Object({
          key: Type.String(),
          name: Type.String(),
          units: Type.Array(
            Type.Object({
              key: Type.String(),
              name: Type.String(),
              areaM2: NumOrNull,
              meters: Type.Array(Type.Object({ meterNo: Type.String(), profile: Type.String() })),
            }),
          ),
        }),
      ),
    }),
  ),
})

export const ConsumptionView = Type.Object({
  level: Level,
  granularity: Type.String(),
  from: Day,
  to: Day,
  periods: Type.Array(Type.String()),
  rows: Type.Array(
    Type.Object({
      key: Type.String(),
      members: Num,
      totalWh: Num,
      values: Type.Array(Num),
      coverage: Type.Array(Num),
    }),
  ),
})

export const ProfileView = Type.Object({
  from: Day,
  to: Day,
  meters: Num,
  weekdayW: Type.Array(NumOrNull),
  weekendW: Type.Array(NumOrNull),
  nightBaseW: NumOrNull,
  eveningPeakW: NumOrNull,
})

export const TopView = Type.Object({
  from: Day,
  to: Day,
  rows: Type.Array(Type.Object({ key: Type.String(), wh: Num, sharePct: Num, coverage: Num })),
})

export const ComparisonView = Type.Object({
  current: Type.Object({ from: Day, to: Day }),
  previous: Type.Object({ from: Day, to: Day }),
  rows: Type.Array(
    Type.Object({
      key: Type.String(),
      currentWh: Num,
      previousWh: Num,
      changeWh: Num,
      changePct: NumOrNull,
      comparable: Type.Boolean(),
      peer: Type.Union([
        Type.Object({ peerClass: Type.String(), peers: Num, medianWh: Num, percentile: Num }),
        Type.Null(),
      ]),
    }),
  ),
})

export const RunwayView = Type.Object({
  method: Type.String(),
  asOf: Day,
  rows: Type.Array(
    Type.Object({
      meterNo: Type.String(),
      unit: Type.String(),
      creditWh: NumOrNull,
      status: Type.String(),
      days: NumOrNull,
      low: NumOrNull,
      high: NumOrNull,
      expectedDailyWh: NumOrNull,
      daysLeftSimple: NumOrNull,
    }),
  ),
})

export const SalesView = Type.Object({
  site: Type.String(),
  method: Type.String(),
  params: Type.Object({ alpha: Num, beta: Num, gamma: Num, phi: Num, seasonal: Type.String() }),
  weeks: Type.Array(Type.Object({ weekStart: Day, energyWh: Num, amountFen: NumOrNull })),
  fenPerKwh: NumOrNull,
  holdout: Type.Object({
    weeks: Num,
    mapePct: NumOrNull,
    maeWh: Num,
    naiveMapePct: NumOrNull,
    naiveMaeWh: Num,
    skill: Num,
    actualWeeklyWh: Type.Array(Num),
    forecastWeeklyWh: Type.Array(Num),
  }),
  history: Type.Array(Type.Object({ day: Day, wh: Num })),
  forecast: Type.Array(Type.Object({ day: Day, wh: Num })),
  filledDays: Num,
})

export const Evidence = Type.Record(
  Type.String(),
  Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()]),
)

export const AlertView = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('suddenDrop'), Type.Literal('suddenRise'), Type.Literal('zeroWithRelayClosed'), Type.Literal('silent')]),
  meterNo: Type.String(),
  unit: StrOrNull,
  severity: Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  evidence: Evidence,
  firstSeenAt: Type.String(),
  lastSeenAt: Type.String(),
  acknowledgedBy: StrOrNull,
  acknowledgedAt: StrOrNull,
  ackNote: StrOrNull,
})

export const AllocationView = Type.Object({
  site: Type.String(),
  month: Month,
  pools: Type.Array(
    Type.Object({
      meterNo: Type.String(),
      name: Type.String(),
      building: StrOrNull,
      basis: Type.String(),
      energyWh: Num,
    }),
  ),
  lines: Type.Array(
    Type.Object({
      unit: Type.String(),
      areaM2: NumOrNull,
      ownWh: Num,
      sharedWh: Num,
      parts: Type.Array(
        Type.Object({ meterNo: Type.String(), energyWh: Num, sharePct: Num, basis: Type.String() }),
      ),
    }),
  ),
})

export const AdviceView = Type.Object({
  meterNo: Type.String(),
  unit: Type.String(),
  asOf: Day,
  peerClass: StrOrNull,
  advice: Type.Array(
    Type.Object({
      code: Type.String(),
      level: Type.Union([Type.Literal('warning'), Type.Literal('notice'), Type.Literal('info')]),
      figures: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String()])),
      text: Type.Object({ 'zh-CN': Type.String(), en: Type.String() }),
    }),
  ),
})
export type ScopesView = Static<typeof ScopesView>
export type ConsumptionView = Static<typeof ConsumptionView>
export type ProfileView = Static<typeof ProfileView>
export type TopView = Static<typeof TopView>
export type ComparisonView = Static<typeof ComparisonView>
export type RunwayView = Static<typeof RunwayView>
export type SalesView = Static<typeof SalesView>
export type AlertView = Static<typeof AlertView>
export type AllocationView = Static<typeof AllocationView>
export type AdviceView = Static<typeof AdviceView>
