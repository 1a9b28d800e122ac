import type { Language } from '@gridtill/shared'
import { fill, type Params } from './fill.ts'
import { panelEn } from './panel-en.ts'
import { panelZhCN, type PanelCatalogue, type PanelMessageKey } from './panel-zh-CN.ts'

export type { PanelCatalogue, PanelMessageKey }
export { panelEn, panelZhCN }

export const panelCatalogues: Record<Language, PanelCatalogue> = { 'zh-CN': panelZhCN, en: panelEn }

/** A panel text in both languages: the panel shows Chinese first, then English. */
export interface Bilingual {
  zh: string
  en: string
}

/** Both languages of a panel text, placeholders filled (pass ids and card numbers as strings). */
export function panelText(key: PanelMessageKey, params?: Params): Bilingual {
  return { zh: fill('zh-CN', panelZhCN[key], params), en: fill('en', panelEn[key], params) }
}

/** The text for a value the agent sends as a word (kind, role, paper), or the word itself. */
export function panelWord(prefix: 'kind' | 'role' | 'paper', word: string): Bilingual {
  const key = `${prefix}.${word}`
  if (Object.hasOwn(panelZhCN, key)) return panelText(key as PanelMessageKey)
  return { zh: word, en: word }
}
