import { describe, expect, it } from 'vitest'
import { cashStoppedKey, receiptReasonKey, serviceMessageKey } from './reasons.ts'

describe('receiptReasonKey', () => {
  it('recognises paper out however the agent spells it', () => {
    for (const r of ['paperOut', 'paper-out', 'PAPER_OUT', 'ERR_PRINTER_PAPER_OUT', 'no paper']) {
      expect(receiptReasonKey(r), r).toBe('receipt.reason.paperOut')
    }
  })
  it('maps cover, offline and error codes; anything else is a fault', () => {
    expect(receiptReasonKey('coverOpen')).toBe('receipt.reason.coverOpen')
    expect(receiptReasonKey('offline')).toBe('receipt.reason.offline')
    expect(receiptReasonKey('ERR_DEVICE_OFFLINE')).toBe('receipt.reason.offline')
    expect(receiptReasonKey('ERR_PRINTER_FAULT')).toBe('error.ERR_PRINTER_FAULT')
    expect(receiptReasonKey('cutter jammed')).toBe('receipt.reason.fault')
    expect(receiptReasonKey(null)).toBeNull()
  })
})

describe('cashStoppedKey', () => {
  it("maps the agent's CashStoppedReason values", () => {
    expect(cashStoppedKey('maximumReached')).toBe('reason.maxReached')
    expect(cashStoppedKey('jammed')).toBe('error.ERR_ACCEPTOR_JAMMED')
    expect(cashStoppedKey('acceptorOffline')).toBe('error.ERR_DEVICE_OFFLINE')
    expect(cashStoppedKey('acceptorFault')).toBe('error.ERR_ACCEPTOR_FAULT')
    expect(cashStoppedKey('stackerFull')).toBe('reason.stackerFull')
    expect(cashStoppedKey('cashboxRemoved')).toBe('reason.cashboxRemoved')
  })

  it('maps other spellings', () => {
    expect(cashStoppedKey('maxReached')).toBe('reason.maxReached')
    expect(cashStoppedKey('ERR_ACCEPTOR_JAMMED')).toBe('error.ERR_ACCEPTOR_JAMMED')
    expect(cashStoppedKey('jammed')).toBe('error.ERR_ACCEPTOR_JAMMED')
    expect(cashStoppedKey('stacker_full')).toBe('reason.cashbox')
    expect(cashStoppedKey('acceptor offline')).toBe('error.ERR_DEVICE_OFFLINE')
    expect(cashStoppedKey('something else')).toBe('collecting.stopped')
    expect(cashStoppedKey(null)).toBeNull()
  })
})

describe('serviceMessageKey', () => {
  it('translates the agent service-mode words, with the reason of a failed test print', () => {
    expect(serviceMessageKey('cashbox.closed')).toEqual({ key: 'service.msg.cashboxClosed', reason: null })
    expect(serviceMessageKey('testPrint.failed:paperOut')).toEqual({
      key: 'service.msg.testPrintFailed',
      reason: 'receipt.reason.paperOut',
    })
    expect(serviceMessageKey('testPrint.failed')?.reason).toBe('receipt.reason.fault')
    expect(serviceMessageKey('something.new')).toBeNull()
  })
})
