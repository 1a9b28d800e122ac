import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock, systemClock } from '@gridtill/shared'
import { CentralError, createCentralClient } from '../central-client/central-client.ts'
import { startStubCentral, STUB_ACCOUNT, STUB_RESIDENT_CARD, STUB_STAFF_CARD } from '../central-client/stub-central.ts'
import { loadOrCreateIdentity } from '../journal/identity.ts'
import { Journal } from '../journal/journal.ts'
import { withRosterFallback } from './cached-lookups.ts'
import { Roster, type ShownAccount } from './roster.ts'

const log = pino({ level: 'silent' })
const closers: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

async function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-roster-'))
  closers.push(() => Promise.resolve(fs.rmSync(dir, { recursive: true, force: true })))
  const stub = await startStubCentral()
  closers.push(() => stub.close())
  const clock = new ManualClock(Date.UTC(2026, 0, 5))
  const file = path.join(dir, 'journal.db')
  const journal = Journal.open(file, { clock })
  closers.push(() => Promise.resolve(journal.close()))
  const identity = loadOrCreateIdentity(journal)
  const central = createCentralClient({
    baseUrl: stub.url,
    clock: systemClock,
    timeoutMs: 1_000,
    credentials: () => (identity.enrolment ? { kioskId: identity.enrolment.kioskId, privateKey: identity.privateKey } : null),
  })
  identity.enrolment = await central.enroll({ enrollmentCode: 'DEMO-ENROLL-K001', publicKey: identity.publicKeySpkiB64 })
  const roster = new Roster(journal, clock)
  return { stub, journal, roster, lookups: withRosterFallback(central, roster, log), file, clock }
}

describe('offline cached roster', () => {
  it('online: answers from the central (not marked) and remembers the account by card and by meter', async () => {
    const { lookups, roster } = await setup()
    const res = await lookups.lookupCard(STUB_RESIDENT_CARD)
    expect(res).toEqual({ kind: 'resident', cardNo: STUB_RESIDENT_CARD, account: STUB_ACCOUNT })
    expect(roster.size()).toBe(1)
    expect(roster.byMeter(STUB_ACCOUNT.meters[0]!.meterNo)?.accountId).toBe(STUB_ACCOUNT.accountId)
  })

  it('central unreachable: a card or meter seen before answers from the cache, marked fromCache, with name, meters, credit, min/max, arrears', async () => {
    const { lookups, stub } = await setup()
    await lookups.lookupCard(STUB_RESIDENT_CARD)
    stub.down = true
    const byCard = await lookups.lookupCard(STUB_RESIDENT_CARD)
    expect(byCard.kind).toBe('resident')
    const account = byCard.kind === 'resident' ? byCard.account : null
    expect(account).toEqual({ ...STUB_ACCOUNT, fromCache: true })
    expect(account).toMatchObject({ customerNameMasked: '张*明', arrearsFen: 1234, lastKnownCreditWh: 56_700, minVendFen: 1000, maxVendFen: 200_000 })
    const byMeter = await lookups.lookupMeter(STUB_ACCOUNT.meters[0]!.meterNo)
    expect(byMeter.account).toMatchObject({ accountId: STUB_ACCOUNT.accountId, fromCache: true })
  })

  it('a 5xx from the central also falls back; the stored copy is never the marked one', async () => {
    const { lookups, stub, journal } = await setup()
    await lookups.lookupMeter(STUB_ACCOUNT.meters[0]!.meterNo)
    stub.override.set(`GET /api/v1/meters/${STUB_ACCOUNT.meters[0]!.meterNo}/account`, () => ({ status: 500, body: { statusCode: 500, code: 'ERR_INTERNAL', error: 'x', message: 'x' } }))
    const res = await lookups.lookupMeter(STUB_ACCOUNT.meters[0]!.meterNo)
    expect((res.account as ShownAccount).fromCache).toBe(true)
    const stored = journal.db.prepare('SELECT account_json FROM roster_accounts').get() as { account_json: string }
    expect(stored.account_json).not.toContain('fromCache')
  })

  it('offline and never seen: a clear code of its own (a field-staff card is not "unknown" to the machine)', async () => {
    const { lookups, stub } = await setup()
    stub.down = true
    await expect(lookups.lookupCard('8800019999')).rejects.toMatchObject({ code: 'ERR_OFFLINE_CARD_UNKNOWN' })
    await expect(lookups.lookupCard(STUB_STAFF_CARD)).rejects.toMatchObject({ code: 'ERR_OFFLINE_CARD_UNKNOWN' })
    await expect(lookups.lookupMeter('58101000099')).rejects.toMatchObject({ code: 'ERR_OFFLINE_METER_UNKNOWN' })
  })

  it('the central answering "unknown" is its answer, not a reason for the cache', async () => {
    const { lookups } = await setup()
    const err = await lookups.lookupCard('8800019999').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CentralError)
    expect(err).toMatchObject({ status: 404, code: 'ERR_CARD_UNKNOWN' })
  })

  it('the cache outlives a restart (it is in the journal DB)', async () => {
    const { lookups, journal, file, clock } = await setup()
    await lookups.lookupCard(STUB_RESIDENT_CARD)
    journal.close()
    const again = Journal.open(file, { clock })
    closers.push(() => Promise.resolve(again.close()))
    expect(new Roster(again, clock).byCard(STUB_RESIDENT_CARD)?.fromCache).toBe(true)
  })
})
