/**
 * The meter-link tests run on the embedded broker and on Mosquitto (MQTT_URL, else the CI
 * machines' 127.0.0.1:1883). Client ids are unique per run: Mosquitto is shared. Test-only.
 */
import type { Config } from '../config.ts'

export const BROKERS = ['embedded', 'mosquitto'] as const
export type Broker = (typeof BROKERS)[number]
export const MOSQUITTO_URL = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883'

export const runId = (): string => Math.random().toString(36).slice(2, 10)

export function brokerConfig(broker: Broker): Partial<Config> {
  const mqttClientId = `central-${runId()}`
  return broker === 'embedded' ? { mqttClientId } : { mqttUrl: MOSQUITTO_URL, mqttClientId }
}
