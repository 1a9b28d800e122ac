import type { Logger } from 'pino'
import { ErrorCode, type CardLookupResponse, type MeterLookupResponse } from '@gridtill/shared'
import { CentralError, type CentralClient } from '../central-client/central-client.ts'
import type { Roster } from './roster.ts'

/** The central did not answer at all, or failed on its side: the roster may stand in. */
function centralAway(err: unknown): boolean {
  return err instanceof CentralError && (!err.answered || err.status >= 500)
}

/**
 * Account lookups that answer from the offline roster when the central is unreachable, and fill
 * the roster whenever it answers. An account from the cache carries `fromCache: true`; a card or
 * meter this kiosk never saw gets a clear error code of its own (not the central's "unknown", which
 * would send a field-staff card back out of service mode).
 */
export function withRosterFallback(
  central: CentralClient,
  roster: Roster,
  log: Logger,
): Pick<CentralClient, 'lookupCard' | 'lookupMeter'> {
  return {
    async lookupCard(cardNo: string): Promise<CardLookupResponse> {
      try {
        const res = await central.lookupCard(cardNo)
        if (res.kind === 'resident') remember(() => roster.remember(res.account, cardNo))
        return res
      } catch (err) {
        if (!centralAway(err)) throw err
        const account = roster.byCard(cardNo)
        if (!account) {
          throw new CentralError(0, ErrorCode.OFFLINE_CARD_UNKNOWN, 'central unreachable and this kiosk has not seen this card before')
        }
        log.info({ accountId: account.accountId }, 'account from the offline roster (card)')
        return { kind: 'resident', cardNo, account }
      }
    },
    async lookupMeter(meterNo: string): Promise<MeterLookupResponse> {
      try {
        const res = await central.lookupMeter(meterNo)
        remember(() => roster.remember(res.account))
        return res
      } catch (err) {
        if (!centralAway(err)) throw err
        const account = roster.byMeter(meterNo)
        if (!account) {
          throw new CentralError(0, ErrorCode.OFFLINE_METER_UNKNOWN, 'central unreachable and this kiosk has not seen this meter before')
        }
        log.info({ accountId: account.accountId }, 'account from the offline roster (meter)')
        return { account }
      }
    },
  }

  // A cache that cannot be written must not cost the resident the lookup that just worked.
  function remember(write: () => void): void {
    try {
      write()
    } catch (err) {
      log.warn({ err }, 'offline roster not updated')
    }
  }
}
