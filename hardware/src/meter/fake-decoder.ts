/**
 * Test support: a stand-in decoder with the StsMeter's verdicts but a readable token format, so
 * the energy side and the fleet can be tested without the STS codec. Not exported from index.ts.
 *
 * Token: `kind(2) ‖ tid(8) ‖ amount(10)`, kind 00 credit (amount in 0.1 kWh), 21 clear credit,
 * 20 max power (amount in W), 25 clear tamper; a token starting with 9 fails its "CRC".
 */
import type { DecoderVerdict, TokenDecoder } from './token-decoder.ts'

const KINDS: Record<string, string> = {
  '00': 'credit',
  '20': 'maxPowerLimit',
  '21': 'clearCredit',
  '25': 'clearTamper',
}

export function fakeToken(kind: '00' | '20' | '21' | '25', tid: number, amount: number): string {
  return kind + String(tid).padStart(8, '0') + String(amount).padStart(10, '0')
}

export class FakeDecoder implements TokenDecoder {
  private readonly used: Set<number>

  constructor(saved?: unknown) {
    const s = saved as { used?: number[] } | undefined
    this.used = new Set(s?.used ?? [])
  }

  enterToken(token: string): DecoderVerdict {
    if (!/^[0-9]{20}$/.test(token)) return { result: 'rejected', reason: 'FORMAT' }
    if (token.startsWith('9')) return { result: 'rejected', reason: 'CRC' }
    const kind = KINDS[token.slice(0, 2)]
    if (kind === undefined) return { result: 'rejected', reason: 'CRC' }
    const tid = Number(token.slice(2, 10))
    if (this.used.has(tid)) return { result: 'rejected', reason: 'USED' }
    this.used.add(tid)
    const amount = Number(token.slice(10))
    return kind === 'credit'
      ? { result: 'accepted', kind, units: amount }
      : { result: 'accepted', kind, value: amount }
  }

  exportState(): unknown {
    return { used: [...this.used] }
  }
}
