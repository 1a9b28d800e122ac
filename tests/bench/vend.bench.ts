/**
 * `npm run bench -- vend`: durable vends per second. The central runs in its own process as in
 * production — SQLite with synchronous=FULL, every request Ed25519-signed and its nonce recorded,
 * logging at info — and this process keeps 50 requests in flight over 50 keep-alive HTTP
 * connections on loopback. In the same run and with the same client, a bare Fastify route (its
 * own process too) gives the baseline; the ratio is the figure to watch (the machines are noisy).
 * Every answer is sent only after the group commit that holds its vend, so vends/s is durable
 * vends/s; the ledger check runs at the end.
 *
 * The meter link is off (no meters answer here, so the outbox would only grow and be republished);
 * each vend still writes its delivery outbox row in its transaction.
 *
 * Lines: vend.per_s, vend.bare_route_per_s, vend.vs_bare_route, vend.p50_ms, vend.p99_ms; also the
 * server CPU per request on each side (steadier than rates on a shared machine) and, on Linux, the
 * vend's CPU by thread (main; the busiest other thread, the SQLite writer; the rest: libuv's pool
 * verifying signatures and V8's GC helpers), vend.vends_per_commit (the group commit at work) and
 * vend.ledger_balanced.
 * SQLITE_COMMIT_DELAY_MS / SQLITE_COMMIT_MAX_BATCH try other group-commit settings;
 * GRIDTILL_SQLITE_WORKER=0 keeps SQLite's writer in the main thread instead of its worker thread.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { API_PREFIX, DEMO_KIOSK, demoCustomers, uuidv7 } from '@gridtill/shared'
import type { Report } from './run.ts'

const ROLE_ENV = 'GRIDTILL_VEND_BENCH_ROLE'
const CONNECTIONS = 50
const METERS = 1000
const WARMUP = 1_000
const MEASURED = 12_000

// ── the two servers, each in a child process (this same file, started with a role) ─────────

async function vendServer(): Promise<void> {
  const { buildApp, loadConfig, createLogger } = await import('@gridtill/central-api')
  const dataDir = process.env.BENCH_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'gridtill-vend-bench-'))
  const { config } = loadConfig({
    GRIDTILL_DEMO: '1',
    DATA_DIR: dataDir,
    METER_COUNT: String(METERS),
    // Months of generated readings belong to a demo, not to a vend benchmark (they load the
    // writer while it is measured).
    DEMO_HISTORY: '0',
    PORT: '0',
    MQTT_PORT: '0',
    LOG_LEVEL: 'info',
    MQTT_CLIENT_ID: `gridtill-bench-${process.pid}`,
    // The group commit's knobs, for trying other settings (defaults otherwise).
    SQLITE_COMMIT_DELAY_MS: process.env.SQLITE_COMMIT_DELAY_MS,
    SQLITE_COMMIT_MAX_BATCH: process.env.SQLITE_COMMIT_MAX_BATCH,
  })
  // The production logger at info, into a sink (what a log shipper would read).
  // No meters answer in a benchmark: without the meter link the outbox rows are still written in
  // each vend's transaction, but nobody republishes them every few seconds.
  const app = await buildApp({ config, logger: createLogger(config.logLevel, { write: () => true }), meterLink: false })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  process.send?.({ ready: address })
  answerCpuQueries()
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd !== 'finish') return
    void (async () => {
      // Through the API, as an operator would see it.
      const check = (await app.inject({ method: 'GET', url: `${API_PREFIX}/ledger/check`, headers: { 'x-gridtill-admin-token': config.adminToken ?? '' } })).json<unknown>()
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
      const counter = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1] ?? NaN)
      const stats = { commits: counter('storage_commits_total'), writes: counter('storage_writes_total') }
      await app.close()
      rmSync(dataDir, { recursive: true, force: true })
      process.send?.({ check, stats }, () => process.exit(0))
    })()
  })
}

async function bareServer(): Promise<void> {
  const { default: Fastify } = await import('fastify')
  const app = Fastify({ logger: false })
  app.post('/bare', (req) => ({ ok: true, bytes: JSON.stringify(req.body).length }))
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  process.send?.({ ready: address })
  answerCpuQueries()
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'finish') void app.close().then(() => process.send?.({}, () => process.exit(0)))
  })
}

/** The server's CPU time (ms) so far, whole and by thread: the client reads it around the measured run. */
function answerCpuQueries(): void {
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'cpu') {
      const u = process.cpuUsage()
      process.send?.({ cpuMs: (u.user + u.system) / 1000, threads: threadCpuMs() })
    }
  })
}

/**
 * CPU (ms) of each of this process's threads, from Linux's /proc (empty elsewhere). The main
 * thread's tid is the pid; the others are the SQLite writer, libuv's pool (signature checks) and
 * V8's helpers (GC), told apart by how busy they are.
 */
function threadCpuMs(): Record<string, number> {
  const out: Record<string, number> = {}
  try {
    const ticksPerMs = 100 / 1000 // USER_HZ is 100 on Linux
    for (const tid of readdirSync('/proc/self/task')) {
      // Fields after the ')' of the command name: utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      out[tid === String(process.pid) ? 'main' : tid] = (Number(f[11]) + Number(f[12])) / ticksPerMs
    }
  } catch {
    // Not Linux: no breakdown.
  }
  return out
}

const role = process.env[ROLE_ENV]
if (role === 'vend') void vendServer()
if (role === 'bare') void bareServer()
// A server whose client died (killed, timed out) goes with it instead of lingering.
if (role !== undefined) process.on('disconnect', () => process.exit(1))

// ── the client ───────────────────────────────────────────────────────────────────────────────

interface CpuReading {
  cpuMs: number
  threads: Record<string, number>
}

interface Server {
  child: ChildProcess
  url: string
  cpu(): Promise<CpuReading>
  finish(): Promise<Record<string, unknown>>
}

async function start(which: 'vend' | 'bare'): Promise<Server> {
  // VEND_BENCH_CPU_PROF=<dir> writes a V8 CPU profile of the central (open it in Chrome DevTools).
  const profDir = process.env.VEND_BENCH_CPU_PROF
  const execArgv = profDir !== undefined && which === 'vend' ? [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${profDir}`] : process.execArgv
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv, env: { ...process.env, [ROLE_ENV]: which }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { ready?: string }) => (m.ready ? resolve(m.ready) : reject(new Error('server did not start'))))
    child.once('exit', (code) => reject(new Error(`${which} server exited with ${String(code)}`)))
  })
  return {
    child,
    url,
    cpu: () =>
      new Promise((resolve) => {
        child.once('message', (m: CpuReading) => resolve(m))
        child.send({ cmd: 'cpu' })
      }),
    finish: () =>
      new Promise((resolve) => {
        let answer: Record<string, unknown> = {}
        child.once('message', (m: Record<string, unknown>) => (answer = m))
        child.once('exit', () => resolve(answer))
        child.send({ cmd: 'finish' })
      }),
  }
}

interface Request {
  path: string
  headers: Record<string, string>
  body: Buffer
}

/** Sends every request with `CONNECTIONS` in flight; returns statuses and per-request latency. */
async function drive(base: string, agent: http.Agent, requests: Request[]): Promise<{ seconds: number; latenciesMs: number[]; statuses: Map<number, number> }> {
  const { hostname, port } = new URL(base)
  const latenciesMs: number[] = []
  const statuses = new Map<number, number>()
  let next = 0
  const one = (r: Request) =>
    new Promise<void>((resolve, reject) => {
      const t0 = performance.now()
      const req = http.request({ host: hostname, port, path: r.path, method: 'POST', agent, headers: { ...r.headers, 'content-length': String(r.body.length) } }, (res) => {
        res.resume()
        res.on('end', () => {
          latenciesMs.push(performance.now() - t0)
          statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1)
          resolve()
        })
      })
      req.on('error', reject)
      req.end(r.body)
    })
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < requests.length) await one(requests[next++]!)
    }),
  )
  return { seconds: (performance.now() - started) / 1000, latenciesMs, statuses }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}

async function enroll(base: string): Promise<{ kioskId: string; privateKey: KeyObject }> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const res = await fetch(`${base}${API_PREFIX}/kiosks/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enrollmentCode: DEMO_KIOSK.enrollmentCode, publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') }),
  })
  if (!res.ok) throw new Error(`enrolment failed: ${res.status} ${await res.text()}`)
  return { kioskId: ((await res.json()) as { kioskId: string }).kioskId, privateKey }
}

export default async function vendBench(report: Report): Promise<void> {
  const { signRequest } = await import('@gridtill/central-api')
  const meters = demoCustomers(METERS).flatMap((c) => c.meters.filter((m) => m.profile !== 'shop').map((m) => m.meterNo))
  const agent = () => new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS })

  const vend = await start('vend')
  const bare = await start('bare')
  try {
    const kiosk = await enroll(vend.url)
    // Signed ahead of time (Ed25519 signing is the kiosk's cost, not the central's).
    const path = `${API_PREFIX}/vends`
    const signedVends = Array.from({ length: WARMUP + MEASURED }, (_, i): Request => {
      const now = Date.now()
      const body = Buffer.from(
        JSON.stringify({ vendId: uuidv7(now), meterNo: meters[i % meters.length], amountFen: 2000, notes: [{ noteId: uuidv7(now), valueFen: 2000 }], paidAt: new Date(now).toISOString() }),
      )
      const headers = signRequest({ privateKey: kiosk.privateKey, kioskId: kiosk.kioskId, method: 'POST', path, body, now })
      return { path, headers: { ...headers, 'content-type': 'application/json' }, body }
    })

    const vendAgent = agent()
    await drive(vend.url, vendAgent, signedVends.slice(0, WARMUP))
    const vendCpu0 = await vend.cpu()
    const v = await drive(vend.url, vendAgent, signedVends.slice(WARMUP))
    const vendCpu1 = await vend.cpu()
    const vendCpuMs = vendCpu1.cpuMs - vendCpu0.cpuMs
    vendAgent.destroy()

    // The bare route gets the same requests (same bytes, same headers), warm-up included.
    const bareRequests = signedVends.map((r) => ({ ...r, path: '/bare' }))
    const bareAgent = agent()
    await drive(bare.url, bareAgent, bareRequests.slice(0, WARMUP))
    const bareCpu0 = await bare.cpu()
    const b = await drive(bare.url, bareAgent, bareRequests.slice(WARMUP))
    const bareCpuMs = (await bare.cpu()).cpuMs - bareCpu0.cpuMs
    bareAgent.destroy()

    const ok = v.statuses.get(200) ?? 0
    if (ok !== MEASURED) throw new Error(`vend answers: ${JSON.stringify(Object.fromEntries(v.statuses))}`)
    const sorted = [...v.latenciesMs].sort((x, y) => x - y)
    const vendPerS = MEASURED / v.seconds
    const barePerS = MEASURED / b.seconds
    report('vend.per_s', vendPerS, 'vends/s')
    report('vend.bare_route_per_s', barePerS, 'requests/s')
    report('vend.vs_bare_route', vendPerS / barePerS, 'ratio')
    report('vend.p50_ms', percentile(sorted, 50), 'ms')
    report('vend.p99_ms', percentile(sorted, 99), 'ms')
    // Server CPU per request: steadier than rates on a shared machine.
    report('vend.server_cpu_ms_per_vend', vendCpuMs / MEASURED, 'ms')
    report('vend.bare_server_cpu_ms_per_request', bareCpuMs / MEASURED, 'ms')
    // Where the vend's CPU goes: the main thread (HTTP, checks, pricing, minting), the busiest
    // other thread (the SQLite writer), and the rest (libuv's pool verifying signatures, GC).
    const byThread = Object.entries(vendCpu1.threads)
      .map(([tid, ms]) => [tid, ms - (vendCpu0.threads[tid] ?? 0)] as const)
      .sort((x, y) => y[1] - x[1])
    const main = byThread.find(([tid]) => tid === 'main')?.[1]
    if (main !== undefined) {
      const others = byThread.filter(([tid]) => tid !== 'main')
      const writer = others[0]?.[1] ?? 0
      report('vend.cpu_main_thread_ms_per_vend', main / MEASURED, 'ms')
      report('vend.cpu_busiest_other_thread_ms_per_vend', writer / MEASURED, 'ms')
      report('vend.cpu_remaining_threads_ms_per_vend', others.slice(1).reduce((a, [, ms]) => a + ms, 0) / MEASURED, 'ms')
    }

    const end = (await vend.finish()) as { check: { balanced: boolean; vends: number }; stats: { commits: number; writes: number } | null }
    if (end.stats !== null) report('vend.vends_per_commit', (WARMUP + MEASURED) / Math.max(1, end.stats.commits), 'vends/commit')
    report('vend.ledger_balanced', end.check.balanced && end.check.vends === WARMUP + MEASURED ? 1 : 0, 'bool')
  } finally {
    if (vend.child.exitCode === null) vend.child.kill()
    await bare.finish().catch(() => undefined)
    if (bare.child.exitCode === null) bare.child.kill()
  }
}
