/**
 * Page objects for the browser tests of the kiosk: the resident's screen (seen at once in portrait
 * and landscape, as two pages on the same agent — both render the agent's snapshots), the hardware
 * simulator panel, and the screenshot helper that saves every screen a flow passes through.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import type { KioskScreen } from '@gridtill/shared'
import { REPO_ROOT, type RunningSystem } from '../system/launch.ts'

export const PORTRAIT = { width: 1080, height: 1920 } as const
export const LANDSCAPE = { width: 1920, height: 1080 } as const
export const RESULTS_DIR = join(REPO_ROOT, 'test-results')

const SCREEN_TIMEOUT_MS = 30_000
/**
 * The UI and the agent drop a repeat of the same tap within 300 ms on purpose (a shaky double tap
 * counts once: kiosk-ui/src/lib/debounce.ts, the agent's intent handler). A person tapping the same
 * button again is slower than that; the tests tap at a person's pace.
 */
const TAP_PACE_MS = 400

/** "walking away after paying" → "walking-away-after-paying". */
export function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
}

/**
 * Saves the current screen in both orientations as test-results/<test>/<nn>-<name>-<orientation>.png.
 * The directory is emptied when the helper is made, so a run leaves only its own pictures.
 */
export class Screenshots {
  readonly dir: string
  #n = 0

  constructor(testName: string, private readonly kiosk: KioskScreens) {
    this.dir = join(RESULTS_DIR, slug(testName))
    rmSync(this.dir, { recursive: true, force: true })
    mkdirSync(this.dir, { recursive: true })
  }

  /** Both pages must be showing `screen` (when given) before either is photographed. */
  async capture(name: string, screen?: KioskScreen): Promise<void> {
    const nn = String(++this.#n).padStart(2, '0')
    for (const [orientation, page] of [
      ['portrait', this.kiosk.portrait],
      ['landscape', this.kiosk.landscape],
    ] as const) {
      if (screen) await waitScreen(page, screen)
      // Fonts in: a CJK fallback still loading shows as blank boxes.
      await page.evaluate(() => document.fonts.ready.then(() => undefined))
      await page.screenshot({ path: join(this.dir, `${nn}-${name}-${orientation}.png`), animations: 'disabled', caret: 'hide' })
    }
  }
}

export async function waitScreen(page: Page, screen: KioskScreen, timeout = SCREEN_TIMEOUT_MS): Promise<void> {
  await page.locator(`[data-screen="${screen}"]`).waitFor({ timeout })
}

/** The resident's screen: `portrait` is the one touched; `landscape` mirrors it for screenshots. */
export class KioskScreens {
  readonly #lastTap = new Map<string, number>()

  private constructor(
    readonly portrait: Page,
    readonly landscape: Page,
  ) {}

  static async open(browser: Browser, url: string): Promise<KioskScreens> {
    const portrait = await browser.newPage({ viewport: PORTRAIT })
    const landscape = await browser.newPage({ viewport: LANDSCAPE })
    await Promise.all([portrait.goto(url), landscape.goto(url)])
    return new KioskScreens(portrait, landscape)
  }

  get page(): Page {
    return this.portrait
  }

  /** Waits until both orientations show `screen`. */
  async screen(screen: KioskScreen, timeout = SCREEN_TIMEOUT_MS): Promise<void> {
    await waitScreen(this.portrait, screen, timeout)
    await waitScreen(this.landscape, screen, timeout)
  }

  current(): Promise<string | null> {
    return this.portrait.locator('[data-screen]').first().getAttribute('data-screen', { timeout: 5_000 })
  }

  /** Taps the control with this test id, never sooner than TAP_PACE_MS after the last tap on it. */
  async tap(id: string): Promise<void> {
    const wait = (this.#lastTap.get(id) ?? Number.NEGATIVE_INFINITY) + TAP_PACE_MS - Date.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    await this.testId(id).click()
    this.#lastTap.set(id, Date.now())
  }

  /** A button by the intent it sends (language-independent). */
  intent(type: string) {
    return this.portrait.locator(`[data-intent="${type}"]:visible`).first()
  }

  testId(id: string) {
    return this.portrait.getByTestId(id)
  }

  text(screen: KioskScreen): Promise<string> {
    return this.portrait.locator(`[data-screen="${screen}"]`).innerText()
  }

  htmlLang(): Promise<string | null> {
    return this.portrait.locator('html').getAttribute('lang')
  }

  /** Whatever the session was doing, close it and wait for the attract loop. */
  async backToAttract(): Promise<void> {
    const screen = await this.current().catch(() => null)
    if (screen === 'done') await this.testId('finish').click()
    // History has only Back: back to the account, whose Cancel ends the session.
    else if (screen === 'history') {
      await this.intent('resident.back').click()
      await this.screen('account')
      await this.intent('resident.cancel').click()
    }
    else if (screen === 'service') await this.intent('staff.exit').click()
    else if (screen !== 'attract' && screen !== null) await this.intent('resident.cancel').click().catch(() => undefined)
    await this.screen('attract')
  }

  async close(): Promise<void> {
    await this.portrait.close()
    await this.landscape.close()
  }
}

export interface SimState {
  acceptor: { cassette: { countsByValueFen: Record<string, number>; totalFen: number }; online: boolean; jammed: boolean }
  printer: { paper: string; receipts: { index: number; at: number; lines: string[]; qrPayloads: string[] }[] }
}

/** The hardware simulator panel, driven as a person at the demo kiosk would. */
export class PanelPage {
  private constructor(
    readonly page: Page,
    private readonly simUrl: string,
  ) {}

  static async open(browser: Browser, system: RunningSystem): Promise<PanelPage> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
    await page.goto(system.urls.panel)
    await page.getByTestId('sim-status').and(page.locator('[data-reachable="true"]')).waitFor({ timeout: SCREEN_TIMEOUT_MS })
    return new PanelPage(page, system.urls.panel.replace(/\/panel\/$/, ''))
  }

  async tapCard(cardNo: string): Promise<void> {
    await this.page.getByRole('button', { name: new RegExp(`Tap ${cardNo}(?!\\d)`) }).click()
  }

  /**
   * Clicks "Insert ¥<yuan>" (the panel waits for the acceptor to be ready, as a person would).
   * The name may carry the Chinese label too; "¥5" must not match "¥50".
   */
  async insertNote(yuan: 1 | 5 | 10 | 20 | 50 | 100): Promise<void> {
    await this.page.getByRole('button', { name: new RegExp(`Insert ¥${yuan}(?!\\d)`) }).click()
  }

  async state(): Promise<SimState> {
    const res = await fetch(`${this.simUrl}/sim/state`)
    if (!res.ok) throw new Error(`GET /sim/state: HTTP ${res.status}`)
    return (await res.json()) as SimState
  }

  async receipts(): Promise<SimState['printer']['receipts']> {
    return (await this.state()).printer.receipts
  }

  async close(): Promise<void> {
    await this.page.close()
  }
}

export interface FleetMeterDetail {
  meterNo: string
  creditWh: number
  lastAccepted: { token: string; creditedWh?: number }[]
}

export async function fleetMeter(system: RunningSystem, meterNo: string): Promise<FleetMeterDetail> {
  const res = await fetch(`${system.urls.fleet}/${meterNo}`)
  if (!res.ok) throw new Error(`fleet ${meterNo}: HTTP ${res.status}`)
  return (await res.json()) as FleetMeterDetail
}

export interface Delivery {
  tokens: string[]
  state: string
}

export async function deliveries(system: RunningSystem, meterNo: string): Promise<Delivery[]> {
  const res = await fetch(`${system.urls.central}/api/v1/meters/${meterNo}/deliveries`, {
    headers: { 'x-gridtill-admin-token': 'demo-admin' },
  })
  if (!res.ok) throw new Error(`deliveries ${meterNo}: HTTP ${res.status}`)
  return (await res.json()) as Delivery[]
}

/** "1234 5678 …" on screen or on paper → "12345678…". */
export const digitsOnly = (s: string): string => s.replace(/\D/g, '')
