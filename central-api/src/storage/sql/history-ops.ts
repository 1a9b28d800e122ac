/** SQL for HistoryStore (history-repository.ts), written once for both engines. */
import type { VendResponse } from '@gridtill/shared'
import type { HistoryVendRecord, MeterRegisterSamples, RegisterSample } from '../history-repository.ts'
import type { StoredDeliveryState } from '../repository.ts'
import { all, get, type Gen } from './query.ts'

interface HistoryVendRow {
  vend_id: string
  receipt_no: string
  meter_no: string
  paid_at: number
  amount_fen: number
  energy_wh: number
  response_json: string
}

interface DeliveryStateRow {
  vend_id: string
  state: StoredDeliveryState
  reason: string | null
  updated_at: number
}

export function* recentVendsForAccount(accountId: string, limit: number): Gen<HistoryVendRecord[]> {
  const vends = yield* all<HistoryVendRow>(
    `SELECT vend_id, receipt_no, meter_no, paid_at, amount_fen, energy_wh, response_json
       FROM vends WHERE account_id = ? ORDER BY paid_at DESC, vend_id DESC LIMIT ?`,
    [accountId, limit],
  )
  if (vends.length === 0) return []
  const marks = vends.map(() => '?').join(', ')
  // A resend may add a later delivery row for the same vend: the latest one is the token's state.
  const deliveries = yield* all<DeliveryStateRow>(
    `SELECT vend_id, state, reason, updated_at FROM deliveries WHERE vend_id IN (${marks}) ORDER BY created_at ASC, id ASC`,
    vends.map((v) => v.vend_id),
  )
  const latest = new Map<string, DeliveryStateRow>()
  for (const d of deliveries) latest.set(d.vend_id, d)
  return vends.map((v) => {
    const d = latest.get(v.vend_id)
    return {
      vendId: v.vend_id,
      receiptNo: v.receipt_no,
      meterNo: v.meter_no,
      paidAt: Number(v.paid_at),
      amountFen: Number(v.amount_fen),
      energyWh: Number(v.energy_wh),
      tokens: (JSON.parse(v.response_json) as VendResponse).tokens,
      delivery: d === undefined ? null : { state: d.state, reason: d.reason, updatedAt: Number(d.updated_at) },
    }
  })
}

interface SampleRow {
  at: number
  energy_wh: number
}

const sample = (r: SampleRow | undefined): RegisterSample | null => (r === undefined ? null : { at: Number(r.at), energyWh: Number(r.energy_wh) })

/** One indexed probe per (meter, instant) on readings' primary key (meter_no, at): a year is 13 each. */
export function* energyRegisterSamples(meterNos: readonly string[], instants: readonly number[]): Gen<MeterRegisterSamples[]> {
  const out: MeterRegisterSamples[] = []
  for (const meterNo of meterNos) {
    const atOrBefore: (RegisterSample | null)[] = []
    for (const at of instants) {
      atOrBefore.push(sample(yield* get<SampleRow>('SELECT at, energy_wh FROM readings WHERE meter_no = ? AND at <= ? ORDER BY at DESC LIMIT 1', [meterNo, at])))
    }
    const first = sample(yield* get<SampleRow>('SELECT at, energy_wh FROM readings WHERE meter_no = ? ORDER BY at ASC LIMIT 1', [meterNo]))
    out.push({ meterNo, atOrBefore, first })
  }
  return out
}
