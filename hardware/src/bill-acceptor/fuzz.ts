import { expect } from 'vitest'
import { createMemoryLink, type MemoryTransport } from '../transport/memory.ts'
import type { BillAcceptorProtocol } from './bill-acceptor.ts'
import type { DecodeResult } from './driver-core.ts'
import { createBillAcceptor, createBillAcceptorSimulator } from './factory.ts'
import * as id003 from './id003/codec.ts'
import * as ssp from './ssp/codec.ts'
import { concatBytes, seededRandom } from './support.ts'
import { FAST_DRIVER, FAST_TIMINGS } from './testing.ts'

/**
 * Helpers for the seeded fuzz tests (fuzz.*.test.ts). Seeded fuzzing (kiosk-hardware.md §7.2: "fuzzed splits and corruption"): random and corrupted
 * byte streams into both decoders and both drivers. No exception may escape, and no note may be
 * credited that is not in the cashbox. The counts are printed so they can be quoted.
 */

/** Figures per run, printed by each fuzz test file so they can be quoted. */
export const report: Record<string, Record<string, number>> = {}
export function printReport(title: string): void {
  console.log(`${title}:\n${JSON.stringify(report, null, 2)}`)
}

export type Rand = () => number
export const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1))
export const bytesOf = (r: Rand, n: number): Uint8Array =>
  Uint8Array.from({ length: n }, () => int(r, 0, 255))

/** Flip bits, drop, insert and truncate: the ways a UART line mangles a frame. */
export function mutate(r: Rand, frame: Uint8Array): Uint8Array {
  const out = [...frame]
  const edits = int(r, 1, 3)
  for (let e = 0; e < edits && out.length > 0; e++) {
    const at = int(r, 0, out.length - 1)
    const kind = int(r, 0, 3)
    if (kind === 0) out[at] = (out[at] ?? 0) ^ (1 << int(r, 0, 7))
    else if (kind === 1) out.splice(at, 1)
    else if (kind === 2) out.splice(at, 0, int(r, 0, 255))
    else out.length = at
  }
  return Uint8Array.from(out)
}

export function randomId003Frame(r: Rand): Uint8Array {
  return id003.encode({ cmd: int(r, 0, 255), data: bytesOf(r, int(r, 0, 8)) })
}
export function randomSspPacket(r: Rand): Uint8Array {
  const data = bytesOf(r, int(r, 1, 20))
  if (r() < 0.3) data[int(r, 0, data.length - 1)] = ssp.STX // exercise stuffing
  return ssp.encode({ seq: r() < 0.5 ? 0 : 1, address: int(r, 0, 2), data })
}

export interface DecoderRun {
  bytes: number
  chunks: number
  frames: number
  badChecksums: number
  garbageBytes: number
  validFramesSent: number
}

/** Feed a stream in random chunks through `decode` exactly as the drivers do. */
export function runDecoder<F>(
  r: Rand,
  decode: (b: Uint8Array) => DecodeResult<F>,
  reencode: (f: F) => Uint8Array,
  makeFrame: (r: Rand) => Uint8Array,
  minBytes: number,
): DecoderRun {
  const run: DecoderRun = {
    bytes: 0,
    chunks: 0,
    frames: 0,
    badChecksums: 0,
    garbageBytes: 0,
    validFramesSent: 0,
  }
  let buf: Uint8Array = new Uint8Array(0)
  while (run.bytes < minBytes) {
    const pick = r()
    let piece: Uint8Array
    if (pick < 0.4) {
      piece = makeFrame(r)
      run.validFramesSent++
    } else if (pick < 0.75) piece = mutate(r, makeFrame(r))
    else piece = bytesOf(r, int(r, 1, 64))
    // deliver the piece in 1..n chunks
    let at = 0
    while (at < piece.length) {
      const n = int(r, 1, Math.max(1, piece.length - at))
      buf = concatBytes(buf, piece.subarray(at, at + n))
      at += n
      run.bytes += n
      run.chunks++
      for (;;) {
        const d = decode(buf)
        buf = d.rest
        run.garbageBytes += d.skipped
        if (d.kind === 'incomplete') break
        if (d.kind === 'badChecksum') run.badChecksums++
        else {
          run.frames++
          // whatever it accepts is a well-formed frame: it re-encodes and decodes to itself
          const again = decode(reencode(d.frame))
          expect(again.kind).toBe('frame')
        }
      }
      if (buf.length > 4096) buf = buf.slice(buf.length - 4096)
    }
  }
  return run
}

/**
 * A man in the middle of the serial line: passes bytes between the driver's link and the
 * simulator's link, corrupting, dropping and inserting, and throwing in bursts of garbage.
 */
export function mangledLine(
  r: Rand,
  toHost: MemoryTransport,
  toDevice: MemoryTransport,
  fromHost: MemoryTransport,
  fromDevice: MemoryTransport,
  garbage: (r: Rand) => Uint8Array,
) {
  const stats = { bytesToDriver: 0, garbageBytes: 0, mutatedChunks: 0, droppedChunks: 0 }
  fromDevice.on('data', (chunk) => {
    let out = chunk
    if (r() < 0.03) {
      stats.droppedChunks++
      return
    }
    if (r() < 0.12) {
      out = mutate(r, chunk)
      stats.mutatedChunks++
    }
    if (r() < 0.5) {
      const g = garbage(r)
      stats.garbageBytes += g.length
      out = r() < 0.5 ? concatBytes(g, out) : concatBytes(out, g)
    }
    stats.bytesToDriver += out.length
    void toHost.write(out).catch(() => undefined)
  })
  fromHost.on('data', (chunk) => {
    void toDevice.write(r() < 0.03 ? mutate(r, chunk) : chunk).catch(() => undefined)
  })
  return stats
}

export async function driverThroughMangledLine(
  protocol: BillAcceptorProtocol,
  seed: number,
  minBytes: number,
  maxMs: number,
) {
  const r = seededRandom(seed)
  const hostLink = createMemoryLink({ maxChunk: protocol === 'ssp' ? 0 : 64 })
  const deviceLink = createMemoryLink()
  await hostLink.device.open()
  await deviceLink.host.open()
  const garbage =
    protocol === 'id003'
      ? (rr: Rand) =>
          rr() < 0.3 ? mutate(rr, randomId003Frame(rr)) : bytesOf(rr, int(rr, 200, 2500))
      : (rr: Rand) => (rr() < 0.3 ? randomSspPacket(rr) : bytesOf(rr, int(rr, 200, 2500)))
  const line = mangledLine(
    r,
    hostLink.device,
    deviceLink.host,
    hostLink.device,
    deviceLink.host,
    garbage,
  )
  const sim = createBillAcceptorSimulator(protocol, deviceLink.device, {
    timings: { ...FAST_TIMINGS, acceptMs: 10, stackMs: 20, transientMs: 10 },
  })
  await sim.start()
  const driver = createBillAcceptor(protocol, hostLink.host, {
    ...FAST_DRIVER,
    pollIntervalMs: 2,
    responseTimeoutMs: 40,
    reconnectIntervalMs: 10,
    offlineAfterFailures: 4,
    startTimeoutMs: 10_000,
    retransmits: 2,
  })
  const credits: { noteId: string; valueFen: number }[] = []
  const eventsSeen: Record<string, number> = {}
  driver.setCreditHandler((n) => {
    credits.push(n)
    return Promise.resolve()
  })
  driver.on((e) => {
    eventsSeen[e.type] = (eventsSeen[e.type] ?? 0) + 1
    // the kiosk stacks every note it is offered (errors are part of the game)
    if (e.type === 'noteEscrowed') driver.stack().catch(() => undefined)
  })
  let inserted = 0
  const insert = setInterval(() => {
    if (driver.state === 'disabled') driver.enable().catch(() => undefined)
    if (sim.insertNote([100, 500, 1000, 2000, 5000, 10000][int(r, 0, 5)] ?? 100)) inserted++
  }, 15)
  await driver.start().catch(() => undefined)
  driver.enable().catch(() => undefined)
  const end = Date.now() + maxMs
  while (line.bytesToDriver < minBytes && Date.now() < end)
    await new Promise((res) => setTimeout(res, 20))
  clearInterval(insert)
  // let the last note finish (no more garbage from here), then check the money
  sim.setFaults({ dropProbability: 0 })
  await new Promise((res) => setTimeout(res, 300))
  await driver.stop()
  await sim.stop()
  const box = sim.cassette()
  return { line, credits, inserted, box, eventsSeen, stats: driver.stats }
}

/** The oracle: every credit is a note in the box, each note credited at most once. */
export function expectCreditsBackedByCash(
  credits: { noteId: string; valueFen: number }[],
  box: { countsByValueFen: Record<number, number> },
) {
  expect(new Set(credits.map((c) => c.noteId)).size).toBe(credits.length)
  const byValue: Record<number, number> = {}
  for (const c of credits) byValue[c.valueFen] = (byValue[c.valueFen] ?? 0) + 1
  for (const [value, n] of Object.entries(byValue))
    expect(n).toBeLessThanOrEqual(box.countsByValueFen[Number(value)] ?? 0)
}
