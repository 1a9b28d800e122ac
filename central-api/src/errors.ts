/**
 * Every error the central answers with, in one place (STYLE.md, API). Codes come from shared's
 * ErrorCode so kiosks and consoles can map them to their message catalogues.
 */
import createError from '@fastify/error'
import { ErrorCode, ErrorResponse } from '@gridtill/shared'

export const Errors = {
  validation: createError<typeof ErrorCode.VALIDATION, 400, [string]>(ErrorCode.VALIDATION, '%s', 400),
  notFound: createError<typeof ErrorCode.NOT_FOUND, 404, [string]>(ErrorCode.NOT_FOUND, '%s', 404),

  authMissing: createError(ErrorCode.AUTH_MISSING, 'Signed kiosk request or admin token required', 401),
  authBadSignature: createError(ErrorCode.AUTH_BAD_SIGNATURE, 'Signature does not verify', 401),
  authClockSkew: createError(ErrorCode.AUTH_CLOCK_SKEW, 'Request timestamp is outside the allowed window', 401),
  authReplayedNonce: createError(ErrorCode.AUTH_REPLAYED_NONCE, 'Nonce already used', 401),
  authKioskRevoked: createError(ErrorCode.AUTH_KIOSK_REVOKED, 'Kiosk has been revoked', 401),
  authUnknownKiosk: createError(ErrorCode.AUTH_UNKNOWN_KIOSK, 'Kiosk is not enrolled', 401),
  staffUnauthenticated: createError(ErrorCode.STAFF_UNAUTHENTICATED, 'Admin token is not valid', 401),
  enrollBadCode: createError(ErrorCode.ENROLL_BAD_CODE, 'Enrollment code is not valid', 401),

  cardUnknown: createError(ErrorCode.CARD_UNKNOWN, 'Card is not known', 404),
  cardBlocked: createError(ErrorCode.CARD_BLOCKED, 'Card is blocked', 403),
  meterUnknown: createError(ErrorCode.METER_UNKNOWN, 'Meter is not known', 404),
  accountClosed: createError(ErrorCode.ACCOUNT_CLOSED, 'Account is closed', 422),

  vendBelowMinimum: createError<typeof ErrorCode.VEND_AMOUNT_BELOW_MINIMUM, 422, [number]>(
    ErrorCode.VEND_AMOUNT_BELOW_MINIMUM,
    'Amount is below the minimum vend of %d fen',
    422,
  ),
  vendAboveMaximum: createError<typeof ErrorCode.VEND_AMOUNT_ABOVE_MAXIMUM, 422, [number]>(
    ErrorCode.VEND_AMOUNT_ABOVE_MAXIMUM,
    'Amount is above the maximum vend of %d fen',
    422,
  ),
  vendNotesMismatch: createError(ErrorCode.VEND_NOTES_MISMATCH, 'amountFen is not the sum of the notes', 422),
  vendIdReused: createError(ErrorCode.VEND_ID_REUSED, 'This vend id was already used with a different request', 422),
  vendNoteReused: createError<typeof ErrorCode.VEND_NOTE_REUSED, 422, [string]>(
    ErrorCode.VEND_NOTE_REUSED,
    'Note %s was already credited to another vend',
    422,
  ),
  vendInFlight: createError(ErrorCode.VEND_IN_FLIGHT, 'This vend is still being processed; retry with the same id', 409),
  tariffMissing: createError(ErrorCode.TARIFF_MISSING, 'No tariff in force for this account', 422),

  // A meter whose key has run out of TIDs cannot be vended to until a key change; not the kiosk's fault.
  stsTidRange: createError(ErrorCode.STS_TID_RANGE, 'Meter key has no TIDs left; a key change is needed', 503),
  stsKeyExpired: createError(ErrorCode.STS_KEY_EXPIRED, 'Meter key has expired; a key change is needed', 503),
} as const

/** Response schemas for the error statuses a route can answer with. */
export function errorResponses<S extends number>(...statuses: S[]): Record<S, typeof ErrorResponse> {
  const out = {} as Record<S, typeof ErrorResponse>
  for (const s of statuses) out[s] = ErrorResponse
  return out
}

