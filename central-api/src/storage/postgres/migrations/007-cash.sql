-- GridTill central 007: cash handling (console issue, cashier reconciliation). A collection is one
-- closed cash box cycle posted by its kiosk; the cashier counts it by denomination, resolves its
-- suspect notes, a second staff member approves any over/short, and reconciled collections are
-- batched into bank deposits. The ledger gains the cash-handling account kinds.

ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check
  CHECK (kind IN ('kiosk_cash', 'customer_wallet', 'energy_sales', 'vat_payable', 'fixed_charges', 'arrears_receivable', 'refunds_payable',
                  'cash_in_transit', 'cash_over_short', 'bank_deposits'));

CREATE TABLE bank_deposits (
  id         TEXT PRIMARY KEY,
  slip_no    TEXT NOT NULL UNIQUE CHECK (length(slip_no) BETWEEN 1 AND 32),
  amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
  created_by TEXT NOT NULL REFERENCES staff (id),
  created_at BIGINT NOT NULL
);

-- One row per closed cash box cycle, kept forever (the cycle id is the kiosk's idempotency key).
CREATE TABLE collections (
  id              TEXT PRIMARY KEY,
  cycle_id        TEXT NOT NULL UNIQUE,
  request_hash    TEXT NOT NULL,
  kiosk_id        TEXT NOT NULL REFERENCES kiosks (id),
  -- The central's cash cycle this collection closed (ledger account kiosk-cash:<kiosk>:<cycle>).
  cash_cycle      BIGINT NOT NULL,
  seal_no         TEXT NOT NULL,
  opened_at       BIGINT NOT NULL,
  closed_at       BIGINT NOT NULL,
  staff_card_no   TEXT NOT NULL,
  note_count      BIGINT NOT NULL CHECK (note_count >= 0),
  expected_fen    BIGINT NOT NULL CHECK (expected_fen >= 0),
  received_at     BIGINT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('awaitingCount', 'awaitingApproval', 'reconciled', 'deposited')),
  counted_fen     BIGINT CHECK (counted_fen >= 0),
  counted_by      TEXT REFERENCES staff (id),
  counted_at      BIGINT,
  variance_reason TEXT,
  approved_by     TEXT REFERENCES staff (id),
  approved_at     BIGINT,
  reconciled_at   BIGINT,
  deposit_id      TEXT REFERENCES bank_deposits (id),
  UNIQUE (kiosk_id, cash_cycle),
  CHECK ((state = 'awaitingCount') = (counted_by IS NULL)),
  CHECK ((state = 'deposited') = (deposit_id IS NOT NULL)),
  -- Four eyes: whoever counted cannot approve the over/short.
  CHECK (approved_by IS NULL OR approved_by <> counted_by)
);
CREATE INDEX collections_state ON collections (state, received_at);
CREATE INDEX collections_counted ON collections (counted_at);

CREATE TABLE collection_denominations (
  collection_id  TEXT NOT NULL REFERENCES collections (id),
  value_fen      BIGINT NOT NULL CHECK (value_fen > 0),
  expected_count BIGINT NOT NULL CHECK (expected_count >= 0),
  counted_count  BIGINT CHECK (counted_count >= 0),
  PRIMARY KEY (collection_id, value_fen)
);

CREATE TABLE collection_suspect_notes (
  collection_id TEXT NOT NULL REFERENCES collections (id),
  note_id       TEXT NOT NULL,
  value_fen     BIGINT,
  at            BIGINT NOT NULL,
  reason        TEXT NOT NULL,
  resolution    TEXT CHECK (resolution IN ('genuine', 'absent')),
  resolved_by   TEXT REFERENCES staff (id),
  resolved_at   BIGINT,
  PRIMARY KEY (collection_id, note_id)
);
