/**
 * The kiosk ↔ central contract (HTTP, JSON). Every request except enrolment is signed by the
 * kiosk's Ed25519 key (see kiosk-signature.ts); every vend carries an id minted at the kiosk.
 */
import { Type, type Static } from '@sinclair/typebox'
import { AmountFen, CardNo, EnergyWh, IsoTime, MeterNo, TokenDigits, Uuid, strict } from './common.ts'

export const API_PREFIX = '/api/v1'

// POST /api/v1/kiosks/enroll (unsigned; the one-time code is the credential)
export const EnrollRequest = Type.Object(
  {
    enrollmentCode: Type.String({ minLength: 6, maxLength: 64 }),
    /** Ed25519 public key, SPKI DER, base64. */
    publicKey: Type.String({ minLength: 40, maxLength: 200 }),
  },
  strict,
)
export type EnrollRequest = Static<typeof EnrollRequest>
export const EnrollResponse = Type.Object(
  { kioskId: Type.String(), name: Type.String(), siteName: Type.String(), location: Type.String() },
  strict,
)
export type EnrollResponse = Static<typeof EnrollResponse>

export const MeterSummary = Type.Object(
  {
    meterNo: MeterNo,
    /** DRN with its check digit as shown on screens and receipts. */
    meterNoDisplay: Type.String(),
    unitName: Type.String(),
  },
  strict,
)
export type MeterSummary = Static<typeof MeterSummary>

export const AccountSummary = Type.Object(
  {
    accountId: Type.String(),
    /** "张*明" — only as much of the name as the screen needs. */
    customerNameMasked: Type.String(),
    meters: Type.Array(MeterSummary),
    tariffName: Type.String(),
    /** Price of one kWh of energy before VAT, for display. */
    priceFenPerKwh: AmountFen,
    minVendFen: AmountFen,
    maxVendFen: AmountFen,
    arrearsFen: AmountFen,
    /** Money that did not buy a whole 0.1 kWh last time and waits for the next vend. */
    walletFen: AmountFen,
    lastKnownCreditWh: Type.Union([EnergyWh, Type.Null()]),
    /** Days the focus meter's credit lasts at its recent consumption; null when not estimable. */
    daysLeft: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    /**
     * The focus meter's recent use, Wh a day, behind daysLeft (absent when not estimable): lets the
     * kiosk print the days a purchase adds without asking again.
     */
    dailyUseWh: Type.Optional(Type.Integer({ minimum: 1 })),
    /** The tariff block the next purchase starts in (tariff engine's nextBlockInfo). */
    nextBlock: Type.Object(
      {
        /** 1-based; 1 of 1 for a flat tariff. */
        blockNumber: Type.Integer({ minimum: 1 }),
        blockCount: Type.Integer({ minimum: 1 }),
        /** Before VAT. */
        priceFenPerKwh: AmountFen,
        /** Energy left at this price this period; null in the open last block. */
        remainingWh: Type.Union([EnergyWh, Type.Null()]),
        nextPriceFenPerKwh: Type.Union([AmountFen, Type.Null()]),
        /** 'YYYY-MM-DD' (tariff calendar): when block 1 applies again. */
        resetsOn: Type.String(),
      },
      strict,
    ),
    /**
     * At most two short plain-language tips from the meter's own use (central-api analytics
     * advice), most pressing first; absent when there is nothing worth saying.
     */
    advice: Type.Optional(
      Type.Array(
        Type.Object(
          { code: Type.String({ maxLength: 32 }), zh: Type.String({ maxLength: 200 }), en: Type.String({ maxLength: 300 }) },
          strict,
        ),
        { maxItems: 2 },
      ),
    ),
  },
  strict,
)
export type AccountSummary = Static<typeof AccountSummary>

// GET /api/v1/cards/:cardNo
export const CardLookupResponse = Type.Union([
  Type.Object({ kind: Type.Literal('resident'), cardNo: CardNo, account: AccountSummary }, strict),
  Type.Object(
    {
      kind: Type.Literal('staff'),
      cardNo: CardNo,
      staffName: Type.String(),
      role: Type.Union([Type.Literal('field'), Type.Literal('cashier'), Type.Literal('admin')]),
    },
    strict,
  ),
])
export type CardLookupResponse = Static<typeof CardLookupResponse>

// GET /api/v1/meters/:meterNo/account
export const MeterLookupResponse = Type.Object({ account: AccountSummary }, strict)
export type MeterLookupResponse = Static<typeof MeterLookupResponse>

export const VendNote = Type.Object({ noteId: Uuid, valueFen: AmountFen }, strict)
export type VendNote = Static<typeof VendNote>

// POST /api/v1/vends/quote — a trial vend, nothing recorded
export const QuoteRequest = Type.Object({ meterNo: MeterNo, amountFen: AmountFen }, strict)
export type QuoteRequest = Static<typeof QuoteRequest>

export const VendBreakdown = Type.Object(
  {
    energyFen: AmountFen,
    vatFen: AmountFen,
    fixedChargesFen: AmountFen,
    debtRecoveredFen: AmountFen,
    /** Wallet money used by this vend (left over from earlier vends). */
    walletUsedFen: AmountFen,
    /** Money that did not buy a whole token unit and stays in the wallet. */
    carriedOverFen: AmountFen,
  },
  strict,
)
export type VendBreakdown = Static<typeof VendBreakdown>

export const QuoteResponse = Type.Object(
  { meterNo: MeterNo, amountFen: AmountFen, energyWh: EnergyWh, breakdown: VendBreakdown, tariffName: Type.String() },
  strict,
)
export type QuoteResponse = Static<typeof QuoteResponse>

// POST /api/v1/vends
export const VendRequest = Type.Object(
  {
    vendId: Uuid,
    meterNo: MeterNo,
    /** The card tapped, when the session began with a card. */
    cardNo: Type.Optional(CardNo),
    amountFen: AmountFen,
    notes: Type.Array(VendNote, { minItems: 1, maxItems: 200 }),
    /** When the kiosk took the money (the resident's time of purchase, also for offline vends). */
    paidAt: IsoTime,
  },
  strict,
)
export type VendRequest = Static<typeof VendRequest>

export const DeliveryState = Type.Union([
  Type.Literal('pending'),
  Type.Literal('sent'),
  Type.Literal('accepted'),
  Type.Literal('rejected'),
  // The vend was reversed before the meter took its token: the token is void and never sent again.
  Type.Literal('cancelled'),
])
export type DeliveryState = Static<typeof DeliveryState>

export const VendResponse = Type.Object(
  {
    vendId: Uuid,
    receiptNo: Type.String(),
    meterNo: MeterNo,
    meterNoDisplay: Type.String(),
    customerNameMasked: Type.String(),
    amountFen: AmountFen,
    energyWh: EnergyWh,
    /** 20-digit STS tokens in the order the meter needs them (one for a credit vend). */
    tokens: Type.Array(TokenDigits),
    breakdown: VendBreakdown,
    tariffName: Type.String(),
    createdAt: IsoTime,
  },
  strict,
)
export type VendResponse = Static<typeof VendResponse>

// GET /api/v1/vends/:vendId
export const VendStatusResponse = Type.Object(
  {
    vend: VendResponse,
    delivery: Type.Object(
      { state: DeliveryState, reason: Type.Optional(Type.String()), updatedAt: IsoTime },
      strict,
    ),
  },
  strict,
)
export type VendStatusResponse = Static<typeof VendStatusResponse>
