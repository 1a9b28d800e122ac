/** What the analytics routes answer (central-api/src/routes/analytics/index.ts). */
export type Level = 'meter' | 'unit' | 'building' | 'site'

export interface Scopes {
  today: string
  firstDay: string | null
  lastDay: string | null
  sites: {
    key: string
    name: string
    buildings: {
      key: string
      name: string
      units: {
        key: string
        name: string
        areaM2: number | null
        meters: { meterNo: string; profile: string }[]
      }[]
    }[]
  }[]
}

export interface Consumption {
  level: Level
  granularity: string
  from: string
  to: string
  periods: string[]
  rows: { key: string; members: number; totalWh: number; values: number[]; coverage: number[] }[]
}

export interface Profile {
  from: string
  to: string
  meters: number
  weekdayW: (number | null)[]
  weekendW: (number | null)[]
  nightBaseW: number | null
  eveningPeakW: number | null
}

export interface Top {
  from: string
  to: string
  rows: { key: string; wh: number; sharePct: number; coverage: number }[]
}

export interface Comparison {
  current: { from: string; to: string }
  previous: { from: string; to: string }
  rows: {
    key: string
    currentWh: number
    previousWh: number
    changeWh: number
    changePct: number | null
    comparable: boolean
    peer: { peerClass: string; peers: number; medianWh: number; percentile: number } | null
  }[]
}

export interface Runway {
  method: string
  asOf: string
  rows: {
    meterNo: string
    unit: string
    creditWh: number | null
    status: string
    days: number | null
    low: number | null
    high: number | null
    expectedDailyWh: number | null
    daysLeftSimple: number | null
  }[]
}

export interface Sales {
  site: string
  method: string
  weeks: { weekStart: string; energyWh: number; amountFen: number | null }[]
  fenPerKwh: number | null
  holdout: {
    weeks: number
    mapePct: number | null
    maeWh: number
    naiveMapePct: number | null
    naiveMaeWh: number
    skill: number
    actualWeeklyWh: number[]
    forecastWeeklyWh: number[]
  }
  history: { day: string; wh: number }[]
  forecast: { day: string; wh: number }[]
  filledDays: number
}

export interface Alert {
  id: string
  kind: 'suddenDrop' | 'suddenRise' | 'zeroWithRelayClosed' | 'silent'
  meterNo: string
  unit: string | null
  severity: 'low' | 'medium' | 'high'
  from: string
  to: string
  evidence: Record<string, number | string | boolean | null>
  acknowledgedBy: string | null
  acknowledgedAt: string | null
  ackNote: string | null
}

export interface Allocation {
  site: string
  month: string
  pools: {
    meterNo: string
    name: string
    building: string | null
    basis: string
    energyWh: number
  }[]
  lines: {
    unit: string
    areaM2: number | null
    ownWh: number
    sharedWh: number
    parts: { meterNo: string; energyWh: number; sharePct: number; basis: string }[]
  }[]
}

export interface AdviceView {
  meterNo: string
  unit: string
  asOf: string
  peerClass: string | null
  advice: {
    code: string
    level: 'warning' | 'notice' | 'info'
    figures: Record<string, number | string>
    text: { 'zh-CN': string; en: string }
  }[]
}
