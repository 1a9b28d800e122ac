/**
 * What a customer or meter field may hold, in one place: the routes' TypeBox schemas and the CSV
 * import's row checks use the same patterns, so a row the import accepts is one the form accepts.
 */
import { DEMO_STS } from '@gridtill/shared'

export const ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$'
export const PHONE_PATTERN = '^\\+?[0-9][0-9 -]{5,19}$'
export const METER_NO_PATTERN = '^[0-9]{11}$'
export const CARD_NO_PATTERN = '^[0-9]{8,20}$'
export const SGC_PATTERN = '^[0-9]{6}$'
export const PROFILES = ['household', 'shop', 'factory'] as const
export const EAS = ['07', '11'] as const

/**
 * STS key details a new meter gets unless the form or the CSV row says otherwise: the
 * deployment's supply group. (The vending key for SGC + KRN must already be in the security module.)
 */
export const METER_KEY_DEFAULTS = {
  iin: DEMO_STS.iin,
  sgc: DEMO_STS.sgc,
  ti: DEMO_STS.ti,
  krn: DEMO_STS.krn,
  kt: DEMO_STS.kt,
  ken: DEMO_STS.ken,
  baseDate: DEMO_STS.baseDate,
  dkga: DEMO_STS.dkga,
  ea: '07' as const,
}

/** The security module's key id for a supply group and key revision (as seed-demo names it). */
export const vendingKeyIdFor = (sgc: string, krn: number): string => `vk-${sgc}-krn${krn}`

/** The account id a new customer gets when none is given: C00017 → A00017, else A-<id>. */
export const defaultAccountId = (customerId: string): string => (/^C[0-9]+$/.test(customerId) ? `A${customerId.slice(1)}` : `A-${customerId}`.slice(0, 64))
