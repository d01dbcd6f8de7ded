/*
 * zt_camera_sqlite: `zoomtrack camera`'s store (zt_camera_store.h) on the
 * SQLite warehouse.  A meeting's minutes and its 'ok' camera_fetches row
 * are written in one transaction; a meeting's seats in another.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "zt_core.h"
#include "zt_time.h"
#include "zt_db.h"
#include "zt_event.h"
#include "zt_log.h"
#include "zt_camera_store.h"


typedef struct {
    sqlite3       *db;
    sqlite3_stmt  *match[ZT_CAMERA_NMATCH];
} zt_cam_sq_t;


static void *zt_cam_sq_open(const zt_conf_t *conf, char *err,
    size_t errlen);
static int zt_cam_sq_meetings(void *st, const char *date, int64_t start,
    int64_t end, const char *only, zt_camera_meeting_pt cb, void *data);
static int zt_cam_sq_person(void *st, const char *uuid, int field,
    const char *value, char *key, size_t len);
static int zt_cam_sq_minutes(void *st, const char *uuid,
    const zt_camera_minute_t *rows, size_t n, const char *detail);
static int zt_cam_sq_status(void *st, const char *uuid, const char *status,
    const char *detail);
static int zt_cam_sq_rooms(void *st, const char *meeting_id,
    const zt_camera_seat_t *seats, size_t n);
static void zt_cam_sq_close(void *st);
static void zt_cam_sq_rank(sqlite3_context *ctx, int argc,
    sqlite3_value **argv);
static int zt_cam_sq_exec(zt_cam_sq_t *s, const char *sql);


const zt_camera_store_ops_t  zt_camera_store_sqlite = {
    "sqlite",
    zt_cam_sq_open,
    zt_cam_sq_meetings,
    zt_cam_sq_person,
    zt_cam_sq_minutes,
    zt_cam_sq_status,
    zt_cam_sq_rooms,
    zt_cam_sq_close
};


/*
 * Of the keys a participant's rows carry, the strongest (core
 * zt_person_key_rank, as zt_key_rank() in SQL): Zoom blanks the id of
 * another account's user, or a guest's email, in breakout-room events, and
 * the report shows such a participant under the key of their main-room
 * events.  Ties: first stored.
 */
#define ZT_CAM_SQ_RANK                                                    \
    " ORDER BY zt_key_rank(person_key), rowid LIMIT 1"

static const char  *zt_cam_sq_match_sql[ZT_CAMERA_NMATCH] = {
    "SELECT person_key FROM raw_events WHERE meeting_uuid = ?1"
    " AND participant_uuid = ?2 AND person_key <> ''" ZT_CAM_SQ_RANK,

    "SELECT person_key FROM raw_events WHERE meeting_uuid = ?1"
    " AND (participant_user_id = ?2 OR parent_user_id = ?2)"
    " AND person_key <> ''" ZT_CAM_SQ_RANK,

    "SELECT person_key FROM raw_events WHERE meeting_uuid = ?1"
    " AND lower(participant_email) = lower(?2) AND person_key <> ''"
    ZT_CAM_SQ_RANK,

    "SELECT person_key FROM raw_events WHERE meeting_uuid = ?1"
    " AND participant_name = ?2 AND person_key <> ''" ZT_CAM_SQ_RANK,
};


static void *
zt_cam_sq_open(const zt_conf_t *conf, char *err, size_t errlen)
{
    int           i;
    zt_cam_sq_t  *s;

    s = calloc(1, sizeof(zt_cam_sq_t));
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    if (zt_db_open(conf, &s->db, err, errlen) != ZT_OK) {
        free(s);
        return NULL;
    }

    if (sqlite3_create_function_v2(s->db, "zt_key_rank", 1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC
                                   | SQLITE_INNOCUOUS, NULL, zt_cam_sq_rank,
                                   NULL, NULL, NULL)
        != SQLITE_OK)
    {
        snprintf(err, errlen, "warehouse: %s", sqlite3_errmsg(s->db));
        zt_cam_sq_close(s);
        return NULL;
    }

    for (i = 0; i < ZT_CAMERA_NMATCH; i++) {
        if (sqlite3_prepare_v2(s->db, zt_cam_sq_match_sql[i], -1,
                               &s->match[i], NULL)
            != SQLITE_OK)
        {
            snprintf(err, errlen, "warehouse: %s", sqlite3_errmsg(s->db));
            zt_cam_sq_close(s);
            return NULL;
        }
    }

    return s;
}


/* zt_key_rank(person_key): the match queries' order, by core's rule */
static void
zt_cam_sq_rank(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const unsigned char  *key;

    key = sqlite3_value_text(argv[0]);

    sqlite3_result_int(ctx, key ? zt_person_key_rank((const char *) key)
                                : 4);
}


static void
zt_cam_sq_close(void *st)
{
    int           i;
    zt_cam_sq_t  *s = st;

    if (s == NULL) {
        return;
    }

    for (i = 0; i < ZT_CAMERA_NMATCH; i++) {
        sqlite3_finalize(s->match[i]);
    }

    sqlite3_close(s->db);
    free(s);
}


static int
zt_cam_sq_exec(zt_cam_sq_t *s, const char *sql)
{
    char  *msg;

    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        zt_log_error("camera: warehouse: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return ZT_ERROR;
    }

    return ZT_OK;
}


static int
zt_cam_sq_meetings(void *st, const char *date, int64_t start, int64_t end,
    const char *only, zt_camera_meeting_pt cb, void *data)
{
    int                       rc;
    int64_t                   ok;
    sqlite3_stmt             *q;
    zt_cam_sq_t              *s = st;
    const char               *at;
    zt_camera_meeting_row_t   m;

    /*
     * The day's meetings, then each one's events of every day (the
     * raw_events_report index leads with meeting_uuid) and its fetch.
     */
    static const char  sql[] =
        "WITH d AS (SELECT meeting_uuid, max(meeting_id) AS meeting_id,"
        "  min(event_ts) AS first_ts FROM raw_events"
        "  WHERE event_ts >= ?1 AND event_ts < ?2"
        "  AND meeting_uuid <> ''"
        "  AND (event_type LIKE 'meeting.%' OR event_type LIKE 'webinar.%')"
        "  AND (?3 IS NULL OR meeting_uuid = ?3)"
        "  GROUP BY meeting_uuid)"
        " SELECT d.meeting_uuid, d.meeting_id,"
        "  max(CASE WHEN e.event_type IN ('meeting.ended', 'webinar.ended')"
        "   THEN e.event_ts END),"
        "  max(CASE WHEN e.event_type IN ('meeting.started',"
        "   'meeting.participant_joined',"
        "   'meeting.participant_joined_breakout_room',"
        "   'webinar.started', 'webinar.participant_joined')"
        "   THEN e.event_ts END),"
        "  max(e.event_ts),"
        "  (SELECT f.fetched_at FROM camera_fetches f"
        "   WHERE f.meeting_uuid = d.meeting_uuid AND f.status = 'ok'),"
        "  max(e.event_type LIKE 'webinar.%')"
        " FROM d JOIN raw_events e ON e.meeting_uuid = d.meeting_uuid"
        "  AND (e.event_type LIKE 'meeting.%'"
        "   OR e.event_type LIKE 'webinar.%')"
        " GROUP BY d.meeting_uuid"
        " ORDER BY d.first_ts, d.meeting_uuid";

    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK) {
        zt_log_error("camera: %s", sqlite3_errmsg(s->db));
        return ZT_ERROR;
    }

    sqlite3_bind_int64(q, 1, start);
    sqlite3_bind_int64(q, 2, end);
    if (only) {
        sqlite3_bind_text(q, 3, only, -1, SQLITE_STATIC);
    }

    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        m.uuid = (const char *) sqlite3_column_text(q, 0);
        m.meeting_id = sqlite3_column_text(q, 1)
                       ? (const char *) sqlite3_column_text(q, 1) : "";
        m.facts.ended_ts = sqlite3_column_int64(q, 2);
        m.facts.joined_ts = sqlite3_column_int64(q, 3);
        m.facts.last_ts = sqlite3_column_int64(q, 4);

        /* unreadable: as if never fetched, so it is fetched again */
        at = (const char *) sqlite3_column_text(q, 5);
        ok = at ? zt_time_parse_iso(at) : 0;
        m.facts.ok_at = ok > 0 ? ok : 0;
        m.facts.webinar = sqlite3_column_int(q, 6);

        if (cb(data, &m) != ZT_OK) {
            rc = SQLITE_NOMEM;
            break;
        }
    }

    sqlite3_finalize(q);

    if (rc != SQLITE_DONE) {
        zt_log_error("camera: reading meetings: %s",
                     rc == SQLITE_NOMEM ? "out of memory"
                     : sqlite3_errmsg(s->db));
        return ZT_ERROR;
    }

    return ZT_OK;
}


static int
zt_cam_sq_person(void *st, const char *uuid, int field, const char *value,
    char *key, size_t len)
{
    int            rc;
    zt_cam_sq_t   *s = st;
    sqlite3_stmt  *q;

    q = s->match[field];
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, uuid, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);

    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        snprintf(key, len, "%s", sqlite3_column_text(q, 0));
    }

    sqlite3_reset(q);

    return rc == SQLITE_ROW ? ZT_OK : ZT_DECLINED;
}


/* replaces the meeting's minutes and marks it 'ok', in one transaction */
static int
zt_cam_sq_minutes(void *st, const char *uuid, const zt_camera_minute_t *rows,
    size_t n, const char *detail)
{
    int            rc;
    size_t         i;
    zt_cam_sq_t   *s = st;
    sqlite3_stmt  *del, *ins;

    if (zt_cam_sq_exec(s, "BEGIN IMMEDIATE") != ZT_OK) {
        return ZT_ERROR;
    }

    del = NULL;
    ins = NULL;

    if (sqlite3_prepare_v2(s->db,
            "DELETE FROM camera_minutes WHERE meeting_uuid = ?1", -1, &del,
            NULL) != SQLITE_OK
        || sqlite3_prepare_v2(s->db,
            "INSERT INTO camera_minutes (meeting_uuid, person_key,"
            " minute_ts, camera_on) VALUES (?1, ?2, ?3, ?4)"
            " ON CONFLICT (meeting_uuid, person_key, minute_ts)"
            " DO UPDATE SET camera_on = max(camera_on, excluded.camera_on)",
            -1, &ins, NULL) != SQLITE_OK)
    {
        zt_log_error("camera: warehouse: %s", sqlite3_errmsg(s->db));
        goto rollback;
    }

    sqlite3_bind_text(del, 1, uuid, -1, SQLITE_STATIC);
    if (sqlite3_step(del) != SQLITE_DONE) {
        zt_log_error("camera: warehouse: %s", sqlite3_errmsg(s->db));
        goto rollback;
    }

    for (i = 0; i < n; i++) {
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, uuid, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, rows[i].person_key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 3, rows[i].minute_ts);
        sqlite3_bind_int(ins, 4, rows[i].camera_on);

        if (sqlite3_step(ins) != SQLITE_DONE) {
            zt_log_error("camera: warehouse: %s", sqlite3_errmsg(s->db));
            goto rollback;
        }
    }

    if (zt_cam_sq_status(s, uuid, "ok", detail) == ZT_OK
        && zt_cam_sq_exec(s, "COMMIT") == ZT_OK)
    {
        rc = ZT_OK;
        goto done;
    }

rollback:

    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    rc = ZT_ERROR;

done:

    sqlite3_finalize(del);
    sqlite3_finalize(ins);

    return rc;
}


static int
zt_cam_sq_status(void *st, const char *uuid, const char *status,
    const char *detail)
{
    int            rc;
    char           now[ZT_RFC3339_LEN + 1];
    zt_cam_sq_t   *s = st;
    sqlite3_stmt  *q;

    /* an 'ok' fetch is only ever replaced by a newer 'ok' */
    static const char  sql[] =
        "INSERT INTO camera_fetches (meeting_uuid, status, detail,"
        " fetched_at) VALUES (?1, ?2, ?3, ?4)"
        " ON CONFLICT (meeting_uuid) DO UPDATE SET status = excluded.status,"
        " detail = excluded.detail, fetched_at = excluded.fetched_at"
        " WHERE camera_fetches.status <> 'ok' OR excluded.status = 'ok'";

    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK) {
        zt_log_error("camera: warehouse: %s", sqlite3_errmsg(s->db));
        return ZT_ERROR;
    }

    zt_time_rfc3339(zt_time_now_ms(), now);

    sqlite3_bind_text(q, 1, uuid, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, detail, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, now, -1, SQLITE_STATIC);

    rc = sqlite3_step(q);
    sqlite3_finalize(q);

    if (rc != SQLITE_DONE) {
        zt_log_error("camera: warehouse: %s", sqlite3_errmsg(s->db));
        return ZT_ERROR;
    }

    return ZT_OK;
}


static int
zt_cam_sq_rooms(void *st, const char *meeting_id,
    const zt_camera_seat_t *seats, size_t n)
{
    int            rc;
    char           now[ZT_RFC3339_LEN + 1];
    size_t         i;
    zt_cam_sq_t   *s = st;
    sqlite3_stmt  *del, *ins;

    if (zt_cam_sq_exec(s, "BEGIN IMMEDIATE") != ZT_OK) {
        return ZT_ERROR;
    }

    del = NULL;
    ins = NULL;

    if (sqlite3_prepare_v2(s->db,
            "DELETE FROM preassigned_rooms WHERE meeting_id = ?1", -1, &del,
            NULL) != SQLITE_OK
        || sqlite3_prepare_v2(s->db,
            "INSERT OR REPLACE INTO preassigned_rooms (meeting_id,"
            " room_name, email, fetched_at) VALUES (?1, ?2, ?3, ?4)",
            -1, &ins, NULL) != SQLITE_OK)
    {
        zt_log_error("camera: warehouse: %s", sqlite3_errmsg(s->db));
        goto rollback;
    }

    sqlite3_bind_text(del, 1, meeting_id, -1, SQLITE_STATIC);
    if (sqlite3_step(del) != SQLITE_DONE) {
        zt_log_error("camera: warehouse: %s", sqlite3_errmsg(s->db));
        goto rollback;
    }

    zt_time_rfc3339(zt_time_now_ms(), now);

    for (i = 0; i < n; i++) {
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, meeting_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, seats[i].room_name, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, seats[i].email, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, now, -1, SQLITE_STATIC);

        if (sqlite3_step(ins) != SQLITE_DONE) {
            zt_log_error("camera: warehouse: %s", sqlite3_errmsg(s->db));
            goto rollback;
        }
    }

    if (zt_cam_sq_exec(s, "COMMIT") == ZT_OK) {
        rc = ZT_OK;
        goto done;
    }

rollback:

    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    rc = ZT_ERROR;

done:

    sqlite3_finalize(del);
    sqlite3_finalize(ins);

    return rc;
}
