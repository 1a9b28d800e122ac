import type { SimCard } from './lib/panel/sim-api.ts'

/** "张*明": first and last character kept, as on the kiosk (the agent masks too; this is a backstop). */
export function maskName(name: string): string {
  const chars = [...name]
  if (chars.length <= 1) return name
  if (chars.length === 2) return `${chars[0]}*`
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars[chars.length - 1]}`
}

/**
 * Who holds a card, for the drawer: a resident's name masked (personal data), a staff card's label
 * as given. The card number is on the card's button, so a label's trailing number is dropped.
 */
export function cardHolder(card: SimCard): string {
  const label = card.name ?? card.label ?? ''
  const holder = label.endsWith(card.cardNo) ? label.slice(0, -card.cardNo.length).trim() : label
  if (!holder) return card.cardNo
  return card.kind === 'staff' ? holder : maskName(holder)
}
