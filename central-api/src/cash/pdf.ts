/**
 * Z-report as PDF (pdfkit), Chinese and English, with the CJK font embedded so it prints the same
 * anywhere. The font is WenQuanYi Micro Hei from Debian's fonts-wqy-microhei; without it the
 * report cannot show Chinese, so we refuse clearly rather than print boxes.
 */
import fs from 'node:fs'
import PDFDocument from 'pdfkit'
import { localStamp, SHIFT_LABEL, yuan, type ZAmounts, type ZReport } from './z-report.ts'

export const CJK_FONT_PATH = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc'
/** The face inside the collection (the .ttc also holds a monospaced one). */
const CJK_FONT_FACE = 'WenQuanYiMicroHei'

export class FontMissingError extends Error {
  constructor(fontPath: string) {
    super(
      `PDF export needs the CJK font ${fontPath} (Debian/Ubuntu package fonts-wqy-microhei); install it and retry`,
    )
    this.name = 'FontMissingError'
  }
}

const COLS: { title: string; width: number; align: 'left' | 'right' }[] = [
  { title: '分组 Group', width: 140, align: 'left' },
  { title: '笔数 No.', width: 55, align: 'right' },
  { title: '应收 Expected', width: 75, align: 'right' },
  { title: '实点 Counted', width: 75, align: 'right' },
  { title: '已入账 Credited', width: 80, align: 'right' },
  { title: '差异 Variance', width: 75, align: 'right' },
]

function cells(label: string, a: ZAmounts): string[] {
  return [
    label,
    String(a.collections),
    yuan(a.expectedFen),
    yuan(a.countedFen),
    yuan(a.creditedFen),
    yuan(a.varianceFen),
  ]
}

export function zReportPdf(r: ZReport, fontPath = CJK_FONT_PATH): Promise<Buffer> {
  if (!fs.existsSync(fontPath)) return Promise.reject(new FontMissingError(fontPath))
  const doc = new PDFDocument({
    size: 'A4',
    margin: 48,
    info: { Title: `Z-report ${r.day}`, Producer: 'GridTill' },
  })
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c))
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  doc.registerFont('cjk', fontPath, CJK_FONT_FACE)
  doc.font('cjk')

  doc.fontSize(18).text('Z 报表  Z-report', { align: 'left' })
  doc.moveDown(0.3)
  doc.fontSize(10)
  doc.text(`营业日 Business day: ${r.day}    班次 Shift: ${SHIFT_LABEL[r.shift]}`)
  doc.text(
    `分组 Grouped by: ${r.groupBy === 'cashier' ? '收银员 cashier' : '终端 kiosk'}    时区 Time zone: ${r.timeZone}`,
  )
  doc.text(
    `生成时间 Generated: ${localStamp(r.generatedAt, r.timeZone)}    金额单位 Amounts: 元 CNY`,
  )
  doc.moveDown(0.8)

  const left = doc.page.margins.left
  const drawRow = (values: string[], bold: boolean) => {
    if (doc.y > doc.page.height - doc.page.margins.bottom - 20) doc.addPage()
    const y = doc.y
    let x = left
    doc.fontSize(bold ? 10.5 : 10)
    COLS.forEach((c, i) => {
      doc.text(values[i] ?? '', x, y, {
        width: c.width - 4,
        align: c.align,
        lineBreak: false,
        ellipsis: true,
      })
      x += c.width
    })
    doc.x = left
    doc.y = y + 16
  }
  const rule = () => {
    doc
      .moveTo(left, doc.y - 2)
      .lineTo(left + COLS.reduce((s, c) => s + c.width, 0), doc.y - 2)
      .lineWidth(0.5)
      .stroke()
    doc.y += 2
  }

  drawRow(
    COLS.map((c) => c.title),
    true,
  )
  rule()
  for (const g of r.groups) drawRow(cells(g.label, g), false)
  rule()
  drawRow(cells('合计 Total', r.totals), true)
  doc.moveDown(0.5)
  doc
    .fontSize(10)
    .text(
      `长款 Over: ${yuan(r.totals.overFen)}    短款 Short: ${yuan(r.totals.shortFen)}    待审批 Awaiting approval: ${r.totals.awaitingApproval}`,
      left,
    )

  if (r.lines.length > 0) {
    doc.moveDown(1)
    doc.fontSize(12).text('明细 Collections', left)
    doc.moveDown(0.3)
    doc.fontSize(9)
    for (const l of r.lines) {
      if (doc.y > doc.page.height - doc.page.margins.bottom - 20) doc.addPage()
      doc.text(
        `${localStamp(l.countedAt, r.timeZone)}  ${l.kioskName}  封签 ${l.sealNo}  ${l.countedByName}  应收 ${yuan(l.expectedFen)}  实点 ${yuan(l.countedFen)}  差异 ${yuan(l.varianceFen)}  ${l.state}`,
        left,
      )
    }
  }
  doc.end()
  return done
}
