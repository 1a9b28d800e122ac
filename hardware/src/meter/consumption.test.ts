import { describe, expect, it } from 'vitest'
import { DAY_MS, MINUTE_MS, demandW, seedFrom, type LoadModel } from './consumption.ts'

const T0 = Date.UTC(2026, 0, 5) // a Monday, 08:00 in Shanghai
const household: LoadModel = {
  profile: 'household',
  seed: seedFrom('58101000001'),
  utcOffsetMinutes: 480,
}

function dailyWh(model: LoadModel, dayStart: number): number {
  let wms = 0
  for (let t = dayStart; t < dayStart + DAY_MS; t += MINUTE_MS) wms += demandW(model, t) * MINUTE_MS
  return wms / 3_600_000
}

describe('load model', () => {
  it('is a pure function of seed and minute', () => {
    const a = Array.from({ length: 1440 }, (_, i) => demandW(household, T0 + i * MINUTE_MS))
    const b = Array.from({ length: 1440 }, (_, i) =>
      demandW(household, T0 + i * MINUTE_MS + 59_999),
    )
    expect(b).toEqual(a)
    const other = Array.from({ length: 1440 }, (_, i) =>
      demandW({ ...household, seed: seedFrom('58101000002') }, T0 + i * MINUTE_MS),
    )
    expect(other).not.toEqual(a)
  })

  it('gives each profile a plausible day', () => {
    const h = dailyWh(household, T0)
    expect(h).toBeGreaterThan(5_000)
    expect(h).toBeLessThan(12_000)
    const shop = dailyWh({ ...household, profile: 'shop' }, T0)
    expect(shop).toBeGreaterThan(h)
    const factory = dailyWh({ ...household, profile: 'factory' }, T0)
    expect(factory).toBeGreaterThan(10 * shop)
  })

  it('follows the local clock: evening peak above the small hours', () => {
    const at = (localHour: number) => T0 - 8 * 3_600_000 + localHour * 3_600_000
    let night = 0
    let evening = 0
    for (let m = 0; m < 60; m++) {
      night += demandW(household, at(3) + m * MINUTE_MS)
      evening += demandW(household, at(19) + m * MINUTE_MS)
    }
    expect(evening).toBeGreaterThan(3 * night)
  })

  it('idles factories at the weekend', () => {
    const factory: LoadModel = { ...household, profile: 'factory' }
    const weekday = dailyWh(factory, T0 - 8 * 3_600_000)
    const saturday = dailyWh(factory, T0 - 8 * 3_600_000 + 5 * DAY_MS)
    expect(saturday).toBeLessThan(weekday / 2)
  })
})
