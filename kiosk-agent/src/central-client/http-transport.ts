import http from 'node:http'
import https from 'node:https'

/** What the central client needs of an HTTP answer (a fetch Response has it too). */
export interface HttpAnswer {
  status: number
  ok: boolean
  text(): Promise<string>
}

export type HttpRequestFn = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: Uint8Array; signal: AbortSignal },
) => Promise<HttpAnswer>

// Idle sockets close after 4 s, long before any server drops them (Fastify: 72 s), so a reused
// socket is never one the central has already closed.
const agentOptions = { keepAlive: true, maxSockets: 8, timeout: 4_000 }
const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) }

/**
 * The central client's HTTP over node:http rather than fetch: Node loads fetch's implementation
 * (undici) on first use, ~80 ms of CPU at every agent start (measured in the crash test's
 * restarts), while node:http is already loaded for the UI bridge. Same contract as fetch for
 * what the client uses: status, ok, text(); a network failure or the signal rejects.
 */
export const nodeHttpRequest: HttpRequestFn = (url, init) =>
  new Promise<HttpAnswer>((resolve, reject) => {
    const u = new URL(url)
    const lib = u.protocol === 'https:' ? https : http
    const headers: Record<string, string> = { ...init.headers }
    if (init.body) headers['content-length'] = String(init.body.byteLength)
    const req = lib.request(
      u,
      { method: init.method, headers, signal: init.signal, agent: u.protocol === 'https:' ? agents.https : agents.http },
      (res) => {
        const chunks: Buffer[] = []
        let ended = false
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('close', () => {
          if (!ended) reject(new Error('connection closed before the answer ended'))
        })
        res.on('end', () => {
          ended = true
          const status = res.statusCode ?? 0
          const body = Buffer.concat(chunks).toString('utf8')
          resolve({ status, ok: status >= 200 && status < 300, text: () => Promise.resolve(body) })
        })
      },
    )
    req.on('error', reject)
    req.end(init.body ? Buffer.from(init.body) : undefined)
  })
