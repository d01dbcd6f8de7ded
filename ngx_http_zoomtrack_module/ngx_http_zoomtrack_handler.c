/*
 * The zoomtrack_webhook request path: method check, full body read (memory
 * or temp file), signature check and parsing through the core, the
 * url_validation answer, then the push (sent with the other pushes of the
 * loop iteration as one group, see ngx_http_zoomtrack_redis_call.c) and
 * the response from the group's reply callback or from the reply timer.
 * Client faults are answered at once with 4xx and one info line; our own
 * faults (Redis) become 503 with Retry-After so that Zoom retries, or 200
 * when the record could be spooled.  A 2xx for an event means Redis said
 * every list has it (the group's LPUSH, or its EXEC for several queues),
 * or the spool line is fsync'd (in a thread: the request waits without
 * blocking the worker).
 */


#include "ngx_http_zoomtrack_handler.h"
#include "ngx_http_zoomtrack_redis.h"
#include "ngx_http_zoomtrack_spool_writer.h"
#include "ngx_http_zoomtrack_counters.h"
#include "ngx_http_zoomtrack_wait.h"

#include "zt_event.h"
#include "zt_time.h"


typedef struct {
    ngx_http_zoomtrack_wait_t   wait;            /* first: see wait_create */
    char                       *record;          /* malloc()ed by core;
                                                    NULL once spooled */
    size_t                      record_len;
    ngx_http_zoomtrack_spool_entry_t  *spooling; /* on its way to disk */
    char                        event_id[ZT_UUID_LEN + 1];
} ngx_http_zoomtrack_ctx_t;


static void ngx_http_zoomtrack_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_zoomtrack_process(ngx_http_request_t *r,
    u_char *body, size_t len);
static ngx_int_t ngx_http_zoomtrack_read_body(ngx_http_request_t *r,
    u_char **body, size_t *len);
static ngx_table_elt_t *ngx_http_zoomtrack_header(ngx_http_request_t *r,
    const char *name, size_t len);
static ngx_int_t ngx_http_zoomtrack_reject(ngx_http_request_t *r,
    ngx_uint_t status, ngx_http_zoomtrack_counter_e n, const char *reason);
static ngx_int_t ngx_http_zoomtrack_url_validation(ngx_http_request_t *r,
    zt_event_t *ev, size_t which);
static ngx_int_t ngx_http_zoomtrack_push(ngx_http_request_t *r,
    zt_event_t *ev, u_char *body, size_t len);
static ngx_int_t ngx_http_zoomtrack_push_done(ngx_http_zoomtrack_wait_t *w,
    ngx_int_t rc, long long *values, ngx_uint_t n);
static ngx_int_t ngx_http_zoomtrack_failed(ngx_http_zoomtrack_ctx_t *ctx);
static void ngx_http_zoomtrack_spooled(void *data, ngx_int_t rc);
static ngx_int_t ngx_http_zoomtrack_unavailable(
    ngx_http_zoomtrack_ctx_t *ctx);
static ngx_int_t ngx_http_zoomtrack_accepted(ngx_http_zoomtrack_ctx_t *ctx,
    ngx_uint_t spooled);
static void ngx_http_zoomtrack_free(ngx_http_zoomtrack_wait_t *w);


static ngx_int_t
ngx_http_zoomtrack_sig_counter(zt_sig_rc_e rc)
{
    switch (rc) {
    case ZT_SIG_NO_TIMESTAMP:
        return NGX_HTTP_ZOOMTRACK_REJ_NO_TIMESTAMP;
    case ZT_SIG_BAD_TIMESTAMP:
        return NGX_HTTP_ZOOMTRACK_REJ_BAD_TIMESTAMP;
    case ZT_SIG_STALE:
    case ZT_SIG_AHEAD:
        return NGX_HTTP_ZOOMTRACK_REJ_STALE;
    case ZT_SIG_NO_SIGNATURE:
        return NGX_HTTP_ZOOMTRACK_REJ_NO_SIGNATURE;
    default: /* ZT_SIG_BAD_SIGNATURE, ZT_SIG_MISMATCH */
        return NGX_HTTP_ZOOMTRACK_REJ_BAD_SIGNATURE;
    }
}


ngx_int_t
ngx_http_zoomtrack_webhook_handler(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    if (!(r->method & NGX_HTTP_POST)) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        if (ngx_http_zoomtrack_add_header(r, "Allow", "POST") != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_zoomtrack_reject(r, NGX_HTTP_NOT_ALLOWED,
                                         NGX_HTTP_ZOOMTRACK_REJ_BAD_METHOD,
                                         "method not allowed");
    }

    rc = ngx_http_read_client_request_body(r,
                                           ngx_http_zoomtrack_body_handler);
    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_zoomtrack_body_handler(ngx_http_request_t *r)
{
    size_t   len;
    u_char  *body;

    if (ngx_http_zoomtrack_read_body(r, &body, &len) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_finalize_request(r, ngx_http_zoomtrack_process(r, body, len));
}


/*
 * Returns what to finalize the request with: a status, the result of the
 * output filter, or NGX_DONE while the push is in flight.
 */

static ngx_int_t
ngx_http_zoomtrack_process(ngx_http_request_t *r, u_char *body, size_t len)
{
    int                             rc;
    size_t                          which;
    zt_str_t                        ts, sig, *tsp, *sigp;
    zt_sig_rc_e                     src;
    zt_event_t                      ev;
    ngx_int_t                       res;
    const char                     *reason;
    ngx_table_elt_t                *h;
    ngx_http_zoomtrack_loc_conf_t  *ztlcf;

    ztlcf = ngx_http_get_module_loc_conf(r, ngx_http_zoomtrack_module);

    tsp = NULL;
    sigp = NULL;

    h = ngx_http_zoomtrack_header(r, "x-zm-request-timestamp",
                                  sizeof("x-zm-request-timestamp") - 1);
    if (h) {
        ts.data = h->value.data;
        ts.len = h->value.len;
        tsp = &ts;
    }

    h = ngx_http_zoomtrack_header(r, "x-zm-signature",
                                  sizeof("x-zm-signature") - 1);
    if (h) {
        sig.data = h->value.data;
        sig.len = h->value.len;
        sigp = &sig;
    }

    which = 0;
    src = zt_sig_verify(ztlcf->secrets, tsp, sigp, body, len,
                        (int64_t) ngx_time(), (int64_t) ztlcf->max_skew,
                        &which);

    if (src != ZT_SIG_OK) {
        return ngx_http_zoomtrack_reject(r, NGX_HTTP_UNAUTHORIZED,
                                         ngx_http_zoomtrack_sig_counter(src),
                                         zt_sig_reason(src));
    }

    ngx_memzero(&ev, sizeof(zt_event_t));
    reason = NULL;

    rc = zt_event_parse(body, len, &ev, &reason);

    if (rc == ZT_ERROR) {
        zt_event_free(&ev);
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "zoomtrack: out of memory parsing an event");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc != ZT_OK) {
        zt_event_free(&ev);
        return ngx_http_zoomtrack_reject(r, NGX_HTTP_BAD_REQUEST,
                                         NGX_HTTP_ZOOMTRACK_REJ_BAD_JSON,
                                         reason ? reason : "invalid body");
    }

    if (zt_event_is_url_validation(&ev)) {
        res = ngx_http_zoomtrack_url_validation(r, &ev, which);

    } else {
        res = ngx_http_zoomtrack_push(r, &ev, body, len);
    }

    zt_event_free(&ev);

    return res;
}


/* the body as one buffer: the only memory buffer, or a copy */

static ngx_int_t
ngx_http_zoomtrack_read_body(ngx_http_request_t *r, u_char **body,
    size_t *len)
{
    off_t         size;
    u_char       *p;
    ssize_t       n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    *body = (u_char *) "";
    *len = 0;

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        return NGX_OK;
    }

    cl = r->request_body->bufs;

    if (cl->next == NULL && !cl->buf->in_file) {
        *body = cl->buf->pos;
        *len = cl->buf->last - cl->buf->pos;
        return NGX_OK;
    }

    size = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;
        size += b->in_file ? b->file_last - b->file_pos : b->last - b->pos;
    }

    p = ngx_pnalloc(r->pool, (size_t) size + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    *body = p;
    *len = (size_t) size;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (!b->in_file) {
            if (b->last != b->pos) {
                p = ngx_cpymem(p, b->pos, b->last - b->pos);
            }

            continue;
        }

        size = b->file_last - b->file_pos;

        n = ngx_read_file(b->file, p, (size_t) size, b->file_pos);
        if (n != (ssize_t) size) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "zoomtrack: short read of the body temp file "
                          "(%z of %O bytes)", n, size);
            return NGX_ERROR;
        }

        p += size;
    }

    return NGX_OK;
}


static ngx_table_elt_t *
ngx_http_zoomtrack_header(ngx_http_request_t *r, const char *name,
    size_t len)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == len
            && ngx_strncasecmp(h[i].key.data, (u_char *) name, len) == 0)
        {
            return &h[i];
        }
    }
}


/* one info line, never with a secret, signature or body */

static ngx_int_t
ngx_http_zoomtrack_reject(ngx_http_request_t *r, ngx_uint_t status,
    ngx_http_zoomtrack_counter_e n, const char *reason)
{
    u_char      *p, *last;
    const char  *name;

    ngx_http_zoomtrack_count(n);

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "zoomtrack: rejected: %s", reason);

    name = ngx_http_zoomtrack_counter_name(n);

    p = ngx_pnalloc(r->pool, sizeof("{\"error\":\"\"}") + 32);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    last = ngx_snprintf(p, sizeof("{\"error\":\"\"}") + 32,
                        "{\"error\":\"%s\"}", name);

    return ngx_http_zoomtrack_send(r, status, p, last - p);
}


/* {"plainToken":…,"encryptedToken":…} under the secret that verified */

static ngx_int_t
ngx_http_zoomtrack_url_validation(ngx_http_request_t *r, zt_event_t *ev,
    size_t which)
{
    size_t                          tlen, len;
    u_char                         *p, *out;
    char                            hex[ZT_SIG_HEX_LEN + 1];
    ngx_http_zoomtrack_loc_conf_t  *ztlcf;

    ztlcf = ngx_http_get_module_loc_conf(r, ngx_http_zoomtrack_module);

    if (ev->plain_token == NULL || ev->plain_token[0] == '\0') {
        return ngx_http_zoomtrack_reject(r, NGX_HTTP_BAD_REQUEST,
                                     NGX_HTTP_ZOOMTRACK_REJ_BAD_VALIDATION,
                                     "url_validation without plainToken");
    }

    tlen = ngx_strlen(ev->plain_token);

    zt_hmac_sha256_hex(&ztlcf->secrets->key[which],
                       (const unsigned char *) ev->plain_token, tlen, hex);

    len = sizeof("{\"plainToken\":\"\",\"encryptedToken\":\"\"}") - 1
          + tlen + ngx_escape_json(NULL, (u_char *) ev->plain_token, tlen)
          + ZT_SIG_HEX_LEN;

    out = ngx_pnalloc(r->pool, len);
    if (out == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(out, "{\"plainToken\":\"", sizeof("{\"plainToken\":\"") - 1);
    p = (u_char *) ngx_escape_json(p, (u_char *) ev->plain_token, tlen);
    p = ngx_cpymem(p, "\",\"encryptedToken\":\"",
                   sizeof("\",\"encryptedToken\":\"") - 1);
    p = ngx_cpymem(p, hex, ZT_SIG_HEX_LEN);
    *p++ = '"';
    *p++ = '}';

    ngx_http_zoomtrack_count(NGX_HTTP_ZOOMTRACK_URL_VALIDATIONS);

    return ngx_http_zoomtrack_send(r, NGX_HTTP_OK, out, p - out);
}


static ngx_int_t
ngx_http_zoomtrack_push(ngx_http_request_t *r, zt_event_t *ev, u_char *body,
    size_t len)
{
    ngx_http_zoomtrack_ctx_t       *ctx;
    ngx_http_zoomtrack_loc_conf_t  *ztlcf;

    ztlcf = ngx_http_get_module_loc_conf(r, ngx_http_zoomtrack_module);

    ctx = ngx_http_zoomtrack_wait_create(r, sizeof(ngx_http_zoomtrack_ctx_t),
                                         ngx_http_zoomtrack_push_done,
                                         ngx_http_zoomtrack_free);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(ctx->event_id, ev->event_id, ZT_UUID_LEN + 1);

    ctx->record = zt_event_record(ev, body, len, zt_time_now_ms(),
                                  &ctx->record_len);
    if (ctx->record == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "zoomtrack: out of memory building a record");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_zoomtrack_wait_start(&ctx->wait,
               ngx_http_zoomtrack_redis_push(ztlcf->server, ztlcf->queues,
                                             (u_char *) ctx->record,
                                             ctx->record_len,
                                             ngx_http_zoomtrack_wait_reply,
                                             &ctx->wait));
}


/* 2xx only once every queue has the event; anything else is our failure */

static ngx_int_t
ngx_http_zoomtrack_push_done(ngx_http_zoomtrack_wait_t *w, ngx_int_t rc,
    long long *values, ngx_uint_t n)
{
    ngx_http_zoomtrack_ctx_t  *ctx = (ngx_http_zoomtrack_ctx_t *) w;

    if (rc == NGX_OK && n == w->conf->queues->nelts) {
        if (w->conf->spool) {
            ngx_http_zoomtrack_spool_release(w->conf->spool);
        }

        return ngx_http_zoomtrack_accepted(ctx, 0);
    }

    ngx_http_zoomtrack_count(NGX_HTTP_ZOOMTRACK_REDIS_ERRORS);

    return ngx_http_zoomtrack_failed(ctx);
}


/*
 * Redis could not take the event: spool it, or ask Zoom to retry.  The
 * spool answers later (its fsync runs in a thread): the request is kept
 * alive with one more reference until ngx_http_zoomtrack_spooled().
 */

static ngx_int_t
ngx_http_zoomtrack_failed(ngx_http_zoomtrack_ctx_t *ctx)
{
    ngx_http_request_t  *r;

    r = ctx->wait.request;

    if (ctx->wait.conf->spool) {
        /* the spool owns the record from here, whatever happens */
        ctx->spooling = ngx_http_zoomtrack_spool_write(ctx->wait.conf->spool,
                                                (u_char *) ctx->record,
                                                ctx->record_len,
                                                ngx_http_zoomtrack_spooled,
                                                ctx, r->connection->log);
        ctx->record = NULL;

        if (ctx->spooling) {
            r->main->count++;
            return NGX_DONE;
        }
    }

    return ngx_http_zoomtrack_unavailable(ctx);
}


static void
ngx_http_zoomtrack_spooled(void *data, ngx_int_t rc)
{
    ngx_http_zoomtrack_ctx_t  *ctx = data;

    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = ctx->wait.request;
    c = r->connection;

    ctx->spooling = NULL;

    ngx_http_finalize_request(r, rc == NGX_OK
                                 ? ngx_http_zoomtrack_accepted(ctx, 1)
                                 : ngx_http_zoomtrack_unavailable(ctx));
    ngx_http_run_posted_requests(c);
}


/* 503 with Retry-After: Zoom retries (about 5, 20 and 60 minutes later) */

static ngx_int_t
ngx_http_zoomtrack_unavailable(ngx_http_zoomtrack_ctx_t *ctx)
{
    ngx_http_request_t  *r;

    r = ctx->wait.request;

    ngx_http_zoomtrack_count(NGX_HTTP_ZOOMTRACK_UNAVAILABLE);

    if (ngx_http_zoomtrack_add_header(r, "Retry-After",
                                      NGX_HTTP_ZOOMTRACK_RETRY_AFTER)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_zoomtrack_send(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                   (u_char *) "{\"error\":\"unavailable\"}",
                                   sizeof("{\"error\":\"unavailable\"}") - 1);
}


/* 200 {"event_id":"…"} (plus "spooled":true) */

static ngx_int_t
ngx_http_zoomtrack_accepted(ngx_http_zoomtrack_ctx_t *ctx,
    ngx_uint_t spooled)
{
    u_char  *p, *last;
    size_t   len;

    ngx_http_zoomtrack_count(spooled ? NGX_HTTP_ZOOMTRACK_SPOOLED
                                     : NGX_HTTP_ZOOMTRACK_ACCEPTED);

    len = sizeof("{\"event_id\":\"\",\"spooled\":true}") + ZT_UUID_LEN;

    p = ngx_pnalloc(ctx->wait.request->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    last = ngx_snprintf(p, len, "{\"event_id\":\"%s\"%s}", ctx->event_id,
                        spooled ? ",\"spooled\":true" : "");

    return ngx_http_zoomtrack_send(ctx->wait.request, NGX_HTTP_OK, p,
                                   last - p);
}


/* the request is going away: its call must not find it any more */

static void
ngx_http_zoomtrack_free(ngx_http_zoomtrack_wait_t *w)
{
    ngx_http_zoomtrack_ctx_t  *ctx = (ngx_http_zoomtrack_ctx_t *) w;

    if (ctx->spooling) {
        ngx_http_zoomtrack_spool_cancel(ctx->spooling);
        ctx->spooling = NULL;
    }

    free(ctx->record);
    ctx->record = NULL;
}


ngx_int_t
ngx_http_zoomtrack_send(ngx_http_request_t *r, ngx_uint_t status,
    u_char *body, size_t len)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = sizeof("application/json") - 1;
    r->headers_out.content_type_lowcase = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = body;
    b->last = body + len;
    b->memory = len ? 1 : 0;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


ngx_int_t
ngx_http_zoomtrack_add_header(ngx_http_request_t *r, const char *key,
    const char *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.data = (u_char *) key;
    h->key.len = ngx_strlen(key);
    h->value.data = (u_char *) value;
    h->value.len = ngx_strlen(value);
    h->lowcase_key = NULL;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return NGX_OK;
}
