import { TypeCompiler } from '@sinclair/typebox/compiler'
import { ClientMessage, ErrorCode, MAX_CLIENT_MESSAGE_BYTES, isUuid, type Clock, type ServerMessage } from '@gridtill/shared'
import type { AgentIntent } from '../machines/intents.ts'

const checkMessage = TypeCompiler.Compile(ClientMessage)

export interface IntentSink {
  /** Whether the machine would act on it now (state and guards). */
  can(intent: AgentIntent): boolean
  send(intent: AgentIntent): void
}

export type IntentHandler = (raw: Buffer | ArrayBuffer | Buffer[] | string) => ServerMessage | null

function toText(raw: Buffer | ArrayBuffer | Buffer[] | string): { text: string; bytes: number } {
  if (typeof raw === 'string') return { text: raw, bytes: Buffer.byteLength(raw) }
  const buf = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer)
  return { text: buf.toString('utf8'), bytes: buf.length }
}

const bad = (message: string, intentId: string | null = null): ServerMessage => ({
  type: 'error',
  intentId,
  code: ErrorCode.WS_BAD_MESSAGE,
  message,
})

/**
 * One WebSocket message from the UI → at most one machine event. Anything malformed, unknown or
 * oversize is answered with an error and changes nothing. A repeat of the same intent (same type,
 * same fields) within the debounce window is a double tap and is dropped silently
 * (kiosk-hardware.md §6: 300 ms); another choice in quick succession (中文 then English, another
 * meter) is a new intent and goes through.
 */
export function createIntentHandler(deps: { sink: IntentSink; clock: Clock; debounceMs?: number }): IntentHandler {
  const debounceMs = deps.debounceMs ?? 300
  const lastAccepted = new Map<string, number>()
  return (raw) => {
    const { text, bytes } = toText(raw)
    if (bytes > MAX_CLIENT_MESSAGE_BYTES) return bad(`message over ${MAX_CLIENT_MESSAGE_BYTES} bytes`)
    let msg: unknown
    try {
      msg = JSON.parse(text)
    } catch {
      return bad('not JSON')
    }
    if (!checkMessage.Check(msg)) {
      const id = (msg as { intentId?: unknown } | null)?.intentId
      const first = checkMessage.Errors(msg).First()
      return bad(`invalid message${first ? `: ${first.path || '/'} ${first.message}` : ''}`, isUuid(id) ? id : null)
    }
    const intent: AgentIntent = msg.intent
    const now = deps.clock.now()
    const key = intentKey(intent)
    const last = lastAccepted.get(key)
    if (last !== undefined && now - last < debounceMs) return null
    if (!deps.sink.can(intent)) {
      return { type: 'error', intentId: msg.intentId, code: ErrorCode.INTENT_NOT_ALLOWED, message: `${intent.type} is not allowed now` }
    }
    // Keys carry typed digits and seal numbers: forget the stale ones before the map can grow.
    if (lastAccepted.size >= 64) for (const [k, at] of lastAccepted) if (now - at >= debounceMs) lastAccepted.delete(k)
    lastAccepted.set(key, now)
    deps.sink.send(intent)
    return null
  }
}

/** The intent's type and fields in a fixed order: two taps of the same button give the same key. */
function intentKey(intent: AgentIntent): string {
  const fields = Object.entries(intent)
    .filter(([k]) => k !== 'type')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return fields.length === 0 ? intent.type : `${intent.type}\n${JSON.stringify(fields)}`
}
