/*
 * The warehouse sink on BigQuery ([warehouse] backend = bigquery): one
 * raw_events row per event through tabledata.insertAll, insertId =
 * event_id, at most 500 rows and 9 MB a request; a row that alone makes
 * a request over 9 MB is dead-lettered, saying so.  The columns are the
 * SQLite warehouse's; gcs_path is the object's URL (gs://BUCKET/NAME)
 * when the archive is on GCS, else the local archive path.
 *
 * A 200 may carry insertErrors: rows BigQuery calls invalid are
 * dead-lettered with its reason; rows marked stopped (collateral of an
 * invalid one) or failed with a retryable reason (backendError,
 * internalError, ...) are sent again, a few rounds within one write(),
 * then by the engine's backoff.  Rows already stored by an earlier
 * attempt of the same batch are remembered and not sent again, so a
 * partial failure does not re-insert its good rows.  insertId dedup is
 * only best-effort on BigQuery's side: readers deduplicate by event_id.
 *
 * An insertAll refused as a whole with a permanent 4xx (400 bad request,
 * 401 after the token was refreshed once, 403 permission denied, 404
 * dataset or table missing) or a token endpoint that refuses the
 * credentials returns ZT_PAUSE: no retry can succeed before an operator
 * acts, so the engine holds the batch, retries at its backoff cap and
 * shows the sink as paused, with one line naming the table, the status,
 * Google's reason and message and the fix.  408, 429, 5xx and transport
 * errors return ZT_RETRY.  Records are never dropped for either.
 *
 * The source column is the record's "source" (report_api for the events
 * of `zoomtrack reconcile`); the module's webhooks carry none: NULL.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_event.h"
#include "zt_time.h"
#include "zt_http.h"
#include "zt_log.h"
#include "zt_sink.h"
#include "zt_archive_path.h"
#include "zt_bq.h"
#include "zt_sink_warehouse_bigquery.h"






static int zt_bqs_init(const zt_conf_t *conf, void **ctx);
static int zt_bqs_write(void *ctx, zt_item_t *items, size_t n);
static void zt_bqs_exit(void *ctx);
static size_t zt_bqs_rows(zt_bqs_t *s, zt_item_t *items, size_t n,
    const char *now);
static void zt_bqs_mark_duplicates(zt_bqs_t *s, zt_item_t *items,
    size_t n);
static int zt_bqs_done_cmp(const void *key, const void *elem);
static int zt_bqs_round(zt_bqs_t *s, zt_item_t *items, size_t n,
    size_t *pending);
static int zt_bqs_answer(zt_bqs_t *s, zt_item_t *items, size_t *idx,
    size_t m, zt_bq_req_t *req);
static int zt_bqs_answer_possible(json_t *errs, size_t m, zt_bq_err_t *e);
static void zt_bqs_failed(zt_bqs_t *s, int rc);
static int zt_bqs_body(zt_bqs_t *s, size_t k, size_t *idx, size_t m);
static void zt_bqs_remember(zt_bqs_t *s, zt_item_t *items, size_t n);
static void zt_bqs_forget(zt_bqs_t *s);
static void zt_bqs_explain(zt_bqs_t *s, const zt_bq_err_t *e);
static const char *zt_bqs_fix(const zt_bq_err_t *e);


const zt_sink_t  zt_sink_warehouse_bigquery = {
    "warehouse",
    zt_bqs_init,
    zt_bqs_write,
    NULL,
    zt_bqs_exit,
    zt_bqs_prepare
};


static int
zt_bqs_init(const zt_conf_t *conf, void **ctx)
{
    char       day[16], err[512];
    zt_bqs_t  *s;

    s = calloc(1, sizeof(zt_bqs_t));
    if (s == NULL) {
        zt_log_error("out of memory");
        return ZT_ERROR;
    }

    s->tz = strdup(zt_conf_get(conf, "", "timezone"));

    if (zt_archive_where_init(&s->where, conf) != ZT_OK) {
        zt_log_error("[sink:warehouse] an [archive] value is too long");
        zt_bqs_exit(s);
        return ZT_ERROR;
    }

    if (s->tz == NULL || zt_time_local_date(0, s->tz, day) != ZT_OK) {
        zt_log_error("[sink:warehouse] unknown timezone \"%s\"",
                     zt_conf_get(conf, "", "timezone"));
        zt_bqs_exit(s);
        return ZT_ERROR;
    }

    s->bq = zt_bq_create(conf, err, sizeof(err));
    if (s->bq == NULL) {
        zt_log_error("[sink:warehouse] %s", err);
        zt_bqs_exit(s);
        return ZT_ERROR;
    }

    zt_log_info("[sink:warehouse] BigQuery %s.%s.raw_events, %s",
                zt_bq_project(s->bq), zt_bq_dataset(s->bq),
                zt_bq_auth(s->bq));

    *ctx = s;
    return ZT_OK;
}


static void
zt_bqs_exit(void *ctx)
{
    size_t     i;
    zt_bqs_t  *s = ctx;

    if (s == NULL) {
        return;
    }

    zt_bqs_forget(s);

    for (i = 0; i < s->nreasons; i++) {
        free(s->reasons[i]);
    }

    zt_bq_destroy(s->bq);
    free(s->reasons);
    free(s->done);
    free(s->state);
    free(s->rows);
    free(s->rowlen);
    free(s->idx);
    for (i = 0; i < ZT_BQS_PAR; i++) {
        free(s->bodies[i]);
    }
    free(s->tz);
    free(s);
}


static int
zt_bqs_write(void *ctx, zt_item_t *items, size_t n)
{
    int             rc, round;
    char            now[ZT_RFC3339_LEN + 1];
    size_t          i, pending;
    zt_bqs_t       *s = ctx;

    for (i = 0; i < s->nreasons; i++) {
        free(s->reasons[i]);
    }
    s->nreasons = 0;

    if (n > s->cap) {
        free(s->state);
        free(s->rows);
        free(s->rowlen);
        free(s->idx);
        free(s->reasons);
        s->idx = calloc(n, sizeof(size_t));
        s->state = calloc(n, 1);
        s->rows = calloc(n, sizeof(char *));
        s->rowlen = calloc(n, sizeof(size_t));
        s->reasons = calloc(n, sizeof(char *));
        s->cap = (s->state && s->rows && s->rowlen && s->idx && s->reasons)
                 ? n : 0;
        if (s->cap == 0) {
            zt_log_error("out of memory");
            return ZT_RETRY;
        }
    }

    zt_time_rfc3339(zt_time_now_ms(), now);
    pending = zt_bqs_rows(s, items, n, now);

    rc = ZT_OK;

    for (round = 0; pending && round < ZT_BQS_ROUNDS; round++) {
        if (round) {
            zt_http_sleep_ms(zt_http_backoff_ms(round - 1, 200, 2000,
                                                drand48()));
        }

        rc = zt_bqs_round(s, items, n, &pending);
        if (rc != ZT_OK) {
            break;
        }
    }

    if (rc == ZT_OK && pending) {
        zt_log_warn("[sink:warehouse] %zu row(s) still failing after %d "
                    "rounds", pending, ZT_BQS_ROUNDS);
        rc = ZT_RETRY;
    }

    for (i = 0; i < n; i++) {
        free(s->rows[i]);
        s->rows[i] = NULL;
    }

    if (rc != ZT_OK) {
        zt_bqs_remember(s, items, n);
        s->failing = 1;
        return rc == ZT_PAUSE ? ZT_PAUSE : ZT_RETRY;
    }

    zt_bqs_forget(s);

    if (s->failing) {
        zt_log_info("[sink:warehouse] inserts into BigQuery succeed again");
        s->failing = 0;
    }

    return ZT_OK;
}


/*
 * The row of every item still to insert (state 0), stamped now; items an
 * earlier attempt settled or that repeat an earlier one are left out.
 * Returns how many rows are pending.
 */
static size_t
zt_bqs_rows(zt_bqs_t *s, zt_item_t *items, size_t n, const char *now)
{
    size_t          i, pending;
    zt_bqs_done_t  *d;

    pending = 0;

    zt_bqs_mark_duplicates(s, items, n);

    for (i = 0; i < n; i++) {
        s->rows[i] = NULL;

        if (s->state[i] == 2) {
            continue;               /* a duplicate: the first one counts */
        }

        s->state[i] = 1;

        /* an earlier attempt of this batch settled it */
        d = s->ndone ? bsearch(items[i].event_id, s->done, s->ndone,
                               sizeof(zt_bqs_done_t), zt_bqs_done_cmp)
                     : NULL;
        if (d) {
            items[i].error = d->reason;
            continue;
        }

        if (items[i].prep) {
            /* made ahead by zt_bqs_prepare(): ours now */
            s->rows[i] = items[i].prep;
            s->rowlen[i] = items[i].prep_len;
            items[i].prep = NULL;
            memcpy(s->rows[i] + ZT_BQS_STAMP_AT, now, ZT_RFC3339_LEN);

        } else {
            s->rows[i] = zt_bqs_row(s, &items[i], now, &s->rowlen[i]);
        }

        if (s->rows[i] == NULL) {
            items[i].error = "record cannot be made a raw_events row";
            continue;
        }

        if (s->rowlen[i] + ZT_BQS_BODY_EXTRA > ZT_BQ_BYTES_MAX) {
            /* alone in a request it still is too big: no retry helps */
            items[i].error = "row too big for BigQuery: an insertAll "
                             "request of it alone is over "
                             ZT_BQS_STR(ZT_BQ_MB_MAX) " MB";
            free(s->rows[i]);
            s->rows[i] = NULL;
            continue;
        }

        s->state[i] = 0;
        pending++;
    }

    return pending;
}


/*
 * Marks every item whose event_id an earlier item of the batch has (2),
 * the rest pending (0).  Sorting the positions by id finds them in
 * n log n: the pairwise scan it replaces was 5% of the sink's CPU at
 * batches of 2000.
 */
static int
zt_bqs_id_cmp(const void *a, const void *b, void *items)
{
    int               c;
    size_t            i = *(const size_t *) a, j = *(const size_t *) b;
    const zt_item_t  *it = items;

    c = strcmp(it[i].event_id, it[j].event_id);

    return c ? c : (i > j) - (i < j);
}


static void
zt_bqs_mark_duplicates(zt_bqs_t *s, zt_item_t *items, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        s->state[i] = 0;
        s->idx[i] = i;
    }

    qsort_r(s->idx, n, sizeof(size_t), zt_bqs_id_cmp, items);

    for (i = 1; i < n; i++) {
        if (strcmp(items[s->idx[i]].event_id,
                   items[s->idx[i - 1]].event_id) == 0)
        {
            s->state[s->idx[i]] = 2;
        }
    }
}


/* bsearch() in the outcomes of an unfinished batch, sorted by id */
static int
zt_bqs_done_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const zt_bqs_done_t *) elem)->id);
}


static int
zt_bqs_done_sort(const void *a, const void *b)
{
    return strcmp(((const zt_bqs_done_t *) a)->id,
                  ((const zt_bqs_done_t *) b)->id);
}


/*
 * Sends every pending row once, in requests within BigQuery's limits, up
 * to ZT_BQS_PAR requests at a time: the server works on one while the
 * next is on the wire.
 */
static int
zt_bqs_round(zt_bqs_t *s, zt_item_t *items, size_t n, size_t *pending)
{
    int          rc;
    char         path[512];
    size_t       i, k, nc, m, bytes, sz, start[ZT_BQS_PAR + 1];
    zt_bq_req_t  reqs[ZT_BQS_PAR];

    snprintf(path, sizeof(path), "/datasets/%s/tables/raw_events/insertAll",
             zt_bq_dataset(s->bq));

    i = 0;
    rc = ZT_OK;

    while (rc == ZT_OK) {
        /* the next chunks: s->idx[start[k] .. start[k + 1]) */
        nc = 0;
        m = 0;
        bytes = 0;
        start[0] = 0;

        for ( /* void */ ; i < n && nc < ZT_BQS_PAR; i++) {
            if (s->state[i] != 0) {
                continue;
            }

            sz = s->rowlen[i] + 1;

            if (m && (m == ZT_BQ_ROWS_MAX || bytes + sz > ZT_BQ_BYTES_MAX)) {
                start[nc + 1] = start[nc] + m;
                nc++;
                m = 0;
                bytes = 0;
                if (nc == ZT_BQS_PAR) {
                    break;
                }
            }

            s->idx[start[nc] + m++] = i;
            bytes += sz;
        }

        if (m && nc < ZT_BQS_PAR) {
            start[nc + 1] = start[nc] + m;
            nc++;
        }

        if (nc == 0) {
            break;
        }

        for (k = 0; k < nc; k++) {
            if (zt_bqs_body(s, k, s->idx + start[k], start[k + 1] - start[k])
                != ZT_OK)
            {
                zt_log_error("out of memory");
                return ZT_RETRY;
            }
            reqs[k].body = s->bodies[k];
        }

        if (zt_bq_post_many(s->bq, path, reqs, nc) != ZT_OK) {
            zt_log_error("[sink:warehouse] curl multi failed");
            return ZT_RETRY;
        }

        /* a permanent failure outranks a transient one: it says why */
        for (k = 0; k < nc; k++) {
            switch (zt_bqs_answer(s, items, s->idx + start[k],
                                  start[k + 1] - start[k], &reqs[k]))
            {
            case ZT_OK:
                break;

            case ZT_PAUSE:
                if (rc != ZT_PAUSE) {
                    s->fail = reqs[k].err;
                }
                rc = ZT_PAUSE;
                break;

            default:
                if (rc == ZT_OK) {
                    s->fail = reqs[k].err;
                    rc = ZT_RETRY;
                }
                break;
            }
            json_decref(reqs[k].ans);
        }
    }

    if (rc != ZT_OK) {
        zt_bqs_failed(s, rc);
        return rc;
    }

    *pending = 0;
    for (i = 0; i < n; i++) {
        if (s->state[i] == 0) {
            (*pending)++;
        }
    }

    return ZT_OK;
}


/*
 * The answer to one insertAll of items idx[0..m); marks what settled.
 * ZT_OK (some rows may still be pending), ZT_RETRY or ZT_PAUSE: the
 * request failed as a whole, req->err says why.
 */
static int
zt_bqs_answer(zt_bqs_t *s, zt_item_t *items, size_t *idx, size_t m,
    zt_bq_req_t *req)
{
    char          buf[512];
    size_t        i, k, j;
    json_t       *ans, *errs, *e, *er;
    json_int_t    at;
    const char   *reason, *msg, *bad;

    if (req->rc != ZT_OK) {
        /* ZT_ERROR: a 4xx or refused credentials, which no retry cures */
        return req->rc == ZT_ERROR ? ZT_PAUSE : ZT_RETRY;
    }

    ans = req->ans;
    errs = json_object_get(ans, "insertErrors");

    if (zt_bqs_answer_possible(errs, m, &req->err) != ZT_OK) {
        return ZT_RETRY;
    }

    for (i = 0; i < m; i++) {
        s->state[idx[i]] = 1;
    }

    json_array_foreach(errs, k, e) {
        at = json_integer_value(json_object_get(e, "index"));

        bad = NULL;
        msg = "";

        json_array_foreach(json_object_get(e, "errors"), j, er) {
            reason = json_string_value(json_object_get(er, "reason"));
            if (reason && strcmp(reason, "invalid") == 0) {
                bad = reason;
                msg = json_string_value(json_object_get(er, "message"));
                msg = msg ? msg : "";
                break;
            }
        }

        if (bad == NULL) {
            /* stopped, backendError, internalError, anything unknown */
            s->state[idx[at]] = 0;
            continue;
        }

        snprintf(buf, sizeof(buf), "bigquery rejected the row: %s: %s",
                 bad, msg);
        s->reasons[s->nreasons] = strdup(buf);
        items[idx[at]].error = s->reasons[s->nreasons]
                               ? s->reasons[s->nreasons]
                               : "bigquery rejected the row";
        s->nreasons++;
    }

    return ZT_OK;
}


/*
 * insertErrors may name each of the request's m rows at most once.  An
 * answer that names a row twice or one it was not sent says nothing
 * reliable about any row (and would dead-letter a row twice, past
 * s->reasons): the request is retried as a whole.
 */
static int
zt_bqs_answer_possible(json_t *errs, size_t m, zt_bq_err_t *e)
{
    int             rc;
    size_t          k;
    json_t         *err, *at;
    json_int_t      i;
    unsigned char  *seen;

    if (json_array_size(errs) == 0) {
        return ZT_OK;
    }

    seen = calloc(m, 1);
    if (seen == NULL) {
        snprintf(e->message, sizeof(e->message), "out of memory");
        return ZT_ERROR;
    }

    rc = ZT_OK;

    json_array_foreach(errs, k, err) {
        at = json_object_get(err, "index");
        i = json_integer_value(at);

        if (!json_is_integer(at) || i < 0 || (size_t) i >= m || seen[i]) {
            e->status = 200;
            e->reason[0] = '\0';
            snprintf(e->message, sizeof(e->message), "an impossible "
                     "answer, retried: insertErrors names row %lld %s",
                     (long long) i, json_is_integer(at) && i >= 0
                     && (size_t) i < m ? "twice" : "of none sent");
            rc = ZT_ERROR;
            break;
        }

        seen[i] = 1;
    }

    free(seen);

    return rc;
}


/*
 * The insertAll request for rows idx[0..m) into s->body: the rows were
 * serialised once, so a retried row is not serialised again.
 */
static int
zt_bqs_body(zt_bqs_t *s, size_t k, size_t *idx, size_t m)
{
    char    *p;
    size_t   i, need, off;

    static const char  head[] = ZT_BQS_BODY_HEAD;

    need = sizeof(head) + 3;
    for (i = 0; i < m; i++) {
        need += s->rowlen[idx[i]] + 1;
    }

    if (need > s->bodycap[k]) {
        p = realloc(s->bodies[k], need);
        if (p == NULL) {
            return ZT_ERROR;
        }
        s->bodies[k] = p;
        s->bodycap[k] = need;
    }

    p = s->bodies[k];
    memcpy(p, head, sizeof(head) - 1);
    off = sizeof(head) - 1;

    for (i = 0; i < m; i++) {
        if (i) {
            p[off++] = ',';
        }
        memcpy(p + off, s->rows[idx[i]], s->rowlen[idx[i]]);
        off += s->rowlen[idx[i]];
    }

    memcpy(p + off, "]}", 3);

    return ZT_OK;
}


/* keeps the outcome of every settled item of a batch that will come back */
static void
zt_bqs_remember(zt_bqs_t *s, zt_item_t *items, size_t n)
{
    size_t          i;
    zt_bqs_done_t  *d;

    zt_bqs_forget(s);

    d = calloc(n ? n : 1, sizeof(zt_bqs_done_t));
    if (d == NULL) {
        return;
    }

    s->done = d;

    for (i = 0; i < n; i++) {
        if (s->state[i] != 1) {
            continue;
        }

        d[s->ndone].id = strdup(items[i].event_id);
        d[s->ndone].reason = items[i].error ? strdup(items[i].error) : NULL;

        if (d[s->ndone].id == NULL) {
            free(d[s->ndone].reason);
            continue;
        }

        s->ndone++;
    }

    qsort(d, s->ndone, sizeof(zt_bqs_done_t), zt_bqs_done_sort);
}


static void
zt_bqs_forget(zt_bqs_t *s)
{
    size_t  i;

    for (i = 0; i < s->ndone; i++) {
        free(s->done[i].id);
        free(s->done[i].reason);
    }

    free(s->done);
    s->done = NULL;
    s->ndone = 0;
}


/* one line per failed round: the first request's failure */
static void
zt_bqs_failed(zt_bqs_t *s, int rc)
{
    if (rc == ZT_PAUSE) {
        zt_bqs_explain(s, &s->fail);
        return;
    }

    zt_log_warn("[sink:warehouse] insertAll into %s.%s.raw_events: %s%ld%s"
                "%s", zt_bq_project(s->bq), zt_bq_dataset(s->bq),
                s->fail.status ? "HTTP " : "", s->fail.status,
                s->fail.status ? " " : "", s->fail.message);
}


/*
 * A permanent answer: the table, what Google said and what the operator
 * has to fix, in one line (the engine adds "paused" and the delay).
 * Google's error texts name resources and permissions, never the token.
 */
static void
zt_bqs_explain(zt_bqs_t *s, const zt_bq_err_t *e)
{
    if (e->status == 0) {
        /* no request was sent: the token endpoint refused the key */
        zt_log_error("[sink:warehouse] insertAll into %s.%s.raw_events: "
                     "%s; %s", zt_bq_project(s->bq), zt_bq_dataset(s->bq),
                     e->message, zt_bqs_fix(e));
        return;
    }

    zt_log_error("[sink:warehouse] insertAll into %s.%s.raw_events refused: "
                 "HTTP %ld %s%s\"%s\"; %s", zt_bq_project(s->bq),
                 zt_bq_dataset(s->bq), e->status, e->reason,
                 e->reason[0] ? " " : "", e->message, zt_bqs_fix(e));
}


static const char *
zt_bqs_fix(const zt_bq_err_t *e)
{
    switch (e->status) {
    case 0:
        return strncmp(e->message, "no access token", 15) == 0
               ? "check [google] credentials_file and the service "
                 "account's key"
               : "check the [warehouse] and [google] settings";
    case 401:
        return "the credentials were refused: check [google] "
               "credentials_file and the service account's key";
    case 400:
        return "BigQuery refused the request: check [warehouse] project "
               "and dataset, and that raw_events has the schema of "
               "`zoomtrack setup`";
    case 403:
        return "permission denied: grant the service account BigQuery "
               "Data Editor on the dataset";
    case 404:
        return "the dataset or table does not exist: run `zoomtrack setup "
               "-c FILE`";
    default:
        return "the request was refused";
    }
}
