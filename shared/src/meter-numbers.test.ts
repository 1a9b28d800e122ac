import { describe, expect, it } from 'vitest'
import { isLuhnValid, luhnCheckDigit, meterNoDisplay, panFor, parseTypedMeterNo } from './meter-numbers.ts'

describe('meter numbers', () => {
  it('builds the PAN of the STS spec example', () => {
    // specs/sts.md §8: PAN 600727000000000009 = IIN 600727, DRN 00000000000, check 9.
    expect(panFor('600727', '00000000000')).toBe('600727000000000009')
  })

  it('computes Luhn check digits', () => {
    expect(luhnCheckDigit('7992739871')).toBe(3)
    expect(isLuhnValid('79927398713')).toBe(true)
    expect(isLuhnValid('79927398710')).toBe(false)
  })

  it('shows the DRN with its check digit in groups of four', () => {
    const shown = meterNoDisplay('58101000001')
    expect(shown.replace(/ /g, '')).toHaveLength(12)
    expect(shown).toMatch(/^\d{4} \d{4} \d{4}$/)
    expect(isLuhnValid(shown.replace(/ /g, ''))).toBe(true)
  })

  it('accepts a typed number with or without its check digit, and catches a typo', () => {
    const full = meterNoDisplay('58101000001').replace(/ /g, '')
    expect(parseTypedMeterNo('58101000001')).toEqual({ ok: true, meterNo: '58101000001' })
    expect(parseTypedMeterNo(full)).toEqual({ ok: true, meterNo: '58101000001' })
    const typo = full.slice(0, 11) + String((Number(full[11]) + 1) % 10)
    expect(parseTypedMeterNo(typo)).toEqual({ ok: false, code: 'ERR_METER_CHECK_DIGIT' })
    expect(parseTypedMeterNo('123')).toEqual({ ok: false, code: 'ERR_VALIDATION' })
  })
})
