import pino from 'pino'
import WebSocket from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { AGENT_WS_PATH, ManualClock, MAX_CLIENT_MESSAGE_BYTES, type DevicesView, type KioskView, type ServerMessage } from '@gridtill/shared'
import { createHarness, settle } from '../testing/machine-harness.ts'
import { createIntentHandler } from './intents.ts'
import { buildUiBridge } from './server.ts'
import { SnapshotHub } from './snapshot-hub.ts'
import { toKioskView } from './view.ts'

const log = pino({ level: 'silent' })
const DEVICES: DevicesView = {
  acceptor: { health: 'ok', protocol: 'id003', cashboxPresent: true, stackerFull: false },
  reader: { health: 'ok' },
  printer: { health: 'ok', paper: 'ok', coverOpen: false },
}
const ID = '0190a000-0000-7000-8000-000000000001'

let app: FastifyInstance | null = null
afterEach(async () => {
  await app?.close()
  app = null
})

async function bridge() {
  const h = createHarness()
  const clock = new ManualClock(Date.UTC(2026, 0, 1))
  const hub = new SnapshotHub(
    (seq, at) =>
      toKioskView(h.state(), DEVICES, {
        seq,
        at,
        kiosk: { name: 'GT-K001', location: 'lobby', centralOnline: true, version: 'test' },
        serviceData: () => ({
          cashbox: { cycleId: 'c', countsByValueFen: {}, totalFen: 0, noteCount: 0 },
          outbox: { depth: 0, oldestAgeMs: null, lastSyncAt: null, lastError: null },
          collections: { pending: 0, failed: [] },
          suspectNotes: 0,
          lastCollection: null,
        }),
      }),
    clock,
  )
  h.actor.subscribe(() => hub.refresh())
  const handleMessage = createIntentHandler({
    clock,
    sink: { can: (i) => h.state().can(i), send: (i) => h.actor.send(i) },
  })
  app = await buildUiBridge({
    log,
    uiDist: '/nonexistent',
    hub,
    handleMessage,
    health: () => ({ ready: true, reasons: [] }),
    metrics: () => 'x 1\n',
  })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  return { h, clock, hub, address }
}

/** A client that collects every server message. */
async function client(address: string) {
  const ws = new WebSocket(address.replace(/^http/, 'ws') + AGENT_WS_PATH)
  const messages: ServerMessage[] = []
  const waiters: (() => void)[] = []
  ws.on('message', (d: Buffer) => {
    messages.push(JSON.parse(d.toString('utf8')) as ServerMessage)
    for (const w of waiters.splice(0)) w()
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  const next = async (pred: (m: ServerMessage) => boolean, ms = 3000): Promise<ServerMessage> => {
    const deadline = Date.now() + ms
    for (;;) {
      const found = messages.find(pred)
      if (found) {
        messages.splice(messages.indexOf(found), 1)
        return found
      }
      if (Date.now() > deadline) throw new Error(`no such message; got ${JSON.stringify(messages)}`)
      await new Promise<void>((r) => {
        waiters.push(r)
        setTimeout(r, 50)
      })
    }
  }
  return { ws, messages, next }
}

const isSnapshot = (m: ServerMessage): m is { type: 'snapshot'; view: KioskView } => m.type === 'snapshot'
const isError = (m: ServerMessage): m is Extract<ServerMessage, { type: 'error' }> => m.type === 'error'

describe('ui bridge', () => {
  it('sends a full snapshot on connect, and a new one (higher seq) on every state change', async () => {
    const { address, clock } = await bridge()
    const c = await client(address)
    const first = await c.next(isSnapshot)
    expect(isSnapshot(first) && first.view.screen).toBe('attract')
    const seq0 = isSnapshot(first) ? first.view.seq : 0
    c.ws.send(JSON.stringify({ type: 'intent', intentId: ID, intent: { type: 'resident.start' } }))
    const second = await c.next(isSnapshot)
    expect(isSnapshot(second) && second.view.screen).toBe('identify')
    expect(isSnapshot(second) && second.view.seq).toBeGreaterThan(seq0)
    expect(isSnapshot(second) && second.view.session?.sessionId).toMatch(/^[0-9a-f-]{36}$/)
    clock.advance(1000)
    // A reconnecting screen gets the whole state again.
    const again = await client(address)
    const snap = await again.next(isSnapshot)
    expect(isSnapshot(snap) && snap.view.screen).toBe('identify')
    c.ws.close()
    again.ws.close()
  })

  it('bad JSON, unknown fields, bad values and oversize messages → ERR_WS_BAD_MESSAGE and nothing changes', async () => {
    const { address, h } = await bridge()
    const c = await client(address)
    await c.next(isSnapshot)
    const bads = [
      'not json {',
      JSON.stringify({ type: 'intent', intentId: ID, intent: { type: 'resident.start' }, extra: 1 }),
      JSON.stringify({ type: 'intent', intentId: ID, intent: { type: 'resident.start', extra: 1 } }),
      JSON.stringify({ type: 'intent', intentId: ID, intent: { type: 'resident.fly' } }),
      JSON.stringify({ type: 'intent', intentId: 'not-a-uuid', intent: { type: 'resident.start' } }),
      JSON.stringify({ type: 'intent', intentId: ID, intent: { type: 'resident.enterMeterNo', digits: '12ab' } }),
      JSON.stringify({ type: 'intent', intentId: ID, intent: { type: 'resident.start' }, pad: 'x'.repeat(MAX_CLIENT_MESSAGE_BYTES) }),
    ]
    for (const raw of bads) {
      c.ws.send(raw)
      const e = await c.next(isError)
      expect(e).toMatchObject({ type: 'error', code: 'ERR_WS_BAD_MESSAGE' })
    }
    // Well-formed but wrong id in an otherwise bad message is echoed so the UI can match it.
    c.ws.send(JSON.stringify({ type: 'intent', intentId: ID, intent: { type: 'resident.start', extra: 1 } }))
    expect(await c.next(isError)).toMatchObject({ intentId: ID })
    expect(h.state().value).toBe('attract')
    expect(c.messages.filter(isSnapshot)).toHaveLength(0)
    c.ws.close()
  })

  it('an intent the current state does not take → ERR_INTENT_NOT_ALLOWED', async () => {
    const { address, h } = await bridge()
    const c = await client(address)
    await c.next(isSnapshot)
    c.ws.send(JSON.stringify({ type: 'intent', intentId: ID, intent: { type: 'resident.confirm' } }))
    expect(await c.next(isError)).toMatchObject({ code: 'ERR_INTENT_NOT_ALLOWED', intentId: ID })
    expect(h.state().value).toBe('attract')
    c.ws.close()
  })

  it('a double tap (same intent within 300 ms) is ignored', async () => {
    const { address, h, clock } = await bridge()
    const c = await client(address)
    await c.next(isSnapshot)
    const send = (type: string) => c.ws.send(JSON.stringify({ type: 'intent', intentId: ID, intent: { type } }))
    send('resident.start')
    await c.next(isSnapshot)
    send('resident.cancel')
    await c.next(isSnapshot)
    expect(h.state().value).toBe('attract')
    send('resident.start') // within 300 ms of the first start
    await settle()
    await new Promise((r) => setTimeout(r, 100))
    expect(h.state().value).toBe('attract')
    clock.advance(301)
    send('resident.start')
    await c.next(isSnapshot)
    expect(h.state().matches('identify')).toBe(true)
    c.ws.close()
  })

  it('a different choice in quick succession is not a double tap (中文 then English)', async () => {
    const { address, h } = await bridge()
    const c = await client(address)
    await c.next(isSnapshot)
    const language = (language: string) => c.ws.send(JSON.stringify({ type: 'intent', intentId: ID, intent: { type: 'resident.setLanguage', language } }))
    const initial = h.state().context.language
    const other = initial === 'zh-CN' ? 'en' : 'zh-CN'
    language(other)
    await c.next(isSnapshot)
    expect(h.state().context.language).toBe(other)
    language(initial) // within 300 ms, but another choice
    await c.next(isSnapshot)
    expect(h.state().context.language).toBe(initial)
    language(initial) // the same choice again within 300 ms: a double tap
    await settle()
    expect(h.state().context.language).toBe(initial)
    c.ws.close()
  })

  it('serves /health and /metrics, and a placeholder page without a built UI', async () => {
    const { address } = await bridge()
    expect((await fetch(`${address}/health`)).status).toBe(200)
    expect(await (await fetch(`${address}/metrics`)).text()).toBe('x 1\n')
    expect(await (await fetch(`${address}/`)).text()).toContain('not built')
  })
})
