import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLink } from '../transport/memory.ts'
import type { Transport } from '../transport/transport.ts'
import { EscPosPrinter } from './driver.ts'
import { EscPosEncoder } from './encoder.ts'
import { createSimulatedPrinter, receiptText, type SimulatedPrinter } from './simulator.ts'

const job = (text = 'hello'): Uint8Array =>
  new EscPosEncoder().init().line(text).line('电费').cut().encode()
const fast = { statusTimeoutMs: 100, jobTimeoutMs: 300 }

let rig: SimulatedPrinter | undefined
afterEach(() => {
  rig?.printer.dispose()
  rig = undefined
})

async function setup(
  options: Parameters<typeof createSimulatedPrinter>[0] = {},
): Promise<SimulatedPrinter> {
  rig = await createSimulatedPrinter({ ...options, driver: { ...fast, ...options.driver } })
  return rig
}

describe('EscPosPrinter over a memory link with the simulator', () => {
  it('prints a job and reports the status after it', async () => {
    const { printer, simulator } = await setup()
    const outcome = await printer.print(job())
    expect(outcome).toEqual({
      ok: true,
      status: {
        online: true,
        coverOpen: false,
        paperNearEnd: false,
        paperOut: false,
        cutterError: false,
      },
    })
    expect(simulator.receipts).toHaveLength(1)
    expect(receiptText(simulator.lastReceipt!)).toBe('hello\n电费')
  })

  it('prints the same when the bytes arrive one at a time', async () => {
    const { printer, simulator } = await setup({ link: { maxChunk: 1 } })
    expect((await printer.print(job('split'))).ok).toBe(true)
    expect(receiptText(simulator.lastReceipt!)).toBe('split\n电费')
  })

  it('reads status', async () => {
    const { printer, simulator } = await setup()
    simulator.setPaper(5)
    expect(await printer.status()).toEqual({
      online: true,
      coverOpen: false,
      paperNearEnd: true,
      paperOut: false,
      cutterError: false,
    })
  })

  it('fails with paperOut before printing when the roll is empty', async () => {
    const { printer, simulator } = await setup()
    simulator.setPaper(0)
    const outcome = await printer.print(job())
    expect(outcome).toMatchObject({ ok: false, reason: 'paperOut' })
    expect(simulator.receipts).toHaveLength(0)
  })

  it('fails with paperOut when the roll ends in the middle of the job', async () => {
    const { printer, simulator } = await setup()
    simulator.runOutAfterLines(1)
    const outcome = await printer.print(job())
    expect(outcome).toMatchObject({ ok: false, reason: 'paperOut' })
    expect(simulator.receipts).toHaveLength(0)
    expect(simulator.uncut).toHaveLength(1)
    simulator.refill()
    expect(await printer.print(job())).toMatchObject({ ok: true })
  })

  it('fails a stopped job at the next status poll, long before the job timeout', async () => {
    const { printer, simulator } = await setup({ driver: { jobTimeoutMs: 10_000, pollMs: 50 } })
    simulator.runOutAfterLines(1)
    const started = Date.now()
    expect(await printer.print(job())).toMatchObject({ ok: false, reason: 'paperOut' })
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('reports ok with paperOut status when the last receipt used the end of the roll', async () => {
    const { printer, simulator } = await setup({ rollReceipts: 2, nearEndAt: 1 })
    expect(await printer.print(job())).toMatchObject({
      ok: true,
      status: { paperNearEnd: true, paperOut: false },
    })
    expect(await printer.print(job())).toMatchObject({ ok: true, status: { paperOut: true } })
    expect(await printer.print(job())).toMatchObject({ ok: false, reason: 'paperOut' })
    expect(simulator.receipts).toHaveLength(2)
  })

  it('fails with coverOpen', async () => {
    const { printer, simulator } = await setup()
    simulator.openCover()
    expect(await printer.print(job())).toMatchObject({ ok: false, reason: 'coverOpen' })
    simulator.closeCover()
    expect(await printer.print(job())).toMatchObject({ ok: true })
  })

  it('fails with cutterError', async () => {
    const { printer, simulator } = await setup()
    simulator.setCutterFault(true)
    expect(await printer.print(job())).toMatchObject({ ok: false, reason: 'cutterError' })
  })

  it('times out when the printer never answers', async () => {
    const link = createMemoryLink()
    await link.device.open()
    await link.host.open()
    const printer = new EscPosPrinter(link.host, fast)
    const started = Date.now()
    expect(await printer.print(job())).toEqual({ ok: false, reason: 'timeout' })
    expect(Date.now() - started).toBeLessThan(1000)
    expect(await printer.status()).toMatchObject({ online: false })
    printer.dispose()
  })

  it('times out when the simulator stops answering', async () => {
    const { printer, simulator } = await setup()
    simulator.setResponsive(false)
    expect(await printer.print(job())).toEqual({ ok: false, reason: 'timeout' })
  })

  it('is offline when the cable is unplugged, and recovers on replug', async () => {
    const { printer, link } = await setup()
    link.unplug()
    expect(await printer.print(job())).toEqual({ ok: false, reason: 'offline' })
    link.replug()
    expect(await printer.print(job())).toMatchObject({ ok: true })
  })

  it('fails as offline when the cable goes during a status query', async () => {
    const { printer, link } = await setup({ driver: { statusTimeoutMs: 5000 } })
    const pending = printer.status()
    link.unplug()
    expect(await pending).toMatchObject({ online: false })
  })

  it('runs concurrent jobs one after another, each ending printed', async () => {
    const { printer, simulator } = await setup()
    const outcomes = await Promise.all([
      printer.print(job('a')),
      printer.print(job('b')),
      printer.status(),
      printer.print(job('c')),
    ])
    expect(outcomes.filter((o) => 'ok' in o && o.ok)).toHaveLength(3)
    expect(simulator.receipts.map((r) => r.lines[0]?.text)).toEqual(['a', 'b', 'c'])
  })

  it('keeps one data listener however many jobs and queries it runs', async () => {
    const link = createMemoryLink()
    const counts = { data: 0, close: 0 }
    const host: Transport = {
      get isOpen() {
        return link.host.isOpen
      },
      open: () => link.host.open(),
      close: () => link.host.close(),
      write: (b) => link.host.write(b),
      on(event, listener) {
        if (event === 'data') counts.data++
        if (event === 'close') counts.close++
        return link.host.on(event, listener)
      },
    }
    const { PrinterSimulator } = await import('./simulator.ts')
    await new PrinterSimulator(link.device).start()
    await host.open()
    const printer = new EscPosPrinter(host, fast)
    for (let i = 0; i < 5; i++) expect((await printer.print(job())).ok).toBe(true)
    await printer.status()
    expect(counts).toEqual({ data: 1, close: 1 })
    printer.dispose()
  })

  it("with confirm: 'status' prints without GS r", async () => {
    const { printer, simulator } = await setup({ driver: { confirm: 'status' } })
    expect(await printer.print(job())).toMatchObject({ ok: true })
    await new Promise((r) => setTimeout(r, 20))
    expect(simulator.receipts).toHaveLength(1)
  })
})
