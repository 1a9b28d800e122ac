/**
 * GET /api/v1/cards/:cardNo/history — a card's purchases and monthly use, for the history screen
 * (issue #8). Signed like every kiosk call (sign.ts); errors as CentralError, so the machine reads
 * the code the same way as for the client's own calls.
 */
import { Value } from '@sinclair/typebox/value'
import { fromPromise } from 'xstate'
import { API_PREFIX, AccountHistoryResponse, ErrorCode } from '@gridtill/shared'
import type { HistoryOutput, VendStatusOutput } from '../machines/transaction.types.ts'
import { CentralError, type CentralClient, type CentralClientOptions } from './central-client.ts'
import { nodeHttpRequest, type HttpAnswer, type HttpRequestFn } from './http-transport.ts'
import { signatureHeaders } from './sign.ts'
import './formats.ts'

export type HistoryClientOptions = Pick<CentralClientOptions, 'baseUrl' | 'clock' | 'timeoutMs' | 'credentials' | 'fetch'>

/** How many purchases the kiosk shows: one screen's worth. */
export const HISTORY_VENDS = 5

export function cardHistoryPath(cardNo: string, limit = HISTORY_VENDS): string {
  return `${API_PREFIX}/cards/${encodeURIComponent(cardNo)}/history?limit=${limit}`
}

export function createHistoryClient(options: HistoryClientOptions): { cardHistory(cardNo: string): Promise<AccountHistoryResponse> } {
  // node:http like the rest of the client: fetch would load undici (~80 ms CPU) on the first visit.
  const doFetch: HttpRequestFn = options.fetch ? (url, init) => (options.fetch as typeof fetch)(url, init) : nodeHttpRequest
  const base = options.baseUrl.replace(/\/+$/, '')
  return {
    async cardHistory(cardNo) {
      const path = cardHistoryPath(cardNo)
      const creds = options.credentials?.()
      if (!creds) throw new CentralError(0, ErrorCode.AUTH_MISSING, 'kiosk is not enrolled yet')
      const headers = { accept: 'application/json', ...signatureHeaders({ ...creds, method: 'GET', path, body: new Uint8Array(), nowMs: options.clock.now() }) }
      let res: HttpAnswer
      let text: string
      try {
        res = await doFetch(base + path, { method: 'GET', headers, signal: AbortSignal.timeout(options.timeoutMs) })
        text = await res.text()
      } catch (err) {
        throw new CentralError(0, ErrorCode.CENTRAL_UNREACHABLE, `central unreachable (GET ${path}): ${err instanceof Error ? err.message : String(err)}`)
      }
      let json: unknown
      try {
        json = text ? JSON.parse(text) : undefined
      } catch {
        json = undefined
      }
      if (!res.ok) {
        const e = (json ?? {}) as { code?: unknown; message?: unknown }
        // A proxy's 502/503/504 means the central itself did not answer.
        if (res.status === 502 || res.status === 503 || res.status === 504) throw new CentralError(0, ErrorCode.CENTRAL_UNREACHABLE, `HTTP ${res.status}`)
        throw new CentralError(res.status, typeof e.code === 'string' ? e.code : `HTTP_${res.status}`, typeof e.message === 'string' ? e.message : `HTTP ${res.status}`)
      }
      if (!Value.Check(AccountHistoryResponse, json)) throw new CentralError(502, 'ERR_CENTRAL_BAD_RESPONSE', `unexpected response to GET ${path}`)
      return json
    },
  }
}

/** The machine's history and token-status jobs (transaction.machine.ts `loadHistory`, `vendStatus`). */
export function createHistoryLogic(central: Pick<CentralClient, 'vendStatus'>, history: { cardHistory(cardNo: string): Promise<AccountHistoryResponse> }) {
  return {
    loadHistory: fromPromise<HistoryOutput, { cardNo: string }>(({ input }) => history.cardHistory(input.cardNo)),
    vendStatus: fromPromise<VendStatusOutput, { vendId: string }>(({ input }) => central.vendStatus(input.vendId)),
  }
}
