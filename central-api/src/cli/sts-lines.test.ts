import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createLineHandler, isVerb } from './sts-lines.ts'

interface Vector {
  id: string
  input: unknown
  output: Record<string, unknown>
}
const vectors = JSON.parse(
  readFileSync(new URL('../../../../shared/specs/sts-vectors.json', import.meta.url), 'utf8'),
) as { deriveKey: Vector[]; encode: Vector[]; decode: Vector[] }

const run = (verb: 'derive-key' | 'encode' | 'decode', input: unknown): Record<string, unknown> =>
  JSON.parse(
    createLineHandler(verb)(typeof input === 'string' ? input : JSON.stringify(input)),
  ) as Record<string, unknown>

describe('sts-vectors.json', () => {
  it('has the vectors this suite expects', () => {
    expect(
      vectors.deriveKey.length + vectors.encode.length + vectors.decode.length,
    ).toBeGreaterThanOrEqual(90)
  })

  it.each(vectors.deriveKey.map((v) => [v.id, v] as const))('derive-key %s', (_, v) => {
    expect(run('derive-key', v.input)).toEqual(v.output)
  })

  it.each(vectors.encode.map((v) => [v.id, v] as const))('encode %s', (_, v) => {
    const out = run('encode', v.input)
    const { tokenAtIndex, token } = v.output as { tokenAtIndex: number; token: string }
    expect(out).toHaveProperty('tokens')
    expect((out.tokens as string[])[tokenAtIndex]).toBe(token)
  })

  it.each(vectors.decode.map((v) => [v.id, v] as const))('decode %s', (_, v) => {
    expect(run('decode', v.input)).toEqual(v.output)
  })
})

const STA = { ea: '07', dk: 'e653341f9d5bf36f' }
const MISTY = { ea: '11', dk: 'F94B6ED353C3BFDB113E2D3A7EA3C41D' } // upper case on purpose

describe('the line protocol', () => {
  it('decodes key change sections and class 1 tokens with the encode field names', () => {
    expect(run('decode', { key: STA, token: '51638423060042734509' })).toEqual({
      class: 2,
      subclass: 3,
      kenHo: 15,
      krn: 1,
      rollover: false,
      kt: 2,
      dkPart: '060b8643',
    })
    expect(run('decode', { key: STA, token: '15361891762113502242' })).toEqual({
      class: 2,
      subclass: 4,
      kenLo: 15,
      ti: '02',
      dkPart: 'c59a27f1',
    })
    expect(run('decode', { key: STA, token: '56493153725450313471' })).toEqual({
      class: 1,
      subclass: 0,
      control: 'fffffffff',
      mfrCode: 0,
    })
    const tokens = run('encode', {
      key: MISTY,
      token: {
        keyChange: {
          dk: '1d7b719ae4730402c3b45e18e23ff59d',
          kt: 2,
          krn: 4,
          ti: '02',
          sgc: '123457',
          ken: 255,
          rollover: true,
        },
      },
    }).tokens as string[]
    expect(tokens.map((token) => run('decode', { key: MISTY, token }))).toEqual([
      { class: 2, subclass: 3, kenHo: 15, krn: 4, rollover: true, kt: 2, dkPart: '1d7b719a' },
      { class: 2, subclass: 4, kenLo: 15, ti: '02', dkPart: 'e23ff59d' },
      { class: 2, subclass: 8, sgcLo: 123457 & 0xfff, dkPart: 'e4730402' },
      { class: 2, subclass: 9, sgcHi: 123457 >>> 12, dkPart: 'c3b45e18' },
    ])
  })

  it('round-trips class 1/1 and class 2 through encode and decode', () => {
    for (const token of [
      { class: 1, subclass: 1, control: 'abcdef1', mfrCode: 4321 },
      { class: 2, subclass: 7, rnd: 9, tid: 123, value: 999 },
      { class: 0, subclass: 3, rnd: 0, tid: 0, units: 0 },
    ]) {
      const [digits] = run('encode', { key: MISTY, token }).tokens as string[]
      expect(run('decode', { key: MISTY, token: digits })).toEqual(token)
    }
  })

  it('answers ERR_STS_CRC for a token under the wrong key', () => {
    const out = run('decode', { key: MISTY, token: '23716100501183194197' })
    expect(out).toEqual({ error: { code: 'ERR_STS_CRC', message: expect.any(String) as unknown } })
  })

  it.each([
    ['not JSON', 'decode', '{"key":'],
    ['an array', 'decode', '[]'],
    ['an empty line', 'decode', ''],
    ['a missing token', 'decode', { key: STA }],
    ['an unknown field', 'decode', { key: STA, token: '23716100501183194197', extra: 1 }],
    ['a short token', 'decode', { key: STA, token: '2371610050118319419' }],
    ['a token as a number', 'decode', { key: STA, token: 1234 }],
    ['a token beyond 66 bits', 'decode', { key: STA, token: '99999999999999999999' }],
    [
      'an STA key of 17 hex digits',
      'decode',
      { key: { ea: '07', dk: '1e653341f9d5bf36f' }, token: '23716100501183194197' },
    ],
    [
      'a key that is not hex',
      'decode',
      { key: { ea: '07', dk: 'xyz' }, token: '23716100501183194197' },
    ],
    ['an unknown ea', 'decode', { key: { ea: '09', dk: '00' }, token: '23716100501183194197' }],
    ['rnd 16', 'encode', { key: STA, token: { class: 0, subclass: 0, rnd: 16, tid: 1, units: 1 } }],
    [
      'tid 2^24',
      'encode',
      { key: STA, token: { class: 0, subclass: 0, rnd: 1, tid: 16777216, units: 1 } },
    ],
    [
      'units past the maximum',
      'encode',
      { key: STA, token: { class: 0, subclass: 0, rnd: 1, tid: 1, units: 18201625 } },
    ],
    [
      'units as a string',
      'encode',
      { key: STA, token: { class: 0, subclass: 0, rnd: 1, tid: 1, units: '1' } },
    ],
    [
      'class 0 subclass 4',
      'encode',
      { key: STA, token: { class: 0, subclass: 4, rnd: 1, tid: 1, units: 1 } },
    ],
    [
      'class 2 subclass 3',
      'encode',
      { key: STA, token: { class: 2, subclass: 3, rnd: 1, tid: 1, value: 1 } },
    ],
    [
      'clear tamper with a value',
      'encode',
      { key: STA, token: { class: 2, subclass: 5, rnd: 1, tid: 1, value: 1 } },
    ],
    [
      'class 1 control too wide',
      'encode',
      { key: STA, token: { class: 1, subclass: 1, control: 'fffffffff', mfrCode: 0 } },
    ],
    ['class 3', 'encode', { key: STA, token: { class: 3, subclass: 0 } }],
    [
      'krn 10 in a key change',
      'encode',
      {
        key: STA,
        token: {
          keyChange: { dk: '00', kt: 2, krn: 10, ti: '01', sgc: '123456', ken: 1, rollover: false },
        },
      },
    ],
    [
      'ken 256',
      'encode',
      {
        key: STA,
        token: {
          keyChange: {
            dk: '00',
            kt: 2,
            krn: 1,
            ti: '01',
            sgc: '123456',
            ken: 256,
            rollover: false,
          },
        },
      },
    ],
    [
      'a 128-bit new key under STA',
      'encode',
      {
        key: STA,
        token: {
          keyChange: {
            dk: 'f'.repeat(32),
            kt: 2,
            krn: 1,
            ti: '01',
            sgc: '123456',
            ken: 1,
            rollover: false,
          },
        },
      },
    ],
    [
      'rollover as 0',
      'encode',
      {
        key: STA,
        token: {
          keyChange: { dk: '00', kt: 2, krn: 1, ti: '01', sgc: '123456', ken: 1, rollover: 0 },
        },
      },
    ],
    [
      'DKGA02 for MISTY1',
      'derive-key',
      {
        dkga: '02',
        ea: '11',
        vk: 'abababababababab',
        pan: '600727000000000009',
        kt: 2,
        sgc: '123456',
        ti: '01',
        krn: 1,
        bd: 1993,
      },
    ],
    [
      'a 17-digit PAN',
      'derive-key',
      {
        dkga: '02',
        ea: '07',
        vk: 'abababababababab',
        pan: '60072700000000009',
        kt: 2,
        sgc: '123456',
        ti: '01',
        krn: 1,
        bd: 1993,
      },
    ],
    [
      'kt 4',
      'derive-key',
      {
        dkga: '02',
        ea: '07',
        vk: 'abababababababab',
        pan: '600727000000000009',
        kt: 4,
        sgc: '123456',
        ti: '01',
        krn: 1,
        bd: 1993,
      },
    ],
    [
      'krn 0',
      'derive-key',
      {
        dkga: '02',
        ea: '07',
        vk: 'abababababababab',
        pan: '600727000000000009',
        kt: 2,
        sgc: '123456',
        ti: '01',
        krn: 0,
        bd: 1993,
      },
    ],
    [
      'base date 2000',
      'derive-key',
      {
        dkga: '04',
        ea: '07',
        vk: 'ab'.repeat(20),
        pan: '600727000000000009',
        kt: 2,
        sgc: '123456',
        ti: '01',
        krn: 1,
        bd: 2000,
      },
    ],
    [
      'a short DKGA04 vending key',
      'derive-key',
      {
        dkga: '04',
        ea: '07',
        vk: 'ab'.repeat(8),
        pan: '600727000000000009',
        kt: 2,
        sgc: '123456',
        ti: '01',
        krn: 1,
        bd: 1993,
      },
    ],
    [
      'sgc as a number',
      'derive-key',
      {
        dkga: '02',
        ea: '07',
        vk: 'abababababababab',
        pan: '600727000000000009',
        kt: 2,
        sgc: 123456,
        ti: '01',
        krn: 1,
        bd: 1993,
      },
    ],
    [
      'dkga 03',
      'derive-key',
      {
        dkga: '03',
        ea: '07',
        vk: 'abababababababab',
        pan: '600727000000000009',
        kt: 2,
        sgc: '123456',
        ti: '01',
        krn: 1,
        bd: 1993,
      },
    ],
  ] as const)('answers ERR_STS_INPUT for %s', (_, verb, input) => {
    expect(run(verb, input)).toEqual({
      error: { code: 'ERR_STS_INPUT', message: expect.any(String) as unknown },
    })
  })

  it('accepts upper-case hex everywhere', () => {
    const lower = run('derive-key', { ...(vectors.deriveKey[0]!.input as object) })
    const upper = run('derive-key', {
      ...(vectors.deriveKey[0]!.input as object),
      vk: 'ABABABABABABABAB',
    })
    expect(upper).toEqual(lower)
  })

  it('never puts key material into an error message', () => {
    const vk = 'abababababababab949494949494949401234567'
    const out = run('derive-key', {
      dkga: '04',
      ea: '07',
      vk,
      pan: 'x',
      kt: 2,
      sgc: '123456',
      ti: '01',
      krn: 1,
      bd: 1993,
    })
    expect(JSON.stringify(out)).not.toContain(vk)
  })

  it('knows its verbs', () => {
    expect(isVerb('decode')).toBe(true)
    expect(isVerb('mint')).toBe(false)
  })
})

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

function cli(
  args: string[],
  stdin: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', 'sts', '--', ...args], {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(stdin)
  })
}

describe('npm run -s sts (the real process)', () => {
  it('decodes line by line, answering a bad line without stopping the batch', async () => {
    const key = { ea: '07', dk: 'e653341f9d5bf36f' }
    const input = [
      JSON.stringify({ key, token: '23716100501183194197' }),
      'this is not json',
      JSON.stringify({ key, token: '2371 6100 5011 8319 4197' }),
      JSON.stringify({ key, token: '23716100501183194198' }),
    ].join('\n')
    const { code, stdout } = await cli(['decode'], `${input}\n`)
    expect(code).toBe(0)
    const lines = stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines).toHaveLength(4)
    expect(lines[0]).toEqual({ class: 0, subclass: 0, rnd: 5, tid: 5871715, units: 1 })
    expect(lines[1]).toMatchObject({ error: { code: 'ERR_STS_INPUT' } })
    expect(lines[2]).toEqual(lines[0])
    expect(lines[3]).toMatchObject({ error: { code: 'ERR_STS_CRC' } })
  })

  it('prints usage and exits 2 for an unknown verb', async () => {
    const { code, stdout, stderr } = await cli(['mint'], '')
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toMatch(/usage: npm run -s sts -- <verb>/)
  })
})
