-- Room activity summary on SQLite: per breakout room of one day, how many
-- people visited, the average visit and the average camera-on share (the
-- reference system's example).  Runs on the warehouse's daily_reports or a
-- loaded report CSV, as participant_journey.sql explains.  People are
-- counted by name and email; empty camera cells (pending/unavailable data)
-- are skipped by AVG instead of counting as 0.
SELECT
    room_name,
    COUNT(DISTINCT participant_name || char(10) || participant_email)
        AS visitors,
    COUNT(*) AS visits,
    ROUND(AVG(CAST(room_duration_mins AS REAL)), 2) AS avg_time,
    ROUND(AVG(CAST(NULLIF(camera_percentage, '') AS REAL)), 1) AS avg_camera
FROM daily_reports
WHERE room_number <> ''
GROUP BY room_name
ORDER BY room_name;
