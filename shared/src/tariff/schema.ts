/**
 * What a tariff is, as the central stores it and serves it from its API, and what the central keeps
 * per account so that the next vend can be priced. Both refuse unknown fields (DESIGN.md, Security);
 * the rules a schema cannot say (blocks ascending, a real time zone) are in check.ts.
 */
import { Type, type Static } from '@sinclair/typebox'
import { CURRENCY } from '../money.ts'
import { AmountFen, strict } from '../schemas/common.ts'

/** Periods and months are the deployment's local calendar (DESIGN.md, Time). */
export const DEFAULT_TARIFF_TIME_ZONE = 'Asia/Shanghai'

/**
 * Bounds chosen so that every product the engine forms stays below 2^53 (the proof is in
 * energy-cost.ts): ¥1000/kWh is far above any retail price, and ten blocks is more than any
 * 阶梯 scheme uses (China has three).
 */
export const TARIFF_LIMITS = {
  priceFenPerKwhMax: 100_000,
  blocksMax: 10,
  blockUpToKwhMax: 10_000_000,
  /** 1000 kWh = 10 000 token units: below the STS amount field's first step (16 383), see token-units.ts. */
  freeBasicKwhPerMonthMax: 1_000,
  walletFenMax: 10_000_000_000,
  arrearsFenMax: 1_000_000_000_000_000,
  energyBoughtInPeriodWhMax: 10_000_000_000_000,
} as const

/** Net of VAT, like AccountSummary.priceFenPerKwh; a zero price would make energy unbounded. */
const PriceFenPerKwh = Type.Integer({ minimum: 1, maximum: TARIFF_LIMITS.priceFenPerKwhMax })
const BasisPoints = Type.Integer({ minimum: 0, maximum: 10_000 })
/** At most 28 so that every month has the day and a period never starts on a day that is missing. */
const SettlementDay = Type.Integer({ minimum: 1, maximum: 28 })

export const TariffBlock = Type.Object(
  {
    /** Upper bound of the block in kWh bought in the period; null only on the last block. */
    upToKwh: Type.Union([
      Type.Integer({ minimum: 1, maximum: TARIFF_LIMITS.blockUpToKwhMax }),
      Type.Null(),
    ]),
    priceFenPerKwh: PriceFenPerKwh,
  },
  strict,
)
export type TariffBlock = Static<typeof TariffBlock>

const Blocks = Type.Array(TariffBlock, { minItems: 1, maxItems: TARIFF_LIMITS.blocksMax })

export const TariffFlatPricing = Type.Object(
  { kind: Type.Literal('flat'), priceFenPerKwh: PriceFenPerKwh },
  strict,
)
export type TariffFlatPricing = Static<typeof TariffFlatPricing>

/** 阶梯 counted per month; a period starts at local midnight of `settlementDay`. */
export const TariffMonthlyBlockPricing = Type.Object(
  {
    kind: Type.Literal('block'),
    period: Type.Literal('monthly'),
    settlementDay: SettlementDay,
    blocks: Blocks,
  },
  strict,
)
export type TariffMonthlyBlockPricing = Static<typeof TariffMonthlyBlockPricing>

/** 阶梯 counted per year (China's residential scheme); starts on settlementMonth/settlementDay. */
export const TariffAnnualBlockPricing = Type.Object(
  {
    kind: Type.Literal('block'),
    period: Type.Literal('annual'),
    settlementMonth: Type.Integer({ minimum: 1, maximum: 12 }),
    settlementDay: SettlementDay,
    blocks: Blocks,
  },
  strict,
)
export type TariffAnnualBlockPricing = Static<typeof TariffAnnualBlockPricing>

export const TariffPricing = Type.Union([
  TariffFlatPricing,
  TariffMonthlyBlockPricing,
  TariffAnnualBlockPricing,
])
export type TariffPricing = Static<typeof TariffPricing>

export const TariffDefinition = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    currency: Type.Literal(CURRENCY),
    pricing: TariffPricing,
    /** Added on top of the energy price (prices are net of VAT); 1300 = 13 %. Energy only. */
    vatRateBasisPoints: BasisPoints,
    /** Charged once per local calendar month, collected from the next vend; 0 = none. */
    fixedMonthlyChargeFen: AmountFen,
    /** Share of each vend's money (after fixed charges) that pays arrears while any remain. */
    debtRecoveryBasisPoints: BasisPoints,
    /** Free energy added to the first vend of each local calendar month; 0 = none. */
    freeBasicKwhPerMonth: Type.Integer({
      minimum: 0,
      maximum: TARIFF_LIMITS.freeBasicKwhPerMonthMax,
    }),
    /** Limits on the cash of one vend (the wallet is not counted). */
    minVendFen: AmountFen,
    maxVendFen: AmountFen,
    /** IANA zone for months and periods; absent = Asia/Shanghai. */
    timeZone: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, default: DEFAULT_TARIFF_TIME_ZONE }),
    ),
  },
  strict,
)
export type TariffDefinition = Static<typeof TariffDefinition>

/** 'YYYY-MM' and 'YYYY-MM-DD' in the tariff's zone; fixed width, so they compare as strings. */
export const TariffMonth = Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$' })
export const TariffLocalDate = Type.String({
  pattern: '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$',
})

export const AccountTariffState = Type.Object(
  {
    /** Money that bought no whole token unit, used first by the next vend. */
    walletFen: Type.Integer({ minimum: 0, maximum: TARIFF_LIMITS.walletFenMax }),
    /** Debt, recovered at debtRecoveryBasisPoints of each vend. */
    arrearsFen: Type.Integer({ minimum: 0, maximum: TARIFF_LIMITS.arrearsFenMax }),
    /** Paid energy bought since periodStart (free basic energy is not counted). */
    energyBoughtInPeriodWh: Type.Integer({
      minimum: 0,
      maximum: TARIFF_LIMITS.energyBoughtInPeriodWhMax,
    }),
    /** First local day of the block period that energyBoughtInPeriodWh belongs to. */
    periodStart: TariffLocalDate,
    /** The last month whose fixed charge is settled (paid, or moved into arrears). */
    fixedChargesPaidThroughMonth: TariffMonth,
    /** The last month whose free basic energy was issued; null = never. */
    freeBasicIssuedMonth: Type.Union([TariffMonth, Type.Null()]),
  },
  strict,
)
export type AccountTariffState = Static<typeof AccountTariffState>
