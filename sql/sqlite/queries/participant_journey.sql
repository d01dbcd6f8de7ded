-- Participant journey on SQLite: every person's room visits of one day, in
-- order (the reference system's example).  These example queries are not
-- compiled into zoomtrack; they run on a report CSV loaded as a table:
--
--   sqlite3 journey.db \
--       '.import --csv var/reports/DAILY_REPORT_2026-02-03.csv daily_reports'
--   sqlite3 -header -column journey.db \
--       < sql/sqlite/queries/participant_journey.sql
--
-- (.import makes every column TEXT; empty cells are '' rather than NULL.)
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
