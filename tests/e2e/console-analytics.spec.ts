/**
 * Usage analytics in the browser (issue 10): support staff sign in to the console and open the
 * analytics page on the demo estate (seeded with a year of synthetic history and planted
 * anomalies); the charts draw, every table has rows, the sales forecast states its held-out error,
 * the anomaly list shows evidence, an alert is acknowledged, a CSV downloads with its BOM.
 * Screenshots in both languages go to test-results/console-analytics/.
 *
 * Only the central runs (in this process, on a free port): the page needs no meters or kiosk.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, loadConfig } from '@gridtill/central-api'
import { freePort, REPO_ROOT } from '../system/launch.ts'
import { launchChromium } from './browser.ts'
import { RESULTS_DIR } from './kiosk-helpers.ts'

const SHOTS = join(RESULTS_DIR, 'console-analytics')

let app: FastifyInstance
let base: string
let browser: Browser
let dataDir: string
let startMs = 0

async function capture(page: Page, name: string): Promise<void> {
  await page.evaluate(() => document.fonts.ready.then(() => undefined))
  await page.screenshot({
    path: join(SHOTS, `${name}.png`),
    fullPage: true,
    animations: 'disabled',
    caret: 'hide',
  })
}

async function signIn(page: Page, staffId: string, password: string): Promise<void> {
  await page.goto(`${base}/console/`)
  await page.locator('input[name="staffId"]').fill(staffId)
  await page.locator('input[name="password"]').fill(password)
  await page.locator('form button[type="submit"]').click()
  await page.getByTestId('who').waitFor()
}

beforeAll(async () => {
  rmSync(SHOTS, { recursive: true, force: true })
  mkdirSync(SHOTS, { recursive: true })
  // The console as `npm run build` makes it (the central serves central-api/console/dist).
  execFileSync(
    'npx',
    [
      'vite',
      'build',
      '--config',
      join(REPO_ROOT, 'central-api/console/vite.config.ts'),
      '--logLevel',
      'error',
    ],
    { cwd: REPO_ROOT, stdio: 'inherit' },
  )
  dataDir = mkdtempSync(join(tmpdir(), 'gridtill-e2e-analytics-'))
  const { config } = loadConfig({
    GRIDTILL_DEMO: '1',
    DATA_DIR: dataDir,
    PORT: '0',
    MQTT_PORT: String(await freePort()),
    METER_COUNT: '50',
    LOG_LEVEL: 'warn',
  })
  const t0 = performance.now()
  app = await buildApp({ config, meterLink: false })
  startMs = performance.now() - t0
  await app.listen({ port: 0, host: '127.0.0.1' })
  const addr = app.server.address()
  if (addr === null || typeof addr === 'string') throw new Error('central did not listen on TCP')
  base = `http://127.0.0.1:${addr.port}`
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await app?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('console analytics', () => {
  it('starts a fresh demo (seed with a year of history) in a few seconds', () => {
    console.log(`central start with a fresh 50-meter demo: ${Math.round(startMs)} ms`)
    expect(startMs).toBeLessThan(15_000)
  })

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
