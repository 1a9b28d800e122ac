import { EventEmitter } from 'node:events'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createHidMemoryLink } from './hid-memory.ts'
import { NodeHidTransport, type NodeHidTransportOptions } from './hid.ts'

/** Stands in for node-hid: a device list and HIDAsync handles, so unit tests never load the addon. */
class FakeDevice extends EventEmitter {
  written: number[][] = []
  closed = false
  write(values: number[] | Buffer): Promise<number> {
    this.written.push([...values])
    return Promise.resolve(values.length)
  }
  close(): Promise<void> {
    this.closed = true
    return Promise.resolve()
  }
}

function fakeHid() {
  const state = {
    present: false,
    opened: [] as FakeDevice[],
    listCalls: 0,
    driverType: undefined as string | undefined,
  }
  const mod = {
    devicesAsync: (vid?: number, pid?: number) => {
      state.listCalls++
      return Promise.resolve(
        state.present && vid === 0x1234 && pid === 0x5678
          ? [
              {
                vendorId: vid,
                productId: pid,
                path: '/dev/hidraw-kbd',
                interface: 0,
                usagePage: 1,
                release: 1,
              },
              {
                vendorId: vid,
                productId: pid,
                path: '/dev/hidraw-vendor',
                interface: 1,
                usagePage: 0xff00,
                release: 1,
              },
            ]
          : [],
      )
    },
    HIDAsync: {
      open: (path: string) => {
        const d = new FakeDevice()
        Object.assign(d, { path })
        state.opened.push(d)
        return Promise.resolve(d)
      },
    },
    setDriverType: (t: string) => {
      state.driverType = t
    },
  }
  return {
    state,
    load: () =>
      Promise.resolve(
        mod as unknown as Awaited<ReturnType<NonNullable<NodeHidTransportOptions['load']>>>,
      ),
  }
}

describe('NodeHidTransport (with a fake node-hid)', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('opens the matching interface, passes reports through and writes Buffers', async () => {
    const { state, load } = fakeHid()
    state.present = true
    const t = new NodeHidTransport({
      vendorId: 0x1234,
      productId: 0x5678,
      usagePage: 0xff00,
      driverType: 'libusb',
      load,
    })
    const seen: string[] = []
    t.on('open', () => seen.push('open'))
    t.on('data', (r) => seen.push(Buffer.from(r).toString('hex')))
    await t.open()
    expect(t.isOpen).toBe(true)
    expect(state.driverType).toBe('libusb')
    const dev = state.opened[0]!
    expect((dev as unknown as { path: string }).path).toBe('/dev/hidraw-vendor')
    dev.emit('data', Buffer.from([1, 2, 3]))
    expect(seen).toEqual(['open', '010203'])
    expect(await t.write(Uint8Array.of(0, 9))).toBe(2)
    expect(dev.written).toEqual([[0, 9]])
    await t.close()
    expect(dev.closed).toBe(true)
  })

  it('polls every 2 s while the device is absent, and opens it when it appears', async () => {
    const { state, load } = fakeHid()
    const t = new NodeHidTransport({ vendorId: 0x1234, productId: 0x5678, load })
    const opened = vi.fn()
    t.on('open', opened)
    await t.open()
    expect(t.isOpen).toBe(false)
    expect(state.listCalls).toBe(1)
    await vi.advanceTimersByTimeAsync(2000)
    expect(state.listCalls).toBe(2)
    state.present = true
    await vi.advanceTimersByTimeAsync(2000)
    expect(t.isOpen).toBe(true)
    expect(opened).toHaveBeenCalledTimes(1)
    // no polling while open
    await vi.advanceTimersByTimeAsync(10_000)
    expect(state.listCalls).toBe(3)
    await t.close()
  })

  it('reports an unplug (read error) as close, then re-opens on re-attach', async () => {
    const { state, load } = fakeHid()
    state.present = true
    const t = new NodeHidTransport({ vendorId: 0x1234, productId: 0x5678, load })
    const events: string[] = []
    t.on('open', () => events.push('open'))
    t.on('close', (e) => events.push(`close:${e?.message ?? ''}`))
    await t.open()
    state.present = false
    state.opened[0]!.emit('error', new Error('could not read from HID device'))
    expect(t.isOpen).toBe(false)
    expect(state.opened[0]!.closed).toBe(true)
    await vi.advanceTimersByTimeAsync(2000)
    expect(t.isOpen).toBe(false)
    state.present = true
    await vi.advanceTimersByTimeAsync(2000)
    expect(t.isOpen).toBe(true)
    expect(events).toEqual(['open', 'close:could not read from HID device', 'open'])
    await t.close()
  })

  it('stops polling after close and rejects writes while absent', async () => {
    const { state, load } = fakeHid()
    const t = new NodeHidTransport({ vendorId: 0x1234, productId: 0x5678, load })
    await t.open()
    await expect(t.write(Uint8Array.of(0))).rejects.toMatchObject({ code: 'ERR_TRANSPORT_CLOSED' })
    await t.close()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(state.listCalls).toBe(1)
  })

  it('keeps polling when enumeration fails (libusb missing), reporting an error', async () => {
    const { load } = fakeHid()
    const failing = async () => ({
      ...(await load()),
      devicesAsync: () =>
        Promise.reject(new Error('libusb-1.0.so.0: cannot open shared object file')),
    })
    const t = new NodeHidTransport({ vendorId: 0x1234, productId: 0x5678, load: failing })
    const errors: string[] = []
    t.on('error', (e) => errors.push(e.message))
    await t.open()
    await vi.advanceTimersByTimeAsync(4000)
    expect(errors).toHaveLength(3)
    await t.close()
  })
})

describe('HID memory link', () => {
  it('delivers whole reports to an open host and output reports to the device', async () => {
    const link = createHidMemoryLink()
    const got: number[][] = []
    const out: number[][] = []
    link.host.on('data', (r) => got.push([...r]))
    link.onOutputReport((r) => out.push([...r]))
    expect(link.sendReport(Uint8Array.of(1))).toBe(false) // host not open yet
    await link.host.open()
    expect(link.sendReport(Uint8Array.of(1, 2))).toBe(true)
    await new Promise((r) => setTimeout(r, 1))
    expect(got).toEqual([[1, 2]])
    expect(await link.host.write(Uint8Array.of(0, 5))).toBe(2)
    expect(out).toEqual([[0, 5]])
  })

  it('emits close on unplug and open on replug', async () => {
    const link = createHidMemoryLink()
    const events: string[] = []
    link.host.on('open', () => events.push('open'))
    link.host.on('close', () => events.push('close'))
    await link.host.open()
    link.unplug()
    expect(link.sendReport(Uint8Array.of(1))).toBe(false)
    await expect(link.host.write(Uint8Array.of(0))).rejects.toThrow()
    link.replug()
    expect(events).toEqual(['open', 'close', 'open'])
  })
})
