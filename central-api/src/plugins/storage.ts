/** Decorates the app with the repository, opened (and checked, and migrated) before anything runs. */
import fp from 'fastify-plugin'
import type { Clock } from '@gridtill/shared'
import { sqlitePath, type Config } from '../config.ts'
import type { Repository } from '../storage/repository.ts'
import { StorageStartupError } from '../storage/sqlite/database.ts'
import { SqliteRepository } from '../storage/sqlite/sqlite-repository.ts'

declare module 'fastify' {
  interface FastifyInstance {
    repo: Repository
  }
}

export function openRepository(config: Pick<Config, 'dataDir' | 'databaseUrl'>, clock: Clock): Repository {
  if (config.databaseUrl !== undefined && /^postgres(ql)?:\/\//i.test(config.databaseUrl)) {
    throw new StorageStartupError('DATABASE_URL=postgres://… is not yet supported; unset it to use SQLite')
  }
  return SqliteRepository.open(sqlitePath(config), clock.now())
}

// Async so a refusal to open (bad pragmas, newer schema, postgres) rejects the app's start cleanly.
export const storagePlugin = fp<{ config: Config; clock: Clock }>(
  (app, opts) => {
    let repo: Repository
    try {
      repo = openRepository(opts.config, opts.clock)
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)))
    }
    app.decorate('repo', repo)
    app.addHook('onClose', () => repo.close())
    app.log.info({ engine: repo.engine, file: sqlitePath(opts.config) }, 'storage open (WAL, synchronous=FULL)')
    return Promise.resolve()
  },
  { name: 'storage' },
)
