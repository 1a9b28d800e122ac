/**
 * The hardware simulator's HTTP surface on the agent (kiosk-agent/src/sim-panel/routes.ts). The
 * shapes here are what the panel reads; every field is optional, so one the agent does not send
 * only hides a line. The action names must match the agent's body schemas.
 */

export interface SimCard {
  cardNo: string
  /** Holder's name or a description ("张晓明", "李师傅 Li (field)"). */
  label?: string
  name?: string
  /** 'resident' or 'staff'. */
  kind?: string
  role?: string
}

export interface SimCassette {
  countsByValueFen: Record<string, number>
  totalFen: number
  noteCount?: number
}

export interface SimAcceptor {
  protocol?: string
  /** Plugged in, powered and seen by the agent's driver. */
  online?: boolean
  jammed?: boolean
  cashboxPresent?: boolean
  stackerFull?: boolean
  cassette?: SimCassette
}

export interface SimReceipt {
  /** Position in print order (0 = first); the PNG is /sim/receipts/{index}.png. */
  index?: number
  at?: string | number
  lines: string[]
  qrPayloads?: string[]
}

export interface SimPrinter {
  /** 'ok', 'nearEnd' or 'out'. */
  paper?: string
  coverOpen?: boolean
  cutterFault?: boolean
  receipts?: SimReceipt[]
}

export interface SimState {
  cards?: SimCard[]
  acceptor?: SimAcceptor
  printer?: SimPrinter
  reader?: { online?: boolean }
}

export const NOTE_VALUES_FEN = [100, 500, 1000, 2000, 5000, 10000] as const

/** POST /sim/acceptor {action} — label is the button's accessible name. */
export const ACCEPTOR_ACTIONS = [
  { action: 'jam', label: 'Jam acceptor' },
  { action: 'jamUnsafe', label: 'Unsafe jam' },
  { action: 'clearJam', label: 'Clear jam' },
  { action: 'removeCashbox', label: 'Remove cash box' },
  { action: 'replaceCashbox', label: 'Replace cash box' },
  { action: 'stackerFull', label: 'Stacker full' },
  { action: 'stackerOk', label: 'Stacker OK' },
  { action: 'unplug', label: 'Unplug acceptor' },
  { action: 'replug', label: 'Replug acceptor' },
] as const

/** POST /sim/printer {action}. */
export const PRINTER_ACTIONS = [
  { action: 'paperOut', label: 'Paper out' },
  { action: 'paperNearEnd', label: 'Paper near end' },
  { action: 'refill', label: 'Refill paper' },
  { action: 'coverOpen', label: 'Open cover' },
  { action: 'coverClose', label: 'Close cover' },
  { action: 'cutterFault', label: 'Cutter fault' },
  { action: 'clearFault', label: 'Clear printer faults' },
] as const

export type AcceptorAction = (typeof ACCEPTOR_ACTIONS)[number]['action']
export type PrinterAction = (typeof PRINTER_ACTIONS)[number]['action']

/** "Insert ¥50" — yuan without decimals; the simulator only has whole-yuan notes. */
export function noteButtonLabel(valueFen: number): string {
  return `Insert ¥${valueFen / 100}`
}

/** "accepted" / "not accepted" for the note endpoints' {accepted} answer, else "done". */
export function describeResult(answer: unknown): string {
  if (typeof answer === 'object' && answer !== null && 'accepted' in answer) {
    return answer.accepted === true ? 'accepted' : 'not accepted'
  }
  return 'done'
}

export function receiptIndex(r: SimReceipt, position: number): number {
  return typeof r.index === 'number' ? r.index : position
}

/** Receipts newest first, each with the index its PNG is served under. */
export function newestFirst(
  receipts: readonly SimReceipt[],
): { receipt: SimReceipt; index: number }[] {
  return receipts
    .map((receipt, position) => ({ receipt, index: receiptIndex(receipt, position) }))
    .sort((a, b) => b.index - a.index)
}

export class SimApi {
  readonly #base: string
  readonly #fetch: typeof fetch

  constructor(base = '', fetchImpl: typeof fetch = (...args) => fetch(...args)) {
    this.#base = base
    this.#fetch = fetchImpl
  }

  async state(signal?: AbortSignal): Promise<SimState> {
    const res = await this.#fetch(`${this.#base}/sim/state`, {
      cache: 'no-store',
      ...(signal ? { signal } : {}),
    })
    if (!res.ok) throw new Error(`GET /sim/state → ${res.status}`)
    return (await res.json()) as SimState
  }

  /** POST a JSON body; resolves to the JSON answer (or null), rejects on a non-2xx status. */
  async post(path: string, body: unknown = {}): Promise<unknown> {
    const res = await this.#fetch(`${this.#base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    if (!res.ok) {
      let detail = ''
      try {
        detail = await res.text()
      } catch {
        // the status alone will do
      }
      throw new Error(`POST ${path} → ${res.status}${detail ? `: ${detail.slice(0, 200)}` : ''}`)
    }
    try {
      return (await res.json()) as unknown
    } catch {
      return null
    }
  }

  tapCard = (cardNo: string): Promise<unknown> => this.post('/sim/card', { cardNo })
  tapGarbage = (): Promise<unknown> => this.post('/sim/card-garbage')
  /** The agent answers {accepted: false} when the acceptor would not take the note (disabled, jammed…). */
  insertNote = (valueFen: number): Promise<unknown> => this.post('/sim/note', { valueFen })
  insertFake = (): Promise<unknown> => this.post('/sim/fake-note')
  acceptor = (action: AcceptorAction): Promise<unknown> => this.post('/sim/acceptor', { action })
  printer = (action: PrinterAction): Promise<unknown> => this.post('/sim/printer', { action })
}
