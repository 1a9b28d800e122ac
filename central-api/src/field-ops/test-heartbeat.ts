/** A healthy heartbeat for tests, with overrides for the parts a test breaks. Not used in production. */
import type { HeartbeatRequest } from '@gridtill/shared'

export type HeartbeatPatch = {
  acceptor?: Partial<HeartbeatRequest['devices']['acceptor']>
  printer?: Partial<HeartbeatRequest['devices']['printer']>
  reader?: Partial<HeartbeatRequest['devices']['reader']>
  outbox?: Partial<HeartbeatRequest['outbox']>
  cashbox?: Partial<HeartbeatRequest['cashbox']>
} & Partial<Omit<HeartbeatRequest, 'devices' | 'outbox' | 'cashbox'>>

export function heartbeat(now: number, patch: HeartbeatPatch = {}): HeartbeatRequest {
  const { acceptor, printer, reader, outbox, cashbox, ...rest } = patch
  return {
    sentAt: new Date(now).toISOString(),
    softwareVersion: '0.1.0',
    uptimeS: 3600,
    screen: 'idle',
    outOfService: false,
    devices: {
      acceptor: { health: 'ok', protocol: 'ssp', cashboxPresent: true, stackerFull: false, ...acceptor },
      printer: { health: 'ok', paper: 'ok', coverOpen: false, ...printer },
      reader: { health: 'ok', ...reader },
    },
    outbox: { depth: 0, oldestAgeMs: null, failed: 0, ...outbox },
    cashbox: { cycleId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', noteCount: 120, totalFen: 360_000, fill: 0.2, suspectNotes: 0, ...cashbox },
    collectionsPending: 0,
    faults: [],
    ...rest,
  }
}
