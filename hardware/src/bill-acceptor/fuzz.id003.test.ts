import { afterAll, describe, expect, it } from 'vitest'
import { createMemoryLink } from '../transport/memory.ts'
import { createBillAcceptor } from './factory.ts'
import {
  bytesOf,
  driverThroughMangledLine,
  expectCreditsBackedByCash,
  int,
  mutate,
  printReport,
  randomId003Frame,
  report,
} from './fuzz.ts'
import * as id003 from './id003/codec.ts'
import { concatBytes, seededRandom } from './support.ts'
import { FAST_DRIVER } from './testing.ts'

afterAll(() => printReport('ID-003 driver fuzz figures'))

describe('ID-003 driver fuzz', () => {
  it('ID-003 driver against a forging device: random valid, mutated and garbage frames never credit', async () => {
    const r = seededRandom(0xbadc0de)
    const link = createMemoryLink({ maxChunk: 0 })
    await link.device.open()
    const statuses = [
      0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x40, 0x41, 0x42, 0x43,
      0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x50,
    ]
    let bytes = 0
    link.device.on('data', () => {
      const parts: Uint8Array[] = []
      const n = int(r, 1, 5)
      for (let i = 0; i < n; i++) {
        const k = r()
        if (k < 0.35)
          parts.push(
            id003.encode({
              cmd: statuses[int(r, 0, statuses.length - 1)] ?? 0x11,
              data: bytesOf(r, int(r, 0, 2)),
            }),
          )
        else if (k < 0.5)
          parts.push(
            id003.encode({
              cmd: id003.Cmd.GET_CURRENCY_ASSIGN,
              data: bytesOf(r, 4 * int(r, 0, 6)),
            }),
          )
        else if (k < 0.6)
          parts.push(id003.encode({ cmd: int(r, 0xc0, 0xc5), data: bytesOf(r, int(r, 1, 2)) }))
        else if (k < 0.8) parts.push(mutate(r, randomId003Frame(r)))
        else parts.push(bytesOf(r, int(r, 200, 3000)))
      }
      const out = parts.reduce((a, b) => concatBytes(a, b), new Uint8Array(0))
      bytes += out.length
      if (out.length > 0) void link.device.write(out).catch(() => undefined)
    })
    const driver = createBillAcceptor('id003', link.host, {
      ...FAST_DRIVER,
      pollIntervalMs: 1,
      responseTimeoutMs: 25,
      reconnectIntervalMs: 5,
      startTimeoutMs: 100,
      escrowTimeoutMs: 30,
    })
    let credits = 0
    const events: Record<string, number> = {}
    driver.setCreditHandler(() => {
      credits++
      return Promise.resolve()
    })
    driver.on((e) => (events[e.type] = (events[e.type] ?? 0) + 1))
    await driver.start().catch(() => undefined)
    const end = Date.now() + 8000
    while (bytes < 110_000 && Date.now() < end) await new Promise((res) => setTimeout(res, 20))
    await driver.stop()
    report['id003.driver.forgingDevice'] = {
      bytesToDriver: bytes,
      ...driver.stats,
      credits,
      ...Object.fromEntries(Object.entries(events).map(([k, v]) => [`event.${k}`, v])),
    }
    expect(bytes).toBeGreaterThanOrEqual(100_000)
    // the driver never sent STACK-1, so no VEND VALID, however well-formed, is money
    expect(credits).toBe(0)
  })

  it('id003 driver ↔ mangled line ↔ simulator: only cash in the box is credited', async () => {
    const protocol = 'id003'
    const seed = 0x1d
    const minBytes = 50_000
    const res = await driverThroughMangledLine(protocol, seed, minBytes, 15_000)
    report[`${protocol}.driver.mangledLine`] = {
      bytesToDriver: res.line.bytesToDriver,
      lineGarbageBytes: res.line.garbageBytes,
      mutatedChunks: res.line.mutatedChunks,
      droppedChunks: res.line.droppedChunks,
      notesInserted: res.inserted,
      notesInBox: Object.values(res.box.countsByValueFen).reduce((a, b) => a + b, 0),
      ...res.stats,
      credits: res.credits.length,
      suspect: res.eventsSeen['suspectNote'] ?? 0,
      offline: res.eventsSeen['offline'] ?? 0,
    }
    expect(res.line.bytesToDriver).toBeGreaterThanOrEqual(minBytes)
    expectCreditsBackedByCash(res.credits, res.box)
    expect(res.credits.length).toBeGreaterThan(0) // the line was bad, not dead
  })
})
