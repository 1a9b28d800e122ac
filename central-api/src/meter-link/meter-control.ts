/**
 * Remote control of meters from the back office: relay open/close (disconnect/reconnect), maximum
 * power limit and clear tamper. Relay orders travel as MeterCommands on …/commands; the two
 * management settings travel as class 2 STS tokens on …/tokens (a keypad-only meter takes the same
 * token typed in), minted here by the security module under a fresh TID of the meter.
 *
 * Commands are written to a durable outbox (with their audit entry, in one transaction) and the
 * command worker publishes them until the meter answers; each has its own visible state. A batch
 * acts on many meters and reports per meter.
 */
import { randomInt } from 'node:crypto'
import { tidFromTime, uuidv7, type Clock } from '@gridtill/shared'
import type { SecurityModule } from '../security-module/index.ts'
import type { MeterCommandInsert, MeterCommandKind } from '../storage/meter-control-repository.ts'
import type { MeterRecord, Repository } from '../storage/repository.ts'
import { allocateTid } from '../vending/tid.ts'
import { meterKeyParams } from '../vending/token-minter.ts'

/** Ids of commands carry this prefix, so a token ack can tell a command from a vend's delivery. */
export const COMMAND_ID_PREFIX = 'cmd-'
export const isCommandId = (id: string): boolean => id.startsWith(COMMAND_ID_PREFIX)

export type CommandResultCode = 'queued' | 'unknownMeter' | 'keyExpired' | 'failed'

export interface CommandResult {
  meterNo: string
  commandId: string | null
  result: CommandResultCode
}

export interface IssueRequest {
  meterNos: readonly string[]
  kind: MeterCommandKind
  /** setMaxPower only: the limit in W. */
  maxPowerW?: number
  actor: string
}

const STALE_RETRIES = 3

export class MeterControl {
  constructor(
    private readonly deps: {
      repo: Repository
      securityModule: SecurityModule
      clock: Clock
      /** Wakes the command worker once the batch is committed. */
      onQueued: () => void
    },
  ) {}

  async issue(req: IssueRequest): Promise<{ batchId: string; results: CommandResult[] }> {
    const now = this.deps.clock.now()
    const batchId = uuidv7(now)
    const meterNos = [...new Set(req.meterNos)]
    const results = new Map<string, CommandResult>()
    let todo = meterNos
    for (let round = 0; round <= STALE_RETRIES && todo.length > 0; round++) {
      const items: MeterCommandInsert[] = []
      for (const meterNo of todo) {
        const prepared = await this.prepare(meterNo, req, now)
        if ('result' in prepared) results.set(meterNo, prepared)
        else items.push(prepared)
      }
      if (items.length === 0) break
      const outcomes = await this.deps.repo.createMeterCommands({ batchId, actor: req.actor, now, items })
      const stale: string[] = []
      items.forEach((item, i) => {
        const o = outcomes[i]
        if (o === 'created') results.set(item.meterNo, { meterNo: item.meterNo, commandId: item.commandId, result: 'queued' })
        else if (o === 'unknownMeter') results.set(item.meterNo, { meterNo: item.meterNo, commandId: null, result: 'unknownMeter' })
        else stale.push(item.meterNo)
      })
      // A vend took the meter's next TID while we minted: mint those again.
      todo = stale
    }
    for (const meterNo of todo) if (!results.has(meterNo)) results.set(meterNo, { meterNo, commandId: null, result: 'failed' })
    if ([...results.values()].some((r) => r.result === 'queued')) this.deps.onQueued()
    return { batchId, results: meterNos.map((m) => results.get(m) ?? { meterNo: m, commandId: null, result: 'failed' }) }
  }

  private async prepare(meterNo: string, req: IssueRequest, now: number): Promise<MeterCommandInsert | CommandResult> {
    const commandId = `${COMMAND_ID_PREFIX}${uuidv7(now)}`
    const base = { commandId, meterNo, kind: req.kind, maxPowerW: req.kind === 'setMaxPower' ? (req.maxPowerW ?? null) : null }
    if (req.kind === 'relayOpen' || req.kind === 'relayClose') return { ...base, tokens: null, tid: null, expectedLastTid: null }
    const meter = await this.deps.repo.findMeter(meterNo)
    if (meter === null) return { meterNo, commandId: null, result: 'unknownMeter' }
    const tid = nextTid(meter, now)
    if (tid === null) return { meterNo, commandId: null, result: 'keyExpired' }
    const token =
      req.kind === 'setMaxPower'
        ? { class: 2 as const, subclass: 0 as const, rnd: randomInt(16), tid, value: req.maxPowerW ?? 0 }
        : { class: 2 as const, subclass: 5 as const, rnd: randomInt(16), tid, value: 0 }
    const tokens = await this.deps.securityModule.mintTokens(meterKeyParams(meter), { kind: 'token', vendingKeyId: meter.vendingKeyId, token })
    return { ...base, tokens, tid, expectedLastTid: meter.lastTid }
  }
}

function nextTid(meter: MeterRecord, now: number): number | null {
  const r = allocateTid(tidFromTime(now, meter.baseDate), meter.lastTid, meter.ken)
  return r.ok ? r.tid : null
}
