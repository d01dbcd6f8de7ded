-- Exports one date of daily_reports to
--   gs://BUCKET/reports/DAILY_REPORT_<date>_*.csv
-- (BigQuery writes DAILY_REPORT_<date>_000000000000.csv, ...), with the
-- same cells as `zoomtrack report`: local "YYYY-MM-DD HH:MM:SS" times,
-- minutes with 2 decimals, true/false, empty cells for NULL, and cells that
-- a spreadsheet would run as a formula (starting with = + - @ tab or CR)
-- prefixed with a quote.
--
-- Parameters: @report_date DATE, @timezone STRING (as daily_report.sql).
-- As a scheduled query, replace the DECLAREs as daily_report.sql
-- explains.  Replace your-project-id and BUCKET.  EXPORT DATA needs a
-- literal URI, hence EXECUTE IMMEDIATE.
--
-- NOTE: written to the BigQuery documentation; not run against BigQuery
-- (none was reachable while writing it).

DECLARE v_date DATE DEFAULT @report_date;
DECLARE v_tz STRING DEFAULT @timezone;

EXECUTE IMMEDIATE FORMAT("""
EXPORT DATA OPTIONS (
    uri = 'gs://BUCKET/reports/DAILY_REPORT_%s_*.csv',
    format = 'CSV',
    header = true,
    overwrite = true
) AS
WITH r AS (
    SELECT *
    FROM `your-project-id.zoom_tracker.daily_reports`
    WHERE report_date = DATE '%s'
)
SELECT
    CAST(report_date AS STRING) AS report_date,
    meeting_id,
    meeting_uuid,
    IF(REGEXP_CONTAINS(participant_name, r'^[=+\\-@\\t\\r]'),
       CONCAT("'", participant_name), participant_name) AS participant_name,
    IF(REGEXP_CONTAINS(participant_email, r'^[=+\\-@\\t\\r]'),
       CONCAT("'", participant_email), participant_email)
        AS participant_email,
    FORMAT_TIMESTAMP('%%F %%T', meeting_join_time, '%s')
        AS meeting_join_time,
    FORMAT_TIMESTAMP('%%F %%T', meeting_leave_time, '%s')
        AS meeting_leave_time,
    FORMAT('%%.2f', meeting_duration_mins) AS meeting_duration_mins,
    CAST(room_number AS STRING) AS room_number,
    IF(REGEXP_CONTAINS(room_name, r'^[=+\\-@\\t\\r]'),
       CONCAT("'", room_name), room_name) AS room_name,
    room_uuid,
    FORMAT_TIMESTAMP('%%F %%T', room_join_time, '%s') AS room_join_time,
    FORMAT_TIMESTAMP('%%F %%T', room_leave_time, '%s') AS room_leave_time,
    FORMAT('%%.2f', room_duration_mins) AS room_duration_mins,
    FORMAT('%%.2f', camera_on_mins) AS camera_on_mins,
    FORMAT('%%.2f', camera_off_mins) AS camera_off_mins,
    FORMAT('%%.1f', camera_percentage) AS camera_percentage,
    IF(REGEXP_CONTAINS(next_room, r'^[=+\\-@\\t\\r]'),
       CONCAT("'", next_room), next_room) AS next_room,
    IF(join_time_known, 'true', 'false') AS join_time_known,
    camera_status
FROM r
ORDER BY meeting_uuid, participant_name, room_number
""", CAST(v_date AS STRING), CAST(v_date AS STRING),
    v_tz, v_tz, v_tz, v_tz);
