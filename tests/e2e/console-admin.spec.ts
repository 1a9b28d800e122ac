/**
 * The back-office console in the browser (issue 9): an admin signs in and imports a customer CSV
 * with two bad rows: the good rows are imported, each bad row is shown with its line number and
 * reason, and the bad rows leave nothing half-imported. Then the admin finds an imported customer,
 * and an auditor checks the audit chain. Screenshots go to test-results/console-admin/.
 *
 * Only the central runs (in this process, on a free port, real clock): the flow needs no meters
 * and no kiosk agent, and the 2-core machine is shared.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_ADMIN_TOKEN } from '@gridtill/central-api'
import { API_PREFIX, DEMO_SITE, DEMO_TARIFF, uuidv7, type VendResponse } from '@gridtill/shared'
import { launchChromium } from './browser.ts'
import { capture as captureShot, enrolDemoKiosk, signIn as signInAt, startConsoleCentral, type ConsoleCentral } from './console-central.ts'
import { RESULTS_DIR } from './kiosk-helpers.ts'

const SHOTS = join(RESULTS_DIR, 'console-admin')
const B1 = DEMO_SITE.buildings[0]!
const TARIFF = DEMO_TARIFF.name

// Line 1 is the header. Lines 3 and 5 are bad: a meter number that is not 11 digits (caught when
// the file is checked) and a building the estate does not have (refused by the database, so that
// row's customer must not be created either: never half a row).
const CSV = [
  'customer_id,name,phone,tariff,meter_no,building,unit',
  `C20001,刘洋,13800000001,${TARIFF},58109000001,${B1},1-1201`,
  `C20002,黄婷,13800000002,${TARIFF},5810900,${B1},1-1202`,
  `C20003,吴磊,,${TARIFF},58109000003,${B1},1-1203`,
  `C20004,徐静,13800000004,${TARIFF},58109000004,9号楼 Building 9,9-101`,
  `C20005,孙强,13800000005,${TARIFF},,,`,
].join('\n')

let central: ConsoleCentral
let base: string
let browser: Browser
let shot = 0

async function staffGet(path: string): Promise<Response> {
  return fetch(`${base}${API_PREFIX}${path}`, { headers: { 'x-gridtill-admin-token': DEMO_ADMIN_TOKEN, 'x-gridtill-staff': 'S001' } })
}

const capture = (page: Page, name: string): Promise<void> => captureShot(page, SHOTS, `${String(++shot).padStart(2, '0')}-${name}`)
const signIn = (page: Page, staffId: string, password: string): Promise<void> => signInAt(page, base, staffId, password)

beforeAll(async () => {
  rmSync(SHOTS, { recursive: true, force: true })
  central = await startConsoleCentral({ name: 'admin', meterCount: 4 })
  base = central.base
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await central?.close()
})

describe('console: admin', () => {
  it('an admin signs in and imports a CSV with two bad rows: the good rows land, each bad row is reported with its line and reason', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' })
    const page = await ctx.newPage()
    await page.goto(`${base}/console/`)
    await page.locator('input[name="staffId"]').waitFor()
    await capture(page, 'sign-in')

    // A wrong password first: refused with the bilingual message, no session.
    await page.locator('input[name="staffId"]').fill('S001')
    await page.locator('input[name="password"]').fill('not-the-password')
    await page.locator('form button[type="submit"]').click()
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('员工编号或密码不正确')
    await capture(page, 'sign-in-refused')

    await signIn(page, 'S001', 'demo-admin-pass')
    // The session cookie is httpOnly: page scripts cannot read it; the CSRF cookie they can.
    const cookies = await ctx.cookies()
    expect(cookies.find((c) => c.name === 'gt_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' })
    expect(await page.evaluate(() => document.cookie)).not.toContain('gt_session')

    await page.goto(`${base}/console/#import`)
    await page.getByTestId('csv-text').fill(CSV)
    await page.getByTestId('csv-import').click()
    await page.getByTestId('import-report').waitFor()
    expect(await page.getByTestId('import-summary').textContent()).toContain('共 5 行：导入 3 行，2 行有问题')
    const problems = page.getByTestId('import-problem')
    expect(await problems.count()).toBe(2)
    const first = (await problems.nth(0).textContent()) ?? ''
    const second = (await problems.nth(1).textContent()) ?? ''
    expect(first).toMatch(/^3\s*meter_no/)
    expect(first).toContain('电表号“5810900”不是 11 位数字')
    expect(second).toMatch(/^5/)
    expect(second).toContain('没有这栋楼：9号楼 Building 9')
    await capture(page, 'import-report-zh')

    // The same report in English.
    await page.getByRole('button', { name: 'English' }).click()
    expect(await page.getByTestId('import-summary').textContent()).toContain('5 rows: 3 imported, 2 with problems')
    expect(await problems.nth(1).textContent()).toContain('Unknown building: 9号楼 Building 9')
    await capture(page, 'import-report-en')

    // The good rows are there; the bad rows left nothing behind (C20004's customer row included).
    for (const id of ['C20001', 'C20003', 'C20005']) expect((await staffGet(`/console/customers/${id}`)).status, id).toBe(200)
    for (const id of ['C20002', 'C20004']) expect((await staffGet(`/console/customers/${id}`)).status, id).toBe(404)
    const c1 = (await (await staffGet('/console/customers/C20001')).json()) as { meters: { meterNo: string }[]; accounts: { accountId: string }[] }
    expect(c1.meters.map((m) => m.meterNo)).toEqual(['58109000001'])
    expect(c1.accounts.map((a) => a.accountId)).toEqual(['A20001'])

    // Importing the same file again imports nothing new and reports every row.
    await page.getByTestId('csv-import').click()
    await expect.poll(() => page.getByTestId('import-summary').textContent()).toContain('5 rows: 0 imported, 5 with problems')

    // The admin finds an imported customer.
    await page.goto(`${base}/console/#customers`)
    await page.getByTestId('customer-search').fill('C20001')
    await page.getByTestId('customer-search').press('Enter')
    await page.getByRole('link', { name: 'C20001' }).click()
    await page.getByText('58109000001').first().waitFor()
    await capture(page, 'customer')

    // The staff and tariff pages as an admin sees them.
    await page.goto(`${base}/console/#staff`)
    await page.getByText('S005').first().waitFor()
    await capture(page, 'staff')
    await page.goto(`${base}/console/#tariffs`)
    await page.getByText(TARIFF).first().waitFor()
    await capture(page, 'tariffs')
    await ctx.close()
  })

  it('the customer page shows a vend with its stored token; reprint shows the same token, resend re-queues it', async () => {
    // A kiosk sells ¥20 to the first demo meter (signed request, as the agent does).
    const kiosk = await enrolDemoKiosk(base)
    const now = Date.now()
    const body = { vendId: uuidv7(now), meterNo: '58101000001', amountFen: 2000, notes: [{ noteId: uuidv7(now), valueFen: 2000 }], paidAt: new Date(now).toISOString() }
    const vend = (await (await kiosk.post('/vends', body)).json()) as VendResponse
    const token = vend.tokens[0]!.replace(/(\d{4})(?=\d)/g, '$1 ')

    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' })
    const page = await ctx.newPage()
    await signIn(page, 'S001', 'demo-admin-pass')
    await page.goto(`${base}/console/#customers`)
    await page.getByTestId('customer-search').fill('58101000001')
    await page.getByTestId('customer-search').press('Enter')
    await page.getByRole('link', { name: 'C00001' }).click()
    await page.getByText(token).first().waitFor()
    await capture(page, 'customer-vend')
    await page.getByRole('button', { name: '补打' }).first().click()
    await expect.poll(() => page.getByRole('dialog').textContent()).toContain(token)
    await capture(page, 'reprint')
    await page.getByRole('button', { name: '关闭' }).click()
    await page.getByRole('button', { name: '重新下发' }).first().click()
    await expect.poll(() => page.getByRole('status').textContent()).toContain('已重新排队下发')
    await ctx.close()
  })

  it('an auditor sees the audit log with the import rows and an intact chain', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' })
    const page = await ctx.newPage()
    await signIn(page, 'S005', 'demo-auditor-pass')
    await page.goto(`${base}/console/#audit`)
    await expect.poll(() => page.getByTestId('chain-status').textContent()).toContain('完整')
    await page.getByText('meter.imported').first().waitFor()
    await capture(page, 'audit')
    await ctx.close()
  })
})
