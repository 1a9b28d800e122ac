/**
 * CSV import of customers and meters (admin).
 *
 *   POST /api/v1/console/import/customers   { csv }  → { total, imported, customersCreated, metersCreated, problems[] }
 *
 * The whole file is parsed and every row checked first (import-csv.ts); then each good row is
 * written in its own transaction (customer + account + meter together), so a row is imported
 * whole or not at all and one bad row never stops the others. A row the database refuses
 * (a meter that exists, an unknown tariff or building) is reported with its line like any other.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ErrorCode } from '@gridtill/shared'
import { Errors, errorResponses } from '../../errors.ts'
import type { StaffRole } from '../../storage/repository.ts'
import { CsvFileError, parseImportCsv, type ProblemCode, type RowProblem } from './import-csv.ts'
import { strict } from './schemas.ts'

const IMPORTERS: readonly StaffRole[] = ['admin']

const Problem = Type.Object(
  {
    line: Type.Integer({ minimum: 1 }),
    code: Type.Union(
      (['columns', 'required', 'invalid', 'duplicateInFile', 'conflict', 'unprocessable', 'notFound', 'failed'] as const satisfies readonly ProblemCode[]).map((c) => Type.Literal(c)),
    ),
    field: Type.Union([Type.String(), Type.Null()]),
    message: Type.String(),
    messageZh: Type.String(),
  },
  strict,
)
export const ImportReport = Type.Object(
  {
    total: Type.Integer({ minimum: 0 }),
    imported: Type.Integer({ minimum: 0 }),
    customersCreated: Type.Integer({ minimum: 0 }),
    metersCreated: Type.Integer({ minimum: 0 }),
    problems: Type.Array(Problem),
  },
  strict,
)

/** The storage layer's messages for import rows, in Chinese; anything else is kept as it is. */
function localise(message: string): string {
  const rules: [RegExp, (m: RegExpExecArray) => string][] = [
    [/^Unknown building: (.*)$/, (m) => `没有这栋楼：${m[1]}`],
    [/^Unknown tariff: (.*)$/, (m) => `没有这个电价：${m[1]}`],
    [/^Unknown account: (.*)$/, (m) => `没有这个账户：${m[1]}`],
    [/^Meter (\S+) already exists$/, (m) => `电表 ${m[1]} 已存在`],
    [/^Customer (\S+) already exists$/, (m) => `客户 ${m[1]} 已存在`],
    [/^Account (\S+) already exists$/, (m) => `账户 ${m[1]} 已存在`],
    [/^Customer (\S+) exists with another account$/, (m) => `客户 ${m[1]} 已有其他账户`],
    [/^Customer (\S+) exists under another name$/, (m) => `客户 ${m[1]} 已以其他姓名存在`],
    [/^No vending key for SGC (\S+) KRN (\S+)$/, (m) => `没有 SGC ${m[1]} KRN ${m[2]} 的售电密钥`],
  ]
  for (const [re, zh] of rules) {
    const m = re.exec(message)
    if (m !== null) return zh(m)
  }
  return message
}

function problemFromError(line: number, err: unknown): RowProblem {
  const code = (err as { code?: string }).code
  const message = err instanceof Error ? err.message : String(err)
  if (code === ErrorCode.CONSOLE_CONFLICT) return { line, code: 'conflict', field: null, message, messageZh: localise(message) }
  if (code === ErrorCode.CONSOLE_UNPROCESSABLE) return { line, code: 'unprocessable', field: null, message, messageZh: localise(message) }
  if (code === ErrorCode.NOT_FOUND) return { line, code: 'notFound', field: null, message, messageZh: localise(message) }
  throw err
}

const importRoutes: FastifyPluginAsyncTypebox = (app) => {
  app.post(
    '/console/import/customers',
    {
      preValidation: app.verifyStaff(IMPORTERS),
      config: { staffRoles: IMPORTERS },
      schema: {
        tags: ['console'],
        summary: 'Import customers and meters from CSV: good rows are imported, each bad row reported with its line and reason',
        body: Type.Object({ csv: Type.String({ minLength: 1, maxLength: 240_000 }) }, strict),
        response: { 200: ImportReport, ...errorResponses(400, 401, 403, 500, 503) },
      },
    },
    async (req) => {
      let parsed
      try {
        parsed = parseImportCsv(req.body.csv)
      } catch (err) {
        if (err instanceof CsvFileError) throw new Errors.validation(err.message)
        throw err
      }
      const problems = [...parsed.problems]
      let imported = 0
      let customersCreated = 0
      let metersCreated = 0
      for (const row of parsed.rows) {
        try {
          const r = await app.repo.importRow({ customer: row.customer, meter: row.meter, line: row.line, staffId: req.staff!.id, now: app.clock.now() })
          imported++
          if (r.customerCreated) customersCreated++
          if (r.meterCreated) metersCreated++
        } catch (err) {
          problems.push(problemFromError(row.line, err))
        }
      }
      problems.sort((a, b) => a.line - b.line)
      req.log.info({ total: parsed.total, imported, problems: problems.length }, 'customer CSV imported')
      return { total: parsed.total, imported, customersCreated, metersCreated, problems }
    },
  )
  return Promise.resolve()
}

export default importRoutes
