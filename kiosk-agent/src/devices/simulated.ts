import type { Logger } from 'pino'
import type { Clock } from '@gridtill/shared'
import {
  createBillAcceptor,
  createBillAcceptorSimulator,
  createMemoryLink,
  createSimulatedCardReader,
  createSimulatedPrinter,
  renderReceipt,
  renderReceiptPng,
} from '@gridtill/hardware'
import type { KioskDevices } from './types.ts'

/**
 * 'fast' pace (crash tests): the same phases in the same order, each a fraction of a real unit's
 * time, polled often enough that the driver still sees every transient status.
 */
const FAST_SIM_TIMINGS = { acceptMs: 40, stackMs: 60, transientMs: 50, initMs: 20 }
const FAST_POLL_MS = 20

/**
 * Demo and test hardware: each device is its simulator on the device end of an in-memory link and
 * the real driver on the host end, so the agent exercises the same protocol bytes as on a kiosk.
 */
export async function createSimulatedDevices(opts: {
  protocol: 'id003' | 'ssp'
  clock: Clock
  log: Logger
  /** Where the simulated cassette lives: the box of notes outlives this process, as a real one would. */
  cassetteFile?: string
  /** 'fast': the same steps in a fraction of a real unit's time (tests that run hundreds of notes). */
  pace?: 'device' | 'fast'
}): Promise<KioskDevices> {
  const log = opts.log
  const acceptorLink = createMemoryLink()
  const acceptorSim = createBillAcceptorSimulator(opts.protocol, acceptorLink.device, {
    ...(opts.cassetteFile ? { cassetteFile: opts.cassetteFile } : {}),
    ...(opts.pace === 'fast' ? { timings: FAST_SIM_TIMINGS } : {}),
  })
  const acceptor = createBillAcceptor(opts.protocol, acceptorLink.host, {
    clock: opts.clock,
    log: log.child({ device: 'acceptor' }),
    // Every phase still shows in at least one poll (transientMs > poll), only sooner.
    ...(opts.pace === 'fast' ? { pollIntervalMs: FAST_POLL_MS } : {}),
  })

  const { reader, simulator: readerSim } = createSimulatedCardReader({
    reader: { clock: opts.clock, log: log.child({ device: 'reader' }) },
  })
  const { printer, simulator: printerSim } = await createSimulatedPrinter({ clock: opts.clock })

  return {
    acceptor,
    reader,
    printer,
    render: (data) => renderReceipt(data),
    sim: {
      acceptor: acceptorSim,
      acceptorLink,
      acceptorOnline: () => acceptor.state !== 'offline',
      reader: {
        tap: (card) => readerSim.tap(card),
        tapGarbage: () => readerSim.tapGarbage(),
        unplug: () => readerSim.unplug(),
        replug: () => readerSim.replug(),
        get plugged() {
          return readerSim.plugged
        },
      },
      printer: printerSim,
      renderReceiptPng: (r) => renderReceiptPng(r as Parameters<typeof renderReceiptPng>[0]),
    },
    async start() {
      await acceptorSim.start()
      await reader.start()
      // The acceptor keeps trying in the background when it is not up in time; the UI shows it offline.
      await acceptor.start().catch((err: unknown) => log.warn({ err }, 'acceptor not online at start'))
    },
    async stop() {
      await acceptor.stop().catch(() => undefined)
      await reader.stop().catch(() => undefined)
      await acceptorSim.stop().catch(() => undefined)
      await printerSim.stop().catch(() => undefined)
    },
  }
}
