-- Participant journey: every person's room visits of one day, in order,
-- with time spent, camera and where they went next (the reference
-- system's example, on zoomtrack's daily_reports).  Replace
-- your-project-id; @report_date DATE.
SELECT
    report_date,
    participant_name,
    participant_email,
    room_number,
    room_name,
    room_join_time,
    room_leave_time,
    room_duration_mins,
    camera_percentage,
    camera_status,
    next_room
FROM `your-project-id.zoom_tracker.daily_reports`
WHERE report_date = @report_date
  AND room_number IS NOT NULL
ORDER BY participant_name, participant_email, meeting_uuid, room_number;
