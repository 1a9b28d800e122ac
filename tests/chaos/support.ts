/**
 * What the chaos tests share: a pre-bundled agent with a code cache (hundreds of restarts cannot
 * each pay tsx's start-up), a small kiosk client over the agent's real WebSocket, and the simulator panel's HTTP API.
 */
import { randomUUID } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'esbuild'
import WebSocket from 'ws'
import type { KioskView, ServerMessage } from '@gridtill/shared'
import { REPO_ROOT } from '../system/launch.ts'

/**
 * kiosk-agent/src/main.ts as one CommonJS file under node_modules/.cache (so the native addons
 * still resolve from node_modules), started through a small loader that keeps V8's compiled code
 * for it between runs. Measured on the crash test's restarts: node itself ~50 ms; parsing and
 * compiling the 4 MB bundle ~100 ms of the rest, which the code cache takes away from the second
 * start on; the remaining start-up is the agent's own (journal, devices' handshake, Fastify).
 * Returns the node arguments that start the agent.
 */
export async function bundleAgent(): Promise<string[]> {
  const outDir = join(REPO_ROOT, 'node_modules', '.cache', 'gridtill-chaos')
  mkdirSync(outDir, { recursive: true })
  const outfile = join(outDir, 'kiosk-agent.cjs')
  await build({
    entryPoints: [join(REPO_ROOT, 'kiosk-agent/src/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    logLevel: 'error',
    minifyWhitespace: true,
    // Only native addons load from node_modules; everything else is in the one file, so a start
    // pays no module resolution (measured: most of a restart under load).
    external: ['better-sqlite3', 'serialport', '@serialport/*', 'node-hid', 'usb', 'bufferutil', 'utf-8-validate'],
    // CommonJS has no import.meta: give the sources the file's own URL.
    define: { 'import.meta.url': '__gtImportMetaUrl' },
    banner: { js: "var __gtImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  })
  const loader = join(outDir, 'kiosk-agent-loader.cjs')
  // A fresh build invalidates the cache of the previous one.
  rmSync(`${outfile}.v8cache`, { force: true })
  writeFileSync(loader, CODE_CACHE_LOADER)
  return [loader]
}

/** Runs kiosk-agent.cjs with V8's code cache beside it; writes the cache once the agent has started. */
const CODE_CACHE_LOADER = `'use strict'
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')
const Module = require('node:module')
const file = path.join(__dirname, 'kiosk-agent.cjs')
const cacheFile = file + '.v8cache'
let cachedData
try { cachedData = fs.readFileSync(cacheFile) } catch {}
const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData })
const mod = new Module(file, module)
mod.filename = file
mod.paths = Module._nodeModulePaths(__dirname)
script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, __dirname)
if (cachedData === undefined || script.cachedDataRejected) {
  // Soon after start (the crash test may kill it any moment), so it holds what start-up compiled too;
  // written whole or not at all.
  setTimeout(() => {
    const tmp = cacheFile + '.' + process.pid
    fs.writeFileSync(tmp, script.createCachedData())
    fs.renameSync(tmp, cacheFile)
  }, 400).unref()
}
`

export const agentEnvForTests = (): Record<string, string> => ({
  UI_DIST: join(REPO_ROOT, 'kiosk-ui/dist'),
  LOG_LEVEL: 'info',
})

export class KioskClient {
  view: KioskView | null = null
  private ws: WebSocket | null = null
  private readonly waiters = new Set<() => void>()
  errors: string[] = []

  constructor(private readonly wsUrl: string) {}

  async connect(timeoutMs = 10_000): Promise<void> {
    this.close()
    const ws = new WebSocket(this.wsUrl)
    this.ws = ws
    ws.on('message', (raw: Buffer) => {
      const m = JSON.parse(raw.toString('utf8')) as ServerMessage
      if (m.type === 'snapshot') this.view = m.view
      else this.errors.push(`${m.code}: ${m.message}`)
      for (const w of [...this.waiters]) w()
    })
    ws.on('error', () => undefined)
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('ws connect timeout')), timeoutMs)
      ws.once('open', () => (clearTimeout(t), resolve()))
      ws.once('error', (e) => (clearTimeout(t), reject(e)))
    })
    await this.until((v) => v !== null, timeoutMs, 'first snapshot')
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN
  }

  close(): void {
    this.ws?.removeAllListeners('message')
    this.ws?.terminate()
    this.ws = null
    this.view = null
  }

  send(intent: Record<string, unknown> & { type: string }): void {
    this.ws?.send(JSON.stringify({ type: 'intent', intentId: randomUUID(), intent }))
  }

  /** Resolves with the view once `pred` holds; rejects on timeout or when the socket closes. */
  until(pred: (v: KioskView | null) => boolean, timeoutMs = 10_000, what = 'condition'): Promise<KioskView> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (pred(this.view)) {
          done()
          resolve(this.view as KioskView)
        } else if (!this.open) {
          done()
          reject(new Error(`socket closed waiting for ${what}`))
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`timed out waiting for ${what} (screen ${this.view?.screen ?? 'none'})`))
      }, timeoutMs)
      const onClose = () => check()
      this.ws?.once('close', onClose)
      const done = () => {
        clearTimeout(timer)
        this.waiters.delete(check)
        this.ws?.off('close', onClose)
      }
      this.waiters.add(check)
      check()
    })
  }

  screen(name: KioskView['screen'], timeoutMs = 10_000): Promise<KioskView> {
    return this.until((v) => v?.screen === name, timeoutMs, `screen ${name}`)
  }
}

export class SimPanel {
  constructor(private readonly base: string) {}

  private async post(path: string, body: unknown): Promise<unknown> {
    const res = await fetch(`${this.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(8_000),
    })
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`)
    return res.json()
  }

  tap(cardNo: string): Promise<unknown> {
    return this.post('/sim/card', { cardNo })
  }

  async note(valueFen: number): Promise<boolean> {
    return ((await this.post('/sim/note', { valueFen })) as { accepted: boolean }).accepted
  }

  crashAt(point: string | null): Promise<unknown> {
    return this.post('/sim/crash-at', { point })
  }

  printer(action: string): Promise<unknown> {
    return this.post('/sim/printer', { action })
  }

  async state(): Promise<{
    acceptor: { cassette: { countsByValueFen: Record<string, number>; totalFen: number } }
    printer: { receipts: { lines: string[] }[] }
  }> {
    const res = await fetch(`${this.base}/sim/state`, { signal: AbortSignal.timeout(8_000) })
    return (await res.json()) as Awaited<ReturnType<SimPanel['state']>>
  }
}

/** mulberry32, so a failing run replays from its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
