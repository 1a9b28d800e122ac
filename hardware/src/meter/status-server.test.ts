import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { ManualClock, type MeterReading, type TokenAck } from '@gridtill/shared'
import { FakeDecoder, fakeToken } from './fake-decoder.ts'
import { MeterFleet } from './fleet.ts'
import { MemoryConnector } from './memory-connector.ts'
import type { MeterProgramming } from './programming.ts'
import { createStatusServer } from './status-server.ts'
import { testPan } from './test-broker.ts'

const silent = pino({ level: 'silent' })
const T0 = Date.UTC(2026, 0, 5, 10)

function programming(meterNo: string): MeterProgramming {
  return {
    meterNo,
    pan: testPan(meterNo),
    ea: '07',
    dkHex: '0123456789abcdef',
    baseDate: 2014,
    ken: 255,
    kt: 2,
    krn: 1,
    ti: '01',
    sgc: '600001',
    profile: 'household',
  }
}

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

async function setup(count = 3, readingIntervalMs = 60_000) {
  const clock = new ManualClock(T0)
  const connector = new MemoryConnector()
  const meterNos = Array.from(
    { length: count },
    (_, i) => `5810${String(1000001 + i).padStart(7, '0')}`,
  )
  const fleet = await MeterFleet.create({
    programming: meterNos.map(programming),
    connector,
    decoderFactory: (_p, _c, saved) => new FakeDecoder(saved),
    clock,
    readingIntervalMs,
    tickMs: 60_000, // the tests drive tick() by hand
    log: silent,
  })
  fleet.start()
  await fleet.whenOnline()
  cleanups.push(() => fleet.stop())
  return { clock, connector, fleet, meterNos }
}

async function serve(fleet: MeterFleet): Promise<string> {
  const server: Server = createStatusServer(fleet, silent)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  cleanups.push(() => new Promise((r) => server.close(() => r())))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const post = (url: string, body: unknown, type = 'application/json') =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

describe('MeterFleet scheduling (one tick for the whole fleet)', () => {
  it('takes each meter reading once per interval, staggered across ticks', async () => {
    const { clock, connector, fleet, meterNos } = await setup(40)
    const readings = () => connector.published.filter((m) => m.leaf === 'readings')
    const atConnect = readings().length
    expect(atConnect).toBe(40) // one on connecting, so the central sees where each meter stands
    const perTick: number[] = []
    for (let s = 0; s < 60; s++) {
      clock.advance(1000)
      const before = readings().length
      fleet.tick()
      perTick.push(readings().length - before)
    }
    const scheduled = readings()
      .slice(atConnect)
      .map((m) => (m.payload as MeterReading).meterNo)
    expect(scheduled.sort()).toEqual([...meterNos].sort())
    expect(Math.max(...perTick)).toBeLessThan(10)
  })

  it('skips readings while a meter is offline and acks deliveries only while connected', async () => {
    const { clock, connector, fleet, meterNos } = await setup(1)
    const meterNo = meterNos[0] as string
    await fleet.setOnline(meterNo, false)
    expect(
      connector.send(meterNo, 'tokens', {
        deliveryId: 'x',
        tokens: [fakeToken('00', 1, 1)],
        sentAt: T0,
      }),
    ).toBe(false)
    const before = connector.published.length
    clock.advance(5 * 60_000)
    fleet.tick()
    expect(connector.published.length).toBe(before)
    await fleet.setOnline(meterNo, true)
    expect(
      connector.send(meterNo, 'tokens', {
        deliveryId: 'y',
        tokens: [fakeToken('00', 1, 1)],
        sentAt: T0,
      }),
    ).toBe(true)
    await new Promise((r) => setTimeout(r, 10))
    const acks = connector.published
      .filter((m) => m.leaf === 'acks')
      .map((m) => m.payload as TokenAck)
    expect(acks).toMatchObject([{ deliveryId: 'y', result: 'accepted', creditedWh: 100 }])
  })
})

describe('fleet status server', () => {
  it('lists meters and shows one in detail', async () => {
    const { fleet, meterNos } = await setup(2)
    const url = await serve(fleet)
    const list = (await (await fetch(`${url}/meters`)).json()) as Array<Record<string, unknown>>
    expect(list).toEqual(
      meterNos.map((meterNo) => ({
        meterNo,
        creditWh: 0,
        energyWh: 0,
        relay: 'open',
        online: true,
      })),
    )

    const token = fakeToken('00', 7, 30)
    const r = await post(`${url}/meters/${meterNos[0]}/keypad`, {
      token: `${token.slice(0, 4)} ${token.slice(4, 8)}-${token.slice(8)}`,
    })
    expect(r.status).toBe(200)
    expect(await r.json()).toEqual({
      meterNo: meterNos[0],
      result: 'accepted',
      kind: 'credit',
      creditedWh: 3000,
      creditWh: 3000,
    })
    const again = await post(`${url}/meters/${meterNos[0]}/keypad`, { token })
    expect(await again.json()).toMatchObject({ result: 'rejected', reason: 'USED', creditWh: 3000 })

    const detail = (await (await fetch(`${url}/meters/${meterNos[0]}`)).json()) as Record<
      string,
      unknown
    >
    expect(detail).toMatchObject({
      meterNo: meterNos[0],
      creditWh: 3000,
      relay: 'closed',
      online: true,
      profile: 'household',
      lastToken: { token, result: 'rejected', reason: 'USED', source: 'keypad' },
      lastAccepted: [{ token, result: 'accepted', creditedWh: 3000, source: 'keypad' }],
    })
    expect(JSON.stringify(detail)).not.toContain('0123456789abcdef') // never the decoder key
  })

  it('takes a meter offline and back', async () => {
    const { fleet, meterNos } = await setup(1)
    const url = await serve(fleet)
    const meterNo = meterNos[0] as string
    expect(await (await post(`${url}/meters/${meterNo}/online`, { online: false })).json()).toEqual(
      { meterNo, online: false, connected: false },
    )
    expect(fleet.isOnline(meterNo)).toBe(false)
    expect((await post(`${url}/meters/${meterNo}/online`, { online: true })).status).toBe(200)
    await fleet.whenOnline()
    expect(fleet.isOnline(meterNo)).toBe(true)
  })

  it('answers bad input with 4xx and an error code', async () => {
    const { fleet, meterNos } = await setup(1)
    const url = await serve(fleet)
    const m = meterNos[0] as string
    const cases: Array<[Promise<Response>, number, string]> = [
      [post(`${url}/meters/${m}/keypad`, { token: '1234' }), 400, 'ERR_VALIDATION'],
      [post(`${url}/meters/${m}/keypad`, { token: 1234 }), 400, 'ERR_VALIDATION'],
      [
        post(`${url}/meters/${m}/keypad`, { token: fakeToken('00', 1, 1), pin: 1 }),
        400,
        'ERR_VALIDATION',
      ],
      [post(`${url}/meters/${m}/keypad`, '{not json'), 400, 'ERR_VALIDATION'],
      [
        post(`${url}/meters/${m}/keypad`, 'token=1', 'application/x-www-form-urlencoded'),
        415,
        'ERR_VALIDATION',
      ],
      [post(`${url}/meters/${m}/keypad`, { token: 'x'.repeat(5000) }), 413, 'ERR_VALIDATION'],
      [post(`${url}/meters/${m}/online`, { online: 'yes' }), 400, 'ERR_VALIDATION'],
      [
        post(`${url}/meters/99999999999/keypad`, { token: fakeToken('00', 1, 1) }),
        404,
        'ERR_METER_UNKNOWN',
      ],
      [fetch(`${url}/meters/123`), 400, 'ERR_VALIDATION'],
      [fetch(`${url}/meters/${m}/keypad`), 405, 'ERR_VALIDATION'],
      [fetch(`${url}/nothing`), 404, 'ERR_NOT_FOUND'],
    ]
    for (const [res, status, code] of cases) {
      const r = await res
      expect(r.status).toBe(status)
      expect(await r.json()).toMatchObject({ statusCode: status, code })
    }
    expect(fleet.meter(m)?.creditWh).toBe(0)
  })

  it('reports health and Prometheus metrics', async () => {
    const { fleet } = await setup(2)
    const url = await serve(fleet)
    expect(await (await fetch(`${url}/health`)).json()).toEqual({
      ready: true,
      meters: 2,
      online: 2,
    })
    const text = await (await fetch(`${url}/metrics`)).text()
    expect(text).toContain('gridtill_fleet_meters 2')
    expect(text).toContain('gridtill_fleet_meters_online 2')
  })
})
