/** JSON with sorted keys: one text per value, so hashes over it do not depend on field order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    // Written out rather than map/join: every vend hashes its request and its audit row with this.
    let out = '['
    for (let i = 0; i < value.length; i++) {
      // An undefined element has no text (as Array#join writes it), not "null".
      const item = canonicalJson(value[i]) as string | undefined
      out += (i === 0 ? '' : ',') + (item ?? '')
    }
    return `${out}]`
  }
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>
    // Default sort: UTF-16 code units, the same order as `<` on strings.
    const keys = Object.keys(o).sort()
    let out = '{'
    let first = true
    for (const k of keys) {
      const v = o[k]
      if (v === undefined) continue
      out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(v)}`
      first = false
    }
    return `${out}}`
  }
  return JSON.stringify(value)
}
