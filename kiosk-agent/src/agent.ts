import fs from 'node:fs'
import path from 'node:path'
import type { Logger } from 'pino'
import { createActor } from 'xstate'
import { DEFAULT_NOTE_VALUES_FEN, type Clock } from '@gridtill/shared'
import type { FastifyInstance } from 'fastify'
import type { AgentConfig } from './config.ts'
import { createAcceptorService } from './actors/acceptor.actor.ts'
import { createCentralLogic } from './actors/central.actor.ts'
import { createCloseCashboxLogic } from './actors/cashbox.actor.ts'
import { createPrintReceiptLogic, createTestPrintLogic, type PrinterDeps } from './actors/printer.actor.ts'
import { createReaderLogic } from './actors/reader.actor.ts'
import { createVendLogic } from './actors/vend.actor.ts'
import { CentralError, createCentralClient, type CentralClient } from './central-client/central-client.ts'
import { createHistoryClient, createHistoryLogic } from './central-client/history.ts'
import { DeviceStatus } from './devices/device-status.ts'
import type { KioskDevices } from './devices/types.ts'
import { loadOrCreateIdentity, saveEnrolment, type KioskIdentity } from './journal/identity.ts'
import { Journal } from './journal/journal.ts'
import { printRecoveryReceipts } from './journal/recovery-receipts.ts'
import { recoverUnvendedNotes } from './journal/recovery.ts'
import { transactionMachine, type TransactionActor } from './machines/transaction.machine.ts'
import { Outbox } from './outbox/outbox.ts'
import { createOpsChannels } from './outbox/ops-channels.ts'
import { OpsOutbox } from './outbox/ops-outbox.ts'
import { withRosterFallback } from './roster/cached-lookups.ts'
import { Roster } from './roster/roster.ts'
import { serviceData } from './service-mode/service-data.ts'
import { Heartbeat } from './heartbeat/heartbeat.ts'
import { journalStaffActions } from './service-mode/staff-actions.ts'
import { simPanelPlugin } from './sim-panel/routes.ts'
import { createIntentHandler } from './ui-bridge/intents.ts'
import { renderMetrics } from './ui-bridge/metrics.ts'
import { buildUiBridge } from './ui-bridge/server.ts'
import { SnapshotHub } from './ui-bridge/snapshot-hub.ts'
import { screenOf, toKioskView } from './ui-bridge/view.ts'

export interface AgentDeps {
  config: AgentConfig
  clock: Clock
  log: Logger
  devices: (config: AgentConfig) => Promise<KioskDevices>
  fetch?: typeof fetch
  version?: string
}

export interface RunningAgent {
  app: FastifyInstance
  actor: TransactionActor
  journal: Journal
  outbox: Outbox
  /** Collections and service events on their way to the central. */
  ops: OpsOutbox
  roster: Roster
  devices: KioskDevices
  central: CentralClient
  /** http://host:port */
  url: string
  stop(): Promise<void>
}

/** The simulated and the usual real cash box hold 1000 notes (hardware's simulator default). */
const CASHBOX_CAPACITY = 1000

/** Enrols the kiosk's key with the one-time code; retries while the central does not answer. */
async function enrol(central: CentralClient, identity: KioskIdentity, deps: { code: string | undefined; log: Logger; journal: Journal }): Promise<void> {
  if (identity.enrolment) return
  if (!deps.code) throw new Error('this kiosk is not enrolled: set ENROLLMENT_CODE to the code on its commissioning sheet')
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await central.enroll({ enrollmentCode: deps.code, publicKey: identity.publicKeySpkiB64 })
      saveEnrolment(deps.journal, res)
      identity.enrolment = res
      deps.log.info({ kioskId: res.kioskId, name: res.name }, 'kiosk enrolled')
      return
    } catch (err) {
      if (err instanceof CentralError && err.answered) {
        throw new Error(`enrolment refused by the central (${err.status} ${err.code}): ${err.message}`)
      }
      const waitMs = Math.min(30_000, 1000 * 2 ** Math.min(attempt - 1, 5))
      deps.log.warn({ attempt, waitMs, err: err instanceof Error ? err.message : String(err) }, 'central not reachable for enrolment; retrying')
      await new Promise((r) => setTimeout(r, waitMs))
    }
  }
}

/** Builds and starts everything; main.ts adds signals and exit codes. */
export async function startAgent(deps: AgentDeps): Promise<RunningAgent> {
  const { config, clock, log } = deps
  const journal = Journal.open(path.join(path.resolve(config.AGENT_DATA_DIR), 'journal.db'), { clock })
  const identity = loadOrCreateIdentity(journal)
  let centralOnline = false
  let hub: SnapshotHub | null = null
  const central = createCentralClient({
    baseUrl: config.CENTRAL_URL,
    clock,
    timeoutMs: config.CENTRAL_TIMEOUT_MS,
    credentials: () => (identity.enrolment ? { kioskId: identity.enrolment.kioskId, privateKey: identity.privateKey } : null),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    onReachability: (reachable) => {
      if (reachable === centralOnline) return
      centralOnline = reachable
      log.info({ centralOnline }, reachable ? 'central reachable' : 'central unreachable')
      hub?.refresh()
    },
  })
  try {
    await enrol(central, identity, { code: config.ENROLLMENT_CODE, log, journal })
  } catch (err) {
    journal.close()
    throw err
  }
  const kiosk = () => ({ name: identity.enrolment?.name ?? 'GridTill kiosk', location: identity.enrolment?.location ?? '' })

  const devices = await deps.devices(config)
  const status = new DeviceStatus(devices.acceptor.protocol)
  const readAcceptorState = () => status.acceptorState(devices.acceptor.state)
  devices.acceptor.on((e) => {
    status.acceptorEvent(e)
    // The driver updates its state after telling; read it once the event has settled.
    setImmediate(readAcceptorState)
  })
  devices.reader.on((e) => status.readerEvent(e))
  const acceptor = createAcceptorService(devices.acceptor, { journal, log: log.child({ device: 'acceptor' }) })

  const outbox = new Outbox({ journal, post: (body) => central.postVend(body), clock, log: log.child({ component: 'outbox' }) })
  const ops = new OpsOutbox({
    channels: createOpsChannels(journal, central),
    log: log.child({ component: 'ops-outbox' }),
    onAnswered: () => outbox.markSynced(),
    onChange: () => hub?.refresh(),
  })
  const roster = new Roster(journal, clock)

  const printerDeps: PrinterDeps = {
    printer: devices.printer,
    render: devices.render,
    journal,
    clock,
    log: log.child({ device: 'printer' }),
    kiosk,
    timeZone: config.TIME_ZONE,
    onStatus: (s) => status.printerStatus(s),
  }

  // Money from before a crash: vends for credited notes no vend claims; then deliver everything pending.
  recoverUnvendedNotes(journal, { clock, log })
  // Receipts owed from before the restart, chosen before any resident can start a vend of their own.
  const unprinted = journal.vendsWithoutReceipt().map((v) => v.vendId)
  outbox.start()
  ops.start()

  const machine = transactionMachine.provide({
    actors: {
      acceptor: acceptor.logic,
      reader: createReaderLogic(devices.reader, log.child({ device: 'reader' })),
      // Lookups answer from the offline roster when the central is away (the machine cannot tell).
      ...createCentralLogic({ ...central, ...withRosterFallback(central, roster, log.child({ component: 'roster' })) }),
      // Issue #8 (kiosk UI): the card's history and the token's delivery status, signed like every central call.
      ...createHistoryLogic(central, createHistoryClient({ baseUrl: config.CENTRAL_URL, clock, timeoutMs: config.CENTRAL_TIMEOUT_MS, credentials: () => (identity.enrolment ? { kioskId: identity.enrolment.kioskId, privateKey: identity.privateKey } : null), ...(deps.fetch ? { fetch: deps.fetch } : {}) })),
      vend: createVendLogic({ journal, outbox, log }),
      printReceipt: createPrintReceiptLogic(printerDeps, (vendId) => journal.getVend(vendId)?.response ?? null),
      testPrint: createTestPrintLogic(printerDeps),
      closeCashbox: createCloseCashboxLogic({ journal, log, closed: () => ops.kick() }),
    },
  })
  const actor = createActor(machine, {
    input: {
      now: () => clock.now(),
      noteValuesFen: DEFAULT_NOTE_VALUES_FEN,
      timing: {
        idleTimeoutMs: config.IDLE_TIMEOUT_MS,
        idleWarningMs: config.IDLE_WARNING_MS,
        lookupTimeoutMs: config.CENTRAL_TIMEOUT_MS + 2_000,
        vendWaitMs: config.VEND_WAIT_MS,
        doneTimeoutMs: config.DONE_TIMEOUT_MS,
        escrowHoldMs: config.ESCROW_HOLD_MS, // issue #8 (kiosk UI)
        errorTimeoutMs: config.ERROR_TIMEOUT_MS,
        serviceTimeoutMs: config.SERVICE_TIMEOUT_MS,
      },
    },
  })

  let receiptsRunning: Promise<unknown> = Promise.resolve()
  const printRecovered = (vendIds?: string[]) => {
    receiptsRunning = receiptsRunning
      .then(() =>
        printRecoveryReceipts({ journal, outbox, printer: printerDeps, log, waitMs: config.VEND_WAIT_MS, ...(vendIds ? { vendIds } : {}) }),
      )
      .catch((err: unknown) => log.error({ err }, 'recovery receipts failed'))
  }

  actor.on('journal.session', (e) => {
    const slog = log.child({ sessionId: e.sessionId })
    if (e.state === 'abandoned') journal.setSessionState(e.sessionId, 'abandoned')
    else journal.upsertSession(e)
    slog.info({ state: e.state }, 'session')
    if (e.state === 'done' || e.state === 'abandoned') {
      // Notes credited after this session's vend went out (a late stack) get a vend of their own.
      const swept = recoverUnvendedNotes(journal, { clock, log })
      for (const v of swept.created) outbox.enqueue(v.vendId)
      // Only these: a receipt-less vend of a session in progress is that session's to print.
      if (swept.created.length > 0) printRecovered(swept.created.map((v) => v.vendId))
    }
  })
  actor.on('outbox.kick', () => {
    outbox.kick()
    ops.kick()
  })
  journalStaffActions(actor, journal, log.child({ component: 'service' }), { clock, journaled: () => ops.kick() })
  actor.subscribe({ error: (err) => log.fatal({ err }, 'transaction machine crashed') })

  const version = deps.version ?? '0.0.0'
  hub = new SnapshotHub(
    (seq, at) =>
      toKioskView(actor.getSnapshot(), status.get(), {
        seq,
        at,
        kiosk: { ...kiosk(), centralOnline, version },
        serviceData: () => serviceData(journal, outbox, ops),
      }),
    clock,
  )
  const refresh = () => hub?.refresh()
  actor.subscribe(refresh)
  status.onChange(refresh)
  outbox.onChange(refresh)

  const pollPrinter = async () => {
    try {
      status.printerStatus(await devices.printer.status())
    } catch (err) {
      log.warn({ err }, 'printer status failed')
    }
  }

  let shuttingDown = false
  const handleMessage = createIntentHandler({
    clock,
    sink: { can: (intent) => !shuttingDown && actor.getSnapshot().can(intent), send: (intent) => actor.send(intent) },
  })
  // Fastify's start-up work (plugins, route schemas) runs while the devices handshake.
  const appBuilt = buildUiBridge({
    log,
    uiDist: config.UI_DIST,
    hub,
    handleMessage,
    health: () => {
      const devicesView = status.get()
      const reasons: string[] = []
      if (shuttingDown) reasons.push('shutting down')
      const degraded: string[] = []
      if (!centralOnline) degraded.push('central unreachable (vends are journaled and retried)')
      if (devicesView.acceptor.health !== 'ok') degraded.push(`acceptor ${devicesView.acceptor.health}`)
      if (devicesView.printer.health !== 'ok') degraded.push(`printer ${devicesView.printer.health}`)
      if (devicesView.reader.health !== 'ok') degraded.push(`reader ${devicesView.reader.health}`)
      return {
        ready: reasons.length === 0,
        reasons,
        degraded,
        kioskId: identity.enrolment?.kioskId ?? null,
        screen: screenOf(actor.getSnapshot()),
        centralOnline,
        devices: devicesView,
        outbox: outbox.stats(),
      }
    },
    metrics: () => {
      const t = journal.totals()
      const o = outbox.stats()
      return renderMetrics({
        notes: t.notes,
        notesFen: t.notesFen,
        vendsByState: t.vendsByState,
        suspectNotes: t.suspectNotes,
        outboxDepth: o.depth,
        outboxOldestAgeMs: o.oldestAgeMs,
        deliverySecondsSum: o.deliverySecondsSum,
        deliveryCount: o.deliveryCount,
        centralOnline,
        wsClients: hub?.clients ?? 0,
        devices: status.get(),
        screen: screenOf(actor.getSnapshot()),
      })
    },
    plugins: devices.sim ? [simPanelPlugin({ ...devices.sim, onChange: () => void pollPrinter() }, { meterCount: config.DEMO_METERS })] : [],
  }).then(async (built) => {
    await built.ready()
    return built
  })
  // Awaited below; a failure meanwhile must not surface as an unhandled rejection.
  appBuilt.catch(() => undefined)

  await devices.start()
  status.readerOnline(devices.reader.online)
  status.acceptorState(devices.acceptor.state)
  actor.start()

  await pollPrinter()
  const printerTimer = setInterval(() => void pollPrinter(), 5_000)
  printerTimer.unref()
  const acceptorTimer = setInterval(readAcceptorState, 1_000)
  acceptorTimer.unref()

  const app = await appBuilt
  const address = await app.listen({ port: config.AGENT_PORT, host: config.HOST })
  const url = address.replace('[::1]', 'localhost')

  if (unprinted.length > 0) printRecovered(unprinted)

  // The online indicator follows every call; when the kiosk is idle a ping keeps it honest.
  const ping = () => void central.ping().catch(() => undefined)
  ping()
  const pingTimer = setInterval(ping, 15_000)
  pingTimer.unref()

  const startedAt = clock.now()
  const heartbeat = new Heartbeat({
    clock,
    log: log.child({ component: 'heartbeat' }),
    intervalMs: config.HEARTBEAT_MS,
    send: (body) => central.heartbeat(body),
    state: () => {
      const box = journal.cashbox()
      const o = outbox.stats()
      const snap = actor.getSnapshot()
      return {
        softwareVersion: version,
        uptimeS: Math.max(0, Math.floor((clock.now() - startedAt) / 1000)),
        screen: screenOf(snap),
        outOfService: snap.context.outOfService,
        devices: status.get(),
        outbox: { depth: o.depth, oldestAgeMs: o.oldestAgeMs, failed: o.failed },
        cashbox: {
          cycleId: box.cycleId,
          noteCount: box.noteCount,
          totalFen: box.totalFen,
          fill: Math.min(1, box.noteCount / CASHBOX_CAPACITY),
          suspectNotes: journal.suspectNoteCount(),
        },
        collectionsPending: journal.pendingCollections().length,
      }
    },
  })
  status.onChange(() => heartbeat.devicesChanged(status.get()))
  heartbeat.start()

  const stop = async () => {
    if (shuttingDown) return
    shuttingDown = true
    log.info('shutting down')
    clearInterval(printerTimer)
    clearInterval(pingTimer)
    await heartbeat.stop()
    clearInterval(acceptorTimer)
    // Stop taking money first; a note mid-stack completes and is journaled by the credit handler.
    await Promise.race([devices.acceptor.disable().catch(() => undefined), new Promise((r) => setTimeout(r, 3_000))])
    await app.close()
    // Money taken in the session on screen becomes a vend intent now; the next start delivers it.
    const swept = recoverUnvendedNotes(journal, { clock, log })
    if (swept.created.length > 0) log.warn({ vends: swept.created.map((v) => v.vendId) }, 'journaled vends for the open session')
    actor.stop()
    await outbox.stop()
    await ops.stop()
    await receiptsRunning
    await devices.stop()
    journal.close()
    log.info('stopped')
  }

  return { app, actor, journal, outbox, ops, roster, devices, central, url, stop }
}

export function readVersion(packageJsonPath: string): string {
  try {
    return (JSON.parse(fs.readFileSync(packageJsonPath, 'utf8')) as { version?: string }).version ?? '0.0.0'
  } catch {
    return '0.0.0'
  }
}
