import { describe, expect, it } from 'vitest'
import { MeterReading } from '@gridtill/shared'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { buildCalendar, gridForLocalDays } from './calendar.ts'
import { generateMeter, readingsFor, syntheticFleet, type VendRecord } from './synthetic.ts'

const cal = buildCalendar(gridForLocalDays('Asia/Shanghai', '2025-01-01', 90), 'Asia/Shanghai')

describe('synthetic fleet', () => {
  it('is deterministic per seed and spread over residential, commercial and industrial sites', () => {
    const a = syntheticFleet({ seed: 1, meters: 1000, sites: 10 })
    expect(syntheticFleet({ seed: 1, meters: 1000, sites: 10 })).toEqual(a)
    expect(syntheticFleet({ seed: 2, meters: 1000, sites: 10 })).not.toEqual(a)
    expect(new Set(a.map((m) => m.meterNo)).size).toBe(1000)
    expect(a.every((m) => /^[0-9]{11}$/.test(m.meterNo))).toBe(true)
    const share = (p: string): number => a.filter((m) => m.profile === p).length / a.length
    expect(share('household')).toBeGreaterThan(0.75)
    expect(share('factory')).toBeGreaterThan(0.005)
    expect(new Set(a.map((m) => m.siteKind))).toEqual(
      new Set(['residential', 'commercial', 'industrial']),
    )
    const r1 = generateMeter(a[0]!, cal, []).row
    const r2 = generateMeter(a[0]!, cal, []).row
    expect(r1.energy).toEqual(r2.energy)
  })

  it('daily use is plausible per profile: a flat ~8 kWh, a shop ~40 kWh, a factory ~500 kWh a day', () => {
    const fleet = syntheticFleet({ seed: 4, meters: 1000, sites: 10 })
    const perDay = (p: string): number => {
      const ms = fleet.filter((m) => m.profile === p).slice(0, 15)
      let wh = 0
      for (const m of ms) for (const v of generateMeter(m, cal, []).row.energy) wh += v
      return wh / ms.length / cal.dayCount / 1000
    }
    expect(perDay('household')).toBeGreaterThan(5)
    expect(perDay('household')).toBeLessThan(14)
    expect(perDay('shop')).toBeGreaterThan(20)
    expect(perDay('shop')).toBeLessThan(80)
    expect(perDay('factory')).toBeGreaterThan(250)
    expect(perDay('factory')).toBeLessThan(1200)
  })

  it('readings are schema-valid and credit is conserved: first credit + vends − energy = last credit', () => {
    const check = TypeCompiler.Compile(MeterReading)
    for (const m of syntheticFleet({ seed: 9, meters: 50 }).slice(0, 10)) {
      const vends: VendRecord[] = []
      const rs: MeterReading[] = []
      generateMeter(m, cal, [], { vends, onReading: (r) => rs.push(r) })
      expect(rs.every((r) => check.Check(r))).toBe(true)
      const used = rs[rs.length - 1]!.energyWh - rs[0]!.energyWh
      const bought = vends.reduce((s, v) => s + v.energyWh, 0)
      expect(rs[0]!.creditWh + bought - used).toBe(rs[rs.length - 1]!.creditWh)
      expect(vends.every((v) => v.energyWh % 100 === 0 && v.amountFen % 5_000 === 0)).toBe(true)
      expect(readingsFor(m, cal)).toEqual(rs)
    }
  })
})
