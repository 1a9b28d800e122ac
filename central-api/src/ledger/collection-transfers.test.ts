import { describe, expect, it } from 'vitest'
import {
  CASH_IN_TRANSIT,
  CASH_OVER_SHORT,
  BANK_DEPOSITS,
  collectionTransfers,
  depositTransfers,
  overShortTransfers,
} from './collection-transfers.ts'

describe('cash handling ledger legs', () => {
  it('a collection moves its expected total from that cycle’s kiosk cash to cash in transit', () => {
    expect(
      collectionTransfers({
        collectionId: 'c1',
        kioskId: 'K1',
        cashCycle: 3,
        expectedFen: 15_000,
        at: 7,
      }),
    ).toEqual([
      {
        id: 'c1:expected',
        debitAccount: CASH_IN_TRANSIT.id,
        creditAccount: 'kiosk-cash:K1:3',
        amountFen: 15_000,
        vendId: null,
        requestId: null,
        kind: 'collection.expected',
        at: 7,
      },
    ])
    expect(
      collectionTransfers({
        collectionId: 'c1',
        kioskId: 'K1',
        cashCycle: 3,
        expectedFen: 0,
        at: 7,
      }),
    ).toEqual([])
  })

  it('over is a gain, short a loss, balanced posts nothing', () => {
    const [over] = overShortTransfers({ collectionId: 'c1', varianceFen: 2000, at: 1 })
    expect(over).toMatchObject({
      id: 'c1:over-short',
      debitAccount: CASH_IN_TRANSIT.id,
      creditAccount: CASH_OVER_SHORT.id,
      amountFen: 2000,
    })
    const [short] = overShortTransfers({ collectionId: 'c1', varianceFen: -3000, at: 1 })
    expect(short).toMatchObject({
      debitAccount: CASH_OVER_SHORT.id,
      creditAccount: CASH_IN_TRANSIT.id,
      amountFen: 3000,
    })
    expect(overShortTransfers({ collectionId: 'c1', varianceFen: 0, at: 1 })).toEqual([])
  })

  it('a deposit has one bank leg per collection with money in it', () => {
    const legs = depositTransfers({
      depositId: 'd1',
      collections: [
        { collectionId: 'a', countedFen: 100 },
        { collectionId: 'b', countedFen: 0 },
        { collectionId: 'c', countedFen: 250 },
      ],
      at: 1,
    })
    expect(legs.map((t) => [t.id, t.debitAccount, t.creditAccount, t.amountFen])).toEqual([
      ['d1:a', BANK_DEPOSITS.id, CASH_IN_TRANSIT.id, 100],
      ['d1:c', BANK_DEPOSITS.id, CASH_IN_TRANSIT.id, 250],
    ])
  })
})
