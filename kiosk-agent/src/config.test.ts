import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.ts'

describe('config', () => {
  it('defaults', () => {
    const c = loadConfig({})
    expect(c).toMatchObject({ AGENT_PORT: 4200, HOST: '127.0.0.1', CENTRAL_URL: 'http://127.0.0.1:4100', DEVICES: 'simulated', ACCEPTOR_PROTOCOL: 'id003' })
    expect(c.UI_DIST).toMatch(/kiosk-ui[\\/]dist$/)
    expect(c.IDLE_WARNING_MS).toBeGreaterThanOrEqual(20_000)
  })

  it('reads numbers and choices from strings, ignores other variables', () => {
    const c = loadConfig({ AGENT_PORT: '4300', DEVICES: 'simulated', ACCEPTOR_PROTOCOL: 'ssp', PATH: '/bin', IDLE_TIMEOUT_MS: '5000' })
    expect(c.AGENT_PORT).toBe(4300)
    expect(c.ACCEPTOR_PROTOCOL).toBe('ssp')
    expect(c.IDLE_TIMEOUT_MS).toBe(5000)
  })

  it.each([
    [{ AGENT_PORT: 'abc' }, 'AGENT_PORT'],
    [{ AGENT_PORT: '70000' }, 'AGENT_PORT'],
    [{ DEVICES: 'fake' }, 'DEVICES'],
    [{ CENTRAL_URL: 'ftp://x' }, 'CENTRAL_URL'],
    [{ IDLE_WARNING_MS: '5000' }, 'IDLE_WARNING_MS'],
    [{ ENROLLMENT_CODE: 'abc' }, 'ENROLLMENT_CODE'],
    [{ DEVICES: 'real' }, 'ACCEPTOR_PORT'],
  ])('refuses %o, naming %s', (env, key) => {
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(key)
  })
})
