/**
 * Field operations in the browser (issue 9): field staff sign in to the console; a kiosk's
 * heartbeat reports the printer out of paper and the alert appears live (WebSocket, no reload);
 * they acknowledge it, turn it into a work order assigned to themselves and close it with a note.
 * Screenshots in both languages go to test-results/console-field/.
 *
 * Only the central runs (in this process, on a free port); the kiosk is this test, enrolled with
 * the demo code and sending signed heartbeats, so the flow does not depend on the agent's timing.
 */
import { execFileSync } from 'node:child_process'
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, DEMO_KIOSK, type HeartbeatRequest } from '@gridtill/shared'
import { buildApp, DEMO_ADMIN_TOKEN, loadConfig, signRequest } from '@gridtill/central-api'
import { freePort, REPO_ROOT } from '../system/launch.ts'
import { launchChromium } from './browser.ts'
import { RESULTS_DIR } from './kiosk-helpers.ts'

const SHOTS = join(RESULTS_DIR, 'console-field')
// The demo's field staff member (central-api/src/routes/console/demo-staff.ts; README).
const FIELD_STAFF = { id: 'S004', password: 'demo-field-pass' }

let app: FastifyInstance
let base: string
let browser: Browser
let dataDir: string
let kiosk: { kioskId: string; privateKey: KeyObject }

async function capture(page: Page, name: string): Promise<void> {
  await page.evaluate(() => document.fonts.ready.then(() => undefined))
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true, animations: 'disabled', caret: 'hide' })
}

function heartbeat(paper: 'ok' | 'nearEnd' | 'out'): HeartbeatRequest {
  return {
    sentAt: new Date().toISOString(),
    softwareVersion: '0.1.0',
    uptimeS: 600,
    screen: 'attract',
    outOfService: false,
    devices: {
      acceptor: { health: 'ok', protocol: 'ssp', cashboxPresent: true, stackerFull: false },
      printer: { health: paper === 'out' ? 'fault' : 'ok', paper, coverOpen: false },
      reader: { health: 'ok' },
    },
    outbox: { depth: 2, oldestAgeMs: 4000, failed: 0 },
    cashbox: { cycleId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', noteCount: 412, totalFen: 1_236_000, fill: 0.41, suspectNotes: 0 },
    collectionsPending: 0,
    faults: paper === 'out' ? [{ at: new Date().toISOString(), device: 'printer', health: 'fault', code: 'paperOut' }] : [],
  }
}

async function sendHeartbeat(paper: 'ok' | 'nearEnd' | 'out'): Promise<void> {
  const path = `${API_PREFIX}/kiosks/heartbeat`
  const body = JSON.stringify(heartbeat(paper))
  const headers = signRequest({ privateKey: kiosk.privateKey, kioskId: kiosk.kioskId, method: 'POST', path, body, now: Date.now() })
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body })
  expect(res.status, await res.text()).toBe(204)
}

beforeAll(async () => {
  rmSync(SHOTS, { recursive: true, force: true })
  mkdirSync(SHOTS, { recursive: true })
  // The console as `npm run build` makes it (the central serves central-api/console/dist).
  execFileSync('npx', ['vite', 'build', '--config', join(REPO_ROOT, 'central-api/console/vite.config.ts'), '--logLevel', 'error'], { cwd: REPO_ROOT, stdio: 'inherit' })
  dataDir = mkdtempSync(join(tmpdir(), 'gridtill-e2e-field-'))
  const { config } = loadConfig({ GRIDTILL_DEMO: '1', DATA_DIR: dataDir, PORT: '0', MQTT_PORT: String(await freePort()), METER_COUNT: '6', LOG_LEVEL: 'warn' })
  app = await buildApp({ config, meterLink: false })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const addr = app.server.address()
  if (addr === null || typeof addr === 'string') throw new Error('central did not listen on TCP')
  base = `http://127.0.0.1:${addr.port}`

  // Enrol as the demo kiosk, the way the agent does on first start.
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const res = await fetch(`${base}${API_PREFIX}/kiosks/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enrollmentCode: DEMO_KIOSK.enrollmentCode, publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') }),
  })
  expect(res.status).toBe(200)
  kiosk = { kioskId: ((await res.json()) as { kioskId: string }).kioskId, privateKey }
  await sendHeartbeat('ok')
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await app?.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('console field operations', () => {
  it('field staff see a paper-out alert arrive live, acknowledge it, make it a work order and close it', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } })
    await page.goto(`${base}/console/#field-ops`)
    await page.getByRole('button', { name: 'English' }).click()
    await page.locator('input[name="staffId"]').fill(FIELD_STAFF.id)
    await page.locator('input[name="password"]').fill(FIELD_STAFF.password)
    await page.locator('form button[type="submit"]').click()
    await page.getByTestId('who').waitFor()

    const card = page.getByTestId(`kiosk-${kiosk.kioskId}`)
    await expect.poll(() => card.getByTestId('kiosk-status').innerText(), { timeout: 15_000 }).toContain('Online')
    await expect.poll(() => page.getByTestId('live-state').innerText(), { timeout: 15_000 }).toContain('Live')
    await page.getByTestId('no-alerts').waitFor()
    await capture(page, '1-fleet-healthy-en')

    // The printer runs out of paper: the kiosk says so at once; the page hears it without a reload.
    await sendHeartbeat('out')
    const alert = page.getByTestId('alert-paperOut')
    await alert.waitFor({ timeout: 15_000 })
    await expect.poll(() => card.getByTestId('paper').innerText()).toContain('Out')
    expect(await alert.getByTestId('alert-status').innerText()).toContain('Open')
    expect(await alert.innerText()).toContain('Critical')
    await capture(page, '2-alert-paper-out-en')

    await alert.getByRole('button', { name: 'Acknowledge' }).click()
    await expect.poll(() => alert.getByTestId('alert-status').innerText()).toContain('Acknowledged')

    await alert.getByRole('button', { name: 'Make work order' }).click()
    // A field staff member's own work order is assigned to them by default.
    expect(await page.locator('select[name="assignee"]').inputValue()).toBe(FIELD_STAFF.id)
    await page.locator('input[name="note"]').fill('Printer out of paper, bring two rolls')
    await page.getByRole('button', { name: 'Create work order' }).click()
    const wo = page.getByTestId('work-order').first()
    await expect.poll(() => wo.getByTestId('wo-state').innerText()).toContain('Assigned')
    await capture(page, '3-work-order-assigned-en')

    // The paper is refilled: the next heartbeat clears the alert on its own.
    await sendHeartbeat('ok')
    await page.getByTestId('no-alerts').waitFor({ timeout: 15_000 })
    await wo.locator('input[name="wo-note"]').fill('Loaded two new rolls, test receipt printed')
    await wo.getByRole('button', { name: 'Close work order' }).click()
    await expect.poll(() => wo.getByTestId('wo-state').innerText()).toContain('Done')
    expect(await wo.innerText()).toContain('Loaded two new rolls')
    await capture(page, '4-work-order-done-en')

    // The kiosk's history: the alert (cleared, with its work order) and the fault the kiosk sent.
    await card.getByTestId('history-btn').click()
    const history = page.getByTestId('history')
    await history.waitFor()
    expect(await history.innerText()).toContain('Paper out')
    expect(await history.innerText()).toContain('paperOut')
    await capture(page, '5-history-en')

    // The same page in Simplified Chinese.
    await page.getByRole('button', { name: '简体中文' }).click()
    await expect.poll(() => page.locator('h1').first().innerText()).toContain('现场运维')
    await capture(page, '6-history-zh')

    // Every step is in the audit log under the field staff member, and the chain still verifies.
    const admin = { 'x-gridtill-admin-token': DEMO_ADMIN_TOKEN, 'x-gridtill-staff': 'S001' }
    const audit = (await (await fetch(`${base}${API_PREFIX}/console/audit?actor=staff:${FIELD_STAFF.id}`, { headers: admin })).json()) as { entries: { action: string }[] }
    expect(audit.entries.map((e) => e.action).reverse()).toEqual(['staff.signedIn', 'alert.acknowledged', 'workOrder.created', 'workOrder.closed'])
    const chain = (await (await fetch(`${base}${API_PREFIX}/console/audit/verify`, { headers: admin })).json()) as { ok: boolean }
    expect(chain.ok).toBe(true)
    await page.close()
  })
})
