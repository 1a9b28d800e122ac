import { bundleAgent } from '../support.ts'
console.log(JSON.stringify(await bundleAgent()))
