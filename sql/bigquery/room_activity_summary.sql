-- Room activity summary: per breakout room of one day, how many people
-- visited, the average visit and the average camera-on share (the
-- reference system's example).  People are counted by name and email, so
-- two people with the same display name count twice; camera_percentage is
-- NULL (not 0) where camera data is pending or unavailable, so AVG skips
-- those visits.  Replace your-project-id; @report_date DATE.
SELECT
    room_name,
    COUNT(DISTINCT CONCAT(participant_name, '\n', participant_email))
        AS visitors,
    COUNT(*) AS visits,
    ROUND(AVG(room_duration_mins), 2) AS avg_time,
    ROUND(AVG(camera_percentage), 1) AS avg_camera
FROM `your-project-id.zoom_tracker.daily_reports`
WHERE report_date = @report_date
  AND room_number IS NOT NULL
GROUP BY room_name
ORDER BY room_name;
