-- GridTill central 002, sqlite/migrations/002-tariffs-claims-staff.sql for PostgreSQL: the tariff
-- engine, vends without a token, every ledger account kind, vend claims, cancelled deliveries,
-- staff and two-person requests. PostgreSQL alters tables in place.

-- Tariff versions hold shared's TariffDefinition; the foundation's flat versions convert 1:1.
ALTER TABLE tariff_versions ADD COLUMN definition TEXT;
ALTER TABLE tariff_versions ADD COLUMN created_at BIGINT;
UPDATE tariff_versions v SET
  definition = json_build_object('name', t.name, 'currency', 'CNY',
                                 'pricing', json_build_object('kind', 'flat', 'priceFenPerKwh', v.price_fen_per_kwh),
                                 'vatRateBasisPoints', 0, 'fixedMonthlyChargeFen', 0, 'debtRecoveryBasisPoints', 0,
                                 'freeBasicKwhPerMonth', 0, 'minVendFen', v.min_vend_fen, 'maxVendFen', v.max_vend_fen)::text,
  created_at = v.effective_from
FROM tariffs t WHERE t.id = v.tariff_id;
ALTER TABLE tariff_versions ALTER COLUMN definition SET NOT NULL;
ALTER TABLE tariff_versions ALTER COLUMN created_at SET NOT NULL;
ALTER TABLE tariff_versions ADD CHECK (definition::json IS NOT NULL);
ALTER TABLE tariff_versions DROP COLUMN max_vend_fen;
ALTER TABLE tariff_versions DROP COLUMN min_vend_fen;
ALTER TABLE tariff_versions DROP COLUMN price_fen_per_kwh;

-- The tariff engine's AccountTariffState; a null period_start begins with the first vend.
ALTER TABLE accounts ADD COLUMN energy_bought_in_period_wh BIGINT NOT NULL DEFAULT 0 CHECK (energy_bought_in_period_wh >= 0);
ALTER TABLE accounts ADD COLUMN period_start TEXT;
ALTER TABLE accounts ADD COLUMN fixed_charges_paid_through_month TEXT;
ALTER TABLE accounts ADD COLUMN free_basic_issued_month TEXT;

-- Vends: the whole breakdown, the version used, the account state around it, no TID without a token.
ALTER TABLE vends ADD COLUMN tariff_version_id BIGINT REFERENCES tariff_versions (id);
ALTER TABLE vends ADD COLUMN vat_fen BIGINT NOT NULL DEFAULT 0 CHECK (vat_fen >= 0);
ALTER TABLE vends ADD COLUMN fixed_charges_fen BIGINT NOT NULL DEFAULT 0 CHECK (fixed_charges_fen >= 0);
ALTER TABLE vends ADD COLUMN debt_recovered_fen BIGINT NOT NULL DEFAULT 0 CHECK (debt_recovered_fen >= 0);
ALTER TABLE vends ADD COLUMN moved_to_arrears_fen BIGINT NOT NULL DEFAULT 0 CHECK (moved_to_arrears_fen >= 0);
ALTER TABLE vends ADD COLUMN free_basic_wh BIGINT NOT NULL DEFAULT 0 CHECK (free_basic_wh >= 0);
ALTER TABLE vends ADD COLUMN state_before TEXT;
ALTER TABLE vends ADD COLUMN state_after TEXT;
ALTER TABLE vends ALTER COLUMN tid DROP NOT NULL;
ALTER TABLE vends ADD CHECK ((tid IS NULL) = (units01 = 0));
ALTER TABLE vends ADD CHECK (amount_fen + wallet_used_fen = energy_fen + vat_fen + fixed_charges_fen + debt_recovered_fen + carried_over_fen);

CREATE TABLE vend_claims (
  vend_id      TEXT PRIMARY KEY,
  request_hash TEXT NOT NULL,
  kiosk_id     TEXT NOT NULL,
  owner        TEXT NOT NULL,
  claimed_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL
);

ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check
  CHECK (kind IN ('kiosk_cash', 'customer_wallet', 'energy_sales', 'vat_payable', 'fixed_charges', 'arrears_receivable', 'refunds_payable'));

CREATE TABLE staff (
  id         TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
  name       TEXT NOT NULL,
  role       TEXT NOT NULL CHECK (role IN ('admin', 'cashier', 'field', 'support', 'auditor')),
  active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at BIGINT NOT NULL
);

CREATE TABLE staff_requests (
  id            TEXT PRIMARY KEY,
  kind          TEXT NOT NULL CHECK (kind IN ('vend.reversal', 'wallet.refund')),
  vend_id       TEXT REFERENCES vends (vend_id),
  account_id    TEXT NOT NULL REFERENCES accounts (id),
  amount_fen    BIGINT NOT NULL CHECK (amount_fen > 0),
  reason        TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  state         TEXT NOT NULL CHECK (state IN ('requested', 'approved', 'rejected')),
  requested_by  TEXT NOT NULL REFERENCES staff (id),
  requested_at  BIGINT NOT NULL,
  decided_by    TEXT REFERENCES staff (id),
  decided_at    BIGINT,
  decision_note TEXT,
  CHECK ((kind = 'vend.reversal') = (vend_id IS NOT NULL)),
  CHECK ((state = 'requested') = (decided_by IS NULL)),
  CHECK (decided_by IS NULL OR decided_by <> requested_by)
);
CREATE UNIQUE INDEX staff_requests_open_reversal ON staff_requests (vend_id) WHERE kind = 'vend.reversal' AND state = 'requested';
CREATE INDEX staff_requests_account ON staff_requests (account_id, requested_at);

CREATE TABLE vend_reversals (
  vend_id     TEXT PRIMARY KEY REFERENCES vends (vend_id),
  request_id  TEXT NOT NULL UNIQUE REFERENCES staff_requests (id),
  reversed_at BIGINT NOT NULL
);

ALTER TABLE ledger_transfers ADD COLUMN request_id TEXT REFERENCES staff_requests (id);
CREATE INDEX ledger_transfers_request ON ledger_transfers (request_id);

ALTER TABLE deliveries DROP CONSTRAINT deliveries_state_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_state_check CHECK (state IN ('pending', 'sent', 'accepted', 'rejected', 'cancelled'));
