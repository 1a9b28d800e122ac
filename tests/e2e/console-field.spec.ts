/**
 * Field operations in the browser (issue 9): field staff sign in to the console; a kiosk's
 * heartbeat reports the printer out of paper and the alert appears live (WebSocket, no reload);
 * they acknowledge it, turn it into a work order assigned to themselves and close it with a note.
 * Screenshots in both languages go to test-results/console-field/.
 *
 * Only the central runs (in this process, on a free port); the kiosk is this test, enrolled with
 * the demo code and sending signed heartbeats, so the flow does not depend on the agent's timing.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, type HeartbeatRequest } from '@gridtill/shared'
import { DEMO_ADMIN_TOKEN } from '@gridtill/central-api'
import { launchChromium } from './browser.ts'
import { capture as captureShot, enrolDemoKiosk, startConsoleCentral, type ConsoleCentral, type TestKiosk } from './console-central.ts'
import { RESULTS_DIR } from './kiosk-helpers.ts'

const SHOTS = join(RESULTS_DIR, 'console-field')
// The demo's field staff member (central-api/src/routes/console/demo-staff.ts; README).
const FIELD_STAFF = { id: 'S004', password: 'demo-field-pass' }

let central: ConsoleCentral
let base: string
let browser: Browser
let kiosk: TestKiosk

const capture = (page: Page, name: string): Promise<void> => captureShot(page, SHOTS, name)

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
  const res = await kiosk.post('/kiosks/heartbeat', heartbeat(paper))
  expect(res.status, await res.text()).toBe(204)
}

beforeAll(async () => {
  rmSync(SHOTS, { recursive: true, force: true })
  central = await startConsoleCentral({ name: 'field', meterCount: 6 })
  base = central.base
  kiosk = await enrolDemoKiosk(base)
  await sendHeartbeat('ok')
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await central?.close()
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
