/*
 * zt_bq_query: BigQuery query jobs (see zt_bq.h): jobs.query with a
 * requestId, getQueryResults until the job is complete and every page is
 * read, and a new job when one failed for a transient reason.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "zt_time.h"
#include "zt_log.h"
#include "zt_gcs.h"
#include "zt_bq_int.h"


#define ZT_BQ_POLL_MS       200
#define ZT_BQ_QUERY_WAIT_S  (30 * 60)


static int zt_bq_run(zt_bq_t *b, const char *sql, json_t *params,
    zt_bq_row_pt row, void *data, int64_t *dml, zt_bq_err_t *e);
static int zt_bq_job(zt_bq_t *b, const char *sql, json_t *params,
    zt_bq_row_pt row, void *data, int64_t *dml, int *polled,
    zt_bq_err_t *e);
static int zt_bq_job_start(zt_bq_t *b, json_t *req, json_t **ans,
    zt_bq_err_t *e);
static void zt_bq_request_id(char out[37]);


json_t *
zt_bq_param(const char *name, const char *type, const char *value)
{
    return json_pack("{s:s, s:{s:s}, s:{s:s}}", "name", name,
                     "parameterType", "type", type,
                     "parameterValue", "value", value);
}


/* calls row() for every row of one result page */
static int
zt_bq_rows(json_t *page, zt_bq_row_pt row, void *data, zt_bq_err_t *e)
{
    int      rc;
    size_t   i;
    json_t  *rows, *schema, *r;

    if (row == NULL) {
        return ZT_OK;
    }

    schema = json_object_get(json_object_get(page, "schema"), "fields");
    rows = json_object_get(page, "rows");

    json_array_foreach(rows, i, r) {
        rc = row(data, json_object_get(r, "f"), schema);
        if (rc != ZT_OK) {
            snprintf(e->message, sizeof(e->message), "row callback failed");
            return rc;
        }
    }

    return ZT_OK;
}


int
zt_bq_query(zt_bq_t *b, const char *sql, json_t *params, zt_bq_row_pt row,
    void *data, zt_bq_err_t *e)
{
    return zt_bq_run(b, sql, params, row, data, NULL, e);
}


int
zt_bq_dml(zt_bq_t *b, const char *sql, json_t *params, int64_t *affected,
    zt_bq_err_t *e)
{
    *affected = 0;

    return zt_bq_run(b, sql, params, NULL, NULL, affected, e);
}


/*
 * A query job, and a new one while the job failed for a transient reason
 * before its first page, up to google.max_retries times.  A job that is
 * DONE never changes: getQueryResults answers its failure on every call
 * and its requestId gets it back for 15 minutes, so only a new job with a
 * new requestId can succeed (a failed job changed nothing, DML included).
 * Once rows were handed to row(), a failure is the caller's.
 */
static int
zt_bq_run(zt_bq_t *b, const char *sql, json_t *params, zt_bq_row_pt row,
    void *data, int64_t *dml, zt_bq_err_t *e)
{
    int      rc, attempt, polled;
    int64_t  delay;

    for (attempt = 0; /* void */ ; attempt++) {
        polled = 0;
        rc = zt_bq_job(b, sql, params, row, data, dml, &polled, e);

        if (rc != ZT_RETRY || polled != 1 || attempt >= b->retries) {
            return rc;
        }

        delay = zt_http_backoff_ms(attempt, ZT_HTTP_BACKOFF_BASE_MS,
                                   ZT_HTTP_BACKOFF_CAP_MS, drand48());
        zt_log_warn("bigquery: query job failed: %s%.0ld%s%s \"%s\", "
                    "running it as a new job, retry %d/%d in %lld ms",
                    e->status ? "HTTP " : "", e->status,
                    e->reason[0] ? " " : "", e->reason, e->message,
                    attempt + 1, b->retries, (long long) delay);
        zt_http_sleep_ms(delay);
    }
}


/*
 * One job: jobs.query, then getQueryResults until complete and every page
 * read.  *polled is 1 while the job is polled before its first row, 2 once
 * row() had rows.
 */
static int
zt_bq_job(zt_bq_t *b, const char *sql, json_t *params, zt_bq_row_pt row,
    void *data, int64_t *dml, int *polled, zt_bq_err_t *e)
{
    int          rc;
    long         wait;
    char         path[2048], tok[1024], rid[37];
    json_t      *req, *ans;
    int64_t      deadline;
    const char  *job, *loc, *pt;

    /* BigQuery holds the answer up to timeoutMs: well inside ours */
    wait = b->timeout_ms / 2 < 10000 ? b->timeout_ms / 2 : 10000;
    zt_bq_request_id(rid);

    req = json_pack("{s:s, s:b, s:i, s:i, s:s, s:s}", "query", sql,
                    "useLegacySql", 0, "timeoutMs", (int) wait,
                    "maxResults", 10000, "requestId", rid,
                    "location", b->location);
    if (req && params) {
        json_object_set_new(req, "parameterMode", json_string("NAMED"));
        json_object_set(req, "queryParameters", params);
    }

    rc = req ? zt_bq_job_start(b, req, &ans, e) : ZT_RETRY;
    json_decref(req);

    if (rc != ZT_OK) {
        return rc;
    }

    deadline = zt_time_now_ms() + ZT_BQ_QUERY_WAIT_S * 1000LL;
    tok[0] = '\0';
    path[0] = '\0';

    for ( ;; ) {
        if (json_is_true(json_object_get(ans, "jobComplete"))) {
            /* an int64 sent as a string, like every BigQuery count */
            pt = json_string_value(json_object_get(ans,
                                                   "numDmlAffectedRows"));
            if (dml && pt) {
                *dml = strtoll(pt, NULL, 10);
            }
            *polled = 2;
            rc = zt_bq_rows(ans, row, data, e);
            pt = json_string_value(json_object_get(ans, "pageToken"));
            if (rc != ZT_OK || pt == NULL) {
                json_decref(ans);
                return rc;
            }
            if (zt_gcs_encode(pt, tok, sizeof(tok)) != ZT_OK) {
                json_decref(ans);
                snprintf(e->message, sizeof(e->message), "bad pageToken");
                return ZT_ERROR;
            }

        } else if (zt_time_now_ms() > deadline) {
            json_decref(ans);
            snprintf(e->message, sizeof(e->message), "query still running "
                     "after %d s", ZT_BQ_QUERY_WAIT_S);
            return ZT_RETRY;

        } else {
            zt_http_sleep_ms(ZT_BQ_POLL_MS);
        }

        if (path[0] == '\0') {
            job = json_string_value(json_object_get(
                      json_object_get(ans, "jobReference"), "jobId"));
            loc = json_string_value(json_object_get(
                      json_object_get(ans, "jobReference"), "location"));
            loc = loc ? loc : b->location;
            if (job == NULL) {
                json_decref(ans);
                snprintf(e->message, sizeof(e->message),
                         "query answer has no jobReference");
                return ZT_RETRY;
            }
            snprintf(path, sizeof(path), "/queries/%s?timeoutMs=%ld"
                     "&maxResults=10000%s%s", job, wait,
                     loc ? "&location=" : "", loc ? loc : "");
        }

        json_decref(ans);

        {
            char  p2[3200];

            snprintf(p2, sizeof(p2), "%s%s%s", path,
                     tok[0] ? "&pageToken=" : "", tok);
            *polled = *polled ? *polled : 1;
            rc = zt_bq_call(b, "GET", p2, NULL, &ans, e);
        }

        if (rc != ZT_OK) {
            return rc;
        }
    }
}


/*
 * jobs.query, sent again after a transient answer.  A lost answer (no
 * status, 408) keeps the requestId, so a job that did start is not run
 * twice; after an answer the request was processed (a job that failed
 * within timeoutMs, which the same requestId would only get back), so the
 * next one carries a new requestId.
 */
static int
zt_bq_job_start(zt_bq_t *b, json_t *req, json_t **ans, zt_bq_err_t *e)
{
    int    rc, attempt;
    char  *data, rid[37];

    for (attempt = 0; /* void */ ; attempt++) {
        data = json_dumps(req, JSON_COMPACT);
        if (data == NULL) {
            memset(e, 0, sizeof(zt_bq_err_t));
            snprintf(e->message, sizeof(e->message), "out of memory");
            return ZT_RETRY;
        }

        rc = zt_bq_send(b, "POST", "/queries", data, 2, ans, e);
        free(data);

        if (rc != ZT_RETRY || attempt >= b->retries) {
            return rc;
        }

        if (e->status != 0 && e->status != 408) {
            zt_bq_request_id(rid);
            json_object_set_new(req, "requestId", json_string(rid));
        }

        zt_bq_backoff(b, "POST", "/queries", attempt, e);
    }
}


/*
 * A random version 4 UUID: jobs.query's requestId, so that a query sent
 * again after a lost answer runs once (BigQuery keeps the id 15 minutes).
 */
static void
zt_bq_request_id(char out[37])
{
    int            i;
    unsigned char  r[16];

    if (getrandom(r, sizeof(r), 0) != (ssize_t) sizeof(r)) {
        for (i = 0; i < 16; i++) {
            r[i] = (unsigned char) (lrand48() >> 8);
        }
    }

    r[6] = (unsigned char) ((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char) ((r[8] & 0x3f) | 0x80);

    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
             r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14],
             r[15]);
}
