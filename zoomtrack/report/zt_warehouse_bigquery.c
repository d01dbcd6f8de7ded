/*
 * zt_warehouse_bigquery: the report's warehouse ops (zt_warehouse.h) on
 * BigQuery.  Reads are parameterised GoogleSQL through jobs.query (polled
 * until complete, paged; zt_bq_query); raw_events is deduplicated by
 * event_id in the query, since insertId deduplication is only
 * best-effort.  The day's daily_reports rows are replaced by one
 * multi-statement transaction (DELETE, then INSERT from an array-of-
 * struct parameter): DML rows, unlike streamed ones, can be deleted again
 * by the next run at once.  Each query starts with a "-- zoomtrack:NAME"
 * comment naming it (BigQuery ignores it; the test double dispatches on
 * it).  No presence logic here.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_core.h"
#include "zt_time.h"
#include "zt_bq.h"
#include "zt_bq_schema.h"
#include "zt_report.h"
#include "zt_warehouse.h"


typedef struct {
    zt_bq_t  *bq;
    char      t[512];              /* `project.dataset.` */
    char      err[600];
} zt_wh_bq_t;


typedef struct {
    zt_wh_bq_t  *w;
    void        *cb;
    void        *data;
} zt_wh_bq_walk_t;


/* zt_wh_preassigned_pt and zt_wh_reconciled_pt: two strings per row */
typedef int (*zt_wh_bq_pair_pt)(void *data, const char *a, const char *b);


static void *zt_wh_bq_open(const zt_conf_t *conf, char *err, size_t errlen);
static int zt_wh_bq_events(void *wh, const zt_wh_query_t *q,
    zt_wh_event_pt cb, void *data);
static int zt_wh_bq_camera(void *wh, const char *meeting_uuid,
    char *status, size_t len, zt_wh_camera_pt cb, void *data);
static int zt_wh_bq_room_names(void *wh, const char *meeting_uuid,
    const char *meeting_id, zt_wh_room_name_pt cb, void *data);
static int zt_wh_bq_preassigned(void *wh, const char *meeting_id,
    zt_wh_preassigned_pt cb, void *data);
static int zt_wh_bq_replace(void *wh, const zt_wh_query_t *q,
    const zt_wh_row_t *rows, size_t n);
static int zt_wh_bq_reconciled(void *wh, const zt_wh_query_t *q,
    zt_wh_reconciled_pt cb, void *data);
static const char *zt_wh_bq_errmsg(void *wh);
static void zt_wh_bq_close(void *wh);
static int zt_wh_bq_run(zt_wh_bq_t *w, const char *sql, json_t *params,
    zt_bq_row_pt row, void *data);
static const char *zt_wh_bq_v(json_t *f, size_t i);


const zt_warehouse_ops_t  zt_warehouse_bigquery = {
    "bigquery",
    zt_wh_bq_open,
    zt_wh_bq_events,
    zt_wh_bq_camera,
    zt_wh_bq_room_names,
    zt_wh_bq_preassigned,
    zt_wh_bq_replace,
    zt_wh_bq_errmsg,
    zt_wh_bq_close,
    zt_wh_bq_reconciled
};


static void *
zt_wh_bq_open(const zt_conf_t *conf, char *err, size_t errlen)
{
    zt_wh_bq_t  *w;

    w = calloc(1, sizeof(zt_wh_bq_t));
    if (w == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    w->bq = zt_bq_create(conf, err, errlen);
    if (w->bq == NULL) {
        free(w);
        return NULL;
    }

    snprintf(w->t, sizeof(w->t), "%s.%s.", zt_bq_project(w->bq),
             zt_bq_dataset(w->bq));

    return w;
}


static void
zt_wh_bq_close(void *wh)
{
    zt_wh_bq_t  *w = wh;

    if (w) {
        zt_bq_destroy(w->bq);
        free(w);
    }
}


static const char *
zt_wh_bq_errmsg(void *wh)
{
    zt_wh_bq_t  *w = wh;

    return w->err;
}


/* a cell of a result row ("" for null) */
static const char *
zt_wh_bq_v(json_t *f, size_t i)
{
    const char  *s;

    s = json_string_value(json_object_get(json_array_get(f, i), "v"));
    return s ? s : "";
}


/* runs a query; params is consumed */
static int
zt_wh_bq_run(zt_wh_bq_t *w, const char *sql, json_t *params,
    zt_bq_row_pt row, void *data)
{
    int          rc;
    zt_bq_err_t  e;

    rc = zt_bq_query(w->bq, sql, params, row, data, &e);
    json_decref(params);

    if (rc != ZT_OK) {
        if (w->err[0] == '\0') {
            snprintf(w->err, sizeof(w->err), "BigQuery: %s%ld %s",
                     e.status ? "status " : "", e.status, e.message);
        }
        return ZT_ERROR;
    }

    return ZT_OK;
}


static int
zt_wh_bq_event_row(void *data, json_t *f, json_t *schema)
{
    zt_wh_bq_walk_t      *k = data;
    zt_presence_event_t   ev;

    memset(&ev, 0, sizeof(zt_presence_event_t));
    ev.event_type = zt_wh_bq_v(f, 0);
    ev.event_ts = strtoll(zt_wh_bq_v(f, 1), NULL, 10);
    ev.meeting_uuid = zt_wh_bq_v(f, 2);
    ev.meeting_id = zt_wh_bq_v(f, 3);
    ev.person_key = zt_wh_bq_v(f, 4);
    ev.participant_name = zt_wh_bq_v(f, 5);
    ev.participant_email = zt_wh_bq_v(f, 6);
    ev.breakout_room_uuid = zt_wh_bq_v(f, 7);
    ev.participant_uuid = zt_wh_bq_v(f, 8);
    ev.leave_reason = zt_wh_bq_v(f, 9);
    ev.participant_id = "";
    ev.registrant_id = "";

    if (((zt_wh_event_pt) k->cb)(k->data, &ev) != ZT_OK) {
        snprintf(k->w->err, sizeof(k->w->err),
                 "out of memory folding events");
        return ZT_ERROR;
    }

    return ZT_OK;
}


static int
zt_wh_bq_events(void *wh, const zt_wh_query_t *q, zt_wh_event_pt cb,
    void *data)
{
    char              sql[2048];
    json_t           *p;
    zt_wh_bq_t       *w = wh;
    zt_wh_bq_walk_t   k = { w, (void *) cb, data };

    w->err[0] = '\0';

    /* the same instances as the SQLite backend, each read whole */
    snprintf(sql, sizeof(sql),
        "-- zoomtrack:events\n"
        "SELECT event_type, event_ts, meeting_uuid, meeting_id, person_key,"
        " participant_name, participant_email, breakout_room_uuid,"
        " participant_uuid, leave_reason"
        " FROM `%sraw_events`"
        " WHERE meeting_uuid IN ("
        "  SELECT DISTINCT meeting_uuid FROM `%sraw_events`"
        "  WHERE event_date BETWEEN DATE_SUB(@date, INTERVAL 1 DAY)"
        "    AND DATE_ADD(@date, INTERVAL 1 DAY)"
        "    AND meeting_uuid <> ''"
        "    AND (@meeting = '' OR meeting_uuid = @meeting"
        "         OR meeting_id = @meeting))"
        " QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id"
        "                            ORDER BY inserted_at) = 1",
        w->t, w->t);

    p = json_array();
    json_array_append_new(p, zt_bq_param("date", "DATE", q->report_date));
    json_array_append_new(p, zt_bq_param("meeting", "STRING",
                                         q->meeting ? q->meeting : ""));

    return zt_wh_bq_run(w, sql, p, zt_wh_bq_event_row, &k);
}


static int
zt_wh_bq_status_row(void *data, json_t *f, json_t *schema)
{
    zt_wh_bq_walk_t  *k = data;

    snprintf(k->data, (size_t) k->cb, "%s", zt_wh_bq_v(f, 0));
    return ZT_OK;
}


static int
zt_wh_bq_minute_row(void *data, json_t *f, json_t *schema)
{
    zt_wh_bq_walk_t  *k = data;

    if (((zt_wh_camera_pt) k->cb)(k->data, zt_wh_bq_v(f, 0),
                                  strtoll(zt_wh_bq_v(f, 1), NULL, 10),
                                  strcmp(zt_wh_bq_v(f, 2), "0") != 0)
        != ZT_OK)
    {
        snprintf(k->w->err, sizeof(k->w->err), "out of memory");
        return ZT_ERROR;
    }

    return ZT_OK;
}


static int
zt_wh_bq_camera(void *wh, const char *meeting_uuid, char *status,
    size_t len, zt_wh_camera_pt cb, void *data)
{
    char              sql[1024];
    json_t           *p;
    zt_wh_bq_t       *w = wh;
    zt_wh_bq_walk_t   k = { w, (void *) len, status };

    w->err[0] = '\0';
    snprintf(status, len, "pending");

    /* the latest fetch wins: camera appends one row per fetch */
    snprintf(sql, sizeof(sql),
        "-- zoomtrack:camera_status\n"
        "SELECT status FROM `%scamera_fetches`"
        " WHERE meeting_uuid = @meeting_uuid"
        " ORDER BY fetched_at DESC LIMIT 1", w->t);

    p = json_array();
    json_array_append_new(p, zt_bq_param("meeting_uuid", "STRING",
                                         meeting_uuid));

    if (zt_wh_bq_run(w, sql, p, zt_wh_bq_status_row, &k) != ZT_OK) {
        return ZT_ERROR;
    }

    if (strcmp(status, "ok") != 0 || cb == NULL) {
        return ZT_OK;
    }

    snprintf(sql, sizeof(sql),
        "-- zoomtrack:camera_minutes\n"
        "SELECT DISTINCT person_key, minute_ts, camera_on"
        " FROM `%scamera_minutes` WHERE meeting_uuid = @meeting_uuid"
        " ORDER BY person_key, minute_ts", w->t);

    k.cb = (void *) cb;
    k.data = data;

    p = json_array();
    json_array_append_new(p, zt_bq_param("meeting_uuid", "STRING",
                                         meeting_uuid));

    return zt_wh_bq_run(w, sql, p, zt_wh_bq_minute_row, &k);
}


static int
zt_wh_bq_name_row(void *data, json_t *f, json_t *schema)
{
    zt_wh_bq_walk_t  *k = data;

    if (((zt_wh_room_name_pt) k->cb)(k->data, zt_wh_bq_v(f, 0),
                                     zt_wh_bq_v(f, 1),
                                     strcmp(zt_wh_bq_v(f, 2), "true") == 0)
        != ZT_OK)
    {
        snprintf(k->w->err, sizeof(k->w->err), "out of memory");
        return ZT_ERROR;
    }

    return ZT_OK;
}


static int
zt_wh_bq_room_names(void *wh, const char *meeting_uuid,
    const char *meeting_id, zt_wh_room_name_pt cb, void *data)
{
    char              sql[1024];
    json_t           *p;
    zt_wh_bq_t       *w = wh;
    zt_wh_bq_walk_t   k = { w, (void *) cb, data };

    w->err[0] = '\0';

    snprintf(sql, sizeof(sql),
        "-- zoomtrack:room_names\n"
        "SELECT DISTINCT room_uuid, name, meeting = @meeting_uuid"
        " FROM `%sroom_names`"
        " WHERE meeting IN (@meeting_uuid, @meeting_id)", w->t);

    p = json_array();
    json_array_append_new(p, zt_bq_param("meeting_uuid", "STRING",
                                         meeting_uuid));
    json_array_append_new(p, zt_bq_param("meeting_id", "STRING",
                                         meeting_id));

    return zt_wh_bq_run(w, sql, p, zt_wh_bq_name_row, &k);
}


/* a row of two strings to a callback of that shape (preassigned rooms,
 * reconciled people) */
static int
zt_wh_bq_pair_row(void *data, json_t *f, json_t *schema)
{
    zt_wh_bq_walk_t  *k = data;

    if (((zt_wh_bq_pair_pt) k->cb)(k->data, zt_wh_bq_v(f, 0),
                                   zt_wh_bq_v(f, 1))
        != ZT_OK)
    {
        snprintf(k->w->err, sizeof(k->w->err), "out of memory");
        return ZT_ERROR;
    }

    return ZT_OK;
}


static int
zt_wh_bq_preassigned(void *wh, const char *meeting_id,
    zt_wh_preassigned_pt cb, void *data)
{
    char              sql[1024];
    json_t           *p;
    zt_wh_bq_t       *w = wh;
    zt_wh_bq_walk_t   k = { w, (void *) cb, data };

    w->err[0] = '\0';

    snprintf(sql, sizeof(sql),
        "-- zoomtrack:preassigned\n"
        "SELECT DISTINCT room_name, email FROM `%spreassigned_rooms`"
        " WHERE meeting_id = @meeting_id", w->t);

    p = json_array();
    json_array_append_new(p, zt_bq_param("meeting_id", "STRING",
                                         meeting_id));

    return zt_wh_bq_run(w, sql, p, zt_wh_bq_pair_row, &k);
}


/* the @rows parameter: ARRAY<STRUCT<daily_reports columns>> */
static json_t *
zt_wh_bq_rows_param(const zt_wh_row_t *rows, size_t n)
{
    int                   i;
    char                  ts[ZT_RFC3339_LEN + 1];
    size_t                r;
    json_t               *types, *vals, *sv, *v;
    int64_t               ms;
    const char           *cell;
    const zt_bq_table_t  *t;

    t = zt_bq_table("daily_reports");
    types = json_array();
    vals = json_array();

    for (i = 0; t->fields[i].name; i++) {
        json_array_append_new(types, json_pack("{s:s, s:{s:s}}",
                              "name", t->fields[i].name,
                              "type", "type", t->fields[i].type));
    }

    for (r = 0; r < n; r++) {
        sv = json_object();

        for (i = 0; i < ZT_REPORT_NCOLS; i++) {
            cell = rows[r].cells[i];
            ms = i == 5 ? rows[r].join_ms : i == 6 ? rows[r].leave_ms
                 : i == 11 ? rows[r].room_join_ms
                 : i == 12 ? rows[r].room_leave_ms : -1;

            if (ms > 0) {
                zt_time_rfc3339(ms, ts);
                cell = ts;

            } else if (ms == 0) {
                cell = NULL;
            }

            v = cell ? json_pack("{s:s}", "value", cell) : json_object();
            json_object_set_new(sv, zt_report_columns[i], v);
        }

        json_array_append_new(vals, json_pack("{s:o}", "structValues", sv));
    }

    return json_pack("{s:s, s:{s:s, s:{s:s, s:o}}, s:{s:o}}",
                     "name", "rows", "parameterType", "type", "ARRAY",
                     "arrayType", "type", "STRUCT", "structTypes", types,
                     "parameterValue", "arrayValues", vals);
}


static int
zt_wh_bq_replace(void *wh, const zt_wh_query_t *q, const zt_wh_row_t *rows,
    size_t n)
{
    char         sql[2048];
    json_t      *p;
    zt_wh_bq_t  *w = wh;

    w->err[0] = '\0';

    /* readers see the old rows or the new, never neither */
    snprintf(sql, sizeof(sql),
        "-- zoomtrack:replace_report\n"
        "BEGIN TRANSACTION;\n"
        "DELETE FROM `%sdaily_reports` WHERE report_date = @date"
        " AND (@meeting = '' OR meeting_id = @meeting"
        "      OR meeting_uuid = @meeting);\n"
        "INSERT INTO `%sdaily_reports` SELECT * FROM UNNEST(@rows);\n"
        "COMMIT TRANSACTION;", w->t, w->t);

    p = json_array();
    json_array_append_new(p, zt_bq_param("date", "DATE", q->report_date));
    json_array_append_new(p, zt_bq_param("meeting", "STRING",
                                         q->meeting ? q->meeting : ""));
    json_array_append_new(p, zt_wh_bq_rows_param(rows, n));

    return zt_wh_bq_run(w, sql, p, NULL, NULL);
}


/*
 * The people of q's meetings with events from `zoomtrack reconcile`
 * (source = report_api): the SQLite backend's window and meeting filter.
 * Each event counts once, as first stored (the SQLite warehouse keeps
 * the first row of an event_id), before its source is looked at.
 */
static int
zt_wh_bq_reconciled(void *wh, const zt_wh_query_t *q,
    zt_wh_reconciled_pt cb, void *data)
{
    char              sql[2048];
    json_t           *p;
    zt_wh_bq_t       *w = wh;
    zt_wh_bq_walk_t   k = { w, (void *) cb, data };

    w->err[0] = '\0';

    snprintf(sql, sizeof(sql),
        "-- zoomtrack:reconciled\n"
        "SELECT DISTINCT meeting_uuid, person_key FROM ("
        "  SELECT meeting_uuid, person_key, source FROM `%sraw_events`"
        "  WHERE event_date BETWEEN DATE_SUB(@date, INTERVAL 1 DAY)"
        "    AND DATE_ADD(@date, INTERVAL 1 DAY)"
        "    AND (@meeting = '' OR meeting_uuid = @meeting"
        "         OR meeting_id = @meeting)"
        "  QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id"
        "                             ORDER BY inserted_at) = 1)"
        " WHERE source = 'report_api'", w->t);

    p = json_array();
    json_array_append_new(p, zt_bq_param("date", "DATE", q->report_date));
    json_array_append_new(p, zt_bq_param("meeting", "STRING",
                                         q->meeting ? q->meeting : ""));

    return zt_wh_bq_run(w, sql, p, zt_wh_bq_pair_row, &k);
}
