import { describe, expect, it } from 'vitest'
import { EscPosEncoder } from './encoder.ts'
import { daysLeftLines, formatReceiptTime, groupToken, renderReceipt } from './receipt.ts'
import { createSimulatedPrinter, receiptText } from './simulator.ts'
import { sampleReceipt } from './test-fixtures.ts'
import type { ReceiptData } from './receipt.ts'

async function printAndParse(data: ReceiptData, options?: Parameters<typeof renderReceipt>[1]) {
  const { printer, simulator } = await createSimulatedPrinter({
    driver: { statusTimeoutMs: 200, jobTimeoutMs: 1000 },
  })
  const outcome = await printer.print(renderReceipt(data, options))
  printer.dispose()
  expect(outcome.ok).toBe(true)
  expect(simulator.receipts).toHaveLength(1)
  return simulator.receipts[0]!
}

describe('renderReceipt', () => {
  it('is pure: same data, same bytes', () => {
    expect(renderReceipt(sampleReceipt)).toEqual(renderReceipt(structuredClone(sampleReceipt)))
  })

  it('starts with ESC @ and ends with a partial cut', () => {
    const bytes = renderReceipt(sampleReceipt)
    expect([...bytes.subarray(0, 2)]).toEqual([0x1b, 0x40])
    expect([...bytes.subarray(-3)]).toEqual([0x1d, 0x56, 0x01])
  })

  it('round-trips through the simulated printer: token, amounts, vend id', async () => {
    const r = await printAndParse(sampleReceipt)
    const text = receiptText(r)
    const token = r.lines.find((l) => l.text === '1234 5678 9012 3456 7890')
    expect(token).toMatchObject({ bold: true, size: { width: 2, height: 2 }, align: 'center' })
    expect(r.lines.find((l) => l.text.startsWith('付款金额'))?.text).toMatch(/^付款金额 +￥70\.00$/)
    expect(text).toMatch(/电费 +￥60\.00\nEnergy charge/)
    expect(text).toMatch(/增值税 +￥7\.80\nVAT/)
    expect(text).toMatch(/转入账户余额 +￥0\.20\nCarried to account/)
    expect(text).toMatch(/ +￥10\.00 x 2 +￥20\.00/)
    expect(text).toContain('58.3 kWh')
    expect(text).toContain('2026-01-15 10:30:05 GMT+8')
    expect(text).toContain('张**')
    expect(r.qrPayloads).toEqual([sampleReceipt.vendId])
    expect(text).toContain(sampleReceipt.vendId)
    expect(text).not.toContain('DUPLICATE')
    expect(text).not.toContain('CREDIT PENDING')
    // the simulator wraps over-long lines like a printer; the longest lines arrived whole
    expect(r.lines.map((l) => l.text)).toContain('时间                   2026-01-15 10:30:05 GMT+8')
  })

  it('puts Chinese first, English second in each pair', async () => {
    const text = receiptText(await printAndParse(sampleReceipt))
    expect(text).toContain('售电收据\nELECTRICITY RECEIPT')
    expect(text).toMatch(/表号 +0123 4567 890\nMeter no\./)
    expect(text).toContain('充值码\nTOKEN')
  })

  it('marks a reprint 重印 / DUPLICATE and keeps the same token', async () => {
    const r = await printAndParse({ ...sampleReceipt, duplicate: true })
    expect(r.lines.find((l) => l.text === 'DUPLICATE')).toMatchObject({
      bold: true,
      size: { width: 2, height: 2 },
    })
    expect(receiptText(r)).toContain('重印\nDUPLICATE')
    expect(receiptText(r)).toContain('1234 5678 9012 3456 7890')
  })

  it('prints the credit-pending variant with the reference and no token', async () => {
    const { token: _t, ...rest } = sampleReceipt
    const r = await printAndParse({ ...rest, status: 'creditPending' })
    const text = receiptText(r)
    expect(text).toContain('充值待处理\nCREDIT PENDING')
    expect(text).not.toContain('TOKEN')
    expect(text).toMatch(/参考号\nReference\n01944f5e-7c2a-7b3e-9a1d-2f6e8c0b4d11/)
    expect(r.qrPayloads).toEqual([sampleReceipt.vendId])
  })

  it('days left: exactly one blank line and a bold Chinese line plus an English line, under the token instructions', () => {
    const without = renderReceipt(sampleReceipt)
    const withDays = renderReceipt({ ...sampleReceipt, daysLeft: 12 })
    const anchor = new EscPosEncoder().line('Enter this token on your meter keypad').encode()
    const at = Buffer.from(without).indexOf(Buffer.from(anchor)) + anchor.length
    expect(at).toBeGreaterThan(anchor.length)
    const inserted = Buffer.from(withDays.subarray(at, at + withDays.length - without.length))
    // LF, ESC E 1 (bold), the Chinese line (GB18030), LF, ESC E 0, the English line, LF.
    const zh = Buffer.from(new EscPosEncoder().text('按近期用电，预计可用约 12 天').encode())
    expect(inserted.toString('hex')).toBe(
      '0a' + '1b4501' + zh.toString('hex') + '0a' + '1b4500' + Buffer.from('About 12 days of credit at your recent use\n').toString('hex'),
    )
    expect(Buffer.concat([without.subarray(0, at), inserted, without.subarray(at)]).equals(Buffer.from(withDays))).toBe(true)
  })

  it('days left: wording at the edges; never on a credit-pending receipt; whole days only', async () => {
    expect(daysLeftLines(0)).toEqual(['按近期用电，预计可用不足 1 天', 'Less than a day of credit at your recent use'])
    expect(daysLeftLines(1)[1]).toBe('About 1 day of credit at your recent use')
    expect(daysLeftLines(365)[0]).toBe('按近期用电，预计可用约 365 天')
    expect(daysLeftLines(366)).toEqual(['按近期用电，预计可用一年以上', 'Over a year of credit at your recent use'])
    for (const [zh, en] of [daysLeftLines(0), daysLeftLines(365), daysLeftLines(366)]) expect(`${zh}\n${en}`).not.toMatch(/.{49}/u)
    const text = receiptText(await printAndParse({ ...sampleReceipt, daysLeft: 30 }))
    expect(text).toContain('Enter this token on your meter keypad\n\n按近期用电，预计可用约 30 天\nAbout 30 days of credit at your recent use')
    const { token: _t, ...rest } = sampleReceipt
    expect(receiptText(await printAndParse({ ...rest, status: 'creditPending', daysLeft: 30 }))).not.toContain('预计可用')
    expect(() => renderReceipt({ ...sampleReceipt, daysLeft: 2.5 })).toThrow(/whole days/)
    expect(() => renderReceipt({ ...sampleReceipt, daysLeft: -1 })).toThrow(/whole days/)
  })

  it('can send the QR code as a raster image', async () => {
    const r = await printAndParse(sampleReceipt, { qr: 'raster' })
    expect(r.qrPayloads).toEqual([])
    expect(r.images).toBe(1)
  })

  it('refuses money that is not whole fen and a vend without its token', () => {
    expect(() => renderReceipt({ ...sampleReceipt, amountFen: 70.5 })).toThrow(RangeError)
    expect(() =>
      renderReceipt({ ...sampleReceipt, breakdown: { ...sampleReceipt.breakdown, vatFen: 0.1 } }),
    ).toThrow(RangeError)
    const { token: _t, ...noToken } = sampleReceipt
    expect(() => renderReceipt(noToken)).toThrow(/20-digit token/)
    expect(() => renderReceipt({ ...sampleReceipt, token: '1234' })).toThrow(/20-digit token/)
  })

  it('formats time in the receipt zone and groups tokens', () => {
    expect(formatReceiptTime(Date.UTC(2026, 0, 15, 16, 0, 0), 'Asia/Shanghai')).toBe(
      '2026-01-16 00:00:00 GMT+8',
    )
    expect(formatReceiptTime(Date.UTC(2026, 0, 15, 16, 0, 0), 'UTC')).toBe(
      '2026-01-15 16:00:00 GMT+0',
    )
    expect(groupToken('12345678901234567890')).toBe('1234 5678 9012 3456 7890')
  })

  it('honours the time zone in the data', async () => {
    const text = receiptText(await printAndParse({ ...sampleReceipt, timeZone: 'Europe/London' }))
    expect(text).toContain('2026-01-15 02:30:05 GMT')
  })
})
