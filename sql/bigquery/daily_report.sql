-- The daily room-journey report (BigQuery, GoogleSQL script): fills
-- daily_reports for one local date; re-running replaces that date's rows.
-- The same logic as sql/sqlite/daily_report.sql (what `zoomtrack report`
-- runs); the rules are in README.md ("The daily report") and at the top of
-- that file.  Keep the two in step.
--
-- Parameters:
--   @report_date  DATE    the local date to report
--   @timezone     STRING  IANA time zone of that date, e.g. Europe/Istanbul
--
--   bq query --use_legacy_sql=false \
--       --parameter=report_date:DATE:2026-02-03 \
--       --parameter=timezone:STRING:Europe/Istanbul < daily_report.sql
--
-- As a scheduled query (daily, after the meetings; the scheduler passes
-- only @run_time and @run_date): replace the first two DECLAREs by
--   DECLARE v_date DATE DEFAULT DATE(@run_time, 'Europe/Istanbul');
--   DECLARE v_tz STRING DEFAULT 'Europe/Istanbul';
-- and replace your-project-id below.
--
-- Differences from the SQLite query, both for cost: events are read from
-- the event_date partitions within two days of the report date (SQLite
-- reads a meeting instance whole, so only meetings longer than ~48 h can
-- differ), and camera_minutes / camera_fetches / room_names, which have no
-- primary key here, are deduplicated in the query.
--
-- NOTE: written to the BigQuery documentation as a faithful translation;
-- not run against BigQuery (none was reachable while writing it).

DECLARE v_date DATE DEFAULT @report_date;
DECLARE v_tz STRING DEFAULT @timezone;
DECLARE v_meeting STRING DEFAULT '';    -- a meeting id or uuid; '' = all
DECLARE ds INT64 DEFAULT UNIX_MILLIS(TIMESTAMP(v_date, v_tz));
DECLARE de INT64 DEFAULT
    UNIX_MILLIS(TIMESTAMP(DATE_ADD(v_date, INTERVAL 1 DAY), v_tz));

BEGIN TRANSACTION;

DELETE FROM `your-project-id.zoom_tracker.daily_reports`
WHERE report_date = v_date;

INSERT INTO `your-project-id.zoom_tracker.daily_reports` (
    report_date, meeting_id, meeting_uuid, participant_name,
    participant_email, meeting_join_time, meeting_leave_time,
    meeting_duration_mins, room_number, room_name, room_uuid,
    room_join_time, room_leave_time, room_duration_mins, camera_on_mins,
    camera_off_mins, camera_percentage, next_room, join_time_known,
    camera_status)

WITH
-- meeting instances with an event dated within a day of the report date
cand AS (
    SELECT DISTINCT meeting_uuid
    FROM `your-project-id.zoom_tracker.raw_events`
    WHERE event_date BETWEEN DATE_SUB(v_date, INTERVAL 1 DAY)
                         AND DATE_ADD(v_date, INTERVAL 1 DAY)
      AND IFNULL(meeting_uuid, '') <> ''
),

raw AS (
    SELECT r.meeting_uuid,
           IFNULL(r.meeting_id, '') AS meeting_id,
           r.event_type,
           r.event_ts,
           IFNULL(r.person_key, '') AS person_key,
           IFNULL(r.breakout_room_uuid, '') AS breakout_room_uuid,
           IFNULL(r.participant_name, '') AS participant_name,
           IFNULL(r.participant_email, '') AS participant_email
    FROM `your-project-id.zoom_tracker.raw_events` r
    WHERE r.event_date BETWEEN DATE_SUB(v_date, INTERVAL 2 DAY)
                           AND DATE_ADD(v_date, INTERVAL 2 DAY)
      AND r.meeting_uuid IN (SELECT meeting_uuid FROM cand)
),

-- per instance: id, first and last event, meeting ends
mtg AS (
    SELECT meeting_uuid,
           MAX(meeting_id) AS meeting_id,
           MIN(event_ts) AS mstart,
           MAX(event_ts) AS mlast,
           ARRAY_AGG(DISTINCT IF(person_key = ''
                                 AND event_type IN ('meeting.ended',
                                                    'webinar.ended'),
                                 event_ts, NULL) IGNORE NULLS) AS ends
    FROM raw
    GROUP BY meeting_uuid
    HAVING v_meeting = '' OR meeting_uuid = v_meeting
        OR MAX(meeting_id) = v_meeting
),

-- name and email: the first non-empty value by event time (then value;
-- ms timestamps have 13 digits from 2001 to 2286, so ts || value sorts by
-- time first);
-- first_code: ts * 4 + k of the first participant event (k as in ev)
people AS (
    SELECT meeting_uuid, person_key AS pk,
           MIN(CASE WHEN event_type = 'meeting.participant_left_breakout_room'
                     AND breakout_room_uuid <> ''
                    THEN event_ts * 4
                    WHEN event_type IN ('meeting.participant_left',
                                        'webinar.participant_left')
                    THEN event_ts * 4 + 1
                    WHEN event_type = 'meeting.participant_joined_breakout_room'
                     AND breakout_room_uuid <> ''
                    THEN event_ts * 4 + 2
                    WHEN event_type IN ('meeting.participant_joined',
                                        'webinar.participant_joined')
                    THEN event_ts * 4 + 3 END) AS first_code,
           SUBSTR(MIN(IF(participant_name <> '',
                         CAST(event_ts AS STRING) || participant_name,
                         NULL)), 14) AS name,
           SUBSTR(MIN(IF(participant_email <> '',
                         CAST(event_ts AS STRING) || participant_email,
                         NULL)), 14) AS email
    FROM raw
    WHERE meeting_uuid IN (SELECT meeting_uuid FROM mtg)
      AND person_key <> ''
    GROUP BY meeting_uuid, person_key
),

-- every participant event once (deduplicated on meeting, person, ms, type,
-- room), with k: 0 room leave, 1 main leave, 2 room join, 3 main join
ev AS (
    SELECT meeting_uuid,
           person_key AS pk,
           event_ts AS ts,
           event_type,
           breakout_room_uuid AS braw,
           CASE event_type
               WHEN 'meeting.participant_left_breakout_room' THEN 0
               WHEN 'meeting.participant_left' THEN 1
               WHEN 'webinar.participant_left' THEN 1
               WHEN 'meeting.participant_joined_breakout_room' THEN 2
               ELSE 3
           END AS k,
           IF(ENDS_WITH(event_type, 'breakout_room'), breakout_room_uuid, '')
               AS room
    FROM raw
    WHERE meeting_uuid IN (SELECT meeting_uuid FROM mtg)
      AND person_key <> ''
      AND (event_type IN ('meeting.participant_joined',
                          'meeting.participant_left',
                          'webinar.participant_joined',
                          'webinar.participant_left')
           OR (event_type IN ('meeting.participant_joined_breakout_room',
                              'meeting.participant_left_breakout_room')
               AND breakout_room_uuid <> ''))
    GROUP BY meeting_uuid, person_key, event_ts, event_type,
             breakout_room_uuid
),

-- a person's timeline is ordered by ts, then event_type descending (room
-- leave, main leave, room join, main join), then room descending: the
-- reverse of the SQLite query's index order.  Per event:
--   next_in     the next join of any kind
--   term        the next leave or room join (ends a room visit)
--   next_visit  ts (13 digits) || room of the next room join
w1 AS (
    SELECT ev.*,
           MIN(IF(k IN (2, 3), ts, NULL)) OVER fw AS next_in,
           MIN(IF(k IN (0, 1, 2), ts, NULL)) OVER fw AS term,
           MIN(IF(k = 2, CAST(ts AS STRING) || braw, NULL)) OVER fw
               AS next_visit
    FROM ev
    WINDOW fw AS (PARTITION BY meeting_uuid, pk
                  ORDER BY ts, event_type DESC, braw DESC
                  ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
),

-- a main leave with a join within [0, 2000] ms after it is a room move
w2 AS (
    SELECT w1.*,
           k = 1 AND (next_in IS NULL OR next_in > ts + 2000) AS is_real
    FROM w1
),

-- out_next: the next real departure
w AS (
    SELECT w2.*,
           MIN(IF(is_real, ts, NULL)) OVER fw AS out_next
    FROM w2
    WINDOW fw AS (PARTITION BY meeting_uuid, pk
                  ORDER BY ts, event_type DESC, braw DESC
                  ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
),

-- joins, with the first meeting end at or after them
wj AS (
    SELECT x.*, m.mstart, m.mlast,
           (SELECT MIN(e) FROM UNNEST(m.ends) AS e WHERE e >= x.ts)
               AS next_end
    FROM w x
    JOIN mtg m ON m.meeting_uuid = x.meeting_uuid
    WHERE x.k IN (2, 3)
),

-- presence intervals: joins grouped by the end of their presence; people
-- first seen leaving are present from the meeting start
pres AS (
    SELECT meeting_uuid, pk, MIN(s) AS s, e
    FROM (SELECT meeting_uuid, pk, ts AS s,
                 LEAST(IFNULL(out_next, mlast), IFNULL(next_end, mlast))
                     AS e
          FROM wj

          UNION ALL

          SELECT x.meeting_uuid, x.pk, m.mstart AS s,
                 LEAST(IF(x.is_real, x.ts, IFNULL(x.out_next, m.mlast)),
                       IFNULL((SELECT MIN(e) FROM UNNEST(m.ends) AS e
                               WHERE e >= m.mstart), m.mlast)) AS e
          FROM w x
          JOIN people pe ON pe.meeting_uuid = x.meeting_uuid
                        AND pe.pk = x.pk
                        AND x.ts * 4 + x.k = pe.first_code
          JOIN mtg m ON m.meeting_uuid = x.meeting_uuid
          WHERE x.k IN (0, 1))
    GROUP BY meeting_uuid, pk, e
),

-- room visits [s, e]; pend is the end of the presence around the visit
visits AS (
    SELECT meeting_uuid, pk, room, ts AS s,
           LEAST(IFNULL(term, mlast), IFNULL(next_end, mlast)) AS e,
           LEAST(IFNULL(out_next, mlast), IFNULL(next_end, mlast)) AS pend,
           CAST(SUBSTR(next_visit, 1, 13) AS INT64) AS next_s,
           SUBSTR(next_visit, 14) AS next_room_uuid
    FROM wj
    WHERE k = 2
),

-- room names: room_names (instance, then meeting id), else the
-- pre-assigned room that best matches who entered (mutual best), else
-- Room-N by first entry in the meeting instance
rooms AS (
    SELECT meeting_uuid, room, first_ts,
           ROW_NUMBER() OVER (PARTITION BY meeting_uuid
                              ORDER BY first_ts, room) AS n
    FROM (SELECT meeting_uuid, room, MIN(ts) AS first_ts
          FROM w
          WHERE k = 2
          GROUP BY meeting_uuid, room)
),

room_names AS (
    SELECT meeting, room_uuid, MAX(name) AS name
    FROM `your-project-id.zoom_tracker.room_names`
    GROUP BY meeting, room_uuid
),

preassigned AS (
    SELECT DISTINCT meeting_id, room_name, email
    FROM `your-project-id.zoom_tracker.preassigned_rooms`
),

votes AS (
    SELECT v.meeting_uuid, v.room, pa.room_name, COUNT(*) AS nv
    FROM (SELECT DISTINCT meeting_uuid, pk, room FROM w WHERE k = 2) v
    JOIN people pe ON pe.meeting_uuid = v.meeting_uuid AND pe.pk = v.pk
    JOIN mtg m ON m.meeting_uuid = v.meeting_uuid
    JOIN preassigned pa ON pa.meeting_id = m.meeting_id
                       AND pa.email = LOWER(pe.email)
    GROUP BY v.meeting_uuid, v.room, pa.room_name
),

inferred AS (
    SELECT meeting_uuid, room, room_name
    FROM (SELECT vo.meeting_uuid, vo.room, vo.room_name,
                 ROW_NUMBER() OVER (PARTITION BY vo.meeting_uuid, vo.room
                                    ORDER BY vo.nv DESC, vo.room_name) AS r1,
                 ROW_NUMBER() OVER (PARTITION BY vo.meeting_uuid,
                                                 vo.room_name
                                    ORDER BY vo.nv DESC, ro.first_ts,
                                             vo.room) AS r2
          FROM votes vo
          JOIN rooms ro ON ro.meeting_uuid = vo.meeting_uuid
                       AND ro.room = vo.room)
    WHERE r1 = 1 AND r2 = 1
),

rname AS (
    SELECT ro.meeting_uuid, ro.room,
           COALESCE(NULLIF(n1.name, ''), NULLIF(n2.name, ''), inf.room_name,
                    CONCAT('Room-', CAST(ro.n AS STRING))) AS name
    FROM rooms ro
    JOIN mtg m ON m.meeting_uuid = ro.meeting_uuid
    LEFT JOIN room_names n1 ON n1.meeting = ro.meeting_uuid
                           AND n1.room_uuid = ro.room
    LEFT JOIN room_names n2 ON n2.meeting = m.meeting_id
                           AND n2.room_uuid = ro.room
    LEFT JOIN inferred inf ON inf.meeting_uuid = ro.meeting_uuid
                          AND inf.room = ro.room
),

-- the day's part
pres_d AS (
    SELECT meeting_uuid, pk, GREATEST(s, ds) AS cs, LEAST(e, de) AS ce
    FROM pres
    WHERE (s < de AND e > ds) OR (s = e AND s >= ds AND s < de)
),

pday AS (
    SELECT meeting_uuid, pk,
           MIN(cs) AS join_ms, MAX(ce) AS leave_ms, SUM(ce - cs) AS dur_ms
    FROM pres_d
    GROUP BY meeting_uuid, pk
),

vis_d AS (
    SELECT meeting_uuid, pk, room,
           GREATEST(s, ds) AS cs, LEAST(e, de) AS ce,
           ROW_NUMBER() OVER (PARTITION BY meeting_uuid, pk
                              ORDER BY s, room) AS room_number,
           IF(next_s IS NOT NULL AND next_s <= e + 2000,
              next_room_uuid, NULL) AS next_uuid,
           e < pend AS stays
    FROM visits
    WHERE (s < de AND e > ds) OR (s = e AND s >= ds AND s < de)
),

cam AS (
    SELECT meeting_uuid, person_key, minute_ts, MAX(camera_on) AS camera_on
    FROM `your-project-id.zoom_tracker.camera_minutes`
    WHERE meeting_uuid IN (SELECT meeting_uuid FROM mtg)
    GROUP BY meeting_uuid, person_key, minute_ts
),

-- camera samples (minute starts) inside each visit
vcam AS (
    SELECT v.meeting_uuid, v.pk, v.room_number,
           SUM(c.camera_on) AS on_n, SUM(1 - c.camera_on) AS off_n
    FROM vis_d v
    JOIN cam c ON c.meeting_uuid = v.meeting_uuid
              AND c.person_key = v.pk
              AND c.minute_ts >= v.cs AND c.minute_ts < v.ce
    GROUP BY v.meeting_uuid, v.pk, v.room_number
),

-- the same over the whole presence, for people who visited no room
pcam AS (
    SELECT x.meeting_uuid, x.pk,
           SUM(c.camera_on) AS on_n, SUM(1 - c.camera_on) AS off_n
    FROM pres_d x
    JOIN cam c ON c.meeting_uuid = x.meeting_uuid
              AND c.person_key = x.pk
              AND c.minute_ts >= x.cs AND c.minute_ts < x.ce
    GROUP BY x.meeting_uuid, x.pk
),

fetched AS (
    SELECT m.meeting_uuid, IFNULL(f.status, 'pending') AS status
    FROM mtg m
    LEFT JOIN (SELECT meeting_uuid,
                      ARRAY_AGG(status ORDER BY fetched_at DESC
                                LIMIT 1)[OFFSET(0)] AS status
               FROM `your-project-id.zoom_tracker.camera_fetches`
               GROUP BY meeting_uuid) f
           ON f.meeting_uuid = m.meeting_uuid
),

rows_ms AS (
    SELECT m.meeting_id, d.meeting_uuid,
           IFNULL(pe.name, '') AS participant_name,
           IFNULL(pe.email, '') AS participant_email,
           d.join_ms, d.leave_ms, d.dur_ms,
           v.room_number, rn.name AS room_name, v.room AS room_uuid,
           v.cs AS room_join_ms, v.ce AS room_leave_ms,
           CASE WHEN cf.status <> 'ok' THEN NULL
                WHEN v.room IS NULL THEN IFNULL(pc.on_n, 0)
                ELSE IFNULL(vc.on_n, 0) END AS on_n,
           CASE WHEN cf.status <> 'ok' THEN NULL
                WHEN v.room IS NULL THEN IFNULL(pc.off_n, 0)
                ELSE IFNULL(vc.off_n, 0) END AS off_n,
           CASE WHEN v.room IS NULL THEN NULL
                WHEN v.next_uuid IS NOT NULL THEN nx.name
                WHEN v.stays THEN 'Main room'
                ELSE 'Left meeting' END AS next_room,
           MOD(pe.first_code, 4) NOT IN (0, 1) AS join_time_known,
           cf.status AS camera_status
    FROM pday d
    JOIN mtg m ON m.meeting_uuid = d.meeting_uuid
    JOIN fetched cf ON cf.meeting_uuid = d.meeting_uuid
    JOIN people pe ON pe.meeting_uuid = d.meeting_uuid AND pe.pk = d.pk
    LEFT JOIN pcam pc ON pc.meeting_uuid = d.meeting_uuid AND pc.pk = d.pk
    LEFT JOIN vis_d v ON v.meeting_uuid = d.meeting_uuid AND v.pk = d.pk
    LEFT JOIN vcam vc ON vc.meeting_uuid = v.meeting_uuid AND vc.pk = v.pk
                     AND vc.room_number = v.room_number
    LEFT JOIN rname rn ON rn.meeting_uuid = v.meeting_uuid
                      AND rn.room = v.room
    LEFT JOIN rname nx ON nx.meeting_uuid = v.meeting_uuid
                      AND nx.room = v.next_uuid
)

-- minutes with 2 decimals and percentages with 1, rounded half away from
-- zero on exact decimals (as `zoomtrack report` does in integers)
SELECT v_date,
       meeting_id,
       meeting_uuid,
       participant_name,
       participant_email,
       TIMESTAMP_MILLIS(join_ms),
       TIMESTAMP_MILLIS(leave_ms),
       CAST(ROUND(CAST(dur_ms AS NUMERIC) / 60000, 2) AS FLOAT64),
       room_number,
       room_name,
       room_uuid,
       TIMESTAMP_MILLIS(room_join_ms),
       TIMESTAMP_MILLIS(room_leave_ms),
       CAST(ROUND(CAST(room_leave_ms - room_join_ms AS NUMERIC) / 60000, 2)
            AS FLOAT64),
       CAST(on_n AS FLOAT64),
       CAST(off_n AS FLOAT64),
       IF(on_n + off_n > 0,
          CAST(ROUND(CAST(on_n AS NUMERIC) * 100 / (on_n + off_n), 1)
               AS FLOAT64),
          NULL),
       next_room,
       join_time_known,
       camera_status
FROM rows_ms;

COMMIT TRANSACTION;
