/**
 * Starts the whole GridTill system as a process tree: central-api (with its embedded MQTT broker),
 * the smart-meter fleet simulator and one kiosk agent on simulated hardware. `npm start` uses it,
 * and so do the browser and multi-process tests, so they exercise exactly what a newcomer runs.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

export interface SystemPorts {
  central: number
  mqtt: number
  agent: number
  fleet: number
}

export interface LaunchOptions {
  dataDir: string
  ports: SystemPorts
  meterCount?: number
  /** Echo the processes' logs, condensed, to this process's stdout. */
  echoLogs?: boolean
  /** Extra environment per process. */
  env?: { central?: Record<string, string>; fleet?: Record<string, string>; agent?: Record<string, string> }
  acceptorProtocol?: 'id003' | 'ssp'
  /**
   * Node arguments that replace `--import tsx <entry>` for a process, e.g. a pre-bundled agent for
   * tests that restart it hundreds of times. Default: run the TypeScript entry through tsx.
   */
  nodeArgs?: { central?: string[]; fleet?: string[]; agent?: string[] }
}

export interface RunningProcess {
  name: string
  child: ChildProcess
  exited: Promise<number | null>
}

export interface RunningSystem {
  urls: { central: string; docs: string; kiosk: string; panel: string; fleet: string; mqtt: string }
  dataDir: string
  processes: Map<string, RunningProcess>
  /** Stop one process (SIGTERM, then SIGKILL after a grace period). */
  stopProcess(name: string, signal?: NodeJS.Signals): Promise<void>
  /** Start a stopped process again with the same settings. */
  restartProcess(name: string): Promise<void>
  stop(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', rej)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => res(port))
    })
  })
}

export async function freePorts(): Promise<SystemPorts> {
  return { central: await freePort(), mqtt: await freePort(), agent: await freePort(), fleet: await freePort() }
}

async function waitFor(url: string, what: string, proc: RunningProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let exited = false
  void proc.exited.then(() => (exited = true))
  let last = ''
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${what} exited during start-up (see its log)`)
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
      if (res.ok) return
      last = `HTTP ${res.status}`
    } catch (err) {
      last = err instanceof Error ? err.message : String(err)
    }
    // Short: the crash test restarts the agent hundreds of times and waits here each time.
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`${what} did not become ready at ${url} within ${timeoutMs} ms (${last})`)
}

/**
 * pino JSON → one short human line; anything else passes through. Fastify's per-request
 * "incoming request" / "request completed" pair of a request that succeeded is left to the log
 * file (null): health polls and heartbeats would drown what a person watching wants to see.
 */
function condense(name: string, line: string): string | null {
  try {
    const o = JSON.parse(line) as Record<string, unknown>
    const status = (o.res as { statusCode?: number } | undefined)?.statusCode
    if (o.msg === 'incoming request' || (o.msg === 'request completed' && typeof status === 'number' && status < 400)) return null
    const level = typeof o.level === 'number' ? (({ 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }) as Record<number, string>)[o.level] ?? o.level : o.level
    const { msg, level: _l, time: _t, pid: _p, hostname: _h, ...rest } = o
    const extra = Object.keys(rest).length > 0 ? ' ' + JSON.stringify(rest) : ''
    return `[${name}] ${String(level)} ${String(msg)}${extra.length > 300 ? extra.slice(0, 300) + '…' : extra}`
  } catch {
    return `[${name}] ${line}`
  }
}

export async function launchSystem(opts: LaunchOptions): Promise<RunningSystem> {
  const dataDir = resolve(opts.dataDir)
  const logDir = join(dataDir, 'logs')
  mkdirSync(logDir, { recursive: true })
  const { ports } = opts
  const meterCount = opts.meterCount ?? 50
  const mqttUrl = `mqtt://127.0.0.1:${ports.mqtt}`
  const urls = {
    central: `http://127.0.0.1:${ports.central}`,
    docs: `http://127.0.0.1:${ports.central}/docs`,
    kiosk: `http://127.0.0.1:${ports.agent}/`,
    panel: `http://127.0.0.1:${ports.agent}/panel/`,
    fleet: `http://127.0.0.1:${ports.fleet}/meters`,
    mqtt: mqttUrl,
  }

  const specs: Record<string, { entry: string; env: Record<string, string>; ready: string }> = {
    central: {
      entry: 'central-api/src/server.ts',
      env: {
        PORT: String(ports.central),
        MQTT_PORT: String(ports.mqtt),
        DATA_DIR: join(dataDir, 'central'),
        GRIDTILL_DEMO: '1',
        METER_COUNT: String(meterCount),
        ...opts.env?.central,
      },
      ready: `${urls.central}/health`,
    },
    fleet: {
      entry: 'hardware/src/meter/fleet-main.ts',
      env: {
        MQTT_URL: mqttUrl,
        FLEET_MANIFEST: join(dataDir, 'central', 'meter-fleet.json'),
        FLEET_STATE: join(dataDir, 'meters', 'fleet-state.json'),
        FLEET_HTTP_PORT: String(ports.fleet),
        ...opts.env?.fleet,
      },
      ready: urls.fleet,
    },
    agent: {
      entry: 'kiosk-agent/src/main.ts',
      env: {
        AGENT_PORT: String(ports.agent),
        CENTRAL_URL: urls.central,
        AGENT_DATA_DIR: join(dataDir, 'kiosk-k001'),
        ENROLLMENT_CODE: 'DEMO-ENROLL-K001',
        DEVICES: 'simulated',
        ACCEPTOR_PROTOCOL: opts.acceptorProtocol ?? 'id003',
        ...opts.env?.agent,
      },
      ready: `http://127.0.0.1:${ports.agent}/health`,
    },
  }

  const processes = new Map<string, RunningProcess>()
  const logs = new Map<string, WriteStream>()

  const start = async (name: string): Promise<void> => {
    const spec = specs[name]!
    const log = logs.get(name) ?? createWriteStream(join(logDir, `${name}.log`), { flags: 'a' })
    logs.set(name, log)
    mkdirSync(join(dataDir, 'meters'), { recursive: true })
    const args = opts.nodeArgs?.[name as keyof NonNullable<LaunchOptions['nodeArgs']>] ?? ['--import', 'tsx', spec.entry]
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)))
    const proc: RunningProcess = { name, child, exited }
    processes.set(name, proc)
    let buf = ''
    const onChunk = (chunk: Buffer) => {
      log.write(chunk)
      if (!opts.echoLogs) return
      buf += chunk.toString('utf8')
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        const shown = line.trim() ? condense(name, line) : null
        if (shown !== null) console.log(shown)
      }
    }
    child.stdout?.on('data', onChunk)
    child.stderr?.on('data', onChunk)
    await waitFor(spec.ready, name, proc)
  }

  const stopProcess = async (name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const proc = processes.get(name)
    if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return
    proc.child.kill(signal)
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), 10_000)
    await proc.exited
    clearTimeout(timer)
  }

  const stop = async (): Promise<void> => {
    // Kiosk first (it finishes or journals what is in flight), then meters, then the central.
    for (const name of ['agent', 'fleet', 'central']) await stopProcess(name)
    for (const log of logs.values()) log.end()
  }

  try {
    await start('central')
    await start('fleet')
    await start('agent')
  } catch (err) {
    await stop()
    throw err
  }

  return { urls, dataDir, processes, stopProcess, restartProcess: start, stop }
}
