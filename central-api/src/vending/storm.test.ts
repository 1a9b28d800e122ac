/**
 * The duplicate storm: 5000 concurrent signed vend requests carrying only 100 vend ids (kiosks
 * retrying hard), on SQLite with one central and on PostgreSQL with two centrals sharing the
 * database. Exactly 100 vends happen; every other answer is the stored vend (the same tokens) or
 * 409 in flight; no TID is reused; the ledger balances. The figures are printed for quoting.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { API_PREFIX, decodeToken, demoCustomers, type VendResponse } from '@gridtill/shared'
import { signRequest } from '../plugins/kiosk-signing.ts'
import { enrollDemoKiosk, makeApp, vendBody, type Engine, type TestApp, type TestKiosk } from '../test-support.ts'
import { meterKeyParams } from './token-minter.ts'

const REQUESTS = 5000
const IDS = 100
/** Two vend ids per meter, so vends for one meter race each other for TIDs too. */
const METERS = demoCustomers(60)
  .filter((c) => c.meters.length === 1 && c.meters[0]!.profile !== 'shop')
  .map((c) => c.meters[0]!.meterNo)
  .slice(0, IDS / 2)

interface Figures {
  ok: number
  inFlight: number
  other: number
  ms: number
}

function presign(t: TestApp, kiosk: TestKiosk): { url: string; headers: Record<string, string>; payload: string; id: number }[] {
  const bodies = Array.from({ length: IDS }, (_, i) => JSON.stringify(vendBody(METERS[i % METERS.length]!, [1000 * (1 + (i % 3))], t.clock.now())))
  // Every request is signed on its own (its own nonce), as a kiosk's retries are.
  return Array.from({ length: REQUESTS }, (_, n) => {
    const id = n % IDS
    const payload = bodies[id]!
    const url = `${API_PREFIX}/vends`
    const sig = signRequest({ privateKey: kiosk.privateKey, kioskId: kiosk.kioskId, method: 'POST', path: url, body: payload, now: t.clock.now() })
    return { url, headers: { ...sig, 'content-type': 'application/json' }, payload, id }
  })
}

async function storm(engine: Engine, instances: number): Promise<void> {
  const first = await makeApp({ engine, logger: pino({ level: process.env.STORM_LOG ?? 'silent' }), config: { meterCount: 60, databasePoolSize: 10 } })
  const others: TestApp[] = []
  try {
    for (let i = 1; i < instances; i++) others.push(await makeApp({ db: first.db, clock: first.clock, config: { meterCount: 60, databasePoolSize: 10 } }))
    const apps: FastifyInstance[] = [first.app, ...others.map((o) => o.app)]
    const kiosk = await enrollDemoKiosk(first.app)
    const requests = presign(first, kiosk)

    const started = performance.now()
    const answers = await Promise.all(
      requests.map((r, n) => apps[n % apps.length]!.inject({ method: 'POST', url: r.url, headers: r.headers, payload: r.payload }).then((res) => ({ res, id: r.id }))),
    )
    const ms = performance.now() - started

    const fig: Figures = { ok: 0, inFlight: 0, other: 0, ms }
    const byId = new Map<number, VendResponse[]>()
    const odd: LightMyRequestResponse[] = []
    for (const { res, id } of answers) {
      if (res.statusCode === 200) {
        fig.ok++
        byId.set(id, [...(byId.get(id) ?? []), res.json<VendResponse>()])
      } else if (res.statusCode === 409 && res.json<{ code: string }>().code === 'ERR_VEND_IN_FLIGHT') fig.inFlight++
      else {
        fig.other++
        odd.push(res)
      }
    }
    console.log(
      `duplicate storm on ${engine} with ${instances} central instance(s): ${REQUESTS} requests, ${IDS} vend ids → ` +
        `200: ${fig.ok}, 409: ${fig.inFlight}, other: ${fig.other}; ${Math.round(fig.ms)} ms (${Math.round(REQUESTS / (fig.ms / 1000))} requests/s)`,
    )
    expect(odd.map((r) => `${r.statusCode} ${r.body}`).slice(0, 3)).toEqual([])
    expect(fig.ok + fig.inFlight).toBe(REQUESTS)

    // Every id vended once: all its 200s carry the same vend (receipt, tokens).
    expect(byId.size).toBe(IDS)
    for (const responses of byId.values()) {
      expect(new Set(responses.map((r) => JSON.stringify(r))).size).toBe(1)
    }
    const check = await first.app.repo.ledgerCheck()
    expect(check).toMatchObject({ balanced: true, vends: IDS, vendsWithoutTransfer: 0, vendsUnbalanced: 0, tokensWithoutTransfer: 0, walletsMismatched: 0 })
    const vends = [...byId.values()].map((r) => r[0]!)
    const b = (v: VendResponse) => v.breakdown
    expect(check.totalDebitsFen).toBe(vends.reduce((s, v) => s + v.amountFen + b(v).energyFen + b(v).vatFen + b(v).fixedChargesFen + b(v).debtRecoveredFen, 0))

    // No TID used twice on a meter.
    const tids = new Map<string, Set<number>>()
    for (const v of vends) {
      const meter = (await first.app.repo.findMeter(v.meterNo))!
      const key = await first.app.securityModule.deriveDecoderKey(meterKeyParams(meter), meter.vendingKeyId)
      const tid = (decodeToken(key, v.tokens[0]!) as { tid: number }).tid
      const seen = tids.get(v.meterNo) ?? new Set<number>()
      expect(seen.has(tid)).toBe(false)
      seen.add(tid)
      tids.set(v.meterNo, seen)
      expect(meter.lastTid).toBeGreaterThanOrEqual(tid)
    }
    expect([...tids.values()].every((s) => s.size === 2)).toBe(true)
    expect(await first.app.repo.verifyAuditChain()).toMatchObject({ ok: true })
  } finally {
    for (const o of others) await o.close()
    await first.close()
  }
}

describe('duplicate storm', () => {
  it('SQLite, one central: 5000 requests, 100 ids → exactly 100 vends', () => storm('sqlite', 1), 120_000)
  it('PostgreSQL, two centrals on one database: 5000 requests, 100 ids → exactly 100 vends', () => storm('postgres', 2), 120_000)
})
