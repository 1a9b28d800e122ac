/**
 * Bench support: N simulated meters against a broker, resolved once every one is connected, with
 * a latency probe (a delivery's `sentAt` → its acks handed to the link, after the meter's state is
 * durable). The central-side bench (tests/bench/meter.bench.ts) mints tokens for the returned
 * programming and measures the whole path; this measures the meter's share of it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import { luhnCheckDigit, systemClock } from '@gridtill/shared'
import { hash32 } from './consumption.ts'
import { MeterFleet } from './fleet.ts'
import { MqttConnector } from './mqtt-connector.ts'
import type { MeterProfile, MeterProgramming } from './programming.ts'
import { stsDecoderFactory } from './sts-decoder.ts'
import type { DecoderFactory } from './token-decoder.ts'

export class LatencyProbe {
  private samples: number[] = []

  record(ms: number): void {
    this.samples.push(ms)
  }

  reset(): void {
    this.samples = []
  }

  get count(): number {
    return this.samples.length
  }

  /** Nearest-rank percentiles in ms (NaN with no samples). */
  summary(): { count: number; p50: number; p99: number; max: number } {
    const s = [...this.samples].sort((a, b) => a - b)
    const at = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? NaN
    return { count: s.length, p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? NaN }
  }
}

const PROFILES: readonly MeterProfile[] = ['household', 'household', 'household', 'shop', 'factory']

/**
 * Programming for `count` bench meters: STA keys derived from the meter number (the bench's
 * central mints tokens with them), numbers `prefix` + a 9-digit index, IIN 600727.
 */
export function benchProgramming(count: number, prefix = '59'): MeterProgramming[] {
  return Array.from({ length: count }, (_, i) => {
    const meterNo = prefix + String(i).padStart(11 - prefix.length, '0')
    const body = `600727${meterNo}`
    const dkHex =
      hash32(i * 2 + 1)
        .toString(16)
        .padStart(8, '0') +
      hash32(i * 2 + 2)
        .toString(16)
        .padStart(8, '0')
    return {
      meterNo,
      pan: body + String(luhnCheckDigit(body)),
      ea: '07',
      dkHex,
      baseDate: 2014,
      ken: 255,
      kt: 2,
      krn: 1,
      ti: '01',
      sgc: '600727',
      profile: PROFILES[i % PROFILES.length] ?? 'household',
    }
  })
}

export interface BenchFleetOptions {
  brokerUrl: string
  /** The meters; or `count` synthetic ones from benchProgramming. */
  programming?: MeterProgramming[]
  count?: number
  /** SQLite store; a temporary one (removed on stop) by default. */
  statePath?: string
  decoderFactory?: DecoderFactory
  connectConcurrency?: number
  log?: Logger
}

export interface BenchFleet {
  fleet: MeterFleet
  programming: MeterProgramming[]
  /** sentAt → acks handed to the link, per delivery (first time only, not replays). */
  probe: LatencyProbe
  /** From start() to every meter connected. */
  connectMs: number
  stop(): Promise<void>
}

export async function startBenchFleet(opts: BenchFleetOptions): Promise<BenchFleet> {
  const programming = opts.programming ?? benchProgramming(opts.count ?? 100)
  const log = opts.log ?? pino({ level: 'silent' })
  const tempDir =
    opts.statePath === undefined ? mkdtempSync(join(tmpdir(), 'gridtill-bench-fleet-')) : undefined
  const probe = new LatencyProbe()
  const fleet = await MeterFleet.create({
    programming,
    connector: new MqttConnector({
      url: opts.brokerUrl,
      log,
      now: () => systemClock.now(),
      ...(opts.connectConcurrency !== undefined
        ? { connectConcurrency: opts.connectConcurrency }
        : {}),
    }),
    decoderFactory: opts.decoderFactory ?? stsDecoderFactory(),
    statePath: opts.statePath ?? join(tempDir ?? '.', 'bench-fleet.db'),
    log,
    onAcksSent: ({ delivery, at }) => probe.record(at - delivery.sentAt),
  })
  const started = performance.now()
  fleet.start()
  await fleet.whenOnline()
  const connectMs = performance.now() - started
  return {
    fleet,
    programming,
    probe,
    connectMs,
    stop: async () => {
      await fleet.stop()
      if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true })
    },
  }
}
