/**
 * The fleet's small HTTP face (node:http, loopback only): what each meter shows, a keypad to key
 * in a token from the receipt, a switch to take a meter off the network, health and metrics.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { ErrorCode, type ErrorResponse } from '@gridtill/shared'
import type { MeterFleet } from './fleet.ts'
import type { EnteredToken, SimulatedMeter } from './simulated-meter.ts'

const MAX_BODY_BYTES = 4096

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'] ?? ''
  if (!type.startsWith('application/json'))
    throw new HttpError(415, ErrorCode.VALIDATION, 'send application/json')
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES)
      throw new HttpError(413, ErrorCode.VALIDATION, `body over ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk as Buffer)
  }
  let body: unknown
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new HttpError(400, ErrorCode.VALIDATION, 'body is not JSON')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, ErrorCode.VALIDATION, 'body must be a JSON object')
  }
  return body as Record<string, unknown>
}

function onlyKeys(body: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k))
  if (extra.length > 0)
    throw new HttpError(400, ErrorCode.VALIDATION, `unknown field(s): ${extra.join(', ')}`)
}

export function meterSummary(fleet: MeterFleet, m: SimulatedMeter) {
  const last = m.entered[0]
  return {
    meterNo: m.meterNo,
    creditWh: m.creditWh,
    energyWh: m.energyWh,
    relay: m.relay,
    online: fleet.isOnline(m.meterNo),
    ...(last !== undefined ? { lastToken: tokenView(last) } : {}),
  }
}

function tokenView(e: EnteredToken) {
  return { ...e }
}

export function meterDetail(fleet: MeterFleet, m: SimulatedMeter) {
  const p = fleet.programming(m.meterNo)
  return {
    ...meterSummary(fleet, m),
    profile: m.profile,
    powerW: m.powerW,
    debtWh: m.debtWh,
    tamper: m.tamper,
    maxPowerW: m.maxPowerW,
    // What the meter's display would show about its key; never the key itself.
    sts:
      m.decoderInfo() ??
      (p
        ? { ea: p.ea, krn: p.krn, kt: p.kt, ti: p.ti, sgc: p.sgc, ken: p.ken, baseDate: p.baseDate }
        : {}),
    lastAccepted: m.entered.filter((e) => e.result === 'accepted').map(tokenView),
    entered: m.entered.map(tokenView),
  }
}

function metrics(fleet: MeterFleet): string {
  const online = fleet.online
  // Per scrape, not per message: one pass over the fleet is fine here.
  let open = 0
  for (const n of fleet.meterNos()) if (fleet.meter(n)?.relay === 'open') open++
  const s = fleet.stats
  const store = fleet.storeStats
  const lines = [
    ['gridtill_fleet_meters', 'gauge', 'Meters in the fleet', fleet.size],
    ['gridtill_fleet_meters_online', 'gauge', 'Meters connected to the broker', online],
    ['gridtill_fleet_relays_open', 'gauge', 'Meters with the relay open', open],
    ['gridtill_fleet_deliveries_total', 'counter', 'Token deliveries received', s.deliveries],
    [
      'gridtill_fleet_duplicate_deliveries_total',
      'counter',
      'Deliveries seen before (acks replayed)',
      s.duplicateDeliveries,
    ],
    [
      'gridtill_fleet_tokens_accepted_total',
      'counter',
      'Tokens accepted (link and keypad)',
      s.tokensAccepted,
    ],
    [
      'gridtill_fleet_tokens_rejected_total',
      'counter',
      'Tokens rejected (link and keypad)',
      s.tokensRejected,
    ],
    [
      'gridtill_fleet_bad_payloads_total',
      'counter',
      'Token messages ignored as malformed',
      s.badPayloads,
    ],
    [
      'gridtill_fleet_readings_published_total',
      'counter',
      'Readings published',
      s.readingsPublished,
    ],
    [
      'gridtill_fleet_publish_failures_total',
      'counter',
      'Publishes that failed',
      s.publishFailures,
    ],
    ['gridtill_fleet_commands_total', 'counter', 'Remote-control commands received', s.commands],
    [
      'gridtill_fleet_events_published_total',
      'counter',
      'Meter events published',
      s.eventsPublished,
    ],
    [
      'gridtill_fleet_meter_advances_total',
      'counter',
      'Times a meter was advanced (scheduler cost)',
      s.meterAdvances,
    ],
    [
      'gridtill_fleet_store_commits_total',
      'counter',
      'State store group commits',
      store?.commits ?? 0,
    ],
    [
      'gridtill_fleet_store_commit_max_ms',
      'gauge',
      'Longest state store commit (ms)',
      Math.round(store?.maxCommitMs ?? 0),
    ],
  ] as const
  return lines
    .map(
      ([name, type, help, value]) =>
        `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`,
    )
    .join('')
}

export function createStatusServer(fleet: MeterFleet, log: Logger): Server {
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const parts = url.pathname.split('/').filter(Boolean)
    const method = req.method ?? 'GET'
    const allow = (...methods: string[]) => {
      if (!methods.includes(method))
        throw new HttpError(405, ErrorCode.VALIDATION, `use ${methods.join(' or ')}`)
    }

    if (parts.length === 1 && parts[0] === 'health') {
      allow('GET')
      const online = fleet.online
      // Meters work offline (keypad), but a fleet with no meter on the broker cannot take a vend.
      const ready = fleet.size === 0 || online > 0
      return send(res, ready ? 200 : 503, {
        ready,
        meters: fleet.size,
        online,
        ...(ready ? {} : { reason: 'no meter is connected to the broker' }),
      })
    }
    if (parts.length === 1 && parts[0] === 'metrics') {
      allow('GET')
      const text = metrics(fleet)
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
      res.end(text)
      return
    }
    if (parts[0] !== 'meters' || parts.length > 3)
      throw new HttpError(404, ErrorCode.NOT_FOUND, 'no such route')
    if (parts.length === 1) {
      allow('GET')
      return send(
        res,
        200,
        fleet.meterNos().map((n) => meterSummary(fleet, fleet.meter(n) as SimulatedMeter)),
      )
    }
    const meterNo = parts[1] ?? ''
    if (!/^[0-9]{11}$/.test(meterNo))
      throw new HttpError(400, ErrorCode.VALIDATION, 'a meter number is 11 digits')
    // Consumption is advanced lazily: bring this meter up to now before showing it.
    const meter = fleet.touch(meterNo)
    if (!meter)
      throw new HttpError(404, ErrorCode.METER_UNKNOWN, `no meter ${meterNo} in this fleet`)
    if (parts.length === 2) {
      allow('GET')
      return send(res, 200, meterDetail(fleet, meter))
    }
    if (parts[2] === 'keypad') {
      allow('POST')
      const body = await readJson(req)
      onlyKeys(body, ['token'])
      // Residents type what the receipt shows: groups of four with spaces or hyphens.
      const token = typeof body.token === 'string' ? body.token.replace(/[\s-]+/g, '') : ''
      if (!/^[0-9]{20}$/.test(token))
        throw new HttpError(400, ErrorCode.VALIDATION, 'token must be 20 digits')
      const result = fleet.keypadEntry(meterNo, token)
      return send(res, 200, { meterNo, ...result })
    }
    if (parts[2] === 'online') {
      allow('POST')
      const body = await readJson(req)
      onlyKeys(body, ['online'])
      if (typeof body.online !== 'boolean')
        throw new HttpError(400, ErrorCode.VALIDATION, 'online must be true or false')
      if (body.online) {
        // Connecting may take a while (or forever, broker down): answer now, the list shows progress.
        fleet
          .setOnline(meterNo, true)
          .catch((err: unknown) => log.error({ err, meterNo }, 'reconnect failed'))
      } else {
        await fleet.setOnline(meterNo, false)
      }
      return send(res, 200, { meterNo, online: body.online, connected: fleet.isOnline(meterNo) })
    }
    throw new HttpError(404, ErrorCode.NOT_FOUND, 'no such route')
  }

  return createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      const e =
        err instanceof HttpError ? err : new HttpError(500, ErrorCode.INTERNAL, 'internal error')
      if (!(err instanceof HttpError)) log.error({ err, url: req.url }, 'status server error')
      const body: ErrorResponse = {
        statusCode: e.statusCode,
        code: e.code,
        error: REASONS[e.statusCode] ?? 'Error',
        message: e.message,
      }
      if (!res.headersSent) send(res, e.statusCode, body)
      else res.end()
    })
  })
}
