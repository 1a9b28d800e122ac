/** Display helpers shared by the pages: money in yuan from fen, energy in kWh from Wh, Shanghai time. */
import type { Lang } from './lang.svelte.ts'

export const yuan = (fen: number): string => `¥${(fen / 100).toFixed(2)}`
export const kwh = (wh: number | null): string => (wh === null ? '—' : `${(wh / 1000).toFixed(1)} kWh`)

export function when(isoText: string | null, lang: Lang): string {
  if (isoText === null) return '—'
  return new Date(isoText).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', dateStyle: 'medium', timeStyle: 'short' })
}

/** Groups a 20-digit token as on the receipt: 4-4-4-4-4. */
export const tokenText = (t: string): string => t.replace(/(\d{4})(?=\d)/g, '$1 ')
