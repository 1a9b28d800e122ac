import { createContext } from 'svelte'
import type { KioskConnection } from './connection.svelte.ts'
import type { I18n } from './i18n.svelte.ts'

export const [getKiosk, setKiosk] = createContext<KioskConnection>()
export const [getI18n, setI18n] = createContext<I18n>()
