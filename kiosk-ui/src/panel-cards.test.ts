import { describe, expect, it } from 'vitest'
import { cardHolder, maskName } from './panel-cards.ts'

describe('maskName', () => {
  it('keeps the first and last character', () => {
    expect(maskName('张晓明')).toBe('张*明')
    expect(maskName('欧阳晓明')).toBe('欧**明')
    expect(maskName('张明')).toBe('张*')
    expect(maskName('张')).toBe('张')
  })

  it('leaves an already masked name as it is', () => {
    expect(maskName('张*明')).toBe('张*明')
    expect(maskName(maskName('欧阳晓明'))).toBe('欧**明')
  })
})

describe('cardHolder', () => {
  it("masks a resident's name, from the name or from the agent's label", () => {
    expect(cardHolder({ cardNo: '8800010001', name: '张晓明', kind: 'resident' })).toBe('张*明')
    expect(cardHolder({ cardNo: '8800010001', label: '张晓明 8800010001', kind: 'resident' })).toBe(
      '张*明',
    )
    expect(cardHolder({ cardNo: '8800010001', label: '张*明 8800010001', kind: 'resident' })).toBe(
      '张*明',
    )
  })

  it('masks when the kind is unknown, and never shows the unmasked name', () => {
    const shown = cardHolder({ cardNo: '8800010002', name: '李小红' })
    expect(shown).toBe('李*红')
    expect(shown).not.toContain('小')
  })

  it("shows a staff card's label as given, without the card number", () => {
    expect(
      cardHolder({ cardNo: '9900000101', label: '李师傅 Li (field) 9900000101', kind: 'staff' }),
    ).toBe('李师傅 Li (field)')
  })

  it('falls back to the card number', () => {
    expect(cardHolder({ cardNo: '8800010003' })).toBe('8800010003')
  })
})
