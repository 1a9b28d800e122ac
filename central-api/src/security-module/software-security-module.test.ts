import { randomBytes } from 'node:crypto'
import { inspect } from 'node:util'
import type { StsKey } from '@gridtill/shared'
import { assembleKeyChange, decodeToken, isKeyChangeSection } from '@gridtill/shared'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { MeterKeyParams } from './security-module.ts'
import { SecurityModuleError } from './security-module.ts'
import { parseMasterKey, SoftwareSecurityModule } from './software-security-module.ts'
import { InMemoryVendingKeyStore } from './vending-key-store.ts'

const VK02_HEX = 'abababababababab'
const VK04_HEX = 'abababababababab949494949494949401234567'
const STA_METER: MeterKeyParams = {
  pan: '600727000000000009',
  sgc: '123456',
  ti: '01',
  krn: 1,
  kt: 2,
  ea: '07',
  dkga: '02',
  baseDate: 1993,
  ken: 255,
}
const MISTY_METER: MeterKeyParams = { ...STA_METER, sgc: '123457', ea: '11', dkga: '04' }

async function setup(): Promise<{
  hsm: SoftwareSecurityModule
  store: InMemoryVendingKeyStore
  master: Uint8Array
}> {
  const master = randomBytes(32)
  const store = new InMemoryVendingKeyStore()
  const hsm = new SoftwareSecurityModule(master, store)
  await hsm.importVendingKey('vk02', Buffer.from(VK02_HEX, 'hex'))
  await hsm.importVendingKey('vk04', Buffer.from(VK04_HEX, 'hex'))
  return { hsm, store, master }
}

async function errorOf(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p
  } catch (e) {
    return e as Error & { code?: string }
  }
  throw new Error('expected a rejection')
}

describe('SoftwareSecurityModule', () => {
  const consoleSpies: { mockRestore(): void }[] = []
  beforeEach(() => {
    for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const)
      consoleSpies.push(vi.spyOn(console, m))
  })
  afterEach(() => {
    // Key handling never writes anything anywhere.
    for (const s of consoleSpies.splice(0)) {
      expect(s).not.toHaveBeenCalled()
      s.mockRestore()
    }
  })

  it('keeps vending keys encrypted at rest (AES-256-GCM records)', async () => {
    const { store } = await setup()
    const record = await store.get('vk04')
    expect(record).toBeDefined()
    expect(Object.keys(record!).sort()).toEqual(['ciphertext', 'iv', 'keyId', 'tag'])
    expect(Buffer.from(record!.iv, 'base64')).toHaveLength(12)
    expect(Buffer.from(record!.tag, 'base64')).toHaveLength(16)
    const serialised = JSON.stringify(record)
    expect(serialised).not.toContain(VK04_HEX)
    expect(serialised).not.toContain(Buffer.from(VK04_HEX, 'hex').toString('base64'))
    expect(await store.list()).toEqual(['vk02', 'vk04'])
  })

  it('derives decoder keys with DKGA02 and DKGA04', async () => {
    const { hsm } = await setup()
    expect((await hsm.deriveDecoderKey(STA_METER, 'vk02')).dk).toBe(0xe653341f9d5bf36fn)
    const misty = await hsm.deriveDecoderKey(MISTY_METER, 'vk04')
    expect(misty).toMatchObject({ ea: '11' })
    expect(misty.dk).toBe(0xf94b6ed353c3bfdb113e2d3a7ea3c41dn)
  })

  it('derives a meter’s key once, and afresh when its vending key record changes', async () => {
    const { hsm, store } = await setup()
    const get = vi.spyOn(store, 'get')
    const first = await hsm.deriveDecoderKey(STA_METER, 'vk02')
    expect(await hsm.deriveDecoderKey(STA_METER, 'vk02')).toEqual(first)
    // Another meter under the same vending key is its own entry.
    expect((await hsm.deriveDecoderKey({ ...STA_METER, pan: '600727000000000017' }, 'vk02')).dk).not.toBe(first.dk)
    // Every derivation still reads the sealed record (a revoked or replaced key is noticed).
    expect(get).toHaveBeenCalledTimes(3)

    // A re-imported vending key: the cached decoder key is not used.
    await hsm.importVendingKey('vk02', Buffer.from('cdcdcdcdcdcdcdcd', 'hex'))
    const reimported = await hsm.deriveDecoderKey(STA_METER, 'vk02')
    expect(reimported.dk).not.toBe(first.dk)

    // A damaged record after caching still fails closed.
    const record = (await store.get('vk02'))!
    const ct = Buffer.from(record.ciphertext, 'base64')
    ct[0] = (ct[0] ?? 0) ^ 1
    await store.put({ ...record, ciphertext: ct.toString('base64') })
    expect((await errorOf(hsm.deriveDecoderKey(STA_METER, 'vk02'))).code).toBe('ERR_SECURITY_KEY_UNREADABLE')
    // A deleted vending key is unknown at once, cached derivations or not.
    await hsm.deriveDecoderKey(MISTY_METER, 'vk04')
    await store.delete('vk04')
    expect((await errorOf(hsm.deriveDecoderKey(MISTY_METER, 'vk04'))).code).toBe('ERR_SECURITY_KEY_UNKNOWN')
  })

  it('mints the worked-example tokens of sts.md §10', async () => {
    const { hsm } = await setup()
    const token = { class: 0, subclass: 0, rnd: 5, tid: 5_871_715, units: 1 } as const
    expect(await hsm.mintTokens(STA_METER, { kind: 'token', vendingKeyId: 'vk02', token })).toEqual(
      ['23716100501183194197'],
    )
    expect(
      await hsm.mintTokens(MISTY_METER, {
        kind: 'token',
        vendingKeyId: 'vk04',
        token: { ...token, tid: 5_871_660 },
      }),
    ).toEqual(['59386323472137426967'])
  })

  it('mints a key change the meter can reassemble into the new key', async () => {
    const { hsm } = await setup()
    const to: MeterKeyParams = { ...MISTY_METER, krn: 4, baseDate: 2014 }
    const tokens = await hsm.mintTokens(MISTY_METER, {
      kind: 'keyChange',
      vendingKeyId: 'vk04',
      to,
      rollover: true,
    })
    expect(tokens).toHaveLength(4)
    const current = await hsm.deriveDecoderKey(MISTY_METER, 'vk04')
    const sections = tokens.map((t) => decodeToken(current, t)).filter(isKeyChangeSection)
    const change = assembleKeyChange('11', sections)
    expect(change).toEqual({
      dk: 0xdaa892189d08e738dfded73924c87f32n,
      kt: 2,
      krn: 4,
      ti: '01',
      sgc: '123457',
      ken: 255,
      rollover: true,
    })
  })

  it('refuses tokens past the meter’s KEN and key changes across algorithms', async () => {
    const { hsm } = await setup()
    const token = { class: 0, subclass: 0, rnd: 5, tid: 0x050000, units: 1 } as const
    const expired = await errorOf(
      hsm.mintTokens({ ...STA_METER, ken: 4 }, { kind: 'token', vendingKeyId: 'vk02', token }),
    )
    expect(expired.code).toBe('ERR_STS_KEY_EXPIRED')
    const across = await errorOf(
      hsm.mintTokens(STA_METER, {
        kind: 'keyChange',
        vendingKeyId: 'vk02',
        to: MISTY_METER,
        toVendingKeyId: 'vk04',
        rollover: false,
      }),
    )
    expect(across.code).toBe('ERR_STS_INPUT')
  })

  it('fails closed, with messages free of key material', async () => {
    const { hsm, store, master } = await setup()
    const unknown = await errorOf(hsm.deriveDecoderKey(STA_METER, 'nope'))
    expect(unknown).toBeInstanceOf(SecurityModuleError)
    expect(unknown.code).toBe('ERR_SECURITY_KEY_UNKNOWN')

    const wrongDkga = await errorOf(hsm.deriveDecoderKey({ ...STA_METER, dkga: '04' }, 'vk02'))
    expect(wrongDkga.code).toBe('ERR_SECURITY_KEY_INVALID')

    // Another master key, a record copied under another id, a flipped tag: all unreadable.
    const other = new SoftwareSecurityModule(randomBytes(32), store)
    expect((await errorOf(other.deriveDecoderKey(STA_METER, 'vk02'))).code).toBe(
      'ERR_SECURITY_KEY_UNREADABLE',
    )
    const record = (await store.get('vk02'))!
    await store.put({ ...record, keyId: 'copy' })
    expect((await errorOf(hsm.deriveDecoderKey(STA_METER, 'copy'))).code).toBe(
      'ERR_SECURITY_KEY_UNREADABLE',
    )
    const tag = Buffer.from(record.tag, 'base64')
    tag[0] = (tag[0] ?? 0) ^ 1
    await store.put({ ...record, tag: tag.toString('base64') })
    const tampered = await errorOf(hsm.deriveDecoderKey(STA_METER, 'vk02'))
    expect(tampered.code).toBe('ERR_SECURITY_KEY_UNREADABLE')

    for (const e of [unknown, wrongDkga, tampered]) {
      expect(e.message).not.toMatch(
        new RegExp(`${VK02_HEX}|${Buffer.from(master).toString('hex')}`, 'i'),
      )
    }
  })

  it('serialises and prints as a redacted placeholder', async () => {
    const { hsm, master } = await setup()
    const key: StsKey = await hsm.deriveDecoderKey(STA_METER, 'vk02')
    const everything =
      JSON.stringify({ hsm, key }) + inspect(hsm, { showHidden: true, depth: 5 }) + inspect(key)
    expect(everything).not.toMatch(/e653341f9d5bf36f|16597263426015351663/i)
    expect(everything).not.toContain(Buffer.from(master).toString('hex'))
    expect(JSON.stringify(hsm)).toBe('{"securityModule":"software"}')
  })

  it('insists on a 256-bit master key', () => {
    expect(
      () => new SoftwareSecurityModule(new Uint8Array(16), new InMemoryVendingKeyStore()),
    ).toThrow(/32 bytes/)
    const hex = 'ab'.repeat(32)
    expect(parseMasterKey(hex)).toEqual(new Uint8Array(32).fill(0xab))
    expect(parseMasterKey(Buffer.alloc(32, 7).toString('base64'))).toEqual(
      new Uint8Array(32).fill(7),
    )
    expect(() => parseMasterKey('secret-but-short')).toThrow(
      expect.objectContaining({ code: 'ERR_SECURITY_MASTER_KEY_INVALID' }),
    )
    try {
      parseMasterKey('secret-but-short')
    } catch (e) {
      expect((e as Error).message).not.toContain('secret-but-short')
    }
  })
})
