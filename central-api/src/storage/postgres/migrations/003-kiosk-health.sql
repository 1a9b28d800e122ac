-- GridTill central 003, sqlite/migrations/003-kiosk-health.sql for PostgreSQL: kiosk health for
-- field operations (issue 9). The latest heartbeat per kiosk, a bounded history of heartbeats and
-- faults, alerts (one open per kiosk and kind), work orders and service events. Times are BIGINT
-- epoch milliseconds, UTC.

-- The latest heartbeat of each kiosk (last one wins) and when the central received it.
CREATE TABLE kiosk_health (
  kiosk_id    TEXT PRIMARY KEY REFERENCES kiosks (id),
  sent_at     BIGINT NOT NULL,
  received_at BIGINT NOT NULL,
  heartbeat   TEXT NOT NULL
);

-- Bounded per kiosk: the oldest rows are deleted in the transaction that adds a new one.
CREATE TABLE kiosk_heartbeats (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kiosk_id    TEXT NOT NULL REFERENCES kiosks (id),
  sent_at     BIGINT NOT NULL,
  received_at BIGINT NOT NULL,
  heartbeat   TEXT NOT NULL
);
CREATE INDEX kiosk_heartbeats_kiosk ON kiosk_heartbeats (kiosk_id, id);

-- A kiosk resends faults the central has not acknowledged: the unique key keeps each once.
CREATE TABLE kiosk_faults (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kiosk_id    TEXT NOT NULL REFERENCES kiosks (id),
  at          BIGINT NOT NULL,
  device      TEXT NOT NULL CHECK (device IN ('acceptor', 'printer', 'reader')),
  health      TEXT NOT NULL,
  code        TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  UNIQUE (kiosk_id, at, device, code)
);
CREATE INDEX kiosk_faults_kiosk ON kiosk_faults (kiosk_id, id);

CREATE TABLE kiosk_alerts (
  id              TEXT PRIMARY KEY,
  kiosk_id        TEXT NOT NULL REFERENCES kiosks (id),
  kind            TEXT NOT NULL,
  detail          TEXT NOT NULL,
  raised_at       BIGINT NOT NULL,
  acknowledged_at BIGINT,
  acknowledged_by TEXT REFERENCES staff (id),
  cleared_at      BIGINT,
  CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL))
);
-- One open alert per kiosk and kind; raised again only after it cleared.
CREATE UNIQUE INDEX kiosk_alerts_open ON kiosk_alerts (kiosk_id, kind) WHERE cleared_at IS NULL;
CREATE INDEX kiosk_alerts_kiosk ON kiosk_alerts (kiosk_id, raised_at);

CREATE TABLE work_orders (
  id          TEXT PRIMARY KEY,
  kiosk_id    TEXT NOT NULL REFERENCES kiosks (id),
  alert_id    TEXT UNIQUE REFERENCES kiosk_alerts (id),
  title       TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  state       TEXT NOT NULL CHECK (state IN ('open', 'assigned', 'done')),
  assigned_to TEXT REFERENCES staff (id),
  created_by  TEXT NOT NULL REFERENCES staff (id),
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  closed_at   BIGINT,
  closed_by   TEXT REFERENCES staff (id),
  -- open → assigned → done: only an open order has nobody on it, only a done one is closed.
  CHECK ((state = 'open') = (assigned_to IS NULL)),
  CHECK ((state = 'done') = (closed_at IS NOT NULL)),
  CHECK ((closed_at IS NULL) = (closed_by IS NULL))
);
CREATE INDEX work_orders_state ON work_orders (state, updated_at);
CREATE INDEX work_orders_kiosk ON work_orders (kiosk_id, created_at);

-- What happened to a work order, in order: created, assigned, notes, closed.
CREATE TABLE work_order_notes (
  id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  work_order_id TEXT NOT NULL REFERENCES work_orders (id),
  at            BIGINT NOT NULL,
  staff_id      TEXT NOT NULL REFERENCES staff (id),
  kind          TEXT NOT NULL CHECK (kind IN ('created', 'assigned', 'note', 'closed')),
  note          TEXT NOT NULL
);
CREATE INDEX work_order_notes_order ON work_order_notes (work_order_id, id);

-- Field staff actions at the kiosk, kept forever by event id (the kiosk retries with the same id).
CREATE TABLE kiosk_service_events (
  event_id      TEXT PRIMARY KEY,
  kiosk_id      TEXT NOT NULL REFERENCES kiosks (id),
  at            BIGINT NOT NULL,
  action        TEXT NOT NULL,
  staff_card_no TEXT NOT NULL,
  actor         TEXT NOT NULL,
  details       TEXT NOT NULL,
  request_hash  TEXT NOT NULL,
  received_at   BIGINT NOT NULL
);
CREATE INDEX kiosk_service_events_kiosk ON kiosk_service_events (kiosk_id, at);
