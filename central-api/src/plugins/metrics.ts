/**
 * Prometheus text exposition for the central (DESIGN.md, Operations). Counters live in the
 * process; gauges that describe stored state (outbox depth, enrolled kiosks) are read at scrape.
 */
export class Histogram {
  private readonly counts: number[]
  private sum = 0
  private count = 0

  constructor(readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0)
  }

  observe(value: number): void {
    this.sum += value
    this.count++
    for (let i = 0; i < this.buckets.length; i++) if (value <= (this.buckets[i] ?? Infinity)) this.counts[i] = (this.counts[i] ?? 0) + 1
  }

  lines(name: string): string[] {
    const out = this.buckets.map((b, i) => `${name}_bucket{le="${b}"} ${this.counts[i] ?? 0}`)
    out.push(`${name}_bucket{le="+Inf"} ${this.count}`, `${name}_sum ${this.sum}`, `${name}_count ${this.count}`)
    return out
  }
}

export interface ScrapedGauges {
  deliveryOutboxDepth: number
  kiosksEnrolled: number
  /** SQLite group commit (absent on PostgreSQL). */
  storage: { commits: number; writes: number } | null
}

export class Metrics {
  vendsTotal = 0
  vendsReplayedTotal = 0
  notesTotal = 0
  vendAmountFenTotal = 0
  readonly deliveryLatency = new Histogram([0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900])

  recordVend(amountFen: number, notes: number): void {
    this.vendsTotal++
    this.notesTotal += notes
    this.vendAmountFenTotal += amountFen
  }

  render(g: ScrapedGauges): string {
    const metric = (name: string, type: 'counter' | 'gauge' | 'histogram', help: string, lines: string[]) => [
      `# HELP ${name} ${help}`,
      `# TYPE ${name} ${type}`,
      ...lines,
    ]
    return [
      ...metric('vends_total', 'counter', 'Vends committed (new tokens minted).', [`vends_total ${this.vendsTotal}`]),
      ...metric('vends_replayed_total', 'counter', 'Vend requests answered from storage (retries).', [`vends_replayed_total ${this.vendsReplayedTotal}`]),
      ...metric('notes_total', 'counter', 'Banknotes credited by committed vends.', [`notes_total ${this.notesTotal}`]),
      ...metric('vend_amount_fen_total', 'counter', 'Money taken by committed vends, in fen.', [`vend_amount_fen_total ${this.vendAmountFenTotal}`]),
      ...metric('delivery_outbox_depth', 'gauge', 'Token deliveries not yet acknowledged by their meter.', [`delivery_outbox_depth ${g.deliveryOutboxDepth}`]),
      ...metric('delivery_latency_seconds', 'histogram', 'From vend commit to the meter acknowledging its token.', this.deliveryLatency.lines('delivery_latency_seconds')),
      ...metric('kiosks_enrolled', 'gauge', 'Kiosks enrolled and not revoked.', [`kiosks_enrolled ${g.kiosksEnrolled}`]),
      ...(g.storage === null
        ? []
        : [
            ...metric('storage_commits_total', 'counter', 'SQLite group commits (one fsync each).', [`storage_commits_total ${g.storage.commits}`]),
            ...metric('storage_writes_total', 'counter', 'Writes (vends, nonces, claims, …) carried by those commits.', [`storage_writes_total ${g.storage.writes}`]),
          ]),
      '',
    ].join('\n')
  }
}
