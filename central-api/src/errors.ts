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
  staffUnauthenticated: createError(ErrorCode.STAFF_UNAUTHENTICATED, 'Sign in first: no valid staff session or admin token', 401),
  staffBadCredentials: createError(ErrorCode.STAFF_UNAUTHENTICATED, 'Staff ID or password is not correct', 401),
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
  // A stored tariff or account state the engine refuses is our configuration fault: 503, code kept.
  tariffInvalid: createError<typeof ErrorCode.TARIFF_INVALID, 503, [string]>(ErrorCode.TARIFF_INVALID, '%s', 503),
  tariffStateInvalid: createError<typeof ErrorCode.TARIFF_STATE_INVALID, 503, [string]>(ErrorCode.TARIFF_STATE_INVALID, '%s', 503),

  staffForbidden: createError(ErrorCode.STAFF_FORBIDDEN, 'This staff role may not do that', 403),
  staffLocked: createError(ErrorCode.STAFF_LOCKED, 'Too many failed sign-ins; the account is locked for a while', 401),
  staffCsrf: createError(ErrorCode.STAFF_CSRF, 'The CSRF token is missing or does not match the session', 403),
  consoleConflict: createError<typeof ErrorCode.CONSOLE_CONFLICT, 409, [string]>(ErrorCode.CONSOLE_CONFLICT, '%s', 409),
  consoleUnprocessable: createError<typeof ErrorCode.CONSOLE_UNPROCESSABLE, 422, [string]>(ErrorCode.CONSOLE_UNPROCESSABLE, '%s', 422),
  staffSameApprover: createError(ErrorCode.STAFF_SAME_APPROVER, 'A second staff member must decide a request, not the one who made it', 403),
  requestNotPending: createError<typeof ErrorCode.REQUEST_NOT_PENDING, 409, [string]>(ErrorCode.REQUEST_NOT_PENDING, 'The request is already %s', 409),
  requestOpen: createError(ErrorCode.REQUEST_OPEN, 'A reversal of this vend is already waiting for approval', 409),
  reversalTokenAccepted: createError(ErrorCode.REVERSAL_TOKEN_ACCEPTED, 'The meter has accepted this token; the vend cannot be reversed', 422),
  reversalNotLatest: createError(
    ErrorCode.REVERSAL_NOT_LATEST,
    'The account has changed since this vend (a later vend, refund or reversal); reverse those first',
    422,
  ),
  reversalAlreadyDone: createError(ErrorCode.REVERSAL_ALREADY_DONE, 'This vend has already been reversed', 409),
  // Its energy went to the new meter as carried credit: refunding the money too would pay twice.
  reversalMeterSwapped: createError(
    ErrorCode.REVERSAL_METER_SWAPPED,
    "This vend's token was cancelled by a meter swap and its energy carried to the new meter; it cannot be reversed",
    422,
  ),
  refundExceedsWallet: createError<typeof ErrorCode.REFUND_EXCEEDS_WALLET, 422, [number]>(
    ErrorCode.REFUND_EXCEEDS_WALLET,
    'The wallet holds only %d fen',
    422,
  ),
  storageUnavailable: createError(ErrorCode.STORAGE_UNAVAILABLE, 'The database is not available', 503),

  // cash handling (routes/collections, routes/cash)
  idempotencyMismatch: createError(ErrorCode.IDEMPOTENCY_MISMATCH, 'This id was already used with a different request', 422),
  collectionCountsMismatch: createError<typeof ErrorCode.COLLECTION_COUNTS_MISMATCH, 422, [string]>(ErrorCode.COLLECTION_COUNTS_MISMATCH, '%s', 422),
  cashState: createError<typeof ErrorCode.CASH_STATE, 409, [string]>(ErrorCode.CASH_STATE, '%s', 409),
  cashReasonRequired: createError(ErrorCode.CASH_REASON_REQUIRED, 'An over or short count needs a reason', 422),
  cashSuspectUnresolved: createError(ErrorCode.CASH_SUSPECT_UNRESOLVED, 'Every suspect note must be resolved (genuine or absent) exactly once', 422),
  cashDepositSlipReused: createError(ErrorCode.CASH_DEPOSIT_SLIP_REUSED, 'This deposit slip number is already recorded', 409),
  exportFontMissing: createError<typeof ErrorCode.EXPORT_FONT_MISSING, 503, [string]>(ErrorCode.EXPORT_FONT_MISSING, '%s', 503),

  // field operations (routes/field-ops)
  workOrderExists: createError(ErrorCode.WORK_ORDER_EXISTS, 'This alert already has a work order', 409),
  workOrderState: createError<typeof ErrorCode.WORK_ORDER_STATE, 409, [string]>(ErrorCode.WORK_ORDER_STATE, '%s', 409),
  workOrderAssignee: createError(ErrorCode.WORK_ORDER_ASSIGNEE, 'Work orders go to active field or admin staff only', 422),

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

