/**
 * `npm run -s sts -- <verb>`: STS tokens from the command line (see README-sts.md). Reads JSON
 * lines on stdin and writes one JSON line per input line, in order; a bad line gets an error
 * object and the batch goes on. Unknown verb: usage on stderr, exit 2.
 */
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { createLineHandler, isVerb, USAGE } from './sts-lines.ts'

const [verb, ...rest] = process.argv.slice(2)
if (!isVerb(verb) || rest.length > 0) {
  process.stderr.write(USAGE)
  process.exit(2)
}

const handle = createLineHandler(verb)
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
// Batch the output: one write per ~64 KiB instead of one per line, honouring back-pressure.
let out = ''
for await (const line of lines) {
  out += `${handle(line)}\n`
  if (out.length >= 65_536) {
    const flushed = process.stdout.write(out)
    out = ''
    if (!flushed) await once(process.stdout, 'drain')
  }
}
if (out.length > 0) process.stdout.write(out)
