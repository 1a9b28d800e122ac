/**
 * Short texts for screens and receipts, in the two languages the kiosk speaks. Kept here, beside
 * the numbers they describe, so a screen and a receipt can never word a block differently.
 */
import { formatFen } from '../money.ts'
import type { Language } from '../schemas/common.ts'
import { priceBlocks } from './energy-cost.ts'
import { DEFAULT_TARIFF_TIME_ZONE, type TariffDefinition } from './schema.ts'

const ZH_ORDINALS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'] as const

function kwh(wh: number): string {
  return String(wh / 1000) // block bounds are whole kWh
}

function perKwh(priceFenPerKwh: number, lang: Language): string {
  return `${formatFen(priceFenPerKwh, lang)}/kWh`
}

/**
 * One line per block, prices before VAT: "第一档 0–200 kWh ¥0.56/kWh" / "Block 1 0–200 kWh ¥0.56/kWh",
 * the open last block as "第三档 400 kWh 以上 …" / "Block 3 over 400 kWh …"; a flat tariff is one line.
 */
export function describeTariff(tariff: TariffDefinition, lang: Language): string[] {
  if (tariff.pricing.kind === 'flat') {
    const price = perKwh(tariff.pricing.priceFenPerKwh, lang)
    return [lang === 'zh-CN' ? `单一电价 ${price}` : `Flat rate ${price}`]
  }
  return priceBlocks(tariff.pricing).map((b) => {
    const price = perKwh(b.priceFenPerKwh, lang)
    const n = b.blockNumber
    if (lang === 'zh-CN') {
      const name = `第${ZH_ORDINALS[n - 1] ?? String(n)}档`
      return b.toWh === null
        ? `${name} ${kwh(b.fromWh)} kWh 以上 ${price}`
        : `${name} ${kwh(b.fromWh)}–${kwh(b.toWh)} kWh ${price}`
    }
    return b.toWh === null
      ? `Block ${n} over ${kwh(b.fromWh)} kWh ${price}`
      : `Block ${n} ${kwh(b.fromWh)}–${kwh(b.toWh)} kWh ${price}`
  })
}

/** The terms around the prices (period, VAT, fixed charge, free allowance, vend limits), one per line. */
export function describeTariffTerms(tariff: TariffDefinition, lang: Language): string[] {
  const zh = lang === 'zh-CN'
  const lines: string[] = []
  const p = tariff.pricing
  if (p.kind === 'block') {
    if (p.period === 'monthly')
      lines.push(
        zh
          ? `按月累计，每月${p.settlementDay}日起算`
          : `Counted per month from day ${p.settlementDay}`,
      )
    else
      lines.push(
        zh
          ? `按年累计，每年${p.settlementMonth}月${p.settlementDay}日起算`
          : `Counted per year from ${p.settlementMonth}/${p.settlementDay} (month/day)`,
      )
  }
  if (tariff.vatRateBasisPoints > 0) {
    const rate = `${tariff.vatRateBasisPoints / 100}%`
    lines.push(zh ? `电价不含增值税，另收 ${rate}` : `Prices exclude VAT; ${rate} VAT is added`)
  }
  if (tariff.fixedMonthlyChargeFen > 0) {
    const fee = formatFen(tariff.fixedMonthlyChargeFen, lang)
    lines.push(
      zh ? `每月固定费 ${fee}，购电时扣收` : `Fixed charge ${fee} per month, taken from purchases`,
    )
  }
  if (tariff.freeBasicKwhPerMonth > 0) {
    const k = tariff.freeBasicKwhPerMonth
    lines.push(
      zh ? `每月首次购电赠送基础电量 ${k} kWh` : `First purchase each month includes ${k} kWh free`,
    )
  }
  const min = formatFen(tariff.minVendFen, lang)
  const max = formatFen(tariff.maxVendFen, lang)
  lines.push(zh ? `单次购电 ${min}–${max}` : `Purchase ${min}–${max} each time`)
  if ((tariff.timeZone ?? DEFAULT_TARIFF_TIME_ZONE) !== DEFAULT_TARIFF_TIME_ZONE) {
    lines.push(zh ? `时区 ${tariff.timeZone ?? ''}` : `Time zone ${tariff.timeZone ?? ''}`)
  }
  return lines
}
