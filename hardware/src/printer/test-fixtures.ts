import type { ReceiptData } from './receipt.ts'

/** The receipt the tests and the golden image use. Not exported from the package. */
export const sampleReceipt: ReceiptData = {
  kioskName: '阳光花园售电站',
  location: 'Sunshine Garden Lobby, Bldg 3',
  printedAt: Date.UTC(2026, 0, 15, 2, 30, 5),
  receiptNo: 'R-2026-000123',
  customerNameMasked: '张**',
  meterNo: '0123 4567 890',
  notes: [
    { valueFen: 5000, count: 1 },
    { valueFen: 1000, count: 2 },
  ],
  amountFen: 7000,
  tariffName: 'Residential',
  breakdown: {
    energyFen: 6000,
    vatFen: 780,
    fixedChargesFen: 200,
    debtRecoveredFen: 0,
    carriedOverFen: 20,
  },
  energyWh: 58_300,
  token: '12345678901234567890',
  vendId: '01944f5e-7c2a-7b3e-9a1d-2f6e8c0b4d11',
  status: 'vended',
}
