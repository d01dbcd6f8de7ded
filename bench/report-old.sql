-- THE PREVIOUS IMPLEMENTATION, kept only for bench/report's comparison:
-- `zoomtrack report` now folds the events with zoomtrack/presence.  It is
-- wrong on leaving the meeting from a room (a room leave and its main
-- leave ms apart count as a return to the main room).
--
-- The daily room-journey report (SQLite).  `zoomtrack report` ran it with
--   :report_date   'YYYY-MM-DD', the local date reported
--   :day_start_ms  first ms of that local day in the configured time zone
--   :day_end_ms    first ms of the next local day (DST-correct, from C)
--   :meeting       '' for every meeting, else a meeting id or meeting uuid
-- and formats the ms values in the configured time zone.  One row per
-- person, meeting instance and breakout-room visit of the day; a person who
-- visited no room that day gets one row with the room columns NULL.
-- The rules (README.md, "The daily report"):
--
--  * a person is a person_key within a meeting instance (meeting_uuid);
--    events are deduplicated on what they mean (meeting, person, ms, type,
--    room), so redeliveries under any event_id and arrival order change
--    nothing;
--  * a person's events are ordered by event_ts, and among events of the
--    same ms: room leave, main leave, room join, main join;
--  * a main leave with a join (main or room) of the same person within
--    [0, 2000] ms after it is a room move, not a departure;
--  * presence: from a join until the next real departure or meeting end
--    (meeting.ended), else until the meeting's last event; when the first
--    event seen of a person is a leave, from the meeting's first event, and
--    join_time_known is false;
--  * a room visit starts at a room join and ends at the person's next main
--    leave (move or departure), room leave, room join or meeting end,
--    whichever comes first, else at the meeting's last event;
--  * intervals are clipped to [day_start, day_end); meetings are found
--    through events dated within one day of the report date, then read
--    whole.
--
-- Speed (bench/report): person timelines are read from the report's
-- covering index (raw_events_report_devices, 002-report_tables.sql;
-- raw_events_report before participant_uuid joined it) newest first, in
-- the index's order, so the deduplicating GROUP BY and the window
-- functions of `w` need no sort; "next event of a kind" is a running MIN
-- over the reversed timeline.

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
),

mtg AS MATERIALIZED (
    SELECT x.meeting_uuid, x.meeting_id, x.mstart, x.mlast
    FROM (SELECT meeting_uuid,
                 MAX(meeting_id) AS meeting_id,
                 MIN(event_ts) AS mstart,
                 MAX(event_ts) AS mlast
          FROM raw_events
          WHERE meeting_uuid IN (SELECT meeting_uuid FROM cand)
          GROUP BY meeting_uuid) x, params p
    WHERE p.mtg = '' OR x.meeting_uuid = p.mtg OR x.meeting_id = p.mtg
),

ends AS MATERIALIZED (
    SELECT DISTINCT meeting_uuid, event_ts AS ts
    FROM raw_events
    WHERE meeting_uuid IN (SELECT meeting_uuid FROM mtg)
      AND person_key = ''
      AND event_type IN ('meeting.ended', 'webinar.ended')
),

-- name and email: the first non-empty value by event time (then value;
-- ms timestamps have 13 digits from 2001 to 2286, so ts || value sorts by
-- time first);
-- first_code: ts * 4 + k of the first participant event (k as in w)
people AS MATERIALIZED (
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
           substr(MIN(CASE WHEN participant_name <> ''
                           THEN event_ts || participant_name END), 14)
               AS name,
           substr(MIN(CASE WHEN participant_email <> ''
                           THEN event_ts || participant_email END), 14)
               AS email
    FROM raw_events
    WHERE meeting_uuid IN (SELECT meeting_uuid FROM mtg)
      AND person_key <> ''
    GROUP BY meeting_uuid, person_key
),

-- every participant event once, newest first per person, with
--   k           0 room leave, 1 main leave, 2 room join, 3 main join
--   out_next    the next real departure (a main leave that is no move)
--   term        the next leave or room join (ends a room visit)
--   next_visit  ts (13 digits) || room of the next room join
-- (all three share one frame: SQLite makes one pass per distinct frame)
w AS MATERIALIZED (
    SELECT meeting_uuid,
           person_key AS pk,
           event_ts AS ts,
           CASE event_type
               WHEN 'meeting.participant_left_breakout_room' THEN 0
               WHEN 'meeting.participant_left' THEN 1
               WHEN 'webinar.participant_left' THEN 1
               WHEN 'meeting.participant_joined_breakout_room' THEN 2
               ELSE 3
           END AS k,
           CASE event_type
               WHEN 'meeting.participant_left_breakout_room'
                   THEN breakout_room_uuid
               WHEN 'meeting.participant_joined_breakout_room'
                   THEN breakout_room_uuid
               ELSE ''
           END AS room,
           MIN(CASE WHEN event_type IN ('meeting.participant_left',
                                        'webinar.participant_left')
                     AND NOT EXISTS (
                         SELECT 1 FROM raw_events j
                         WHERE j.meeting_uuid = raw_events.meeting_uuid
                           AND j.person_key = raw_events.person_key
                           AND j.event_ts BETWEEN raw_events.event_ts
                                              AND raw_events.event_ts + 2000
                           AND (j.event_type IN (
                                    'meeting.participant_joined',
                                    'webinar.participant_joined')
                                OR (j.event_type = 'meeting.participant_'
                                                   || 'joined_breakout_room'
                                    AND j.breakout_room_uuid <> '')))
                    THEN event_ts END) OVER w AS out_next,
           MIN(CASE WHEN event_type <> 'meeting.participant_joined'
                     AND event_type <> 'webinar.participant_joined'
                    THEN event_ts END) OVER w AS term,
           MIN(CASE WHEN event_type = 'meeting.participant_joined_breakout_room'
                    THEN event_ts || breakout_room_uuid END)
               OVER w AS next_visit
    FROM raw_events
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
    WINDOW w AS (PARTITION BY meeting_uuid, person_key
                 ORDER BY event_ts DESC, event_type, breakout_room_uuid
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
),

-- joins, with the first meeting end at or after them
wj AS MATERIALIZED (
    SELECT w.*,
           (SELECT MIN(n.ts) FROM ends n
            WHERE n.meeting_uuid = w.meeting_uuid AND n.ts >= w.ts) AS next_end
    FROM w
    WHERE w.k IN (2, 3)
),

-- presence intervals: joins grouped by the end of their presence (the
-- next real departure or meeting end); people first seen leaving are
-- present from the meeting start until that first leave if it is a real
-- departure, else until the end of the presence it belongs to
pres AS (
    SELECT meeting_uuid, pk, MIN(s) AS s, e
    FROM (SELECT x.meeting_uuid, x.pk, x.ts AS s,
                 MIN(COALESCE(x.out_next, m.mlast),
                     COALESCE(x.next_end, m.mlast)) AS e
          FROM wj x
          CROSS JOIN mtg m
          WHERE m.meeting_uuid = x.meeting_uuid

          UNION ALL

          SELECT x.meeting_uuid, x.pk, m.mstart,
                 MIN(CASE WHEN x.k = 1 AND NOT EXISTS (
                              SELECT 1 FROM w j
                              WHERE j.meeting_uuid = x.meeting_uuid
                                AND j.pk = x.pk AND j.k IN (2, 3)
                                AND j.ts BETWEEN x.ts AND x.ts + 2000)
                          THEN x.ts
                          ELSE COALESCE(x.out_next, m.mlast) END,
                     COALESCE((SELECT MIN(n.ts) FROM ends n
                               WHERE n.meeting_uuid = x.meeting_uuid
                                 AND n.ts >= m.mstart), m.mlast))
          FROM w x
          CROSS JOIN people pe
          CROSS JOIN mtg m
          WHERE x.k IN (0, 1)
            AND pe.meeting_uuid = x.meeting_uuid AND pe.pk = x.pk
            AND x.ts * 4 + x.k = pe.first_code
            AND m.meeting_uuid = x.meeting_uuid)
    GROUP BY meeting_uuid, pk, e
),

pfirst AS (
    SELECT meeting_uuid, pk, first_code % 4 AS first_k
    FROM people
),

-- room visits [s, e]; pend is the end of the presence around the visit
visits AS (
    SELECT x.meeting_uuid, x.pk, x.room, x.ts AS s,
           MIN(COALESCE(x.term, m.mlast), COALESCE(x.next_end, m.mlast)) AS e,
           MIN(COALESCE(x.out_next, m.mlast), COALESCE(x.next_end, m.mlast))
               AS pend,
           CAST(substr(x.next_visit, 1, 13) AS INTEGER) AS next_s,
           substr(x.next_visit, 14) AS next_room_uuid
    FROM wj x
    CROSS JOIN mtg m
    WHERE x.k = 2 AND m.meeting_uuid = x.meeting_uuid
),

-- room names: room_names (instance, then meeting id), else the
-- pre-assigned room that best matches who entered (mutual best), else
-- Room-N by first entry in the meeting instance
rooms AS MATERIALIZED (
    SELECT meeting_uuid, room, first_ts,
           ROW_NUMBER() OVER (PARTITION BY meeting_uuid
                              ORDER BY first_ts, room) AS n
    FROM (SELECT meeting_uuid, room, MIN(ts) AS first_ts
          FROM w
          WHERE k = 2
          GROUP BY meeting_uuid, room)
),

votes AS (
    SELECT v.meeting_uuid, v.room, pa.room_name, COUNT(*) AS nv
    FROM (SELECT DISTINCT meeting_uuid, pk, room FROM w WHERE k = 2) v
    JOIN people pe ON pe.meeting_uuid = v.meeting_uuid AND pe.pk = v.pk
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

rname AS MATERIALIZED (
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
pres_d AS MATERIALIZED (
    SELECT x.meeting_uuid, x.pk,
           MAX(x.s, p.ds) AS cs, MIN(x.e, p.de) AS ce
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

-- camera samples (minute starts) inside each visit, packed as
-- on * 1e9 + off: one index range scan per visit, evaluated once here
-- (people who visited no room: the whole presence, in the final SELECT)
vis_c AS MATERIALIZED (
    SELECT v.*,
           (SELECT COALESCE(SUM(c.camera_on) * 1000000000 + COUNT(*)
                            - SUM(c.camera_on), 0)
            FROM camera_minutes c
            WHERE c.meeting_uuid = v.meeting_uuid
              AND c.person_key = v.pk
              AND c.minute_ts >= v.cs AND c.minute_ts < v.ce) AS cam
    FROM vis_d v
),

fetched AS (
    SELECT m.meeting_uuid, COALESCE(f.status, 'pending') AS status
    FROM mtg m
    LEFT JOIN camera_fetches f ON f.meeting_uuid = m.meeting_uuid
)

SELECT p.report_date AS report_date,
       m.meeting_id AS meeting_id,
       d.meeting_uuid AS meeting_uuid,
       COALESCE(pe.name, '') AS participant_name,
       COALESCE(pe.email, '') AS participant_email,
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
            WHEN v.room IS NULL THEN
                (SELECT COALESCE(SUM(c.camera_on), 0)
                 FROM pres_d x
                 JOIN camera_minutes c ON c.meeting_uuid = x.meeting_uuid
                                      AND c.person_key = x.pk
                                      AND c.minute_ts >= x.cs
                                      AND c.minute_ts < x.ce
                 WHERE x.meeting_uuid = d.meeting_uuid AND x.pk = d.pk)
            ELSE v.cam / 1000000000 END AS camera_on_mins,
       CASE WHEN cf.status <> 'ok' THEN NULL
            WHEN v.room IS NULL THEN
                (SELECT COALESCE(SUM(1 - c.camera_on), 0)
                 FROM pres_d x
                 JOIN camera_minutes c ON c.meeting_uuid = x.meeting_uuid
                                      AND c.person_key = x.pk
                                      AND c.minute_ts >= x.cs
                                      AND c.minute_ts < x.ce
                 WHERE x.meeting_uuid = d.meeting_uuid AND x.pk = d.pk)
            ELSE v.cam % 1000000000 END AS camera_off_mins,
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
JOIN fetched cf ON cf.meeting_uuid = d.meeting_uuid
JOIN pfirst f ON f.meeting_uuid = d.meeting_uuid AND f.pk = d.pk
LEFT JOIN people pe ON pe.meeting_uuid = d.meeting_uuid AND pe.pk = d.pk
LEFT JOIN vis_c v ON v.meeting_uuid = d.meeting_uuid AND v.pk = d.pk
LEFT JOIN rname rn ON rn.meeting_uuid = v.meeting_uuid AND rn.room = v.room
LEFT JOIN rname nx ON nx.meeting_uuid = v.meeting_uuid
                  AND nx.room = v.next_uuid
ORDER BY m.mstart, d.meeting_uuid, participant_name, d.pk, v.room_number;
