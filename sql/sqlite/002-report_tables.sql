-- Tables the report reads besides raw_events.  Applied at start by every
-- subcommand that opens the warehouse (idempotent).

-- Names users give to breakout rooms.  meeting is a meeting uuid (one
-- instance) or a meeting id (every instance of that meeting).
CREATE TABLE IF NOT EXISTS room_names (
    meeting    TEXT NOT NULL,
    room_uuid  TEXT NOT NULL,
    name       TEXT NOT NULL,
    PRIMARY KEY (meeting, room_uuid)
);

-- Pre-assigned breakout rooms from GET /meetings/{id}
-- (settings.breakout_room.rooms[]), one row per (room, assigned email).
CREATE TABLE IF NOT EXISTS preassigned_rooms (
    meeting_id  TEXT NOT NULL,
    room_name   TEXT NOT NULL,
    email       TEXT NOT NULL,      -- lowercased
    fetched_at  TEXT NOT NULL,
    PRIMARY KEY (meeting_id, room_name, email)
);

-- One row per person per minute of QOS data (video_input of the person).
CREATE TABLE IF NOT EXISTS camera_minutes (
    meeting_uuid  TEXT NOT NULL,
    person_key    TEXT NOT NULL,    -- same identity rule as raw_events
    minute_ts     INTEGER NOT NULL, -- ms, start of the minute (UTC)
    camera_on     INTEGER NOT NULL, -- 1 or 0
    PRIMARY KEY (meeting_uuid, person_key, minute_ts)
) WITHOUT ROWID;                    -- the report range-scans the key

-- Whether QOS data was fetched for a meeting instance:
-- 'ok' (camera_minutes holds what Zoom had), 'unavailable' (the plan has no
-- QOS/Dashboard access), 'pending' (not yet available, e.g. 3001).
CREATE TABLE IF NOT EXISTS camera_fetches (
    meeting_uuid  TEXT PRIMARY KEY,
    status        TEXT NOT NULL,
    detail        TEXT NOT NULL DEFAULT '',
    fetched_at    TEXT NOT NULL
);

-- The report reads every event of a meeting instance
-- (zt_warehouse_sqlite.c); this covering index lets it do so without
-- reading raw_payload.  participant_uuid tells a person's devices apart;
-- the index before it (raw_events_report) is replaced once.
DROP INDEX IF EXISTS raw_events_report;
CREATE INDEX IF NOT EXISTS raw_events_report_devices
    ON raw_events (meeting_uuid, person_key, event_ts DESC, event_type,
                   breakout_room_uuid, participant_name, participant_email,
                   meeting_id, participant_uuid);
