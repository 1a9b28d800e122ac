import type { DevicesView } from '@gridtill/shared'

export interface MetricsInput {
  notes: number
  notesFen: number
  vendsByState: Record<string, number>
  suspectNotes: number
  outboxDepth: number
  outboxOldestAgeMs: number | null
  deliverySecondsSum: number
  deliveryCount: number
  centralOnline: boolean
  wsClients: number
  devices: DevicesView
  screen: string
}

/** Prometheus text exposition (version 0.0.4). */
export function renderMetrics(m: MetricsInput): string {
  const out: string[] = []
  const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: [Record<string, string>, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
    for (const [labels, value] of samples) {
      const l = Object.entries(labels)
        .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`)
        .join(',')
      out.push(`${name}${l ? `{${l}}` : ''} ${value}`)
    }
  }
  metric('gridtill_agent_notes_credited_total', 'counter', 'Banknotes credited (journaled) since the journal was created.', [[{}, m.notes]])
  metric('gridtill_agent_notes_credited_fen_total', 'counter', 'Money credited from banknotes, fen.', [[{}, m.notesFen]])
  metric(
    'gridtill_agent_vends',
    'gauge',
    'Vends in the journal by state.',
    Object.entries(m.vendsByState).map(([state, n]) => [{ state }, n]),
  )
  metric('gridtill_agent_suspect_notes', 'gauge', 'Notes the acceptor may have stacked without a credit.', [[{}, m.suspectNotes]])
  metric('gridtill_agent_outbox_depth', 'gauge', 'Vends journaled but not yet answered by the central.', [[{}, m.outboxDepth]])
  metric('gridtill_agent_outbox_oldest_age_seconds', 'gauge', 'Age of the oldest undelivered vend.', [
    [{}, m.outboxOldestAgeMs === null ? 0 : Math.round(m.outboxOldestAgeMs / 1000)],
  ])
  out.push(
    '# HELP gridtill_agent_vend_delivery_seconds From the vend intent in the journal to the central\'s answer.',
    '# TYPE gridtill_agent_vend_delivery_seconds summary',
    `gridtill_agent_vend_delivery_seconds_sum ${m.deliverySecondsSum}`,
    `gridtill_agent_vend_delivery_seconds_count ${m.deliveryCount}`,
  )
  metric('gridtill_agent_central_online', 'gauge', '1 when the last call to the central got an answer.', [[{}, m.centralOnline ? 1 : 0]])
  metric('gridtill_agent_ws_clients', 'gauge', 'Connected kiosk screens.', [[{}, m.wsClients]])
  metric('gridtill_agent_device_up', 'gauge', '1 when the device is healthy.', [
    [{ device: 'acceptor', health: m.devices.acceptor.health }, m.devices.acceptor.health === 'ok' ? 1 : 0],
    [{ device: 'reader', health: m.devices.reader.health }, m.devices.reader.health === 'ok' ? 1 : 0],
    [{ device: 'printer', health: m.devices.printer.health }, m.devices.printer.health === 'ok' ? 1 : 0],
  ])
  metric('gridtill_agent_printer_paper_ok', 'gauge', '1 when the printer has paper (not near end).', [[{}, m.devices.printer.paper === 'ok' ? 1 : 0]])
  metric('gridtill_agent_screen', 'gauge', 'The screen now shown.', [[{ screen: m.screen }, 1]])
  return out.join('\n') + '\n'
}
