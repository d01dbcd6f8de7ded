-- The SQLite warehouse: one row per Zoom event, deduplicated by event_id.
-- Columns follow the reference system's BigQuery raw_events table, plus the
-- extra identity fields of zoomtrack's normalised record.  Applied by the
-- warehouse sink at start (idempotent).

PRAGMA journal_mode = WAL;

CREATE TABLE IF NOT EXISTS raw_events (
    event_id             TEXT PRIMARY KEY,
    event_date           TEXT NOT NULL,    -- YYYY-MM-DD in the configured tz
    event_type           TEXT NOT NULL,
    event_timestamp      TEXT NOT NULL,    -- RFC 3339 UTC, from event_ts
    event_ts             INTEGER NOT NULL, -- ms since the epoch
    account_id           TEXT NOT NULL DEFAULT '',
    meeting_id           TEXT NOT NULL DEFAULT '',
    meeting_uuid         TEXT NOT NULL DEFAULT '',
    participant_id       TEXT NOT NULL DEFAULT '',
    participant_user_id  TEXT NOT NULL DEFAULT '',
    participant_uuid     TEXT NOT NULL DEFAULT '',
    parent_user_id       TEXT NOT NULL DEFAULT '',
    registrant_id        TEXT NOT NULL DEFAULT '',
    participant_name     TEXT NOT NULL DEFAULT '',
    participant_email    TEXT NOT NULL DEFAULT '',
    person_key           TEXT NOT NULL DEFAULT '', -- identity rule (README)
    breakout_room_uuid   TEXT NOT NULL DEFAULT '',
    action               TEXT NOT NULL DEFAULT '', -- JOIN, LEAVE or ''
    leave_reason         TEXT NOT NULL DEFAULT '',
    raw_payload          TEXT NOT NULL,
    gcs_path             TEXT NOT NULL DEFAULT '', -- archive location
    received_at          TEXT NOT NULL DEFAULT '',
    inserted_at          TEXT NOT NULL,
    -- webhook, or report_api for what `zoomtrack reconcile` filled in
    -- (zt_db.c adds the column to warehouses made before it existed)
    source               TEXT NOT NULL DEFAULT 'webhook'
);

CREATE INDEX IF NOT EXISTS raw_events_date
    ON raw_events (event_date, meeting_uuid, event_ts);
CREATE INDEX IF NOT EXISTS raw_events_meeting
    ON raw_events (meeting_uuid, event_ts);
