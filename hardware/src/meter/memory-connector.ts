/**
 * An in-process meter link: what the fleet publishes is recorded, what a test or an embedding
 * process sends is handed straight to the meter. For unit tests and benchmarks that need meters
 * but not a broker.
 */
import type {
  InboundLeaf,
  MeterConnection,
  MeterConnector,
  MeterLinkHandlers,
  OutboundLeaf,
} from './connection.ts'

export interface PublishedMessage {
  meterNo: string
  leaf: OutboundLeaf | 'status'
  payload: unknown
}

export class MemoryConnector implements MeterConnector {
  readonly published: PublishedMessage[] = []
  private readonly links = new Map<
    string,
    { handlers: MeterLinkHandlers; conn: { connected: boolean } }
  >()

  connect(meterNo: string, handlers: MeterLinkHandlers): MeterConnection {
    const state = { connected: false }
    const published = this.published
    const conn: MeterConnection = {
      get connected() {
        return state.connected
      },
      publish(leaf, payload) {
        if (!state.connected) return Promise.reject(new Error('link down'))
        published.push({ meterNo, leaf, payload })
        return Promise.resolve()
      },
      close: () => {
        if (state.connected)
          published.push({ meterNo, leaf: 'status', payload: { meterNo, online: false } })
        state.connected = false
        this.links.delete(meterNo)
        return Promise.resolve()
      },
    }
    this.links.set(meterNo, { handlers, conn: state })
    // Like a real link, "up" is reported asynchronously.
    queueMicrotask(() => {
      if (this.links.get(meterNo)?.conn !== state) return
      state.connected = true
      published.push({ meterNo, leaf: 'status', payload: { meterNo, online: true } })
      handlers.onOnline?.()
    })
    return conn
  }

  /** Hands a message to a connected meter; false when the meter is not connected (nothing queues). */
  send(meterNo: string, leaf: InboundLeaf, payload: string | object): boolean {
    const link = this.links.get(meterNo)
    if (!link?.conn.connected) return false
    link.handlers.onMessage(
      leaf,
      Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
    )
    return true
  }
}
