/**
 * Builds each simulated meter's STS decoder: from its programming on first start, from its saved
 * state (key after key changes, TID memory, lockout) on every start after that.
 */
import { StsMeter, type StsMeterOptions, type StsMeterState } from './sts-meter.ts'
import type { DecoderFactory } from './token-decoder.ts'

export function stsDecoderFactory(options?: Partial<StsMeterOptions>): DecoderFactory {
  return (p, wallClock, saved) => {
    // fromState checks the saved state and refuses a malformed one rather than forgetting used TIDs.
    if (saved !== undefined) return StsMeter.fromState(saved as StsMeterState, wallClock, options)
    return new StsMeter({
      key: { ea: p.ea, dk: BigInt(`0x${p.dkHex}`) },
      baseDate: p.baseDate,
      ken: p.ken,
      kt: p.kt,
      krn: p.krn,
      ti: p.ti,
      sgc: p.sgc,
      mfrCode: p.mfrCode ?? 0,
      clock: wallClock,
      ...(options !== undefined ? { options } : {}),
    })
  }
}
