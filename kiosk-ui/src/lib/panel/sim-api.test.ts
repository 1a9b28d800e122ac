import { describe, expect, it } from 'vitest'
import {
  ACCEPTOR_ACTIONS,
  NOTE_VALUES_FEN,
  PRINTER_ACTIONS,
  SimApi,
  describeResult,
  newestFirst,
  noteButtonLabel,
} from './sim-api.ts'

describe('sim panel helpers', () => {
  it('names the note buttons "Insert ¥50"', () => {
    expect(NOTE_VALUES_FEN.map(noteButtonLabel)).toEqual([
      'Insert ¥1',
      'Insert ¥5',
      'Insert ¥10',
      'Insert ¥20',
      'Insert ¥50',
      'Insert ¥100',
    ])
  })

  it('lists receipts newest first with their PNG index', () => {
    const r = newestFirst([{ lines: ['a'] }, { lines: ['b'] }, { index: 7, lines: ['c'] }])
    expect(r.map((x) => x.index)).toEqual([7, 1, 0])
  })

  it('posts JSON bodies to the /sim endpoints and reports failures', async () => {
    const calls: { url: string; init: RequestInit | undefined }[] = []
    const ok = new SimApi('', (input, init) => {
      calls.push({ url: input instanceof Request ? input.url : input.toString(), init })
      return Promise.resolve(new Response('{}', { status: 200 }))
    })
    await ok.insertNote(5000)
    await ok.tapCard('8800010001')
    await ok.acceptor('jam')
    expect(calls.map((c) => [c.url, c.init?.body])).toEqual([
      ['/sim/note', '{"valueFen":5000}'],
      ['/sim/card', '{"cardNo":"8800010001"}'],
      ['/sim/acceptor', '{"action":"jam"}'],
    ])
    const bad = new SimApi('', () => Promise.resolve(new Response('nope', { status: 409 })))
    await expect(bad.printer('paperOut')).rejects.toThrow('POST /sim/printer → 409: nope')
  })

  it('uses the agent action names and unique button names', () => {
    expect(ACCEPTOR_ACTIONS.map((a) => a.action)).toEqual([
      'jam',
      'jamUnsafe',
      'clearJam',
      'removeCashbox',
      'replaceCashbox',
      'stackerFull',
      'stackerOk',
      'unplug',
      'replug',
    ])
    expect(PRINTER_ACTIONS.map((a) => a.action)).toEqual([
      'paperOut',
      'paperNearEnd',
      'refill',
      'coverOpen',
      'coverClose',
      'cutterFault',
      'clearFault',
    ])
    const labels = [...ACCEPTOR_ACTIONS, ...PRINTER_ACTIONS].map((a) => a.label)
    expect(new Set(labels).size).toBe(labels.length)
  })

  it('says whether the acceptor took a note', () => {
    expect(describeResult({ accepted: true })).toBe('accepted')
    expect(describeResult({ accepted: false })).toBe('not accepted')
    expect(describeResult({ ok: true })).toBe('done')
    expect(describeResult(null)).toBe('done')
  })
})
