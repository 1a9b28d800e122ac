/**
 * The kiosk's write-ahead money log (kiosk-hardware.md §7.6). Rows are never deleted; a state column
 * only moves forward. Each migration runs once, in order, recorded in `user_version`.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );

  -- One resident session from the moment an account is shown.
  CREATE TABLE sessions (
    session_id      TEXT PRIMARY KEY,
    started_at      INTEGER NOT NULL,
    via             TEXT NOT NULL CHECK (via IN ('card', 'meterNo')),
    card_no         TEXT,
    account_id      TEXT,
    meter_no        TEXT,
    customer_masked TEXT,
    state           TEXT NOT NULL,
    updated_at      INTEGER NOT NULL
  );

  -- A note is money at the acceptor's credit event; this row is written before the device is acked.
  CREATE TABLE notes (
    note_id     TEXT PRIMARY KEY,
    session_id  TEXT,
    value_fen   INTEGER NOT NULL CHECK (value_fen > 0),
    credited_at INTEGER NOT NULL,
    cycle_id    TEXT NOT NULL
  );
  CREATE INDEX notes_session ON notes (session_id);
  CREATE INDEX notes_cycle ON notes (cycle_id);

  -- Notes the hardware may have stacked but never credited (power cut mid-stack): counted at the cash count.
  CREATE TABLE suspect_notes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    value_fen   INTEGER,
    location    TEXT NOT NULL,
    cycle_id    TEXT NOT NULL
  );

  CREATE TABLE vends (
    vend_id       TEXT PRIMARY KEY,
    session_id    TEXT,
    meter_no      TEXT NOT NULL,
    card_no       TEXT,
    amount_fen    INTEGER NOT NULL,
    notes_json    TEXT NOT NULL,
    -- The exact body posted on every attempt: the central answers a changed body for an old id with 422.
    request_json  TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('intent', 'sent', 'done', 'failed')),
    origin        TEXT NOT NULL CHECK (origin IN ('session', 'recovery')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    failed_code   TEXT,
    response_json TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
  );
  CREATE INDEX vends_state ON vends (state);
  CREATE INDEX vends_session ON vends (session_id);

  -- A note pays for at most one vend: the primary key makes a second claim fail.
  CREATE TABLE vend_notes (
    note_id TEXT PRIMARY KEY,
    vend_id TEXT NOT NULL
  );
  CREATE INDEX vend_notes_vend ON vend_notes (vend_id);

  CREATE TABLE receipts (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    vend_id   TEXT,
    at        INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('vend', 'duplicate', 'test')),
    status    TEXT NOT NULL CHECK (status IN ('printed', 'failed')),
    reason    TEXT
  );
  CREATE INDEX receipts_vend ON receipts (vend_id);

  CREATE TABLE cashbox_cycles (
    cycle_id    TEXT PRIMARY KEY,
    opened_at   INTEGER NOT NULL,
    closed_at   INTEGER,
    seal_no     TEXT,
    counts_json TEXT,
    total_fen   INTEGER
  );
  `,
  `
  -- The device has moved past the note's credit event (its ACK arrived). A power-up "bill in
  -- stacker" while the last credited note is unsettled is that note, not a new suspect.
  ALTER TABLE notes ADD COLUMN settled INTEGER NOT NULL DEFAULT 1;
  -- A suspect matched to a credited note whose ACK never reached the device: recorded, not counted.
  ALTER TABLE suspect_notes ADD COLUMN matched_note_id TEXT;

  -- Service mode's test note: never money for an account; stacked ones are in the box all the same.
  CREATE TABLE test_notes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    value_fen   INTEGER,
    outcome     TEXT NOT NULL CHECK (outcome IN ('returned', 'stacked', 'rejected')),
    note_id     TEXT,
    staff_card  TEXT NOT NULL,
    cycle_id    TEXT NOT NULL
  );

  -- Closed cash box cycles waiting to be posted to the central as collections (console issue).
  CREATE TABLE collections_outbox (
    cycle_id      TEXT PRIMARY KEY,
    seal_no       TEXT NOT NULL,
    staff_card    TEXT NOT NULL,
    counts_json   TEXT NOT NULL,
    total_fen     INTEGER NOT NULL,
    note_count    INTEGER NOT NULL,
    suspect_count INTEGER NOT NULL,
    test_notes    INTEGER NOT NULL,
    closed_at     INTEGER NOT NULL,
    state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'posted')),
    attempts      INTEGER NOT NULL DEFAULT 0
  );

  -- Every field-staff action, in order (who: the card's last four digits only).
  CREATE TABLE service_actions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    staff_card  TEXT NOT NULL,
    action      TEXT NOT NULL,
    detail_json TEXT
  );
  `,
  `
  -- Collections are posted to the central (POST /kiosks/collections): the row keeps the exact body
  -- so every retry is byte for byte the same. The CHECK on state needs a rebuild (SQLite cannot
  -- alter one); rows from older journals keep their values and get their body when first sent.
  CREATE TABLE collections_outbox_v3 (
    cycle_id      TEXT PRIMARY KEY,
    seal_no       TEXT NOT NULL,
    staff_card    TEXT NOT NULL,
    counts_json   TEXT NOT NULL,
    total_fen     INTEGER NOT NULL,
    note_count    INTEGER NOT NULL,
    suspect_count INTEGER NOT NULL,
    test_notes    INTEGER NOT NULL,
    closed_at     INTEGER NOT NULL,
    state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'posted', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    -- The full staff card number (CollectionRequest.staffCardNo); NULL in rows from older journals.
    staff_card_no TEXT,
    opened_at     INTEGER,
    request_json  TEXT,
    last_error    TEXT,
    failed_code   TEXT,
    answered_at   INTEGER,
    receipt_json  TEXT
  );
  INSERT INTO collections_outbox_v3 (cycle_id, seal_no, staff_card, counts_json, total_fen, note_count, suspect_count, test_notes, closed_at, state, attempts, opened_at)
    SELECT c.cycle_id, c.seal_no, c.staff_card, c.counts_json, c.total_fen, c.note_count, c.suspect_count, c.test_notes, c.closed_at, c.state, c.attempts,
           (SELECT opened_at FROM cashbox_cycles y WHERE y.cycle_id = c.cycle_id)
    FROM collections_outbox c;
  DROP TABLE collections_outbox;
  ALTER TABLE collections_outbox_v3 RENAME TO collections_outbox;
  CREATE INDEX collections_outbox_state ON collections_outbox (state);

  -- A suspect note's id for the collection (SuspectNote.noteId); older rows get one when their cycle closes.
  ALTER TABLE suspect_notes ADD COLUMN suspect_id TEXT;

  -- Service events for the central's audit log (POST /kiosks/service-events), idempotent by event_id.
  -- Rows journaled before this migration have no full staff card and stay local (send_state NULL).
  ALTER TABLE service_actions ADD COLUMN event_id TEXT;
  ALTER TABLE service_actions ADD COLUMN staff_card_no TEXT;
  ALTER TABLE service_actions ADD COLUMN request_json TEXT;
  ALTER TABLE service_actions ADD COLUMN send_state TEXT CHECK (send_state IN ('pending', 'posted', 'failed'));
  ALTER TABLE service_actions ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE service_actions ADD COLUMN last_error TEXT;
  CREATE UNIQUE INDEX service_actions_event ON service_actions (event_id);
  CREATE INDEX service_actions_send ON service_actions (send_state);

  -- The offline roster: accounts this kiosk has looked up, as the central last described them.
  CREATE TABLE roster_accounts (
    account_id   TEXT PRIMARY KEY,
    account_json TEXT NOT NULL,
    updated_at   INTEGER NOT NULL
  );
  CREATE TABLE roster_cards (
    card_no    TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE roster_meters (
    meter_no   TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
]
