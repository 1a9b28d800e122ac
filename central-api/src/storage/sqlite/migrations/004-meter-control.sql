-- Meter control (issue 11): the remote-command outbox, each meter's live state as last reported,
-- and low-credit alerts. Times are epoch milliseconds, UTC; energy integer Wh, power W.

-- Command outbox: relay commands travel on …/commands and are answered by commandDone /
-- commandRefused events; class 2 management tokens (max power, clear tamper) travel on …/tokens
-- and are answered by token acks. Retried with backoff until the meter answers.
CREATE TABLE meter_commands (
  id              TEXT PRIMARY KEY,
  batch_id        TEXT NOT NULL,
  meter_no        TEXT NOT NULL REFERENCES meters (meter_no),
  kind            TEXT NOT NULL CHECK (kind IN ('relayOpen', 'relayClose', 'setMaxPower', 'clearTamper')),
  max_power_w     INTEGER,
  tokens_json     TEXT,
  tid             INTEGER,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'done', 'refused', 'superseded')),
  reason          TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  requested_by    TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  answered_at     INTEGER
);
CREATE INDEX meter_commands_due ON meter_commands (state, next_attempt_at);
CREATE INDEX meter_commands_meter ON meter_commands (meter_no, created_at);
CREATE INDEX meter_commands_batch ON meter_commands (batch_id);

-- What the meter last told us: status (last will), relay, tamper. One row per meter that spoke.
CREATE TABLE meter_live (
  meter_no          TEXT PRIMARY KEY REFERENCES meters (meter_no),
  online            INTEGER CHECK (online IN (0, 1)),
  status_at         INTEGER,
  last_seen_at      INTEGER,
  relay             TEXT CHECK (relay IN ('closed', 'open')),
  tamper            INTEGER CHECK (tamper IN (0, 1)),
  credit_wh         INTEGER,
  power_w           INTEGER,
  reading_at        INTEGER
);

-- One open alert per meter and kind at most (an episode); cleared when credit is topped up.
CREATE TABLE meter_alerts (
  id          TEXT PRIMARY KEY,
  meter_no    TEXT NOT NULL REFERENCES meters (meter_no),
  kind        TEXT NOT NULL CHECK (kind IN ('lowCredit')),
  state       TEXT NOT NULL CHECK (state IN ('open', 'cleared')),
  days_left   REAL,
  avg_daily_wh INTEGER,
  credit_wh   INTEGER,
  opened_at   INTEGER NOT NULL,
  cleared_at  INTEGER,
  notified    INTEGER NOT NULL DEFAULT 0 CHECK (notified IN (0, 1))
);
CREATE UNIQUE INDEX meter_alerts_one_open ON meter_alerts (meter_no, kind) WHERE state = 'open';
CREATE INDEX meter_alerts_opened ON meter_alerts (opened_at);
