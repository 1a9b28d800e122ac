import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * The simulator's cassette as a small file: the box of notes is physical, so it must outlive the
 * process that simulates the acceptor (a SIGKILLed kiosk agent takes its in-process simulator
 * with it). Written synchronously, through a temporary file and a rename, so a kill at any instant
 * leaves either the old or the new contents, never half of either.
 */
export interface CassetteFileState {
  countsByValueFen: Record<string, number>
  /**
   * The note on its way into the box when the file was written: past the point of no return
   * (`inBox` false: still moving; true: in the box, its credit event not yet acknowledged). A
   * restart with one here powers up "with a bill in the stacker".
   */
  pending: { valueFen: number; inBox: boolean } | null
}

export function readCassetteFile(file: string): CassetteFileState | null {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return null
  }
  const parsed = JSON.parse(text) as Partial<CassetteFileState>
  const counts: Record<string, number> = {}
  for (const [k, v] of Object.entries(parsed.countsByValueFen ?? {})) {
    if (Number.isSafeInteger(Number(k)) && Number.isSafeInteger(v) && v > 0) counts[k] = v
  }
  const p = parsed.pending
  const pending = p && Number.isSafeInteger(p.valueFen) && p.valueFen > 0 ? { valueFen: p.valueFen, inBox: p.inBox === true } : null
  return { countsByValueFen: counts, pending }
}

export function writeCassetteFile(file: string, state: CassetteFileState): void {
  mkdirSync(dirname(file), { recursive: true })
  const tmp = `${file}.tmp`
  const fd = openSync(tmp, 'w')
  try {
    writeSync(fd, JSON.stringify(state))
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, file)
}
