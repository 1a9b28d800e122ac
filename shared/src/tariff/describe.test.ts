import { describe, expect, it } from 'vitest'
import { describeTariff, describeTariffTerms } from './describe.ts'
import type { TariffDefinition } from './schema.ts'
import { FLAT_60, LADDER } from './test-tariffs.ts'

describe('describeTariff', () => {
  it('writes one line per block in Chinese and English', () => {
    expect(describeTariff(LADDER, 'zh-CN')).toEqual([
      '第一档 0–200 kWh ¥0.56/kWh',
      '第二档 200–400 kWh ¥0.61/kWh',
      '第三档 400 kWh 以上 ¥0.86/kWh',
    ])
    expect(describeTariff(LADDER, 'en')).toEqual([
      'Block 1 0–200 kWh ¥0.56/kWh',
      'Block 2 200–400 kWh ¥0.61/kWh',
      'Block 3 over 400 kWh ¥0.86/kWh',
    ])
  })

  it('writes a flat tariff as one line', () => {
    expect(describeTariff(FLAT_60, 'zh-CN')).toEqual(['单一电价 ¥0.60/kWh'])
    expect(describeTariff(FLAT_60, 'en')).toEqual(['Flat rate ¥0.60/kWh'])
  })

  it('states the terms around the prices', () => {
    const t: TariffDefinition = {
      ...LADDER,
      vatRateBasisPoints: 1300,
      fixedMonthlyChargeFen: 1000,
      freeBasicKwhPerMonth: 10,
    }
    expect(describeTariffTerms(t, 'zh-CN')).toEqual([
      '按月累计，每月1日起算',
      '电价不含增值税，另收 13%',
      '每月固定费 ¥10.00，购电时扣收',
      '每月首次购电赠送基础电量 10 kWh',
      '单次购电 ¥10.00–¥2,000.00',
    ])
    expect(describeTariffTerms(FLAT_60, 'en')).toEqual(['Purchase ¥10.00–¥2,000.00 each time'])
  })
})
