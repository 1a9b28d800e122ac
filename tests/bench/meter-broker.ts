/**
 * A private broker for the meter benches, in its own process (the 10 000 fleet connections and the
 * broker must not share one process's 20 000 open files): Mosquitto with Nagle off on a free port,
 * memory only, so 10 000 persistent sessions never linger in a shared broker. On a machine without
 * Mosquitto, aedes (the central's embedded broker) in a child process stands in.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { connectAsync } from 'mqtt'

export interface PrivateBroker {
  url: string
  kind: 'mosquitto' | 'aedes'
  pid: number | undefined
  stop(): void
}

const ROLE_ENV = 'GRIDTILL_BENCH_BROKER_PORT'
const MOSQUITTO_CANDIDATES = [process.env.MOSQUITTO_BIN, '/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto', '/opt/homebrew/sbin/mosquitto']

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

async function waitUp(url: string, proc: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`broker exited with ${proc.exitCode}`)
    try {
      const c = await connectAsync(url, { reconnectPeriod: 0, connectTimeout: 500 })
      await c.endAsync()
      return
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  proc.kill('SIGTERM')
  throw new Error(`broker at ${url} did not come up`)
}

/** `BENCH_BROKER=aedes` forces the stand-in; otherwise Mosquitto when installed. */
export async function startPrivateBroker(dir: string): Promise<PrivateBroker> {
  const port = await freePort()
  const url = `mqtt://127.0.0.1:${port}`
  const bin = MOSQUITTO_CANDIDATES.find((p) => p !== undefined && p !== '' && existsSync(p))
  if (bin !== undefined && process.env.BENCH_BROKER !== 'aedes') {
    const conf = join(dir, 'mosquitto.conf')
    writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_connections -1\nmax_queued_messages 10000\nset_tcp_nodelay true\nlog_type error\n`)
    const proc = spawn(bin, ['-c', conf], { stdio: 'ignore' })
    await waitUp(url, proc)
    return { url, kind: 'mosquitto', pid: proc.pid, stop: () => proc.kill('SIGTERM') }
  }
  const proc = fork(fileURLToPath(import.meta.url), [], { execArgv: process.execArgv, env: { ...process.env, [ROLE_ENV]: String(port) }, stdio: 'ignore' })
  await waitUp(url, proc)
  return { url, kind: 'aedes', pid: proc.pid, stop: () => proc.kill('SIGTERM') }
}

async function aedesBroker(port: number): Promise<void> {
  const { Aedes } = await import('aedes')
  const net = await import('node:net')
  const aedes = await Aedes.createBroker()
  const server = net.createServer((socket) => {
    socket.setNoDelay(true)
    aedes.handle(socket)
  })
  server.listen(port, '127.0.0.1')
}

const rolePort = process.env[ROLE_ENV]
if (rolePort !== undefined && process.argv[1] === fileURLToPath(import.meta.url)) void aedesBroker(Number(rolePort))
