/**
 * What meters tell the central: token acks, readings, status. Every payload is checked against
 * its shared schema; anything malformed is logged and dropped, never thrown (a meter with a bad
 * firmware must not be able to stop the central).
 */
import type { FastifyBaseLogger } from 'fastify'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { MeterReading, MeterStatus, TokenAck, type Clock } from '@gridtill/shared'
import type { Metrics } from '../plugins/metrics.ts'
import type { Repository } from '../storage/repository.ts'

const ackCheck = TypeCompiler.Compile(TokenAck)
const readingCheck = TypeCompiler.Compile(MeterReading)
const statusCheck = TypeCompiler.Compile(MeterStatus)

const TOPIC_RE = /^gridtill\/meters\/([0-9]{11})\/(acks|readings|status|events)$/
/** A meter payload is a few hundred bytes; anything far larger is not one. */
const MAX_PAYLOAD_BYTES = 16 * 1024

export interface InboundContext {
  repo: Repository
  clock: Clock
  log: FastifyBaseLogger
  metrics: Metrics
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
      // No event schema yet (a later issue); keep a trace for field staff.
      ctx.log.info({ meterNo }, 'meter event received')
      return 'ignored'
    default:
      return 'dropped'
  }
}

async function handleAck(meterNo: string, body: unknown, ctx: InboundContext): Promise<InboundResult> {
  if (!ackCheck.Check(body)) {
    ctx.log.warn({ meterNo, problem: ackCheck.Errors(body).First()?.message }, 'bad token ack dropped')
    return 'dropped'
  }
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
  return 'settled'
}

async function handleReading(meterNo: string, body: unknown, ctx: InboundContext): Promise<InboundResult> {
  if (!readingCheck.Check(body) || body.meterNo !== meterNo) {
    ctx.log.warn({ meterNo }, 'bad reading dropped')
    return 'dropped'
  }
  return (await ctx.repo.insertReading(body)) ? 'stored' : 'duplicate'
}

async function handleStatus(meterNo: string, body: unknown, ctx: InboundContext): Promise<InboundResult> {
  if (!statusCheck.Check(body) || body.meterNo !== meterNo) {
    ctx.log.warn({ meterNo }, 'bad meter status dropped')
    return 'dropped'
  }
  return (await ctx.repo.setMeterOnline(meterNo, body.online)) ? 'stored' : 'dropped'
}
