/**
 * `npm run test:e2e`: the browser specs (tests/e2e) and the chaos specs (tests/chaos) as two
 * streams side by side, each one file at a time (tests/vitest.e2e.config.ts). Most of a browser
 * spec's time is spent waiting on the kiosk's own timers (idle warnings, receipts, escrow holds) and
 * most of a chaos spec's on restarting processes, so two streams share 2 cores well and the suite
 * takes about half as long. Arguments (file filters) run one plain vitest instead.
 * Exits non-zero when either stream fails; each line of output is prefixed with its stream.
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

const CONFIG = 'tests/vitest.e2e.config.ts'
const vitest = (args: string[], prefix: string | null): Promise<number> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', CONFIG, ...args], {
      stdio: prefix === null ? 'inherit' : ['ignore', 'pipe', 'pipe'],
      env: process.env,
    })
    if (prefix !== null) {
      for (const stream of [child.stdout, child.stderr]) {
        if (stream !== null) createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${prefix} ${line}\n`))
      }
    }
    child.on('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)))
  })

const filters = process.argv.slice(2)
const codes = filters.length > 0 ? [await vitest(filters, null)] : await Promise.all([vitest(['tests/e2e'], '[browser]'), vitest(['tests/chaos'], '[chaos]  ')])
process.exit(codes.every((c) => c === 0) ? 0 : 1)
