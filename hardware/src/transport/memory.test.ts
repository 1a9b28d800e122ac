import { describe, expect, it } from 'vitest'
import { createMemoryLink } from './memory.ts'

const received = (t: { on: (e: 'data', l: (c: Uint8Array) => void) => () => void }) => {
  const chunks: number[][] = []
  t.on('data', (c) => chunks.push([...c]))
  return chunks
}

describe('memory link', () => {
  it('carries bytes both ways, split into chunks when asked', async () => {
    const link = createMemoryLink({ maxChunk: 2 })
    await link.host.open()
    await link.device.open()
    const atDevice = received(link.device)
    const atHost = received(link.host)
    await link.host.write(Uint8Array.of(1, 2, 3, 4, 5))
    await link.device.write(Uint8Array.of(9))
    await new Promise((r) => setTimeout(r, 5))
    expect(atDevice).toEqual([[1, 2], [3, 4], [5]])
    expect(atHost).toEqual([[9]])
  })

  it('reports an unplugged cable and refuses writes until re-plugged', async () => {
    const link = createMemoryLink()
    await link.host.open()
    await link.device.open()
    const events: string[] = []
    link.host.on('close', () => events.push('close'))
    link.host.on('open', () => events.push('open'))
    link.unplug()
    await expect(link.host.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'ERR_TRANSPORT_CLOSED' })
    link.replug()
    await link.host.write(Uint8Array.of(1))
    expect(events).toEqual(['close', 'open'])
  })

  it('drops bytes in flight when the cable is pulled', async () => {
    const link = createMemoryLink({ latencyMs: 5 })
    await link.host.open()
    await link.device.open()
    const atDevice = received(link.device)
    await link.host.write(Uint8Array.of(1))
    link.unplug()
    await new Promise((r) => setTimeout(r, 15))
    expect(atDevice).toEqual([])
  })
})
