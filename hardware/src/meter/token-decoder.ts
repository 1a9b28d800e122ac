/**
 * What the simulated meter needs from the STS decoder: enter a token, get the meter's verdict,
 * save its memory (key, TID memory, lockout). StsMeter (sts-meter.ts) fits it as it is; the
 * interface lets the energy side be tested with a stand-in and keeps the fleet independent of how
 * the decoder is built (sts-decoder.ts does that).
 */
import type { MeterProgramming } from './programming.ts'

export type DecoderVerdict =
  | {
      result: 'accepted'
      /**
       * What the token did (StsMeter's vocabulary). The energy side acts on `credit` (adds
       * `units` × 0.1 kWh), `clearCredit` (`value` = register), `maxPowerLimit` (`value` W) and
       * `clearTamper`; other kinds (key change, test, settings) are the decoder's business only.
       */
      kind: string
      units?: number
      value?: number
    }
  | { result: 'rejected'; reason: string }

export interface TokenDecoder {
  enterToken(token: string): DecoderVerdict
  /** JSON-safe state (no bigint), restored by the factory that built the decoder. */
  exportState(): unknown
  /** The meter's tamper sensor fired. */
  raiseTamper?(): void
  /** For the meter's display: key revision, type, tariff index… (never the key). */
  readonly keyInfo?: object
  readonly tidMemory?: readonly number[]
  isLockedOut?(): boolean
}

/** Builds a meter's decoder from its programming, or from its saved state after a restart. */
export type DecoderFactory = (
  programming: MeterProgramming,
  wallClock: () => number,
  saved?: unknown,
) => TokenDecoder
