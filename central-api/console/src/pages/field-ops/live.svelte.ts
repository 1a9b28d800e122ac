/**
 * The field operations page's state: the fleet, alerts and work orders, loaded over REST and then
 * kept current by the live WebSocket (/api/v1/console/field/live, the session cookie is the
 * credential). The socket reconnects with backoff and asks for a fresh snapshot on each connect.
 */
import { api, API_BASE } from '../../lib/api.ts'
import type { AlertView, KioskView, LiveMessage, StaffOption, WorkOrderView } from './types.ts'

const PING_MS = 25_000
/** The server closes the socket with this code when the session it was opened under has ended. */
const SESSION_ENDED = 4401

export type LiveState = 'connecting' | 'live' | 'lost'

export class FieldOpsState {
  fleet = $state<KioskView[]>([])
  alerts = $state<AlertView[]>([])
  workOrders = $state<WorkOrderView[]>([])
  staff = $state<StaffOption[]>([])
  offlineAfterMin = $state(5)
  live = $state<LiveState>('connecting')
  showCleared = $state(false)
  loadError = $state<string | null>(null)

  private socket: WebSocket | null = null
  private retryMs = 1000
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private stopped = false

  async load(): Promise<void> {
    const [fleet, alerts, workOrders, staff] = await Promise.all([
      api.get<{ kiosks: KioskView[]; offlineAfterMin: number }>('/console/field/fleet'),
      api.get<AlertView[]>(`/console/field/alerts?status=${this.showCleared ? 'all' : 'open'}`),
      api.get<WorkOrderView[]>('/console/field/work-orders'),
      api.get<StaffOption[]>('/console/field/staff'),
    ])
    this.fleet = fleet.kiosks
    this.offlineAfterMin = fleet.offlineAfterMin
    this.alerts = alerts
    this.workOrders = workOrders
    this.staff = staff
  }

  connect(): void {
    if (this.stopped || typeof WebSocket === 'undefined') return
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${API_BASE}/console/field/live`
    const ws = new WebSocket(url)
    this.socket = ws
    this.live = 'connecting'
    ws.onopen = () => {
      this.live = 'live'
      this.retryMs = 1000
    }
    // A ping now and then: the server re-checks the session on it, and a dead link shows.
    const ping = setInterval(() => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'ping' }))
    }, PING_MS)
    ws.onmessage = (ev: MessageEvent<string>) => {
      try {
        this.apply(JSON.parse(ev.data) as LiveMessage)
      } catch {
        // A frame we cannot read is skipped; the next snapshot repairs the view.
      }
    }
    ws.onclose = (ev: CloseEvent) => {
      clearInterval(ping)
      this.socket = null
      if (this.stopped) return
      if (ev.code === SESSION_ENDED) {
        // Any API call now answers 401, which takes the shell back to the sign-in screen.
        this.live = 'lost'
        void this.load().catch(() => undefined)
        return
      }
      this.live = 'lost'
      this.retryTimer = setTimeout(() => this.connect(), this.retryMs)
      this.retryMs = Math.min(this.retryMs * 2, 30_000)
    }
  }

  stop(): void {
    this.stopped = true
    if (this.retryTimer !== null) clearTimeout(this.retryTimer)
    this.socket?.close()
  }

  apply(msg: LiveMessage): void {
    switch (msg.type) {
      case 'snapshot':
        this.fleet = msg.fleet
        // The snapshot carries open alerts only; cleared ones already shown stay when asked for.
        this.alerts = this.showCleared ? mergeAll(this.alerts.filter((a) => a.status === 'cleared'), msg.alerts) : msg.alerts
        break
      case 'kiosk':
        this.fleet = upsert(this.fleet, msg.kiosk, (k) => k.kioskId)
        break
      case 'alert':
        if (msg.alert.status === 'cleared' && !this.showCleared) this.alerts = this.alerts.filter((a) => a.alertId !== msg.alert.alertId)
        else this.alerts = upsert(this.alerts, msg.alert, (a) => a.alertId, true)
        break
      case 'workOrder':
        this.workOrders = upsert(this.workOrders, msg.workOrder, (w) => w.workOrderId, true)
        break
      case 'pong':
      case 'error':
        break
    }
  }

  replaceAlert(a: AlertView): void {
    this.apply({ type: 'alert', alert: a })
  }

  replaceWorkOrder(w: WorkOrderView): void {
    this.apply({ type: 'workOrder', workOrder: w })
  }
}

function upsert<T>(list: T[], item: T, key: (t: T) => string, newFirst = false): T[] {
  const i = list.findIndex((x) => key(x) === key(item))
  if (i === -1) return newFirst ? [item, ...list] : [...list, item]
  const copy = list.slice()
  copy[i] = item
  return copy
}

function mergeAll(a: AlertView[], b: AlertView[]): AlertView[] {
  let out = a
  for (const x of b) out = upsert(out, x, (y) => y.alertId, true)
  return out.sort((x, y) => (x.raisedAt < y.raisedAt ? 1 : -1))
}
