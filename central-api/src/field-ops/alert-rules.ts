/**
 * Which alerts a kiosk's health calls for (issue 9, Field operations). Pure: a heartbeat and the
 * thresholds in, the set of conditions that hold out; the store turns a condition into an alert
 * once (one open alert per kiosk and kind) and clears it when the condition no longer holds.
 */
import type { HeartbeatRequest } from '@gridtill/shared'

export const ALERT_KINDS = [
  'offline',
  'paperLow',
  'paperOut',
  'acceptorJam',
  'acceptorFault',
  'printerFault',
  'readerFault',
  'cassetteNearFull',
  'cassetteRemoved',
  'outboxBacklog',
] as const
export type AlertKind = (typeof ALERT_KINDS)[number]

/** Every kind a heartbeat decides; 'offline' is decided by the timer from the heartbeat's absence. */
export const HEARTBEAT_KINDS: readonly AlertKind[] = ALERT_KINDS.filter((k) => k !== 'offline')
export const OFFLINE_KINDS: readonly AlertKind[] = ['offline']

export interface AlertThresholds {
  /** No heartbeat for longer than this: offline. */
  offlineAfterMs: number
  /** Cash box fill (0..1) at or above which it should be exchanged soon. */
  cassetteNearFullFill: number
  /** Outbox depth at or above which the kiosk is falling behind. */
  outboxDepth: number
  /** Oldest outbox entry at least this old: the kiosk cannot reach the central. */
  outboxOldestAgeMs: number
}

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  offlineAfterMs: 5 * 60_000,
  cassetteNearFullFill: 0.9,
  outboxDepth: 20,
  outboxOldestAgeMs: 10 * 60_000,
}

/** Small facts shown with the alert (what tripped it). */
export type AlertDetail = Record<string, string | number | boolean | null>

export type Conditions = Map<AlertKind, AlertDetail>

/** The conditions a heartbeat shows (never 'offline': a heartbeat is proof of life). */
export function heartbeatConditions(hb: HeartbeatRequest, t: AlertThresholds): Conditions {
  const out: Conditions = new Map()
  const { acceptor, printer, reader } = hb.devices

  if (printer.paper === 'out') out.set('paperOut', { paper: 'out' })
  else if (printer.paper === 'nearEnd') out.set('paperLow', { paper: 'nearEnd' })
  // A printer that is only out of paper is the paper alert's business, not a second alarm.
  if (isBroken(printer.health) && printer.paper !== 'out') out.set('printerFault', { health: printer.health, coverOpen: printer.coverOpen })
  else if (printer.coverOpen) out.set('printerFault', { health: printer.health, coverOpen: true })

  if (acceptor.health === 'jammed') out.set('acceptorJam', { health: 'jammed', protocol: acceptor.protocol })
  else if (acceptor.health === 'fault' || acceptor.health === 'offline') out.set('acceptorFault', { health: acceptor.health, protocol: acceptor.protocol })

  if (isBroken(reader.health)) out.set('readerFault', { health: reader.health })

  if (!acceptor.cashboxPresent) out.set('cassetteRemoved', { cycleId: hb.cashbox.cycleId })
  else if (hb.cashbox.fill >= t.cassetteNearFullFill || acceptor.stackerFull) {
    out.set('cassetteNearFull', { fill: hb.cashbox.fill, noteCount: hb.cashbox.noteCount, stackerFull: acceptor.stackerFull })
  }

  const age = hb.outbox.oldestAgeMs
  if (hb.outbox.depth >= t.outboxDepth || (age !== null && age >= t.outboxOldestAgeMs)) {
    out.set('outboxBacklog', { depth: hb.outbox.depth, oldestAgeMs: age, failed: hb.outbox.failed })
  }
  return out
}

function isBroken(health: HeartbeatRequest['devices']['reader']['health']): boolean {
  return health === 'fault' || health === 'offline' || health === 'jammed'
}

/**
 * Offline when nothing was heard for more than offlineAfterMs. A kiosk never heard from counts
 * from its enrolment, so a kiosk that never came up is noticed too.
 */
export function isOffline(lastHeardAt: number, now: number, t: AlertThresholds): boolean {
  return now - lastHeardAt > t.offlineAfterMs
}

/** How severe a kind is, for ordering the alert list (0 most severe). */
export const ALERT_SEVERITY: Record<AlertKind, 'critical' | 'warning'> = {
  offline: 'critical',
  paperOut: 'critical',
  acceptorJam: 'critical',
  acceptorFault: 'critical',
  cassetteRemoved: 'critical',
  readerFault: 'critical',
  printerFault: 'warning',
  paperLow: 'warning',
  cassetteNearFull: 'warning',
  outboxBacklog: 'warning',
}
