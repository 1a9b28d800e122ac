/**
 * Simulated time for the load model: real time sped up by `factor` around an anchor, so a demo at
 * 60× drains an hour of credit in a minute. Derived from absolute time (never accumulated per
 * tick), so it does not drift and every meter of a fleet agrees on the simulated hour.
 */
export class AcceleratedTime {
  constructor(
    readonly factor: number = 1,
    /** The real instant at which simulated and real time coincide. */
    readonly anchorMs: number = 0,
  ) {
    if (!Number.isFinite(factor) || factor <= 0)
      throw new RangeError('clock factor must be a positive number')
  }

  /** Simulated epoch ms (integer) for a real epoch ms. */
  sim(realMs: number): number {
    return this.factor === 1
      ? realMs
      : this.anchorMs + Math.round((realMs - this.anchorMs) * this.factor)
  }

  /** The real epoch ms at which simulated time reaches `simMs` (inverse of sim). */
  real(simMs: number): number {
    return this.factor === 1
      ? simMs
      : this.anchorMs + Math.round((simMs - this.anchorMs) / this.factor)
  }
}
