import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MeterStore, readLegacyJson, resolveStatePaths } from './meter-store.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridtill-store-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** What another process (the fleet after a crash) would read from the file right now. */
function onDisk(path: string, meterNo: string): unknown {
  const db = new Database(path, { readonly: true })
  try {
    const row = db.prepare('SELECT snapshot FROM meter_state WHERE meter_no = ?').get(meterNo) as
      { snapshot: string } | undefined
    return row ? (JSON.parse(row.snapshot) as unknown) : undefined
  } finally {
    db.close()
  }
}

describe('MeterStore', () => {
  it('commits on its writer thread (or inline when asked), later windows after earlier ones', async () => {
    for (const writerThread of [true, false]) {
      const path = join(dir, `w-${String(writerThread)}.db`)
      const store = MeterStore.open({ path, groupCommitMs: 1, writerThread })
      // Two windows for one meter: the later snapshot must be the one left on disk.
      const first = store.markDirty('58100000001', () => ({ v: 1 }), true)
      await first
      expect(onDisk(path, '58100000001')).toEqual({ v: 1 })
      const second = store.markDirty('58100000001', () => ({ v: 2 }), true)
      const third = store.markDirty('58100000002', () => ({ v: 3 }), false)
      await second
      expect(onDisk(path, '58100000001')).toEqual({ v: 2 })
      // A lazy change is on disk after flush() returns, whichever way it was committed.
      store.flush()
      await third
      expect(onDisk(path, '58100000002')).toEqual({ v: 3 })
      expect(store.stats.commits).toBeGreaterThanOrEqual(2)
      expect(store.stats.rowsWritten).toBe(3)
      store.close()
    }
  })

  it('opens in WAL mode with synchronous=FULL', () => {
    const path = join(dir, 'm.db')
    const store = MeterStore.open({ path })
    store.close()
    const db = new Database(path)
    expect(String(db.pragma('journal_mode', { simple: true }))).toBe('wal')
    db.close()
  })

  it('resolves a change only once it is on disk, and group-commits a burst into one transaction', async () => {
    const path = join(dir, 'm.db')
    const store = MeterStore.open({ path, groupCommitMs: 5 })
    try {
      const values = new Map<string, number>()
      const changes = Array.from({ length: 50 }, (_, i) => {
        const meterNo = `5810100${String(i).padStart(4, '0')}`
        values.set(meterNo, i)
        return store.markDirty(meterNo, () => ({ n: values.get(meterNo) }), true)
      })
      // Nothing is durable yet: the commit waits for the window to close.
      expect(onDisk(path, '58101000007')).toBeUndefined()
      let seenOnResolve: unknown
      void changes[7]?.then(() => (seenOnResolve = onDisk(path, '58101000007')))
      await Promise.all(changes)
      expect(seenOnResolve).toEqual({ n: 7 })
      expect(store.stats.commits).toBe(1)
      expect(store.stats.rowsWritten).toBe(50)

      // Ten changes to one meter in a window: one row write, holding the last value.
      let collected = 0
      const again = Array.from({ length: 10 }, (_, i) =>
        store.markDirty('58101000001', () => (collected++, { n: 100 + i }), true),
      )
      await Promise.all(again)
      expect(collected).toBe(1)
      expect(onDisk(path, '58101000001')).toEqual({ n: 109 })
      expect(store.stats.commits).toBe(2)
    } finally {
      store.close()
    }
  })

  it('keeps lazy changes back until their window or close', async () => {
    const path = join(dir, 'm.db')
    const store = MeterStore.open({ path, lazyMs: 10_000 })
    void store.markDirty('58101000001', () => ({ n: 1 }), false)
    await new Promise((r) => setTimeout(r, 30))
    expect(onDisk(path, '58101000001')).toBeUndefined()
    expect(store.isDirty('58101000001')).toBe(true)
    store.close() // shutdown flushes
    expect(onDisk(path, '58101000001')).toEqual({ n: 1 })
  })

  it('reports a failed commit to the waiters and keeps the change for the next one', async () => {
    const store = MeterStore.open({ path: join(dir, 'm.db'), groupCommitMs: 1 })
    try {
      let fail = true
      const collect = () => {
        if (fail) throw new Error('disk full')
        return { ok: true }
      }
      await expect(store.markDirty('58101000001', collect, true)).rejects.toThrow('disk full')
      expect(store.isDirty('58101000001')).toBe(true)
      fail = false
      await store.markDirty('58101000001', collect, true)
      expect(store.loadAll().get('58101000001')).toEqual({ ok: true })
    } finally {
      store.close()
    }
  })

  it('imports an old JSON state once', async () => {
    const json = join(dir, 'fleet-state.json')
    await writeFile(json, '{}')
    const { dbPath, legacyJson } = resolveStatePaths(json)
    expect(dbPath).toBe(join(dir, 'fleet-state.db'))
    expect(legacyJson).toBe(json)
    const store = MeterStore.open({ path: dbPath })
    try {
      expect(store.importLegacy(json, { '58101000001': { n: 1 } })).toBe(true)
      expect(store.importLegacy(json, { '58101000001': { n: 2 } })).toBe(false)
      expect(store.loadAll().get('58101000001')).toEqual({ n: 1 })
    } finally {
      store.close()
    }
    expect(resolveStatePaths(join(dir, 'x.db'))).toEqual({ dbPath: join(dir, 'x.db') })
    expect(resolveStatePaths(join(dir, 'none.json'))).toEqual({ dbPath: join(dir, 'none.db') })
    expect((await readdir(dir)).sort()).toContain('fleet-state.db')
  })

  it('refuses an old state file that is not JSON', async () => {
    await writeFile(join(dir, 's.json'), '{"half":')
    expect(() => readLegacyJson(join(dir, 's.json'))).toThrow(/not valid JSON/)
    expect(readLegacyJson(join(dir, 'none.json'))).toBeUndefined()
  })
})
