import type { Intent } from '@gridtill/shared'

/**
 * The intents as a proper discriminated union. shared's `Intent` static type gives the intents
 * without fields an index signature instead of their `type` literal (the `I()` helper's props
 * default), so those are restated here; intents.test.ts keeps this list equal to the schema.
 * Drop this file once shared is fixed (see the report).
 */
export const BARE_INTENT_TYPES = [
  'resident.start',
  'resident.toggleLargeText',
  'resident.insertCash',
  'resident.confirm',
  'resident.cancel',
  'resident.back',
  'resident.stillHere',
  'resident.finish',
  'resident.reprint',
  'resident.showHistory',
  'staff.exit',
  'staff.beginCashboxExchange',
  'staff.paperRefilled',
  'staff.testPrint',
  'staff.testNote',
  'staff.syncOutbox',
] as const

type WithFields = Intent extends infer U ? (U extends { type: string } ? U : never) : never

export type AgentIntent = WithFields | { type: (typeof BARE_INTENT_TYPES)[number] }
export type AgentIntentType = AgentIntent['type']
