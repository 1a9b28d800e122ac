/**
 * The console's language, shared by every page: `lang.current` picks a page's message catalogue.
 * Persisted so a cashier's choice survives a reload; Simplified Chinese is the default.
 */
export type Lang = 'zh-CN' | 'en'

const KEY = 'gridtill.console.lang'

function stored(): Lang {
  try {
    const v = globalThis.localStorage?.getItem(KEY)
    return v === 'en' || v === 'zh-CN' ? v : 'zh-CN'
  } catch {
    return 'zh-CN' // storage disabled: default, not an error
  }
}

export const lang = $state<{ current: Lang }>({ current: stored() })

export function setLang(next: Lang): void {
  lang.current = next
  try {
    globalThis.localStorage?.setItem(KEY, next)
  } catch {
    // storage disabled: the choice lasts for this page load only
  }
  if (typeof document !== 'undefined') document.documentElement.lang = next
}
