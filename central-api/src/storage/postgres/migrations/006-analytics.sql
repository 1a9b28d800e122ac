-- GridTill central 006: usage analytics (issue 10). Readings stay the record; these tables are
-- caches the analytics service keeps up to date from them (hourly energy per meter, daily
-- roll-ups), plus floor areas and common-area meters for 公摊 statements, and anomaly alerts.
-- Times are INTEGER epoch milliseconds, UTC; days are local 'YYYY-MM-DD' in the deployment's zone.

-- Floor area for allocation by area and for "similar homes" (null: not known).
ALTER TABLE units ADD COLUMN area_m2 DOUBLE PRECISION CHECK (area_m2 IS NULL OR area_m2 > 0);

-- Energy per meter per UTC hour, from the readings (analytics/ingest.ts). flags: 1 estimated across
-- a silent gap, 2 relay open, 4 tamper. Common-area meters have rows here too.
CREATE TABLE analytics_hourly (
  meter_no TEXT NOT NULL,
  hour_ms  BIGINT NOT NULL,
  wh       BIGINT NOT NULL CHECK (wh >= 0),
  flags    BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (meter_no, hour_ms)
);

-- Daily roll-up of the hourly rows (or of imported daily register reads where no hourly data
-- exists). covered: hours with data; estimated: of those, hours spread across a silent gap.
CREATE TABLE analytics_daily (
  meter_no  TEXT NOT NULL,
  day       TEXT NOT NULL,
  wh        BIGINT NOT NULL CHECK (wh >= 0),
  covered   BIGINT NOT NULL,
  estimated BIGINT NOT NULL,
  PRIMARY KEY (meter_no, day)
);

-- How far each meter's readings have been rolled up, and what its latest reading said.
CREATE TABLE analytics_meter_state (
  meter_no          TEXT PRIMARY KEY,
  through_ms        BIGINT NOT NULL,
  last_reading_at   BIGINT,
  last_credit_wh    BIGINT,
  last_relay_closed BIGINT NOT NULL DEFAULT 1 CHECK (last_relay_closed IN (0, 1)),
  updated_at        BIGINT NOT NULL
);

-- Common-area meters (stairwell lights, lifts, pumps): not vended to; their energy is shared out
-- among the units of their building (or of the whole site when building_id is null).
CREATE TABLE common_meters (
  meter_no    TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  site_id     BIGINT NOT NULL REFERENCES sites (id),
  building_id BIGINT REFERENCES buildings (id),
  basis       TEXT NOT NULL CHECK (basis IN ('area', 'consumption', 'mixed')),
  -- For 'mixed': the share of the pool divided by floor area, the rest by consumption.
  area_share  DOUBLE PRECISION NOT NULL DEFAULT 0.5 CHECK (area_share >= 0 AND area_share <= 1)
);

-- Anomalies found by the detectors (analytics/anomalies.ts), one row per finding (kind, meter,
-- onset); re-detection updates the evidence, staff acknowledge with a note (audited).
CREATE TABLE analytics_alerts (
  id              TEXT PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('suddenDrop', 'suddenRise', 'zeroWithRelayClosed', 'silent')),
  meter_no        TEXT NOT NULL,
  severity        TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
  from_ms         BIGINT NOT NULL,
  to_ms           BIGINT NOT NULL,
  evidence        TEXT NOT NULL,
  first_seen_at   BIGINT NOT NULL,
  last_seen_at    BIGINT NOT NULL,
  acknowledged_by TEXT,
  acknowledged_at BIGINT,
  ack_note        TEXT
);
CREATE INDEX analytics_alerts_seen ON analytics_alerts (last_seen_at);
