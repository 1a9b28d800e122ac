/** `npm run reset-demo`: removes the local data folder so the next `npm start` seeds afresh. */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from './launch.ts'

const dataDir = process.env.GRIDTILL_DATA_DIR ?? join(REPO_ROOT, 'data')
rmSync(dataDir, { recursive: true, force: true })
console.log(`Removed ${dataDir}. The next \`npm start\` seeds fresh demo data. / 已清除演示数据。`)
