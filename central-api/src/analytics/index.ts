/**
 * Usage analytics: consumption views, forecasts, anomalies, 公摊 allocation and advice — pure
 * computation over in-memory interval data. Storage, routes and screens call these; nothing here
 * does I/O or reads a clock (callers pass "as of" days and "now").
 *
 * Flow: MeterReading[] → ingest (intervalsFromReadings / ingestIntoStore) → IntervalStore on a
 * grid → buildCalendar (local days in the deployment's zone) → dailyRollup → views, forecasts,
 * detectors, advice.
 */
export {
  DAY_MS,
  DEFAULT_TIME_ZONE,
  HOUR_MS,
  QUARTER_HOUR_MS,
  buildCalendar,
  dayIndex,
  dayNumberOf,
  dayOfInstant,
  dayStartMs,
  gridForLocalDays,
  isoWeekLabel,
  labelOfDayNumber,
  monthLabel,
  type Calendar,
  type IntervalGrid,
} from './calendar.ts'
export { offsetMinutesAt, zoneOffsets, type ZoneOffsets } from './time-zone.ts'
export {
  IntervalStore,
  MISSING_16,
  MISSING_32,
  emptyIntervals,
  getBit,
  type EnergyRow,
  type MeterIntervals,
} from './interval-store.ts'
export {
  ingestIntoStore,
  intervalsFromReadings,
  type IngestOptions,
  type IngestQuality,
  type IngestResult,
  type StoreIngestReport,
} from './ingest.ts'
export {
  COMPARABLE_COVERAGE,
  aggregateRows,
  allDaysHourW,
  comparePeriods,
  coverage,
  dailyRollup,
  hierarchyRollup,
  hourlyProfiles,
  nightBaseW,
  periodRollup,
  previousRange,
  rangeTotal,
  topConsumers,
  weekdayEveningW,
  type DailyTable,
  type DayRange,
  type HierarchyTables,
  type HourlyProfiles,
  type Period,
  type PeriodComparison,
  type PeriodTable,
  type Placement,
  type RankedConsumer,
} from './rollup.ts'
export { MIN_PEERS, peerPositions, sizeClass, type PeerPosition } from './peers.ts'
export {
  DEFAULT_HOLDOUT_WEEKS,
  RUNWAY_METHOD,
  SALES_METHOD,
  backtestRunway,
  consumptionModel,
  creditRunway,
  dailySeries,
  evaluateForecast,
  expectedUse,
  forecastSiteSales,
  historyOf,
  seasonalNaive,
  type ConsumptionModel,
  type ForecastEvaluation,
  type HistoryDay,
  type Runway,
  type RunwayBacktest,
  type SalesForecast,
  type SalesForecastOptions,
} from './forecast.ts'
export {
  hwFit,
  hwForecast,
  hwSelect,
  type HwFit,
  type HwParams,
  type Seasonality,
} from './holt-winters.ts'
export {
  ANOMALY_THRESHOLDS,
  detectAnomalies,
  type Alert,
  type AlertEvidence,
  type AlertKind,
  type AnomalyInput,
  type AnomalyReport,
  type AnomalyThresholds,
  type Severity,
} from './anomalies.ts'
export {
  allocatePool,
  allocatePools,
  largestRemainder,
  lineLoss,
  type Allocation,
  type AllocationBasis,
  type AllocationLine,
  type AllocationMethod,
  type AllocationUnit,
  type LineLoss,
  type Pool,
  type StatementLine,
} from './allocation.ts'
export {
  ADVICE_THRESHOLDS,
  adviceFor,
  buildAdviceFacts,
  type Advice,
  type AdviceCode,
  type AdviceFacts,
  type AdviceFactsInput,
  type AdviceLevel,
} from './advice.ts'
export {
  PRICE_FEN_PER_KWH,
  applySilence,
  fillStore,
  generateMeter,
  readingsFor,
  seasonFactor,
  syntheticFleet,
  syntheticMeterFor,
  type FleetOptions,
  type Plant,
  type Profile,
  type SiteKind,
  type SyntheticMeter,
  type VendRecord,
} from './synthetic.ts'
