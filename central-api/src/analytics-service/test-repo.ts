/**
 * A bare repository on either engine for the analytics-service tests (no app around it): a fresh
 * SQLite file, or a fresh PostgreSQL schema (GRIDTILL_TEST_DATABASE_URL or the CI server). Not
 * imported by production code.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { PostgresRepository } from '../storage/postgres/postgres-repository.ts'
import type { Repository } from '../storage/repository.ts'
import { seedDemoIfEmpty } from '../storage/seed-demo.ts'
import { SqliteRepository } from '../storage/sqlite/sqlite-repository.ts'

export const ENGINES = ['sqlite', 'postgres'] as const
export type Engine = (typeof ENGINES)[number]

function pgUrl(): string {
  const given = process.env.GRIDTILL_TEST_DATABASE_URL
  return given !== undefined && given !== '' ? given : 'postgres://postgres@127.0.0.1:5432/test'
}

async function pgExec(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl() })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

export interface TestRepo {
  repo: Repository
  close(): Promise<void>
}

export async function openTestRepo(engine: Engine, now: number): Promise<TestRepo> {
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridtill-analytics-'))
    const repo = SqliteRepository.open(path.join(dir, 'central.db'), now)
    return {
      repo,
      async close() {
        await repo.close()
        fs.rmSync(dir, { recursive: true, force: true })
      },
    }
  }
  const schema = `test_an_${randomBytes(6).toString('hex')}`
  const repo = await PostgresRepository.open({ url: pgUrl(), schema, poolSize: 4 }, now)
  return {
    repo,
    async close() {
      await repo.close()
      await pgExec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    },
  }
}

/** The demo estate with its synthetic history, as `npm start` seeds it (the vending key is a dummy). */
export async function seedDemo(repo: Repository, meterCount: number, now: number): Promise<void> {
  await seedDemoIfEmpty(
    repo,
    {
      importVendingKey: (keyId) =>
        repo.putVendingKey({ keyId, iv: 'AA==', ciphertext: 'AA==', tag: 'AA==' }, now),
    },
    meterCount,
    now,
  )
}
