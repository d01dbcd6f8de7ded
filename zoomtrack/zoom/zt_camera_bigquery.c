/*
 * zt_camera_bigquery: `zoomtrack camera`'s store (zt_camera_store.h) on
 * BigQuery.  Every statement is a parameterised GoogleSQL jobs.query
 * (zt_bq_query: polled, paged) starting with a "-- zoomtrack:NAME" line
 * (BigQuery ignores it; the test double dispatches on it).
 *
 * Writes are DML, never insertAll: rows streamed by insertAll sit in the
 * streaming buffer, where UPDATE and DELETE cannot touch them for up to
 * about 90 minutes, so a rerun (or the retention prune) could not replace
 * them.  A meeting's minutes are replaced like the report's daily_reports:
 * one multi-statement transaction DELETEs the meeting's camera_minutes,
 * INSERTs the new rows from an ARRAY<STRUCT> parameter and appends the
 * 'ok' camera_fetches row, so a reader sees the old minutes or the new
 * ones, never neither.  camera_fetches is appended to, one row per fetch
 * with fetched_at = CURRENT_TIMESTAMP(), and the report reads the latest
 * row (zt_warehouse_bigquery.c); a 'pending' or 'unavailable' row is only
 * appended while no 'ok' row exists, so an 'ok' is never downgraded.
 *
 * A meeting's warehouse identities (for mapping QOS participants) are
 * read once per meeting, not once per participant, and matched here in
 * the order of the SQLite store's four queries.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "zt_core.h"
#include "zt_bq.h"
#include "zt_event.h"
#include "zt_log.h"
#include "zt_camera_store.h"


#define ZT_CAM_BQ_NCOLS  6   /* uuid, user id, parent id, email, name, key */


typedef struct {
    zt_bq_t   *bq;
    char       t[512];                 /* `project.dataset.` */
    char       date[16];               /* the day asked, for partitions */
    char      *people_of;              /* the meeting people[] belongs to */
    char     **people;                 /* ZT_CAM_BQ_NCOLS strings a row */
    size_t     npeople;
} zt_cam_bq_t;


typedef struct {
    zt_cam_bq_t           *s;
    zt_camera_meeting_pt   cb;
    void                  *data;
} zt_cam_bq_walk_t;


static void *zt_cam_bq_open(const zt_conf_t *conf, char *err,
    size_t errlen);
static int zt_cam_bq_meetings(void *st, const char *date, int64_t start,
    int64_t end, const char *only, zt_camera_meeting_pt cb, void *data);
static int zt_cam_bq_person(void *st, const char *uuid, int field,
    const char *value, char *key, size_t len);
static int zt_cam_bq_minutes(void *st, const char *uuid,
    const zt_camera_minute_t *rows, size_t n, const char *detail);
static int zt_cam_bq_status(void *st, const char *uuid, const char *status,
    const char *detail);
static int zt_cam_bq_rooms(void *st, const char *meeting_id,
    const zt_camera_seat_t *seats, size_t n);
static void zt_cam_bq_close(void *st);
static int zt_cam_bq_run(zt_cam_bq_t *s, const char *what, const char *sql,
    json_t *params, zt_bq_row_pt row, void *data);
static void zt_cam_bq_forget(zt_cam_bq_t *s);


const zt_camera_store_ops_t  zt_camera_store_bigquery = {
    "bigquery",
    zt_cam_bq_open,
    zt_cam_bq_meetings,
    zt_cam_bq_person,
    zt_cam_bq_minutes,
    zt_cam_bq_status,
    zt_cam_bq_rooms,
    zt_cam_bq_close
};


static void *
zt_cam_bq_open(const zt_conf_t *conf, char *err, size_t errlen)
{
    zt_cam_bq_t  *s;

    s = calloc(1, sizeof(zt_cam_bq_t));
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    s->bq = zt_bq_create(conf, err, errlen);
    if (s->bq == NULL) {
        free(s);
        return NULL;
    }

    snprintf(s->t, sizeof(s->t), "%s.%s.", zt_bq_project(s->bq),
             zt_bq_dataset(s->bq));

    return s;
}


static void
zt_cam_bq_forget(zt_cam_bq_t *s)
{
    size_t  i;

    for (i = 0; i < s->npeople * ZT_CAM_BQ_NCOLS; i++) {
        free(s->people[i]);
    }

    free(s->people);
    free(s->people_of);
    s->people = NULL;
    s->people_of = NULL;
    s->npeople = 0;
}


static void
zt_cam_bq_close(void *st)
{
    zt_cam_bq_t  *s = st;

    if (s) {
        zt_cam_bq_forget(s);
        zt_bq_destroy(s->bq);
        free(s);
    }
}


/* runs a statement; params is consumed; logs what failed */
static int
zt_cam_bq_run(zt_cam_bq_t *s, const char *what, const char *sql,
    json_t *params, zt_bq_row_pt row, void *data)
{
    int          rc;
    zt_bq_err_t  e;

    memset(&e, 0, sizeof(zt_bq_err_t));

    rc = zt_bq_query(s->bq, sql, params, row, data, &e);
    json_decref(params);

    if (rc != ZT_OK) {
        if (e.status || e.message[0]) {
            zt_log_error("camera: BigQuery: %s: %s%ld %s", what,
                         e.status ? "status " : "", e.status, e.message);
        } else {
            zt_log_error("camera: BigQuery: %s: out of memory", what);
        }
        return ZT_ERROR;
    }

    return ZT_OK;
}


/* a cell of a result row ("" for null) */
static const char *
zt_cam_bq_v(json_t *f, size_t i)
{
    const char  *v;

    v = json_string_value(json_object_get(json_array_get(f, i), "v"));
    return v ? v : "";
}


static int
zt_cam_bq_meeting_row(void *data, json_t *f, json_t *schema)
{
    zt_cam_bq_walk_t         *k = data;
    zt_camera_meeting_row_t   m;

    (void) schema;

    m.uuid = zt_cam_bq_v(f, 0);
    m.meeting_id = zt_cam_bq_v(f, 1);
    m.facts.ended_ts = strtoll(zt_cam_bq_v(f, 2), NULL, 10);
    m.facts.joined_ts = strtoll(zt_cam_bq_v(f, 3), NULL, 10);
    m.facts.last_ts = strtoll(zt_cam_bq_v(f, 4), NULL, 10);
    m.facts.ok_at = strtoll(zt_cam_bq_v(f, 5), NULL, 10);
    m.facts.webinar = strcmp(zt_cam_bq_v(f, 6), "true") == 0;

    return k->cb(k->data, &m);
}


static int
zt_cam_bq_meetings(void *st, const char *date, int64_t start, int64_t end,
    const char *only, zt_camera_meeting_pt cb, void *data)
{
    char               sql[4096], num[2][32];
    json_t            *p;
    zt_cam_bq_t       *s = st;
    zt_cam_bq_walk_t   k = { s, cb, data };

    snprintf(s->date, sizeof(s->date), "%s", date);

    /*
     * The SQLite store's meetings and facts: a meeting.* event in [start,
     * end).  The local day lies within the UTC dates D-1..D+1, which bounds
     * the partitions read; its later events come on or after D-1.  A
     * meeting's latest 'ok' fetch is its last (an 'ok' is never followed
     * by another state).
     */
    snprintf(sql, sizeof(sql),
        "-- zoomtrack:camera_meetings\n"
        "WITH of_day AS ("
        " SELECT meeting_uuid, MAX(meeting_id) AS meeting_id,"
        "  MIN(event_ts) AS first_ts FROM `%sraw_events`"
        " WHERE event_date BETWEEN DATE_SUB(@date, INTERVAL 1 DAY)"
        "  AND DATE_ADD(@date, INTERVAL 1 DAY)"
        "  AND event_ts >= @start_ms AND event_ts < @end_ms"
        "  AND meeting_uuid <> ''"
        "  AND (STARTS_WITH(event_type, 'meeting.')"
        "   OR STARTS_WITH(event_type, 'webinar.'))"
        "  AND (@meeting = '' OR meeting_uuid = @meeting)"
        " GROUP BY meeting_uuid),"
        " facts AS ("
        " SELECT meeting_uuid,"
        "  MAX(IF(event_type IN ('meeting.ended', 'webinar.ended'),"
        "   event_ts, NULL)) AS ended,"
        "  MAX(IF(event_type IN ('meeting.started',"
        "   'meeting.participant_joined',"
        "   'meeting.participant_joined_breakout_room',"
        "   'webinar.started', 'webinar.participant_joined'),"
        "   event_ts, NULL)) AS joined,"
        "  MAX(event_ts) AS last,"
        "  COUNTIF(STARTS_WITH(event_type, 'webinar.')) > 0 AS webinar"
        " FROM `%sraw_events`"
        " WHERE event_date >= DATE_SUB(@date, INTERVAL 1 DAY)"
        "  AND (STARTS_WITH(event_type, 'meeting.')"
        "   OR STARTS_WITH(event_type, 'webinar.'))"
        "  AND meeting_uuid IN (SELECT meeting_uuid FROM of_day)"
        " GROUP BY meeting_uuid),"
        " ok AS ("
        " SELECT meeting_uuid, UNIX_MILLIS(MAX(fetched_at)) AS ok_at"
        " FROM `%scamera_fetches` WHERE status = 'ok'"
        "  AND meeting_uuid IN (SELECT meeting_uuid FROM of_day)"
        " GROUP BY meeting_uuid)"
        " SELECT d.meeting_uuid, d.meeting_id, IFNULL(f.ended, 0),"
        " IFNULL(f.joined, 0), f.last, IFNULL(o.ok_at, 0), f.webinar"
        " FROM of_day d JOIN facts f USING (meeting_uuid)"
        " LEFT JOIN ok o USING (meeting_uuid)"
        " ORDER BY d.first_ts, d.meeting_uuid", s->t, s->t, s->t);

    snprintf(num[0], sizeof(num[0]), "%lld", (long long) start);
    snprintf(num[1], sizeof(num[1]), "%lld", (long long) end);

    p = json_array();
    json_array_append_new(p, zt_bq_param("date", "DATE", date));
    json_array_append_new(p, zt_bq_param("start_ms", "INT64", num[0]));
    json_array_append_new(p, zt_bq_param("end_ms", "INT64", num[1]));
    json_array_append_new(p, zt_bq_param("meeting", "STRING",
                                         only ? only : ""));

    return zt_cam_bq_run(s, "reading meetings", sql, p,
                         zt_cam_bq_meeting_row, &k);
}


static int
zt_cam_bq_person_row(void *data, json_t *f, json_t *schema)
{
    int           i;
    char        **r;
    zt_cam_bq_t  *s = data;

    (void) schema;

    r = realloc(s->people,
                (s->npeople + 1) * ZT_CAM_BQ_NCOLS * sizeof(char *));
    if (r == NULL) {
        return ZT_ERROR;
    }

    s->people = r;
    r += s->npeople * ZT_CAM_BQ_NCOLS;

    for (i = 0; i < ZT_CAM_BQ_NCOLS; i++) {
        r[i] = NULL;
    }

    s->npeople++;

    for (i = 0; i < ZT_CAM_BQ_NCOLS; i++) {
        r[i] = strdup(zt_cam_bq_v(f, i));
        if (r[i] == NULL) {
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


/* reads meeting uuid's identities unless they are the ones held */
static int
zt_cam_bq_people(zt_cam_bq_t *s, const char *uuid)
{
    char     sql[2048];
    json_t  *p;

    if (s->people_of && strcmp(s->people_of, uuid) == 0) {
        return ZT_OK;
    }

    zt_cam_bq_forget(s);

    s->people_of = strdup(uuid);
    if (s->people_of == NULL) {
        zt_log_error("camera: out of memory");
        return ZT_ERROR;
    }

    /* in the SQLite store's order: first stored first */
    snprintf(sql, sizeof(sql),
        "-- zoomtrack:camera_people\n"
        "SELECT participant_uuid, participant_user_id, parent_user_id,"
        " participant_email, participant_name, person_key"
        " FROM `%sraw_events`"
        " WHERE event_date BETWEEN DATE_SUB(@date, INTERVAL 1 DAY)"
        "  AND DATE_ADD(@date, INTERVAL 1 DAY)"
        "  AND meeting_uuid = @meeting_uuid AND person_key <> ''"
        " ORDER BY inserted_at, event_id", s->t);

    p = json_array();
    json_array_append_new(p, zt_bq_param("date", "DATE", s->date));
    json_array_append_new(p, zt_bq_param("meeting_uuid", "STRING", uuid));

    if (zt_cam_bq_run(s, "reading identities", sql, p,
                      zt_cam_bq_person_row, s)
        != ZT_OK)
    {
        /* read again next time: a half list must not be used */
        zt_cam_bq_forget(s);
        return ZT_ERROR;
    }

    return ZT_OK;
}


static int
zt_cam_bq_person(void *st, const char *uuid, int field, const char *value,
    char *key, size_t len)
{
    int           hit, rank, best;
    size_t        i;
    char        **r;
    zt_cam_bq_t  *s = st;

    if (zt_cam_bq_people(s, uuid) != ZT_OK) {
        return ZT_ERROR;
    }

    /* the strongest key of the rows that match, first stored of a rank,
     * as the SQLite store's ORDER BY */
    best = 4;

    for (i = 0; i < s->npeople; i++) {
        r = s->people + i * ZT_CAM_BQ_NCOLS;

        switch (field) {
        case 0:
            hit = strcmp(r[0], value) == 0;
            break;
        case 1:
            hit = strcmp(r[1], value) == 0 || strcmp(r[2], value) == 0;
            break;
        case 2:
            /* SQLite's lower() folds ASCII only, as strcasecmp does */
            hit = strcasecmp(r[3], value) == 0;
            break;
        default:
            hit = strcmp(r[4], value) == 0;
            break;
        }

        rank = hit ? zt_person_key_rank(r[5]) : 4;

        if (rank < best) {
            best = rank;
            snprintf(key, len, "%s", r[5]);
        }
    }

    return best < 4 ? ZT_OK : ZT_DECLINED;
}


/* {"name", "parameterType": ARRAY<STRUCT<...>>, "parameterValue"} */
static json_t *
zt_cam_bq_array(const char *name, const char **fields, const char **types,
    json_t *vals)
{
    int      i;
    json_t  *st;

    st = json_array();

    for (i = 0; fields[i]; i++) {
        json_array_append_new(st, json_pack("{s:s, s:{s:s}}",
                              "name", fields[i], "type", "type", types[i]));
    }

    return json_pack("{s:s, s:{s:s, s:{s:s, s:o}}, s:{s:o}}",
                     "name", name, "parameterType", "type", "ARRAY",
                     "arrayType", "type", "STRUCT", "structTypes", st,
                     "parameterValue", "arrayValues", vals);
}


static int
zt_cam_bq_minutes(void *st, const char *uuid, const zt_camera_minute_t *rows,
    size_t n, const char *detail)
{
    char          sql[2048], first[32], last[32];
    size_t        i, k;
    json_t       *p, *vals;
    zt_cam_bq_t  *s = st;

    static const char  *fields[] = { "person_key", "first_ts", "last_ts",
                                     "camera_on", NULL };
    static const char  *types[] = { "STRING", "INT64", "INT64", "INT64" };

    /*
     * Runs of minutes (one person, one camera state, minute after minute),
     * expanded by BigQuery: a row each was 111 bytes of parameters, so a
     * meeting of 300 people over 5 hours would have gone over jobs.query's
     * 10 MB request limit.  rows are sorted by person, then minute.
     */
    vals = json_array();

    for (i = 0; i < n; i = k) {
        for (k = i + 1;
             k < n && rows[k].camera_on == rows[i].camera_on
             && rows[k].minute_ts == rows[k - 1].minute_ts + 60000
             && strcmp(rows[k].person_key, rows[i].person_key) == 0;
             k++)
        {
            /* void */
        }

        snprintf(first, sizeof(first), "%lld", (long long) rows[i].minute_ts);
        snprintf(last, sizeof(last), "%lld",
                 (long long) rows[k - 1].minute_ts);
        json_array_append_new(vals, json_pack(
            "{s:{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}}", "structValues",
            "person_key", "value", rows[i].person_key,
            "first_ts", "value", first, "last_ts", "value", last,
            "camera_on", "value", rows[i].camera_on ? "1" : "0"));
    }

    snprintf(sql, sizeof(sql),
        "-- zoomtrack:camera_replace\n"
        "BEGIN TRANSACTION;\n"
        "DELETE FROM `%scamera_minutes` WHERE meeting_uuid = @meeting_uuid;\n"
        "INSERT INTO `%scamera_minutes` (meeting_uuid, person_key,"
        " minute_ts, camera_on)"
        " SELECT @meeting_uuid, r.person_key, m, r.camera_on"
        " FROM UNNEST(@runs) AS r,"
        " UNNEST(GENERATE_ARRAY(r.first_ts, r.last_ts, 60000)) AS m;\n"
        "INSERT INTO `%scamera_fetches` (meeting_uuid, status, detail,"
        " fetched_at)"
        " VALUES (@meeting_uuid, 'ok', @detail, CURRENT_TIMESTAMP());\n"
        "COMMIT TRANSACTION;", s->t, s->t, s->t);

    p = json_array();
    json_array_append_new(p, zt_bq_param("meeting_uuid", "STRING", uuid));
    json_array_append_new(p, zt_bq_param("detail", "STRING", detail));
    json_array_append_new(p, zt_cam_bq_array("runs", fields, types, vals));

    return zt_cam_bq_run(s, "storing camera minutes", sql, p, NULL, NULL);
}


static int
zt_cam_bq_status(void *st, const char *uuid, const char *status,
    const char *detail)
{
    char          sql[2048];
    json_t       *p;
    zt_cam_bq_t  *s = st;

    /* appended unless an 'ok' is there: the latest row is the state */
    snprintf(sql, sizeof(sql),
        "-- zoomtrack:camera_status_set\n"
        "INSERT INTO `%scamera_fetches` (meeting_uuid, status, detail,"
        " fetched_at)"
        " SELECT @meeting_uuid, @status, @detail, CURRENT_TIMESTAMP()"
        " FROM UNNEST([1])"
        " WHERE @status = 'ok' OR NOT EXISTS (SELECT 1"
        "  FROM `%scamera_fetches` WHERE meeting_uuid = @meeting_uuid"
        "  AND status = 'ok')", s->t, s->t);

    p = json_array();
    json_array_append_new(p, zt_bq_param("meeting_uuid", "STRING", uuid));
    json_array_append_new(p, zt_bq_param("status", "STRING", status));
    json_array_append_new(p, zt_bq_param("detail", "STRING", detail));

    return zt_cam_bq_run(s, "storing the fetch state", sql, p, NULL, NULL);
}


static int
zt_cam_bq_rooms(void *st, const char *meeting_id,
    const zt_camera_seat_t *seats, size_t n)
{
    char          sql[2048];
    size_t        i;
    json_t       *p, *vals;
    zt_cam_bq_t  *s = st;

    static const char  *fields[] = { "room_name", "email", NULL };
    static const char  *types[] = { "STRING", "STRING" };

    vals = json_array();

    for (i = 0; i < n; i++) {
        json_array_append_new(vals, json_pack(
            "{s:{s:{s:s}, s:{s:s}}}", "structValues",
            "room_name", "value", seats[i].room_name,
            "email", "value", seats[i].email));
    }

    snprintf(sql, sizeof(sql),
        "-- zoomtrack:camera_rooms\n"
        "BEGIN TRANSACTION;\n"
        "DELETE FROM `%spreassigned_rooms` WHERE meeting_id = @meeting_id;\n"
        "INSERT INTO `%spreassigned_rooms` (meeting_id, room_name, email,"
        " fetched_at)"
        " SELECT DISTINCT @meeting_id, room_name, email, CURRENT_TIMESTAMP()"
        " FROM UNNEST(@seats);\n"
        "COMMIT TRANSACTION;", s->t, s->t);

    p = json_array();
    json_array_append_new(p, zt_bq_param("meeting_id", "STRING",
                                         meeting_id));
    json_array_append_new(p, zt_cam_bq_array("seats", fields, types, vals));

    return zt_cam_bq_run(s, "storing pre-assigned rooms", sql, p, NULL,
                         NULL);
}
