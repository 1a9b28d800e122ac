import type { KeyChange, StsKey, StsToken } from '@gridtill/shared'
import { encodeKeyChange, encodeToken } from '@gridtill/shared'
import { describe, expect, it } from 'vitest'
import type { StsMeterConfig } from './sts-meter.ts'
import { StsMeter } from './sts-meter.ts'

const STA_KEY: StsKey = { ea: '07', dk: 0xe653341f9d5bf36fn }
const MISTY_KEY: StsKey = { ea: '11', dk: 0xf94b6ed353c3bfdb113e2d3a7ea3c41dn }
const MINUTE = 60_000

function meter(overrides: Partial<StsMeterConfig> = {}): { m: StsMeter; clock: { now: number } } {
  const clock = { now: Date.UTC(2026, 0, 1) }
  const m = new StsMeter({
    key: STA_KEY,
    baseDate: 1993,
    ken: 255,
    kt: 2,
    krn: 1,
    ti: '01',
    sgc: '123456',
    mfrCode: 77,
    clock: () => clock.now,
    ...overrides,
  })
  return { m, clock }
}

const credit = (tid: number, units = 10, key: StsKey = STA_KEY): string =>
  encodeToken(key, { class: 0, subclass: 0, rnd: tid & 15, tid, units })
const mgmt = (
  subclass: 0 | 1 | 2 | 5 | 6 | 7,
  tid: number,
  value: number,
  key: StsKey = STA_KEY,
): string => encodeToken(key, { class: 2, subclass, rnd: 3, tid, value } satisfies StsToken)

describe('StsMeter: credit and the TID memory (sts.md §9)', () => {
  it('accepts the worked-example token once, then says USED', () => {
    const { m } = meter()
    expect(m.enterToken('2371 6100 5011 8319 4197')).toEqual({
      result: 'accepted',
      kind: 'credit',
      units: 1,
      tid: 5_871_715,
    })
    expect(m.creditUnits).toBe(1)
    expect(m.enterToken('23716100501183194197')).toEqual({ result: 'rejected', reason: 'USED' })
    expect(m.creditUnits).toBe(1)
  })

  it('accepts tokens out of order above the oldest TID, and calls older ones OLD', () => {
    const { m } = meter()
    expect(m.enterToken(credit(100))).toMatchObject({ result: 'accepted' })
    expect(m.enterToken(credit(300))).toMatchObject({ result: 'accepted' })
    expect(m.enterToken(credit(200))).toMatchObject({ result: 'accepted' })
    expect(m.enterToken(credit(50))).toEqual({ result: 'rejected', reason: 'OLD' })
    expect(m.tidMemory).toEqual([100, 200, 300])
    expect(m.creditUnits).toBe(30)
  })

  it('remembers the last 50 TIDs: the 51st pushes the oldest out, which is then OLD', () => {
    const { m } = meter({ options: { maxRejects: 1000 } })
    for (let tid = 1; tid <= 51; tid++)
      expect(m.enterToken(credit(tid, 1))).toMatchObject({ result: 'accepted' })
    expect(m.tidMemory).toHaveLength(50)
    expect(m.tidMemory[0]).toBe(2)
    expect(m.enterToken(credit(1, 1))).toEqual({ result: 'rejected', reason: 'OLD' })
    expect(m.enterToken(credit(51, 1))).toEqual({ result: 'rejected', reason: 'USED' })
  })

  it('refuses TIDs beyond its KEN', () => {
    const { m } = meter({ ken: 0x58 })
    // TID 5 871 715 = 0x599863: top 8 bits 0x59 > 0x58.
    expect(m.enterToken('23716100501183194197')).toEqual({
      result: 'rejected',
      reason: 'KEY_EXPIRED',
    })
    expect(m.enterToken(credit(0x58ffff))).toMatchObject({ result: 'accepted' })
  })

  it('says CRC for another meter’s token and FORMAT for a non-token', () => {
    const { m } = meter()
    expect(m.enterToken(credit(5, 1, { ea: '07', dk: 1n }))).toEqual({
      result: 'rejected',
      reason: 'CRC',
    })
    expect(m.enterToken('1234')).toEqual({ result: 'rejected', reason: 'FORMAT' })
    expect(m.enterToken('99999999999999999999')).toEqual({ result: 'rejected', reason: 'FORMAT' })
  })

  it('refuses water, gas and time credit: it is an electricity meter', () => {
    const { m } = meter()
    const water = encodeToken(STA_KEY, { class: 0, subclass: 1, rnd: 0, tid: 9, units: 5 })
    expect(m.enterToken(water)).toEqual({ result: 'rejected', reason: 'NOT_SUPPORTED' })
    expect(m.creditUnits).toBe(0)
    expect(m.tidMemory).toEqual([])
  })

  it('draws credit down for the consumption model', () => {
    const { m } = meter()
    m.enterToken(credit(1, 25))
    expect(m.consume(10)).toBe(10)
    expect(m.consume(100)).toBe(15)
    expect(m.creditUnits).toBe(0)
  })
})

describe('StsMeter: class 1 and class 2', () => {
  it('sets the power limits, clears credit and tamper', () => {
    const { m } = meter()
    expect(m.enterToken(mgmt(0, 10, 5000))).toEqual({
      result: 'accepted',
      kind: 'maxPowerLimit',
      value: 5000,
      tid: 10,
    })
    expect(m.maxPowerW).toBe(5000)
    expect(m.enterToken(mgmt(6, 11, 70_000))).toMatchObject({
      kind: 'phaseUnbalanceLimit',
      value: 70_004,
    })
    m.enterToken(credit(12, 99))
    expect(m.enterToken(mgmt(1, 13, 0xffff))).toMatchObject({
      result: 'accepted',
      kind: 'clearCredit',
    })
    expect(m.creditUnits).toBe(0)
    m.raiseTamper()
    expect(m.tamper).toBe(true)
    expect(m.enterToken(mgmt(5, 14, 0))).toMatchObject({ result: 'accepted', kind: 'clearTamper' })
    expect(m.tamper).toBe(false)
    expect(m.enterToken(mgmt(5, 14, 0))).toEqual({ result: 'rejected', reason: 'USED' })
    const state = m.exportState()
    expect(state.phaseUnbalanceLimitW).toBe(70_004)
  })

  it('accepts test tokens for its own make or for every make', () => {
    const { m } = meter()
    expect(m.enterToken('56493153725450313471')).toEqual({
      result: 'accepted',
      kind: 'test',
      control: 'fffffffff',
    })
    const own = encodeToken(STA_KEY, { class: 1, subclass: 1, control: 0x10n, mfrCode: 77 })
    expect(m.enterToken(own)).toEqual({ result: 'accepted', kind: 'test', control: '0000010' })
    const other = encodeToken(STA_KEY, { class: 1, subclass: 1, control: 0x10n, mfrCode: 78 })
    expect(m.enterToken(other)).toEqual({ result: 'rejected', reason: 'MANUFACTURER' })
  })
})

describe('StsMeter: key change (§9 step 4)', () => {
  const newSta: KeyChange = {
    dk: 0x060b8643c59a27f1n,
    kt: 1,
    krn: 2,
    ti: '07',
    sgc: '123456',
    ken: 0x77,
    rollover: false,
  }

  it('takes an STA key change in either order, then works under the new key only', () => {
    for (const order of [
      [0, 1],
      [1, 0],
    ]) {
      const { m } = meter()
      m.enterToken(credit(1))
      const tokens = encodeKeyChange(STA_KEY, newSta)
      expect(m.enterToken(tokens[order[0]!]!)).toEqual({
        result: 'accepted',
        kind: 'keyChangeSection',
        remaining: 1,
      })
      expect(m.enterToken(tokens[order[1]!]!)).toEqual({
        result: 'accepted',
        kind: 'keyChange',
        rollover: false,
      })
      expect(m.keyInfo).toMatchObject({
        ea: '07',
        kt: 1,
        krn: 2,
        ti: '07',
        ken: 0x77,
        sgc: '123456',
      })
      expect(m.enterToken(credit(2, 1, { ea: '07', dk: newSta.dk }))).toMatchObject({
        result: 'accepted',
      })
      expect(m.enterToken(credit(3))).toEqual({ result: 'rejected', reason: 'CRC' })
      expect(m.tidMemory).toEqual([1, 2]) // RO=0 keeps the memory
    }
  })

  it('takes a MISTY1 key change in any order; RO=1 clears the TID memory and moves to the next base date', () => {
    const { m } = meter({ key: MISTY_KEY, sgc: '123457' })
    m.enterToken(credit(1000, 1, MISTY_KEY))
    const change: KeyChange = {
      dk: 0x1d7b719ae4730402c3b45e18e23ff59dn,
      kt: 2,
      krn: 4,
      ti: '02',
      sgc: '654321',
      ken: 255,
      rollover: true,
    }
    const [s1, s2, s3, s4] = encodeKeyChange(MISTY_KEY, change) as [string, string, string, string]
    expect(m.enterToken(s3)).toMatchObject({ remaining: 3 })
    expect(m.enterToken(s1)).toMatchObject({ remaining: 2 })
    expect(m.enterToken(s4)).toMatchObject({ remaining: 1 })
    expect(m.enterToken(s2)).toEqual({ result: 'accepted', kind: 'keyChange', rollover: true })
    expect(m.keyInfo).toEqual({
      ea: '11',
      kt: 2,
      krn: 4,
      ti: '02',
      sgc: '654321',
      ken: 255,
      baseDate: 2014,
    })
    expect(m.tidMemory).toEqual([])
    expect(m.enterToken(credit(5, 1, { ea: '11', dk: change.dk }))).toMatchObject({
      result: 'accepted',
    })
  })

  it('drops a half-entered key change after the timeout', () => {
    const { m, clock } = meter()
    const [s1, s2] = encodeKeyChange(STA_KEY, newSta) as [string, string]
    m.enterToken(s1)
    clock.now += 6 * MINUTE
    expect(m.enterToken(s2)).toEqual({ result: 'accepted', kind: 'keyChangeSection', remaining: 1 })
    expect(m.keyInfo.krn).toBe(1)
    expect(m.enterToken(s1)).toMatchObject({ kind: 'keyChange' }) // within the timeout of s2
  })

  it('says KEY_CHANGE_INCOMPLETE for a new-key token keyed in before the key change is complete', () => {
    const { m } = meter()
    const [s1] = encodeKeyChange(STA_KEY, newSta) as [string, string]
    m.enterToken(s1)
    expect(m.enterToken(credit(9, 1, { ea: '07', dk: newSta.dk }))).toEqual({
      result: 'rejected',
      reason: 'KEY_CHANGE_INCOMPLETE',
    })
  })
})

describe('StsMeter: keypad lock-out', () => {
  it('locks for 10 minutes after 5 rejects in a row, on the injected clock', () => {
    const { m, clock } = meter()
    for (let i = 0; i < 5; i++)
      expect(m.enterToken('00000000000000000000')).toMatchObject({ result: 'rejected' })
    expect(m.isLockedOut()).toBe(true)
    expect(m.enterToken(credit(1))).toEqual({ result: 'rejected', reason: 'LOCKED_OUT' })
    clock.now += 10 * MINUTE - 1
    expect(m.enterToken(credit(1))).toEqual({ result: 'rejected', reason: 'LOCKED_OUT' })
    clock.now += 1
    expect(m.enterToken(credit(1))).toMatchObject({ result: 'accepted' })
  })

  it('counts only consecutive rejects', () => {
    const { m } = meter()
    for (let i = 0; i < 4; i++) m.enterToken('00000000000000000000')
    m.enterToken(credit(1))
    for (let i = 0; i < 4; i++) m.enterToken('00000000000000000000')
    expect(m.isLockedOut()).toBe(false)
  })
})

describe('StsMeter: state', () => {
  it('exports JSON and comes back from it with the same memory', () => {
    const { m, clock } = meter()
    m.enterToken(credit(7, 42))
    const [s1] = encodeKeyChange(STA_KEY, {
      dk: 5n,
      kt: 2,
      krn: 3,
      ti: '01',
      sgc: '123456',
      ken: 9,
      rollover: false,
    }) as [string]
    m.enterToken(s1)
    const json = JSON.stringify(m.exportState())
    const back = StsMeter.fromState(
      JSON.parse(json) as ReturnType<StsMeter['exportState']>,
      () => clock.now,
    )
    expect(back.exportState()).toEqual(m.exportState())
    expect(back.creditUnits).toBe(42)
    expect(back.enterToken(credit(7, 42))).toEqual({ result: 'rejected', reason: 'USED' })
    expect(back.exportState().pendingKeyChange?.sections).toHaveLength(1)
  })

  it('refuses a broken snapshot', () => {
    const { m } = meter()
    const state = m.exportState()
    expect(() => m.importState({ ...state, tidMemory: [3, 2] })).toThrow(/ascending/)
    expect(() => m.importState({ ...state, key: { ea: '07', dk: 'zz' } })).toThrow()
  })
})
