/**
 * `npm start`: the whole system on one machine, on SQLite and an embedded MQTT broker, with demo
 * data seeded on first start. Ctrl-C (or SIGTERM) stops every process cleanly.
 */
import { DEMO_STAFF_CARDS, demoCustomers } from '@gridtill/shared'
import { join } from 'node:path'
import { launchSystem, REPO_ROOT, type SystemPorts } from './launch.ts'

const port = (name: string, fallback: number): number => {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    console.error(`${name} must be a port number, got "${raw}"`)
    process.exit(1)
  }
  return n
}

const ports: SystemPorts = {
  central: port('CENTRAL_PORT', 4100),
  mqtt: port('MQTT_PORT', 4183),
  agent: port('AGENT_PORT', 4200),
  fleet: port('FLEET_PORT', 4300),
}
const dataDir = process.env.GRIDTILL_DATA_DIR ?? join(REPO_ROOT, 'data')
const meterCount = port('METER_COUNT', 50)
const protocol = process.env.ACCEPTOR_PROTOCOL === 'ssp' ? 'ssp' : 'id003'

console.log('GridTill is starting… / GridTill 正在启动…')
const system = await launchSystem({ dataDir, ports, meterCount, echoLogs: process.env.QUIET !== '1', acceptorProtocol: protocol })

const customers = demoCustomers(meterCount)
const first = customers.slice(0, 3)
console.log(`
GridTill is running / GridTill 已启动
  Kiosk screen 自助终端        ${system.urls.kiosk}
  Hardware simulator 硬件模拟  ${system.urls.panel}
  Central API 中心服务         ${system.urls.central}   (OpenAPI: ${system.urls.docs})
  Meter fleet 电表模拟         ${system.urls.fleet}
  MQTT broker                  ${system.urls.mqtt}
  Data 数据目录                ${dataDir}   (reset: npm run reset-demo)

Demo cards 演示卡:
${first.map((c) => `  resident ${c.cardNo}  ${c.name}  meter ${c.meters.map((m) => m.meterNo).join(', ')}`).join('\n')}
${DEMO_STAFF_CARDS.map((s) => `  staff    ${s.cardNo}  ${s.name}`).join('\n')}
  (all ${customers.length} resident cards are in the simulator panel's card drawer)

Press Ctrl-C to stop. 按 Ctrl-C 停止。`)

let stopping = false
const shutdown = (signal: string) => {
  if (stopping) return
  stopping = true
  console.log(`\n${signal}: stopping GridTill… / 正在停止…`)
  system.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
}
process.on('SIGINT', () => shutdown('SIGINT'))
process.on('SIGTERM', () => shutdown('SIGTERM'))

// If a process dies on its own, say so and take the rest down: a half-running kiosk helps no one.
for (const proc of system.processes.values()) {
  void proc.exited.then((code) => {
    if (!stopping) {
      console.error(`[${proc.name}] exited unexpectedly (code ${String(code)}); see ${join(dataDir, 'logs', proc.name + '.log')}`)
      shutdown('exit')
    }
  })
}
