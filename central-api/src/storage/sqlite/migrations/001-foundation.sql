-- GridTill central, foundation schema. Times are INTEGER epoch milliseconds, UTC.
-- Money is INTEGER fen, energy INTEGER Wh (DESIGN.md, Money).

CREATE TABLE sites (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('residential', 'industrial', 'commercial'))
);

CREATE TABLE buildings (
  id      INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites (id),
  name    TEXT NOT NULL,
  UNIQUE (site_id, name)
);

CREATE TABLE units (
  id          INTEGER PRIMARY KEY,
  building_id INTEGER NOT NULL REFERENCES buildings (id),
  name        TEXT NOT NULL,
  UNIQUE (building_id, name)
);

CREATE TABLE customers (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE tariffs (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

CREATE TABLE tariff_versions (
  id                INTEGER PRIMARY KEY,
  tariff_id         INTEGER NOT NULL REFERENCES tariffs (id),
  effective_from    INTEGER NOT NULL,
  price_fen_per_kwh INTEGER NOT NULL CHECK (price_fen_per_kwh > 0),
  min_vend_fen      INTEGER NOT NULL CHECK (min_vend_fen >= 0),
  max_vend_fen      INTEGER NOT NULL CHECK (max_vend_fen >= min_vend_fen),
  UNIQUE (tariff_id, effective_from)
);

CREATE TABLE accounts (
  id          TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL REFERENCES customers (id),
  tariff_id   INTEGER NOT NULL REFERENCES tariffs (id),
  -- Cached balance of the ledger account wallet:<id>; the ledger check proves they agree.
  wallet_fen  INTEGER NOT NULL DEFAULT 0 CHECK (wallet_fen >= 0),
  arrears_fen INTEGER NOT NULL DEFAULT 0 CHECK (arrears_fen >= 0),
  status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  created_at  INTEGER NOT NULL
);

-- Vending keys as the security module seals them (AES-256-GCM under the master key); never plain.
CREATE TABLE vending_keys (
  id         TEXT PRIMARY KEY,
  iv         TEXT NOT NULL,
  ciphertext TEXT NOT NULL,
  tag        TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE meters (
  meter_no       TEXT PRIMARY KEY CHECK (length(meter_no) = 11),
  unit_id        INTEGER NOT NULL REFERENCES units (id),
  account_id     TEXT NOT NULL REFERENCES accounts (id),
  vending_key_id TEXT NOT NULL REFERENCES vending_keys (id),
  iin            TEXT NOT NULL,
  sgc            TEXT NOT NULL,
  ti             TEXT NOT NULL,
  krn            INTEGER NOT NULL,
  kt             INTEGER NOT NULL,
  ea             TEXT NOT NULL CHECK (ea IN ('07', '11')),
  dkga           TEXT NOT NULL CHECK (dkga IN ('02', '04')),
  base_date      INTEGER NOT NULL CHECK (base_date IN (1993, 2014, 2035)),
  ken            INTEGER NOT NULL CHECK (ken BETWEEN 0 AND 255),
  -- Highest TID issued to this meter; the next is max(now, last_tid + 1) (DESIGN.md, STS tokens).
  last_tid       INTEGER NOT NULL DEFAULT 0,
  profile        TEXT NOT NULL DEFAULT 'household' CHECK (profile IN ('household', 'shop', 'factory')),
  last_credit_wh INTEGER,
  last_seen_at   INTEGER,
  online         INTEGER
);
CREATE INDEX meters_account ON meters (account_id);

CREATE TABLE cards (
  card_no    TEXT PRIMARY KEY,
  uid        TEXT UNIQUE,
  kind       TEXT NOT NULL CHECK (kind IN ('resident', 'staff')),
  account_id TEXT REFERENCES accounts (id),
  staff_name TEXT,
  staff_role TEXT CHECK (staff_role IN ('field', 'cashier', 'admin')),
  blocked    INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1)),
  CHECK ((kind = 'resident' AND account_id IS NOT NULL) OR (kind = 'staff' AND staff_name IS NOT NULL AND staff_role IS NOT NULL))
);
CREATE INDEX cards_account ON cards (account_id);

CREATE TABLE kiosks (
  id                   TEXT PRIMARY KEY,
  name                 TEXT NOT NULL UNIQUE,
  location             TEXT NOT NULL,
  site_id              INTEGER NOT NULL REFERENCES sites (id),
  public_key           TEXT,
  -- scrypt of the one-time code; cleared when used so the code can never enrol twice.
  enrollment_code_hash TEXT,
  enrolled_at          INTEGER,
  revoked              INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
  -- The cash in the cassette between two collections is one ledger account per cycle.
  cash_cycle           INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE kiosk_nonces (
  kiosk_id   TEXT NOT NULL REFERENCES kiosks (id),
  nonce      TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (kiosk_id, nonce)
) WITHOUT ROWID;
CREATE INDEX kiosk_nonces_expiry ON kiosk_nonces (expires_at);

CREATE TABLE receipt_counters (
  kiosk_id TEXT NOT NULL REFERENCES kiosks (id),
  day      TEXT NOT NULL,
  last_seq INTEGER NOT NULL,
  PRIMARY KEY (kiosk_id, day)
) WITHOUT ROWID;

-- A vend id is kept forever: the same id with the same request answers the stored response.
CREATE TABLE vends (
  vend_id       TEXT PRIMARY KEY,
  request_hash  TEXT NOT NULL,
  kiosk_id      TEXT NOT NULL REFERENCES kiosks (id),
  meter_no      TEXT NOT NULL REFERENCES meters (meter_no),
  account_id    TEXT NOT NULL REFERENCES accounts (id),
  card_no       TEXT,
  amount_fen    INTEGER NOT NULL CHECK (amount_fen > 0),
  wallet_used_fen INTEGER NOT NULL CHECK (wallet_used_fen >= 0),
  energy_fen    INTEGER NOT NULL CHECK (energy_fen >= 0),
  carried_over_fen INTEGER NOT NULL CHECK (carried_over_fen >= 0),
  energy_wh     INTEGER NOT NULL CHECK (energy_wh >= 0),
  units01       INTEGER NOT NULL CHECK (units01 >= 0),
  tid           INTEGER NOT NULL,
  -- 'completed' only while a vend commits atomically; a multi-step engine may add 'pending'.
  status        TEXT NOT NULL CHECK (status IN ('completed')),
  receipt_no    TEXT NOT NULL UNIQUE,
  response_json TEXT NOT NULL,
  paid_at       INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  -- Two tokens for one meter never share a TID.
  UNIQUE (meter_no, tid)
);
CREATE INDEX vends_account ON vends (account_id, created_at);

-- A banknote is credited once, ever.
CREATE TABLE vend_notes (
  note_id   TEXT PRIMARY KEY,
  vend_id   TEXT NOT NULL REFERENCES vends (vend_id),
  value_fen INTEGER NOT NULL CHECK (value_fen > 0)
);
CREATE INDEX vend_notes_vend ON vend_notes (vend_id);

CREATE TABLE ledger_accounts (
  id         TEXT PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('kiosk_cash', 'customer_wallet', 'energy_sales')),
  name       TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

-- Double entry, append-only: one row moves amount_fen from credit_account to debit_account.
CREATE TABLE ledger_transfers (
  id             TEXT PRIMARY KEY,
  debit_account  TEXT NOT NULL REFERENCES ledger_accounts (id),
  credit_account TEXT NOT NULL REFERENCES ledger_accounts (id),
  amount_fen     INTEGER NOT NULL CHECK (amount_fen > 0),
  vend_id        TEXT REFERENCES vends (vend_id),
  kind           TEXT NOT NULL,
  at             INTEGER NOT NULL,
  CHECK (debit_account <> credit_account)
);
CREATE INDEX ledger_transfers_vend ON ledger_transfers (vend_id);
CREATE INDEX ledger_transfers_debit ON ledger_transfers (debit_account);
CREATE INDEX ledger_transfers_credit ON ledger_transfers (credit_account);
CREATE TRIGGER ledger_transfers_no_update BEFORE UPDATE ON ledger_transfers
  BEGIN SELECT RAISE(ABORT, 'ledger_transfers is append-only'); END;
CREATE TRIGGER ledger_transfers_no_delete BEFORE DELETE ON ledger_transfers
  BEGIN SELECT RAISE(ABORT, 'ledger_transfers is append-only'); END;

-- Delivery outbox: retried until the meter acknowledges.
CREATE TABLE deliveries (
  id              TEXT PRIMARY KEY,
  vend_id         TEXT NOT NULL REFERENCES vends (vend_id),
  meter_no        TEXT NOT NULL REFERENCES meters (meter_no),
  tokens_json     TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'accepted', 'rejected')),
  reason          TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  acked_at        INTEGER
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_meter ON deliveries (meter_no, created_at);
CREATE INDEX deliveries_vend ON deliveries (vend_id);

CREATE TABLE readings (
  meter_no  TEXT NOT NULL REFERENCES meters (meter_no),
  at        INTEGER NOT NULL,
  energy_wh INTEGER NOT NULL,
  credit_wh INTEGER NOT NULL,
  power_w   INTEGER NOT NULL,
  relay     TEXT NOT NULL CHECK (relay IN ('closed', 'open')),
  tamper    INTEGER NOT NULL CHECK (tamper IN (0, 1)),
  PRIMARY KEY (meter_no, at)
) WITHOUT ROWID;

-- Hash-chained: each row's hash covers the previous row's hash, so an edit anywhere shows.
CREATE TABLE audit_log (
  seq       INTEGER PRIMARY KEY AUTOINCREMENT,
  at        INTEGER NOT NULL,
  actor     TEXT NOT NULL,
  action    TEXT NOT NULL,
  details   TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL UNIQUE
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
