/** Tariffs and states shared by the tariff tests (not exported from the package). */
import type { AccountTariffState, TariffDefinition } from './schema.ts'

const terms = {
  currency: 'CNY',
  vatRateBasisPoints: 0,
  fixedMonthlyChargeFen: 0,
  debtRecoveryBasisPoints: 0,
  freeBasicKwhPerMonth: 0,
  minVendFen: 1000,
  maxVendFen: 200_000,
} as const

/** ¥0.60/kWh, nothing else. */
export const FLAT_60: TariffDefinition = {
  ...terms,
  name: '居民生活用电 Residential flat',
  pricing: { kind: 'flat', priceFenPerKwh: 60 },
}

/** Monthly 阶梯 from the 1st: 0–200 kWh ¥0.56, 200–400 kWh ¥0.61, above ¥0.86. */
export const LADDER: TariffDefinition = {
  ...terms,
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
export const APRIL_10 = Date.UTC(2026, 3, 10, 2)

/** An account that is settled through April 2026 and has bought nothing this period. */
export const APRIL_STATE: AccountTariffState = {
  walletFen: 0,
  arrearsFen: 0,
  energyBoughtInPeriodWh: 0,
  periodStart: '2026-04-01',
  fixedChargesPaidThroughMonth: '2026-04',
  freeBasicIssuedMonth: '2026-04',
}
