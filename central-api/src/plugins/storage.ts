/**
 * Decorates the app with the repository, opened (and checked, and migrated) before anything runs,
 * and makes every reply wait until the writes it may have seen are durable (SQLite group commit:
 * a reply is never sent before the commit that contains its vend, nonce or claim).
 */
import fp from 'fastify-plugin'
import type { Clock } from '@gridtill/shared'
import type { Config } from '../config.ts'
import { describeStorage, openRepository } from '../storage/open.ts'
import type { Repository } from '../storage/repository.ts'

declare module 'fastify' {
  interface FastifyInstance {
    repo: Repository
  }
}

export const storagePlugin = fp<{ config: Config; clock: Clock }>(
  async (app, opts) => {
    // SQLite's writer (statements and each group commit's fsync) runs beside the request handling.
    const repo = await openRepository(opts.config, opts.clock.now(), { sqliteWorker: process.env.GRIDTILL_SQLITE_WORKER !== '0' })
    app.decorate('repo', repo)
    app.addHook('onClose', () => repo.close())
    app.addHook('onSend', async (_req, _reply, payload) => {
      await repo.settled()
      return payload
    })
    app.log.info({ engine: repo.engine, storage: describeStorage(opts.config) }, repo.engine === 'sqlite' ? 'storage open (WAL, synchronous=FULL, group commit)' : 'storage open (PostgreSQL)')
  },
  { name: 'storage' },
)
