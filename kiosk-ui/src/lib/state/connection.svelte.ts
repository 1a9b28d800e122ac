import { AGENT_WS_PATH, uuidv7 } from '@gridtill/shared'
import type { Intent, KioskView } from '@gridtill/shared'
import { backoffMs } from '../format.ts'
import { parseServerMessage, shouldApply } from './protocol.ts'

export type ConnectionStatus = 'connecting' | 'open' | 'closed'

export interface IntentRejection {
  intentId: string | null
  code: string
  /** Local receive time, so the same code twice still shows as a new message. */
  receivedAt: number
}

/** ws://host/ws beside the page (the agent serves both). */
export function agentWsUrl(loc: Location = location): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}${AGENT_WS_PATH}`
}

/**
 * The one WebSocket to the agent. The UI keeps no state of its own beyond the last snapshot: on
 * every (re)connect the agent re-sends a full one, so a reconnect needs no replay.
 */
export class KioskConnection {
  view = $state<KioskView | null>(null)
  status = $state<ConnectionStatus>('connecting')
  /** The agent's clock minus this screen's, measured when the last snapshot arrived. */
  clockOffsetMs = $state(0)
  lastRejection = $state<IntentRejection | null>(null)

  readonly #url: string
  #ws: WebSocket | null = null
  #attempt = 0
  #retry: ReturnType<typeof setTimeout> | undefined
  #stopped = false
  #freshSocket = false

  constructor(url: string) {
    this.#url = url
  }

  /** This screen's estimate of the agent's clock now. */
  agentNow(): number {
    return Date.now() + this.clockOffsetMs
  }

  connect(): void {
    this.#stopped = false
    clearTimeout(this.#retry)
    this.status = 'connecting'
    let ws: WebSocket
    try {
      ws = new WebSocket(this.#url)
    } catch {
      this.#scheduleReconnect()
      return
    }
    this.#ws = ws
    this.#freshSocket = true
    ws.onopen = () => {
      this.#attempt = 0
      this.status = 'open'
    }
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data === 'string') this.#receive(ev.data)
    }
    ws.onclose = () => {
      if (this.#ws !== ws) return
      this.#ws = null
      this.status = 'closed'
      this.#scheduleReconnect()
    }
    // An error is always followed by close, which reconnects.
    ws.onerror = () => {}
  }

  close(): void {
    this.#stopped = true
    clearTimeout(this.#retry)
    const ws = this.#ws
    this.#ws = null
    ws?.close()
    this.status = 'closed'
  }

  /** Sends an intent with a fresh id; false when the socket is not open (the overlay blocks taps then). */
  send(intent: Intent): boolean {
    const ws = this.#ws
    if (!ws || ws.readyState !== WebSocket.OPEN) return false
    ws.send(JSON.stringify({ type: 'intent', intentId: uuidv7(), intent }))
    return true
  }

  #scheduleReconnect(): void {
    if (this.#stopped) return
    clearTimeout(this.#retry)
    this.#retry = setTimeout(() => this.connect(), backoffMs(this.#attempt++))
  }

  #receive(data: string): void {
    const msg = parseServerMessage(data)
    if (!msg) return
    if (msg.type === 'error') {
      this.lastRejection = { intentId: msg.intentId, code: msg.code, receivedAt: Date.now() }
      return
    }
    const view = msg.view
    if (!shouldApply(this.view, view, this.#freshSocket)) return
    this.#freshSocket = false
    this.clockOffsetMs = view.at - Date.now()
    this.view = view
  }
}
