import type { Language } from '@gridtill/shared'
import { en } from './en.ts'
import { zhCN, type Catalogue, type MessageKey } from './zh-CN.ts'
import { fill, type Params } from './fill.ts'

export type { Catalogue, MessageKey }
export { en, zhCN }

export const catalogues: Record<Language, Catalogue> = { 'zh-CN': zhCN, en }
export const LANGUAGES: readonly Language[] = ['zh-CN', 'en']
export const DEFAULT_LANGUAGE: Language = 'zh-CN'

export type { Params }

/** `{name}` placeholders; numbers are formatted for the language with Intl. */
export function translate(language: Language, key: MessageKey, params?: Params): string {
  return fill(language, catalogues[language][key], params)
}

/** The message key for an error code, or null for a code this UI has no sentence for. */
export function errorKey(code: string): MessageKey | null {
  const key = `error.${code}`
  return Object.hasOwn(zhCN, key) ? (key as MessageKey) : null
}

export function otherLanguage(language: Language): Language {
  return language === 'zh-CN' ? 'en' : 'zh-CN'
}
