/**
 * The embedded MQTT broker (DESIGN.md, The meter link): with no MQTT_URL the central runs aedes on
 * localhost so one machine runs the whole system. Sessions and queued QoS 1 messages live in
 * memory: a restart of the central loses them, and the delivery outbox resends what matters.
 */
import net, { type AddressInfo } from 'node:net'
import { Aedes } from 'aedes'
import type { FastifyBaseLogger } from 'fastify'

export interface EmbeddedBroker {
  readonly port: number
  readonly url: string
  listening(): boolean
  close(): Promise<void>
}

export async function startEmbeddedBroker(host: string, port: number, log: FastifyBaseLogger): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker()
  const server = net.createServer((socket) => {
    // Nagle off: QoS 1 traffic is small writes, each of which Nagle can hold behind a delayed ACK.
    socket.setNoDelay(true)
    aedes.handle(socket)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  aedes.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'mqtt client error'))
  aedes.on('connectionError', (_client, err) => log.debug({ err: err.message }, 'mqtt connection error'))
  const actual = (server.address() as AddressInfo).port
  let closed = false
  return {
    port: actual,
    url: `mqtt://${host}:${actual}`,
    listening: () => !closed && server.listening,
    async close() {
      if (closed) return
      closed = true
      await new Promise<void>((resolve) => aedes.close(() => resolve()))
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
