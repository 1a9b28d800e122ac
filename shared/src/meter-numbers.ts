/**
 * Meter numbers (DESIGN.md, Defaults): residents see the 11-digit DRN, with its Luhn check digit
 * where a screen or receipt shows the full number; the STS PAN is IIN + DRN + Luhn check digit.
 */
export function luhnCheckDigit(digits: string): number {
  let sum = 0
  // Double every second digit counting from the right of the payload (the check digit goes after it).
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48
    if (d < 0 || d > 9) throw new RangeError(`not a digit string: ${digits}`)
    if (double) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return (10 - (sum % 10)) % 10
}

export function isLuhnValid(withCheck: string): boolean {
  return /^[0-9]{2,}$/.test(withCheck) && luhnCheckDigit(withCheck.slice(0, -1)) === Number(withCheck.slice(-1))
}

/** The 18-digit PAN: 6-digit IIN, 11-digit DRN, Luhn check digit over both. */
export function panFor(iin: string, drn: string): string {
  if (!/^[0-9]{6}$/.test(iin) || !/^[0-9]{11}$/.test(drn)) throw new RangeError('IIN must be 6 digits and DRN 11')
  const body = iin + drn
  return body + String(luhnCheckDigit(body))
}

/** "0123 4567 8905" — DRN plus check digit, grouped for reading aloud. */
export function meterNoDisplay(drn: string): string {
  const full = drn + String(luhnCheckDigit(drn))
  return full.replace(/(\d{4})(?=\d)/g, '$1 ')
}

/** Accepts what a resident types: 11 digits, or 12 with a correct check digit. */
export function parseTypedMeterNo(typed: string): { ok: true; meterNo: string } | { ok: false; code: 'ERR_METER_CHECK_DIGIT' | 'ERR_VALIDATION' } {
  const digits = typed.replace(/\s+/g, '')
  if (/^[0-9]{11}$/.test(digits)) return { ok: true, meterNo: digits }
  if (/^[0-9]{12}$/.test(digits)) {
    return isLuhnValid(digits) ? { ok: true, meterNo: digits.slice(0, 11) } : { ok: false, code: 'ERR_METER_CHECK_DIGIT' }
  }
  return { ok: false, code: 'ERR_VALIDATION' }
}
