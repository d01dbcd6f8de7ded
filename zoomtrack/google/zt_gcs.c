/*
 * zt_gcs: Cloud Storage JSON API client (see zt_gcs.h).  put_many() keeps
 * up to `inflight` media uploads running on one curl multi handle; the
 * easy handles are kept between calls and the multi handle keeps the
 * connections, so a steady drain reuses both.  Only object names and
 * statuses reach the log, never headers.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_log.h"
#include "zt_gcs.h"


#define ZT_GCS_URL_MAX    4096
#define ZT_GCS_ERRBODY    2048


typedef struct {
    CURL               *c;
    struct curl_slist  *hdrs;
    size_t              idx;          /* the put it carries */
    size_t              errlen;
    char                errbody[ZT_GCS_ERRBODY];
    char                curlerr[CURL_ERROR_SIZE];
} zt_gcs_slot_t;


struct zt_gcs_s {
    char            *endpoint;
    char            *bucket;
    zt_gauth_t      *auth;           /* NULL: no auth (emulator) */
    long             timeout_ms;
    int              inflight;
    CURLM           *multi;
    zt_gcs_slot_t   *slots;
    zt_http_t        http;           /* gets and lists */
    char             authhdr[ZT_GAUTH_HEADER_MAX];
};


static int zt_gcs_header(zt_gcs_t *g, char *err, size_t errlen);
static int zt_gcs_round(zt_gcs_t *g, zt_gcs_put_t *puts, size_t n,
    int if_absent, int only401);
static int zt_gcs_start(zt_gcs_t *g, zt_gcs_slot_t *s, zt_gcs_put_t *p,
    size_t idx, int if_absent);
static size_t zt_gcs_write_cb(char *ptr, size_t size, size_t nmemb,
    void *data);
static int zt_gcs_simple(zt_gcs_t *g, const char *method, const char *url,
    zt_http_resp_t *resp);


zt_gcs_t *
zt_gcs_create(const zt_conf_t *conf, const char *bucket, int inflight,
    char *err, size_t errlen)
{
    int64_t      t;
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

    emu = getenv("STORAGE_EMULATOR_HOST");
    ep = zt_conf_get(conf, "google", "storage_endpoint");

    if (ep[0] == '\0') {
        ep = emu && emu[0] ? emu : "https://storage.googleapis.com";
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
    g->slots = calloc((size_t) g->inflight, sizeof(zt_gcs_slot_t));
    g->multi = curl_multi_init();

    if (zt_conf_get_int(conf, "google", "timeout_ms", &t) != ZT_OK
        || t < 100)
    {
        snprintf(err, errlen, "google.timeout_ms must be a number >= 100");
        zt_gcs_destroy(g);
        return NULL;
    }
    g->timeout_ms = (long) t;

    if (g->endpoint == NULL || g->bucket == NULL || g->slots == NULL
        || g->multi == NULL
        || zt_http_init(&g->http, g->timeout_ms, 0) != ZT_OK)
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

    if (emu && emu[0] && zt_gauth_implicit(g->auth)) {
        zt_gauth_release(g->auth);
        g->auth = NULL;
    }

    curl_multi_setopt(g->multi, CURLMOPT_PIPELINING,
                      (long) CURLPIPE_MULTIPLEX);
    curl_multi_setopt(g->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                      (long) g->inflight);

    return g;
}


void
zt_gcs_destroy(zt_gcs_t *g)
{
    int  i;

    if (g == NULL) {
        return;
    }

    for (i = 0; g->slots && i < g->inflight; i++) {
        if (g->slots[i].c) {
            curl_easy_cleanup(g->slots[i].c);
        }
        curl_slist_free_all(g->slots[i].hdrs);
    }

    if (g->multi) {
        curl_multi_cleanup(g->multi);
    }

    zt_http_cleanup(&g->http);
    zt_gauth_release(g->auth);
    memset(g->authhdr, 0, sizeof(g->authhdr));
    free(g->slots);
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


/* refreshes g->authhdr ("" without auth) */
static int
zt_gcs_header(zt_gcs_t *g, char *err, size_t errlen)
{
    if (g->auth == NULL) {
        g->authhdr[0] = '\0';
        return ZT_OK;
    }

    return zt_gauth_header(g->auth, g->authhdr, sizeof(g->authhdr), err,
                           errlen);
}


int
zt_gcs_put_many(zt_gcs_t *g, zt_gcs_put_t *puts, size_t n, int if_absent,
    char *err, size_t errlen)
{
    int     rc;
    size_t  i;

    if (n == 0) {
        return ZT_OK;
    }

    rc = zt_gcs_header(g, err, errlen);
    if (rc != ZT_OK) {
        return rc;
    }

    for (i = 0; i < n; i++) {
        puts[i].status = -1;
        puts[i].error[0] = '\0';
    }

    if (zt_gcs_round(g, puts, n, if_absent, 0) != ZT_OK) {
        snprintf(err, errlen, "curl multi failed");
        return ZT_RETRY;
    }

    for (i = 0; i < n; i++) {
        if (puts[i].status == 401) {
            break;
        }
    }

    if (i == n || g->auth == NULL) {
        return ZT_OK;
    }

    /* the token was revoked or expired early: one fresh try */
    zt_gauth_expire(g->auth, g->authhdr);

    rc = zt_gcs_header(g, err, errlen);
    if (rc != ZT_OK) {
        return rc;
    }

    if (zt_gcs_round(g, puts, n, if_absent, 1) != ZT_OK) {
        snprintf(err, errlen, "curl multi failed");
        return ZT_RETRY;
    }

    return ZT_OK;
}


/* runs the puts (only those that got a 401 when only401) to an answer */
static int
zt_gcs_round(zt_gcs_t *g, zt_gcs_put_t *puts, size_t n, int if_absent,
    int only401)
{
    int             running, left, i, free_slot;
    long            status;
    size_t          next;
    CURLMsg        *msg;
    zt_gcs_slot_t  *s;
    zt_gcs_put_t   *p;

    next = 0;
    running = 0;

    for ( ;; ) {
        /* fill the free slots */
        for (i = 0; i < g->inflight && next < n; i++) {
            s = &g->slots[i];
            if (s->idx != 0) {
                continue;
            }

            while (next < n && only401 && puts[next].status != 401) {
                next++;
            }
            if (next == n) {
                break;
            }

            if (zt_gcs_start(g, s, &puts[next], next, if_absent) != ZT_OK) {
                return ZT_ERROR;
            }
            next++;
            running++;
        }

        if (running == 0) {
            return ZT_OK;
        }

        if (curl_multi_perform(g->multi, &left) != CURLM_OK) {
            return ZT_ERROR;
        }

        while ((msg = curl_multi_info_read(g->multi, &left))) {
            if (msg->msg != CURLMSG_DONE) {
                continue;
            }

            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &s);
            p = &puts[s->idx - 1];

            status = 0;
            if (msg->data.result == CURLE_OK) {
                curl_easy_getinfo(s->c, CURLINFO_RESPONSE_CODE, &status);
            }
            p->status = status;

            if (status == 0) {
                snprintf(p->error, sizeof(p->error), "%s",
                         s->curlerr[0] ? s->curlerr
                         : curl_easy_strerror(msg->data.result));

            } else if (status >= 300) {
                zt_gcs_error_text(s->errbody, s->errlen, p->error,
                                  sizeof(p->error));
            }

            curl_multi_remove_handle(g->multi, s->c);
            curl_slist_free_all(s->hdrs);
            s->hdrs = NULL;
            s->idx = 0;
            running--;
        }

        free_slot = 0;
        for (i = 0; i < g->inflight; i++) {
            if (g->slots[i].idx == 0) {
                free_slot = 1;
                break;
            }
        }

        if (free_slot && next < n) {
            continue;
        }

        if (running && curl_multi_poll(g->multi, NULL, 0, 1000, NULL)
                       != CURLM_OK)
        {
            return ZT_ERROR;
        }
    }
}


static int
zt_gcs_start(zt_gcs_t *g, zt_gcs_slot_t *s, zt_gcs_put_t *p, size_t idx,
    int if_absent)
{
    char                url[ZT_GCS_URL_MAX], enc[ZT_GCS_URL_MAX / 2];
    char                ctype[256];
    struct curl_slist  *l;

    if (zt_gcs_encode(p->name, enc, sizeof(enc)) != ZT_OK
        || snprintf(url, sizeof(url), "%s/upload/storage/v1/b/%s/o?"
                    "uploadType=media&name=%s%s", g->endpoint, g->bucket,
                    enc, if_absent ? "&ifGenerationMatch=0" : "")
           >= (int) sizeof(url))
    {
        p->status = 0;
        snprintf(p->error, sizeof(p->error), "object name is too long");
        return ZT_OK;
    }

    if (s->c == NULL) {
        s->c = curl_easy_init();
        if (s->c == NULL) {
            return ZT_ERROR;
        }
    }

    curl_easy_reset(s->c);

    snprintf(ctype, sizeof(ctype), "Content-Type: %s",
             p->content_type ? p->content_type : "application/json");

    l = curl_slist_append(NULL, ctype);
    /* no 100-continue round trip before each body */
    l = l ? curl_slist_append(l, "Expect:") : NULL;
    if (l && g->authhdr[0]) {
        l = curl_slist_append(l, g->authhdr);
    }
    if (l == NULL) {
        return ZT_ERROR;
    }

    s->hdrs = l;
    s->idx = idx + 1;
    s->errlen = 0;
    s->curlerr[0] = '\0';

    curl_easy_setopt(s->c, CURLOPT_URL, url);
    curl_easy_setopt(s->c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(s->c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s->c, CURLOPT_TIMEOUT_MS, g->timeout_ms);
    curl_easy_setopt(s->c, CURLOPT_USERAGENT, "zoomtrack/1");
    curl_easy_setopt(s->c, CURLOPT_HTTPHEADER, s->hdrs);
    curl_easy_setopt(s->c, CURLOPT_HTTP_VERSION,
                     (long) CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(s->c, CURLOPT_POST, 1L);
    curl_easy_setopt(s->c, CURLOPT_POSTFIELDS, p->body);
    curl_easy_setopt(s->c, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t) p->len);
    curl_easy_setopt(s->c, CURLOPT_WRITEFUNCTION, zt_gcs_write_cb);
    curl_easy_setopt(s->c, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(s->c, CURLOPT_ERRORBUFFER, s->curlerr);
    curl_easy_setopt(s->c, CURLOPT_PRIVATE, s);

    if (curl_multi_add_handle(g->multi, s->c) != CURLM_OK) {
        curl_slist_free_all(s->hdrs);
        s->hdrs = NULL;
        s->idx = 0;
        return ZT_ERROR;
    }

    return ZT_OK;
}


/* keeps the start of the answer: only an error's text is ever read */
static size_t
zt_gcs_write_cb(char *ptr, size_t size, size_t nmemb, void *data)
{
    size_t          n, room;
    zt_gcs_slot_t  *s = data;

    n = size * nmemb;
    room = sizeof(s->errbody) - 1 - s->errlen;

    if (room) {
        memcpy(s->errbody + s->errlen, ptr, n < room ? n : room);
        s->errlen += n < room ? n : room;
        s->errbody[s->errlen] = '\0';
    }

    return n;
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


/* method url with the auth header; one fresh token after a 401 */
static int
zt_gcs_simple(zt_gcs_t *g, const char *method, const char *url,
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
