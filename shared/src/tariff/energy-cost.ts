/**
 * The price of energy: which blocks it falls in, and the fen it costs with VAT.
 *
 * Rounding, once per vend (never per unit, so the error never multiplies):
 *   net   energyFen = ⌈ Σ_blocks (Wh × priceFenPerKwh) / 1000 ⌉
 *   tax   vatFen    = energyFen × vatRateBasisPoints / 10 000, rounded half up (as on an invoice)
 * Integer fen cannot hold the exact price of most quantities (0.1 kWh at ¥0.56 is 5.6 fen), so one
 * side must absorb a fraction of a fen. The net is rounded up: energy is never given away, and the
 * resident pays at most that fraction (< 1 fen per vend, not per unit) above the exact price.
 * Anything from a whole fen upward that buys no further unit stays in the wallet.
 * Block lines share energyFen by cumulative rounding so that they add up to it exactly.
 *
 * Why no product reaches 2^53 (≈ 9.0 × 10^15), with the bounds in schema.ts:
 *   budget B ≤ walletFenMax + AmountFen max = 10^10 + 10^8.
 *   maxAffordableUnits never looks at more energy than makes Σ Wh × price ≤ 1000 × B ≈ 1.01 × 10^13,
 *   because the net cost alone of anything more already exceeds B; each term Wh × price is part of
 *   that sum. energyFen ≤ B, so energyFen × vat bp ≤ 1.01 × 10^10 × 10^4 ≈ 10^14.
 * energyCost() called directly with other energy is guarded by mulSafe, which throws.
 */
import { ceilDiv, floorDiv, mulSafe, roundHalfUpDiv } from './integer.ts'
import type { TariffDefinition, TariffPricing } from './schema.ts'

/** The parts of a tariff that price energy. */
export type EnergyPricing = Pick<TariffDefinition, 'pricing' | 'vatRateBasisPoints'>

/** One block as a half-open range [fromWh, toWh) of energy bought in the period. */
export interface PriceBlock {
  /** 1-based, as printed ("第二档", "Block 2"). */
  blockNumber: number
  fromWh: number
  /** null = no upper bound. */
  toWh: number | null
  priceFenPerKwh: number
}

export interface TariffBlockCharge {
  blockNumber: number
  priceFenPerKwh: number
  energyWh: number
  /** Net of VAT; the lines add up to energyFen. */
  costFen: number
}

export interface EnergyCost {
  energyFen: number
  vatFen: number
  totalFen: number
  blocks: TariffBlockCharge[]
}

/** A flat tariff is one unbounded block, so one code path prices both. */
export function priceBlocks(pricing: TariffPricing): PriceBlock[] {
  if (pricing.kind === 'flat')
    return [{ blockNumber: 1, fromWh: 0, toWh: null, priceFenPerKwh: pricing.priceFenPerKwh }]
  let fromWh = 0
  const last = pricing.blocks.length - 1
  return pricing.blocks.map((b, i) => {
    // check.ts requires the last block to be open; forcing it here means no Wh is ever unpriced.
    const toWh = i === last || b.upToKwh === null ? null : b.upToKwh * 1000
    const block = { blockNumber: i + 1, fromWh, toWh, priceFenPerKwh: b.priceFenPerKwh }
    if (toWh !== null) fromWh = toWh
    return block
  })
}

/** The block that the next Wh bought after `boughtWh` falls in. */
export function blockAt(blocks: readonly PriceBlock[], boughtWh: number): PriceBlock {
  const found = blocks.find((b) => b.toWh === null || boughtWh < b.toWh) ?? blocks.at(-1)
  if (found === undefined) throw new RangeError('a tariff needs at least one block')
  return found
}

interface Segment {
  block: PriceBlock
  energyWh: number
}

/** Splits [fromWh, fromWh + energyWh) over the blocks. */
function segments(blocks: readonly PriceBlock[], fromWh: number, energyWh: number): Segment[] {
  const out: Segment[] = []
  let at = fromWh
  let left = energyWh
  for (const block of blocks) {
    if (left === 0) break
    if (block.toWh !== null && at >= block.toWh) continue
    const room = block.toWh === null ? left : block.toWh - at
    const take = Math.min(room, left)
    out.push({ block, energyWh: take })
    at += take
    left -= take
  }
  return out
}

function vatOn(energyFen: number, vatRateBasisPoints: number): number {
  return roundHalfUpDiv(mulSafe(energyFen, vatRateBasisPoints), 10_000)
}

/** What `energyWh` costs when the period has already seen `fromWh` bought. */
export function energyCost(
  tariff: EnergyPricing,
  { fromWh, energyWh }: { fromWh: number; energyWh: number },
): EnergyCost {
  const blocks = priceBlocks(tariff.pricing)
  if (
    !Number.isSafeInteger(fromWh) ||
    fromWh < 0 ||
    !Number.isSafeInteger(energyWh) ||
    energyWh < 0
  ) {
    throw new RangeError(`energy must be whole Wh ≥ 0, got from ${fromWh} for ${energyWh}`)
  }
  const lines: TariffBlockCharge[] = []
  let milliFen = 0 // Σ Wh × fen/kWh = thousandths of a fen
  let chargedFen = 0
  for (const s of segments(blocks, fromWh, energyWh)) {
    milliFen += mulSafe(s.energyWh, s.block.priceFenPerKwh)
    const upToHere = ceilDiv(milliFen, 1000)
    lines.push({
      blockNumber: s.block.blockNumber,
      priceFenPerKwh: s.block.priceFenPerKwh,
      energyWh: s.energyWh,
      costFen: upToHere - chargedFen,
    })
    chargedFen = upToHere
  }
  const vatFen = vatOn(chargedFen, tariff.vatRateBasisPoints)
  return { energyFen: chargedFen, vatFen, totalFen: chargedFen + vatFen, blocks: lines }
}

function totalFenFor(
  blocks: readonly PriceBlock[],
  vatRateBasisPoints: number,
  fromWh: number,
  energyWh: number,
): number {
  let milliFen = 0
  for (const s of segments(blocks, fromWh, energyWh))
    milliFen += mulSafe(s.energyWh, s.block.priceFenPerKwh)
  const energyFen = ceilDiv(milliFen, 1000)
  return energyFen + vatOn(energyFen, vatRateBasisPoints)
}

/**
 * The most 0.1 kWh units (100 Wh) whose cost with VAT fits in `budgetFen`. The cost is
 * non-decreasing in the units, so a binary search finds the exact maximum; the search starts from
 * the energy the budget buys before rounding and VAT, which bounds every product (see above).
 */
export function maxAffordableUnits(
  tariff: EnergyPricing,
  { fromWh, budgetFen }: { fromWh: number; budgetFen: number },
): number {
  if (!Number.isSafeInteger(fromWh) || fromWh < 0)
    throw new RangeError(`fromWh must be whole Wh ≥ 0, got ${fromWh}`)
  const blocks = priceBlocks(tariff.pricing)
  const vatRateBasisPoints = tariff.vatRateBasisPoints
  let leftMilliFen = mulSafe(budgetFen, 1000)
  let upperWh = 0
  for (const s of segments(blocks, fromWh, Number.MAX_SAFE_INTEGER - fromWh)) {
    const affordable = floorDiv(leftMilliFen, s.block.priceFenPerKwh)
    const take = Math.min(affordable, s.energyWh)
    upperWh += take
    leftMilliFen -= take * s.block.priceFenPerKwh // ≤ leftMilliFen, so safe
    if (take < s.energyWh) break
  }
  let lo = 0
  let hi = floorDiv(upperWh, 100)
  while (lo < hi) {
    const mid = hi - floorDiv(hi - lo, 2)
    if (totalFenFor(blocks, vatRateBasisPoints, fromWh, mid * 100) <= budgetFen) lo = mid
    else hi = mid - 1
  }
  return lo
}
