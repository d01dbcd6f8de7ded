/*
 * zoomtrack_status: answers GET with a JSON document of the counters since
 * the master started (atomic counters in the "zoomtrack" shared zone, so
 * the sums cover every worker), the Redis connection state of the worker
 * that answers, and LLEN of each configured queue.  LLEN goes through the
 * worker's pipelined connection as one MULTI/EXEC with the usual reply
 * timeout; when Redis is unavailable the lengths are null.
 */


#include "ngx_http_zoomtrack_handler.h"
#include "ngx_http_zoomtrack_redis.h"
#include "ngx_http_zoomtrack_counters.h"
#include "ngx_http_zoomtrack_wait.h"


static ngx_int_t ngx_http_zoomtrack_status_done(ngx_http_zoomtrack_wait_t *w,
    ngx_int_t rc, long long *values, ngx_uint_t n);
static ngx_int_t ngx_http_zoomtrack_status_send(ngx_http_request_t *r,
    long long *values, ngx_uint_t n);


static const char  *ngx_http_zoomtrack_counter_names[] = {
    "accepted",
    "spooled",
    "url_validations",
    "redis_errors",
    "unavailable_503",
    "bad_method",
    "no_timestamp",
    "bad_timestamp",
    "stale",
    "no_signature",
    "bad_signature",
    "bad_json",
    "bad_validation"
};


const char *
ngx_http_zoomtrack_counter_name(ngx_http_zoomtrack_counter_e n)
{
    if ((ngx_uint_t) n >= NGX_HTTP_ZOOMTRACK_NCOUNTERS) {
        return "unknown";
    }

    return ngx_http_zoomtrack_counter_names[n];
}


ngx_int_t
ngx_http_zoomtrack_status_handler(ngx_http_request_t *r)
{
    ngx_int_t                       rc;
    ngx_http_zoomtrack_wait_t      *w;
    ngx_http_zoomtrack_loc_conf_t  *ztlcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        if (ngx_http_zoomtrack_add_header(r, "Allow", "GET, HEAD")
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    ztlcf = ngx_http_get_module_loc_conf(r, ngx_http_zoomtrack_module);

    w = ngx_http_zoomtrack_wait_create(r, sizeof(ngx_http_zoomtrack_wait_t),
                                       ngx_http_zoomtrack_status_done, NULL);
    if (w == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_zoomtrack_wait_start(w,
               ngx_http_zoomtrack_redis_llen(ztlcf->server, ztlcf->queues,
                                             ngx_http_zoomtrack_wait_reply,
                                             w));
}


/* Redis failed or timed out: the counters still go out, lengths null */

static ngx_int_t
ngx_http_zoomtrack_status_done(ngx_http_zoomtrack_wait_t *w, ngx_int_t rc,
    long long *values, ngx_uint_t n)
{
    if (rc != NGX_OK) {
        values = NULL;
        n = 0;
    }

    return ngx_http_zoomtrack_status_send(w->request, values, n);
}


/* values (n of them, one per queue) is NULL when Redis did not answer */

static ngx_int_t
ngx_http_zoomtrack_status_send(ngx_http_request_t *r, long long *values,
    ngx_uint_t n)
{
    size_t                          len;
    u_char                         *out, *p;
    ngx_str_t                      *q;
    ngx_uint_t                      i, rejected;
    ngx_atomic_uint_t               v[NGX_HTTP_ZOOMTRACK_NCOUNTERS];
    ngx_http_zoomtrack_loc_conf_t  *ztlcf;

    ztlcf = ngx_http_get_module_loc_conf(r, ngx_http_zoomtrack_module);

    rejected = 0;

    for (i = 0; i < NGX_HTTP_ZOOMTRACK_NCOUNTERS; i++) {
        v[i] = ngx_http_zoomtrack_counters ? ngx_http_zoomtrack_counters[i]
                                           : 0;
        if (i >= NGX_HTTP_ZOOMTRACK_REJ_FIRST) {
            rejected += v[i];
        }
    }

    q = ztlcf->queues->elts;

    len = 256 + NGX_HTTP_ZOOMTRACK_NCOUNTERS * (32 + NGX_ATOMIC_T_LEN)
          + ztlcf->server->address.len * 6 + NGX_INT64_LEN;

    for (i = 0; i < ztlcf->queues->nelts; i++) {
        len += q[i].len * 6 + 8 + NGX_INT64_LEN;
    }

    out = ngx_pnalloc(r->pool, len);
    if (out == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = out;
    *p++ = '{';

    for (i = 0; i < NGX_HTTP_ZOOMTRACK_REJ_FIRST; i++) {
        p = ngx_sprintf(p, "\"%s\":%uA,",
                        ngx_http_zoomtrack_counter_names[i], v[i]);
    }

    p = ngx_cpymem(p, "\"rejected\":{", sizeof("\"rejected\":{") - 1);

    for (i = NGX_HTTP_ZOOMTRACK_REJ_FIRST;
         i < NGX_HTTP_ZOOMTRACK_NCOUNTERS;
         i++)
    {
        p = ngx_sprintf(p, "%s\"%s\":%uA",
                        i == NGX_HTTP_ZOOMTRACK_REJ_FIRST ? "" : ",",
                        ngx_http_zoomtrack_counter_names[i], v[i]);
    }

    p = ngx_sprintf(p, "},\"rejected_total\":%ui,\"redis\":{\"address\":\"",
                    rejected);
    p = (u_char *) ngx_escape_json(p, ztlcf->server->address.data,
                                   ztlcf->server->address.len);
    p = ngx_sprintf(p, "\",\"state\":\"%s\",\"worker_pid\":%P},"
                    "\"queues\":{",
                    ngx_http_zoomtrack_redis_connected(ztlcf->server)
                    ? "connected" : "disconnected",
                    ngx_pid);

    for (i = 0; i < ztlcf->queues->nelts; i++) {
        p = ngx_cpymem(p, i ? ",\"" : "\"", i ? 2 : 1);
        p = (u_char *) ngx_escape_json(p, q[i].data, q[i].len);

        if (values && i < n) {
            p = ngx_sprintf(p, "\":%L", (int64_t) values[i]);

        } else {
            p = ngx_cpymem(p, "\":null", sizeof("\":null") - 1);
        }
    }

    *p++ = '}';
    *p++ = '}';
    *p++ = '\n';

    return ngx_http_zoomtrack_send(r, NGX_HTTP_OK, out, p - out);
}
