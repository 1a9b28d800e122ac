/**
 * `npm run bench` runs every group; `npm run bench -- <group> [<group>…]` runs some.
 * A group is `tests/bench/<group>.bench.ts` whose default export receives `report`; each figure is
 * printed as one line `BENCH <name> <value> <unit>`. Speed figures come with a baseline measured
 * in the same run and the ratio, because the machines are noisy.
 */
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export type Report = (name: string, value: number, unit: string) => void
export type BenchGroup = (report: Report) => Promise<void>

const here = dirname(fileURLToPath(import.meta.url))
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort()

const wanted = process.argv.slice(2)
const unknown = wanted.filter((g) => !available.includes(g))
if (unknown.length > 0) {
  console.error(`unknown bench group(s): ${unknown.join(', ')}; available: ${available.join(', ')}`)
  process.exit(2)
}

const report: Report = (name, value, unit) => {
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(3)
  console.log(`BENCH ${name} ${shown} ${unit}`)
}

for (const group of wanted.length > 0 ? wanted : available) {
  const mod = (await import(pathToFileURL(join(here, `${group}.bench.ts`)).href)) as {
    default: BenchGroup
  }
  await mod.default(report)
}
