-- migrate: foreign_keys=off
-- GridTill central 002: the tariff engine (versions hold a whole TariffDefinition; accounts hold
-- the engine's per-account state), vends that mint no token, the full set of ledger accounts,
-- vend claims (the in-flight guard shared by every central instance), cancelled deliveries,
-- staff and two-person requests (reversals, refunds).
-- Tables other tables point at are rebuilt the way SQLite documents (create, copy, drop, rename);
-- the runner turns foreign keys off for this file and checks them all before it commits.

-- Tariff versions: the definition as shared's TariffDefinition (JSON). The foundation's flat
-- versions become flat definitions with the same price and limits.
CREATE TABLE tariff_versions_new (
  id             INTEGER PRIMARY KEY,
  tariff_id      INTEGER NOT NULL REFERENCES tariffs (id),
  effective_from INTEGER NOT NULL,
  definition     TEXT NOT NULL CHECK (json_valid(definition)),
  created_at     INTEGER NOT NULL,
  UNIQUE (tariff_id, effective_from)
);
INSERT INTO tariff_versions_new (id, tariff_id, effective_from, definition, created_at)
  SELECT v.id, v.tariff_id, v.effective_from,
         json_object('name', t.name, 'currency', 'CNY',
                     'pricing', json_object('kind', 'flat', 'priceFenPerKwh', v.price_fen_per_kwh),
                     'vatRateBasisPoints', 0, 'fixedMonthlyChargeFen', 0, 'debtRecoveryBasisPoints', 0,
                     'freeBasicKwhPerMonth', 0, 'minVendFen', v.min_vend_fen, 'maxVendFen', v.max_vend_fen),
         v.effective_from
  FROM tariff_versions v JOIN tariffs t ON t.id = v.tariff_id;
DROP TABLE tariff_versions;
ALTER TABLE tariff_versions_new RENAME TO tariff_versions;

-- The tariff engine's AccountTariffState (wallet_fen and arrears_fen already exist). A null
-- period_start means the state begins with the account's first vend under the engine.
ALTER TABLE accounts ADD COLUMN energy_bought_in_period_wh INTEGER NOT NULL DEFAULT 0 CHECK (energy_bought_in_period_wh >= 0);
ALTER TABLE accounts ADD COLUMN period_start TEXT;
ALTER TABLE accounts ADD COLUMN fixed_charges_paid_through_month TEXT;
ALTER TABLE accounts ADD COLUMN free_basic_issued_month TEXT;

-- Vends: the whole breakdown, the tariff version used, the account state before and after (so a
-- reversal can restore it exactly), and no TID when no token was minted.
CREATE TABLE vends_new (
  vend_id               TEXT PRIMARY KEY,
  request_hash          TEXT NOT NULL,
  kiosk_id              TEXT NOT NULL REFERENCES kiosks (id),
  meter_no              TEXT NOT NULL REFERENCES meters (meter_no),
  account_id            TEXT NOT NULL REFERENCES accounts (id),
  card_no               TEXT,
  tariff_version_id     INTEGER REFERENCES tariff_versions (id),
  amount_fen            INTEGER NOT NULL CHECK (amount_fen > 0),
  wallet_used_fen       INTEGER NOT NULL CHECK (wallet_used_fen >= 0),
  energy_fen            INTEGER NOT NULL CHECK (energy_fen >= 0),
  vat_fen               INTEGER NOT NULL CHECK (vat_fen >= 0),
  fixed_charges_fen     INTEGER NOT NULL CHECK (fixed_charges_fen >= 0),
  debt_recovered_fen    INTEGER NOT NULL CHECK (debt_recovered_fen >= 0),
  moved_to_arrears_fen  INTEGER NOT NULL CHECK (moved_to_arrears_fen >= 0),
  carried_over_fen      INTEGER NOT NULL CHECK (carried_over_fen >= 0),
  energy_wh             INTEGER NOT NULL CHECK (energy_wh >= 0),
  free_basic_wh         INTEGER NOT NULL CHECK (free_basic_wh >= 0),
  units01               INTEGER NOT NULL CHECK (units01 >= 0),
  -- Null when the money bought no energy (all of it went to fixed charges or debt): no token.
  tid                   INTEGER,
  state_before          TEXT,
  state_after           TEXT,
  status                TEXT NOT NULL CHECK (status IN ('completed')),
  receipt_no            TEXT NOT NULL UNIQUE,
  response_json         TEXT NOT NULL,
  paid_at               INTEGER NOT NULL,
  created_at            INTEGER NOT NULL,
  -- Two tokens for one meter never share a TID.
  UNIQUE (meter_no, tid),
  CHECK ((tid IS NULL) = (units01 = 0)),
  -- Nothing lost, nothing given away (DESIGN.md, Money).
  CHECK (amount_fen + wallet_used_fen = energy_fen + vat_fen + fixed_charges_fen + debt_recovered_fen + carried_over_fen)
);
INSERT INTO vends_new (vend_id, request_hash, kiosk_id, meter_no, account_id, card_no, tariff_version_id, amount_fen,
                       wallet_used_fen, energy_fen, vat_fen, fixed_charges_fen, debt_recovered_fen, moved_to_arrears_fen,
                       carried_over_fen, energy_wh, free_basic_wh, units01, tid, state_before, state_after, status,
                       receipt_no, response_json, paid_at, created_at)
  SELECT vend_id, request_hash, kiosk_id, meter_no, account_id, card_no, NULL, amount_fen,
         wallet_used_fen, energy_fen, 0, 0, 0, 0,
         carried_over_fen, energy_wh, 0, units01, tid, NULL, NULL, status,
         receipt_no, response_json, paid_at, created_at
  FROM vends;
DROP TABLE vends;
ALTER TABLE vends_new RENAME TO vends;
CREATE INDEX vends_account ON vends (account_id, created_at);

-- The in-flight guard: a vend id being processed somewhere. Removed when the vend commits or the
-- attempt gives up; a claim whose instance died is taken over once expires_at has passed.
CREATE TABLE vend_claims (
  vend_id      TEXT PRIMARY KEY,
  request_hash TEXT NOT NULL,
  kiosk_id     TEXT NOT NULL,
  owner        TEXT NOT NULL,
  claimed_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
);

-- Every kind of ledger account.
CREATE TABLE ledger_accounts_new (
  id         TEXT PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('kiosk_cash', 'customer_wallet', 'energy_sales', 'vat_payable', 'fixed_charges',
                                           'arrears_receivable', 'refunds_payable')),
  name       TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
INSERT INTO ledger_accounts_new (id, kind, name, created_at) SELECT id, kind, name, created_at FROM ledger_accounts;
DROP TABLE ledger_accounts;
ALTER TABLE ledger_accounts_new RENAME TO ledger_accounts;

-- Staff (the console issue adds sign-in; until then an admin token names the acting staff member).
CREATE TABLE staff (
  id         TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
  name       TEXT NOT NULL,
  role       TEXT NOT NULL CHECK (role IN ('admin', 'cashier', 'field', 'support', 'auditor')),
  active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at INTEGER NOT NULL
);

-- Reversals and refunds: one staff member asks, another approves.
CREATE TABLE staff_requests (
  id            TEXT PRIMARY KEY,
  kind          TEXT NOT NULL CHECK (kind IN ('vend.reversal', 'wallet.refund')),
  vend_id       TEXT REFERENCES vends (vend_id),
  account_id    TEXT NOT NULL REFERENCES accounts (id),
  amount_fen    INTEGER NOT NULL CHECK (amount_fen > 0),
  reason        TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  state         TEXT NOT NULL CHECK (state IN ('requested', 'approved', 'rejected')),
  requested_by  TEXT NOT NULL REFERENCES staff (id),
  requested_at  INTEGER NOT NULL,
  decided_by    TEXT REFERENCES staff (id),
  decided_at    INTEGER,
  decision_note TEXT,
  CHECK ((kind = 'vend.reversal') = (vend_id IS NOT NULL)),
  CHECK ((state = 'requested') = (decided_by IS NULL)),
  -- Four eyes: whoever asks cannot decide.
  CHECK (decided_by IS NULL OR decided_by <> requested_by)
);
CREATE UNIQUE INDEX staff_requests_open_reversal ON staff_requests (vend_id) WHERE kind = 'vend.reversal' AND state = 'requested';
CREATE INDEX staff_requests_account ON staff_requests (account_id, requested_at);

CREATE TABLE vend_reversals (
  vend_id     TEXT PRIMARY KEY REFERENCES vends (vend_id),
  request_id  TEXT NOT NULL UNIQUE REFERENCES staff_requests (id),
  reversed_at INTEGER NOT NULL
);

ALTER TABLE ledger_transfers ADD COLUMN request_id TEXT REFERENCES staff_requests (id);
CREATE INDEX ledger_transfers_request ON ledger_transfers (request_id);

-- A delivery is cancelled when its vend is reversed before the meter accepted the token.
CREATE TABLE deliveries_new (
  id              TEXT PRIMARY KEY,
  vend_id         TEXT NOT NULL REFERENCES vends (vend_id),
  meter_no        TEXT NOT NULL REFERENCES meters (meter_no),
  tokens_json     TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'accepted', 'rejected', 'cancelled')),
  reason          TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  acked_at        INTEGER
);
INSERT INTO deliveries_new SELECT id, vend_id, meter_no, tokens_json, state, reason, attempts, next_attempt_at, created_at, updated_at, acked_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_meter ON deliveries (meter_no, created_at);
CREATE INDEX deliveries_vend ON deliveries (vend_id);
