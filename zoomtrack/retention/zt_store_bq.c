/*
 * zt_store_bq: the BigQuery warehouse, for prune and forget (zt_store.h).
 * The same rules as the SQLite warehouse, as GoogleSQL DML: every table
 * is counted first (SELECT count(*)), then, unless a dry run or nothing
 * matched, deleted with the same WHERE; the count is what was found,
 * numDmlAffectedRows what went.
 *
 * BigQuery refuses UPDATE/DELETE that would touch rows still in the
 * streaming buffer (rows written by insertAll in roughly the last 30
 * minutes; the drainer writes that way).  Such a table is reported with
 * its count ("N row(s) still in the streaming buffer: run again later"),
 * counted as held, and the run exits 1; nothing else is affected.
 * Queries carry a "-- zoomtrack:ret_<what>" first line (the test double
 * recognises them by it; BigQuery ignores comments).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_core.h"
#include "zt_time.h"
#include "zt_bq.h"
#include "zt_store.h"


typedef struct {
    const char  *cmd;              /* "prune" or "forget" */
    int          dry_run;
    uint64_t     found;
    uint64_t     removed;
    uint64_t     held;
} zt_store_bq_run_t;


static int zt_store_bq_delete(zt_store_t *s, zt_store_bq_run_t *r,
    const char *tag, const char *table, const char *where, json_t *params);
static int zt_store_bq_linked(zt_store_t *s, zt_forget_who_t *w,
    zt_bq_err_t *e);
static int zt_store_bq_link_row(void *data, json_t *f, json_t *schema);
static json_t *zt_store_bq_array(const char *name, char **v, size_t n);
static int zt_store_bq_count_row(void *data, json_t *f, json_t *schema);
static int zt_store_bq_who_row(void *data, json_t *f, json_t *schema);


static int
zt_store_bq_prune(zt_store_t *s, const zt_prune_cut_t *cut, int dry_run,
    zt_prune_count_t *c, zt_prune_count_t *rep)
{
    int                 rc;
    char                ms[32], where[1024];
    json_t             *p;
    int64_t             start, end;
    zt_store_bq_run_t   r;

    memset(&r, 0, sizeof(r));
    r.cmd = "prune";
    r.dry_run = dry_run;
    rc = ZT_OK;

    if (cut->warehouse) {
        /* camera minutes by their own time: the cutoff day's first ms */
        if (zt_time_day_bounds(cut->warehouse, cut->tz, &start, &end)
            != ZT_OK)
        {
            start = 0;
        }
        snprintf(ms, sizeof(ms), "%lld", (long long) start);

        p = json_pack("[o]", zt_bq_param("cutoff", "DATE", cut->warehouse));
        rc |= zt_store_bq_delete(s, &r, "prune_raw", "raw_events",
                                 "event_date < @cutoff", p);
        json_decref(p);

        p = json_pack("[o]", zt_bq_param("cutoff_ms", "INT64", ms));
        rc |= zt_store_bq_delete(s, &r, "prune_camera", "camera_minutes",
                                 "minute_ts < @cutoff_ms", p);
        json_decref(p);

        /*
         * fetch states no kept event or minute refers to: by the cutoffs,
         * so a dry run counts what the deletes above would orphan
         */
        snprintf(where, sizeof(where), "meeting_uuid NOT IN (SELECT "
                 "meeting_uuid FROM `%s.%s.raw_events` WHERE meeting_uuid "
                 "IS NOT NULL AND event_date >= @cutoff) AND meeting_uuid "
                 "NOT IN (SELECT meeting_uuid FROM `%s.%s.camera_minutes` "
                 "WHERE minute_ts >= @cutoff_ms)", zt_bq_project(s->ctx),
                 zt_bq_dataset(s->ctx), zt_bq_project(s->ctx),
                 zt_bq_dataset(s->ctx));
        p = json_pack("[o, o]",
                      zt_bq_param("cutoff", "DATE", cut->warehouse),
                      zt_bq_param("cutoff_ms", "INT64", ms));
        rc |= zt_store_bq_delete(s, &r, "prune_fetches", "camera_fetches",
                                 where, p);
        json_decref(p);

        c->rows += dry_run ? r.found : r.removed;
        c->held += r.held;
    }

    if (cut->reports) {
        memset(&r, 0, sizeof(r));
        r.cmd = "prune";
        r.dry_run = dry_run;

        p = json_pack("[o]", zt_bq_param("cutoff", "DATE", cut->reports));
        rc |= zt_store_bq_delete(s, &r, "prune_reports", "daily_reports",
                                 "report_date < @cutoff", p);
        json_decref(p);

        rep->rows += dry_run ? r.found : r.removed;
        rep->held += r.held;
    }

    return rc ? ZT_ERROR : ZT_OK;
}


static int
zt_store_bq_lookup(zt_store_t *s, zt_forget_who_t *w)
{
    int          rc;
    char         sql[1024];
    json_t      *p;
    zt_bq_err_t  e;

    /* "" stands for "not given": a NULL parameter needs a type anyway */
    snprintf(sql, sizeof(sql), "-- zoomtrack:ret_lookup\n"
             "SELECT DISTINCT person_key, lower(participant_email),"
             " participant_name FROM `%s.%s.raw_events`"
             " WHERE (@email != '' AND lower(participant_email) ="
             " lower(@email))"
             " OR (@name != '' AND lower(participant_name) = lower(@name))"
             " OR (@pid != '' AND (participant_id = @pid"
             " OR participant_user_id = @pid))",
             zt_bq_project(s->ctx), zt_bq_dataset(s->ctx));

    p = json_pack("[o, o, o]",
                  zt_bq_param("email", "STRING", w->email ? w->email : ""),
                  zt_bq_param("name", "STRING", w->name ? w->name : ""),
                  zt_bq_param("pid", "STRING",
                              w->participant_id ? w->participant_id : ""));

    memset(&e, 0, sizeof(e));
    rc = p ? zt_bq_query(s->ctx, sql, p, zt_store_bq_who_row, w, &e)
           : ZT_ERROR;
    json_decref(p);

    if (rc == ZT_OK && w->nkeys) {
        rc = zt_store_bq_linked(s, w, &e);
    }

    if (rc != ZT_OK) {
        fprintf(stderr, "zoomtrack forget: warehouse: %s%ld %s\n",
                e.status ? "status " : "", e.status, e.message);
        return ZT_ERROR;
    }

    return ZT_OK;
}


/* the weaker keys linked to w's (zt_forget_link(), as the SQLite lookup) */
static int
zt_store_bq_linked(zt_store_t *s, zt_forget_who_t *w, zt_bq_err_t *e)
{
    int              rc;
    char             sql[1024];
    json_t          *p;
    zt_forget_who_t  add;

    snprintf(sql, sizeof(sql), "-- zoomtrack:ret_lookup_linked\n"
             "SELECT DISTINCT s.person_key, l.person_key,"
             " lower(l.participant_email), l.participant_name"
             " FROM `%s.%s.raw_events` s JOIN `%s.%s.raw_events` l"
             " ON l.meeting_uuid = s.meeting_uuid"
             " AND l.participant_uuid = s.participant_uuid"
             " WHERE s.person_key IN UNNEST(@keys)"
             " AND s.participant_uuid != '' AND l.person_key != s.person_key",
             zt_bq_project(s->ctx), zt_bq_dataset(s->ctx),
             zt_bq_project(s->ctx), zt_bq_dataset(s->ctx));

    memset(&add, 0, sizeof(add));

    p = json_pack("[o]", zt_store_bq_array("keys", w->keys, w->nkeys));
    rc = p ? zt_bq_query(s->ctx, sql, p, zt_store_bq_link_row, &add, e)
           : ZT_ERROR;
    json_decref(p);

    if (rc == ZT_OK) {
        rc = zt_forget_who_merge(w, &add);
    }

    zt_forget_who_free(&add);

    return rc;
}


static int
zt_store_bq_forget(zt_store_t *s, const zt_forget_who_t *w, int dry_run,
    zt_forget_count_t *c)
{
    int                 rc;
    json_t             *p;
    zt_store_bq_run_t   r;

    memset(&r, 0, sizeof(r));
    r.cmd = "forget";
    r.dry_run = dry_run;
    rc = ZT_OK;

    if (w->nkeys) {
        p = json_pack("[o]", zt_store_bq_array("keys", w->keys, w->nkeys));
        rc |= zt_store_bq_delete(s, &r, "forget_raw", "raw_events",
                                 "person_key IN UNNEST(@keys)", p);
        rc |= zt_store_bq_delete(s, &r, "forget_camera", "camera_minutes",
                                 "person_key IN UNNEST(@keys)", p);
        json_decref(p);
    }

    /*
     * daily_reports has no person key: a row is the person's by an email
     * of theirs, or by a name of theirs on a row without an email
     */
    if (w->nemails || w->nnames) {
        p = json_pack("[o, o]",
                      zt_store_bq_array("emails", w->emails, w->nemails),
                      zt_store_bq_array("names", w->names, w->nnames));
        rc |= zt_store_bq_delete(s, &r, "forget_reports", "daily_reports",
                                 "lower(participant_email) IN "
                                 "UNNEST(@emails) OR (coalesce("
                                 "participant_email, '') = '' AND "
                                 "participant_name IN UNNEST(@names))", p);
        json_decref(p);
    }

    if (w->nemails) {
        p = json_pack("[o]", zt_store_bq_array("emails", w->emails,
                                               w->nemails));
        rc |= zt_store_bq_delete(s, &r, "forget_preassigned",
                                 "preassigned_rooms",
                                 "lower(email) IN UNNEST(@emails)", p);
        json_decref(p);
    }

    c->found += r.found;
    c->removed += r.removed;
    c->held += r.held;

    return rc ? ZT_ERROR : ZT_OK;
}


/*
 * Counts the rows of table matching where, then deletes them (not in a
 * dry run, not when none).  ZT_OK, or ZT_ERROR after saying why.
 */
static int
zt_store_bq_delete(zt_store_t *s, zt_store_bq_run_t *r, const char *tag,
    const char *table, const char *where, json_t *params)
{
    int          rc;
    char         sql[2048];
    int64_t      n, done;
    zt_bq_err_t  e;

    snprintf(sql, sizeof(sql), "-- zoomtrack:ret_%s\nSELECT count(*) FROM "
             "`%s.%s.%s` WHERE %s", tag, zt_bq_project(s->ctx),
             zt_bq_dataset(s->ctx), table, where);

    n = 0;
    memset(&e, 0, sizeof(e));
    rc = zt_bq_query(s->ctx, sql, params, zt_store_bq_count_row, &n, &e);

    if (rc == ZT_OK) {
        r->found += (uint64_t) n;
        if (r->dry_run || n == 0) {
            return ZT_OK;
        }

        snprintf(sql, sizeof(sql), "-- zoomtrack:ret_%s\nDELETE FROM "
                 "`%s.%s.%s` WHERE %s", tag, zt_bq_project(s->ctx),
                 zt_bq_dataset(s->ctx), table, where);

        memset(&e, 0, sizeof(e));
        rc = zt_bq_dml(s->ctx, sql, params, &done, &e);
        if (rc == ZT_OK) {
            r->removed += (uint64_t) done;
            return ZT_OK;
        }

        if (strstr(e.message, "streaming buffer")) {
            r->held += (uint64_t) n;
            fprintf(stderr, "zoomtrack %s: warehouse: %s: %lld row(s) "
                    "still in the streaming buffer (BigQuery refuses to "
                    "delete rows streamed in the last ~30 minutes): run "
                    "again later\n", r->cmd, table, (long long) n);
            return ZT_ERROR;
        }
    }

    fprintf(stderr, "zoomtrack %s: warehouse: %s: %s%ld %s\n", r->cmd,
            table, e.status ? "status " : "", e.status, e.message);

    return ZT_ERROR;
}


/* an ARRAY<STRING> query parameter of v */
static json_t *
zt_store_bq_array(const char *name, char **v, size_t n)
{
    size_t   i;
    json_t  *vals;

    vals = json_array();

    for (i = 0; vals && i < n; i++) {
        json_array_append_new(vals, json_pack("{s:s}", "value", v[i]));
    }

    return json_pack("{s:s, s:{s:s, s:{s:s}}, s:{s:o}}", "name", name,
                     "parameterType", "type", "ARRAY", "arrayType", "type",
                     "STRING", "parameterValue", "arrayValues", vals);
}


static int
zt_store_bq_count_row(void *data, json_t *f, json_t *schema)
{
    const char  *v;

    v = json_string_value(json_object_get(json_array_get(f, 0), "v"));
    *(int64_t *) data = v ? strtoll(v, NULL, 10) : 0;

    return ZT_OK;
}


static int
zt_store_bq_who_row(void *data, json_t *f, json_t *schema)
{
    size_t       i;
    const char  *v[3];

    for (i = 0; i < 3; i++) {
        v[i] = json_string_value(json_object_get(json_array_get(f, i), "v"));
    }

    return zt_forget_who_add(data, v[0], v[1], v[2]);
}


static int
zt_store_bq_link_row(void *data, json_t *f, json_t *schema)
{
    size_t       i;
    const char  *v[4];

    for (i = 0; i < 4; i++) {
        v[i] = json_string_value(json_object_get(json_array_get(f, i), "v"));
    }

    return zt_forget_link(data, v[0], v[1], v[2], v[3]);
}


static void
zt_store_bq_close(zt_store_t *s)
{
    zt_bq_destroy(s->ctx);
}


static const zt_store_ops_t  zt_store_bq_ops = {
    "bigquery", zt_store_bq_prune, zt_store_bq_lookup, zt_store_bq_forget,
    zt_store_bq_close
};


int
zt_store_bq_open(const zt_conf_t *conf, zt_store_t *s, char *err,
    size_t errlen)
{
    zt_bq_t  *b;

    b = zt_bq_create(conf, err, errlen);
    if (b == NULL) {
        return ZT_ERROR;
    }

    s->ops = &zt_store_bq_ops;
    s->ctx = b;
    snprintf(s->where, sizeof(s->where), "bigquery %s.%s", zt_bq_project(b),
             zt_bq_dataset(b));

    return ZT_OK;
}
