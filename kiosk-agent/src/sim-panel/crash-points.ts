/**
 * Fault injection for the crash test (tests/chaos): the simulator panel arms one named point and
 * the process SIGKILLs itself the next time it passes there — a power cut at an exact step of the
 * money path, which a kill at a random moment would hit only by luck. Never armed on real
 * hardware (the panel exists only with DEVICES=simulated).
 */
export const CRASH_POINTS = [
  /** The acceptor reported a note in escrow; the machine has not answered stack or return. */
  'escrowed',
  /** STACK-1 accepted by the device; its credit event not yet handled. */
  'stacking',
  /** The credit handler committed the note; the driver has not ACKed the device. */
  'credited',
  /** The vend intent is in the journal; nothing posted yet. */
  'vendJournaled',
  /** The central answered the vend; the answer is not yet in the journal. */
  'posted',
  /** The receipt went to the printer; the journal does not know it came out. */
  'printing',
] as const
export type CrashPoint = (typeof CRASH_POINTS)[number]

let armed: CrashPoint | null = null

export function armCrash(point: CrashPoint | null): void {
  armed = point
}

export function crashPoint(point: CrashPoint): void {
  if (armed !== point) return
  // SIGKILL, not exit(): no handler, no flush, nothing finishes — as when the power goes.
  process.kill(process.pid, 'SIGKILL')
}
