/**
 * What every console browser test needs: the console built as `npm run build` builds it, one
 * central in this process on free ports (the console flows need no meters or kiosk agent, and the
 * machine has 2 cores), a kiosk enrolled with the demo code that signs its requests, sign-in, and
 * screenshots.
 */
import { execFileSync } from 'node:child_process'
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Page } from 'playwright-core'
import { buildApp, loadConfig, signRequest } from '@gridtill/central-api'
import { API_PREFIX, DEMO_KIOSK } from '@gridtill/shared'
import { freePort, REPO_ROOT } from '../system/launch.ts'

const CONSOLE_DIR = join(REPO_ROOT, 'central-api/console')

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)
  }
  return newest
}

/**
 * Builds the console unless its build is newer than every source file: `npm test` has just built
 * it, and a spec run on its own after an edit still gets the edit.
 */
export function ensureConsoleBuilt(): void {
  const built = join(CONSOLE_DIR, 'dist/index.html')
  const sources = Math.max(newestMtime(join(CONSOLE_DIR, 'src')), statSync(join(CONSOLE_DIR, 'index.html')).mtimeMs, statSync(join(CONSOLE_DIR, 'vite.config.ts')).mtimeMs)
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return
  execFileSync('npx', ['vite', 'build', '--config', join(CONSOLE_DIR, 'vite.config.ts'), '--logLevel', 'error'], { cwd: REPO_ROOT, stdio: 'inherit' })
}

export interface ConsoleCentral {
  app: FastifyInstance
  base: string
  dataDir: string
  /** Milliseconds buildApp took (demo seeding included). */
  startMs: number
  close(): Promise<void>
}

/** A demo central (SQLite, embedded broker off) listening on a free port, the console built. */
export async function startConsoleCentral(opts: { name: string; meterCount: number; env?: Record<string, string> }): Promise<ConsoleCentral> {
  ensureConsoleBuilt()
  const dataDir = mkdtempSync(join(tmpdir(), `gridtill-e2e-${opts.name}-`))
  const { config } = loadConfig({
    GRIDTILL_DEMO: '1',
    DATA_DIR: dataDir,
    PORT: '0',
    MQTT_PORT: String(await freePort()),
    METER_COUNT: String(opts.meterCount),
    LOG_LEVEL: 'warn',
    ...opts.env,
  })
  const t0 = performance.now()
  const app = await buildApp({ config, meterLink: false })
  const startMs = performance.now() - t0
  await app.listen({ port: 0, host: '127.0.0.1' })
  const addr = app.server.address()
  if (addr === null || typeof addr === 'string') throw new Error('central did not listen on TCP')
  return {
    app,
    base: `http://127.0.0.1:${addr.port}`,
    dataDir,
    startMs,
    async close() {
      await app.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export interface TestKiosk {
  kioskId: string
  privateKey: KeyObject
  /** A signed POST to `${API_PREFIX}${path}`, as the agent sends it. */
  post(path: string, body: unknown): Promise<Response>
}

/** Enrols as the demo kiosk with its one-time code, the way the agent does on first start. */
export async function enrolDemoKiosk(base: string): Promise<TestKiosk> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const res = await fetch(`${base}${API_PREFIX}/kiosks/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enrollmentCode: DEMO_KIOSK.enrollmentCode, publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') }),
  })
  if (res.status !== 200) throw new Error(`enrolment answered ${res.status}: ${await res.text()}`)
  const { kioskId } = (await res.json()) as { kioskId: string }
  return {
    kioskId,
    privateKey,
    post(path, body) {
      const text = JSON.stringify(body)
      const headers = signRequest({ privateKey, kioskId, method: 'POST', path: `${API_PREFIX}${path}`, body: text, now: Date.now() })
      return fetch(`${base}${API_PREFIX}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: text })
    },
  }
}

export async function signIn(page: Page, base: string, staffId: string, password: string): Promise<void> {
  await page.goto(`${base}/console/`)
  await page.locator('input[name="staffId"]').fill(staffId)
  await page.locator('input[name="password"]').fill(password)
  await page.locator('form button[type="submit"]').click()
  await page.getByTestId('who').waitFor()
}

/** A full-page screenshot once the fonts are in, into `dir` (made if missing). */
export async function capture(page: Page, dir: string, name: string): Promise<void> {
  mkdirSync(dir, { recursive: true })
  await page.evaluate(() => document.fonts.ready.then(() => undefined))
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true, animations: 'disabled', caret: 'hide' })
}
