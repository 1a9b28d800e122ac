import type { Language } from '@gridtill/shared'

export type Params = Record<string, string | number>

/** Fills `{name}` placeholders in a catalogue text; numbers are formatted for the language with Intl. */
export function fill(language: Language, text: string, params?: Params): string {
  if (!params) return text
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name]
    if (value === undefined) return whole
    return typeof value === 'number' ? new Intl.NumberFormat(language).format(value) : value
  })
}
