/**
 * The console's Meters page in the browser (issue 11): support staff open it, filter the list,
 * open a meter (its readings chart, deliveries, commands), open its relay with confirmation and
 * watch the command go from queued to done as the meter answers; the relay filter then finds it.
 * Screenshots in both languages go to test-results/console-meters/.
 *
 * The central runs in this process with its embedded MQTT broker; the meters are this test: one
 * answers commands and has a day of readings, one has gone offline. The fleet simulator would
 * work too, but it would cost the shared 2-core machine far more.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import mqtt, { type MqttClient } from 'mqtt'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, DEMO_ADMIN_TOKEN, loadConfig } from '@gridtill/central-api'
import { API_PREFIX, meterTopic, type MeterCommand, type MeterEvent, type MeterReading, type MeterStatus } from '@gridtill/shared'
import { freePort } from '../system/launch.ts'
import { launchChromium } from './browser.ts'
import { ensureConsoleBuilt, signIn } from './console-central.ts'
import { RESULTS_DIR } from './kiosk-helpers.ts'

const SHOTS = join(RESULTS_DIR, 'console-meters')
// The demo's support staff member (central-api/src/routes/console/demo-staff.ts; README).
const SUPPORT = { id: 'S002', password: 'demo-support-pass' }
const LIVE_METER = '58101000001'
const GONE_METER = '58101000004'
const HOUR = 3_600_000

let app: FastifyInstance
let base: string
let browser: Browser
let dataDir: string
const clients: MqttClient[] = []

async function capture(page: Page, name: string): Promise<void> {
  await page.evaluate(() => document.fonts.ready.then(() => undefined))
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true, animations: 'disabled', caret: 'hide' })
}

/** The API as the demo admin (admin token): what the central recorded, beside what the page shows. */
async function staffGet<T>(path: string): Promise<T> {
  const res = await fetch(`${base}${API_PREFIX}${path}`, { headers: { 'x-gridtill-admin-token': DEMO_ADMIN_TOKEN, 'x-gridtill-staff': 'S001' } })
  expect(res.status, path).toBe(200)
  return (await res.json()) as T
}

const status = (meterNo: string, online: boolean): string => JSON.stringify({ meterNo, online, at: Date.now() } satisfies MeterStatus)

/** A meter that reports a day of readings and carries out relay commands, answering each. */
async function liveMeter(url: string, meterNo: string): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId: `e2e-${meterNo}`, clean: false, reconnectPeriod: 0 })
  clients.push(client)
  let relay: 'open' | 'closed' = 'closed'
  let creditWh = 110_000
  let energyWh = 1_204_000
  const reading = (at: number, powerW: number): MeterReading => ({ meterNo, at, energyWh, creditWh, powerW, relay, tamper: false })
  client.on('message', (_topic, payload) => {
    const cmd = JSON.parse(payload.toString('utf8')) as MeterCommand
    if (cmd.command === 'relayOpen') relay = 'open'
    if (cmd.command === 'relayClose') relay = 'closed'
    const event = (e: Omit<MeterEvent, 'meterNo' | 'at'>) => client.publishAsync(meterTopic(meterNo, 'events'), JSON.stringify({ meterNo, at: Date.now(), ...e }), { qos: 1 })
    // A real meter takes a moment: the console should show the command on its way first.
    setTimeout(() => {
      void event({ event: 'commandDone', commandId: cmd.commandId, creditWh })
        .then(() => event({ event: relay === 'open' ? 'relayOpened' : 'relayClosed' }))
        .then(() => client.publishAsync(meterTopic(meterNo, 'readings'), JSON.stringify(reading(Date.now(), 0)), { qos: 1 }))
    }, 1500)
  })
  await client.subscribeAsync(meterTopic(meterNo, 'commands'), { qos: 1 })
  await client.publishAsync(meterTopic(meterNo, 'status'), status(meterNo, true), { qos: 1, retain: true })
  // A week of hourly readings (an evening peak, a quiet night, busier weekends), so the customer
  // page's daily consumption has days to show; credit topped up mid-week.
  const now = Date.now()
  for (let i = 7 * 24; i >= 1; i--) {
    const at = now - i * HOUR
    const local = new Date(at + 8 * HOUR)
    const hour = local.getUTCHours()
    const weekend = local.getUTCDay() === 0 || local.getUTCDay() === 6
    const powerW = (hour >= 18 && hour < 23 ? 1800 : hour < 6 ? 250 : 700) + (weekend ? 300 : 0)
    const used = powerW
    if (i === 80) creditWh += 80_000
    energyWh += used
    creditWh -= used
    await client.publishAsync(meterTopic(meterNo, 'readings'), JSON.stringify(reading(at, powerW)), { qos: 1 })
  }
}

/** A meter that was online and said goodbye: offline, with a last-seen time. */
async function goneMeter(url: string, meterNo: string): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId: `e2e-${meterNo}`, clean: true, reconnectPeriod: 0 })
  await client.publishAsync(meterTopic(meterNo, 'status'), status(meterNo, true), { qos: 1, retain: true })
  await client.publishAsync(meterTopic(meterNo, 'readings'), JSON.stringify({ meterNo, at: Date.now(), energyWh: 2_000_000, creditWh: 5_000, powerW: 300, relay: 'closed', tamper: false } satisfies MeterReading), { qos: 1 })
  await client.publishAsync(meterTopic(meterNo, 'status'), status(meterNo, false), { qos: 1, retain: true })
  await client.endAsync()
}

/** expect.poll with room for a meter's round trip on a busy machine (its default is 1 s). */
const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 100 })

async function waitFor(fn: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms
  while (!(await fn())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

beforeAll(async () => {
  rmSync(SHOTS, { recursive: true, force: true })
  mkdirSync(SHOTS, { recursive: true })
  // The console as `npm run build` makes it (the central serves central-api/console/dist). The
  // shared central helper is not used for the rest: it starts without the meter link.
  ensureConsoleBuilt()
  dataDir = mkdtempSync(join(tmpdir(), 'gridtill-e2e-meters-'))
  const mqttPort = await freePort()
  const { config } = loadConfig({ GRIDTILL_DEMO: '1', DATA_DIR: dataDir, PORT: '0', MQTT_PORT: String(mqttPort), METER_COUNT: '6', LOG_LEVEL: 'warn' })
  app = await buildApp({ config })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const addr = app.server.address()
  if (addr === null || typeof addr === 'string') throw new Error('central did not listen on TCP')
  base = `http://127.0.0.1:${addr.port}`
  // The embedded broker (central-api/src/meter-link/broker.ts), loopback only.
  const url = `mqtt://127.0.0.1:${mqttPort}`
  await liveMeter(url, LIVE_METER)
  await goneMeter(url, GONE_METER)
  await waitFor(
    async () =>
      (await staffGet<{ link: string }>(`/meter-control/meters/${GONE_METER}`)).link === 'offline' &&
      (await staffGet<unknown[]>(`/console/meters/${LIVE_METER}/readings?limit=200`)).length >= 7 * 24,
    'the meters to report',
  )
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  for (const c of clients) await c.endAsync(true).catch(() => undefined)
  await browser?.close()
  await app?.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('console: meters', () => {
  it('support staff filter the meters, open one, cut its supply with confirmation and see the command done', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' })
    const page = await ctx.newPage()
    await signIn(page, base, SUPPORT.id, SUPPORT.password)

    await page.locator('nav a[href="#meters"]').click()
    const rows = page.getByTestId('meters-table').locator('tbody tr[data-meter]')
    await eventually(() => rows.count()).toBe(6)
    const row = (no: string) => page.getByTestId('meters-table').locator(`tr[data-meter="${no}"]`)
    expect(await row(LIVE_METER).textContent()).toContain('在线')
    expect(await row(GONE_METER).textContent()).toMatch(/离线.*最后在线/)
    expect(await row('58101000002').textContent()).toContain('从未连接')
    await capture(page, '01-list-zh')

    // Filters: offline finds the meter that left (and those never heard from), not the one that
    // talks; online only the one that talks.
    await page.locator('button[data-filter="offline"]').click()
    await eventually(() => rows.count()).toBe(5)
    expect(await row(GONE_METER).count()).toBe(1)
    expect(await row(LIVE_METER).count()).toBe(0)
    await page.locator('button[data-filter="online"]').click()
    await eventually(async () => (await rows.count()) === 1 && (await rows.first().getAttribute('data-meter')) === LIVE_METER).toBe(true)
    expect(await page.locator('button[data-filter="online"]').getAttribute('aria-pressed')).toBe('true')
    await capture(page, '02-filter-online-zh')

    // The meter's detail: status, a day of readings as a chart, commands, deliveries.
    await row(LIVE_METER).getByRole('button').click()
    const detail = page.getByTestId('meter-detail')
    await detail.waitFor()
    await detail.getByTestId('readings-chart').locator('canvas').waitFor()
    expect(await detail.getByTestId('detail-relay').textContent()).toContain('合闸')
    await capture(page, '03-detail-zh')

    // Relay open: confirmation first (it cuts the supply), then the command's state live.
    await detail.getByTestId('detail-relay-open').click()
    const dialog = page.getByRole('alertdialog')
    expect(await dialog.textContent()).toContain('断电将使住户立即停电')
    await capture(page, '04-confirm-zh')
    await dialog.getByRole('button', { name: '确认发送' }).click()
    const state = page.getByTestId('batch-results').getByTestId('command-state')
    await eventually(() => state.textContent()).toMatch(/排队中|已发送/)
    await capture(page, '05-command-queued-zh')
    await eventually(() => state.textContent()).toContain('已执行')
    await eventually(() => detail.getByTestId('detail-relay').textContent()).toContain('断开')
    await capture(page, '06-command-done-zh')

    // The same in English; the relay filter now finds the meter.
    await page.getByRole('button', { name: 'English' }).click()
    expect(await state.textContent()).toContain('Done')
    expect(await detail.getByTestId('detail-relay').textContent()).toContain('Open (supply off)')
    await page.locator('button[data-filter="relayOpen"]').click()
    await eventually(async () => (await rows.count()) === 1 && (await rows.first().getAttribute('data-meter')) === LIVE_METER).toBe(true)
    await capture(page, '07-relay-open-en')
    await page.locator('button[data-filter="all"]').click()
    await eventually(() => rows.count()).toBe(6)

    // A batch: restore supply on the live meter and one never heard from. Each meter gets its own
    // result; the live one answers, the other's command waits for it.
    await page.getByRole('checkbox', { name: `Select ${LIVE_METER}` }).check()
    await page.getByRole('checkbox', { name: 'Select 58101000002' }).check()
    const bar = page.getByTestId('batch-bar')
    expect(await bar.textContent()).toContain('2 meters selected')
    await bar.getByRole('button', { name: 'Close relay (restore supply)' }).click()
    expect(await page.getByRole('alertdialog').textContent()).toContain('to 2 meters')
    await page.getByRole('alertdialog').getByRole('button', { name: 'Send' }).click()
    const result = (no: string) => page.getByTestId('batch-results').locator(`tr[data-meter="${no}"]`)
    await eventually(() => result(LIVE_METER).textContent()).toContain('Done')
    expect(await result('58101000002').textContent()).toMatch(/Queued.*(Queued|Sent)/)
    await eventually(() => row(LIVE_METER).textContent()).toContain('Closed (supply on)')
    await capture(page, '08-batch-en')

    // The command is on record with its answer.
    expect(await staffGet(`/meter-control/commands?meterNo=${LIVE_METER}`)).toMatchObject([
      { command: 'relayClose', state: 'done', requestedBy: 'staff:S002' },
      { command: 'relayOpen', state: 'done', requestedBy: 'staff:S002' },
    ])

    // The customer page's consumption chart for the same meter (analytics rollups of the week).
    await page.locator('nav a[href="#customers"]').click()
    await page.getByTestId('customer-search').fill(LIVE_METER)
    await page.getByTestId('customer-search').press('Enter')
    await page.getByRole('link', { name: 'C00001' }).click()
    await page.getByTestId('customer-usage-chart').locator('canvas').waitFor()
    expect(await page.getByTestId('customer-usage').textContent()).toMatch(/kWh in the last 30 days/)
    await capture(page, '09-customer-usage-en')
    await page.getByRole('button', { name: '简体中文' }).click()
    expect(await page.getByTestId('customer-usage').textContent()).toMatch(/最近 30 天共/)
    await capture(page, '10-customer-usage-zh')
    await ctx.close()
  }, 90_000)

  it('a field technician reads the page but is offered no commands', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en' })
    const page = await ctx.newPage()
    await signIn(page, base, 'S004', 'demo-field-pass')
    await page.locator('nav a[href="#meters"]').click()
    await page.getByTestId('meters-table').locator(`tr[data-meter="${LIVE_METER}"]`).getByRole('button').click()
    await page.getByTestId('meter-detail').waitFor()
    expect(await page.getByTestId('detail-relay-open').count()).toBe(0)
    expect(await page.getByTestId('meters-table').locator('input[type="checkbox"]').count()).toBe(0)
    await ctx.close()
  }, 60_000)
})
