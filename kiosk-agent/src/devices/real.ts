import type { Logger } from 'pino'
import type { Clock } from '@gridtill/shared'
import {
  ACCEPTOR_LINE_SETTINGS,
  EscPosPrinter,
  SerialTransport,
  createBillAcceptor,
  createCardReader,
  createNodeHidTransport,
  renderReceipt,
} from '@gridtill/hardware'
import type { AgentConfig } from '../config.ts'
import type { KioskDevices } from './types.ts'

/**
 * Real hardware (DEVICES=real): the acceptor and the printer on serial ports, the card reader on
 * raw HID. Each driver owns its transport; nothing here knows a protocol byte.
 */
export function createRealDevices(config: AgentConfig, deps: { clock: Clock; log: Logger }): Promise<KioskDevices> {
  const { clock, log } = deps
  if (!config.ACCEPTOR_PORT || !config.PRINTER_PORT || !config.READER_HID) {
    return Promise.reject(new Error('DEVICES=real needs ACCEPTOR_PORT, PRINTER_PORT and READER_HID'))
  }
  const protocol = config.ACCEPTOR_PROTOCOL
  const acceptorPort = new SerialTransport({ path: config.ACCEPTOR_PORT, ...ACCEPTOR_LINE_SETTINGS[protocol] })
  const acceptor = createBillAcceptor(protocol, acceptorPort, { clock, log: log.child({ device: 'acceptor' }) })

  const [vid, pid] = config.READER_HID.split(':').map((h) => parseInt(h, 16))
  const reader = createCardReader(createNodeHidTransport({ vendorId: vid ?? 0, productId: pid ?? 0 }), {
    clock,
    log: log.child({ device: 'reader' }),
  })

  const printerPort = new SerialTransport({ path: config.PRINTER_PORT, baudRate: config.PRINTER_BAUD })
  const printer = new EscPosPrinter(printerPort)

  return Promise.resolve({
    acceptor,
    reader,
    printer,
    render: (data) => renderReceipt(data),
    sim: null,
    async start() {
      await printerPort.open().catch((err: unknown) => log.error({ err }, 'printer port did not open'))
      // A missing reader or acceptor keeps being looked for; the screen shows it offline meanwhile.
      await reader.start().catch((err: unknown) => log.error({ err }, 'card reader not started'))
      await acceptor.start().catch((err: unknown) => log.warn({ err }, 'acceptor not online at start'))
    },
    async stop() {
      await acceptor.stop().catch(() => undefined)
      await reader.stop().catch(() => undefined)
      printer.dispose()
      await printerPort.close().catch(() => undefined)
    },
  })
}
