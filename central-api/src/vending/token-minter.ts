/**
 * The vend's view of the security module: one credit token for a meter. Builds the module's
 * MeterKeyParams from a stored meter (the PAN is derived, never stored twice).
 */
import { randomInt } from 'node:crypto'
import { panFor } from '@gridtill/shared'
import type { MeterKeyParams, SecurityModule } from '../security-module/index.ts'
import type { MeterKeyInfo } from '../storage/repository.ts'

export interface CreditMinter {
  /** The token(s) crediting units01 × 0.1 kWh at tid, under the meter's current key. */
  mintCredit(meter: MeterKeyInfo, tid: number, units01: number): Promise<string[]>
}

export function meterKeyParams(m: MeterKeyInfo): MeterKeyParams {
  return { pan: panFor(m.iin, m.meterNo), sgc: m.sgc, ti: m.ti, krn: m.krn, kt: m.kt, ea: m.ea, dkga: m.dkga, baseDate: m.baseDate, ken: m.ken }
}

export function securityModuleMinter(sm: SecurityModule): CreditMinter {
  return {
    mintCredit(meter, tid, units01) {
      // RND (sts.md §5) is 4 random bits; it travels inside the stored token.
      const token = { class: 0 as const, subclass: 0 as const, rnd: randomInt(16), tid, units: units01 }
      return sm.mintTokens(meterKeyParams(meter), { kind: 'token', vendingKeyId: meter.vendingKeyId, token })
    },
  }
}
