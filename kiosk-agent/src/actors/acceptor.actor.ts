import type { Logger } from 'pino'
import { fromCallback } from 'xstate'
import type { Journal } from '../journal/journal.ts'
import type { AcceptorCommand, AcceptorEvent } from '../machines/transaction.types.ts'
import type { AcceptorDevice, AcceptorDeviceEvent } from './device-types.ts'
import { crashPoint } from '../sim-panel/crash-points.ts'

/**
 * The banknote acceptor as a streaming actor: driver events become `acceptor.*` facts for the
 * machine; the machine's commands become driver calls. The credit handler — the one place a note
 * becomes money — writes the note to the journal synchronously and only then lets the driver ack.
 */
/** Device events that follow our ACK of a credit event (the next note, a mode change, coming online). */
const SETTLING: ReadonlySet<AcceptorDeviceEvent['type']> = new Set(['noteEscrowed', 'noteReturned', 'noteRejected', 'enabled', 'disabled', 'online'])

export interface AcceptorService {
  logic: ReturnType<typeof fromCallback<AcceptorCommand>>
  /** The session the next credited note belongs to (the one the acceptor was last enabled for). */
  readonly sessionId: string | null
}

export function createAcceptorService(device: AcceptorDevice, deps: { journal: Journal; log: Logger }): AcceptorService {
  const { journal, log } = deps
  let sessionId: string | null = null
  /** Service mode's test note is on (the staff card): a note the device stacks now is no one's money. */
  let testNoteBy: string | null = null
  let testNoteValue: number | null = null

  // Set before the driver starts: a note credited during power-up recovery must be journaled too.
  device.setCreditHandler((note) => {
    if (testNoteBy !== null) {
      // The device stacked the test note instead of returning it: in the box, credited to nobody.
      journal.recordTestNote({ valueFen: note.valueFen, outcome: 'stacked', noteId: note.noteId, staffCardNo: testNoteBy })
      log.warn({ noteId: note.noteId, valueFen: note.valueFen }, 'test note stacked; journaled as a test note, credited to no account')
      testNoteBy = null
      return Promise.resolve()
    }
    // Synchronous SQLite commit (WAL, synchronous=FULL) before the promise resolves and the driver acks.
    // If it throws, the promise rejects, the driver does not ack and calls again with the same noteId.
    const fresh = journal.creditNote({ noteId: note.noteId, sessionId, valueFen: note.valueFen })
    if (sessionId === null) log.error({ noteId: note.noteId, valueFen: note.valueFen }, 'note credited with no session open')
    log.info({ noteId: note.noteId, sessionId, valueFen: note.valueFen, fresh }, 'note credited')
    crashPoint('credited')
    return Promise.resolve()
  })

  // Registered before the machine's listener: the journal is up to date before the machine acts.
  device.on((e) => {
    if (e.type === 'suspectNote') {
      // Power-up with a note inside, or a credit event pending when the driver started: never
      // credited here. The journal tells a note it already credited (ACK lost) from a new suspect.
      const { matchedNoteId } = journal.recordSuspectNote({ valueFen: e.valueFen ?? null, location: e.where })
      if (matchedNoteId) log.info({ noteId: matchedNoteId, where: e.where }, 'note at power-up is the last credited one (its ACK was lost); not counted again')
      else log.warn({ valueFen: e.valueFen, where: e.where }, 'suspect note at power-up')
    }
    // Only a device past the credit event (it took our ACK) reports these; earlier credits are settled.
    if (SETTLING.has(e.type)) journal.settleNotes()
    if (e.type === 'fraudAttempt') log.warn({ valueFen: e.valueFen }, 'acceptor reports a fraud attempt')
    if (e.type === 'noteEscrowed') {
      testNoteValue = e.valueFen
      crashPoint('escrowed')
    }
    if (testNoteBy !== null && (e.type === 'noteReturned' || e.type === 'noteRejected')) {
      journal.recordTestNote({
        valueFen: e.type === 'noteReturned' ? (e.valueFen ?? testNoteValue) : null,
        outcome: e.type === 'noteReturned' ? 'returned' : 'rejected',
        noteId: null,
        staffCardNo: testNoteBy,
      })
      testNoteBy = null
    }
  })

  const logic = fromCallback<AcceptorCommand>(({ sendBack, receive }) => {
    const off = device.on((e) => {
      const mapped = toMachineEvent(e)
      if (mapped) sendBack(mapped)
    })
    // Tell the machine where the device stands now; it may have settled before this actor started.
    if (device.state === 'enabled') sendBack({ type: 'acceptor.enabled' })
    else if (device.state === 'offline') sendBack({ type: 'acceptor.offline' })

    const run = (what: string, p: () => Promise<void>) => {
      p().catch((err: unknown) => log.warn({ err, sessionId }, `acceptor ${what} failed`))
    }
    receive((cmd) => {
      switch (cmd.type) {
        case 'acceptor.enable':
          sessionId = cmd.testNoteBy === undefined ? cmd.sessionId : null
          testNoteBy = cmd.testNoteBy ?? null
          testNoteValue = null
          run('enable', () => device.enable(cmd.valuesFen.filter((v) => device.denominationsFen.length === 0 || device.denominationsFen.includes(v))))
          break
        case 'acceptor.disable':
          run('disable', () => device.disable())
          break
        case 'acceptor.stack':
          run('stack', () => device.stack().then(() => crashPoint('stacking')))
          break
        case 'acceptor.return':
          run('return', () => device.returnNote())
          break
      }
    })
    return off
  })

  return {
    logic,
    get sessionId() {
      return sessionId
    },
  }
}

export function toMachineEvent(e: AcceptorDeviceEvent): AcceptorEvent | null {
  switch (e.type) {
    case 'online':
      return { type: 'acceptor.online' }
    case 'offline':
      return { type: 'acceptor.offline' }
    case 'enabled':
      return { type: 'acceptor.enabled' }
    case 'disabled':
      return { type: 'acceptor.disabled' }
    case 'noteEscrowed':
      return { type: 'acceptor.noteEscrowed', valueFen: e.valueFen }
    case 'noteCredited':
      return { type: 'acceptor.noteCredited', noteId: e.noteId, valueFen: e.valueFen }
    case 'noteRejected':
      return { type: 'acceptor.noteRejected', reason: e.reason }
    case 'noteReturned':
      return { type: 'acceptor.noteReturned' }
    case 'jammed':
      return { type: 'acceptor.jammed', safe: e.safe }
    case 'cashboxRemoved':
      return { type: 'acceptor.cashboxRemoved' }
    case 'cashboxReplaced':
      return { type: 'acceptor.cashboxReplaced' }
    case 'stackerFull':
      return { type: 'acceptor.stackerFull' }
    case 'fault':
      return { type: 'acceptor.fault', code: e.code }
    case 'fraudAttempt':
    case 'suspectNote':
      return null
  }
}
