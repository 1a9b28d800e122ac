import type { KioskView, ServerMessage } from '@gridtill/shared'

/** Cheap shape check of what the agent sent (the agent validates our side; we only guard against junk). */
export function parseServerMessage(data: string): ServerMessage | null {
  let msg: unknown
  try {
    msg = JSON.parse(data)
  } catch {
    return null
  }
  if (typeof msg !== 'object' || msg === null) return null
  const m = msg as { type?: unknown; view?: unknown; code?: unknown; intentId?: unknown }
  if (m.type === 'snapshot') {
    const v = m.view as { seq?: unknown; screen?: unknown; at?: unknown } | null | undefined
    const ok =
      typeof v === 'object' &&
      v !== null &&
      typeof v.seq === 'number' &&
      typeof v.screen === 'string' &&
      typeof v.at === 'number'
    return ok ? (msg as ServerMessage) : null
  }
  if (m.type === 'error' && typeof m.code === 'string') {
    const message = (m as { message?: unknown }).message
    return {
      type: 'error',
      intentId: typeof m.intentId === 'string' ? m.intentId : null,
      code: m.code,
      message: typeof message === 'string' ? message : '',
    }
  }
  return null
}

/**
 * Within one socket snapshots only move forward (a late one is dropped); the first snapshot on a
 * new socket always wins, because the agent may have restarted and counted again from 1.
 */
export function shouldApply(
  current: KioskView | null,
  next: KioskView,
  firstOnSocket: boolean,
): boolean {
  return firstOnSocket || current === null || next.seq > current.seq
}
