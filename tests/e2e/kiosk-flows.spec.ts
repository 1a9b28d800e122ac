/**
 * The kiosk's flows as residents and field staff go through them (issue "Kiosk touchscreen UI for
 * residents and field staff"): the whole system as real processes, the kiosk screen in Chromium in
 * both orientations, the hardware simulator panel for cards and notes. Each test starts and ends at
 * the attract loop, uses its own demo card, and leaves screenshots of every screen it passes
 * through under test-results/<test-name>/.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Browser } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_STAFF_CARDS, demoCustomers } from '@gridtill/shared'
import { freePorts, launchSystem, type RunningSystem } from '../system/launch.ts'
import { launchChromium } from './browser.ts'
import { deliveries, digitsOnly, fleetMeter, KioskScreens, PanelPage, Screenshots } from './kiosk-helpers.ts'

const METERS = 10
const customers = demoCustomers(METERS)
const customer = (i: number) => customers[i]!
const fieldStaff = DEMO_STAFF_CARDS.find((s) => s.role === 'field')!

// Short enough for the walk-away test, long enough that no other flow sees the warning.
const IDLE_TIMEOUT_MS = 12_000
const IDLE_WARNING_MS = 20_000 // the agent's floor: WCAG 2.2.1 wants ≥ 20 s to answer
const DONE_TIMEOUT_MS = 10_000
/**
 * The agent holds a note in escrow this long before stacking it (ESCROW_HOLD_MS): the window in
 * which Cancel hands it back. The escrow test waits for the note to show in escrow and presses
 * Cancel; 3 s is orders of magnitude more than that round trip takes.
 */
const ESCROW_HOLD_MS = 3_000
const DAY_MS = 86_400_000

let system: RunningSystem
let browser: Browser
let dataDir: string
let kiosk: KioskScreens
let panel: PanelPage
/** Every note the acceptor stacked in this file, by face value in fen: the cash box's expected count. */
const stacked = new Map<number, number>()

function noteStacked(valueFen: number): void {
  stacked.set(valueFen, (stacked.get(valueFen) ?? 0) + 1)
}

async function insert(yuan: 1 | 5 | 10 | 20 | 50 | 100, expectTotalFen: number): Promise<void> {
  await panel.insertNote(yuan)
  await expect
    .poll(async () => digitsOnly(await kiosk.testId('inserted-total').innerText()), { timeout: 15_000 })
    .toBe(String(expectTotalFen))
  noteStacked(yuan * 100)
}

/** Tap a resident card at attract and wait for the account screen. */
async function identify(cardNo: string): Promise<void> {
  await panel.tapCard(cardNo)
  await kiosk.screen('account')
}

async function tokenOnScreen(): Promise<string> {
  const text = (await kiosk.testId('token').first().innerText()).trim()
  expect(text).toMatch(/^\d{4} \d{4} \d{4} \d{4} \d{4}$/)
  return digitsOnly(text)
}

async function meterGets(meterNo: string, token: string): Promise<void> {
  await expect
    .poll(async () => (await fleetMeter(system, meterNo)).lastAccepted.some((t) => t.token === token), { timeout: 30_000 })
    .toBe(true)
}

const receiptText = (r: { lines: string[] }) => r.lines.join('\n')

/**
 * A year of daily readings for a meter, written straight into the central's database (the fleet
 * only reports from now on), ending below the meter's live register so the history stays rising:
 * more in winter and summer, as a household uses it.
 */
function seedYearOfReadings(meterNo: string): void {
  const db = new Database(join(dataDir, 'central', 'central.db'))
  try {
    db.pragma('busy_timeout = 5000')
    const latest = db.prepare('SELECT at, energy_wh AS energyWh, credit_wh AS creditWh FROM readings WHERE meter_no = ? ORDER BY at DESC LIMIT 1').get(meterNo) as
      | { at: number; energyWh: number; creditWh: number }
      | undefined
    const endAt = (latest?.at ?? Date.now()) - 60_000
    let energyWh = (latest?.energyWh ?? 3_000_000) - 1000
    const insert = db.prepare(
      "INSERT INTO readings (meter_no, at, energy_wh, credit_wh, power_w, relay, tamper) VALUES (?, ?, ?, ?, 300, 'closed', 0) ON CONFLICT DO NOTHING",
    )
    const write = db.transaction(() => {
      for (let d = 0; d <= 365; d++) {
        const at = endAt - d * DAY_MS
        insert.run(meterNo, at, energyWh, (latest?.creditWh ?? 0) + d * 5000)
        const month = new Date(at).getUTCMonth()
        energyWh -= 5000 + Math.round(3000 * Math.abs(Math.cos((month / 12) * 2 * Math.PI)))
      }
    })
    write()
  } finally {
    db.close()
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'gridtill-kiosk-flows-'))
  system = await launchSystem({
    dataDir,
    ports: await freePorts(),
    meterCount: METERS,
    env: {
      agent: {
        DEMO_METERS: String(METERS),
        IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
        IDLE_WARNING_MS: String(IDLE_WARNING_MS),
        DONE_TIMEOUT_MS: String(DONE_TIMEOUT_MS),
        VEND_WAIT_MS: '8000',
        ESCROW_HOLD_MS: String(ESCROW_HOLD_MS),
      },
    },
  })
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await system?.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

beforeEach(async () => {
  kiosk = await KioskScreens.open(browser, system.urls.kiosk)
  panel = await PanelPage.open(browser, system)
  await kiosk.screen('attract')
})

afterEach(async () => {
  // Leave the kiosk at attract for the next test even when this one failed half-way.
  await kiosk.backToAttract().catch(() => undefined)
  await kiosk.close()
  await panel.close()
})

describe('kiosk flows', () => {
  it('happy path', async () => {
    const c = customer(0)
    const meterNo = c.meters[0]!.meterNo
    const shots = new Screenshots('happy path', kiosk)
    await shots.capture('attract', 'attract')

    await identify(c.cardNo)
    await expect.poll(() => kiosk.testId('meter-no').innerText()).toContain(meterNo.slice(0, 4))
    await shots.capture('account', 'account')

    await kiosk.testId('insert-cash').click()
    await kiosk.screen('collecting')
    await shots.capture('collecting-empty', 'collecting')
    await insert(50, 5000)
    await insert(20, 7000)
    await expect.poll(() => kiosk.testId('energy-estimate').innerText(), { timeout: 15_000 }).toContain('116.6')
    await shots.capture('collecting-70', 'collecting')

    const receiptsBefore = (await panel.receipts()).length
    await kiosk.testId('buy').click()
    await kiosk.screen('done')
    await expect(kiosk.page.locator('[data-screen="done"]').getAttribute('data-status')).resolves.toBe('vended')
    await kiosk.page.locator('[data-testid="receipt-status"][data-state="printed"]').waitFor({ timeout: 20_000 })
    const token = await tokenOnScreen()
    expect(await kiosk.text('done')).toContain('116.6')
    // Token status: sent, then accepted once the meter answers (the done screen asks the central).
    await kiosk.page.locator('[data-testid="token-status"][data-state="accepted"]').waitFor({ timeout: 30_000 })
    await shots.capture('done', 'done')

    await kiosk.backToAttract()
    await shots.capture('attract-again', 'attract')

    const receipts = await panel.receipts()
    expect(receipts.length).toBe(receiptsBefore + 1)
    expect(digitsOnly(receiptText(receipts.at(-1)!))).toContain(token)
    await meterGets(meterNo, token)
  })

  it('cancel with a note in escrow', async () => {
    const c = customer(2)
    const meterNo = c.meters[0]!.meterNo
    const shots = new Screenshots('cancel with a note in escrow', kiosk)
    await identify(c.cardNo)
    await shots.capture('account', 'account')
    await kiosk.testId('insert-cash').click()
    await kiosk.screen('collecting')
    await shots.capture('collecting', 'collecting')

    const before = await panel.state()
    // The agent holds a note in escrow for ESCROW_HOLD_MS before stacking it: the test waits until
    // the screen shows the note waiting, then presses Cancel — the agent hands the note back.
    await panel.insertNote(20)
    await kiosk.testId('escrow').waitFor({ timeout: 15_000 })
    await shots.capture('collecting-escrow', 'collecting')
    await kiosk.intent('resident.cancel').click()
    await kiosk.screen('attract')
    await shots.capture('attract', 'attract')

    // Returned: the simulator's acceptor has nothing in escrow, and the cassette is as it was.
    await expect.poll(async () => (await panel.state()).acceptor.cassette, { timeout: 10_000 }).toEqual(before.acceptor.cassette)
    const after = await panel.state()
    // Nothing credited: no receipt, no vend for the meter.
    expect(after.printer.receipts.length).toBe(before.printer.receipts.length)
    expect(await deliveries(system, meterNo)).toEqual([])
    expect(await kiosk.current()).toBe('attract')
  })

  it('walking away after paying', async () => {
    const c = customer(3)
    const meterNo = c.meters[0]!.meterNo
    const shots = new Screenshots('walking away after paying', kiosk)
    await identify(c.cardNo)
    await shots.capture('account', 'account')
    await kiosk.testId('insert-cash').click()
    await kiosk.screen('collecting')
    await insert(20, 2000)
    await insert(10, 3000)
    await shots.capture('collecting-30', 'collecting')
    const receiptsBefore = (await panel.receipts()).length

    // Nobody touches anything: "are you still there?" with a countdown…
    const dialog = kiosk.testId('idle-dialog')
    await dialog.waitFor({ timeout: IDLE_TIMEOUT_MS + 10_000 })
    await kiosk.landscape.getByTestId('idle-dialog').waitFor()
    const first = Number(await kiosk.testId('idle-countdown').innerText())
    expect(first).toBeGreaterThan(10)
    expect(first).toBeLessThanOrEqual(IDLE_WARNING_MS / 1000)
    expect(await dialog.innerText()).toContain('30.00') // the money is safe, says the dialog
    await shots.capture('idle-warning', 'collecting')
    await expect.poll(async () => Number(await kiosk.testId('idle-countdown').innerText()), { timeout: 5_000 }).toBeLessThan(first)

    // …then the vend completes by itself for the account on screen.
    await kiosk.screen('done', IDLE_WARNING_MS + 20_000)
    expect(await kiosk.page.locator('[data-screen="done"]').getAttribute('data-status')).toBe('vended')
    await kiosk.page.locator('[data-testid="receipt-status"][data-state="printed"]').waitFor({ timeout: 20_000 })
    const token = await tokenOnScreen()
    await shots.capture('done', 'done')

    const receipts = await panel.receipts()
    expect(receipts.length).toBe(receiptsBefore + 1)
    expect(digitsOnly(receiptText(receipts.at(-1)!))).toContain(token)

    // And the kiosk goes back to attract on its own.
    await kiosk.screen('attract', DONE_TIMEOUT_MS + 15_000)
    await shots.capture('attract', 'attract')
    await meterGets(meterNo, token)
  })

  it('offline vend', async () => {
    const c = customer(4)
    const meterNo = c.meters[0]!.meterNo
    const shots = new Screenshots('offline vend', kiosk)
    await identify(c.cardNo)
    await shots.capture('account', 'account')
    expect(await kiosk.testId('account-offline').count()).toBe(0)
    const nameOnline = await kiosk.testId('customer-name').innerText()
    await kiosk.intent('resident.cancel').click()
    await kiosk.screen('attract')

    await system.stopProcess('central')
    try {
      // A card this kiosk never saw: its own code, retryable, and where else to go.
      await panel.tapCard(customer(8).cardNo)
      await kiosk.screen('error')
      expect(await kiosk.testId('error-message').getAttribute('data-code')).toBe('ERR_OFFLINE_CARD_UNKNOWN')
      expect(await kiosk.testId('error-hint').getAttribute('data-retryable')).toBe('true')
      expect(await kiosk.testId('error-message').innerText()).toContain('其他终端')
      await shots.capture('error-offline-unknown-card', 'error')
      // Back offers the keypad (the meter number may be known here); cancel from there.
      await kiosk.testId('back').click()
      await kiosk.screen('identify')
      await kiosk.backToAttract()

      // A card seen before: the account from the kiosk's roster, marked as last known figures.
      // The reader takes the same card within 1.5 s of its last read as the same tap (a card resting
      // on it); this test gets here faster than a person would.
      await new Promise((r) => setTimeout(r, 1600))
      await panel.tapCard(c.cardNo)
      await kiosk.portrait.locator('[data-screen="account"], [data-screen="error"]').waitFor({ timeout: 30_000 })
      expect(await kiosk.testId('error-message').count(), 'the roster answers offline').toBe(0)
      await kiosk.screen('account')
      const marker = kiosk.testId('account-offline')
      await marker.waitFor({ timeout: 10_000 })
      const said = await marker.innerText()
      expect(said).toContain('离线')
      expect(said).toContain('back online')
      expect(await kiosk.testId('customer-name').innerText()).toBe(nameOnline)
      await shots.capture('account-offline', 'account')
      await kiosk.testId('insert-cash').click()
      await kiosk.screen('collecting')

      await insert(20, 2000)
      await insert(10, 3000)
      await shots.capture('collecting-offline', 'collecting')
      const receiptsBefore = (await panel.receipts()).length
      await kiosk.testId('buy').click()

      await kiosk.page.locator('[data-screen="done"][data-status="creditPending"]').waitFor({ timeout: 40_000 })
      await kiosk.page.locator('[data-testid="receipt-status"][data-state="printed"]').waitFor({ timeout: 20_000 })
      const reference = (await kiosk.testId('reference').innerText()).trim()
      expect(reference.length).toBeGreaterThanOrEqual(4)
      expect(await kiosk.page.locator('[data-screen="done"] [data-testid="token"]').count()).toBe(0)
      await shots.capture('done-credit-pending', 'done')

      const receipts = await panel.receipts()
      expect(receipts.length).toBe(receiptsBefore + 1)
      const paper = receiptText(receipts.at(-1)!)
      expect(paper).toContain('CREDIT PENDING')
      expect(paper).toContain(reference)
      await kiosk.backToAttract()
    } finally {
      await system.restartProcess('central')
    }

    // Back online: the outbox delivers the vend, exactly once, and the meter takes the token.
    await expect.poll(async () => (await deliveries(system, meterNo)).length, { timeout: 90_000 }).toBeGreaterThan(0)
    await expect.poll(async () => (await deliveries(system, meterNo))[0]?.state, { timeout: 30_000 }).toBe('accepted')
    const rows = await deliveries(system, meterNo)
    expect(rows).toHaveLength(1)
    const tokens = rows[0]!.tokens
    expect(tokens.length).toBeGreaterThan(0)
    for (const token of tokens) await meterGets(meterNo, token)
    const accepted = (await fleetMeter(system, meterNo)).lastAccepted
    expect(accepted.filter((t) => tokens.includes(t.token))).toHaveLength(tokens.length)
    await expect.poll(async () => kiosk.testId('central-status').getAttribute('data-online'), { timeout: 30_000 }).toBe('true')
    await shots.capture('attract-online-again', 'attract')
  })

  it('reprint', async () => {
    const c = customer(5)
    const shots = new Screenshots('reprint', kiosk)
    await identify(c.cardNo)
    await shots.capture('account', 'account')
    await kiosk.testId('insert-cash').click()
    await kiosk.screen('collecting')
    await insert(20, 2000)
    await shots.capture('collecting-20', 'collecting')
    await kiosk.testId('buy').click()
    await kiosk.page.locator('[data-screen="done"][data-status="vended"]').waitFor({ timeout: 30_000 })
    await kiosk.page.locator('[data-testid="receipt-status"][data-state="printed"]').waitFor({ timeout: 20_000 })
    const token = await tokenOnScreen()
    await shots.capture('done', 'done')
    const first = await panel.receipts()
    expect(receiptText(first.at(-1)!)).not.toContain('DUPLICATE')

    await kiosk.intent('resident.reprint').click()
    await expect.poll(async () => (await panel.receipts()).length, { timeout: 20_000 }).toBe(first.length + 1)
    await kiosk.page.locator('[data-testid="receipt-status"][data-state="printed"]').waitFor({ timeout: 20_000 })
    await shots.capture('done-after-reprint', 'done')
    const dup = receiptText((await panel.receipts()).at(-1)!)
    expect(dup).toContain('DUPLICATE')
    expect(dup).toContain('重印')
    expect(digitsOnly(dup)).toContain(token)
    expect(await tokenOnScreen()).toBe(token)
    await kiosk.backToAttract()
  })

  it('language switch mid-session', async () => {
    const c = customer(1) // two meters: the account screen asks which one
    const second = c.meters[1]!
    const shots = new Screenshots('language switch mid-session', kiosk)
    await identify(c.cardNo)
    expect(await kiosk.htmlLang()).toBe('zh-CN')
    await expect.poll(() => kiosk.testId('insert-cash').innerText()).toMatch(/^\s*投入现金/)
    await shots.capture('account-zh', 'account')

    await kiosk.tap('language-toggle')
    await expect.poll(() => kiosk.htmlLang()).toBe('en')
    await expect.poll(() => kiosk.testId('insert-cash').innerText()).toMatch(/^\s*Insert cash/)
    expect(await kiosk.text('account')).toContain('Meter')
    await kiosk.testId(`meter-${second.meterNo}`).click()
    // Shown with its check digit: "5810 1000 0031" for 58101000003.
    await expect.poll(async () => digitsOnly(await kiosk.testId('meter-no').innerText()).startsWith(second.meterNo)).toBe(true)
    await shots.capture('account-en', 'account')

    await kiosk.tap('language-toggle')
    await expect.poll(() => kiosk.htmlLang()).toBe('zh-CN')
    await expect.poll(() => kiosk.testId('insert-cash').innerText()).toMatch(/^\s*投入现金/)
    // The session went on through both switches: the meter chosen in English is still chosen.
    expect(digitsOnly(await kiosk.testId('meter-no').innerText()).startsWith(second.meterNo)).toBe(true)
    await shots.capture('account-zh-again', 'account')

    // English once more, and on with the top-up: the next screen follows the session's language.
    await kiosk.tap('language-toggle')
    await expect.poll(() => kiosk.htmlLang()).toBe('en')
    await kiosk.testId('insert-cash').click()
    await kiosk.screen('collecting')
    await expect.poll(() => kiosk.intent('resident.confirm').innerText()).toMatch(/^\s*Buy/)
    await shots.capture('collecting-en', 'collecting')

    // No money in: cancel ends the session, and the attract loop is back in Chinese.
    await kiosk.intent('resident.cancel').click()
    await kiosk.screen('attract')
    await expect.poll(() => kiosk.htmlLang()).toBe('zh-CN')
    expect(await kiosk.testId('lang-zh-CN').getAttribute('aria-pressed')).toBe('true')
    await shots.capture('attract-zh', 'attract')
  })

  it('history and token status', async () => {
    const c = customer(7)
    const meterNo = c.meters[0]!.meterNo
    const shots = new Screenshots('history and token status', kiosk)
    await expect.poll(async () => (await fleetMeter(system, meterNo)).meterNo, { timeout: 30_000 }).toBe(meterNo)
    seedYearOfReadings(meterNo)

    await identify(c.cardNo)
    await shots.capture('account', 'account')

    await kiosk.testId('insert-cash').click()
    await kiosk.screen('collecting')
    await insert(20, 2000)
    await shots.capture('collecting-20', 'collecting')
    await kiosk.testId('buy').click()
    await kiosk.page.locator('[data-screen="done"][data-status="vended"]').waitFor({ timeout: 30_000 })
    const token = await tokenOnScreen()
    await kiosk.page.locator('[data-testid="token-status"][data-state="accepted"]').waitFor({ timeout: 30_000 })
    await kiosk.page.locator('[data-testid="receipt-status"][data-state="printed"]').waitFor({ timeout: 20_000 })
    await shots.capture('done-token-accepted', 'done')
    await kiosk.backToAttract()

    // The same card again: its history has the purchase, its token and the meter's answer.
    await identify(c.cardNo)
    // The year of readings gives the rate, the accepted token the credit: a few days' worth.
    await expect.poll(async () => Number(await kiosk.testId('days-left').getAttribute('data-days')), { timeout: 10_000 }).toBeGreaterThan(0)
    await shots.capture('account-again', 'account')
    await kiosk.testId('show-history').click()
    await kiosk.page.locator('[data-screen="history"][data-status="ready"]').waitFor({ timeout: 20_000 })
    await kiosk.landscape.locator('[data-screen="history"][data-status="ready"]').waitFor({ timeout: 20_000 })
    const item = kiosk.page.getByTestId('history-item').first()
    expect(digitsOnly(await item.getByTestId('token').innerText())).toBe(token)
    expect(await item.getByTestId('token-status').getAttribute('data-state')).toBe('accepted')
    // Twelve months, the full ones before this one with the seeded use in them.
    const bars = kiosk.page.locator('[data-testid="monthly-chart"] [data-month]')
    await expect.poll(() => bars.count()).toBe(12)
    const wh = await bars.evaluateAll((gs) => gs.map((g) => g.getAttribute('data-wh')))
    expect(wh.slice(1, 11).every((v) => v !== '' && Number(v) > 100_000)).toBe(true)
    await shots.capture('history', 'history')

    await kiosk.tap('language-toggle')
    await expect.poll(() => kiosk.htmlLang()).toBe('en')
    await shots.capture('history-en', 'history')
    // Large text: the history still fits and the bar still stays in reach.
    await kiosk.tap('large-text-toggle')
    await expect.poll(() => kiosk.page.locator('html.large-text').count()).toBe(1)
    await shots.capture('history-en-large-text', 'history')

    await kiosk.testId('back').click()
    await kiosk.screen('account')
    await kiosk.intent('resident.cancel').click()
    await kiosk.screen('attract')
  })

  it('survives the agent restarting', async () => {
    const c = customer(6)
    const shots = new Screenshots('agent restart', kiosk)
    await identify(c.cardNo)
    await shots.capture('account', 'account')

    await system.stopProcess('agent')
    await kiosk.testId('connecting-overlay').waitFor({ timeout: 15_000 })
    await kiosk.landscape.getByTestId('connecting-overlay').waitFor({ timeout: 15_000 })
    await shots.capture('connecting')

    await system.restartProcess('agent')
    // The page reconnects by itself and shows what the agent restored (the unpaid session is gone).
    await kiosk.testId('connecting-overlay').waitFor({ state: 'detached', timeout: 30_000 })
    await kiosk.screen('attract')
    expect(await kiosk.testId('connection-status').getAttribute('data-status')).toBe('open')
    await shots.capture('restored', 'attract')

    // And it works: the panel (reloaded, the agent serves it anew) taps the same card again.
    await panel.page.reload()
    await identify(c.cardNo)
    await kiosk.intent('resident.cancel').click()
    await kiosk.screen('attract')
  })

  it('service-mode cash box exchange', async () => {
    const shots = new Screenshots('service-mode cash box exchange', kiosk)
    await panel.tapCard(fieldStaff.cardNo)
    await kiosk.screen('service')
    await shots.capture('service', 'service')

    // The counts are the notes this file put in.
    const expectedCount = [...stacked.values()].reduce((a, b) => a + b, 0)
    const expectedFen = [...stacked].reduce((a, [v, n]) => a + v * n, 0)
    expect(expectedCount).toBeGreaterThan(0)
    expect(digitsOnly(await kiosk.testId('cashbox-count').innerText())).toBe(String(expectedCount))
    expect(digitsOnly(await kiosk.testId('cashbox-total').innerText())).toBe(String(expectedFen))
    for (const [valueFen, n] of stacked) {
      const row = kiosk.page.locator(`[data-testid="cashbox-table"] tbody tr[data-value-fen="${valueFen}"] td`).first()
      expect(digitsOnly(await row.innerText())).toBe(String(n))
    }

    await kiosk.intent('staff.beginCashboxExchange').click()
    await kiosk.testId('seal-entry').waitFor()
    const seal = 'SEAL-7391' // no key twice in a row: the keypad ignores a repeat within 300 ms
    for (const key of seal) await kiosk.page.locator(`[data-testid="seal-entry"] [data-key="${key}"]`).click()
    await expect.poll(() => kiosk.testId('seal-input').innerText()).toBe(seal)
    await shots.capture('seal-entry', 'service')

    await kiosk.testId('seal-confirm').click()
    await kiosk.testId('exchange-done').waitFor({ timeout: 20_000 })
    expect(await kiosk.testId('exchange-done').innerText()).toContain(seal)
    await expect.poll(() => kiosk.testId('cashbox-count').innerText()).toBe('0')
    expect(digitsOnly(await kiosk.testId('cashbox-total').innerText())).toBe('000')
    // The collection goes to the central and is accepted: nothing waiting, nothing refused.
    await expect.poll(() => kiosk.testId('collections-pending').innerText(), { timeout: 20_000 }).toBe('0')
    expect(await kiosk.testId('collections-failed').getAttribute('data-count')).toBe('0')
    await shots.capture('exchange-done', 'service')

    await kiosk.intent('staff.exit').click()
    await kiosk.screen('attract')
    await shots.capture('attract', 'attract')
  })
})
