/**
 * `npm run bench -- meter`: vend commit → meter acknowledgement latency with 10 000 simulated
 * meters connected while vends arrive at 200 per second, and, in the same run and through the same
 * broker, the bare MQTT publish → reply round trip it is judged against (issue 11).
 *
 * Four processes, as in production: the broker (a private Mosquitto with Nagle off on a free port,
 * or aedes where Mosquitto is not installed — see meter-broker.ts), the real central (SQLite,
 * demo estate of METERS meters, MQTT_URL at that broker, logging at info into a sink), the meter
 * fleet (hardware's simulator: STS decoding, durable state before every ack) and this client,
 * which signs vends like a kiosk and posts them over HTTP at RATE per second.
 *
 * Latency per vend = the delivery row's acked_at − created_at, both stamped by the central's clock:
 * from the vend's commit (its transaction's time) to the central recording the meter's ack, i.e.
 * outbox pickup, publish, broker, the meter's decode and state commit, the ack's way back, and the
 * settle transaction.
 *
 * Lines: meter.ack_p50_ms, meter.ack_p99_ms, meter.bare_p50_ms, meter.bare_p99_ms,
 * meter.vs_bare_mqtt (ack p99 ÷ bare p99), meter.central_rss_mb, meter.fleet_rss_mb,
 * meter.broker_rss_mb, meter.acked (of meter.vends), meter.connect_s, meter.fleet_ack_p99_ms (the
 * fleet's own share: sentAt → ack handed to its link, after the state commit).
 * Env: METERS (10000), RATE (200), SECONDS (20), BENCH_BROKER=aedes.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { API_PREFIX, DEMO_KIOSK, uuidv7 } from '@gridtill/shared'
import { startPrivateBroker } from './meter-broker.ts'
import { measureBareMqttRoundTrip } from './meter-bare.ts'
import type { Report } from './run.ts'

const ROLE_ENV = 'GRIDTILL_METER_BENCH_ROLE'
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const METERS = env('METERS', 10_000)
const RATE = env('RATE', 200)
const SECONDS = env('SECONDS', 20)
const mb = (bytes: number) => Math.round(bytes / 2 ** 20)
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN

interface CentralStats {
  rss: number
  heapUsed: number
  latencies: number[]
  waiting: number
  rejected: number
}

// ── the central, in its own process ──────────────────────────────────────────────────────────

async function centralRole(): Promise<void> {
  const { buildApp, loadConfig, createLogger, exportMeterProgramming, writeMeterFleetFile, sqlitePath } = await import('@gridtill/central-api')
  const { default: Database } = await import('better-sqlite3')
  const dataDir = process.env.BENCH_DATA_DIR ?? ''
  const { config } = loadConfig({
    GRIDTILL_DEMO: '1',
    DATA_DIR: dataDir,
    METER_COUNT: String(METERS),
    PORT: '0',
    MQTT_URL: process.env.BENCH_BROKER_URL,
    MQTT_CLIENT_ID: `gridtill-meter-bench-${process.pid}`,
    LOG_LEVEL: 'info',
  })
  const app = await buildApp({ config, logger: createLogger(config.logLevel, { write: () => true }) })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const programmingFile = join(dataDir, 'meter-fleet.json')
  // The storage decorator's type lives in a central-api plugin this package does not see.
  const repo = (app as unknown as { repo: Parameters<typeof exportMeterProgramming>[0] }).repo
  writeMeterFleetFile(programmingFile, await exportMeterProgramming(repo, app.securityModule))
  // A reader of its own (WAL): the bench's questions never queue behind the central's writes.
  const db = new Database(sqlitePath(config), { readonly: true })
  const rows = db.prepare<[number], { ms: number | null; state: string }>('SELECT acked_at - created_at AS ms, state FROM deliveries WHERE created_at >= ?')
  process.send?.({ ready: address, programmingFile })
  if (process.env.BENCH_VERBOSE === '1') console.error(`central RSS after seeding: ${mb(process.memoryUsage().rss)} MB`)
  process.on('message', (m: { cmd: string; from?: number }) => {
    if (m.cmd === 'stats') {
      const all = rows.all(m.from ?? 0)
      const stats: CentralStats = {
        rss: process.memoryUsage().rss,
        heapUsed: process.memoryUsage().heapUsed,
        latencies: all.filter((r) => r.state === 'accepted' && r.ms !== null).map((r) => r.ms ?? 0),
        waiting: all.filter((r) => r.state === 'pending' || r.state === 'sent').length,
        rejected: all.filter((r) => r.state === 'rejected').length,
      }
      process.send?.(stats)
    }
    if (m.cmd === 'finish') {
      db.close()
      void app.close().then(() => process.send?.({}, () => process.exit(0)))
    }
  })
}

// ── the meter fleet, in its own process ──────────────────────────────────────────────────────

async function fleetRole(): Promise<void> {
  const { startBenchFleet, parseManifest } = await import('@gridtill/hardware')
  const programming = parseManifest(JSON.parse(readFileSync(process.env.BENCH_PROGRAMMING ?? '', 'utf8')))
  const bench = await startBenchFleet({
    brokerUrl: process.env.BENCH_BROKER_URL ?? '',
    programming,
    statePath: join(process.env.BENCH_DATA_DIR ?? '', 'fleet.db'),
    connectConcurrency: 64,
  })
  process.send?.({ ready: true, connectMs: bench.connectMs })
  const { monitorEventLoopDelay } = await import('node:perf_hooks')
  const loop = monitorEventLoopDelay({ resolution: 10 })
  let cpu0 = process.cpuUsage()
  let t0 = performance.now()
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'reset') {
      bench.probe.reset()
      loop.reset()
      loop.enable()
      cpu0 = process.cpuUsage()
      t0 = performance.now()
    }
    if (m.cmd === 'stats') {
      const cpu = process.cpuUsage(cpu0)
      const cpuShare = (cpu.user + cpu.system) / 1000 / (performance.now() - t0)
      process.send?.({ rss: process.memoryUsage().rss, probe: bench.probe.summary(), cpuShare, loopP99Ms: loop.percentile(99) / 1e6, commits: bench.fleet.storeStats })
    }
    if (m.cmd === 'finish') void bench.stop().then(() => process.send?.({}, () => process.exit(0)))
  })
}

const role = process.env[ROLE_ENV]
if (role === 'central') void centralRole()
if (role === 'fleet') void fleetRole()

// ── the client ───────────────────────────────────────────────────────────────────────────────

function child(which: 'central' | 'fleet', extra: Record<string, string>): ChildProcess {
  return fork(fileURLToPath(import.meta.url), [], { execArgv: process.execArgv, env: { ...process.env, ...extra, [ROLE_ENV]: which }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
}

function ask<T>(proc: ChildProcess, msg: object): Promise<T> {
  return new Promise((resolve) => {
    proc.once('message', (m) => resolve(m as T))
    proc.send(msg)
  })
}

function ready<T>(proc: ChildProcess, what: string, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start in ${ms / 1000} s`)), ms)
    proc.once('message', (m) => {
      clearTimeout(timer)
      resolve(m as T)
    })
    proc.once('exit', (code) => reject(new Error(`${what} exited with ${String(code)}`)))
  })
}

function finish(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL')
      resolve()
    }, 30_000)
    proc.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    proc.send({ cmd: 'finish' })
  })
}

function rssOf(pid: number | undefined): number {
  if (pid === undefined) return NaN
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb === undefined ? NaN : Number(kb) * 1024
  } catch {
    return NaN
  }
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

export default async function meterBench(report: Report): Promise<void> {
  const { signRequest } = await import('@gridtill/central-api')
  const dir = mkdtempSync(join(tmpdir(), 'gridtill-meter-bench-'))
  const broker = await startPrivateBroker(dir)
  const procs: ChildProcess[] = []
  try {
    const central = child('central', { BENCH_BROKER_URL: broker.url, BENCH_DATA_DIR: dir })
    procs.push(central)
    const c = await ready<{ ready: string; programmingFile: string }>(central, 'central', 300_000)
    const fleet = child('fleet', { BENCH_BROKER_URL: broker.url, BENCH_DATA_DIR: dir, BENCH_PROGRAMMING: c.programmingFile })
    procs.push(fleet)
    const f = await ready<{ connectMs: number }>(fleet, 'fleet', 600_000)
    report('meter.connect_s', f.connectMs / 1000, 's')
    // Let the connect burst settle (statuses, first readings) before loading.
    await new Promise((r) => setTimeout(r, 5_000))
    if (process.env.BENCH_VERBOSE === '1') {
      const s0 = await ask<CentralStats>(central, { cmd: 'stats', from: Date.now() })
      console.error(`central RSS after the fleet connected: ${mb(s0.rss)} MB (heap ${mb(s0.heapUsed)} MB)`)
    }

    const programming = JSON.parse(readFileSync(c.programmingFile, 'utf8')) as { meterNo: string; profile: string }[]
    const meters = programming.filter((p) => p.profile !== 'shop').map((p) => p.meterNo)
    const kiosk = await enroll(c.ready)
    const total = RATE * SECONDS
    const path = `${API_PREFIX}/vends`
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
    const { hostname, port } = new URL(c.ready)
    const statuses = new Map<number, number>()
    const vendMs: number[] = []
    const post = (i: number) =>
      new Promise<void>((resolve) => {
        const now = Date.now()
        const t0 = performance.now()
        const meterNo = meters[Math.floor(Math.random() * meters.length)] ?? ''
        const body = Buffer.from(JSON.stringify({ vendId: uuidv7(now), meterNo, amountFen: 2000, notes: [{ noteId: uuidv7(now), valueFen: 2000 }], paidAt: new Date(now).toISOString() }))
        const headers = signRequest({ privateKey: kiosk.privateKey, kioskId: kiosk.kioskId, method: 'POST', path, body, now })
        const req = http.request({ host: hostname, port, path, method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': String(body.length) } }, (res) => {
          res.resume()
          res.on('end', () => {
            vendMs.push(performance.now() - t0)
            statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1)
            resolve()
          })
        })
        req.on('error', () => {
          statuses.set(-1, (statuses.get(-1) ?? 0) + 1)
          resolve()
        })
        req.end(body)
        void i
      })

    fleet.send({ cmd: 'reset' })
    const from = Date.now()
    const inFlight: Promise<void>[] = []
    let sent = 0
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        // Catch up to the schedule each 5 ms, so the rate holds when a tick is late.
        const due = Math.min(total, Math.floor(((Date.now() - from) / 1000) * RATE))
        for (; sent < due; sent++) inFlight.push(post(sent))
        if (sent >= total) {
          clearInterval(timer)
          resolve()
        }
      }, 5)
    })
    await Promise.all(inFlight)
    agent.destroy()
    // Wait for the last acks.
    let stats = await ask<CentralStats>(central, { cmd: 'stats', from })
    for (let i = 0; i < 100 && stats.waiting > 0; i++) {
      await new Promise((r) => setTimeout(r, 200))
      stats = await ask<CentralStats>(central, { cmd: 'stats', from })
    }
    const fleetStats = await ask<{ rss: number; probe: { p99: number }; cpuShare: number; loopP99Ms: number; commits: unknown }>(fleet, { cmd: 'stats' })
    if (process.env.BENCH_VERBOSE === '1') console.error(`central heap ${mb(stats.heapUsed)} MB; fleet: cpu ${(fleetStats.cpuShare * 100).toFixed(0)} % of a core, event-loop delay p99 ${fleetStats.loopP99Ms.toFixed(1)} ms, store ${JSON.stringify(fleetStats.commits)}`)
    const bare = await measureBareMqttRoundTrip(broker.url, 1000)

    const ok = statuses.get(200) ?? 0
    if (ok !== total) console.error(`meter bench: vend answers ${JSON.stringify(Object.fromEntries(statuses))}`)
    const sorted = [...stats.latencies].sort((a, b) => a - b)
    const p50 = pct(sorted, 0.5)
    const p99 = pct(sorted, 0.99)
    report('meter.vends', ok, 'vends')
    report('meter.acked', sorted.length, 'deliveries')
    report('meter.ack_p50_ms', p50, 'ms')
    report('meter.ack_p99_ms', p99, 'ms')
    report('meter.bare_p50_ms', bare.p50, 'ms')
    report('meter.bare_p99_ms', bare.p99, 'ms')
    report('meter.vs_bare_mqtt', p99 / bare.p99, 'ratio')
    report('meter.fleet_ack_p99_ms', fleetStats.probe.p99, 'ms')
    vendMs.sort((x, y) => x - y)
    // The vend request itself (sign → verified, priced, committed, answered): context for the above.
    report('meter.vend_http_p99_ms', pct(vendMs, 0.99), 'ms')
    report('meter.central_rss_mb', mb(stats.rss), 'MB')
    report('meter.fleet_rss_mb', mb(fleetStats.rss), 'MB')
    report('meter.broker_rss_mb', mb(rssOf(broker.pid)), 'MB')
    if (stats.waiting > 0 || stats.rejected > 0) console.error(`meter bench: ${stats.waiting} deliveries still waiting, ${stats.rejected} rejected (broker ${broker.kind})`)
  } finally {
    for (const p of procs.reverse()) await finish(p)
    broker.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
