import { FormatRegistry } from '@sinclair/typebox'

/**
 * TypeBox checks a `format` only when it is registered; IsoTime in the shared schemas uses
 * 'date-time'. Registered here because shared has no such hook yet (see the report).
 */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i

export function registerFormats(): void {
  if (!FormatRegistry.Has('date-time')) {
    FormatRegistry.Set('date-time', (v) => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)))
  }
}

registerFormats()
