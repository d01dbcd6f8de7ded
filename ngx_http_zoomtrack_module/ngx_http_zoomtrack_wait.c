/*
 * One request waiting for one Redis call (see the header).  The Redis
 * adapter calls the reply handler once, or never after a cancel; the timer
 * and the pool cleanup make sure nothing fires after the request is gone.
 */


#include "ngx_http_zoomtrack_wait.h"


static void ngx_http_zoomtrack_wait_timeout(ngx_event_t *ev);
static void ngx_http_zoomtrack_wait_cleanup(void *data);
static void ngx_http_zoomtrack_wait_finalize(ngx_http_zoomtrack_wait_t *w,
    ngx_int_t rc, long long *values, ngx_uint_t n);


void *
ngx_http_zoomtrack_wait_create(ngx_http_request_t *r, size_t size,
    ngx_http_zoomtrack_wait_done_pt done,
    ngx_http_zoomtrack_wait_free_pt release)
{
    ngx_pool_cleanup_t         *cln;
    ngx_http_zoomtrack_wait_t  *w;

    cln = ngx_pool_cleanup_add(r->pool, size);
    if (cln == NULL) {
        return NULL;
    }

    w = cln->data;
    ngx_memzero(w, size);

    w->request = r;
    w->conf = ngx_http_get_module_loc_conf(r, ngx_http_zoomtrack_module);
    w->done = done;
    w->release = release;

    cln->handler = ngx_http_zoomtrack_wait_cleanup;

    return w;
}


ngx_int_t
ngx_http_zoomtrack_wait_start(ngx_http_zoomtrack_wait_t *w,
    ngx_http_zoomtrack_redis_call_t *call)
{
    ngx_http_request_t  *r;

    r = w->request;

    if (call == NULL) {
        /* no connection now: answer at once rather than wait for a timer */
        return w->done(w, NGX_ERROR, NULL, 0);
    }

    w->call = call;

    w->timer.handler = ngx_http_zoomtrack_wait_timeout;
    w->timer.data = w;
    w->timer.log = r->connection->log;

    ngx_add_timer(&w->timer, w->conf->redis_timeout);

    r->main->count++;

    return NGX_DONE;
}


void
ngx_http_zoomtrack_wait_reply(void *data, ngx_int_t rc, long long *values,
    ngx_uint_t n)
{
    ngx_http_zoomtrack_wait_t  *w = data;

    w->call = NULL;

    if (w->timer.timer_set) {
        ngx_del_timer(&w->timer);
    }

    ngx_http_zoomtrack_wait_finalize(w, rc, values, n);
}


/*
 * No reply in time.  The connection is dropped, which fails every other
 * call pending on it as well: a server that stalls one stalls all of them.
 * Redis may still have run this call (a push is then both answered 503 or
 * spooled and queued; the copy is dropped downstream by event_id).
 */

static void
ngx_http_zoomtrack_wait_timeout(ngx_event_t *ev)
{
    ngx_http_zoomtrack_wait_t  *w = ev->data;

    if (w->call) {
        ngx_http_zoomtrack_redis_cancel(w->call);
        w->call = NULL;
    }

    ngx_http_zoomtrack_redis_reset(w->conf->server, w->conf->redis_timeout);

    ngx_http_zoomtrack_wait_finalize(w, NGX_AGAIN, NULL, 0);
}


static void
ngx_http_zoomtrack_wait_finalize(ngx_http_zoomtrack_wait_t *w, ngx_int_t rc,
    long long *values, ngx_uint_t n)
{
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = w->request;
    c = r->connection;

    ngx_http_finalize_request(r, w->done(w, rc, values, n));
    ngx_http_run_posted_requests(c);
}


static void
ngx_http_zoomtrack_wait_cleanup(void *data)
{
    ngx_http_zoomtrack_wait_t  *w = data;

    if (w->call) {
        ngx_http_zoomtrack_redis_cancel(w->call);
        w->call = NULL;
    }

    if (w->timer.timer_set) {
        ngx_del_timer(&w->timer);
    }

    if (w->release) {
        w->release(w);
    }
}
