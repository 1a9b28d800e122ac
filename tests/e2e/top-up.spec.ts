/**
 * The foundation's thin path, as a resident and a demo operator would do it: the whole system as
 * `npm start` runs it, driven through Chromium — tap a card and insert notes in the hardware
 * panel, buy on the kiosk screen, then check the meter itself and the central's ledger.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeToken, demoCustomers } from '@gridtill/shared'
import { freePorts, launchSystem, type RunningSystem } from '../system/launch.ts'
import { launchChromium } from './browser.ts'

interface FleetMeter {
  meterNo: string
  creditWh: number
  energyWh: number
  debtWh: number
}

const balance = (m: FleetMeter) => m.creditWh - m.debtWh + m.energyWh

const resident = demoCustomers(10)[0]!
const meterNo = resident.meters[0]!.meterNo

let system: RunningSystem
let browser: Browser
let dataDir: string

async function fleetMeter(): Promise<FleetMeter> {
  const res = await fetch(`${system.urls.fleet}/${meterNo}`)
  expect(res.status).toBe(200)
  return (await res.json()) as FleetMeter
}

async function screen(page: Page, name: string): Promise<void> {
  await page.locator(`[data-screen="${name}"]`).waitFor({ timeout: 30_000 })
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'gridtill-e2e-'))
  system = await launchSystem({ dataDir, ports: await freePorts(), meterCount: 10 })
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await system?.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('a resident tops up with a 50 and a 20', () => {
  it('credits the meter with exactly the token energy and keeps the ledger balanced', async () => {
    const before = await fleetMeter()

    const kiosk = await browser.newPage({ viewport: { width: 1080, height: 1920 } })
    const panel = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
    await kiosk.goto(system.urls.kiosk)
    await panel.goto(system.urls.panel)
    await screen(kiosk, 'attract')
    await kiosk.getByTestId('lang-en').click()

    await panel.getByRole('button', { name: `Tap ${resident.cardNo}` }).click()
    await screen(kiosk, 'account')
    await expect.poll(() => kiosk.locator('[data-screen="account"]').innerText()).toContain(meterNo.slice(0, 4))
    const masked = await kiosk.locator('[data-screen="account"]').innerText()
    expect(masked).not.toContain(resident.name) // only the masked name is shown
    await kiosk.getByRole('button', { name: 'Insert cash' }).click()
    await screen(kiosk, 'collecting')

    await panel.getByRole('button', { name: 'Insert ¥50' }).click()
    await expect.poll(() => kiosk.getByTestId('inserted-total').innerText(), { timeout: 15_000 }).toContain('50.00')
    await panel.getByRole('button', { name: 'Insert ¥20' }).click()
    await expect.poll(() => kiosk.getByTestId('inserted-total').innerText(), { timeout: 15_000 }).toContain('70.00')

    await kiosk.getByRole('button', { name: 'Buy' }).click()
    await screen(kiosk, 'done')
    const tokenText = (await kiosk.getByTestId('token').innerText()).trim()
    expect(tokenText).toMatch(/^\d{4} \d{4} \d{4} \d{4} \d{4}$/)
    const token = tokenText.replace(/ /g, '')

    // The token itself, decoded with the meter's own key (from the key-loading file the meters
    // were programmed with), says how much energy it carries.
    const programming = JSON.parse(readFileSync(join(dataDir, 'central', 'meter-fleet.json'), 'utf8')) as {
      meterNo: string
      ea: '07' | '11'
      dkHex: string
    }[]
    const mine = programming.find((p) => p.meterNo === meterNo)!
    const decoded = decodeToken({ ea: mine.ea, dk: BigInt('0x' + mine.dkHex) }, token)
    expect(decoded.class).toBe(0)
    const tokenEnergyWh = (decoded as { units: number }).units * 100
    // ¥70 at the demo's flat ¥0.60/kWh buys 116.6 kWh; the 4 fen left stay in the wallet.
    expect(tokenEnergyWh).toBe(116_600)
    const doneText = await kiosk.locator('[data-screen="done"]').innerText()
    expect(doneText).toContain('116.6')

    // The central delivered it and the meter accepted it.
    await expect
      .poll(async () => {
        const res = await fetch(`${system.urls.central}/api/v1/meters/${meterNo}/deliveries`, {
          headers: { 'x-gridtill-admin-token': 'demo-admin' },
        })
        const rows = (await res.json()) as { tokens: string[]; state: string }[]
        return rows.find((r) => r.tokens.includes(token))?.state
      }, { timeout: 15_000 })
      .toBe('accepted')

    // The meter itself: its balance rose by exactly the token's energy. Consumption moves energy
    // from the credit register to the energy register, so credit − debt + energy is the sum of all
    // energy ever credited.
    const after = await fleetMeter()
    expect(balance(after) - balance(before)).toBe(tokenEnergyWh)
    const detail = (await (await fetch(`${system.urls.fleet}/${meterNo}`)).json()) as {
      lastAccepted: { token: string; creditedWh?: number }[]
    }
    expect(detail.lastAccepted.find((t) => t.token === token)?.creditedWh).toBe(tokenEnergyWh)

    // The receipt printed on the simulated printer carries the same token.
    await expect.poll(async () => (await panel.getByTestId('receipt-text').first().innerText()).replace(/\s/g, ''), { timeout: 15_000 }).toContain(token)

    // Double entry: debits equal credits.
    const check = (await (
      await fetch(`${system.urls.central}/api/v1/ledger/check`, { headers: { 'x-gridtill-admin-token': 'demo-admin' } })
    ).json()) as { balanced: boolean; totalDebitsFen: number; totalCreditsFen: number }
    expect(check.balanced).toBe(true)
    expect(check.totalDebitsFen).toBe(check.totalCreditsFen)
    expect(check.totalDebitsFen).toBeGreaterThanOrEqual(7000)
  })
})
