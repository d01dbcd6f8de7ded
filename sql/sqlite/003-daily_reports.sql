-- The daily report's rows, written by `zoomtrack report` beside the CSV
-- (the reference system's daily_reports table; same columns as the CSV).
-- A full-day run replaces the day's rows, a --meeting run that meeting's
-- rows of the day, in one transaction.  Cells are the CSV's text (times
-- local "YYYY-MM-DD HH:MM:SS", minutes with 2 decimals, "true"/"false"),
-- NULL where the CSV cell is empty, so the example queries
-- (sql/sqlite/queries/) give the same answers here as on a loaded CSV.
-- Applied at start by every subcommand that opens the warehouse.

CREATE TABLE IF NOT EXISTS daily_reports (
    report_date            TEXT NOT NULL,  -- YYYY-MM-DD, local
    meeting_id             TEXT,
    meeting_uuid           TEXT,
    participant_name       TEXT,
    participant_email      TEXT,
    meeting_join_time      TEXT,
    meeting_leave_time     TEXT,
    meeting_duration_mins  TEXT,           -- sum of presence intervals
    room_number            TEXT,           -- visit order; NULL: no room
    room_name              TEXT,
    room_uuid              TEXT,
    room_join_time         TEXT,
    room_leave_time        TEXT,
    room_duration_mins     TEXT,
    camera_on_mins         TEXT,           -- NULL unless camera_status ok
    camera_off_mins        TEXT,
    camera_percentage      TEXT,           -- NULL when no minute sampled
    next_room              TEXT,           -- a room, Main room, Left meeting
    join_time_known        TEXT,           -- false: first event a leave
    camera_status          TEXT,           -- ok, pending, unavailable
    "group"                TEXT,           -- the roster's group
    attendance_status      TEXT,           -- present partial absent guest
    late                   TEXT,           -- true / false
    left_early             TEXT,
    data_source            TEXT            -- webhook, report_api
);

CREATE INDEX IF NOT EXISTS daily_reports_day
    ON daily_reports (report_date, meeting_uuid);

-- The last five columns (a roster, `zoomtrack reconcile`) came later:
-- zt_db.c adds them to warehouses made before.  "group" is quoted: an SQL
-- keyword, kept as the CSV names it.
