import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@gridtill/shared'
import { catalogues, en, errorKey, translate, zhCN } from './index.ts'

const placeholders = (s: string): string[] =>
  [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort()

describe('message catalogues', () => {
  it('zh-CN and en have exactly the same keys', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zhCN).sort())
  })

  it('has no empty or untrimmed strings', () => {
    for (const [lang, cat] of Object.entries(catalogues)) {
      for (const [key, text] of Object.entries(cat)) {
        expect(text.trim(), `${lang} ${key}`).not.toBe('')
        expect(text, `${lang} ${key}`).toBe(text.trim())
      }
    }
  })

  it('uses the same placeholders in both languages', () => {
    for (const key of Object.keys(zhCN) as (keyof typeof zhCN)[]) {
      expect(placeholders(en[key]), key).toEqual(placeholders(zhCN[key]))
    }
  })

  it('has Chinese text in zh-CN where en differs (nothing left untranslated by copy-paste)', () => {
    const sameOnPurpose = new Set(['lang.zh-CN', 'lang.en', 'account.pricePerKwh'])
    for (const key of Object.keys(zhCN) as (keyof typeof zhCN)[]) {
      if (sameOnPurpose.has(key)) continue
      expect(zhCN[key], key).not.toBe(en[key])
    }
  })
})

describe('error codes', () => {
  it('every code in shared/errors.ts has a sentence in both languages', () => {
    for (const code of Object.values(ErrorCode)) {
      const key = errorKey(code)
      expect(key, code).not.toBeNull()
      if (!key) continue
      expect(zhCN[key]).toMatch(/\p{Script=Han}/u)
      expect(en[key]).toMatch(/[A-Za-z]/)
    }
  })

  it('unknown codes and prototype names get no key', () => {
    expect(errorKey('ERR_FROM_THE_FUTURE')).toBeNull()
    expect(errorKey('constructor')).toBeNull()
    expect(errorKey('__proto__')).toBeNull()
  })
})

describe('translate', () => {
  it('fills placeholders and formats numbers for the language', () => {
    expect(translate('en', 'idle.body', { s: 12 })).toBe('This session ends in 12 seconds')
    expect(translate('zh-CN', 'idle.body', { s: 12 })).toBe('12 秒后将结束本次操作')
    expect(translate('en', 'identify.digits', { n: 1234 })).toBe('1,234 digits entered')
  })

  it('leaves an unknown placeholder visible rather than blank', () => {
    expect(translate('en', 'idle.body')).toBe('This session ends in {s} seconds')
  })
})
