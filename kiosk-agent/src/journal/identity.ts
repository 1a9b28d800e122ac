import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import type { EnrollResponse } from '@gridtill/shared'
import type { Journal } from './journal.ts'

/**
 * The kiosk's Ed25519 identity. The key pair is made once, on first start, and kept in the journal
 * so a restart signs with the same key; the kiosk id arrives with enrolment.
 */
export interface KioskIdentity {
  privateKey: KeyObject
  /** SPKI DER, base64 — what the central stores at enrolment. */
  publicKeySpkiB64: string
  enrolment: EnrollResponse | null
}

const K = {
  privateKey: 'identity.privateKeyPkcs8Pem',
  enrolment: 'identity.enrolment',
} as const

export function loadOrCreateIdentity(journal: Journal): KioskIdentity {
  let pem = journal.getMeta(K.privateKey)
  if (!pem) {
    const { privateKey } = generateKeyPairSync('ed25519')
    pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
    journal.setMeta(K.privateKey, pem)
  }
  const privateKey = createPrivateKey(pem)
  const publicKeySpkiB64 = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64')
  const enrolled = journal.getMeta(K.enrolment)
  return { privateKey, publicKeySpkiB64, enrolment: enrolled ? (JSON.parse(enrolled) as EnrollResponse) : null }
}

export function saveEnrolment(journal: Journal, enrolment: EnrollResponse): void {
  journal.setMeta(K.enrolment, JSON.stringify(enrolment))
}
