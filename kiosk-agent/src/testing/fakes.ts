/**
 * In-process stand-ins for the devices and the central, for the agent's integration tests. They
 * keep the promises the real ones make (credit handler before ack; same vend id → same answer;
 * every request signed) so the wiring can be tested without hardware or a second process.
 */
import { createHash, createPublicKey, verify } from 'node:crypto'
import {
  SIGNATURE_HEADERS,
  canonicalSigningString,
  uuidv7,
  type AccountSummary,
  type VendRequest,
  type VendResponse,
} from '@gridtill/shared'
import type {
  AcceptorDevice,
  AcceptorDeviceEvent,
  PrinterDevice,
  PrinterOutcome,
  PrinterStatusBits,
  ReaderDevice,
  ReaderDeviceEvent,
  ReceiptData,
} from '../actors/device-types.ts'
import type { KioskDevices } from '../devices/types.ts'

class Emitter<E> {
  private readonly listeners = new Set<(e: E) => void>()
  on(l: (e: E) => void): () => void {
    this.listeners.add(l)
    return () => this.listeners.delete(l)
  }
  emit(e: E): void {
    for (const l of [...this.listeners]) l(e)
  }
}

export class FakeAcceptor implements AcceptorDevice {
  readonly protocol = 'fake'
  readonly denominationsFen = [100, 500, 1000, 2000, 5000, 10000]
  state: 'offline' | 'disabled' | 'enabled' | 'busy' | 'jammed' = 'offline'
  escrow: number | null = null
  /** Notes physically in the cash box (stacked), credited or not. */
  readonly stacked: number[] = []
  private handler: ((n: { noteId: string; valueFen: number }) => Promise<void>) | null = null
  private readonly events = new Emitter<AcceptorDeviceEvent>()
  /** Power-up with a note half stacked, reported once at start. */
  suspectAtStart: number | null = null

  on(l: (e: AcceptorDeviceEvent) => void) {
    return this.events.on(l)
  }
  setCreditHandler(h: (n: { noteId: string; valueFen: number }) => Promise<void>) {
    this.handler = h
  }
  start() {
    this.state = 'disabled'
    if (this.suspectAtStart !== null) this.events.emit({ type: 'suspectNote', valueFen: this.suspectAtStart, where: 'stacker' })
    this.events.emit({ type: 'online' })
    return Promise.resolve()
  }
  stop() {
    this.state = 'offline'
    return Promise.resolve()
  }
  enable() {
    if (this.state === 'disabled') {
      this.state = 'enabled'
      queueMicrotask(() => this.events.emit({ type: 'enabled' }))
    }
    return Promise.resolve()
  }
  disable() {
    if (this.state === 'enabled') {
      this.state = 'disabled'
      queueMicrotask(() => this.events.emit({ type: 'disabled' }))
    }
    return Promise.resolve()
  }
  async stack() {
    if (this.escrow === null) return
    const valueFen = this.escrow
    this.escrow = null
    this.stacked.push(valueFen)
    const noteId = uuidv7()
    // The contract: the handler resolves before the device is acked and before the event.
    await this.handler?.({ noteId, valueFen })
    this.events.emit({ type: 'noteCredited', noteId, valueFen })
  }
  returnNote() {
    if (this.escrow !== null) {
      this.escrow = null
      this.events.emit({ type: 'noteReturned' })
    }
    return Promise.resolve()
  }
  /** A resident puts a note in the slot. */
  insert(valueFen: number): boolean {
    if (this.state !== 'enabled' || this.escrow !== null) return false
    this.escrow = valueFen
    this.events.emit({ type: 'noteEscrowed', valueFen })
    return true
  }
  emit(e: AcceptorDeviceEvent) {
    this.events.emit(e)
  }
}

export class FakeReader implements ReaderDevice {
  online = false
  private readonly events = new Emitter<ReaderDeviceEvent>()
  on(l: (e: ReaderDeviceEvent) => void) {
    return this.events.on(l)
  }
  start() {
    this.online = true
    this.events.emit({ type: 'online' })
    return Promise.resolve()
  }
  stop() {
    this.online = false
    return Promise.resolve()
  }
  tap(cardNo: string, cardKind: 'resident' | 'staff' = 'resident', staffRole?: 'field' | 'cashier' | 'admin') {
    this.events.emit({ type: 'cardRead', uid: '04A1B2C3', cardNo, cardKind, ...(staffRole ? { staffRole } : {}) })
  }
}

export class FakePrinter implements PrinterDevice {
  readonly printed: ReceiptData[] = []
  paper: 'ok' | 'out' = 'ok'
  print(job: Uint8Array): Promise<PrinterOutcome> {
    if (this.paper === 'out') return Promise.resolve({ ok: false, reason: 'paperOut', status: this.bits() })
    this.printed.push(JSON.parse(Buffer.from(job).toString('utf8')) as ReceiptData)
    return Promise.resolve({ ok: true, status: this.bits() })
  }
  status(): Promise<PrinterStatusBits> {
    return Promise.resolve(this.bits())
  }
  private bits(): PrinterStatusBits {
    return { online: this.paper === 'ok', coverOpen: false, paperNearEnd: false, paperOut: this.paper === 'out', cutterError: false }
  }
}

export function fakeDevices() {
  const acceptor = new FakeAcceptor()
  const reader = new FakeReader()
  const printer = new FakePrinter()
  const devices: KioskDevices = {
    acceptor,
    reader,
    printer,
    // The fake printer reads the receipt data back, so tests can check what would be on paper.
    render: (data) => Buffer.from(JSON.stringify(data), 'utf8'),
    sim: null,
    async start() {
      await acceptor.start()
      await reader.start()
    },
    async stop() {
      await acceptor.stop()
      await reader.stop()
    },
  }
  return { acceptor, reader, printer, devices }
}

export const FAKE_ACCOUNT: AccountSummary = {
  accountId: 'A00001',
  customerNameMasked: '张*明',
  meters: [{ meterNo: '58101000001', meterNoDisplay: '5810 1000 0015', unitName: '1-101' }],
  tariffName: 'flat',
  priceFenPerKwh: 60,
  minVendFen: 1000,
  maxVendFen: 200_000,
  arrearsFen: 0,
  walletFen: 0,
  lastKnownCreditWh: null,
  daysLeft: null,
  nextBlock: { blockNumber: 1, blockCount: 1, priceFenPerKwh: 60, remainingWh: null, nextPriceFenPerKwh: null, resetsOn: '2026-02-01' },
}

/**
 * A central that keeps vends by id (same id, same body → same answer; other body → 422), checks
 * every signature against the enrolled key, and can be taken down.
 */
export class FakeCentral {
  up = true
  publicKeyB64: string | null = null
  readonly vends = new Map<string, { body: string; response: VendResponse }>()
  readonly calls: string[] = []
  readonly signatureFailures: string[] = []
  private readonly nonces = new Set<string>()
  private seq = 0

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
    const method = init?.method ?? 'GET'
    const body = init?.body ? Buffer.from(init.body as Uint8Array).toString('utf8') : ''
    const path = url.pathname + url.search
    this.calls.push(`${method} ${path}`)
    if (!this.up) throw new TypeError('fetch failed (connection refused)')
    const json = (status: number, data: unknown) =>
      new Response(JSON.stringify(data), { status, headers: { 'content-type': 'application/json' } })
    const err = (status: number, code: string) => json(status, { statusCode: status, code, error: 'x', message: code })

    if (path === '/api/v1/kiosks/enroll' && method === 'POST') {
      const req = JSON.parse(body) as { enrollmentCode: string; publicKey: string }
      if (req.enrollmentCode !== 'DEMO-ENROLL-K001') return err(401, 'ERR_ENROLL_BAD_CODE')
      this.publicKeyB64 = req.publicKey
      return json(200, { kioskId: 'K001', name: 'GT-K001', siteName: 'site', location: 'lobby' })
    }
    if (path === '/health') return json(200, { ready: true, reasons: [] })
    const headers = new Headers(init?.headers)
    if (!this.verify(method, path, body, headers)) {
      this.signatureFailures.push(path)
      return err(401, 'ERR_AUTH_BAD_SIGNATURE')
    }
    await Promise.resolve()
    if (path.startsWith('/api/v1/cards/')) {
      const cardNo = path.split('/').pop() ?? ''
      if (cardNo === '9900000101') return json(200, { kind: 'staff', cardNo, staffName: '李师傅 Li (field)', role: 'field' })
      if (cardNo !== '8800010001') return err(404, 'ERR_CARD_UNKNOWN')
      return json(200, { kind: 'resident', cardNo, account: FAKE_ACCOUNT })
    }
    if (path.startsWith('/api/v1/meters/')) {
      const meterNo = path.split('/')[4] ?? ''
      if (meterNo !== '58101000001') return err(404, 'ERR_METER_UNKNOWN')
      return json(200, { account: FAKE_ACCOUNT })
    }
    if (path === '/api/v1/vends/quote') {
      const q = JSON.parse(body) as { meterNo: string; amountFen: number }
      return json(200, { meterNo: q.meterNo, amountFen: q.amountFen, energyWh: energy(q.amountFen), breakdown: breakdown(q.amountFen), tariffName: 'flat' })
    }
    if (path === '/api/v1/vends' && method === 'POST') {
      const req = JSON.parse(body) as VendRequest
      const seen = this.vends.get(req.vendId)
      if (seen) return seen.body === body ? json(200, seen.response) : err(422, 'ERR_VEND_ID_REUSED')
      if (req.amountFen < FAKE_ACCOUNT.minVendFen) return err(422, 'ERR_VEND_AMOUNT_BELOW_MINIMUM')
      const response: VendResponse = {
        vendId: req.vendId,
        receiptNo: `K001-${String(++this.seq).padStart(6, '0')}`,
        meterNo: req.meterNo,
        meterNoDisplay: '5810 1000 0015',
        customerNameMasked: '张*明',
        amountFen: req.amountFen,
        energyWh: energy(req.amountFen),
        tokens: [String(10_000_000_000_000_000_000n + BigInt(this.seq))],
        breakdown: breakdown(req.amountFen),
        tariffName: 'flat',
        createdAt: new Date(0).toISOString(),
      }
      this.vends.set(req.vendId, { body, response })
      return json(200, response)
    }
    if (path.startsWith('/api/v1/vends/')) return err(404, 'ERR_NOT_FOUND')
    return err(404, 'ERR_NOT_FOUND')
  }

  private verify(method: string, path: string, body: string, h: Headers): boolean {
    if (!this.publicKeyB64) return false
    const kiosk = h.get(SIGNATURE_HEADERS.kiosk)
    const timestamp = h.get(SIGNATURE_HEADERS.timestamp)
    const nonce = h.get(SIGNATURE_HEADERS.nonce)
    const signature = h.get(SIGNATURE_HEADERS.signature)
    if (kiosk !== 'K001' || !timestamp || !nonce || !signature || this.nonces.has(nonce)) return false
    this.nonces.add(nonce)
    const signed = canonicalSigningString({ method, path, timestamp, nonce, bodySha256Hex: createHash('sha256').update(body).digest('hex') })
    const key = createPublicKey({ key: Buffer.from(this.publicKeyB64, 'base64'), format: 'der', type: 'spki' })
    return verify(null, Buffer.from(signed), key, Buffer.from(signature, 'base64'))
  }
}

function energy(amountFen: number): number {
  return Math.floor(amountFen / 6) * 100
}
function breakdown(amountFen: number) {
  return { energyFen: amountFen, vatFen: 0, fixedChargesFen: 0, debtRecoveredFen: 0, walletUsedFen: 0, carriedOverFen: 0 }
}
