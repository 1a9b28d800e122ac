/**
 * Cashier reconciliation in the browser (issue 9): a kiosk posts a collection with a signed
 * request, the cashier signs in to the console, counts it by denomination with a short (resolving
 * its suspect note), and a second staff member (the admin) approves the variance; the cashier then
 * batches it into a bank deposit and downloads the day's Z-report. Screenshots of every step go to
 * test-results/console-cash/.
 *
 * Only the central runs (in this process, on a free port, real clock): the flow needs no meters
 * and no kiosk agent, and the 2-core machine is shared.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import type { FastifyInstance } from 'fastify'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_ADMIN_TOKEN } from '@gridtill/central-api'
import { API_PREFIX, uuidv7 } from '@gridtill/shared'
import { launchChromium } from './browser.ts'
import { capture as captureShot, enrolDemoKiosk, signIn as signInAt, startConsoleCentral, type ConsoleCentral, type TestKiosk } from './console-central.ts'
import { RESULTS_DIR } from './kiosk-helpers.ts'

const SHOTS = join(RESULTS_DIR, 'console-cash')
const METER = '58101000001'
const SEAL = 'SEAL-E2E-0001'

let central: ConsoleCentral
let app: FastifyInstance
let base: string
let browser: Browser
let kiosk: TestKiosk
let collectionId: string
let shot = 0

const kioskPost = (path: string, body: unknown): Promise<Response> => kiosk.post(path, body)

async function staffGet<T>(staffId: string, path: string): Promise<T> {
  const res = await fetch(`${base}${API_PREFIX}${path}`, {
    headers: { 'x-gridtill-admin-token': DEMO_ADMIN_TOKEN, 'x-gridtill-staff': staffId },
  })
  expect(res.status).toBe(200)
  return (await res.json()) as T
}

const capture = (page: Page, name: string): Promise<void> => captureShot(page, SHOTS, `${String(++shot).padStart(2, '0')}-${name}`)
const signIn = (page: Page, staffId: string, password: string): Promise<void> => signInAt(page, base, staffId, password)

async function openCash(page: Page): Promise<void> {
  await page.goto(`${base}/console/#cash`)
  await page.getByTestId('tab-awaitingCount').waitFor()
}

beforeAll(async () => {
  rmSync(SHOTS, { recursive: true, force: true })
  central = await startConsoleCentral({ name: 'cash', meterCount: 4 })
  app = central.app
  base = central.base
  kiosk = await enrolDemoKiosk(base)

  // A resident pays ¥150 in this cycle (credited), then field staff take the box out.
  const now = Date.now()
  const vend = await kioskPost('/vends', {
    vendId: uuidv7(now),
    meterNo: METER,
    amountFen: 15_000,
    notes: [
      { noteId: uuidv7(now), valueFen: 10_000 },
      { noteId: uuidv7(now), valueFen: 5000 },
    ],
    paidAt: new Date(now).toISOString(),
  })
  expect(vend.status).toBe(200)
  const posted = await kioskPost('/kiosks/collections', {
    cycleId: uuidv7(now),
    sealNo: SEAL,
    openedAt: new Date(now - 8 * 3_600_000).toISOString(),
    closedAt: new Date(now).toISOString(),
    staffCardNo: '9900000101',
    noteCount: 2,
    totalFen: 15_000,
    counts: [
      { valueFen: 10_000, count: 1 },
      { valueFen: 5000, count: 1 },
    ],
    suspectNotes: [
      {
        noteId: uuidv7(now),
        valueFen: 2000,
        at: new Date(now - 3_600_000).toISOString(),
        reason: 'powerUpWithBill',
      },
    ],
  })
  expect(posted.status).toBe(200)
  collectionId = ((await posted.json()) as { collectionId: string }).collectionId

  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await central?.close()
})

describe('console: cashier reconciliation', () => {
  it('a cashier counts a collection short, a second staff member approves, then it is deposited and reported', async () => {
    // ── the cashier counts ──
    const cashierCtx = await browser.newContext({
      viewport: { width: 1366, height: 900 },
      locale: 'zh-CN',
      acceptDownloads: true,
    })
    const cashier = await cashierCtx.newPage()
    await signIn(cashier, 'S003', 'demo-cashier-pass')
    await openCash(cashier)
    await cashier.getByTestId(`open-${SEAL}`).click()
    const detail = cashier.getByTestId('collection-detail')
    await detail.waitFor()
    await expect.poll(() => cashier.getByTestId('fig-expected').textContent()).toBe('¥150.00')
    expect(await cashier.getByTestId('fig-credited').textContent()).toBe('¥150.00')
    await capture(cashier, 'cashier-opens-collection')

    // One ¥100 and the suspect ¥20 in the bag; the ¥50 is missing: short ¥30.
    await cashier.getByTestId('count-10000').fill('1')
    await cashier.getByTestId('count-2000').fill('1')
    await cashier.getByTestId('count-5000').fill('0')
    await cashier.locator('input[type="radio"][value="genuine"]').check()
    // Live totals before anything is sent.
    expect(await cashier.getByTestId('count-total').textContent()).toBe('¥120.00')
    expect(await cashier.getByTestId('fig-variance').textContent()).toBe('-¥30.00')
    expect(await cashier.getByTestId('submit-count').isDisabled()).toBe(true) // a variance needs a reason
    await cashier
      .getByTestId('reason')
      .fill('封签完好，50 元少一张 Seal intact, one ¥50 note missing')
    await capture(cashier, 'cashier-counts-short')
    await cashier.getByTestId('submit-count').click()
    await cashier.getByTestId('same-approver').waitFor()
    await capture(cashier, 'cashier-awaits-approval')
    const afterCount = await staffGet<{
      state: string
      varianceFen: number
      countedBy: string
      countedByName: string
    }>('S001', `/console/cash/collections/${collectionId}`)
    expect(afterCount).toMatchObject({
      state: 'awaitingApproval',
      varianceFen: -3000,
      countedBy: 'S003',
      countedByName: '王会计 Wang (cashier)',
    })

    // ── a second staff member (the admin, in English) approves ──
    const adminCtx = await browser.newContext({
      viewport: { width: 1366, height: 900 },
      locale: 'en',
    })
    const admin = await adminCtx.newPage()
    await signIn(admin, 'S001', 'demo-admin-pass')
    await admin.getByRole('button', { name: 'English' }).click()
    await openCash(admin)
    await admin.getByTestId('tab-awaitingApproval').click()
    await admin.getByTestId(`open-${SEAL}`).click()
    await admin.getByTestId('approve').waitFor()
    expect(await admin.getByTestId('variance-reason').textContent()).toContain(
      'one ¥50 note missing',
    )
    await capture(admin, 'admin-reviews-variance')
    await admin.getByTestId('approve').click()
    await expect
      .poll(
        async () =>
          (await staffGet<{ state: string }>('S001', `/console/cash/collections/${collectionId}`))
            .state,
      )
      .toBe('reconciled')
    await admin.getByText('Approved by').waitFor()
    await capture(admin, 'admin-approved')

    // ── the cashier batches it into a bank deposit ──
    await cashier.getByTestId('tab-reconciled').click()
    await cashier.getByRole('checkbox', { name: new RegExp(SEAL) }).check()
    await cashier.getByTestId('slip-no').fill('BOC-E2E-001')
    expect(await cashier.getByTestId('deposit-total').textContent()).toBe('¥120.00')
    await cashier.getByRole('button', { name: '登记存款' }).click()
    await cashier.getByTestId('deposits').waitFor()
    await capture(cashier, 'cashier-deposits')

    // ── the day's Z-report: on screen, and as CSV through the page's own download link ──
    await cashier.getByTestId('z-show').click()
    await expect.poll(() => cashier.getByTestId('z-variance').textContent()).toBe('-¥30.00')
    await capture(cashier, 'cashier-z-report')
    const csvHref = await cashier.getByTestId('z-csv').getAttribute('href')
    const csvRes = await cashier.request.get(`${base}${csvHref ?? ''}`)
    expect(csvRes.status()).toBe(200)
    const rows = parse<Record<string, string>>(await csvRes.text(), { bom: true, columns: true })
    const total = rows.find((r) => r['行类型 Row type'] === '合计 total')
    expect(total).toMatchObject({
      '应收 Expected (CNY)': '150.00',
      '实点 Counted (CNY)': '120.00',
      '差异 Variance (CNY)': '-30.00',
    })
    const pdfHref = await cashier.getByTestId('z-pdf').getAttribute('href')
    const pdfRes = await cashier.request.get(`${base}${pdfHref ?? ''}`)
    expect(pdfRes.status()).toBe(200)
    expect((await pdfRes.body()).subarray(0, 5).toString()).toBe('%PDF-')

    // The books: debits = credits, the collection's transfers match its rows, the audit chain holds.
    const ledger = await fetch(`${base}${API_PREFIX}/ledger/check`, {
      headers: { 'x-gridtill-admin-token': DEMO_ADMIN_TOKEN },
    })
    expect(await ledger.json()).toMatchObject({ balanced: true })
    // The repository decorator's type lives inside central-api; only these two calls are needed here.
    const repo = (
      app as unknown as {
        repo: { ledgerCheck(): Promise<object>; verifyAuditChain(): Promise<{ ok: boolean }> }
      }
    ).repo
    expect(await repo.ledgerCheck()).toMatchObject({ balanced: true, collectionsUnbalanced: 0 })
    expect((await repo.verifyAuditChain()).ok).toBe(true)
    await cashierCtx.close()
    await adminCtx.close()
  })
})
