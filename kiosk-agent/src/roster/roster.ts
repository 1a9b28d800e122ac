import type { AccountSummary, Clock } from '@gridtill/shared'
import type { Journal } from '../journal/journal.ts'

/** An account as the agent shows it: from the central, or from this kiosk's cache when it is away. */
export type ShownAccount = AccountSummary & { fromCache?: boolean }

/**
 * The offline roster: every account this kiosk has looked up, as the central last described it
 * (masked name, meters, last known credit, min/max vend, arrears), by card and by meter. Kept in
 * the journal DB so it outlives restarts; refreshed on every successful lookup.
 */
export class Roster {
  constructor(
    private readonly journal: Journal,
    private readonly clock: Clock,
  ) {}

  /** Remembers the central's answer; `cardNo` when the lookup was by card. */
  remember(account: AccountSummary, cardNo?: string): void {
    const db = this.journal.db
    const now = this.clock.now()
    // Never cache our own marker: the stored copy is the central's.
    const { fromCache: _f, ...clean } = account as ShownAccount
    db.transaction(() => {
      db.prepare(
        `INSERT INTO roster_accounts (account_id, account_json, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (account_id) DO UPDATE SET account_json = excluded.account_json, updated_at = excluded.updated_at`,
      ).run(clean.accountId, JSON.stringify(clean), now)
      const meter = db.prepare(
        `INSERT INTO roster_meters (meter_no, account_id, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (meter_no) DO UPDATE SET account_id = excluded.account_id, updated_at = excluded.updated_at`,
      )
      for (const m of clean.meters) meter.run(m.meterNo, clean.accountId, now)
      if (cardNo) {
        db.prepare(
          `INSERT INTO roster_cards (card_no, account_id, updated_at) VALUES (?, ?, ?)
           ON CONFLICT (card_no) DO UPDATE SET account_id = excluded.account_id, updated_at = excluded.updated_at`,
        ).run(cardNo, clean.accountId, now)
      }
    })()
  }

  /** The card's account from the cache, marked as such; null when this kiosk never saw the card. */
  byCard(cardNo: string): ShownAccount | null {
    const r = this.journal.db.prepare('SELECT account_id FROM roster_cards WHERE card_no = ?').get(cardNo) as { account_id: string } | undefined
    return r ? this.account(r.account_id) : null
  }

  byMeter(meterNo: string): ShownAccount | null {
    const r = this.journal.db.prepare('SELECT account_id FROM roster_meters WHERE meter_no = ?').get(meterNo) as { account_id: string } | undefined
    return r ? this.account(r.account_id) : null
  }

  size(): number {
    return (this.journal.db.prepare('SELECT COUNT(*) AS n FROM roster_accounts').get() as { n: number }).n
  }

  private account(accountId: string): ShownAccount | null {
    const r = this.journal.db.prepare('SELECT account_json FROM roster_accounts WHERE account_id = ?').get(accountId) as { account_json: string } | undefined
    return r ? { ...(JSON.parse(r.account_json) as AccountSummary), fromCache: true } : null
  }
}
