-- The daily room-journey report (SQLite).  `zoomtrack report` runs it with
--   :report_date   'YYYY-MM-DD', the local date reported
--   :day_start_ms  first ms of that local day in the configured time zone
--   :day_end_ms    first ms of the next local day (DST-correct, from C)
--   :meeting       '' for every meeting, else a meeting id or meeting uuid
-- and formats the ms values in the configured time zone.  One row per
-- person, meeting instance and breakout-room visit of the day; a person who
-- visited no room that day gets one row with the room columns NULL.
-- sql/bigquery/daily_report.sql is the same logic in BigQuery; keep them in
-- step.  The rules are in README.md ("The daily report"); in short:
--
--  * events are deduplicated on what they mean (person, kind, time, room),
--    so redeliveries under any event_id and arrival order change nothing;
--  * kinds, and their order among events of the same person at the same ms:
--    -1 virtual join at meeting start (first event seen was a leave),
--     0 main leave, 1 room leave, 2 main join, 3 room join, 4 meeting end;
--  * a main leave followed by a join (main or room) within 2000 ms is a
--    room move, not a departure;
--  * presence starts at a join while absent and ends at the next real leave
--    or meeting end; without either, at the meeting's last event;
--  * a room visit starts at a room join and ends at the person's next main
--    leave (move or departure), room leave, room join or meeting end,
--    whichever comes first; without any, at the meeting's last event;
--  * intervals are clipped to the day; meetings are found through events
--    dated within one day of the report date, then read whole.

WITH
params AS (
    SELECT :report_date AS report_date,
           :day_start_ms AS ds,
           :day_end_ms AS de,
           COALESCE(:meeting, '') AS mtg
),

-- meeting instances with an event dated within a day of the report date
cand AS (
    SELECT DISTINCT r.meeting_uuid
    FROM raw_events r, params p
    WHERE r.event_date BETWEEN date(p.report_date, '-1 day')
                           AND date(p.report_date, '+1 day')
      AND r.meeting_uuid <> ''
      AND (p.mtg = '' OR r.meeting_uuid = p.mtg OR r.meeting_id = p.mtg)
),

-- every event of those meetings
mev AS MATERIALIZED (
    SELECT r.meeting_uuid, r.meeting_id, r.event_type, r.event_ts,
           r.person_key, r.breakout_room_uuid, r.participant_name,
           r.participant_email
    FROM raw_events r
    JOIN cand c ON c.meeting_uuid = r.meeting_uuid
),

mtg AS (
    SELECT meeting_uuid,
           MAX(meeting_id) AS meeting_id,
           MIN(event_ts) AS mstart,
           MAX(event_ts) AS mlast
    FROM mev
    GROUP BY meeting_uuid
),

ends AS (
    SELECT DISTINCT meeting_uuid, event_ts AS ts
    FROM mev
    WHERE event_type IN ('meeting.ended', 'webinar.ended')
),

-- participant events, deduplicated on their meaning
ev AS MATERIALIZED (
    SELECT DISTINCT
           meeting_uuid,
           person_key AS pk,
           event_ts AS ts,
           CASE event_type
               WHEN 'meeting.participant_left' THEN 0
               WHEN 'webinar.participant_left' THEN 0
               WHEN 'meeting.participant_left_breakout_room' THEN 1
               WHEN 'meeting.participant_joined' THEN 2
               WHEN 'webinar.participant_joined' THEN 2
               ELSE 3
           END AS k,
           CASE WHEN event_type LIKE '%breakout_room'
                THEN breakout_room_uuid ELSE '' END AS room
    FROM mev
    WHERE person_key <> ''
      AND (event_type IN ('meeting.participant_joined',
                          'meeting.participant_left',
                          'webinar.participant_joined',
                          'webinar.participant_left')
           OR (event_type IN ('meeting.participant_joined_breakout_room',
                              'meeting.participant_left_breakout_room')
               AND breakout_room_uuid <> ''))
),

-- per person: the first event seen, name and email
pfirst AS (
    SELECT meeting_uuid, pk, k AS first_k
    FROM (SELECT meeting_uuid, pk, k,
                 ROW_NUMBER() OVER (PARTITION BY meeting_uuid, pk
                                    ORDER BY ts, k, room) AS rn
          FROM ev)
    WHERE rn = 1
),

pname AS (
    SELECT meeting_uuid, pk, participant_name AS name
    FROM (SELECT meeting_uuid, person_key AS pk, participant_name,
                 ROW_NUMBER() OVER (PARTITION BY meeting_uuid, person_key
                                    ORDER BY event_ts, participant_name)
                     AS rn
          FROM mev
          WHERE person_key <> '' AND participant_name <> '')
    WHERE rn = 1
),

pemail AS (
    SELECT meeting_uuid, pk, participant_email AS email
    FROM (SELECT meeting_uuid, person_key AS pk, participant_email,
                 ROW_NUMBER() OVER (PARTITION BY meeting_uuid, person_key
                                    ORDER BY event_ts, participant_email)
                     AS rn
          FROM mev
          WHERE person_key <> '' AND participant_email <> '')
    WHERE rn = 1
),

-- each person's timeline: their events, a virtual join at meeting start
-- when the first event seen is a leave, and every meeting end
st AS (
    SELECT meeting_uuid, pk, ts, k, room
    FROM ev

    UNION ALL

    SELECT f.meeting_uuid, f.pk, m.mstart, -1, ''
    FROM pfirst f
    JOIN mtg m ON m.meeting_uuid = f.meeting_uuid
    WHERE f.first_k IN (0, 1)

    UNION ALL

    SELECT f.meeting_uuid, f.pk, n.ts, 4, ''
    FROM pfirst f
    JOIN ends n ON n.meeting_uuid = f.meeting_uuid
),

-- next_in: the next join of any kind; term: the next event that ends a
-- room visit (main leave, room leave, room join, meeting end)
w1 AS (
    SELECT meeting_uuid, pk, ts, k, room,
           MIN(CASE WHEN k IN (-1, 2, 3) THEN ts END) OVER (
               PARTITION BY meeting_uuid, pk ORDER BY ts, k, room
               ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_in,
           MIN(CASE WHEN k IN (0, 1, 3, 4) THEN ts END) OVER (
               PARTITION BY meeting_uuid, pk ORDER BY ts, k, room
               ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS term
    FROM st
),

-- joins and real departures (room-move leaves dropped); next_out is the
-- end of the presence a row belongs to
w2 AS (
    SELECT meeting_uuid, pk, ts, k, room, term,
           LAG(k) OVER (PARTITION BY meeting_uuid, pk
                        ORDER BY ts, k, room) AS prev_k,
           MIN(CASE WHEN k IN (0, 4) THEN ts END) OVER (
               PARTITION BY meeting_uuid, pk ORDER BY ts, k, room
               ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_out
    FROM w1
    WHERE k IN (-1, 2, 3, 4)
       OR (k = 0 AND (next_in IS NULL OR next_in > ts + 2000))
),

pres AS (
    SELECT w.meeting_uuid, w.pk, w.ts AS s, COALESCE(w.next_out, m.mlast) AS e
    FROM w2 w
    JOIN mtg m ON m.meeting_uuid = w.meeting_uuid
    WHERE w.k IN (-1, 2, 3) AND (w.prev_k IS NULL OR w.prev_k IN (0, 4))
),

visits AS (
    SELECT w.meeting_uuid, w.pk, w.room, w.ts AS s,
           COALESCE(w.term, m.mlast) AS e,
           COALESCE(w.next_out, m.mlast) AS pend,
           LEAD(w.ts) OVER (PARTITION BY w.meeting_uuid, w.pk
                            ORDER BY w.ts, w.room) AS next_s,
           LEAD(w.room) OVER (PARTITION BY w.meeting_uuid, w.pk
                              ORDER BY w.ts, w.room) AS next_room_uuid
    FROM w2 w
    JOIN mtg m ON m.meeting_uuid = w.meeting_uuid
    WHERE w.k = 3
),

-- room names: room_names (instance, then meeting id), else the
-- pre-assigned room that best matches who entered (mutual best), else
-- Room-N by first entry in the meeting instance
rooms AS (
    SELECT meeting_uuid, room,
           ROW_NUMBER() OVER (PARTITION BY meeting_uuid
                              ORDER BY first_ts, room) AS n,
           first_ts
    FROM (SELECT meeting_uuid, room, MIN(ts) AS first_ts
          FROM ev
          WHERE k = 3
          GROUP BY meeting_uuid, room)
),

votes AS (
    SELECT v.meeting_uuid, v.room, pa.room_name, COUNT(*) AS nv
    FROM (SELECT DISTINCT meeting_uuid, pk, room FROM ev WHERE k = 3) v
    JOIN pemail pe ON pe.meeting_uuid = v.meeting_uuid AND pe.pk = v.pk
    JOIN mtg m ON m.meeting_uuid = v.meeting_uuid
    JOIN preassigned_rooms pa ON pa.meeting_id = m.meeting_id
                             AND pa.email = lower(pe.email)
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
                    'Room-' || ro.n) AS name
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
    SELECT x.meeting_uuid, x.pk, MAX(x.s, p.ds) AS cs, MIN(x.e, p.de) AS ce
    FROM pres x, params p
    WHERE (x.s < p.de AND x.e > p.ds)
       OR (x.s = x.e AND x.s >= p.ds AND x.s < p.de)
),

pday AS (
    SELECT meeting_uuid, pk,
           MIN(cs) AS join_ms, MAX(ce) AS leave_ms, SUM(ce - cs) AS dur_ms
    FROM pres_d
    GROUP BY meeting_uuid, pk
),

vis_d AS (
    SELECT x.meeting_uuid, x.pk, x.room,
           MAX(x.s, p.ds) AS cs, MIN(x.e, p.de) AS ce,
           ROW_NUMBER() OVER (PARTITION BY x.meeting_uuid, x.pk
                              ORDER BY x.s, x.room) AS room_number,
           CASE WHEN x.next_s IS NOT NULL AND x.next_s <= x.e + 2000
                THEN x.next_room_uuid END AS next_uuid,
           x.e < x.pend AS stays
    FROM visits x, params p
    WHERE (x.s < p.de AND x.e > p.ds)
       OR (x.s = x.e AND x.s >= p.ds AND x.s < p.de)
),

-- camera samples (minute starts) inside each visit, or inside the whole
-- presence for people who visited no room
vcam AS (
    SELECT v.meeting_uuid, v.pk, v.room_number,
           SUM(c.camera_on = 1) AS on_n, SUM(c.camera_on = 0) AS off_n
    FROM vis_d v
    JOIN camera_minutes c ON c.meeting_uuid = v.meeting_uuid
                         AND c.person_key = v.pk
                         AND c.minute_ts >= v.cs AND c.minute_ts < v.ce
    GROUP BY v.meeting_uuid, v.pk, v.room_number
),

pcam AS (
    SELECT x.meeting_uuid, x.pk,
           SUM(c.camera_on = 1) AS on_n, SUM(c.camera_on = 0) AS off_n
    FROM pres_d x
    JOIN camera_minutes c ON c.meeting_uuid = x.meeting_uuid
                         AND c.person_key = x.pk
                         AND c.minute_ts >= x.cs AND c.minute_ts < x.ce
    GROUP BY x.meeting_uuid, x.pk
)

SELECT p.report_date AS report_date,
       m.meeting_id AS meeting_id,
       d.meeting_uuid AS meeting_uuid,
       COALESCE(nm.name, '') AS participant_name,
       COALESCE(em.email, '') AS participant_email,
       d.join_ms AS meeting_join_ms,
       d.leave_ms AS meeting_leave_ms,
       d.dur_ms AS meeting_duration_ms,
       v.room_number AS room_number,
       rn.name AS room_name,
       v.room AS room_uuid,
       v.cs AS room_join_ms,
       v.ce AS room_leave_ms,
       v.ce - v.cs AS room_duration_ms,
       CASE WHEN cf.status <> 'ok' THEN NULL
            WHEN v.room IS NULL THEN COALESCE(pc.on_n, 0)
            ELSE COALESCE(vc.on_n, 0) END AS camera_on_mins,
       CASE WHEN cf.status <> 'ok' THEN NULL
            WHEN v.room IS NULL THEN COALESCE(pc.off_n, 0)
            ELSE COALESCE(vc.off_n, 0) END AS camera_off_mins,
       CASE WHEN v.room IS NULL THEN NULL
            WHEN v.next_uuid IS NOT NULL THEN nx.name
            WHEN v.stays THEN 'Main room'
            ELSE 'Left meeting' END AS next_room,
       f.first_k NOT IN (0, 1) AS join_time_known,
       cf.status AS camera_status,
       d.pk AS person_key
FROM pday d
CROSS JOIN params p
JOIN mtg m ON m.meeting_uuid = d.meeting_uuid
JOIN pfirst f ON f.meeting_uuid = d.meeting_uuid AND f.pk = d.pk
JOIN (SELECT mm.meeting_uuid, COALESCE(fe.status, 'pending') AS status
      FROM mtg mm
      LEFT JOIN camera_fetches fe ON fe.meeting_uuid = mm.meeting_uuid) cf
     ON cf.meeting_uuid = d.meeting_uuid
LEFT JOIN pname nm ON nm.meeting_uuid = d.meeting_uuid AND nm.pk = d.pk
LEFT JOIN pemail em ON em.meeting_uuid = d.meeting_uuid AND em.pk = d.pk
LEFT JOIN pcam pc ON pc.meeting_uuid = d.meeting_uuid AND pc.pk = d.pk
LEFT JOIN vis_d v ON v.meeting_uuid = d.meeting_uuid AND v.pk = d.pk
LEFT JOIN vcam vc ON vc.meeting_uuid = v.meeting_uuid AND vc.pk = v.pk
                 AND vc.room_number = v.room_number
LEFT JOIN rname rn ON rn.meeting_uuid = v.meeting_uuid AND rn.room = v.room
LEFT JOIN rname nx ON nx.meeting_uuid = v.meeting_uuid
                  AND nx.room = v.next_uuid
ORDER BY m.mstart, d.meeting_uuid, participant_name, d.pk, v.room_number;
