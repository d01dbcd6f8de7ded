-- zoomtrack on BigQuery: dataset and tables (GoogleSQL).  Replace
-- your-project-id, then run the statements once (BigQuery console or
-- `bq query --use_legacy_sql=false < setup.sql`), or let
-- `zoomtrack setup -c FILE` create them through the API (same columns).
--
-- raw_events holds the reference system's columns plus zoomtrack's
-- normalised fields (event_ts in ms, person_key, ...): the same columns as
-- the SQLite warehouse (sql/sqlite/001-raw_events.sql).  The report tables
-- match sql/sqlite/002-report_tables.sql.  daily_reports is what
-- `zoomtrack report` writes (its warehouse interface, zt_warehouse.h), one
-- row per person, meeting instance and room visit (README.md, "The daily
-- report"); the presence logic is the binary's, not SQL.
--
-- NOTE: written to the BigQuery documentation; not run against BigQuery
-- (none was reachable while writing it).

CREATE SCHEMA IF NOT EXISTS `your-project-id.zoom_tracker`;

CREATE TABLE IF NOT EXISTS `your-project-id.zoom_tracker.raw_events` (
    event_id             STRING NOT NULL,  -- deterministic: a redelivery
                                           -- has the same id
    event_date           DATE NOT NULL,    -- local date (configured tz)
    event_type           STRING NOT NULL,
    event_timestamp      TIMESTAMP NOT NULL,
    event_ts             INT64 NOT NULL,   -- ms since the epoch
    account_id           STRING,
    meeting_id           STRING,
    meeting_uuid         STRING,
    participant_id       STRING,
    participant_user_id  STRING,
    participant_uuid     STRING,
    parent_user_id       STRING,
    registrant_id        STRING,
    participant_name     STRING,
    participant_email    STRING,
    person_key           STRING,           -- id:, reg:, email: or name:
    breakout_room_uuid   STRING,
    action               STRING,           -- JOIN, LEAVE or ''
    leave_reason         STRING,
    raw_payload          STRING,
    gcs_path             STRING,
    received_at          TIMESTAMP,
    inserted_at          TIMESTAMP,
    source               STRING     -- webhook (NULL) or report_api
)
PARTITION BY event_date
CLUSTER BY meeting_uuid, participant_id;

-- names users give to breakout rooms; meeting is a meeting uuid (one
-- instance) or a meeting id (every instance)
CREATE TABLE IF NOT EXISTS `your-project-id.zoom_tracker.room_names` (
    meeting    STRING NOT NULL,
    room_uuid  STRING NOT NULL,
    name       STRING NOT NULL
);

-- pre-assigned breakout rooms from GET /meetings/{id}, one row per
-- (room, assigned email); email lowercased
CREATE TABLE IF NOT EXISTS `your-project-id.zoom_tracker.preassigned_rooms` (
    meeting_id  STRING NOT NULL,
    room_name   STRING NOT NULL,
    email       STRING NOT NULL,
    fetched_at  TIMESTAMP
);

-- one row per person per minute of QOS data
CREATE TABLE IF NOT EXISTS `your-project-id.zoom_tracker.camera_minutes` (
    meeting_uuid  STRING NOT NULL,
    person_key    STRING NOT NULL,
    minute_ts     INT64 NOT NULL,   -- ms, start of the minute (UTC)
    camera_on     INT64 NOT NULL    -- 1 or 0
)
CLUSTER BY meeting_uuid, person_key, minute_ts;

-- 'ok', 'pending' or 'unavailable' per meeting instance
CREATE TABLE IF NOT EXISTS `your-project-id.zoom_tracker.camera_fetches` (
    meeting_uuid  STRING NOT NULL,
    status        STRING NOT NULL,
    detail        STRING,
    fetched_at    TIMESTAMP
);

-- the report: the reference system's columns first, in its order (with
-- meeting_id and meeting_uuid after report_date), then zoomtrack's
-- honesty columns.  Times are TIMESTAMPs (absolute; the binary's CSV shows
-- them as local "YYYY-MM-DD HH:MM:SS").
CREATE TABLE IF NOT EXISTS `your-project-id.zoom_tracker.daily_reports` (
    report_date            DATE NOT NULL,
    meeting_id             STRING,
    meeting_uuid           STRING,
    participant_name       STRING,
    participant_email      STRING,
    meeting_join_time      TIMESTAMP,
    meeting_leave_time     TIMESTAMP,
    meeting_duration_mins  FLOAT64,   -- sum of presence intervals
    room_number            INT64,     -- visit order 1, 2, ...; NULL: no room
    room_name              STRING,
    room_uuid              STRING,
    room_join_time         TIMESTAMP,
    room_leave_time        TIMESTAMP,
    room_duration_mins     FLOAT64,
    camera_on_mins         FLOAT64,   -- NULL unless camera_status = 'ok'
    camera_off_mins        FLOAT64,
    camera_percentage      FLOAT64,   -- NULL when no minute was sampled
    next_room              STRING,    -- a room name, Main room, Left meeting
    join_time_known        BOOL,      -- false: first event seen a leave
    camera_status          STRING,    -- ok, pending, unavailable
    `group`                STRING,    -- the roster's group
    attendance_status      STRING,    -- present, partial, absent, guest
    late                   BOOL,
    left_early             BOOL,
    data_source            STRING     -- webhook, report_api
)
PARTITION BY report_date
CLUSTER BY meeting_uuid;
