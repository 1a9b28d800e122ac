import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { demoCustomers } from '@gridtill/shared'
import { freePorts, launchSystem } from '../../system/launch.ts'
import { agentEnvForTests, bundleAgent, KioskClient, SimPanel } from '../support.ts'

const t = () => performance.now()
const bundle = await bundleAgent()
const dataDir = mkdtempSync(join(tmpdir(), 'gt-measure-'))
const system = await launchSystem({ dataDir, ports: await freePorts(), meterCount: 10, nodeArgs: { agent: bundle },
  env: { agent: { ...agentEnvForTests(), SIM_ACCEPTOR_PACE: 'fast', VEND_WAIT_MS: '2000', CENTRAL_TIMEOUT_MS: '3000', DONE_TIMEOUT_MS: '1000' }, central: { LOG_LEVEL: 'warn' }, fleet: { LOG_LEVEL: 'warn' } } })
const base = system.urls.kiosk.replace(/\/$/, '')
const panel = new SimPanel(base)
const client = new KioskClient(`${base.replace(/^http/, 'ws')}/ws`)
const r = demoCustomers(10)[0]!
for (let i = 0; i < 5; i++) {
  const p: Record<string, number> = {}
  let a = t()
  await system.stopProcess('agent', 'SIGKILL'); p.kill = t() - a; a = t()
  await system.restartProcess('agent'); p.restart = t() - a; a = t()
  await client.connect(); p.connect = t() - a; a = t()
  await client.screen('attract', 15000); p.attract = t() - a; a = t()
  await panel.tap(r.cardNo); await client.screen('account'); p.account = t() - a; a = t()
  client.send({ type: 'resident.insertCash' }); await client.screen('collecting'); p.collecting = t() - a; a = t()
  await panel.note(2000); await client.until((v) => (v?.session?.insertedFen ?? 0) > 0); p.note = t() - a; a = t()
  client.send({ type: 'resident.confirm' }); await client.screen('done', 20000); p.done = t() - a; a = t()
  client.send({ type: 'resident.finish' }); await client.screen('attract'); p.finish = t() - a
  console.log(JSON.stringify(Object.fromEntries(Object.entries(p).map(([k, v]) => [k, Math.round(v)]))))
}
client.close()
await system.stop()
console.log(dataDir)
