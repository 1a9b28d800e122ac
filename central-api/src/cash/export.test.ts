/**
 * The Z-report exports: the CSV parses (RFC 4180, BOM, bilingual headers) and its rows add up to
 * its totals; the PDF renders with pdftoppm and its text (pdftotext) shows the totals.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import type { CollectionRecord } from '../storage/cash-repository.ts'
import { CSV_BOM, CSV_HEADERS, csvField, zReportCsv } from './csv.ts'
import { FontMissingError, zReportPdf } from './pdf.ts'
import { buildZReport, businessDay, localTime, shiftWindow, yuan } from './z-report.ts'

const TZ = 'Asia/Shanghai'
// 2026-11-24 10:00 and 17:30 in Shanghai.
const MORNING = Date.UTC(2026, 10, 24, 2, 0)
const EVENING = Date.UTC(2026, 10, 24, 9, 30)

function collection(over: Partial<CollectionRecord>): CollectionRecord {
  return {
    collectionId: '019a0000-0000-7000-8000-000000000001',
    cycleId: '019a0000-0000-7000-8000-0000000000a1',
    kioskId: 'K-1',
    kioskName: '1号楼大堂 Lobby 1',
    cashCycle: 1,
    sealNo: 'SEAL-1',
    openedAt: MORNING - 86_400_000,
    closedAt: MORNING - 3_600_000,
    staffCardNo: '9900000101',
    noteCount: 3,
    expectedFen: 25_000,
    creditedFen: 25_000,
    lateCreditedFen: 0,
    receivedAt: MORNING - 3_000_000,
    state: 'reconciled',
    countedFen: 25_000,
    countedBy: 'S003',
    countedByName: '王会计 Wang',
    countedAt: MORNING,
    varianceReason: null,
    approvedBy: null,
    approvedByName: null,
    approvedAt: null,
    reconciledAt: MORNING,
    depositId: null,
    denominations: [],
    suspectNotes: [],
    ...over,
  }
}

const collections = [
  collection({}),
  collection({
    collectionId: '019a0000-0000-7000-8000-000000000002',
    sealNo: 'SEAL-2',
    expectedFen: 12_345,
    countedFen: 12_245,
    creditedFen: 12_345,
    countedAt: EVENING,
    state: 'awaitingApproval',
    varianceReason: 'short, "torn" note, re-counted',
  }),
  collection({
    collectionId: '019a0000-0000-7000-8000-000000000003',
    kioskId: 'K-2',
    kioskName: 'Lobby 2',
    sealNo: 'SEAL-3',
    expectedFen: 10_000,
    countedFen: 10_500,
    creditedFen: 9_000,
    lateCreditedFen: 1000,
    countedBy: 'S004',
    countedAt: EVENING + 60_000,
  }),
  // Counted the next day: not in this report.
  collection({
    collectionId: '019a0000-0000-7000-8000-000000000004',
    countedAt: Date.UTC(2026, 10, 24, 16, 0),
  }),
]
const names = new Map([
  ['S003', '王会计 Wang'],
  ['S004', '=cmd|calc'],
])
const report = buildZReport({
  day: '2026-11-24',
  shift: 'day',
  groupBy: 'cashier',
  timeZone: TZ,
  generatedAt: EVENING + 3_600_000,
  collections,
  staffNames: names,
})

describe('Z-report', () => {
  it('business days and shifts are in Shanghai time', () => {
    expect(localTime('2026-11-24', 0, TZ)).toBe(Date.UTC(2026, 10, 23, 16, 0))
    expect(shiftWindow('2026-11-24', '3', TZ)).toEqual({
      from: Date.UTC(2026, 10, 24, 8, 0),
      to: Date.UTC(2026, 10, 24, 16, 0),
    })
    expect(businessDay(Date.UTC(2026, 10, 24, 15, 59), TZ)).toBe('2026-11-24')
    expect(businessDay(Date.UTC(2026, 10, 24, 16, 0), TZ)).toBe('2026-11-25')
    expect([yuan(0), yuan(5), yuan(-3000), yuan(12_345)]).toEqual([
      '0.00',
      '0.05',
      '-30.00',
      '123.45',
    ])
  })

  it('groups per cashier and per kiosk with exact totals', () => {
    expect(report.totals).toEqual({
      collections: 3,
      expectedFen: 47_345,
      countedFen: 47_745,
      creditedFen: 47_345,
      varianceFen: 400,
      overFen: 500,
      shortFen: 100,
      awaitingApproval: 1,
    })
    expect(report.groups.map((g) => [g.key, g.collections, g.varianceFen])).toEqual([
      ['S003', 2, -100],
      ['S004', 1, 500],
    ])
    const byKiosk = buildZReport({
      day: '2026-11-24',
      shift: '3',
      groupBy: 'kiosk',
      timeZone: TZ,
      generatedAt: 0,
      collections,
      staffNames: names,
    })
    expect(byKiosk.groups.map((g) => [g.key, g.collections])).toEqual([
      ['K-1', 1],
      ['K-2', 1],
    ])
  })

  it('CSV: BOM, CRLF, bilingual headers, parses back, and the rows add up to the totals', () => {
    const csv = zReportCsv(report)
    expect(csv.startsWith(CSV_BOM)).toBe(true)
    expect(csv.includes('\r\n')).toBe(true)
    expect(csv.replace(/\r\n/g, '').includes('\n')).toBe(false)
    const rows = parse<Record<string, string>>(csv, {
      bom: true,
      columns: true,
      skip_empty_lines: true,
    })
    expect(Object.keys(rows[0] ?? {})).toEqual([...CSV_HEADERS])
    const toFen = (s: string | undefined) => Math.round(Number(s) * 100)
    const lines = rows.filter((r) => r['行类型 Row type'] === '明细 line')
    const total = rows.find((r) => r['行类型 Row type'] === '合计 total')
    expect(lines).toHaveLength(3)
    for (const col of [
      '应收 Expected (CNY)',
      '实点 Counted (CNY)',
      '已入账 Credited (CNY)',
      '差异 Variance (CNY)',
    ]) {
      expect(
        lines.reduce((s, r) => s + toFen(r[col]), 0),
        col,
      ).toBe(toFen(total?.[col]))
    }
    expect(total?.['实点 Counted (CNY)']).toBe('477.45')
    expect(total?.['差异 Variance (CNY)']).toBe('4.00')
    // Quotes survive; a name that looks like a formula is defused.
    expect(rows.some((r) => r['清点人 Counted by'] === "'=cmd|calc")).toBe(true)
    expect(csvField('a,"b"')).toBe('"a,""b"""')
  })

  it('PDF renders with pdftoppm and shows the totals', async (ctx) => {
    const pdf = await zReportPdf(report)
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridtill-zpdf-'))
    const file = path.join(dir, 'z.pdf')
    fs.writeFileSync(file, pdf)
    const has = (bin: string) => {
      try {
        execFileSync('which', [bin])
        return true
      } catch {
        return false
      }
    }
    if (!has('pdftoppm') || !has('pdftotext')) {
      ctx.skip('pdftoppm/pdftotext (poppler-utils) are not installed: cannot render the PDF here')
      return
    }
    execFileSync('pdftoppm', [
      '-png',
      '-r',
      '60',
      '-f',
      '1',
      '-l',
      '1',
      file,
      path.join(dir, 'page'),
    ])
    const png = fs.readdirSync(dir).find((f) => f.endsWith('.png'))
    expect(png).toBeDefined()
    const bytes = fs.readFileSync(path.join(dir, png ?? ''))
    expect(bytes.subarray(1, 4).toString()).toBe('PNG')
    expect(bytes.length).toBeGreaterThan(5_000)
    // Keep a copy to look at (test-results/ is where the browser screenshots go too).
    const out = path.resolve(import.meta.dirname, '../../../test-results')
    fs.mkdirSync(out, { recursive: true })
    fs.copyFileSync(path.join(dir, png ?? ''), path.join(out, 'z-report-pdf-page1.png'))
    const text = execFileSync('pdftotext', ['-layout', file, '-']).toString()
    expect(text).toContain('合计 Total')
    expect(text).toMatch(/合计 Total\s+3\s+473\.45\s+477\.45\s+473\.45\s+4\.00/)
    expect(text).toContain('王会计 Wang')
    expect(text).toContain('营业日 Business day: 2026-11-24')
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('refuses clearly without the CJK font', async () => {
    await expect(zReportPdf(report, '/nonexistent/wqy-microhei.ttc')).rejects.toThrow(
      FontMissingError,
    )
    await expect(zReportPdf(report, '/nonexistent/wqy-microhei.ttc')).rejects.toThrow(
      /fonts-wqy-microhei/,
    )
  })
})
