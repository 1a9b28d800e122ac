import { afterAll, describe, expect, it } from 'vitest'
import { driverThroughMangledLine, expectCreditsBackedByCash, printReport, report } from './fuzz.ts'

afterAll(() => printReport('SSP driver fuzz figures'))

describe('SSP driver fuzz', () => {
  it('ssp driver ↔ mangled line ↔ simulator: only cash in the box is credited', async () => {
    const protocol = 'ssp'
    const seed = 0x55
    const minBytes = 110_000
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
