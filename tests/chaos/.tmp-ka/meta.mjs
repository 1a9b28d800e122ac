import { build } from 'esbuild'
const r = await build({ entryPoints: ['kiosk-agent/src/main.ts'], bundle: true, platform: 'node', format: 'esm', target: 'node20', write: false, metafile: true, logLevel: 'error',
  external: ['better-sqlite3', 'serialport', '@serialport/*', 'node-hid', 'usb', 'bufferutil', 'utf-8-validate'] })
const by = {}
for (const [f, i] of Object.entries(r.metafile.outputs)[0][1].inputs ? Object.entries(Object.values(r.metafile.outputs)[0].inputs) : []) {
  const m = f.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/); const k = m ? m[1] : f.split('/').slice(0,2).join('/')
  by[k] = (by[k] ?? 0) + i.bytesInOutput
}
console.log(Object.entries(by).sort((a,b)=>b[1]-a[1]).slice(0,15))
