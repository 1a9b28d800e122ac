/**
 * GET /api/v1/cards/:cardNo/history — a card's recent purchases and monthly consumption, for the
 * kiosk's history screen (kiosk-signed; issue #8). Keyed by the card, not by an account id: the
 * kiosk can ask only about a card a resident has just presented to it.
 */
import { Type, type Static } from '@sinclair/typebox'
import { AmountFen, EnergyWh, IsoTime, MeterNo, TokenDigits, strict } from './common.ts'
import { DeliveryState } from './kiosk-api.ts'

/** The meter's answer to a vend's token; 'cancelled' when the vend was reversed before acceptance. */
export const HistoryDeliveryState = Type.Union([DeliveryState, Type.Literal('cancelled')])
export type HistoryDeliveryState = Static<typeof HistoryDeliveryState>

export const HistoryVend = Type.Object(
  {
    vendId: Type.String(),
    receiptNo: Type.String(),
    meterNo: MeterNo,
    meterNoDisplay: Type.String(),
    /** When the resident paid. */
    paidAt: IsoTime,
    amountFen: AmountFen,
    energyWh: EnergyWh,
    tokens: Type.Array(TokenDigits),
    /** Null when the vend bought no energy (no token to deliver). */
    delivery: Type.Union([
      Type.Object({ state: HistoryDeliveryState, reason: Type.Union([Type.String(), Type.Null()]), updatedAt: IsoTime }, strict),
      Type.Null(),
    ]),
  },
  strict,
)
export type HistoryVend = Static<typeof HistoryVend>

export const HistoryMonth = Type.Object(
  {
    /** 'YYYY-MM' in the deployment's time zone. */
    month: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}$' }),
    /** Energy-register increase over the month, all the account's meters; null without readings. */
    energyWh: Type.Union([EnergyWh, Type.Null()]),
  },
  strict,
)
export type HistoryMonth = Static<typeof HistoryMonth>

export const AccountHistoryResponse = Type.Object(
  {
    accountId: Type.String(),
    /** Newest first. */
    vends: Type.Array(HistoryVend),
    /** The past 12 months including the current one, oldest first. */
    months: Type.Array(HistoryMonth, { minItems: 12, maxItems: 12 }),
    timeZone: Type.String(),
  },
  strict,
)
export type AccountHistoryResponse = Static<typeof AccountHistoryResponse>
