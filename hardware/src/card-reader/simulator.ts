import { createHidMemoryLink, type HidMemoryLink } from '../transport/hid-memory.ts'
import type { HidTransport } from '../transport/hid.ts'
import {
  CARD_REPORT_LENGTH,
  encodeCardReport,
  encodeReport,
  encodeWedgeKeystrokes,
  type CardKind,
  type StaffRole,
} from './codec.ts'
import { createCardReader, type CardReader, type CardReaderOptions } from './driver.ts'

/**
 * A simulated card reader: it sends the same HID reports as the real reader (raw or keyboard
 * wedge) over an in-memory HID link. Give `simulator.transport` to createCardReader.
 */

export interface SimCard {
  uid: string
  cardNo: string
  kind: CardKind
  role?: StaffRole
}

export interface CardReaderSimulatorOptions {
  mode?: 'raw' | 'wedge'
  /** An existing link; default a new one. */
  link?: HidMemoryLink
  /** Starts with the reader unplugged. */
  unplugged?: boolean
  /** Seed for tapGarbage's choices, so a failing run repeats. Default 1. */
  seed?: number
}

/** mulberry32: tiny, seedable, good enough to pick garbage. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export class CardReaderSimulator {
  readonly link: HidMemoryLink
  readonly mode: 'raw' | 'wedge'
  private readonly random: () => number

  constructor(options: CardReaderSimulatorOptions = {}) {
    this.link = options.link ?? createHidMemoryLink(options.unplugged ? { unplugged: true } : {})
    this.mode = options.mode ?? 'raw'
    this.random = prng(options.seed ?? 1)
  }

  /** The host side, for the driver. */
  get transport(): HidTransport {
    return this.link.host
  }

  get plugged(): boolean {
    return this.link.plugged
  }

  /**
   * A card enters the field. Raw mode sends the CARD_READ report `repeats` times (a reader
   * repeats it while the card rests there); wedge mode types the card number and Enter.
   */
  tap(card: SimCard, options: { repeats?: number } = {}): void {
    if (this.mode === 'wedge') {
      for (const r of encodeWedgeKeystrokes(card.cardNo)) this.link.sendReport(r)
      return
    }
    const report = encodeCardReport({
      uid: card.uid,
      cardNo: card.cardNo,
      cardKind: card.kind,
      ...(card.role && { staffRole: card.role }),
    })
    for (let i = 0; i < (options.repeats ?? 1); i++) this.link.sendReport(report)
  }

  /** A report the driver must reject: bad checksum, short, oversize, unknown type or key. */
  tapGarbage(): void {
    const pick = Math.floor(this.random() * 4)
    const noise = (n: number): Uint8Array =>
      Uint8Array.from({ length: n }, () => Math.floor(this.random() * 256))
    if (this.mode === 'wedge') {
      // An F-key press, or a report of the wrong size.
      this.link.sendReport(pick % 2 ? Uint8Array.of(0, 0, 0x3e, 0, 0, 0, 0, 0) : noise(5))
      this.link.sendReport(new Uint8Array(8))
      return
    }
    switch (pick) {
      case 0: {
        const good = encodeCardReport({
          uid: '04A1B2C3',
          cardNo: '1000000001',
          cardKind: 'resident',
        })
        good[3 + good[2]!]! ^= 0xff // break the checksum
        this.link.sendReport(good)
        return
      }
      case 1:
        this.link.sendReport(noise(1 + Math.floor(this.random() * (CARD_REPORT_LENGTH - 1))))
        return
      case 2:
        this.link.sendReport(noise(CARD_REPORT_LENGTH + 1 + Math.floor(this.random() * 16)))
        return
      default:
        this.link.sendReport(encodeReport(0x7e, noise(8)))
    }
  }

  /** Any report, as is. */
  sendReport(report: Uint8Array): boolean {
    return this.link.sendReport(report)
  }

  unplug(): void {
    this.link.unplug()
  }

  replug(): void {
    this.link.replug()
  }
}

/** A driver on a simulator, for tests and demo mode. The reader is not started. */
export function createSimulatedCardReader(
  options: CardReaderSimulatorOptions & { reader?: Omit<CardReaderOptions, 'mode'> } = {},
): { reader: CardReader; simulator: CardReaderSimulator } {
  const simulator = new CardReaderSimulator(options)
  const reader = createCardReader(simulator.transport, { ...options.reader, mode: simulator.mode })
  return { reader, simulator }
}
