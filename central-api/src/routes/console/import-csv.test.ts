import { describe, expect, it } from 'vitest'
import { CsvFileError, parseImportCsv } from './import-csv.ts'

const HEADER = 'customer_id,name,phone,tariff,meter_no,building,unit'

describe('customer CSV parsing', () => {
  it('keeps good rows, and reports each bad one with its line number and reason', () => {
    const csv = [
      HEADER,
      'C1,甲,13800000001,Flat,58100000001,B1,1-1',
      'C2,乙,phone?,Flat,58100000002,B1,1-2',
      '',
      ',丙,,Flat,,,',
      '"C4","丁, with comma",,Flat,58100000001,B1,1-4',
      'C5,戊,,Flat',
      '"C6","multi',
      'line name",,Flat,58100000006,B1,1-6',
      'C7,己,,Flat,,B1,',
    ].join('\r\n')
    const r = parseImportCsv(csv)
    expect(r.total).toBe(7)
    expect(r.rows.map((x) => [x.line, x.customer.customerId, x.meter?.meterNo ?? null])).toEqual([
      [2, 'C1', '58100000001'],
      [8, 'C6', '58100000006'],
    ])
    expect(r.rows[0]!.customer).toEqual({ customerId: 'C1', name: '甲', phone: '13800000001', accountId: 'A1', tariffName: 'Flat' })
    expect(r.rows[0]!.meter).toMatchObject({ vendingKeyId: 'vk-600001-krn1', profile: 'household', ea: '07', building: 'B1', unitName: '1-1' })
    expect(r.problems.map((p) => [p.line, p.code, p.field])).toEqual([
      [3, 'invalid', 'phone'],
      [5, 'required', 'customer_id'],
      [6, 'duplicateInFile', 'meter_no'],
      [7, 'columns', null],
      [10, 'required', 'meter_no'],
    ])
    expect(r.problems[2]!.message).toBe('Meter 58100000001 is already on line 2')
  })

  it('refuses a file it cannot read as a whole: bad quoting, unknown or missing columns, no header', () => {
    expect(() => parseImportCsv(`${HEADER}\nC1,"unterminated,,Flat,,,`)).toThrow(CsvFileError)
    expect(() => parseImportCsv('customer_id,name,tariff,colour\nC1,a,b,red')).toThrow(/Unknown column\(s\): colour/)
    expect(() => parseImportCsv('customer_id,name\nC1,a')).toThrow(/Missing column\(s\): tariff/)
    expect(() => parseImportCsv('')).toThrow(/empty/)
    // A byte-order mark (Excel's UTF-8 CSV) is not part of the first column's name.
    expect(parseImportCsv(`\uFEFFcustomer_id,name,tariff\nC1,a,b`).rows).toHaveLength(1)
  })
})
