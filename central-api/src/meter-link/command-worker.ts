/**
 * The command outbox worker: publishes each pending remote command until its meter answers, with
 * the same backoff as token deliveries. Relay orders go out as MeterCommands on …/commands (the
 * meter answers with a commandDone / commandRefused event); management tokens as a TokenDelivery
 * on …/tokens whose deliveryId is the command id (the meter answers with a token ack).
 */
import type { FastifyBaseLogger } from 'fastify'
import type { Clock, MeterCommand, TokenDelivery } from '@gridtill/shared'
import type { MeterCommandRecord } from '../storage/meter-control-repository.ts'
import type { Repository } from '../storage/repository.ts'
import { backoffTable } from './backoff.ts'
import { OutboxWorker } from './outbox-worker.ts'

export type CommandMessage = { leaf: 'commands'; payload: MeterCommand } | { leaf: 'tokens'; payload: TokenDelivery }

/** What goes on the wire for a command; null for a row that cannot be sent (no tokens). */
export function commandMessage(c: MeterCommandRecord, now: number): CommandMessage | null {
  switch (c.kind) {
    case 'relayOpen':
    case 'relayClose':
      return { leaf: 'commands', payload: { commandId: c.id, command: c.kind, sentAt: now } }
    case 'setMaxPower':
    case 'clearTamper':
      return c.tokens === null || c.tokens.length === 0 ? null : { leaf: 'tokens', payload: { deliveryId: c.id, tokens: c.tokens, sentAt: now } }
  }
}

export type CommandWorker = OutboxWorker<MeterCommandRecord>

export function commandWorker(deps: {
  repo: Repository
  clock: Clock
  log: FastifyBaseLogger
  connected: () => boolean
  publish: (meterNo: string, message: CommandMessage) => Promise<void>
}): CommandWorker {
  return new OutboxWorker<MeterCommandRecord>({
    clock: deps.clock,
    log: deps.log,
    connected: deps.connected,
    what: 'meter command',
    claimDue: (now, limit) => deps.repo.claimDueCommands(now, limit, backoffTable()),
    nextDueAt: () => deps.repo.nextCommandDueAt(),
    publish: async (c, now) => {
      const message = commandMessage(c, now)
      if (message === null) throw new Error('command has no token to send')
      await deps.publish(c.meterNo, message)
    },
    describe: (c) => ({ commandId: c.id, meterNo: c.meterNo, kind: c.kind }),
  })
}
