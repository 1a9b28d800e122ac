/**
 * The 10 000-meter measurement, run by hand (not a bench group, too heavy for `npm run bench`):
 *   node --import tsx tests/bench/fleet-scale.ts
 * Env: METERS (10000), RATE (vends/s, 200), SECONDS (30), CONCURRENCY (connects in flight, 64),
 * BROKER_URL (default: a private broker started here on a free port, memory only, stopped at
 * the end — so 10 000 persistent sessions do not linger in a shared broker; see meter-broker.ts).
 *
 * Figures: connect time and RSS of the fleet; token delivery → ack latency under load, measured by
 * a stand-in central in a child process (sentAt → ack received, through the broker) and inside the
 * fleet (sentAt → ack handed to the link, after the state commit); the bare MQTT round trip.
 */
import { fork } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { connectAsync } from 'mqtt'
import {
  METER_TOPIC_WILDCARD,
  encodeToken,
  meterTopic,
  tidFromTime,
  type TokenAck,
  type TokenDelivery,
} from '@gridtill/shared'
import { startBenchFleet, type MeterProgramming } from '@gridtill/hardware'
import { measureBareMqttRoundTrip } from './meter-bare.ts'
import { startPrivateBroker, type PrivateBroker } from './meter-broker.ts'

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const mb = (bytes: number) => Math.round(bytes / 2 ** 20)
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN

interface CentralResult {
  sent: number
  acked: number
  p50: number
  p99: number
  max: number
}

/** The stand-in central: one client, vends at RATE/s to random meters, acks timed on arrival. */
async function central(): Promise<void> {
  const [, , , url, programmingFile, rateArg, secondsArg] = process.argv
  const programming = JSON.parse(readFileSync(programmingFile ?? '', 'utf8')) as MeterProgramming[]
  const rate = Number(rateArg)
  const seconds = Number(secondsArg)
  const client = await connectAsync(url ?? '', {
    clientId: `bench-central-${process.pid}`,
    clean: true,
    reconnectPeriod: 0,
  })
  const sentAt = new Map<string, number>()
  const latencies: number[] = []
  client.on('message', (_topic, payload) => {
    const ack = JSON.parse(payload.toString()) as TokenAck
    const t = sentAt.get(ack.deliveryId)
    if (t === undefined) return
    sentAt.delete(ack.deliveryId)
    latencies.push(Date.now() - t)
  })
  await client.subscribeAsync(METER_TOPIC_WILDCARD('acks'), { qos: 1 })
  const nextTid = new Map<string, number>()
  const baseTid = tidFromTime(Date.now(), 2014)
  let sent = 0
  const total = rate * seconds
  const started = Date.now()
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      // Catch up to the schedule each 5 ms, so the rate holds even when a tick is late.
      const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * rate))
      for (; sent < due; sent++) {
        const p = programming[Math.floor(Math.random() * programming.length)] as MeterProgramming
        const tid = nextTid.get(p.meterNo) ?? baseTid
        nextTid.set(p.meterNo, tid + 1)
        const token = encodeToken(
          { ea: p.ea, dk: BigInt(`0x${p.dkHex}`) },
          { class: 0, subclass: 0, rnd: sent % 16, tid, units: 100 },
        )
        const delivery: TokenDelivery = {
          deliveryId: `bench-${process.pid}-${sent}`,
          tokens: [token],
          sentAt: Date.now(),
        }
        sentAt.set(delivery.deliveryId, delivery.sentAt)
        client.publish(meterTopic(p.meterNo, 'tokens'), JSON.stringify(delivery), { qos: 1 })
      }
      if (sent >= total) {
        clearInterval(timer)
        resolve()
      }
    }, 5)
  })
  const deadline = Date.now() + 10_000
  while (sentAt.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  await client.endAsync()
  latencies.sort((a, b) => a - b)
  const result: CentralResult = {
    sent,
    acked: latencies.length,
    p50: pct(latencies, 0.5),
    p99: pct(latencies, 0.99),
    max: latencies[latencies.length - 1] ?? NaN,
  }
  process.send?.(result)
}

async function main(): Promise<void> {
  const meters = env('METERS', 10_000)
  const rate = env('RATE', 200)
  const seconds = env('SECONDS', 30)
  const dir = mkdtempSync(join(tmpdir(), 'gridtill-fleet-scale-'))
  let broker: PrivateBroker | undefined
  try {
    let url = process.env.BROKER_URL
    if (url === undefined) {
      broker = await startPrivateBroker(dir)
      url = broker.url
      console.log(`private ${broker.kind} pid ${broker.pid} at ${url}`)
    }
    const rssBefore = process.memoryUsage().rss
    const bench = await startBenchFleet({
      brokerUrl: url,
      count: meters,
      statePath: join(dir, 'fleet.db'),
      connectConcurrency: env('CONCURRENCY', 64),
    })
    const rssConnected = process.memoryUsage().rss
    console.log(
      `connected ${meters} meters in ${(bench.connectMs / 1000).toFixed(1)} s; RSS ${mb(rssConnected)} MB (${mb(rssBefore)} MB before, ≈${Math.round((rssConnected - rssBefore) / meters / 1024)} KB/meter)`,
    )
    // Let the connect burst settle (first readings, status publishes) before loading.
    await new Promise((r) => setTimeout(r, 3_000))

    const programmingFile = join(dir, 'programming.json')
    writeFileSync(programmingFile, JSON.stringify(bench.programming))
    const loop = monitorEventLoopDelay({ resolution: 10 })
    loop.enable()
    bench.probe.reset()
    const commitsBefore = bench.fleet.storeStats?.commits ?? 0
    const child = fork(
      fileURLToPath(import.meta.url),
      ['--central', url, programmingFile, String(rate), String(seconds)],
      { execArgv: ['--import', 'tsx'] },
    )
    const result = await new Promise<CentralResult>((resolve, reject) => {
      child.once('message', (m) => resolve(m as CentralResult))
      child.once('exit', (code) => reject(new Error(`central exited ${code}`)))
    })
    loop.disable()
    const fleetSide = bench.probe.summary()
    const store = bench.fleet.storeStats
    console.log(
      `load: ${result.sent} vends at ${rate}/s, ${result.acked} acked; central sentAt→ack p50 ${result.p50} ms p99 ${result.p99} ms max ${result.max} ms`,
    )
    console.log(
      `fleet sentAt→ack sent (after commit) p50 ${fleetSide.p50} ms p99 ${fleetSide.p99} ms; commits ${(store?.commits ?? 0) - commitsBefore}, longest ${store?.maxCommitMs.toFixed(1)} ms; event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms`,
    )
    console.log(
      `RSS under load ${mb(process.memoryUsage().rss)} MB; readings published ${bench.fleet.stats.readingsPublished}`,
    )
    const bare = await measureBareMqttRoundTrip(url, 1000)
    console.log(
      `bare MQTT round trip (QoS 1 → reply → back), fleet connected: p50 ${bare.p50.toFixed(2)} ms p99 ${bare.p99.toFixed(2)} ms`,
    )
    const stopStarted = performance.now()
    await bench.stop()
    console.log(`fleet stopped in ${((performance.now() - stopStarted) / 1000).toFixed(1)} s`)
  } finally {
    broker?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[2] === '--central') await central()
else await main()
