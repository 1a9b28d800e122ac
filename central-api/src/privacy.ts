/** Personal data shown only as much as the screen needs (DESIGN.md, Security). */

/** "张晓明" → "张*明", "王伟" → "王*", "Li Wei" → "L****i". */
export function maskName(name: string): string {
  const chars = Array.from(name.trim())
  if (chars.length <= 1) return chars.join('')
  if (chars.length === 2) return `${chars[0] ?? ''}*`
  return `${chars[0] ?? ''}${'*'.repeat(chars.length - 2)}${chars.at(-1) ?? ''}`
}

/** Card numbers in logs: the last four digits only. */
export function maskCardNo(cardNo: string): string {
  return cardNo.length <= 4 ? cardNo : `${'*'.repeat(cardNo.length - 4)}${cardNo.slice(-4)}`
}

/** Masks a card number inside a request URL (…/cards/88000010001 → …/cards/*******0001). */
export function maskCardUrl(url: string): string {
  return url.replace(/(\/cards\/)([0-9]{5,20})/g, (_m, p: string, no: string) => p + maskCardNo(no))
}
