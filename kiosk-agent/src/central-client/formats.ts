import { registerSchemaFormats } from '@gridtill/shared'

/** The central client checks responses with TypeBox, which needs the shared formats registered. */
export function registerFormats(): void {
  registerSchemaFormats()
}

registerFormats()
