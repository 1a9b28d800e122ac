import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import type { DecodeResult } from './driver-core.ts'
import { printReport, randomId003Frame, randomSspPacket, report, runDecoder } from './fuzz.ts'
import * as id003 from './id003/codec.ts'
import * as ssp from './ssp/codec.ts'
import { concatBytes, seededRandom } from './support.ts'

afterAll(() => printReport('bill-acceptor decoder fuzz figures'))

describe('decoder fuzz', () => {
  it('ID-003 decode: 100k+ random, mutated and valid bytes in random chunks', () => {
    const run = runDecoder(
      seededRandom(0x1d003),
      id003.decode,
      id003.encode,
      randomId003Frame,
      150_000,
    )
    report['id003.decode'] = { ...run }
    expect(run.frames).toBeGreaterThanOrEqual(run.validFramesSent * 0.5)
  })

  it('SSP decode: 100k+ random, mutated and valid bytes in random chunks', () => {
    const run = runDecoder(seededRandom(0x55f), ssp.decode, ssp.encode, randomSspPacket, 150_000)
    report['ssp.decode'] = { ...run }
    expect(run.frames).toBeGreaterThanOrEqual(run.validFramesSent * 0.5)
  })

  it('any run of valid frames, split anywhere, decodes to exactly those frames (fast-check)', () => {
    const frameArb = fc.record({
      cmd: fc.integer({ min: 0, max: 255 }),
      data: fc.uint8Array({ maxLength: 12 }),
    })
    const pktArb = fc.record({
      seq: fc.constantFrom<0 | 1>(0, 1),
      address: fc.integer({ min: 0, max: 127 }),
      data: fc.uint8Array({ minLength: 1, maxLength: 30 }),
    })
    const cuts = fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 40 })
    const check = <F>(
      frames: Uint8Array[],
      sizes: number[],
      decode: (b: Uint8Array) => DecodeResult<F>,
      enc: (f: F) => Uint8Array,
    ): void => {
      const all = frames.reduce((a, b) => concatBytes(a, b), new Uint8Array(0))
      const got: Uint8Array[] = []
      let buf: Uint8Array = new Uint8Array(0)
      let at = 0
      let k = 0
      while (at < all.length) {
        const n = sizes[k++ % Math.max(1, sizes.length)] ?? all.length
        buf = concatBytes(buf, all.subarray(at, at + n))
        at += n
        for (;;) {
          const d = decode(buf)
          buf = d.rest
          if (d.kind !== 'frame') break
          got.push(enc(d.frame))
        }
      }
      expect(got.map((g) => [...g])).toEqual(frames.map((f) => [...f]))
    }
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 8 }), cuts, (fs, sizes) => {
        check(
          fs.map((f) => id003.encode(f)),
          sizes,
          id003.decode,
          id003.encode,
        )
      }),
      { seed: 42, numRuns: 300 },
    )
    fc.assert(
      fc.property(fc.array(pktArb, { maxLength: 8 }), cuts, (ps, sizes) => {
        check(
          ps.map((p) => ssp.encode(p)),
          sizes,
          ssp.decode,
          ssp.encode,
        )
      }),
      { seed: 42, numRuns: 300 },
    )
  })
})
