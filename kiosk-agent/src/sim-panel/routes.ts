import type { FastifyInstance } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { DEFAULT_NOTE_VALUES_FEN, DEMO_STAFF_CARDS, demoCustomers, type ErrorBody } from '@gridtill/shared'
import { armCrash, CRASH_POINTS } from './crash-points.ts'

/**
 * The hardware simulator panel's HTTP API (DEVICES=simulated only): what a person at the demo
 * kiosk can do to the devices — tap a card, insert a note, jam the acceptor, run out of paper.
 * Everything goes through the device simulators, so the agent sees real protocol bytes.
 */

/** The device-side handles this API drives (hardware's simulators and memory links). */
export interface SimDevices {
  acceptor: {
    readonly protocol: string
    insertNote(valueFen: number): boolean
    insertFake(): boolean
    jam(safe: boolean): void
    clearJam(): void
    removeCashbox(): void
    replaceCashbox(): void
    setStackerFull(full: boolean): void
    cassette(): { countsByValueFen: Record<number, number>; totalFen: number }
    snapshot(): { powered: boolean; jammed: 'safe' | 'unsafe' | undefined; cashboxRemoved: boolean; stackerFull: boolean }
  }
  acceptorLink: { unplug(): void; replug(): void; readonly plugged: boolean }
  /** Whether the agent's driver sees the acceptor online. */
  acceptorOnline: () => boolean
  reader: {
    tap(card: { uid: string; cardNo: string; kind: 'resident' | 'staff'; role?: 'field' | 'cashier' | 'admin' }): void
    tapGarbage(): void
    unplug(): void
    replug(): void
    readonly plugged: boolean
  }
  printer: {
    readonly receipts: readonly { at: number; lines: readonly { text: string }[]; qrPayloads: readonly string[] }[]
    readonly state: { paperNearEnd: boolean; paperOut: boolean; coverOpen: boolean; cutterError: boolean }
    refill(receipts?: number): void
    setPaper(receipts: number): void
    openCover(): void
    closeCover(): void
    setCutterFault(on: boolean): void
  }
  renderReceiptPng: (receipt: SimDevices['printer']['receipts'][number]) => Buffer
  /** After a fault is injected or cleared, so the screens follow at once. */
  onChange?: () => void
}

export interface SimCardView {
  label: string
  cardNo: string
  uid: string
  kind: 'resident' | 'staff'
  role?: 'field' | 'cashier' | 'admin'
}

/** "张*明": a resident's name as little as a label needs. */
export function maskName(name: string): string {
  const chars = [...name]
  if (chars.length <= 1) return name
  if (chars.length === 2) return `${chars[0]}*`
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars[chars.length - 1]}`
}

export function demoCards(meterCount: number): SimCardView[] {
  const residents = demoCustomers(meterCount).map((c) => ({
    label: `${maskName(c.name)} ${c.cardNo}`,
    cardNo: c.cardNo,
    uid: c.cardUid,
    kind: 'resident' as const,
  }))
  const staff = DEMO_STAFF_CARDS.map((s) => ({
    label: `${s.name} ${s.cardNo}`,
    cardNo: s.cardNo,
    uid: s.cardUid,
    kind: 'staff' as const,
    role: s.role,
  }))
  return [...residents, ...staff]
}

const strict = { additionalProperties: false } as const
const CardBody = Type.Object({ cardNo: Type.String({ pattern: '^[0-9]{8,20}$' }) }, strict)
const NoteBody = Type.Object({ valueFen: Type.Union(DEFAULT_NOTE_VALUES_FEN.map((v) => Type.Literal(v))) }, strict)
const AcceptorAction = Type.Union(
  ['jam', 'jamUnsafe', 'clearJam', 'removeCashbox', 'replaceCashbox', 'stackerFull', 'stackerOk', 'unplug', 'replug'].map((a) => Type.Literal(a)),
)
const AcceptorBody = Type.Object({ action: AcceptorAction }, strict)
const PrinterAction = Type.Union(
  ['paperOut', 'paperNearEnd', 'refill', 'coverOpen', 'coverClose', 'cutterFault', 'clearFault'].map((a) => Type.Literal(a)),
)
const PrinterBody = Type.Object({ action: PrinterAction }, strict)
const Ok = Type.Object({ ok: Type.Boolean() })

const INSERT_WAIT_MS = 3_000

async function retryFor(ms: number, attempt: () => boolean): Promise<boolean> {
  const until = Date.now() + ms
  for (;;) {
    if (attempt()) return true
    if (Date.now() >= until) return false
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Receipts left on the roll when "paper near end" is pressed (inside the simulator's near-end band). */
const NEAR_END_RECEIPTS = 5

export function simPanelPlugin(devices: SimDevices, options: { meterCount: number }) {
  const cards = demoCards(options.meterCount)
  const byCardNo = new Map(cards.map((c) => [c.cardNo, c]))
  const changed = () => setTimeout(() => devices.onChange?.(), 50)

  return (app: FastifyInstance): Promise<void> => {
    app.get('/sim/state', () => {
      const snap = devices.acceptor.snapshot()
      const cassette = devices.acceptor.cassette()
      const p = devices.printer.state
      const countsByValueFen: Record<string, number> = {}
      for (const [k, v] of Object.entries(cassette.countsByValueFen)) countsByValueFen[k] = v
      return {
        cards,
        acceptor: {
          protocol: devices.acceptor.protocol,
          cassette: { countsByValueFen, totalFen: cassette.totalFen },
          cashboxPresent: !snap.cashboxRemoved,
          jammed: snap.jammed !== undefined,
          stackerFull: snap.stackerFull,
          online: devices.acceptorLink.plugged && snap.powered && devices.acceptorOnline(),
        },
        printer: {
          paper: p.paperOut ? 'out' : p.paperNearEnd ? 'nearEnd' : 'ok',
          coverOpen: p.coverOpen,
          cutterFault: p.cutterError,
          receipts: devices.printer.receipts.map((r, index) => ({
            index,
            at: r.at,
            lines: r.lines.map((l) => l.text),
            qrPayloads: [...r.qrPayloads],
          })),
        },
        reader: { online: devices.reader.plugged },
      }
    })

    app.post<{ Body: Static<typeof CardBody> }>('/sim/card', { schema: { body: CardBody } }, (req, reply) => {
      const card = byCardNo.get(req.body.cardNo)
      if (!card) {
        const body: ErrorBody = { statusCode: 404, code: 'ERR_CARD_UNKNOWN', error: 'Not Found', message: 'no demo card with that number' }
        return reply.status(404).send(body)
      }
      devices.reader.tap({ uid: card.uid, cardNo: card.cardNo, kind: card.kind, ...(card.role ? { role: card.role } : {}) })
      return { ok: true }
    })

    app.post('/sim/card-garbage', () => {
      devices.reader.tapGarbage()
      return { ok: true }
    })

    const Accepted = Type.Object({ accepted: Type.Boolean() })
    // Like a person at the slot, wait for the acceptor to be ready for the next note (it is busy for
    // a moment after each one); false when it would not take it at all (disabled, jammed…).
    app.post<{ Body: Static<typeof NoteBody> }>('/sim/note', { schema: { body: NoteBody, response: { 200: Accepted } } }, async (req) => ({
      accepted: await retryFor(INSERT_WAIT_MS, () => devices.acceptor.insertNote(req.body.valueFen)),
    }))

    app.post('/sim/fake-note', { schema: { response: { 200: Accepted } } }, async () => ({
      accepted: await retryFor(INSERT_WAIT_MS, () => devices.acceptor.insertFake()),
    }))

    app.post<{ Body: Static<typeof AcceptorBody> }>('/sim/acceptor', { schema: { body: AcceptorBody, response: { 200: Ok } } }, (req) => {
      const a = devices.acceptor
      const action = req.body.action
      switch (action) {
        case 'jam':
          a.jam(true)
          break
        case 'jamUnsafe':
          a.jam(false)
          break
        case 'clearJam':
          a.clearJam()
          break
        case 'removeCashbox':
          a.removeCashbox()
          break
        case 'replaceCashbox':
          a.replaceCashbox()
          break
        case 'stackerFull':
          a.setStackerFull(true)
          break
        case 'stackerOk':
          a.setStackerFull(false)
          break
        case 'unplug':
          devices.acceptorLink.unplug()
          break
        case 'replug':
          devices.acceptorLink.replug()
          break
      }
      changed()
      return { ok: true }
    })

    app.post<{ Body: Static<typeof PrinterBody> }>('/sim/printer', { schema: { body: PrinterBody, response: { 200: Ok } } }, (req) => {
      const p = devices.printer
      const action = req.body.action
      switch (action) {
        case 'paperOut':
          p.setPaper(0)
          break
        case 'paperNearEnd':
          p.setPaper(NEAR_END_RECEIPTS)
          break
        case 'refill':
          p.refill()
          break
        case 'coverOpen':
          p.openCover()
          break
        case 'coverClose':
          p.closeCover()
          break
        case 'cutterFault':
          p.setCutterFault(true)
          break
        case 'clearFault':
          p.setCutterFault(false)
          p.closeCover()
          break
      }
      changed()
      return { ok: true }
    })

    // The crash test's power cut at an exact step (crash-points.ts); null disarms.
    const CrashBody = Type.Object({ point: Type.Union([...CRASH_POINTS.map((p) => Type.Literal(p)), Type.Null()]) }, strict)
    app.post<{ Body: Static<typeof CrashBody> }>('/sim/crash-at', { schema: { body: CrashBody, response: { 200: Ok } } }, (req) => {
      armCrash(req.body.point)
      return { ok: true }
    })

    app.get<{ Params: { name: string } }>('/sim/receipts/:name', (req, reply) => {
      const m = /^(\d{1,6})\.png$/.exec(req.params.name)
      const receipt = m ? devices.printer.receipts[Number(m[1])] : undefined
      if (!receipt) {
        const body: ErrorBody = { statusCode: 404, code: 'ERR_NOT_FOUND', error: 'Not Found', message: 'no such receipt' }
        return reply.status(404).send(body)
      }
      return reply.type('image/png').send(devices.renderReceiptPng(receipt))
    })
    return Promise.resolve()
  }
}
