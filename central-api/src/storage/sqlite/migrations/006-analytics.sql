-- GridTill central 006: usage analytics (issue 10). Readings stay the record; these tables are
-- caches the analytics service keeps up to date from them (hourly energy per meter, daily
-- roll-ups), plus floor areas and common-area meters for 公摊 statements, and anomaly alerts.
-- Times are INTEGER epoch milliseconds, UTC; days are local 'YYYY-MM-DD' in the deployment's zone.

-- Floor area for allocation by area and for "similar homes" (null: not known).
ALTER TABLE units ADD COLUMN area_m2 REAL CHECK (area_m2 IS NULL OR area_m2 > 0);

-- Energy per meter per UTC hour, from the readings (analytics/ingest.ts). flags: 1 estimated across
-- a silent gap, 2 relay open, 4 tamper. Common-area meters have rows here too.
CREATE TABLE analytics_hourly (
  meter_no TEXT NOT NULL,
  hour_ms  INTEGER NOT NULL,
  wh       INTEGER NOT NULL CHECK (wh >= 0),
  flags    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (meter_no, hour_ms)
) WITHOUT ROWID;

-- Daily roll-up of the hourly rows (or of imported daily register reads where no hourly data
-- exists). covered: hours with data; estimated: of those, hours spread across a silent gap.
CREATE TABLE analytics_daily (
  meter_no  TEXT NOT NULL,
  day       TEXT NOT NULL,
  wh        INTEGER NOT NULL CHECK (wh >= 0),
  covered   INTEGER NOT NULL,
  estimated INTEGER NOT NULL,
  PRIMARY KEY (meter_no, day)
) WITHOUT ROWID;

-- How far each meter's readings have been rolled up, and what its latest reading said.
CREATE TABLE analytics_meter_state (
  meter_no          TEXT PRIMARY KEY,
  through_ms        INTEGER NOT NULL,
  last_reading_at   INTEGER,
  last_credit_wh    INTEGER,
  last_relay_closed INTEGER NOT NULL DEFAULT 1 CHECK (last_relay_closed IN (0, 1)),
  updated_at        INTEGER NOT NULL
) WITHOUT ROWID;

-- Common-area meters (stairwell lights, lifts, pumps): not vended to; their energy is shared out
-- among the units of their building (or of the whole site when building_id is null).
CREATE TABLE common_meters (
  meter_no    TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  site_id     INTEGER NOT NULL REFERENCES sites (id),
  building_id INTEGER REFERENCES buildings (id),
  basis       TEXT NOT NULL CHECK (basis IN ('area', 'consumption', 'mixed')),
  -- For 'mixed': the share of the pool divided by floor area, the rest by consumption.
  area_share  REAL NOT NULL DEFAULT 0.5 CHECK (area_share >= 0 AND area_share <= 1)
);

-- Anomalies found by the detectors (analytics/anomalies.ts), one row per finding (kind, meter,
-- onset); re-detection updates the evidence, staff acknowledge with a note (audited).
CREATE TABLE analytics_alerts (
  id              TEXT PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('suddenDrop', 'suddenRise', 'zeroWithRelayClosed', 'silent')),
  meter_no        TEXT NOT NULL,
  severity        TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
  from_ms         INTEGER NOT NULL,
  to_ms           INTEGER NOT NULL,
  evidence        TEXT NOT NULL,
  first_seen_at   INTEGER NOT NULL,
  last_seen_at    INTEGER NOT NULL,
  acknowledged_by TEXT,
  acknowledged_at INTEGER,
  ack_note        TEXT
);
CREATE INDEX analytics_alerts_seen ON analytics_alerts (last_seen_at);
