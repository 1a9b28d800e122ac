/**
 * The programming manifest: what the central tells the fleet about each meter it sells for — the
 * decoder key and STS parameters a meter would get at the factory or from a key-change token. The
 * central writes it to DATA_DIR/meter-fleet.json; the fleet validates it before building a meter.
 */
import { readFile } from 'node:fs/promises'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { MeterProgramming, isLuhnValid } from '@gridtill/shared'

// One definition shared with the central (it writes the manifest this module reads).
export { MeterProfile, MeterProgramming } from '@gridtill/shared'

export const MeterFleetManifest = Type.Array(MeterProgramming, { maxItems: 1_000_000 })
export type MeterFleetManifest = Static<typeof MeterFleetManifest>

export class ManifestError extends Error {
  readonly code = 'ERR_FLEET_MANIFEST'
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(problems.length > 0 ? `${message}: ${problems.slice(0, 10).join('; ')}` : message)
  }
}

/** Checks the schema and what a schema cannot say (PAN ↔ meter number, key length ↔ algorithm, duplicates). */
export function parseManifest(json: unknown): MeterProgramming[] {
  if (!Value.Check(MeterFleetManifest, json)) {
    const problems = [...Value.Errors(MeterFleetManifest, json)]
      .slice(0, 10)
      .map((e) => `${e.path || '/'} ${e.message}`)
    throw new ManifestError('meter manifest does not match the MeterProgramming schema', problems)
  }
  const problems: string[] = []
  const seen = new Set<string>()
  json.forEach((m, i) => {
    if (seen.has(m.meterNo)) problems.push(`/${i} meter ${m.meterNo} listed twice`)
    seen.add(m.meterNo)
    if (m.pan.slice(6, 17) !== m.meterNo)
      problems.push(`/${i} PAN ${m.pan} does not carry meter number ${m.meterNo}`)
    else if (!isLuhnValid(m.pan)) problems.push(`/${i} PAN ${m.pan} has a wrong check digit`)
    const wantHex = m.ea === '07' ? 16 : 32
    if (m.dkHex.length !== wantHex)
      problems.push(`/${i} EA ${m.ea} needs a ${wantHex}-digit decoder key`)
  })
  if (problems.length > 0) throw new ManifestError('meter manifest is inconsistent', problems)
  return json
}

export async function loadManifest(path: string): Promise<MeterProgramming[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ManifestError(`cannot read meter manifest ${path}: ${(err as Error).message}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new ManifestError(`meter manifest ${path} is not JSON: ${(err as Error).message}`)
  }
  return parseManifest(json)
}
