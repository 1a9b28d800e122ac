import { formatFen, formatKwh, type Language } from '@gridtill/shared'
import {
  DEFAULT_LANGUAGE,
  errorKey,
  otherLanguage,
  translate,
  type MessageKey,
  type Params,
} from '../../messages/index.ts'
import { formatDateTime, formatDay, formatKwhWhole, formatMonth, formatNote, formatNumber } from '../format.ts'

/** The session's language (from the agent's snapshot) and everything that formats text in it. */
export class I18n {
  readonly #language: () => Language

  constructor(language: () => Language | undefined) {
    this.#language = () => language() ?? DEFAULT_LANGUAGE
  }

  get lang(): Language {
    return this.#language()
  }

  /** The other language, shown smaller beside the session's on buttons and titles. */
  get alt(): Language {
    return otherLanguage(this.lang)
  }

  t = (key: MessageKey, params?: Params): string => translate(this.lang, key, params)
  tAlt = (key: MessageKey, params?: Params): string => translate(this.alt, key, params)

  /** The sentence for an error code; unknown codes get a generic sentence (the code is shown beside it). */
  error = (code: string): string => this.t(errorKey(code) ?? 'error.unknown')
  errorAlt = (code: string): string => this.tAlt(errorKey(code) ?? 'error.unknown')

  fen = (amountFen: number): string => formatFen(amountFen, this.lang)
  kwh = (energyWh: number): string => formatKwh(energyWh)
  note = (valueFen: number): string => formatNote(valueFen, this.lang)
  num = (n: number): string => formatNumber(n, this.lang)
  dateTime = (at: string | number): string => formatDateTime(at, this.lang)
  day = (dateKey: string): string => formatDay(dateKey, this.lang)
  month = (month: string): string => formatMonth(month, this.lang)
  kwhWhole = (energyWh: number): string => formatKwhWhole(energyWh, this.lang)
}
