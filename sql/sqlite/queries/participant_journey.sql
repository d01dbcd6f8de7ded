-- Participant journey on SQLite: every person's room visits of one day, in
-- order (the reference system's example).  These example queries are not
-- compiled into zoomtrack; they run on the warehouse's daily_reports table,
-- which `zoomtrack report` fills (add "WHERE report_date = ..." to pick a
-- day):
--
--   sqlite3 -header -column var/zoomtrack.db \
--       < sql/sqlite/queries/participant_journey.sql
--
-- or on a report CSV loaded as a table:
--
--   sqlite3 journey.db \
--       '.import --csv var/reports/DAILY_REPORT_2026-02-03.csv daily_reports'
--
-- (.import makes every column TEXT and empty cells '' where the warehouse
-- has NULL; the queries treat both alike.)
SELECT
    report_date,
    participant_name,
    participant_email,
    CAST(room_number AS INTEGER) AS room_number,
    room_name,
    room_join_time,
    room_leave_time,
    room_duration_mins,
    camera_percentage,
    camera_status,
    next_room
FROM daily_reports
WHERE room_number <> ''
ORDER BY participant_name, participant_email, meeting_uuid,
         CAST(room_number AS INTEGER);
