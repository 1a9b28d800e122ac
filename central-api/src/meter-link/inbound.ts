/**
 * What meters tell the central: token acks, readings, status. Every payload is checked against
 * its shared schema; anything malformed is logged and dropped, never thrown (a meter with a bad
 * firmware must not be able to stop the central).
 */
import type { FastifyBaseLogger } from 'fastify'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { MeterEvent, MeterReading, MeterStatus, TokenAck, type Clock } from '@gridtill/shared'
import type { LowCreditMonitor } from '../notifications/low-credit.ts'
import type { Metrics } from '../plugins/metrics.ts'
import type { Repository } from '../storage/repository.ts'
import { isCommandId } from './meter-control.ts'

const ackCheck = TypeCompiler.Compile(TokenAck)
const readingCheck = TypeCompiler.Compile(MeterReading)
const statusCheck = TypeCompiler.Compile(MeterStatus)
const eventCheck = TypeCompiler.Compile(MeterEvent)

const TOPIC_RE = /^gridtill\/meters\/([0-9]{11})\/(acks|readings|status|events)$/
/** A meter payload is a few hundred bytes; anything far larger is not one. */
const MAX_PAYLOAD_BYTES = 16 * 1024

export interface InboundContext {
  repo: Repository
  clock: Clock
  log: FastifyBaseLogger
  metrics: Metrics
  /** Low-credit alerts; absent in tests that do not exercise them. */
  lowCredit?: LowCreditMonitor | undefined
  /** A meter came (back) online and something waiting for it is now due: publish it. */
  onMeterOnline?: ((meterNo: string) => void) | undefined
}

export type InboundResult = 'settled' | 'duplicate' | 'stored' | 'ignored' | 'dropped'

export async function handleMeterMessage(topic: string, payload: Buffer, ctx: InboundContext): Promise<InboundResult> {
  const m = TOPIC_RE.exec(topic)
  const meterNo = m?.[1]
  const leaf = m?.[2]
  if (meterNo === undefined || leaf === undefined) {
    ctx.log.warn({ topic }, 'message on an unexpected topic dropped')
    return 'dropped'
  }
  if (payload.length > MAX_PAYLOAD_BYTES) {
    ctx.log.warn({ topic, bytes: payload.length }, 'oversized meter payload dropped')
    return 'dropped'
  }
  let body: unknown
  try {
    body = JSON.parse(payload.toString('utf8'))
  } catch {
    ctx.log.warn({ topic }, 'meter payload is not JSON; dropped')
    return 'dropped'
  }
  switch (leaf) {
    case 'acks':
      return handleAck(meterNo, body, ctx)
    case 'readings':
      return handleReading(meterNo, body, ctx)
    case 'status':
      return handleStatus(meterNo, body, ctx)
    case 'events':
      return handleEvent(meterNo, body, ctx)
    default:
      return 'dropped'
  }
}

async function handleAck(meterNo: string, body: unknown, ctx: InboundContext): Promise<InboundResult> {
  if (!ackCheck.Check(body)) {
    ctx.log.warn({ meterNo, problem: ackCheck.Errors(body).First()?.message }, 'bad token ack dropped')
    return 'dropped'
  }
  if (isCommandId(body.deliveryId)) return handleCommandAck(meterNo, body, ctx)
  const delivery = await ctx.repo.getDelivery(body.deliveryId)
  if (delivery === null || delivery.meterNo !== meterNo || !delivery.tokens.includes(body.token)) {
    ctx.log.warn({ meterNo, deliveryId: body.deliveryId }, 'ack for an unknown delivery or token dropped')
    return 'dropped'
  }
  // A multi-token delivery (key change) is accepted when its last token is.
  if (body.result === 'accepted' && body.token !== delivery.tokens.at(-1)) return 'ignored'
  // USED means the meter already holds this TID: the resident keyed it from the receipt, or an
  // earlier ack was lost. Either way the credit is on the meter.
  const accepted = body.result === 'accepted' || body.reason === 'USED'
  const outcome = {
    state: accepted ? ('accepted' as const) : ('rejected' as const),
    reason: body.result === 'accepted' ? null : (body.reason ?? 'OTHER'),
    creditWh: body.creditWh ?? null,
  }
  const now = ctx.clock.now()
  const result = await ctx.repo.settleDelivery(delivery.id, meterNo, outcome, now)
  if (result.kind === 'voided') {
    ctx.log.error({ deliveryId: delivery.id, vendId: delivery.vendId, meterNo }, 'meter accepted a token whose vend was reversed; recorded for recovery')
    return 'duplicate'
  }
  const settled = result.delivery
  if (result.kind === 'duplicate' || settled === null) {
    ctx.log.debug({ deliveryId: delivery.id, vendId: delivery.vendId }, 'duplicate ack ignored')
    return 'duplicate'
  }
  const latencySeconds = Math.max(0, now - delivery.createdAt) / 1000
  ctx.metrics.deliveryLatency.observe(latencySeconds)
  const fields = { deliveryId: delivery.id, vendId: delivery.vendId, meterNo, state: settled.state, reason: settled.reason, latencySeconds }
  if (settled.state === 'accepted') ctx.log.info(fields, 'token delivery accepted')
  else ctx.log.warn(fields, 'token delivery rejected by meter')
  // A top-up may end a low-credit episode.
  if (settled.state === 'accepted' && body.creditWh !== undefined) await ctx.lowCredit?.onCredit(meterNo, body.creditWh)
  return 'settled'
}

/** A management token (max power, clear tamper) sent as a command, answered like a token. */
async function handleCommandAck(meterNo: string, body: TokenAck, ctx: InboundContext): Promise<InboundResult> {
  const command = await ctx.repo.getMeterCommand(body.deliveryId)
  if (command === null || command.meterNo !== meterNo || command.tokens === null || !command.tokens.includes(body.token)) {
    ctx.log.warn({ meterNo, commandId: body.deliveryId }, 'ack for an unknown command or token dropped')
    return 'dropped'
  }
  // USED: the meter already took this very token (an earlier ack was lost).
  const done = body.result === 'accepted' || body.reason === 'USED'
  const reason = body.result === 'accepted' ? null : (body.reason ?? 'OTHER')
  const now = ctx.clock.now()
  // The meter's state first: whoever sees the command done also sees its effect.
  if (done && command.kind === 'clearTamper' && command.state !== 'done') await ctx.repo.recordMeterEvent(meterNo, { tamper: false }, body.at)
  const r = await ctx.repo.settleMeterCommand(command.id, meterNo, { state: done ? 'done' : 'refused', reason }, now)
  if (r.kind !== 'settled') return 'duplicate'
  ctx.log.info({ commandId: command.id, meterNo, kind: command.kind, state: r.command?.state, reason }, 'meter command answered')
  return 'settled'
}

async function handleEvent(meterNo: string, body: unknown, ctx: InboundContext): Promise<InboundResult> {
  if (!eventCheck.Check(body) || body.meterNo !== meterNo) {
    ctx.log.warn({ meterNo }, 'bad meter event dropped')
    return 'dropped'
  }
  switch (body.event) {
    case 'commandDone':
    case 'commandRefused': {
      if (body.commandId === undefined || !isCommandId(body.commandId)) return 'ignored'
      const outcome = { state: body.event === 'commandDone' ? ('done' as const) : ('refused' as const), reason: body.reason ?? null }
      const r = await ctx.repo.settleMeterCommand(body.commandId, meterNo, outcome, ctx.clock.now())
      if (r.kind === 'unknown') {
        ctx.log.warn({ meterNo, commandId: body.commandId }, 'answer to an unknown command dropped')
        return 'dropped'
      }
      if (r.kind === 'settled') ctx.log.info({ commandId: body.commandId, meterNo, kind: r.command?.kind, state: outcome.state, reason: outcome.reason }, 'meter command answered')
      return r.kind === 'settled' ? 'settled' : 'duplicate'
    }
    case 'relayOpened':
    case 'relayClosed':
      await ctx.repo.recordMeterEvent(meterNo, { relay: body.event === 'relayOpened' ? 'open' : 'closed' }, body.at)
      return 'stored'
    case 'tamper':
      ctx.log.warn({ meterNo, reason: body.reason }, 'meter reports tampering')
      await ctx.repo.recordMeterEvent(meterNo, { tamper: true }, body.at)
      return 'stored'
    case 'lowCredit':
    case 'creditExhausted':
    case 'powerLimitExceeded':
      // The central's own days-left estimate drives alerts; these are kept as a trace.
      ctx.log.info({ meterNo, event: body.event, creditWh: body.creditWh }, 'meter event')
      return 'ignored'
  }
}

async function handleReading(meterNo: string, body: unknown, ctx: InboundContext): Promise<InboundResult> {
  if (!readingCheck.Check(body) || body.meterNo !== meterNo) {
    ctx.log.warn({ meterNo }, 'bad reading dropped')
    return 'dropped'
  }
  if (!(await ctx.repo.ingestReading(body))) return 'duplicate'
  await ctx.lowCredit?.onCredit(meterNo, body.creditWh)
  return 'stored'
}

async function handleStatus(meterNo: string, body: unknown, ctx: InboundContext): Promise<InboundResult> {
  if (!statusCheck.Check(body) || body.meterNo !== meterNo) {
    ctx.log.warn({ meterNo }, 'bad meter status dropped')
    return 'dropped'
  }
  // Stamped with our receive time, not body.at: a last will carries its connect time, older than
  // the online status it overrides; the broker keeps one topic's messages in order.
  const r = await ctx.repo.recordMeterStatus(meterNo, body.online, ctx.clock.now())
  if (!r.known) return 'dropped'
  // What waited for this meter (made due in that same write) goes now rather than after its backoff.
  if (r.madeDue > 0) ctx.onMeterOnline?.(meterNo)
  return 'stored'
}
