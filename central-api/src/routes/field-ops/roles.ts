/**
 * Who may do what in field operations: field staff and admins act; support staff may look (they
 * answer residents who ask why a kiosk is down) but change nothing. Deny by default for the rest.
 */
import type { StaffRole } from '../../storage/repository.ts'

export const FIELD_READERS: readonly StaffRole[] = ['field', 'admin', 'support']
export const FIELD_ACTORS: readonly StaffRole[] = ['field', 'admin']
