/**
 * `npm run bench -- ui`: what the kiosk's browser downloads — the built kiosk-ui's JS and CSS,
 * gzipped at level 9 (the budget is 100 KB for both pages together), in total and per
 * page (a page's own entry chunk and CSS plus the chunks its HTML preloads). Builds only when
 * `kiosk-ui/dist` is missing.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { REPO_ROOT } from '../system/launch.ts'
import type { Report } from './run.ts'

const DIST = join(REPO_ROOT, 'kiosk-ui', 'dist')
const ASSETS = join(DIST, 'assets')

const gzipKb = (file: string): number => gzipSync(readFileSync(join(ASSETS, file)), { level: 9 }).length / 1024

/** The asset files an HTML page loads: its module script, modulepreloads and stylesheets. */
function pageAssets(html: string): string[] {
  const refs = [...html.matchAll(/(?:src|href)="[^"]*assets\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]!)
  return [...new Set(refs)]
}

export default function ui(report: Report): Promise<void> {
  if (!existsSync(ASSETS)) {
    execFileSync('npm', ['run', 'build', '-w', '@gridtill/kiosk-ui'], { cwd: REPO_ROOT, stdio: 'inherit' })
  }
  const files = readdirSync(ASSETS).filter((f) => f.endsWith('.js') || f.endsWith('.css'))
  const sizes = new Map(files.map((f) => [f, gzipKb(f)]))
  const total = [...sizes.values()].reduce((a, b) => a + b, 0)
  report('ui.bundle_gzip_kb', Number(total.toFixed(2)), 'KB')
  for (const page of ['index', 'panel']) {
    const htmlPath = join(DIST, `${page}.html`)
    if (!existsSync(htmlPath)) continue
    const kb = pageAssets(readFileSync(htmlPath, 'utf8')).reduce((sum, f) => sum + (sizes.get(f) ?? 0), 0)
    report(`ui.${page}_gzip_kb`, Number(kb.toFixed(2)), 'KB')
  }
  return Promise.resolve()
}
