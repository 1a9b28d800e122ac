import { FormatRegistry } from '@sinclair/typebox'

/**
 * TypeBox's own checker (Value.Check, TypeCompiler) only knows a `format` once it is registered;
 * Fastify's ajv has its own. Processes that check shared schemas with TypeBox call this once.
 */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i

export function registerSchemaFormats(): void {
  if (!FormatRegistry.Has('date-time')) {
    FormatRegistry.Set('date-time', (v) => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)))
  }
}
