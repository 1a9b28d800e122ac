/**
 * Who is signed in, as the central last told us (GET /console/session). The shell shows the
 * sign-in screen while `session.staff` is null; pages read the role from here.
 */
import { api, ApiError } from './api.ts'

export type StaffRole = 'admin' | 'cashier' | 'field' | 'support' | 'auditor'
export interface SignedInStaff {
  id: string
  name: string
  role: StaffRole
}
export interface SessionView {
  staff: SignedInStaff
  idleExpiresAt: string
  absoluteExpiresAt: string
}

export const session = $state<{ staff: SignedInStaff | null; checked: boolean }>({ staff: null, checked: false })

export async function refreshSession(): Promise<void> {
  try {
    const s = await api.get<SessionView>('/console/session')
    session.staff = s.staff
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e
    session.staff = null
  } finally {
    session.checked = true
  }
}

export async function signIn(staffId: string, password: string): Promise<void> {
  const s = await api.post<SessionView>('/console/session', { staffId, password })
  session.staff = s.staff
}

export async function signOut(): Promise<void> {
  try {
    await api.del('/console/session')
  } finally {
    session.staff = null
  }
}
