/*
 * Redis for the zoomtrack module: the one pipelined connection per
 * (worker, server) and its life: connect (with AUTH), the connect timeout,
 * the reconnect backoff, the drop when a reply is overdue.
 *
 * hiredis 0.14 has no timers, so the connect timeout, the reconnect backoff
 * and the per-request reply timeouts are nginx timers (the last ones owned
 * by the callers, which call ngx_http_zoomtrack_redis_reset() when one
 * fires).  The adapter that drives hiredis from nginx's event loop is in
 * ngx_http_zoomtrack_redis_adapter.c, the calls (grouped LPUSHes, LLEN,
 * their replies) in ngx_http_zoomtrack_redis_call.c.
 *
 * Who frees what: the context (one per server) lives in the cycle's pool;
 * its redisAsyncContext is freed by hiredis after a disconnect or by
 * redisAsyncFree() here (drop, exit), which fails every pending call.
 */


#include "ngx_http_zoomtrack_redis_int.h"
#include "ngx_http_zoomtrack_spool_writer.h"

#if defined(__GLIBC__)
#include <malloc.h>
#define NGX_HTTP_ZOOMTRACK_MALLOPT  1
#endif


#define NGX_HTTP_ZOOMTRACK_BACKOFF_MIN  100
#define NGX_HTTP_ZOOMTRACK_BACKOFF_MAX  3000


static void ngx_http_zoomtrack_malloc_tune(ngx_log_t *log);
static void ngx_http_zoomtrack_redis_connect(ngx_http_zoomtrack_redis_t *rd);
static void ngx_http_zoomtrack_redis_schedule(ngx_http_zoomtrack_redis_t *rd);
static void ngx_http_zoomtrack_redis_drop(ngx_http_zoomtrack_redis_t *rd);
static void ngx_http_zoomtrack_redis_reconnect_handler(ngx_event_t *ev);
static void ngx_http_zoomtrack_redis_connect_timeout(ngx_event_t *ev);
static void ngx_http_zoomtrack_redis_on_connect(const redisAsyncContext *ac,
    int status);
static void ngx_http_zoomtrack_redis_ready(ngx_http_zoomtrack_redis_t *rd);
static void ngx_http_zoomtrack_redis_on_disconnect(
    const redisAsyncContext *ac, int status);
static void ngx_http_zoomtrack_redis_auth_done(redisAsyncContext *ac,
    void *r, void *privdata);


/* called in every worker: one context per configured server */

ngx_int_t
ngx_http_zoomtrack_redis_init(ngx_cycle_t *cycle, ngx_array_t *servers)
{
    ngx_uint_t                     i;
    ngx_http_zoomtrack_redis_t    *rd;
    ngx_http_zoomtrack_server_t  **sp;

    if (servers->nelts) {
        ngx_http_zoomtrack_malloc_tune(cycle->log);
    }

    sp = servers->elts;

    for (i = 0; i < servers->nelts; i++) {
        rd = ngx_pcalloc(cycle->pool, sizeof(ngx_http_zoomtrack_redis_t));
        if (rd == NULL) {
            return NGX_ERROR;
        }

        rd->server = sp[i];
        rd->log = cycle->log;
        rd->backoff = NGX_HTTP_ZOOMTRACK_BACKOFF_MIN;

        rd->reconnect.handler = ngx_http_zoomtrack_redis_reconnect_handler;
        rd->reconnect.data = rd;
        rd->reconnect.log = cycle->log;
        rd->reconnect.cancelable = 1;

        rd->connect_timer.handler = ngx_http_zoomtrack_redis_connect_timeout;
        rd->connect_timer.data = rd;
        rd->connect_timer.log = cycle->log;
        rd->connect_timer.cancelable = 1;

        rd->flush.handler = ngx_http_zoomtrack_redis_flush_handler;
        rd->flush.data = rd;
        rd->flush.log = cycle->log;

        rd->submit.handler = ngx_http_zoomtrack_redis_submit_handler;
        rd->submit.data = rd;
        rd->submit.log = cycle->log;

        sp[i]->rd = rd;

        ngx_http_zoomtrack_redis_connect(rd);
    }

    return NGX_OK;
}


/*
 * glibc's malloc gives the top of the heap back (brk) as soon as more than
 * 128 KB of it is free, and takes it again on the next burst: page faults
 * and a TLB shootdown each way.  A worker answering a group's reply frees
 * the memory of dozens of requests at once, so it did that several times
 * per loop iteration: with bench/webhook, 0.2 brk() per event and about
 * half of the worker's CPU (64 against 36 us per request before grouping,
 * 68 against 29 after).  A fixed trim threshold keeps up to 8 MB free at
 * the top (resident, but not growing: the next burst reuses it); fixing it
 * also stops glibc's dynamic mmap threshold, so that is raised as well,
 * above the largest buffers hiredis allocates for a group.
 */

static void
ngx_http_zoomtrack_malloc_tune(ngx_log_t *log)
{
#if (NGX_HTTP_ZOOMTRACK_MALLOPT)
    if (mallopt(M_MMAP_THRESHOLD, 8 * 1024 * 1024) != 1
        || mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024) != 1)
    {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "zoomtrack: mallopt() failed, malloc not tuned");
    }
#endif
}


void
ngx_http_zoomtrack_redis_exit(ngx_array_t *servers)
{
    ngx_uint_t                     i;
    redisAsyncContext             *ac;
    ngx_http_zoomtrack_redis_t    *rd;
    ngx_http_zoomtrack_server_t  **sp;

    sp = servers->elts;

    for (i = 0; i < servers->nelts; i++) {
        rd = sp[i]->rd;
        if (rd == NULL) {
            continue;
        }

        rd->exiting = 1;

        if (rd->reconnect.timer_set) {
            ngx_del_timer(&rd->reconnect);
        }

        if (rd->connect_timer.timer_set) {
            ngx_del_timer(&rd->connect_timer);
        }

        if (rd->submit.posted) {
            ngx_delete_posted_event(&rd->submit);
        }

        ac = rd->ac;
        if (ac) {
            rd->ac = NULL;
            rd->connected = 0;
            redisAsyncFree(ac);
        }

        /* pushes not sent yet fail like the ones hiredis just failed */
        ngx_http_zoomtrack_redis_submit(rd);

        if (rd->buf) {
            ngx_free(rd->buf);
            rd->buf = NULL;
        }

        sp[i]->rd = NULL;
    }
}


static void
ngx_http_zoomtrack_redis_connect(ngx_http_zoomtrack_redis_t *rd)
{
    const char                   *argv[2];
    size_t                        argvlen[2];
    redisAsyncContext            *ac;
    ngx_http_zoomtrack_server_t  *s;

    s = rd->server;

    if (s->port) {
        ac = redisAsyncConnect((char *) s->host.data, (int) s->port);

    } else {
        ac = redisAsyncConnectUnix((char *) s->host.data);
    }

    if (ac == NULL) {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "zoomtrack: redis %V: out of memory", &s->address);
        ngx_http_zoomtrack_redis_schedule(rd);
        return;
    }

    if (ac->err) {
        if (!rd->failing) {
            ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                          "zoomtrack: redis %V: connect failed: %s",
                          &s->address, ac->errstr);
            rd->failing = 1;
        }

        redisAsyncFree(ac);
        ngx_http_zoomtrack_redis_schedule(rd);
        return;
    }

    if (ngx_http_zoomtrack_redis_attach(rd, ac) != NGX_OK) {
        /* no hooks yet: hiredis closes the fd */
        redisAsyncFree(ac);
        ngx_http_zoomtrack_redis_schedule(rd);
        return;
    }

    rd->ac = ac;
    ac->data = rd;

    /* this also waits for writability, i.e. the end of connect() */
    redisAsyncSetConnectCallback(ac, ngx_http_zoomtrack_redis_on_connect);
    redisAsyncSetDisconnectCallback(ac,
                                    ngx_http_zoomtrack_redis_on_disconnect);

    if (s->password.len) {
        argv[0] = "AUTH";
        argvlen[0] = 4;
        argv[1] = (const char *) s->password.data;
        argvlen[1] = s->password.len;

        (void) redisAsyncCommandArgv(ac, ngx_http_zoomtrack_redis_auth_done,
                                     rd, 2, argv, argvlen);
    }

    ngx_add_timer(&rd->connect_timer, s->connect_timeout);
}


static void
ngx_http_zoomtrack_redis_schedule(ngx_http_zoomtrack_redis_t *rd)
{
    if (rd->exiting || ngx_exiting || ngx_terminate || ngx_quit
        || rd->reconnect.timer_set)
    {
        return;
    }

    ngx_add_timer(&rd->reconnect, rd->backoff);

    rd->backoff = ngx_min(rd->backoff * 2, NGX_HTTP_ZOOMTRACK_BACKOFF_MAX);
}


/* forgets the context and frees it: pending calls get a NULL reply */

static void
ngx_http_zoomtrack_redis_drop(ngx_http_zoomtrack_redis_t *rd)
{
    redisAsyncContext  *ac;

    if (rd->connect_timer.timer_set) {
        ngx_del_timer(&rd->connect_timer);
    }

    ac = rd->ac;
    rd->ac = NULL;
    rd->connected = 0;

    if (ac) {
        redisAsyncFree(ac);
    }

    ngx_http_zoomtrack_redis_schedule(rd);
}


static void
ngx_http_zoomtrack_redis_reconnect_handler(ngx_event_t *ev)
{
    ngx_http_zoomtrack_redis_t  *rd = ev->data;

    if (rd->ac == NULL && !rd->exiting) {
        ngx_http_zoomtrack_redis_connect(rd);
    }
}


static void
ngx_http_zoomtrack_redis_connect_timeout(ngx_event_t *ev)
{
    ngx_http_zoomtrack_redis_t  *rd = ev->data;

    if (!rd->failing) {
        ngx_log_error(NGX_LOG_ERR, rd->log, NGX_ETIMEDOUT,
                      "zoomtrack: redis %V: connect timed out",
                      &rd->server->address);
        rd->failing = 1;
    }

    ngx_http_zoomtrack_redis_drop(rd);
}


static void
ngx_http_zoomtrack_redis_on_connect(const redisAsyncContext *ac, int status)
{
    ngx_http_zoomtrack_redis_t  *rd = ac->data;

    if (rd->connect_timer.timer_set) {
        ngx_del_timer(&rd->connect_timer);
    }

    if (status != REDIS_OK) {
        if (!rd->failing) {
            ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                          "zoomtrack: redis %V: connect failed: %s",
                          &rd->server->address, ac->errstr);
            rd->failing = 1;
        }

        /* hiredis frees the context when this returns */
        if (rd->ac == ac) {
            rd->ac = NULL;
            rd->connected = 0;
        }

        ngx_http_zoomtrack_redis_schedule(rd);
        return;
    }

    if (rd->server->password.len) {
        /* not usable before AUTH says so: see auth_done */
        return;
    }

    ngx_http_zoomtrack_redis_ready(rd);
}


/*
 * The connection is usable: only now does the backoff start again from its
 * minimum, so a server that accepts TCP but refuses us (wrong password) is
 * retried as slowly as one that is down.
 */

static void
ngx_http_zoomtrack_redis_ready(ngx_http_zoomtrack_redis_t *rd)
{
    rd->connected = 1;
    rd->backoff = NGX_HTTP_ZOOMTRACK_BACKOFF_MIN;

    if (rd->failing) {
        ngx_log_error(NGX_LOG_NOTICE, rd->log, 0,
                      "zoomtrack: redis %V: connected again",
                      &rd->server->address);

    } else {
        ngx_log_error(NGX_LOG_INFO, rd->log, 0,
                      "zoomtrack: redis %V: connected", &rd->server->address);
    }

    rd->failing = 0;

    /* Redis is reachable: let the drainer have what was spooled */
    ngx_http_zoomtrack_spool_release_all();
}


static void
ngx_http_zoomtrack_redis_on_disconnect(const redisAsyncContext *ac,
    int status)
{
    ngx_http_zoomtrack_redis_t  *rd = ac->data;

    if (status != REDIS_OK && !rd->failing) {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "zoomtrack: redis %V: connection lost: %s",
                      &rd->server->address, ac->errstr);
        rd->failing = 1;
    }

    if (rd->ac == ac) {
        rd->ac = NULL;
        rd->connected = 0;
    }

    ngx_http_zoomtrack_redis_schedule(rd);
}


static void
ngx_http_zoomtrack_redis_auth_done(redisAsyncContext *ac, void *r,
    void *privdata)
{
    redisReply                  *reply = r;
    ngx_http_zoomtrack_redis_t  *rd = privdata;

    if (reply == NULL) {
        return;     /* the connection died: on_disconnect handles it */
    }

    if (reply->type != REDIS_REPLY_ERROR) {
        ngx_http_zoomtrack_redis_ready(rd);
        return;
    }

    /* once per outage: each retry is refused the same way */
    if (!rd->failing) {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "zoomtrack: redis %V: AUTH failed: %s",
                      &rd->server->address, reply->str);
        rd->failing = 1;
    }

    /* commands already queued fail with NOAUTH, then it closes */
    redisAsyncDisconnect(ac);
}


void
ngx_http_zoomtrack_redis_reset(ngx_http_zoomtrack_server_t *server,
    ngx_msec_t timeout)
{
    ngx_http_zoomtrack_redis_t  *rd;

    rd = server->rd;

    if (rd == NULL || rd->ac == NULL) {
        return;
    }

    ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                  "zoomtrack: redis %V: no reply within %Mms, reconnecting",
                  &server->address, timeout);

    rd->failing = 1;

    ngx_http_zoomtrack_redis_drop(rd);
}


ngx_uint_t
ngx_http_zoomtrack_redis_connected(ngx_http_zoomtrack_server_t *server)
{
    return server->rd && server->rd->ac && server->rd->connected;
}
