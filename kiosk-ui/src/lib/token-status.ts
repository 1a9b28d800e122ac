import type { TokenStatusView } from '@gridtill/shared'
import type { MessageKey } from '../messages/index.ts'

export interface TokenStatusLook {
  key: MessageKey
  tone: 'info' | 'ok' | 'warn' | 'danger'
  icon: 'clock' | 'sync' | 'checkCircle' | 'warning' | 'close'
  /** Stable hook for tests and styling: the delivery state, or 'unknown'. */
  state: string
}

/** How a token's delivery reads on screen; the words carry the meaning, the colour only echoes it. */
export function tokenStatusLook(delivery: TokenStatusView | null | undefined): TokenStatusLook {
  switch (delivery?.state) {
    case 'pending':
      return { key: 'token.pending', tone: 'info', icon: 'clock', state: 'pending' }
    case 'sent':
      return { key: 'token.sent', tone: 'info', icon: 'sync', state: 'sent' }
    case 'accepted':
      return { key: 'token.accepted', tone: 'ok', icon: 'checkCircle', state: 'accepted' }
    case 'rejected':
      return { key: 'token.rejected', tone: 'warn', icon: 'warning', state: 'rejected' }
    case 'cancelled':
      return { key: 'token.cancelled', tone: 'danger', icon: 'close', state: 'cancelled' }
    case undefined:
      return { key: 'token.unknown', tone: 'info', icon: 'sync', state: 'unknown' }
  }
}
