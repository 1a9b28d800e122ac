/**
 * What other packages (the browser tests) may reuse from the kiosk UI: the message catalogues, to
 * find buttons by their text in either language, and the simulator panel's action names. The UI
 * itself is the Vite build in kiosk-ui/dist (index.html, panel.html).
 */
export { catalogues, en, errorKey, translate, zhCN } from './messages/index.ts'
export type { Catalogue, MessageKey } from './messages/index.ts'
export { groupToken } from './lib/format.ts'
export {
  ACCEPTOR_ACTIONS,
  NOTE_VALUES_FEN,
  PRINTER_ACTIONS,
  noteButtonLabel,
} from './lib/panel/sim-api.ts'
export type { AcceptorAction, PrinterAction, SimState } from './lib/panel/sim-api.ts'
