/**
 * The slices of the hardware drivers the agent uses, stated structurally so the actors (and their
 * tests) do not depend on which driver or simulator sits behind them. They mirror
 * @gridtill/hardware's BillAcceptor, CardReader and EscPosPrinter; main.ts passes the real ones.
 */

export type AcceptorDeviceEvent =
  | { type: 'online' }
  | { type: 'offline'; reason?: string }
  | { type: 'enabled' }
  | { type: 'disabled' }
  | { type: 'noteEscrowed'; valueFen: number }
  | { type: 'noteCredited'; noteId: string; valueFen: number }
  | { type: 'noteRejected'; reason: string }
  | { type: 'noteReturned'; valueFen?: number }
  | { type: 'jammed'; safe: boolean }
  | { type: 'cashboxRemoved' }
  | { type: 'cashboxReplaced' }
  | { type: 'stackerFull' }
  | { type: 'fraudAttempt'; valueFen?: number }
  | { type: 'suspectNote'; valueFen?: number; where: string }
  | { type: 'fault'; code: string }

export interface AcceptorDevice {
  readonly protocol: string
  readonly state: string
  readonly denominationsFen: readonly number[]
  start(): Promise<void>
  stop(): Promise<void>
  enable(valuesFen?: readonly number[]): Promise<void>
  disable(): Promise<void>
  stack(): Promise<void>
  returnNote(): Promise<void>
  setCreditHandler(handler: (note: { noteId: string; valueFen: number }) => Promise<void>): void
  on(listener: (event: AcceptorDeviceEvent) => void): () => void
}

export type ReaderDeviceEvent =
  | { type: 'cardRead'; uid: string; cardNo: string; cardKind: 'resident' | 'staff'; staffRole?: 'field' | 'cashier' | 'admin' }
  | { type: 'online' }
  | { type: 'offline'; reason: string }
  | { type: 'badReport'; code: string; reason: string }

export interface ReaderDevice {
  start(): Promise<void>
  stop(): Promise<void>
  on(listener: (event: ReaderDeviceEvent) => void): () => void
  readonly online: boolean
}

export interface PrinterStatusBits {
  online: boolean
  coverOpen: boolean
  paperNearEnd: boolean
  paperOut: boolean
  cutterError: boolean
}

export type PrinterOutcome =
  | { ok: true; status?: PrinterStatusBits }
  | { ok: false; reason: string; status?: PrinterStatusBits }

export interface PrinterDevice {
  print(job: Uint8Array): Promise<PrinterOutcome>
  status(): Promise<PrinterStatusBits>
}

/** hardware's ReceiptData (printer/receipt.ts). */
export interface ReceiptData {
  kioskName: string
  location: string
  printedAt: number
  timeZone?: string
  receiptNo: string
  customerNameMasked: string
  meterNo: string
  notes: { valueFen: number; count: number }[]
  amountFen: number
  tariffName: string
  breakdown: { energyFen: number; vatFen: number; fixedChargesFen: number; debtRecoveredFen: number; carriedOverFen: number }
  energyWh: number
  token?: string
  vendId: string
  status: 'vended' | 'creditPending'
  duplicate?: boolean
  daysLeft?: number
}

export type RenderReceipt = (data: ReceiptData) => Uint8Array
