/**
 * Usage analytics in the browser (issue 10): support staff sign in to the console and open the
 * analytics page on the demo estate (seeded with a year of synthetic history and planted
 * anomalies); the charts draw, every table has rows, the sales forecast states its held-out error,
 * the anomaly list shows evidence, an alert is acknowledged, a CSV downloads with its BOM.
 * Screenshots in both languages go to test-results/console-analytics/.
 *
 * Only the central runs (in this process, on a free port): the page needs no meters or kiosk.
 */
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from './browser.ts'
import { capture as captureShot, signIn as signInAt, startConsoleCentral, type ConsoleCentral } from './console-central.ts'
import { RESULTS_DIR } from './kiosk-helpers.ts'

const SHOTS = join(RESULTS_DIR, 'console-analytics')

let central: ConsoleCentral
let base: string
let browser: Browser

const capture = (page: Page, name: string): Promise<void> => captureShot(page, SHOTS, name)
const signIn = (page: Page, staffId: string, password: string): Promise<void> => signInAt(page, base, staffId, password)

beforeAll(async () => {
  rmSync(SHOTS, { recursive: true, force: true })
  // 50 meters: the demo seeds its year of usage history (on by default up to 1,000 meters).
  central = await startConsoleCentral({ name: 'analytics', meterCount: 50 })
  base = central.base
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await central?.close()
})

describe('console analytics', () => {
  it('shows charts, forecasts with their error, anomalies with evidence, 公摊 and advice', async () => {
    const ctx = await browser.newContext({
      viewport: { width: 1400, height: 900 },
      locale: 'en-US',
      acceptDownloads: true,
    })
    const page = await ctx.newPage()
    await signIn(page, 'S002', 'demo-support-pass')
    await page.evaluate(() => localStorage.setItem('gridtill.console.lang', 'en'))
    await page.goto(`${base}/console/#analytics`)
    await page.reload()
    const root = page.getByTestId('analytics-page')
    await root.waitFor()
    // Every chart drew a canvas; every table has rows.
    for (const chart of ['consumption-chart', 'profile-chart', 'sales-chart'])
      await page.getByTestId(chart).locator('canvas').first().waitFor()
    for (const card of ['consumption', 'top', 'comparison', 'sales', 'runway', 'allocation']) {
      expect(await page.getByTestId(card).locator('tbody tr').count(), card).toBeGreaterThan(0)
    }
    await expect.poll(() => page.getByTestId('alerts').locator('tbody tr').count()).toBe(4)
    // The resident with the planted always-on load is told about it, with the figures.
    await page.getByTestId('advice').locator('select').selectOption('58101000005')
    await expect
      .poll(() => page.getByTestId('advice').textContent())
      .toMatch(/night-time base load is \d/)
    expect(await page.getByTestId('sales-error').textContent()).toMatch(
      /held out: mean absolute percentage error \d+\.\d+%/,
    )
    expect(await page.getByTestId('alerts').textContent()).toMatch(/Sudden drop/)
    await capture(page, '01-analytics-en')

    // Acknowledge one alert with a note; it leaves the open list.
    const first = page.getByTestId('alerts').locator('tbody tr').first()
    await first.locator('input').fill('Meter sealed and checked')
    await first.getByRole('button').click()
    await expect.poll(() => page.getByTestId('alerts').locator('tbody tr').count()).toBe(3)

    // A CSV export downloads with its BOM and bilingual header.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('top').getByRole('link').click(),
    ])
    const file = await download.path()
    const bytes = readFileSync(file)
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
    expect(bytes.toString('utf8')).toMatch(/^\uFEFF排名 Rank,对象 Key,/)

    // The same page in Chinese.
    await page.evaluate(() => localStorage.setItem('gridtill.console.lang', 'zh-CN'))
    await page.reload()
    await page.getByTestId('consumption-chart').locator('canvas').first().waitFor()
    await page.getByTestId('advice').locator('select').selectOption('58101000005')
    await expect.poll(() => page.getByTestId('advice').textContent()).toMatch(/夜间基础负荷/)
    expect(await page.getByTestId('sales-error').textContent()).toMatch(/留出最近 4 周检验/)
    await capture(page, '02-analytics-zh')
    // The anomaly list up close: each alert with its evidence.
    await page
      .getByTestId('alerts')
      .screenshot({ path: join(SHOTS, '03-alerts-zh.png'), animations: 'disabled' })
    await ctx.close()
  })
})
