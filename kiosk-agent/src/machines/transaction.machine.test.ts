import { describe, expect, it } from 'vitest'
import { Value } from '@sinclair/typebox/value'
import { Intent } from '@gridtill/shared'
import { ACCOUNT, TIMING, createHarness, settle, vendResponse } from '../testing/machine-harness.ts'
import { BARE_INTENT_TYPES } from './intents.ts'
import { daysLeftAfterVend } from './transaction.types.ts'

type H = ReturnType<typeof createHarness>

/** attract → identify by meter number → account → collecting. */
async function toCollecting(h: H): Promise<void> {
  h.actor.send({ type: 'resident.start' })
  h.actor.send({ type: 'resident.enterMeterNo', digits: '58101000001' })
  await settle()
  expect(h.state().value).toEqual({ account: 'active' })
  h.actor.send({ type: 'resident.insertCash' })
  expect(h.state().matches('collecting')).toBe(true)
  await settle()
}

describe('transaction machine', () => {
  it('happy path: meter number, two notes, confirm → token on screen and a printed receipt', async () => {
    const h = createHarness()
    expect(h.state().value).toBe('attract')
    await toCollecting(h)
    expect(h.commands).toContain('acceptor.enable')
    expect(h.ctx().session?.account?.accountId).toBe(ACCOUNT.accountId)

    h.insert(5000)
    h.insert(2000)
    await settle()
    expect(h.ctx().session?.insertedFen).toBe(7000)
    expect(h.ctx().session?.notes.map((n) => n.valueFen)).toEqual([5000, 2000])
    // The quote follows the money.
    expect(h.quotes.at(-1)).toBe(7000)
    expect(h.ctx().session?.quote?.energyWh).toBeGreaterThan(0)

    h.actor.send({ type: 'resident.confirm' })
    await settle()
    // Disabled before the vend went out.
    expect(h.commands.lastIndexOf('acceptor.disable')).toBeGreaterThan(h.commands.lastIndexOf('acceptor.enable'))
    expect(h.vends).toHaveLength(1)
    expect(h.vends[0]?.notes.map((n) => n.valueFen)).toEqual([5000, 2000])
    expect(h.vends[0]?.meterNo).toBe('58101000001')
    expect(h.state().matches('done')).toBe(true)
    const r = h.ctx().result
    expect(r?.status).toBe('vended')
    expect(r?.tokens).toEqual(['12345678901234567890'])
    expect(r?.receipt).toBe('printed')
    expect(h.prints[0]?.kind).toBe('vend')

    h.actor.send({ type: 'resident.finish' })
    expect(h.state().value).toBe('attract')
    expect(h.ctx().session).toBeNull()
  })

  it('the receipt job carries the days the credit lasts with this purchase, when the central sent the daily use', async () => {
    const h = createHarness({ lookupMeter: () => Promise.resolve({ account: { ...ACCOUNT, lastKnownCreditWh: 3_000, daysLeft: 1, dailyUseWh: 2_000 } }) })
    await toCollecting(h)
    h.insert(5000)
    await settle()
    h.actor.send({ type: 'resident.confirm' })
    await settle()
    // 5000 fen at 60 fen/kWh → 83.3 kWh; (3 + 83.3) kWh / 2 kWh a day → 43 days.
    expect(h.ctx().result?.energyWh).toBe(83_300)
    expect(h.prints[0]?.daysLeft).toBe(43)
    const plain = createHarness()
    await toCollecting(plain)
    plain.insert(5000)
    await settle()
    plain.actor.send({ type: 'resident.confirm' })
    await settle()
    expect(plain.prints[0]?.daysLeft).toBeNull()
  })

  it('daysLeftAfterVend: only a vended single-meter account with a known credit and daily use', () => {
    const account = { meters: [{ meterNo: 'M1' }], lastKnownCreditWh: -500, dailyUseWh: 1_000 }
    const vended = { status: 'vended' as const, meterNo: 'M1', energyWh: 10_999 }
    // A negative register (emergency credit used) counts as empty.
    expect(daysLeftAfterVend(account, vended)).toBe(10)
    expect(daysLeftAfterVend(account, { ...vended, status: 'creditPending', energyWh: null })).toBeNull()
    expect(daysLeftAfterVend({ ...account, lastKnownCreditWh: null }, vended)).toBeNull()
    expect(daysLeftAfterVend({ meters: account.meters, lastKnownCreditWh: 0 }, vended)).toBeNull()
    expect(daysLeftAfterVend({ ...account, meters: [{ meterNo: 'M1' }, { meterNo: 'M2' }] }, vended)).toBeNull()
    expect(daysLeftAfterVend(account, { ...vended, meterNo: 'M2' })).toBeNull()
    expect(daysLeftAfterVend(null, vended)).toBeNull()
  })

  it('journals the session (emitted) when the account is shown and when the vend starts', async () => {
    const h = createHarness()
    await toCollecting(h)
    h.insert(1000)
    await settle()
    h.actor.send({ type: 'resident.confirm' })
    await settle()
    const states = h.emitted.filter((e) => (e as { type: string }).type === 'journal.session').map((e) => (e as { state: string }).state)
    expect(states).toEqual(['identified', 'collecting', 'vending', 'done'])
  })

  it('a note that would pass the maximum is returned, not stacked', async () => {
    const h = createHarness()
    await toCollecting(h)
    h.insert(10_000)
    h.insert(10_000)
    await settle()
    expect(h.ctx().session?.insertedFen).toBe(20_000)
    // At the maximum: cash stops.
    expect(h.ctx().session?.cashStoppedReason).toBe('maximumReached')
    expect(h.commands.at(-1)).toBe('acceptor.disable')
    const stacks = h.commands.filter((c) => c === 'acceptor.stack').length
    h.insert(100)
    await settle()
    expect(h.commands.filter((c) => c === 'acceptor.stack').length).toBe(stacks)
    expect(h.commands.at(-1)).toBe('acceptor.return')
    expect(h.ctx().session?.insertedFen).toBe(20_000)
  })

  it('cancel with a note in escrow and no money → the note is returned, back to attract, no vend', async () => {
    const h = createHarness({ autoCredit: false })
    await toCollecting(h)
    h.insert(5000)
    expect(h.ctx().session?.escrowFen).toBe(5000)
    h.actor.send({ type: 'resident.cancel' })
    await settle()
    expect(h.commands).toContain('acceptor.return')
    expect(h.escrow).toBeNull()
    expect(h.state().value).toBe('attract')
    expect(h.vends).toHaveLength(0)
  })

  it('cancel after money was credited is not a refund: the vend completes for the account shown', async () => {
    const h = createHarness()
    await toCollecting(h)
    h.insert(2000)
    await settle()
    h.actor.send({ type: 'resident.cancel' })
    await settle()
    expect(h.vends).toHaveLength(1)
    expect(h.vends[0]?.notes.map((n) => n.valueFen)).toEqual([2000])
    expect(h.state().matches('done')).toBe(true)
  })

  it('confirm is refused below the minimum', async () => {
    const h = createHarness()
    await toCollecting(h)
    h.insert(500)
    await settle()
    expect(h.state().can({ type: 'resident.confirm' })).toBe(false)
    h.insert(500)
    await settle()
    expect(h.state().can({ type: 'resident.confirm' })).toBe(true)
  })

  it('walk-away after paying: warning with a deadline ≥ 20 s, then the vend completes and the receipt prints', async () => {
    const h = createHarness()
    await toCollecting(h)
    h.insert(2000)
    await settle()
    h.advance(TIMING.idleTimeoutMs)
    const deadline = h.ctx().idleDeadline
    expect(deadline).not.toBeNull()
    expect((deadline ?? 0) - h.clock.now()).toBeGreaterThanOrEqual(20_000)
    h.advance(TIMING.idleWarningMs)
    await settle()
    expect(h.vends).toHaveLength(1)
    expect(h.prints).toHaveLength(1)
    expect(h.state().matches('done')).toBe(true)
    expect(h.ctx().result?.receipt).toBe('printed')
    h.advance(TIMING.doneTimeoutMs)
    expect(h.state().value).toBe('attract')
  })

  it('"still here" extends the session', async () => {
    const h = createHarness()
    await toCollecting(h)
    h.advance(TIMING.idleTimeoutMs)
    expect(h.ctx().idleDeadline).not.toBeNull()
    h.actor.send({ type: 'resident.stillHere' })
    expect(h.ctx().idleDeadline).toBeNull()
    h.advance(TIMING.idleWarningMs)
    expect(h.state().matches('collecting')).toBe(true)
  })

  it('idle with no money → attract, no vend', async () => {
    const h = createHarness()
    await toCollecting(h)
    h.advance(TIMING.idleTimeoutMs)
    h.advance(TIMING.idleWarningMs)
    await settle()
    expect(h.state().value).toBe('attract')
    expect(h.vends).toHaveLength(0)
    expect(h.commands.at(-1)).toBe('acceptor.disable')
  })

  it('idle on the account screen → attract', async () => {
    const h = createHarness()
    h.actor.send({ type: 'resident.start' })
    h.actor.send({ type: 'resident.enterMeterNo', digits: '58101000001' })
    await settle()
    h.advance(TIMING.idleTimeoutMs)
    expect(h.state().value).toEqual({ account: 'warning' })
    h.advance(TIMING.idleWarningMs)
    expect(h.state().value).toBe('attract')
  })

  it('paper out → token still on screen, receipt failed with the reason', async () => {
    const h = createHarness({ print: () => Promise.resolve({ ok: false, reason: 'ERR_PRINTER_PAPER_OUT' }) })
    await toCollecting(h)
    h.insert(5000)
    await settle()
    h.actor.send({ type: 'resident.confirm' })
    await settle()
    expect(h.state().matches('done')).toBe(true)
    expect(h.ctx().result?.tokens).toEqual(['12345678901234567890'])
    expect(h.ctx().result?.receipt).toBe('failed')
    expect(h.ctx().result?.receiptFailReason).toBe('ERR_PRINTER_PAPER_OUT')
  })

  it('central unreachable → creditPending with a reference after the wait', async () => {
    const h = createHarness({ vend: () => new Promise(() => undefined) })
    await toCollecting(h)
    h.insert(5000)
    await settle()
    h.actor.send({ type: 'resident.confirm' })
    await settle()
    expect(h.state().value).toBe('vending')
    h.advance(TIMING.vendWaitMs)
    await settle()
    expect(h.state().matches('done')).toBe(true)
    const r = h.ctx().result
    expect(r?.status).toBe('creditPending')
    expect(r?.vendId).toBe(h.vends[0]?.vendId)
    expect(r?.reference).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/)
    expect(r?.amountFen).toBe(5000)
    expect(h.prints[0]?.result.status).toBe('creditPending')
  })

  it('a vend refused by the central (422) still ends with a reference for the money owed', async () => {
    const h = createHarness({ vend: () => Promise.resolve({ status: 'failed', code: 'ERR_VEND_AMOUNT_BELOW_MINIMUM' }) })
    await toCollecting(h)
    h.insert(500)
    await settle()
    h.actor.send({ type: 'resident.cancel' })
    await settle()
    expect(h.ctx().result?.status).toBe('creditPending')
    expect(h.state().matches('done')).toBe(true)
  })

  it('acceptor jam while collecting stops cash; the resident finishes with what was taken', async () => {
    const h = createHarness()
    await toCollecting(h)
    h.insert(1000)
    await settle()
    h.device({ type: 'acceptor.jammed', safe: true })
    expect(h.ctx().session?.cashStoppedReason).toBe('jammed')
    h.actor.send({ type: 'resident.confirm' })
    await settle()
    expect(h.vends[0]?.notes).toHaveLength(1)
    expect(h.state().matches('done')).toBe(true)
  })

  it('a note credited while cash is closing is counted in the vend', async () => {
    const h = createHarness({ autoCredit: false })
    await toCollecting(h)
    h.insert(1000)
    h.creditEscrow()
    h.insert(2000) // stacking
    h.actor.send({ type: 'resident.confirm' })
    await settle()
    expect(h.state().value).toBe('closingCash')
    h.creditEscrow()
    await settle()
    expect(h.vends[0]?.notes.map((n) => n.valueFen)).toEqual([1000, 2000])
  })

  it('a bad typed meter number stays on identify with the error', () => {
    const h = createHarness()
    h.actor.send({ type: 'resident.start' })
    h.actor.send({ type: 'resident.enterMeterNo', digits: '581010000019' })
    expect(h.state().matches('identify')).toBe(true)
    expect(h.ctx().error?.code).toBe('ERR_METER_CHECK_DIGIT')
  })

  it('lookup failure → error screen with the code, then attract', async () => {
    const h = createHarness({
      lookupMeter: () => Promise.reject(Object.assign(new Error('no'), { code: 'ERR_METER_UNKNOWN' })),
    })
    h.actor.send({ type: 'resident.start' })
    h.actor.send({ type: 'resident.enterMeterNo', digits: '58101000099' })
    await settle()
    expect(h.state().value).toBe('error')
    expect(h.ctx().error).toEqual({ code: 'ERR_METER_UNKNOWN', retryable: false })
    h.advance(TIMING.errorTimeoutMs)
    expect(h.state().value).toBe('attract')
  })

  it('offline, a card or meter the roster never saw → its own code, retryable (it works once the central is back)', async () => {
    const meter = createHarness({
      lookupMeter: () => Promise.reject(Object.assign(new Error('offline'), { code: 'ERR_OFFLINE_METER_UNKNOWN' })),
    })
    meter.actor.send({ type: 'resident.start' })
    meter.actor.send({ type: 'resident.enterMeterNo', digits: '58101000099' })
    await settle()
    expect(meter.ctx().error).toEqual({ code: 'ERR_OFFLINE_METER_UNKNOWN', retryable: true })
    const card = createHarness({
      lookupCard: () => Promise.reject(Object.assign(new Error('offline'), { code: 'ERR_OFFLINE_CARD_UNKNOWN' })),
    })
    card.tap()
    await settle()
    expect(card.state().value).toBe('error')
    expect(card.ctx().error).toEqual({ code: 'ERR_OFFLINE_CARD_UNKNOWN', retryable: true })
  })

  it('card tap in attract starts a session via card', async () => {
    const h = createHarness()
    h.tap()
    await settle()
    expect(h.state().matches('account')).toBe(true)
    expect(h.ctx().session?.via).toBe('card')
    expect(h.ctx().session?.meterNo).toBe('58101000001')
  })

  it('language is per session and resets at attract', () => {
    const h = createHarness()
    h.actor.send({ type: 'resident.setLanguage', language: 'en' })
    h.actor.send({ type: 'resident.start' })
    expect(h.ctx().language).toBe('en')
    h.actor.send({ type: 'resident.cancel' })
    expect(h.ctx().language).toBe('zh-CN')
  })

  it('staff card in attract → service; cash box exchange closes the cycle', async () => {
    const h = createHarness()
    h.tap('9900000101', 'staff', 'field')
    expect(h.state().matches('service')).toBe(true)
    expect(h.state().can({ type: 'staff.completeCashboxExchange', sealNo: 'S-1234' })).toBe(false)
    h.actor.send({ type: 'staff.beginCashboxExchange' })
    h.actor.send({ type: 'staff.completeCashboxExchange', sealNo: 'S-1234' })
    await settle()
    expect(h.ctx().staff?.exchange).toBe('done')
    expect(h.ctx().staff?.lastCollection?.sealNo).toBe('S-1234')
    h.actor.send({ type: 'staff.exit' })
    expect(h.state().value).toBe('attract')
  })

  it('idle with a note in escrow and no money → the note is returned, then attract', async () => {
    const h = createHarness({ autoCredit: false })
    await toCollecting(h)
    h.insert(2000)
    h.advance(TIMING.idleTimeoutMs)
    h.advance(TIMING.idleWarningMs)
    await settle()
    expect(h.commands).toContain('acceptor.return')
    expect(h.state().value).toBe('attract')
    expect(h.vends).toHaveLength(0)
  })

  it('acceptor offline while collecting: cash stops, the money already in still vends', async () => {
    const h = createHarness()
    await toCollecting(h)
    h.insert(5000)
    await settle()
    h.device({ type: 'acceptor.offline' })
    expect(h.ctx().session?.cashStoppedReason).toBe('acceptorOffline')
    h.actor.send({ type: 'resident.confirm' })
    await settle()
    expect(h.state().matches('done')).toBe(true)
    expect(h.vends[0]?.notes).toHaveLength(1)
  })

  it('a late credit after the acceptor stopped answering still lands in the session (closing waits, then moves on)', async () => {
    const h = createHarness({ autoCredit: false })
    await toCollecting(h)
    h.insert(1000)
    h.creditEscrow()
    await settle()
    h.insert(2000) // stacking, then the device goes quiet
    h.actor.send({ type: 'resident.confirm' })
    expect(h.state().value).toBe('closingCash')
    h.advance(TIMING.closeCashTimeoutMs)
    await settle()
    expect(h.vends[0]?.notes.map((n) => n.valueFen)).toEqual([1000])
  })

  it('reprint on the done screen prints a duplicate', async () => {
    const h = createHarness()
    await toCollecting(h)
    h.insert(1000)
    await settle()
    h.actor.send({ type: 'resident.confirm' })
    await settle()
    h.actor.send({ type: 'resident.reprint' })
    await settle()
    expect(h.prints.map((p) => p.kind)).toEqual(['vend', 'duplicate'])
    expect(h.state().matches('done')).toBe(true)
  })

  it('service: the central names the staff member; a card it does not know is sent back out; offline is fine', async () => {
    const named = createHarness()
    named.tap('9900000101', 'staff', 'field')
    await settle()
    expect(named.ctx().staff?.staffName).toBe('李师傅')

    const refused = createHarness({ lookupCard: () => Promise.reject(Object.assign(new Error('no'), { code: 'ERR_CARD_UNKNOWN' })) })
    refused.tap('9900000999', 'staff', 'admin')
    await settle()
    expect(refused.state().value).toBe('attract')

    const offline = createHarness({ lookupCard: () => Promise.reject(Object.assign(new Error('down'), { code: 'ERR_CENTRAL_UNREACHABLE' })) })
    offline.tap('9900000101', 'staff', 'field')
    await settle()
    expect(offline.state().matches('service')).toBe(true)
  })

  it('service mode times out back to attract; out-of-service keeps residents away until staff come back', () => {
    const h = createHarness()
    h.tap('9900000101', 'staff', 'field')
    h.actor.send({ type: 'staff.setOutOfService', outOfService: true })
    h.actor.send({ type: 'staff.exit' })
    expect(h.state().value).toBe('outOfService')
    expect(h.state().can({ type: 'resident.start' })).toBe(false)
    h.tap('9900000101', 'staff', 'field')
    h.actor.send({ type: 'staff.setOutOfService', outOfService: false })
    h.advance(TIMING.serviceTimeoutMs)
    expect(h.state().value).toBe('attract')
  })

  it('a language switch while collecting cash takes effect and restarts the idle timer (was ignored)', async () => {
    const h = createHarness()
    await toCollecting(h)
    h.insert(1000)
    await settle()
    h.advance(TIMING.idleTimeoutMs - 1000)
    h.actor.send({ type: 'resident.setLanguage', language: 'en' })
    expect(h.ctx().language).toBe('en')
    // The switch is activity: the warning comes a full idle timeout later, not 1 s later.
    h.advance(1000)
    expect(h.ctx().idleDeadline).toBeNull()
    h.advance(TIMING.idleTimeoutMs)
    expect(h.ctx().idleDeadline).not.toBeNull()
    // During the warning too: the language changes and the warning goes away.
    h.actor.send({ type: 'resident.setLanguage', language: 'zh-CN' })
    expect(h.ctx().language).toBe('zh-CN')
    expect(h.ctx().idleDeadline).toBeNull()
    h.actor.send({ type: 'resident.toggleLargeText' })
    expect(h.ctx().largeText).toBe(true)
    expect(h.state().matches('collecting')).toBe(true)
    expect(h.ctx().session?.insertedFen).toBe(1000)
  })

  it('the same idle fragment runs on identify, account and history: a language switch counts as activity', () => {
    const h = createHarness()
    h.actor.send({ type: 'resident.start' })
    h.advance(TIMING.idleTimeoutMs)
    expect(h.ctx().idleDeadline).not.toBeNull()
    h.actor.send({ type: 'resident.setLanguage', language: 'en' })
    expect(h.ctx().idleDeadline).toBeNull()
    expect(h.ctx().language).toBe('en')
    expect(h.state().value).toEqual({ identify: 'active' })
  })

  it('history: a card session shows its purchases and months; back returns to the account', async () => {
    const months = Array.from({ length: 12 }, (_, i) => ({ month: `2025-${String(i + 1).padStart(2, '0')}`, energyWh: i * 1000 }))
    const asked: string[] = []
    const h = createHarness({
      loadHistory: (cardNo) => {
        asked.push(cardNo)
        return Promise.resolve({ accountId: ACCOUNT.accountId, vends: [], months, timeZone: 'Asia/Shanghai' })
      },
    })
    h.tap('8800010001', 'resident')
    await settle()
    expect(h.state().matches('account')).toBe(true)
    h.actor.send({ type: 'resident.showHistory' })
    expect(h.ctx().history?.status).toBe('loading')
    await settle()
    expect(asked).toEqual(['8800010001'])
    expect(h.ctx().history?.status).toBe('ready')
    expect(h.ctx().history?.data?.months).toHaveLength(12)
    h.actor.send({ type: 'resident.setLanguage', language: 'en' })
    expect(h.ctx().language).toBe('en')
    h.actor.send({ type: 'resident.back' })
    expect(h.state().matches('account')).toBe(true)
    expect(h.ctx().history).toBeNull()
    // Idle on the history screen ends the session like anywhere else.
    h.actor.send({ type: 'resident.showHistory' })
    await settle()
    h.advance(TIMING.idleTimeoutMs)
    h.advance(TIMING.idleWarningMs)
    expect(h.state().value).toBe('attract')
  })

  it('history: refused for a typed meter number; offline shows the failure and can try again', async () => {
    const typed = createHarness()
    typed.actor.send({ type: 'resident.start' })
    typed.actor.send({ type: 'resident.enterMeterNo', digits: '58101000001' })
    await settle()
    expect(typed.state().can({ type: 'resident.showHistory' })).toBe(false)

    let fail = true
    const h = createHarness({
      loadHistory: () =>
        fail
          ? Promise.reject(Object.assign(new Error('down'), { code: 'ERR_CENTRAL_UNREACHABLE' }))
          : Promise.resolve({ accountId: ACCOUNT.accountId, vends: [], months: [], timeZone: 'Asia/Shanghai' }),
    })
    h.tap('8800010001', 'resident')
    await settle()
    h.actor.send({ type: 'resident.showHistory' })
    await settle()
    expect(h.ctx().history).toMatchObject({ status: 'failed', errorCode: 'ERR_CENTRAL_UNREACHABLE' })
    fail = false
    h.actor.send({ type: 'resident.showHistory' })
    await settle()
    expect(h.ctx().history?.status).toBe('ready')
  })

  it('token status: the done screen asks the central until the meter has answered', async () => {
    const states = ['sent', 'sent', 'accepted'] as const
    const asked: string[] = []
    const h = createHarness({
      vendStatus: (vendId) => {
        asked.push(vendId)
        const state = states[Math.min(asked.length - 1, states.length - 1)] ?? 'accepted'
        return Promise.resolve({ vend: vendResponse({ vendId, sessionId: '', meterNo: '58101000001', cardNo: null, notes: [], paidAt: 0 }), delivery: { state, updatedAt: new Date(0).toISOString() } })
      },
    })
    await toCollecting(h)
    h.insert(1000)
    await settle()
    h.actor.send({ type: 'resident.confirm' })
    await settle()
    expect(h.state().matches('done')).toBe(true)
    expect(h.ctx().result?.delivery).toEqual({ state: 'sent', reason: null })
    h.advance(TIMING.deliveryPollMs)
    await settle()
    h.advance(TIMING.deliveryPollMs)
    await settle()
    expect(h.ctx().result?.delivery).toEqual({ state: 'accepted', reason: null })
    expect(h.state().value).toEqual({ done: 'settled' })
    h.advance(TIMING.deliveryPollMs * 3)
    await settle()
    expect(asked).toHaveLength(3)
  })

  it('token status: a credit-pending vend has no token to ask about', async () => {
    const h = createHarness({ vend: () => Promise.reject(Object.assign(new Error('down'), { code: 'ERR_CENTRAL_UNREACHABLE' })) })
    await toCollecting(h)
    h.insert(1000)
    await settle()
    h.actor.send({ type: 'resident.confirm' })
    await settle()
    expect(h.state().value).toEqual({ done: 'settled' })
    expect(h.ctx().result?.delivery ?? null).toBeNull()
  })

  it('escrow hold: a note waits in escrow; Cancel meanwhile hands it back and nothing is vended', async () => {
    const h = createHarness({ timing: { escrowHoldMs: 3_000 } })
    await toCollecting(h)
    h.insert(2000)
    await settle()
    expect(h.ctx().session).toMatchObject({ escrowFen: 2000, escrowHeld: true, insertedFen: 0 })
    expect(h.commands).not.toContain('acceptor.stack')
    const before = h.commands.length
    h.actor.send({ type: 'resident.cancel' })
    await settle()
    expect(h.commands.slice(before)).toContain('acceptor.return')
    expect(h.commands).not.toContain('acceptor.stack')
    h.advance(TIMING.closeCashTimeoutMs)
    await settle()
    expect(h.state().value).toBe('attract')
    expect(h.vends).toEqual([])
  })

  it('escrow hold: after the hold the note is stacked and credited; Buy during a hold returns only the held note', async () => {
    const h = createHarness({ timing: { escrowHoldMs: 3_000 } })
    await toCollecting(h)
    h.insert(1000)
    h.advance(2_999)
    expect(h.commands).not.toContain('acceptor.stack')
    h.advance(1)
    await settle()
    expect(h.ctx().session).toMatchObject({ insertedFen: 1000, escrowFen: null, escrowHeld: false })
    h.insert(5000)
    await settle()
    expect(h.ctx().session?.escrowHeld).toBe(true)
    const before = h.commands.length
    h.actor.send({ type: 'resident.confirm' })
    await settle()
    expect(h.commands.slice(before)).toContain('acceptor.return')
    expect(h.commands.filter((c) => c === 'acceptor.stack')).toHaveLength(1)
    h.advance(TIMING.closeCashTimeoutMs)
    await settle()
    expect(h.vends[0]?.notes.map((n) => n.valueFen)).toEqual([1000])
  })

  it('resident intents are not allowed where they make no sense', () => {
    const h = createHarness()
    expect(h.state().can({ type: 'resident.confirm' })).toBe(false)
    expect(h.state().can({ type: 'resident.insertCash' })).toBe(false)
    expect(h.state().can({ type: 'resident.start' })).toBe(true)
  })
})

describe('intents', () => {
  it('the local intent list matches the shared schema', () => {
    const all = Intent.anyOf.map((s) => (s.properties as { type: { const: string } }).type.const)
    const withFields = all.filter((t) => !Value.Check(Intent, { type: t }) === true)
    const bare = all.filter((t) => Value.Check(Intent, { type: t }))
    expect(bare.sort()).toEqual([...BARE_INTENT_TYPES].sort())
    expect(withFields.length + bare.length).toBe(all.length)
  })
})
