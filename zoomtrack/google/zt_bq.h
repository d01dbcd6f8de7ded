/*
 * zt_bq: a BigQuery REST client (v2) for the warehouse sink, the report's
 * event source, setup, check and backfill.  Calls go to
 * [google] bigquery_endpoint + /bigquery/v2/projects/PROJECT...; every
 * call carries a token from zt_gauth (a 401 drops it and the call is sent
 * once more).  Statuses map as in zt_http: 2xx ZT_OK; 408, 429, 5xx and
 * transport errors ZT_RETRY; other 4xx ZT_ERROR.  One client per thread.
 */

#ifndef ZT_BQ_H
#define ZT_BQ_H


#include <jansson.h>

#include "zt_core.h"
#include "zt_conf.h"


/* BigQuery's documented insertAll limits, with headroom under 10 MB */
#define ZT_BQ_ROWS_MAX   500
#define ZT_BQ_MB_MAX     9
#define ZT_BQ_BYTES_MAX  (ZT_BQ_MB_MAX * 1024 * 1024)


typedef struct zt_bq_s  zt_bq_t;


typedef struct {
    long   status;          /* HTTP status; 0: no answer */
    char   reason[64];      /* BigQuery's error reason ("notFound"), or "" */
    char   message[512];    /* what went wrong, never a credential */
} zt_bq_err_t;


/* [warehouse] project (required) and dataset; NULL + err on a bad config */
zt_bq_t *zt_bq_create(const zt_conf_t *conf, char *err, size_t errlen);
void zt_bq_destroy(zt_bq_t *b);

const char *zt_bq_project(const zt_bq_t *b);
const char *zt_bq_dataset(const zt_bq_t *b);
/* [warehouse] location: where setup creates the dataset, jobs run */
const char *zt_bq_location(const zt_bq_t *b);
const char *zt_bq_auth(const zt_bq_t *b);

/*
 * method path (below /bigquery/v2/projects/PROJECT; already encoded) with
 * an optional JSON body.  On ZT_OK *out (if out) is the parsed answer (the
 * caller decrefs it).  ZT_OK, ZT_RETRY or ZT_ERROR, e filled on failure.
 */
int zt_bq_call(zt_bq_t *b, const char *method, const char *path,
    json_t *body, json_t **out, zt_bq_err_t *e);

/* the same with a body already serialised (data may be NULL) */
int zt_bq_call_raw(zt_bq_t *b, const char *method, const char *path,
    const char *data, json_t **out, zt_bq_err_t *e);

/*
 * Several POSTs of serialised bodies to path at once (one curl multi
 * handle, reused connections), so the server works on one while the
 * caller's next is on the wire.  Each request gets its own result as
 * zt_bq_call_raw() would give it; a 401 drops the token and that request
 * is sent once more.
 */
typedef struct {
    const char   *body;         /* in */
    int           rc;           /* out: ZT_OK, ZT_RETRY or ZT_ERROR */
    json_t       *ans;          /* out on ZT_OK: the answer (decref it) */
    zt_bq_err_t   err;          /* out otherwise */
} zt_bq_req_t;

int zt_bq_post_many(zt_bq_t *b, const char *path, zt_bq_req_t *reqs,
    size_t n);

/*
 * tabledata.insertAll of rows (an array of {"insertId", "json"}) into
 * DATASET.table.  As zt_bq_call(); *out holds insertErrors if any.
 */
int zt_bq_insert_all(zt_bq_t *b, const char *table, json_t *rows,
    json_t **out, zt_bq_err_t *e);

/*
 * jobs.query (GoogleSQL, named parameters params: an array of
 * queryParameters, may be NULL), polling jobs.getQueryResults until
 * jobComplete and following pageToken (zt_bq_query.c).  A job that failed
 * for a transient reason before its first row is run again as a new job
 * with a new requestId, up to google.max_retries times.  row() (NULL: a
 * statement without results) gets each row's "f" array (values as
 * BigQuery sends them: strings or null) and the schema's field array; a
 * non-ZT_OK return stops the query with that code.
 */
typedef int (*zt_bq_row_pt)(void *data, json_t *fields, json_t *schema);

int zt_bq_query(zt_bq_t *b, const char *sql, json_t *params,
    zt_bq_row_pt row, void *data, zt_bq_err_t *e);

/*
 * A DML statement (DELETE, UPDATE) as zt_bq_query(); *affected is
 * BigQuery's numDmlAffectedRows.
 */
int zt_bq_dml(zt_bq_t *b, const char *sql, json_t *params, int64_t *affected,
    zt_bq_err_t *e);

/* a STRING query parameter {"name", "parameterType", "parameterValue"} */
json_t *zt_bq_param(const char *name, const char *type, const char *value);


#endif /* ZT_BQ_H */
