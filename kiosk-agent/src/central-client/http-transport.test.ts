import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { nodeHttpRequest } from './http-transport.ts'

const servers: http.Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r))
})

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler)
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('node:http transport', () => {
  it('sends method, headers and body byte for byte; answers status, ok and text', async () => {
    let seen = { method: '', body: '', type: '', length: '' }
    const base = await serve((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        seen = { method: req.method ?? '', body: Buffer.concat(chunks).toString('utf8'), type: req.headers['content-type'] ?? '', length: req.headers['content-length'] ?? '' }
        res.writeHead(422, { 'content-type': 'application/json' }).end('{"code":"ERR_X"}')
      })
    })
    const body = Buffer.from('{"a":"张"}', 'utf8')
    const r = await nodeHttpRequest(`${base}/p?q=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(2000) })
    expect(seen).toEqual({ method: 'POST', body: '{"a":"张"}', type: 'application/json', length: String(body.byteLength) })
    expect(r.status).toBe(422)
    expect(r.ok).toBe(false)
    expect(await r.text()).toBe('{"code":"ERR_X"}')
  })

  it('a dropped connection and a timeout reject (the caller treats both as "central unreachable")', async () => {
    const base = await serve((req, res) => {
      if (req.url === '/drop') req.socket.destroy()
      else setTimeout(() => res.end('late'), 500)
    })
    await expect(nodeHttpRequest(`${base}/drop`, { method: 'GET', headers: {}, signal: AbortSignal.timeout(2000) })).rejects.toThrow()
    await expect(nodeHttpRequest(`${base}/slow`, { method: 'GET', headers: {}, signal: AbortSignal.timeout(100) })).rejects.toThrow()
  })
})
