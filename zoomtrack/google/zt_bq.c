/*
 * zt_bq: BigQuery REST client (see zt_bq.h).  One easy handle per client,
 * reused (keep-alive); JSON in and out through jansson.  Error texts carry
 * BigQuery's message and reason, never headers.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_http.h"
#include "zt_log.h"
#include "zt_gauth.h"
#include "zt_gcs.h"
#include "zt_google.h"
#include "zt_bq_int.h"


static int zt_bq_answer(zt_http_resp_t *resp, int rc, json_t **out,
    zt_bq_err_t *e);
static int zt_bq_transient(const char *reason);


zt_bq_t *
zt_bq_create(const zt_conf_t *conf, char *err, size_t errlen)
{
    int          retries;
    long         timeout;
    char         buf[1024];
    zt_bq_t     *b;
    const char  *project, *ep;

    project = zt_conf_get(conf, "warehouse", "project");
    if (project[0] == '\0') {
        snprintf(err, errlen, "warehouse.backend = bigquery needs "
                 "warehouse.project");
        return NULL;
    }

    if (zt_google_limits(conf, &timeout, &retries, err, errlen) != ZT_OK) {
        return NULL;
    }

    if (zt_http_global_init() != ZT_OK) {
        snprintf(err, errlen, "libcurl initialisation failed");
        return NULL;
    }

    b = calloc(1, sizeof(zt_bq_t));
    if (b == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    ep = zt_conf_get(conf, "google", "bigquery_endpoint");
    snprintf(buf, sizeof(buf), "%s", ep);
    while (buf[0] && buf[strlen(buf) - 1] == '/') {
        buf[strlen(buf) - 1] = '\0';
    }

    b->timeout_ms = timeout;
    b->retries = retries;
    b->endpoint = strdup(buf);
    b->project = strdup(project);
    b->dataset = strdup(zt_conf_get(conf, "warehouse", "dataset"));
    b->location = strdup(zt_conf_get(conf, "warehouse", "location"));

    if (b->endpoint == NULL || b->project == NULL || b->dataset == NULL
        || b->location == NULL
        || zt_http_init(&b->http, timeout, 0) != ZT_OK)
    {
        snprintf(err, errlen, "out of memory");
        zt_bq_destroy(b);
        return NULL;
    }

    b->auth = zt_gauth_acquire(conf, err, errlen);
    if (b->auth == NULL) {
        zt_bq_destroy(b);
        return NULL;
    }

    return b;
}


void
zt_bq_destroy(zt_bq_t *b)
{
    int  i;

    if (b == NULL) {
        return;
    }

    for (i = 0; i < ZT_BQ_PAR_MAX; i++) {
        if (b->slots[i].c) {
            curl_easy_cleanup(b->slots[i].c);
        }
    }

    if (b->multi) {
        curl_multi_cleanup(b->multi);
    }

    zt_http_cleanup(&b->http);
    zt_gauth_release(b->auth);
    memset(b->authhdr, 0, sizeof(b->authhdr));
    free(b->endpoint);
    free(b->project);
    free(b->dataset);
    free(b->location);
    free(b);
}


const char *
zt_bq_project(const zt_bq_t *b)
{
    return b->project;
}


const char *
zt_bq_location(const zt_bq_t *b)
{
    return b->location;
}


const char *
zt_bq_dataset(const zt_bq_t *b)
{
    return b->dataset;
}


const char *
zt_bq_auth(const zt_bq_t *b)
{
    return zt_gauth_describe(b->auth);
}


int
zt_bq_call(zt_bq_t *b, const char *method, const char *path, json_t *body,
    json_t **out, zt_bq_err_t *e)
{
    int    rc;
    char  *data;

    data = body ? json_dumps(body, JSON_COMPACT) : NULL;
    if (body && data == NULL) {
        memset(e, 0, sizeof(zt_bq_err_t));
        snprintf(e->message, sizeof(e->message), "out of memory");
        if (out) {
            *out = NULL;
        }
        return ZT_RETRY;
    }

    rc = zt_bq_call_raw(b, method, path, data, out, e);
    free(data);

    return rc;
}


/*
 * The command-line tools' calls (queries, setup, check): a transient answer
 * (408, 429, 5xx, a transport error, a rate limit) is sent again after a
 * backoff, up to google.max_retries times, as Google asks of its clients.
 * The drainer's sink does not come here: its engine owns retry.
 */
int
zt_bq_call_raw(zt_bq_t *b, const char *method, const char *path,
    const char *data, json_t **out, zt_bq_err_t *e)
{
    int  rc, attempt;

    for (attempt = 0; /* void */ ; attempt++) {
        rc = zt_bq_send(b, method, path, data, 2, out, e);
        if (rc != ZT_RETRY || attempt >= b->retries) {
            return rc;
        }

        zt_bq_backoff(b, method, path, attempt, e);
    }
}


void
zt_bq_backoff(zt_bq_t *b, const char *method, const char *path,
    int attempt, const zt_bq_err_t *e)
{
    int64_t  delay;

    delay = zt_http_backoff_ms(attempt, ZT_HTTP_BACKOFF_BASE_MS,
                               ZT_HTTP_BACKOFF_CAP_MS, drand48());
    zt_log_warn("bigquery: %s %.*s: %s%.0ld%s%s%s, retry %d/%d in "
                "%lld ms", method, (int) strcspn(path, "?"), path,
                e->status ? "HTTP " : "", e->status,
                e->reason[0] ? " " : "", e->reason,
                e->status ? "" : e->message, attempt + 1, b->retries,
                (long long) delay);
    zt_http_sleep_ms(delay);
}


/*
 * One call, sent again after a 401 with a fresh token while tries last:
 * a second 401 is an answer (the credentials are refused), not a reason
 * to fetch token after token.
 */
int
zt_bq_send(zt_bq_t *b, const char *method, const char *path,
    const char *data, int tries, json_t **out, zt_bq_err_t *e)
{
    int              rc, attempt;
    char             url[ZT_BQ_URL_MAX], err[512];
    const char      *hdrs[4];
    zt_http_resp_t   resp;

    memset(e, 0, sizeof(zt_bq_err_t));
    if (out) {
        *out = NULL;
    }

    if (snprintf(url, sizeof(url), "%s/bigquery/v2/projects/%s%s",
                 b->endpoint, b->project, path)
        >= (int) sizeof(url))
    {
        snprintf(e->message, sizeof(e->message), "URL too long");
        return ZT_ERROR;
    }

    rc = ZT_ERROR;

    for (attempt = 0; attempt < tries; attempt++) {
        rc = zt_gauth_header(b->auth, b->authhdr, sizeof(b->authhdr), err,
                             sizeof(err));
        if (rc != ZT_OK) {
            snprintf(e->message, sizeof(e->message), "no access token: %.400s",
                     err);
            break;
        }

        /* no 100-continue round trip before a large insertAll */
        hdrs[0] = b->authhdr;
        hdrs[1] = "Expect:";
        hdrs[2] = data ? "Content-Type: application/json" : NULL;
        hdrs[3] = NULL;

        rc = zt_http_perform(&b->http, method, url, hdrs, data, &resp);

        if (resp.status == 401 && attempt + 1 < tries) {
            zt_gauth_expire(b->auth, b->authhdr);
            zt_http_resp_free(&resp);
            continue;
        }

        rc = zt_bq_answer(&resp, rc, out, e);
        break;
    }

    return rc;
}


/* the answer as JSON, or BigQuery's error in e; frees resp */
static int
zt_bq_answer(zt_http_resp_t *resp, int rc, json_t **out, zt_bq_err_t *e)
{
    json_t      *j, *err, *errs;
    const char  *m, *r;

    e->status = resp->status;

    if (resp->status == 0) {
        snprintf(e->message, sizeof(e->message), "%s", resp->error);
        zt_http_resp_free(resp);
        return ZT_RETRY;
    }

    j = resp->body ? json_loadb(resp->body, resp->len, 0, NULL) : NULL;

    if (rc == ZT_OK) {
        if (j == NULL && resp->len) {
            snprintf(e->message, sizeof(e->message), "answer is not JSON");
            zt_http_resp_free(resp);
            return ZT_RETRY;
        }

        if (out) {
            *out = j;

        } else {
            json_decref(j);
        }

        zt_http_resp_free(resp);
        return ZT_OK;
    }

    err = json_object_get(j, "error");
    errs = json_object_get(err, "errors");
    m = json_string_value(json_object_get(err, "message"));
    r = json_string_value(json_object_get(json_array_get(errs, 0),
                                          "reason"));

    snprintf(e->reason, sizeof(e->reason), "%s", r ? r : "");

    /* BigQuery says "slow down" or "try again" with a 403 or 400 too */
    if (rc == ZT_ERROR && r && zt_bq_transient(r)) {
        rc = ZT_RETRY;
    }

    if (m) {
        snprintf(e->message, sizeof(e->message), "%s", m);

    } else {
        zt_gcs_error_text(resp->body, resp->len, e->message,
                          sizeof(e->message));
    }

    json_decref(j);
    zt_http_resp_free(resp);

    return rc;
}


/*
 * Google's error reasons that mean "retry with backoff" whatever the
 * status: rate limits and quotas (403), and its own failures, also a query
 * job's own ("The job encountered an error during execution. Retrying the
 * job may solve the problem.", sent as a 400).
 */
static int
zt_bq_transient(const char *reason)
{
    static const char  *transient[] = {
        "rateLimitExceeded", "quotaExceeded", "backendError",
        "internalError", "jobBackendError", "jobInternalError",
        "jobRateLimitExceeded", NULL
    };
    const char        **t;

    for (t = transient; *t; t++) {
        if (strcmp(reason, *t) == 0) {
            return 1;
        }
    }

    return 0;
}


int
zt_bq_insert_all(zt_bq_t *b, const char *table, json_t *rows, json_t **out,
    zt_bq_err_t *e)
{
    int      rc;
    char     path[1024];
    json_t  *body;

    snprintf(path, sizeof(path), "/datasets/%s/tables/%s/insertAll",
             b->dataset, table);

    body = json_pack("{s:s, s:b, s:b, s:O}",
                     "kind", "bigquery#tableDataInsertAllRequest",
                     "skipInvalidRows", 0, "ignoreUnknownValues", 0,
                     "rows", rows);
    if (body == NULL) {
        memset(e, 0, sizeof(zt_bq_err_t));
        snprintf(e->message, sizeof(e->message), "out of memory");
        return ZT_RETRY;
    }

    rc = zt_bq_call(b, "POST", path, body, out, e);
    json_decref(body);

    return rc;
}


/* adds request i on slot s; ZT_OK or ZT_ERROR */
static int
zt_bq_start(zt_bq_t *b, zt_bq_slot_t *s, const char *url, const char *body)
{
    struct curl_slist  *l;

    if (s->c == NULL) {
        s->c = curl_easy_init();
        if (s->c == NULL) {
            return ZT_ERROR;
        }
    }

    curl_easy_reset(s->c);
    memset(&s->resp, 0, sizeof(zt_http_resp_t));

    l = curl_slist_append(NULL, b->authhdr);
    l = l ? curl_slist_append(l, "Expect:") : NULL;
    l = l ? curl_slist_append(l, "Content-Type: application/json") : NULL;
    if (l == NULL) {
        return ZT_ERROR;
    }
    s->hdrs = l;

    curl_easy_setopt(s->c, CURLOPT_URL, url);
    curl_easy_setopt(s->c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(s->c, CURLOPT_NOSIGNAL, 1L);
    zt_http_timeouts(&b->http, s->c);
    curl_easy_setopt(s->c, CURLOPT_USERAGENT, "zoomtrack/1");
    curl_easy_setopt(s->c, CURLOPT_HTTPHEADER, s->hdrs);
    curl_easy_setopt(s->c, CURLOPT_HTTP_VERSION,
                     (long) CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(s->c, CURLOPT_POST, 1L);
    curl_easy_setopt(s->c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(s->c, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t) strlen(body));
    curl_easy_setopt(s->c, CURLOPT_WRITEFUNCTION, zt_http_collect);
    curl_easy_setopt(s->c, CURLOPT_WRITEDATA, &s->resp);
    curl_easy_setopt(s->c, CURLOPT_ERRORBUFFER, s->resp.error);
    curl_easy_setopt(s->c, CURLOPT_PRIVATE, s);

    if (curl_multi_add_handle(b->multi, s->c) != CURLM_OK) {
        curl_slist_free_all(s->hdrs);
        s->hdrs = NULL;
        return ZT_ERROR;
    }

    return ZT_OK;
}


int
zt_bq_post_many(zt_bq_t *b, const char *path, zt_bq_req_t *reqs, size_t n)
{
    int             running, left, rc;
    char            url[ZT_BQ_URL_MAX], err[512];
    char            used[ZT_GAUTH_HEADER_MAX];
    size_t          i;
    CURLMsg        *msg;
    zt_bq_slot_t   *s;

    if (n > ZT_BQ_PAR_MAX) {
        return ZT_ERROR;
    }

    for (i = 0; i < n; i++) {
        memset(&reqs[i].err, 0, sizeof(zt_bq_err_t));
        reqs[i].ans = NULL;
        reqs[i].rc = ZT_RETRY;
    }

    if (b->multi == NULL) {
        b->multi = curl_multi_init();
        if (b->multi == NULL) {
            return ZT_ERROR;
        }
        curl_multi_setopt(b->multi, CURLMOPT_PIPELINING,
                          (long) CURLPIPE_MULTIPLEX);
    }

    snprintf(url, sizeof(url), "%s/bigquery/v2/projects/%s%s", b->endpoint,
             b->project, path);

    rc = zt_gauth_header(b->auth, b->authhdr, sizeof(b->authhdr), err,
                         sizeof(err));
    if (rc != ZT_OK) {
        for (i = 0; i < n; i++) {
            reqs[i].rc = rc;
            snprintf(reqs[i].err.message, sizeof(reqs[i].err.message),
                     "no access token: %.400s", err);
        }
        return ZT_OK;
    }

    /* the token these requests carry: a 401 drops this one, no newer */
    memcpy(used, b->authhdr, sizeof(used));
    running = 0;

    for (i = 0; i < n; i++) {
        if (zt_bq_start(b, &b->slots[i], url, reqs[i].body) != ZT_OK) {
            snprintf(reqs[i].err.message, sizeof(reqs[i].err.message),
                     "out of memory");
            continue;
        }
        running++;
    }

    while (running) {
        if (curl_multi_perform(b->multi, &left) != CURLM_OK) {
            break;
        }

        while ((msg = curl_multi_info_read(b->multi, &left))) {
            if (msg->msg != CURLMSG_DONE) {
                continue;
            }

            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &s);
            i = (size_t) (s - b->slots);

            s->resp.status = 0;
            if (msg->data.result == CURLE_OK) {
                curl_easy_getinfo(s->c, CURLINFO_RESPONSE_CODE,
                                  &s->resp.status);

            } else if (s->resp.error[0] == '\0') {
                snprintf(s->resp.error, sizeof(s->resp.error), "%s",
                         curl_easy_strerror(msg->data.result));
            }

            curl_multi_remove_handle(b->multi, s->c);
            curl_slist_free_all(s->hdrs);
            s->hdrs = NULL;
            running--;

            if (s->resp.status == 401) {
                /* an expired token: this one again, alone, once */
                zt_http_resp_free(&s->resp);
                zt_gauth_expire(b->auth, used);
                reqs[i].rc = zt_bq_send(b, "POST", path, reqs[i].body, 1,
                                        &reqs[i].ans, &reqs[i].err);
                continue;
            }

            reqs[i].rc = zt_bq_answer(&s->resp,
                                      zt_http_classify(s->resp.status),
                                      &reqs[i].ans, &reqs[i].err);
        }

        if (running && curl_multi_poll(b->multi, NULL, 0, 1000, NULL)
                       != CURLM_OK)
        {
            break;
        }
    }

    /* only after a curl multi failure: requests left unanswered */
    for (i = 0; i < n; i++) {
        s = &b->slots[i];
        if (s->hdrs) {
            curl_multi_remove_handle(b->multi, s->c);
            curl_slist_free_all(s->hdrs);
            s->hdrs = NULL;
            zt_http_resp_free(&s->resp);
            reqs[i].rc = ZT_RETRY;
            snprintf(reqs[i].err.message, sizeof(reqs[i].err.message),
                     "curl multi failed");
        }
    }

    explicit_bzero(used, sizeof(used));

    return ZT_OK;
}
