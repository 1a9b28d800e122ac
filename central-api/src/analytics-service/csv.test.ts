import { describe, expect, it } from 'vitest'
import { csvField, toCsv } from './csv.ts'

describe('CSV export', () => {
  it('is RFC 4180 with a UTF-8 BOM and bilingual headers', () => {
    const text = toCsv(
      [
        { zh: '房号', en: 'Unit' },
        { zh: '备注', en: 'Note' },
      ],
      [
        ['1-101', 'plain'],
        ['2-102', 'a, "quoted"\r\nline'],
        ['3-103', null],
      ],
    )
    expect(text.charCodeAt(0)).toBe(0xfeff)
    expect(text.slice(1)).toBe(
      '房号 Unit,备注 Note\r\n1-101,plain\r\n2-102,"a, ""quoted""\r\nline"\r\n3-103,\r\n',
    )
    expect(Buffer.from(text, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
  })

  it('writes numbers plainly and non-finite ones as empty fields', () => {
    expect([csvField(12.5), csvField(Number.NaN), csvField(true), csvField(undefined)]).toEqual([
      '12.5',
      '',
      'true',
      '',
    ])
  })
})
