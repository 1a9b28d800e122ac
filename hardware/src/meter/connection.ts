/**
 * How a simulated meter reaches the central. The fleet only sees this interface, so one MQTT
 * client per meter (today, like real meters with their own modems) can be swapped for a gateway
 * that multiplexes thousands of meters over a few connections without touching the fleet.
 */
export type InboundLeaf = 'tokens' | 'commands'
export type OutboundLeaf = 'acks' | 'readings' | 'events'

export interface MeterLinkHandlers {
  /** A message for this meter; called in arrival order. Must not throw (the connector guards it anyway). */
  onMessage(leaf: InboundLeaf, payload: Buffer): void
  /** The link is (again) up. */
  onOnline?(): void
  /** The link dropped (network, broker restart); the connector reconnects by itself. */
  onOffline?(): void
}

export interface MeterConnection {
  readonly connected: boolean
  /** Resolves when the broker has the message (QoS 1) or it left the socket (QoS 0). */
  publish(leaf: OutboundLeaf, payload: unknown, qos: 0 | 1): Promise<void>
  /** Goes offline on purpose: publishes the retained offline status, then disconnects. */
  close(): Promise<void>
}

export interface MeterConnector {
  /** Starts connecting (and reconnecting) in the background; returns at once. */
  connect(meterNo: string, handlers: MeterLinkHandlers): MeterConnection
}
