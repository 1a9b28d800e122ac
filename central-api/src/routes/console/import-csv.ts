/**
 * The customer/meter CSV, parsed and checked row by row (pure: no storage). Each good row becomes
 * an ImportRow; each bad one a RowProblem with its line number in the file and why. The importer
 * then writes each good row in its own transaction, so a row is imported whole or not at all.
 *
 * Columns (header row required, any order; * = required):
 *   customer_id*, name*, tariff*, phone, account_id, meter_no, building, unit, profile, sgc, krn, ea
 * A row with meter_no needs building and unit. A customer may appear on several rows (one per
 * meter), with the same name and account.
 */
import { parse } from 'csv-parse/sync'
import type { NewCustomer, NewMeter } from '../../storage/console-repository.ts'
import type { Ea, MeterProfile } from '../../storage/repository.ts'
import { defaultAccountId, EAS, ID_PATTERN, METER_KEY_DEFAULTS, METER_NO_PATTERN, PHONE_PATTERN, PROFILES, SGC_PATTERN, vendingKeyIdFor } from './fields.ts'

export const CSV_COLUMNS = ['customer_id', 'name', 'tariff', 'phone', 'account_id', 'meter_no', 'building', 'unit', 'profile', 'sgc', 'krn', 'ea'] as const
const REQUIRED = ['customer_id', 'name', 'tariff'] as const
export const MAX_ROWS = 5000

export type ProblemCode = 'columns' | 'required' | 'invalid' | 'duplicateInFile' | 'conflict' | 'unprocessable' | 'notFound' | 'failed'

export interface RowProblem {
  /** 1-based line in the file where the row starts (the header is line 1). */
  line: number
  code: ProblemCode
  field: string | null
  message: string
  /** The same reason in Simplified Chinese (the console shows the user's language). */
  messageZh: string
}

export interface ImportRow {
  line: number
  customer: NewCustomer
  meter: (NewMeter & { vendingKeyId: string }) | null
}

export class CsvFileError extends Error {}

const re = (p: string) => new RegExp(p)
const ID = re(ID_PATTERN)
const PHONE = re(PHONE_PATTERN)
const METER_NO = re(METER_NO_PATTERN)
const SGC = re(SGC_PATTERN)

export function parseImportCsv(text: string): { rows: ImportRow[]; problems: RowProblem[]; total: number } {
  let records: { record: string[]; info: { lines: number } }[]
  try {
    // One line ending, so the parser's line count and ours agree inside quoted fields too.
    records = parse(text.replace(/\r\n?/g, '\n'), { bom: true, relax_column_count: true, skip_empty_lines: true, trim: true, info: true }) as unknown as { record: string[]; info: { lines: number } }[]
  } catch (err) {
    const line = (err as { lines?: number }).lines
    throw new CsvFileError(`The file is not valid CSV${line === undefined ? '' : ` (line ${line})`}: ${(err as Error).message}`)
  }
  const header = records.shift()
  if (header === undefined) throw new CsvFileError('The file is empty')
  const names = header.record.map((h) => h.toLowerCase())
  const unknown = names.filter((h) => !(CSV_COLUMNS as readonly string[]).includes(h))
  if (unknown.length > 0) throw new CsvFileError(`Unknown column(s): ${unknown.join(', ')}`)
  const missing = REQUIRED.filter((c) => !names.includes(c))
  if (missing.length > 0) throw new CsvFileError(`Missing column(s): ${missing.join(', ')}`)
  if (new Set(names).size !== names.length) throw new CsvFileError('A column appears twice in the header')
  if (records.length > MAX_ROWS) throw new CsvFileError(`At most ${MAX_ROWS} rows per file`)

  const rows: ImportRow[] = []
  const problems: RowProblem[] = []
  const meterLines = new Map<string, number>()
  for (const { record, info } of records) {
    // info.lines is the line the record ends on; a record spans as many lines as its quoted newlines.
    const line = info.lines - record.reduce((n, field) => n + field.split('\n').length - 1, 0)
    const r = checkRow(names, record, line)
    if ('problem' in r) {
      problems.push(r.problem)
      continue
    }
    if (r.row.meter !== null) {
      const first = meterLines.get(r.row.meter.meterNo)
      if (first !== undefined) {
        problems.push({ line, code: 'duplicateInFile', field: 'meter_no', message: `Meter ${r.row.meter.meterNo} is already on line ${first}`, messageZh: `电表 ${r.row.meter.meterNo} 已在第 ${first} 行出现` })
        continue
      }
      meterLines.set(r.row.meter.meterNo, line)
    }
    rows.push(r.row)
  }
  return { rows, problems, total: records.length }
}

function checkRow(names: string[], record: string[], line: number): { row: ImportRow } | { problem: RowProblem } {
  const bad = (code: ProblemCode, field: string | null, message: string, messageZh: string) => ({ problem: { line, code, field, message, messageZh } })
  if (record.length !== names.length) return bad('columns', null, `Expected ${names.length} fields, found ${record.length}`, `应有 ${names.length} 列，实际 ${record.length} 列`)
  const v = (c: string): string => record[names.indexOf(c)] ?? ''
  for (const c of REQUIRED) if (v(c) === '') return bad('required', c, `${c} is required`, `缺少 ${c}`)

  const customerId = v('customer_id')
  if (!ID.test(customerId)) return bad('invalid', 'customer_id', 'customer_id may hold only letters, digits, - and _ (at most 64)', 'customer_id 只能包含字母、数字、- 和 _（最多 64 个）')
  const name = v('name')
  if (name.length > 100) return bad('invalid', 'name', 'name is longer than 100 characters', '姓名超过 100 个字符')
  const phone = v('phone')
  if (phone !== '' && !PHONE.test(phone)) return bad('invalid', 'phone', `phone "${phone}" is not a phone number`, `电话“${phone}”不是有效的电话号码`)
  const accountId = v('account_id') === '' ? defaultAccountId(customerId) : v('account_id')
  if (!ID.test(accountId)) return bad('invalid', 'account_id', 'account_id may hold only letters, digits, - and _ (at most 64)', 'account_id 只能包含字母、数字、- 和 _（最多 64 个）')
  const tariff = v('tariff')
  if (tariff.length > 100) return bad('invalid', 'tariff', 'tariff is longer than 100 characters', '电价名称超过 100 个字符')
  const customer: NewCustomer = { customerId, name, phone: phone === '' ? null : phone, accountId, tariffName: tariff }

  const meterNo = v('meter_no')
  const meterOnly = ['building', 'unit', 'profile', 'sgc', 'krn', 'ea'].filter((c) => v(c) !== '')
  if (meterNo === '') {
    if (meterOnly.length > 0) return bad('required', 'meter_no', `meter_no is required when ${meterOnly.join(', ')} is given`, `填写了 ${meterOnly.join('、')} 时必须填写 meter_no`)
    return { row: { line, customer, meter: null } }
  }
  if (!METER_NO.test(meterNo)) return bad('invalid', 'meter_no', `meter_no "${meterNo}" is not 11 digits`, `电表号“${meterNo}”不是 11 位数字`)
  for (const c of ['building', 'unit']) if (v(c) === '') return bad('required', c, `${c} is required with a meter`, `有电表时必须填写 ${c}`)
  const profile = (v('profile') || 'household') as MeterProfile
  if (!(PROFILES as readonly string[]).includes(profile)) return bad('invalid', 'profile', `profile must be one of ${PROFILES.join(', ')}`, `profile 必须是 ${PROFILES.join('、')} 之一`)
  const sgc = v('sgc') || METER_KEY_DEFAULTS.sgc
  if (!SGC.test(sgc)) return bad('invalid', 'sgc', 'sgc must be 6 digits', 'sgc 必须是 6 位数字')
  const krnText = v('krn') || String(METER_KEY_DEFAULTS.krn)
  if (!/^[1-9]$/.test(krnText)) return bad('invalid', 'krn', 'krn must be a digit 1–9', 'krn 必须是 1–9 的数字')
  const ea = (v('ea') || METER_KEY_DEFAULTS.ea) as Ea
  if (!(EAS as readonly string[]).includes(ea)) return bad('invalid', 'ea', 'ea must be 07 (STA) or 11 (MISTY1)', 'ea 必须是 07（STA）或 11（MISTY1）')
  const krn = Number(krnText)
  return {
    row: {
      line,
      customer,
      meter: {
        ...METER_KEY_DEFAULTS,
        meterNo,
        sgc,
        krn,
        ea,
        accountId,
        building: v('building'),
        unitName: v('unit'),
        profile,
        vendingKeyId: vendingKeyIdFor(sgc, krn),
      },
    },
  }
}
