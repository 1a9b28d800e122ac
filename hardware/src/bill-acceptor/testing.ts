import { createMemoryLink, type MemoryLink, type MemoryLinkOptions } from '../transport/memory.ts'
import type {
  BillAcceptor,
  BillAcceptorEvent,
  BillAcceptorProtocol,
  BillAcceptorSimulator,
  BillAcceptorSimulatorOptions,
  SimulatorTimings,
} from './bill-acceptor.ts'
import type { DriverStats } from './driver-core.ts'
import {
  createBillAcceptor,
  createBillAcceptorSimulator,
  type BillAcceptorOptions,
} from './factory.ts'

/**
 * A driver and a simulator on one memory link, with fast timings: what the contract tests and
 * the agent's own tests use. Not for production wiring (the agent's main.ts builds its own).
 */
export const FAST_TIMINGS: SimulatorTimings = {
  acceptMs: 20,
  stackMs: 40,
  transientMs: 20,
  escrowTimeoutMs: 5000,
  initMs: 20,
}

export const FAST_DRIVER: BillAcceptorOptions = {
  pollIntervalMs: 5,
  responseTimeoutMs: 100,
  retransmits: 1,
  reconnectIntervalMs: 20,
  creditRetryMs: 10,
  escrowTimeoutMs: 4000,
  startTimeoutMs: 3000,
}

export interface Rig {
  link: MemoryLink
  sim: BillAcceptorSimulator
  driver: BillAcceptor & { readonly stats: DriverStats }
  events: BillAcceptorEvent[]
  credits: { noteId: string; valueFen: number }[]
  /** Resolves with the first event (from index `from`) that matches; rejects after `timeoutMs`. */
  next<T extends BillAcceptorEvent['type']>(
    type: T,
    opts?: { from?: number; timeoutMs?: number },
  ): Promise<Extract<BillAcceptorEvent, { type: T }>>
  until(pred: () => boolean, timeoutMs?: number, what?: string): Promise<void>
  count(type: BillAcceptorEvent['type']): number
  close(): Promise<void>
}

export interface RigOptions {
  link?: MemoryLinkOptions
  sim?: BillAcceptorSimulatorOptions
  driver?: BillAcceptorOptions
  /** Do not start the driver (tests that script the start themselves). */
  noStart?: boolean
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export async function createRig(
  protocol: BillAcceptorProtocol,
  options: RigOptions = {},
): Promise<Rig> {
  const link = createMemoryLink(options.link ?? {})
  const sim = createBillAcceptorSimulator(protocol, link.device, {
    ...options.sim,
    timings: { ...FAST_TIMINGS, ...options.sim?.timings },
  })
  await sim.start()
  const driver = createBillAcceptor(protocol, link.host, { ...FAST_DRIVER, ...options.driver })
  const events: BillAcceptorEvent[] = []
  const credits: { noteId: string; valueFen: number }[] = []
  driver.on((e) => events.push(e))
  driver.setCreditHandler((note) => {
    credits.push(note)
    return Promise.resolve()
  })
  const until = async (
    pred: () => boolean,
    timeoutMs = 3000,
    what = 'condition',
  ): Promise<void> => {
    const end = Date.now() + timeoutMs
    while (!pred()) {
      if (Date.now() > end) {
        throw new Error(
          `timed out waiting for ${what}; events: ${events.map((e) => e.type).join(', ')}; sim: ${sim.snapshot().state}`,
        )
      }
      await delay(3)
    }
  }
  const rig: Rig = {
    link,
    sim,
    driver,
    events,
    credits,
    async next(type, opts = {}) {
      const from = opts.from ?? 0
      let found: BillAcceptorEvent | undefined
      await until(
        () => {
          found = events.slice(from).find((e) => e.type === type)
          return found !== undefined
        },
        opts.timeoutMs ?? 3000,
        `event ${type}`,
      )
      return found as Extract<BillAcceptorEvent, { type: typeof type }>
    },
    until,
    count: (type) => events.filter((e) => e.type === type).length,
    async close() {
      await driver.stop().catch(() => undefined)
      await sim.stop().catch(() => undefined)
    },
  }
  if (!options.noStart) await driver.start()
  return rig
}
