/**
 * The bare MQTT round trip through a broker, the baseline the meter link's latency is judged
 * against: client A publishes at QoS 1, client B (subscribed) replies at QoS 1, A receives the
 * reply. Not a bench group (no `.bench.ts`): tests/bench/meter.bench.ts and fleet-scale.ts use it.
 */
import { randomBytes } from 'node:crypto'
import { connectAsync } from 'mqtt'

export interface RoundTrip {
  p50: number
  p99: number
}

/** `n` sequential round trips (after a short warm-up); ms. */
export async function measureBareMqttRoundTrip(brokerUrl: string, n: number): Promise<RoundTrip> {
  const id = randomBytes(4).toString('hex')
  const ping = `gridtill/bench/${id}/ping`
  const pong = `gridtill/bench/${id}/pong`
  const opts = { clean: true, reconnectPeriod: 0 } as const
  const a = await connectAsync(brokerUrl, { ...opts, clientId: `bench-a-${id}` })
  const b = await connectAsync(brokerUrl, { ...opts, clientId: `bench-b-${id}` })
  // Nagle off, as on the meter links: otherwise every small QoS 1 exchange waits for a delayed ACK.
  for (const c of [a, b]) (c.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true)
  try {
    b.on('message', (_topic, payload) => {
      b.publish(pong, payload, { qos: 1 })
    })
    await b.subscribeAsync(ping, { qos: 1 })
    await a.subscribeAsync(pong, { qos: 1 })
    let waiting: ((seq: number) => void) | undefined
    a.on('message', (_topic, payload) => waiting?.(Number(payload.toString())))
    const once = (seq: number) =>
      new Promise<number>((resolve, reject) => {
        const t0 = performance.now()
        const timer = setTimeout(() => reject(new Error(`no reply to ${seq} in 10 s`)), 10_000)
        waiting = (got) => {
          if (got !== seq) return
          clearTimeout(timer)
          resolve(performance.now() - t0)
        }
        a.publish(ping, String(seq), { qos: 1 })
      })
    const warmUp = Math.min(50, n)
    for (let i = 0; i < warmUp; i++) await once(-1 - i)
    const samples: number[] = []
    for (let i = 0; i < n; i++) samples.push(await once(i))
    samples.sort((x, y) => x - y)
    const at = (p: number) =>
      samples[Math.min(samples.length - 1, Math.ceil(p * samples.length) - 1)] ?? NaN
    return { p50: at(0.5), p99: at(0.99) }
  } finally {
    await a.endAsync()
    await b.endAsync()
  }
}
