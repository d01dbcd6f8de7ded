/*
 * zt_gcs: Cloud Storage JSON API client (see zt_gcs.h): the client, reads,
 * lists and deletes, one request each; the uploads are zt_gcs_put.c's.
 * Only object names and statuses reach the log, never headers.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_log.h"
#include "zt_gcs_int.h"
#include "zt_google.h"


static int zt_gcs_simple(zt_gcs_t *g, const char *method, const char *url,
    zt_http_resp_t *resp);
static int zt_gcs_once(zt_gcs_t *g, const char *method, const char *url,
    zt_http_resp_t *resp);


zt_gcs_t *
zt_gcs_create(const zt_conf_t *conf, const char *bucket, int inflight,
    char *err, size_t errlen)
{
    zt_gcs_t    *g;
    const char  *ep, *emu;
    char         buf[1024];

    if (bucket == NULL || bucket[0] == '\0') {
        snprintf(err, errlen, "no bucket configured");
        return NULL;
    }

    if (zt_http_global_init() != ZT_OK) {
        snprintf(err, errlen, "libcurl initialisation failed");
        return NULL;
    }

    g = calloc(1, sizeof(zt_gcs_t));
    if (g == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    /* zt_gcs_destroy() must not close fd 0 when create fails early */
    g->epfd = -1;

    /* the emulator convention holds only where its endpoint is used */
    emu = zt_gcs_emulated(conf) ? getenv("STORAGE_EMULATOR_HOST") : NULL;
    ep = zt_conf_get(conf, "google", "storage_endpoint");

    if (ep[0] == '\0') {
        ep = emu ? emu : "https://storage.googleapis.com";
    }

    /* the emulator convention allows a bare host:port */
    snprintf(buf, sizeof(buf), "%s%s", strstr(ep, "://") ? "" : "http://",
             ep);
    while (buf[0] && buf[strlen(buf) - 1] == '/') {
        buf[strlen(buf) - 1] = '\0';
    }

    g->endpoint = strdup(buf);
    g->bucket = strdup(bucket);
    g->inflight = inflight > 0 ? inflight : 1;

    if (zt_google_limits(conf, &g->timeout_ms, &g->retries, err, errlen)
        != ZT_OK)
    {
        zt_gcs_destroy(g);
        return NULL;
    }

    if (g->endpoint == NULL || g->bucket == NULL
        || zt_gcs_put_init(g) != ZT_OK
        || zt_http_init(&g->http, g->timeout_ms, g->retries) != ZT_OK)
    {
        snprintf(err, errlen, "out of memory");
        zt_gcs_destroy(g);
        return NULL;
    }

    g->auth = zt_gauth_acquire(conf, err, errlen);
    if (g->auth == NULL) {
        zt_gcs_destroy(g);
        return NULL;
    }

    if (emu && zt_gauth_implicit(g->auth)) {
        zt_gauth_release(g->auth);
        g->auth = NULL;
    }

    return g;
}


int
zt_gcs_emulated(const zt_conf_t *conf)
{
    const char  *emu;

    emu = getenv("STORAGE_EMULATOR_HOST");

    return emu && emu[0]
           && zt_conf_get(conf, "google", "storage_endpoint")[0] == '\0';
}


void
zt_gcs_destroy(zt_gcs_t *g)
{
    if (g == NULL) {
        return;
    }

    zt_gcs_put_cleanup(g);
    zt_http_cleanup(&g->http);
    zt_gauth_release(g->auth);
    memset(g->authhdr, 0, sizeof(g->authhdr));
    free(g->endpoint);
    free(g->bucket);
    free(g);
}


const char *
zt_gcs_endpoint(const zt_gcs_t *g)
{
    return g->endpoint;
}


const char *
zt_gcs_bucket(const zt_gcs_t *g)
{
    return g->bucket;
}


const char *
zt_gcs_auth(const zt_gcs_t *g)
{
    return g->auth ? zt_gauth_describe(g->auth) : "no auth (emulator)";
}


int
zt_gcs_encode(const char *s, char *out, size_t outlen)
{
    size_t  o;

    static const char  hex[] = "0123456789ABCDEF";

    for (o = 0; *s; s++) {
        if (o + 4 > outlen) {
            return ZT_ERROR;
        }

        if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')
            || (*s >= '0' && *s <= '9') || *s == '-' || *s == '.'
            || *s == '_' || *s == '~')
        {
            out[o++] = *s;

        } else {
            out[o++] = '%';
            out[o++] = hex[(unsigned char) *s >> 4];
            out[o++] = hex[(unsigned char) *s & 15];
        }
    }

    out[o] = '\0';
    return ZT_OK;
}


int
zt_gcs_header(zt_gcs_t *g, char *err, size_t errlen)
{
    if (g->auth == NULL) {
        g->authhdr[0] = '\0';
        return ZT_OK;
    }

    return zt_gauth_header(g->auth, g->authhdr, sizeof(g->authhdr), err,
                           errlen);
}


void
zt_gcs_error_text(const char *body, size_t len, char *out, size_t outlen)
{
    size_t       i;
    json_t      *j;
    const char  *m;

    out[0] = '\0';

    if (body == NULL || len == 0) {
        return;
    }

    j = json_loadb(body, len, 0, NULL);
    m = json_string_value(json_object_get(json_object_get(j, "error"),
                                          "message"));
    snprintf(out, outlen, "%.*s", m ? (int) strlen(m) : (int) len,
             m ? m : body);
    json_decref(j);

    for (i = 0; out[i]; i++) {
        if (out[i] == '\n' || out[i] == '\r') {
            out[i] = ' ';
        }
    }
}


/*
 * method url with the auth header; one fresh token after a 401.  Reads,
 * lists and deletes are the command-line tools' (retention, backfill) and
 * idempotent: a transient answer (408, 429, 5xx, a transport error) is
 * sent again after Retry-After or a backoff, up to google.max_retries.
 */
static int
zt_gcs_simple(zt_gcs_t *g, const char *method, const char *url,
    zt_http_resp_t *resp)
{
    int  rc, attempt;

    for (attempt = 0; /* void */ ; attempt++) {
        rc = zt_gcs_once(g, method, url, resp);
        if (rc != ZT_RETRY || attempt >= g->retries) {
            return rc;
        }

        if (zt_http_retry_wait(&g->http, attempt, resp, "gcs") != ZT_RETRY) {
            return rc;
        }

        zt_http_resp_free(resp);
    }
}


static int
zt_gcs_once(zt_gcs_t *g, const char *method, const char *url,
    zt_http_resp_t *resp)
{
    int          rc, attempt;
    char         err[512];
    const char  *hdrs[2];

    for (attempt = 0; attempt < 2; attempt++) {
        rc = zt_gcs_header(g, err, sizeof(err));
        if (rc != ZT_OK) {
            memset(resp, 0, sizeof(zt_http_resp_t));
            snprintf(resp->error, sizeof(resp->error), "%.200s", err);
            return rc;
        }

        hdrs[0] = g->authhdr[0] ? g->authhdr : NULL;
        hdrs[1] = NULL;

        rc = zt_http_perform(&g->http, method, url, hdrs, NULL, resp);
        if (resp->status != 401 || g->auth == NULL || attempt) {
            return rc;
        }

        zt_gauth_expire(g->auth, g->authhdr);
        zt_http_resp_free(resp);
    }

    return rc;
}


int
zt_gcs_get(zt_gcs_t *g, const char *name, zt_http_resp_t *resp)
{
    char  url[ZT_GCS_URL_MAX], enc[ZT_GCS_URL_MAX / 2];

    if (zt_gcs_encode(name, enc, sizeof(enc)) != ZT_OK) {
        memset(resp, 0, sizeof(zt_http_resp_t));
        snprintf(resp->error, sizeof(resp->error), "name too long");
        return ZT_ERROR;
    }

    snprintf(url, sizeof(url), "%s/storage/v1/b/%s/o/%s?alt=media",
             g->endpoint, g->bucket, enc);

    return zt_gcs_simple(g, "GET", url, resp);
}


int
zt_gcs_list(zt_gcs_t *g, const char *prefix, const char *delimiter,
    const char *page_token, int max_results, zt_http_resp_t *resp)
{
    int   n;
    char  url[ZT_GCS_URL_MAX], p[1024], d[64], t[1024];

    if (zt_gcs_encode(prefix ? prefix : "", p, sizeof(p)) != ZT_OK
        || zt_gcs_encode(delimiter ? delimiter : "", d, sizeof(d)) != ZT_OK
        || zt_gcs_encode(page_token ? page_token : "", t, sizeof(t))
           != ZT_OK)
    {
        memset(resp, 0, sizeof(zt_http_resp_t));
        snprintf(resp->error, sizeof(resp->error), "list arguments too long");
        return ZT_ERROR;
    }

    n = snprintf(url, sizeof(url), "%s/storage/v1/b/%s/o?prefix=%s",
                 g->endpoint, g->bucket, p);
    if (d[0]) {
        n += snprintf(url + n, sizeof(url) - n, "&delimiter=%s", d);
    }
    if (t[0]) {
        n += snprintf(url + n, sizeof(url) - n, "&pageToken=%s", t);
    }
    if (max_results > 0) {
        snprintf(url + n, sizeof(url) - n, "&maxResults=%d", max_results);
    }

    return zt_gcs_simple(g, "GET", url, resp);
}


int
zt_gcs_delete(zt_gcs_t *g, const char *name, zt_http_resp_t *resp)
{
    int   rc;
    char  url[ZT_GCS_URL_MAX], enc[ZT_GCS_URL_MAX / 2];

    if (zt_gcs_encode(name, enc, sizeof(enc)) != ZT_OK) {
        memset(resp, 0, sizeof(zt_http_resp_t));
        snprintf(resp->error, sizeof(resp->error), "name too long");
        return ZT_ERROR;
    }

    snprintf(url, sizeof(url), "%s/storage/v1/b/%s/o/%s", g->endpoint,
             g->bucket, enc);

    rc = zt_gcs_simple(g, "DELETE", url, resp);

    /* gone already (an earlier run, a lifecycle rule): what was asked */
    return resp->status == 404 ? ZT_OK : rc;
}


int
zt_gcs_list_all(zt_gcs_t *g, const char *prefix, const char *delimiter,
    zt_gcs_name_pt cb, void *data, char *err, size_t errlen)
{
    int              rc;
    char             tok[1024];
    size_t           i;
    json_t          *j, *o;
    const char      *nt, *name;
    zt_http_resp_t   resp;

    tok[0] = '\0';

    do {
        rc = zt_gcs_list(g, prefix, delimiter, tok[0] ? tok : NULL, 1000,
                         &resp);
        if (rc != ZT_OK) {
            if (resp.status) {
                zt_gcs_error_text(resp.body, resp.len, tok, sizeof(tok));
            }
            snprintf(err, errlen, "listing gs://%s/%s: %s%ld %.300s",
                     g->bucket, prefix, resp.status ? "status " : "",
                     resp.status, resp.status ? tok : resp.error);
            zt_http_resp_free(&resp);
            return rc;
        }

        j = json_loadb(resp.body ? resp.body : "", resp.len, 0, NULL);
        zt_http_resp_free(&resp);

        if (j == NULL) {
            snprintf(err, errlen, "listing gs://%s/%s: answer is not JSON",
                     g->bucket, prefix);
            return ZT_RETRY;
        }

        json_array_foreach(json_object_get(j, "prefixes"), i, o) {
            name = json_string_value(o);
            if (name && rc == ZT_OK) {
                rc = cb(data, name, 1);
            }
        }

        json_array_foreach(json_object_get(j, "items"), i, o) {
            name = json_string_value(json_object_get(o, "name"));
            if (name && rc == ZT_OK) {
                rc = cb(data, name, 0);
            }
        }

        nt = json_string_value(json_object_get(j, "nextPageToken"));
        snprintf(tok, sizeof(tok), "%s", nt ? nt : "");
        json_decref(j);

        if (rc != ZT_OK) {
            snprintf(err, errlen, "listing gs://%s/%s: stopped", g->bucket,
                     prefix);
            return rc;
        }

    } while (tok[0]);

    return ZT_OK;
}
