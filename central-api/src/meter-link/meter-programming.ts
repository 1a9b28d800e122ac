/**
 * The "factory key-loading file" schema the central writes in demo mode for the meter fleet
 * simulator. Defined once in shared (schemas/meter-link.ts); re-exported here for the central's
 * existing importers.
 */
export { MeterProgramming } from '@gridtill/shared'
