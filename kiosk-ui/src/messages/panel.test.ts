import { describe, expect, it } from 'vitest'
import {
  ACCEPTOR_ACTIONS,
  NOTE_VALUES_FEN,
  PRINTER_ACTIONS,
  noteButtonLabel,
} from '../lib/panel/sim-api.ts'
import { panelEn, panelText, panelWord, panelZhCN } from './panel.ts'

const placeholders = (s: string): string[] =>
  [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort()

describe('panel catalogues', () => {
  it('zh-CN and en have exactly the same keys', () => {
    expect(Object.keys(panelEn).sort()).toEqual(Object.keys(panelZhCN).sort())
  })

  it('has Chinese in every zh-CN text, the same placeholders, and no untrimmed strings', () => {
    for (const key of Object.keys(panelZhCN) as (keyof typeof panelZhCN)[]) {
      expect(panelZhCN[key], key).toMatch(/\p{Script=Han}/u)
      expect(panelEn[key], key).toMatch(/[A-Za-z]/)
      expect(placeholders(panelEn[key]), key).toEqual(placeholders(panelZhCN[key]))
      for (const text of [panelZhCN[key], panelEn[key]]) expect(text, key).toBe(text.trim())
    }
  })
})

describe('button names (the browser tests click by these)', () => {
  it('gives every action its hook name in English', () => {
    for (const a of ACCEPTOR_ACTIONS)
      expect(panelText(`acceptorAction.${a.action}`).en).toBe(a.label)
    for (const a of PRINTER_ACTIONS) expect(panelText(`printerAction.${a.action}`).en).toBe(a.label)
  })

  it('names the note buttons "Insert ¥50" in English and 投入 in Chinese', () => {
    for (const v of NOTE_VALUES_FEN) {
      const t = panelText('notes.insert', { yuan: v / 100 })
      expect(t.en).toBe(noteButtonLabel(v))
      expect(t.zh).toBe(`投入 ¥${v / 100}`)
    }
    expect(panelText('notes.fake').en).toBe('Insert fake note')
  })

  it('names the card buttons "Tap <cardNo>" without digit grouping', () => {
    expect(panelText('cards.tap', { cardNo: '8800010001' })).toEqual({
      zh: '刷卡 8800010001',
      en: 'Tap 8800010001',
    })
    expect(panelText('cards.garbage').en).toBe('Tap garbage')
  })
})

describe('panelWord', () => {
  it('translates the words the agent sends and shows unknown ones as they are', () => {
    expect(panelWord('paper', 'nearEnd')).toEqual({ zh: '即将用完', en: 'near end' })
    expect(panelWord('kind', 'resident')).toEqual({ zh: '居民', en: 'resident' })
    expect(panelWord('role', 'auditor')).toEqual({ zh: 'auditor', en: 'auditor' })
    expect(panelWord('paper', 'constructor')).toEqual({ zh: 'constructor', en: 'constructor' })
  })
})
