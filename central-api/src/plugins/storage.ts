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
  interface FastifyRequest {
    /**
     * Set by kiosk-auth right after the request's nonce was spent: repo.settled() as it was then,
     * which covers that nonce. The reply waits for it instead of every nonce spent since.
     */
    storageBarrier: Promise<void> | null
  }
}

/** The SQLite worker repository's settled() without other requests' nonces (worker-repository.ts). */
interface ExceptNonces {
  settledExceptNonces?: () => Promise<void>
}

export const storagePlugin = fp<{ config: Config; clock: Clock }>(
  async (app, opts) => {
    // SQLite's writer (statements and each group commit's fsync) runs beside the request handling.
    const repo = await openRepository(opts.config, opts.clock.now(), { sqliteWorker: process.env.GRIDTILL_SQLITE_WORKER !== '0' })
    app.decorate('repo', repo)
    app.addHook('onClose', () => repo.close())
    app.decorateRequest('storageBarrier', null)
    const exceptNonces = (repo as Repository & ExceptNonces).settledExceptNonces
    app.addHook('onSend', async (req, _reply, payload) => {
      if (req.storageBarrier === null || exceptNonces === undefined) await repo.settled()
      else await Promise.all([req.storageBarrier, exceptNonces()])
      return payload
    })
    app.log.info({ engine: repo.engine, storage: describeStorage(opts.config) }, repo.engine === 'sqlite' ? 'storage open (WAL, synchronous=FULL, group commit)' : 'storage open (PostgreSQL)')
  },
  { name: 'storage' },
)
