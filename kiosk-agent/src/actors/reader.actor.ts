import type { Logger } from 'pino'
import { fromCallback } from 'xstate'
import type { ReaderEvent } from '../machines/transaction.types.ts'
import type { ReaderDevice } from './device-types.ts'

/** The card reader as a streaming actor: one `reader.cardRead` per tap. */
export function createReaderLogic(device: ReaderDevice, log: Logger) {
  return fromCallback(({ sendBack }) =>
    device.on((e) => {
      if (e.type === 'cardRead') {
        // Card numbers are personal data: log only the tail.
        log.info({ card: `…${e.cardNo.slice(-4)}`, cardKind: e.cardKind }, 'card read')
        const event: ReaderEvent = {
          type: 'reader.cardRead',
          uid: e.uid,
          cardNo: e.cardNo,
          cardKind: e.cardKind,
          ...(e.staffRole ? { staffRole: e.staffRole } : {}),
        }
        sendBack(event)
      } else if (e.type === 'badReport') {
        log.warn({ code: e.code, reason: e.reason }, 'card reader sent a bad report')
      }
    }),
  )
}
