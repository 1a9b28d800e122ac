/**
 * The tariff engine: pure, integer, reproducible. Rules of order and rounding: vend.ts and
 * energy-cost.ts headers.
 */
export {
  AccountTariffState,
  DEFAULT_TARIFF_TIME_ZONE,
  TARIFF_LIMITS,
  TariffAnnualBlockPricing,
  TariffBlock,
  TariffDefinition,
  TariffFlatPricing,
  TariffLocalDate,
  TariffMonth,
  TariffMonthlyBlockPricing,
  TariffPricing,
} from './schema.ts'
export { TariffErrorCode } from './errors.ts'
export {
  checkAccountTariffState,
  checkTariffDefinition,
  type TariffCheck,
  type TariffStateCheck,
} from './check.ts'
export { tariffCalendarAt, type TariffCalendar } from './calendar.ts'
export {
  energyCost,
  maxAffordableUnits,
  priceBlocks,
  type EnergyCost,
  type EnergyPricing,
  type PriceBlock,
  type TariffBlockCharge,
} from './energy-cost.ts'
export { TOKEN_UNITS_MAX, isExactTokenUnits, tokenUnitsAtMost } from './token-units.ts'
export {
  computeVend,
  energyBoughtInPeriod,
  fixedChargesDue,
  freeBasicDueWh,
  initialTariffState,
  quoteVend,
  type FixedChargeSettlement,
  type TariffQuoteOutcome,
  type TariffVendFailure,
  type TariffVendInput,
  type TariffVendOutcome,
  type TariffVendQuote,
  type TariffVendResult,
} from './vend.ts'
export { describeTariff, describeTariffTerms } from './describe.ts'
export { nextBlockInfo, type NextBlockInfo } from './next-block.ts'
