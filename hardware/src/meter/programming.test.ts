import { describe, expect, it } from 'vitest'
import { DEMO_STS, demoCustomers, panFor } from '@gridtill/shared'
import { loadFleetConfig } from './fleet-config.ts'
import { ManifestError, loadManifest, parseManifest, type MeterProgramming } from './programming.ts'

/** What the central writes for the demo meters. */
const demo: MeterProgramming[] = demoCustomers(5)
  .flatMap((c) => c.meters)
  .map((m) => ({
    meterNo: m.meterNo,
    pan: panFor(DEMO_STS.iin, m.meterNo),
    ea: m.ea,
    dkHex: m.ea === '07' ? '0123456789abcdef' : '0123456789abcdef0123456789abcdef',
    baseDate: DEMO_STS.baseDate,
    ken: DEMO_STS.ken,
    kt: DEMO_STS.kt,
    krn: DEMO_STS.krn,
    ti: DEMO_STS.ti,
    sgc: DEMO_STS.sgc,
    profile: m.profile,
  }))

describe('programming manifest', () => {
  it('accepts the demo meters', () => {
    expect(parseManifest(JSON.parse(JSON.stringify(demo)))).toHaveLength(5)
  })

  it.each([
    ['an unknown field', [{ ...demo[0], colour: 'red' }], /schema/],
    ['a short key for MISTY1', [{ ...demo[4], dkHex: '0123456789abcdef' }], /32-digit/],
    ['a PAN for another meter', [{ ...demo[0], pan: demo[1]?.pan }], /does not carry/],
    [
      'a PAN with a wrong check digit',
      [
        {
          ...demo[0],
          pan: `${demo[0]?.pan.slice(0, 17)}${(Number(demo[0]?.pan.slice(17)) + 1) % 10}`,
        },
      ],
      /check digit/,
    ],
    ['a meter listed twice', [demo[0], demo[0]], /twice/],
    ['a bad profile', [{ ...demo[0], profile: 'castle' }], /schema/],
    ['not an array', { meters: demo }, /schema/],
  ])('refuses %s', (_what, json, message) => {
    expect(() => parseManifest(json)).toThrow(ManifestError)
    expect(() => parseManifest(json)).toThrow(message)
  })

  it('says which file is missing or unreadable', async () => {
    await expect(loadManifest('/nonexistent/meter-fleet.json')).rejects.toThrow(
      /cannot read meter manifest/,
    )
  })
})

describe('fleet config', () => {
  it('defaults what it can and requires the rest', () => {
    expect(
      loadFleetConfig({
        MQTT_URL: 'mqtt://127.0.0.1:1883',
        FLEET_MANIFEST: '/data/central/meter-fleet.json',
      }),
    ).toEqual({
      manifestPath: '/data/central/meter-fleet.json',
      statePath: '/data/central/meter-fleet-state.json',
      mqttUrl: 'mqtt://127.0.0.1:1883',
      httpPort: 4300,
      clockFactor: 1,
      readingIntervalMs: 60_000,
      tickMs: 100,
      manifestWaitMs: 30_000,
      connectConcurrency: 64,
      keepaliveS: 60,
      holidays: [],
      logLevel: 'info',
    })
    expect(() => loadFleetConfig({})).toThrow(
      /MQTT_URL is required[\s\S]*FLEET_MANIFEST is required/,
    )
  })

  it('names each bad variable', () => {
    expect(() =>
      loadFleetConfig({
        MQTT_URL: 'http://x',
        FLEET_MANIFEST: 'm.json',
        CLOCK_FACTOR: '0',
        FLEET_HTTP_PORT: 'abc',
        READING_INTERVAL_MS: '10',
      }),
    ).toThrow(/MQTT_URL[\s\S]*FLEET_HTTP_PORT[\s\S]*CLOCK_FACTOR[\s\S]*READING_INTERVAL_MS/)
  })
})
