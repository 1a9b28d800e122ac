/** Schemas the console's routes share. */
import { Type, type Static } from '@sinclair/typebox'

export const strict = { additionalProperties: false } as const
export const StaffId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })
export const StaffRoleSchema = Type.Union([Type.Literal('admin'), Type.Literal('cashier'), Type.Literal('field'), Type.Literal('support'), Type.Literal('auditor')])
export const IsoTime = Type.String({ format: 'date-time' })
export const Reason = Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' })
export const PersonName = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' })

export const StaffView = Type.Object({ id: StaffId, name: Type.String(), role: StaffRoleSchema }, strict)
export type StaffView = Static<typeof StaffView>

export const SessionView = Type.Object({ staff: StaffView, idleExpiresAt: IsoTime, absoluteExpiresAt: IsoTime }, strict)
export type SessionView = Static<typeof SessionView>

export const Ok = Type.Object({ ok: Type.Literal(true) }, strict)

export const iso = (ms: number): string => new Date(ms).toISOString()
export const ALL_ROLES = ['admin', 'cashier', 'field', 'support', 'auditor'] as const
