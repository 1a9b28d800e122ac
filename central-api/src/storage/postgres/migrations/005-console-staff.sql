-- Back-office console (issue 9): staff sign-in, server-side sessions, customer details, lost
-- cards, meter swaps. Times are epoch milliseconds, UTC; energy integer Wh.

-- Sign-in: an scrypt hash ("scrypt$N$r$p$salt$hash", see routes/staff/password.ts), the failed
-- sign-ins since the last success, and the time a lock-out ends. NULL hash: cannot sign in.
ALTER TABLE staff ADD COLUMN password_hash TEXT;
ALTER TABLE staff ADD COLUMN failed_signins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN locked_until BIGINT;
ALTER TABLE staff ADD COLUMN password_changed_at BIGINT;

-- A session is a random token in an httpOnly cookie; only its SHA-256 is stored, so a copy of
-- the database does not hold live sessions. Sign-out, deactivation and password resets end it.
CREATE TABLE staff_sessions (
  id_hash             TEXT PRIMARY KEY CHECK (length(id_hash) = 64),
  staff_id            TEXT NOT NULL REFERENCES staff (id),
  csrf_token          TEXT NOT NULL,
  created_at          BIGINT NOT NULL,
  last_seen_at        BIGINT NOT NULL,
  idle_expires_at     BIGINT NOT NULL,
  absolute_expires_at BIGINT NOT NULL,
  ended_at            BIGINT,
  end_reason          TEXT CHECK (end_reason IN ('signedOut', 'revoked', 'deactivated', 'passwordReset'))
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id, ended_at);

-- What the back office keeps about a customer beyond the name.
ALTER TABLE customers ADD COLUMN phone TEXT;
ALTER TABLE customers ADD COLUMN updated_at BIGINT;

-- A lost card is blocked, and the card that replaced it is recorded.
ALTER TABLE cards ADD COLUMN blocked_at BIGINT;
ALTER TABLE cards ADD COLUMN blocked_reason TEXT;
ALTER TABLE cards ADD COLUMN replaced_by TEXT REFERENCES cards (card_no);

-- A swapped-out meter stays (its vends and readings refer to it) but no longer serves the account.
ALTER TABLE meters ADD COLUMN removed_at BIGINT;
CREATE TABLE meter_swaps (
  id                TEXT PRIMARY KEY,
  account_id        TEXT NOT NULL REFERENCES accounts (id),
  old_meter_no      TEXT NOT NULL UNIQUE REFERENCES meters (meter_no),
  new_meter_no      TEXT NOT NULL UNIQUE REFERENCES meters (meter_no),
  -- The old meter's last reported credit, owed to the resident on the new meter.
  carried_credit_wh INTEGER NOT NULL CHECK (carried_credit_wh >= 0),
  reason            TEXT NOT NULL,
  staff_id          TEXT NOT NULL REFERENCES staff (id),
  at                BIGINT NOT NULL,
  CHECK (old_meter_no <> new_meter_no)
);
