/*
 * Redis for the zoomtrack module: a hiredis 0.14 async adapter on nginx's
 * event loop and the one pipelined connection per (worker, server).
 *
 * The adapter wraps hiredis's socket in an nginx connection taken with
 * ngx_get_connection() and registers level-triggered events: hiredis reads
 * at most 16 KB per call, so edge-triggered events could strand replies.
 * Its cleanup hook deletes the events and frees the nginx connection but
 * never closes the fd, which hiredis closes itself right after.  hiredis
 * 0.14 has no timers, so the connect timeout, the reconnect backoff and the
 * per-request reply timeouts are nginx timers (the last ones owned by the
 * callers, which call ngx_http_zoomtrack_redis_reset() when one fires).
 *
 * Every command's privdata is a malloc()ed call that outlives its request:
 * the request cancels it (data = NULL) when it goes away first, and hiredis
 * runs each callback exactly once (with a NULL reply when the connection
 * dies), which is where the call is freed.
 */


#include "ngx_http_zoomtrack_redis.h"
#include "ngx_http_zoomtrack_spool_writer.h"

#include <hiredis/hiredis.h>
#include <hiredis/async.h>


#define NGX_HTTP_ZOOMTRACK_BACKOFF_MIN  100
#define NGX_HTTP_ZOOMTRACK_BACKOFF_MAX  3000


struct ngx_http_zoomtrack_redis_s {
    ngx_http_zoomtrack_server_t  *server;
    redisAsyncContext            *ac;
    ngx_connection_t             *c;
    ngx_event_t                   reconnect;
    ngx_event_t                   connect_timer;
    ngx_event_t                   flush;        /* posted: write obuf */
    ngx_msec_t                    backoff;
    ngx_log_t                    *log;
    unsigned                      connected:1;
    unsigned                      failing:1;    /* failure already logged */
    unsigned                      exiting:1;
    unsigned                      flushing:1;   /* inside flush_handler */
};


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
static ngx_http_zoomtrack_redis_call_t *ngx_http_zoomtrack_redis_call(
    ngx_http_zoomtrack_server_t *server,
    ngx_http_zoomtrack_redis_handler_pt handler, void *data);
static void ngx_http_zoomtrack_redis_reply(redisAsyncContext *ac, void *r,
    void *privdata);

static void ngx_http_zoomtrack_redis_flush_handler(ngx_event_t *ev);
static void ngx_http_zoomtrack_redis_read_handler(ngx_event_t *ev);
static void ngx_http_zoomtrack_redis_write_handler(ngx_event_t *ev);
static void ngx_http_zoomtrack_redis_add_read(void *privdata);
static void ngx_http_zoomtrack_redis_del_read(void *privdata);
static void ngx_http_zoomtrack_redis_add_write(void *privdata);
static void ngx_http_zoomtrack_redis_del_write(void *privdata);
static void ngx_http_zoomtrack_redis_cleanup(void *privdata);


/* called in every worker: one context per configured server */

ngx_int_t
ngx_http_zoomtrack_redis_init(ngx_cycle_t *cycle, ngx_array_t *servers)
{
    ngx_uint_t                     i;
    ngx_http_zoomtrack_redis_t    *rd;
    ngx_http_zoomtrack_server_t  **sp;

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

        sp[i]->rd = rd;

        ngx_http_zoomtrack_redis_connect(rd);
    }

    return NGX_OK;
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

        ac = rd->ac;
        if (ac) {
            rd->ac = NULL;
            rd->connected = 0;
            redisAsyncFree(ac);
        }

        sp[i]->rd = NULL;
    }
}


static void
ngx_http_zoomtrack_redis_connect(ngx_http_zoomtrack_redis_t *rd)
{
    const char                   *argv[2];
    size_t                        argvlen[2];
    ngx_connection_t             *c;
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

    c = ngx_get_connection(ac->c.fd, rd->log);
    if (c == NULL) {
        /* no hooks yet: hiredis closes the fd */
        redisAsyncFree(ac);
        ngx_http_zoomtrack_redis_schedule(rd);
        return;
    }

    c->data = rd;
    c->read->handler = ngx_http_zoomtrack_redis_read_handler;
    c->write->handler = ngx_http_zoomtrack_redis_write_handler;
    c->read->log = rd->log;
    c->write->log = rd->log;

    rd->ac = ac;
    rd->c = c;

    ac->data = rd;
    ac->ev.data = rd;
    ac->ev.addRead = ngx_http_zoomtrack_redis_add_read;
    ac->ev.delRead = ngx_http_zoomtrack_redis_del_read;
    ac->ev.addWrite = ngx_http_zoomtrack_redis_add_write;
    ac->ev.delWrite = ngx_http_zoomtrack_redis_del_write;
    ac->ev.cleanup = ngx_http_zoomtrack_redis_cleanup;

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


static ngx_http_zoomtrack_redis_call_t *
ngx_http_zoomtrack_redis_call(ngx_http_zoomtrack_server_t *server,
    ngx_http_zoomtrack_redis_handler_pt handler, void *data)
{
    ngx_http_zoomtrack_redis_t       *rd;
    ngx_http_zoomtrack_redis_call_t  *call;

    rd = server->rd;

    if (rd == NULL || rd->ac == NULL
        || (rd->ac->c.flags & (REDIS_DISCONNECTING|REDIS_FREEING)))
    {
        return NULL;
    }

    call = ngx_alloc(sizeof(ngx_http_zoomtrack_redis_call_t), rd->log);
    if (call == NULL) {
        return NULL;
    }

    ngx_memzero(call, sizeof(ngx_http_zoomtrack_redis_call_t));

    call->handler = handler;
    call->data = data;
    call->server = server;

    return call;
}


/*
 * One queue: LPUSH q rec, a single command.  Several: MULTI; LPUSH q rec
 * for each; EXEC, all in hiredis's output buffer at once (transactions of
 * concurrent requests never interleave) and only EXEC with a callback.  A
 * script pushing to every list (EVALSHA) would send the record once, but
 * measured with bench/webhook it costs Redis ~50% more CPU per event than
 * the transaction (14 against 10 us for three queues): Redis, shared by
 * every nginx host, is the part that does not scale out.
 */

ngx_http_zoomtrack_redis_call_t *
ngx_http_zoomtrack_redis_push(ngx_http_zoomtrack_server_t *server,
    ngx_array_t *queues, u_char *rec, size_t len,
    ngx_http_zoomtrack_redis_handler_pt handler, void *data)
{
    const char                       *argv[3];
    size_t                            argvlen[3];
    ngx_str_t                        *q;
    ngx_uint_t                        i;
    redisAsyncContext                *ac;
    ngx_http_zoomtrack_redis_call_t  *call;

    call = ngx_http_zoomtrack_redis_call(server, handler, data);
    if (call == NULL) {
        return NULL;
    }

    ac = server->rd->ac;
    q = queues->elts;

    argv[0] = "LPUSH";
    argvlen[0] = 5;
    argv[2] = (const char *) rec;
    argvlen[2] = len;

    if (queues->nelts == 1) {
        argv[1] = (const char *) q[0].data;
        argvlen[1] = q[0].len;

        if (redisAsyncCommandArgv(ac, ngx_http_zoomtrack_redis_reply, call,
                                  3, argv, argvlen)
            != REDIS_OK)
        {
            ngx_free(call);
            return NULL;
        }

        return call;
    }

    if (redisAsyncCommandArgv(ac, NULL, NULL, 1,
                              (const char *[]) { "MULTI" }, (size_t[]) { 5 })
        != REDIS_OK)
    {
        ngx_free(call);
        return NULL;
    }

    for (i = 0; i < queues->nelts; i++) {
        argv[1] = (const char *) q[i].data;
        argvlen[1] = q[i].len;

        (void) redisAsyncCommandArgv(ac, NULL, NULL, 3, argv, argvlen);
    }

    if (redisAsyncCommandArgv(ac, ngx_http_zoomtrack_redis_reply, call, 1,
                              (const char *[]) { "EXEC" }, (size_t[]) { 4 })
        != REDIS_OK)
    {
        /* cannot happen after MULTI was accepted; keep the call leak-free */
        ngx_free(call);
        return NULL;
    }

    return call;
}


/*
 * The status page's LLENs: one transaction, whose commands go into
 * hiredis's output buffer at once, so they never interleave with other
 * requests' commands; only EXEC has a callback.
 */

ngx_http_zoomtrack_redis_call_t *
ngx_http_zoomtrack_redis_llen(ngx_http_zoomtrack_server_t *server,
    ngx_array_t *queues, ngx_http_zoomtrack_redis_handler_pt handler,
    void *data)
{
    const char                       *argv[2];
    size_t                            argvlen[2];
    ngx_str_t                        *q;
    ngx_uint_t                        i;
    redisAsyncContext                *ac;
    ngx_http_zoomtrack_redis_call_t  *call;

    call = ngx_http_zoomtrack_redis_call(server, handler, data);
    if (call == NULL) {
        return NULL;
    }

    ac = server->rd->ac;

    argv[0] = "MULTI";
    argvlen[0] = 5;

    if (redisAsyncCommandArgv(ac, NULL, NULL, 1, argv, argvlen) != REDIS_OK)
    {
        ngx_free(call);
        return NULL;
    }

    argv[0] = "LLEN";
    argvlen[0] = 4;

    q = queues->elts;

    for (i = 0; i < queues->nelts; i++) {
        argv[1] = (const char *) q[i].data;
        argvlen[1] = q[i].len;

        (void) redisAsyncCommandArgv(ac, NULL, NULL, 2, argv, argvlen);
    }

    argv[0] = "EXEC";
    argvlen[0] = 4;

    if (redisAsyncCommandArgv(ac, ngx_http_zoomtrack_redis_reply, call,
                              1, argv, argvlen)
        != REDIS_OK)
    {
        /* cannot happen after MULTI was accepted; keep the call leak-free */
        ngx_free(call);
        return NULL;
    }

    return call;
}


/* one reply per call: an integer (LPUSH) or an array of them (EXEC) */

static void
ngx_http_zoomtrack_redis_reply(redisAsyncContext *ac, void *r,
    void *privdata)
{
    redisReply                       *reply = r;
    ngx_http_zoomtrack_redis_call_t  *call = privdata;

    size_t       i, n;
    long long    values[NGX_HTTP_ZOOMTRACK_MAX_QUEUES];
    const char  *err;

    err = NULL;
    n = 0;

    if (reply == NULL) {
        err = "no reply";

    } else if (reply->type == REDIS_REPLY_INTEGER) {
        values[0] = reply->integer;
        n = 1;

    } else if (reply->type == REDIS_REPLY_ERROR) {
        err = reply->str;

    } else if (reply->type != REDIS_REPLY_ARRAY
               || reply->elements > NGX_HTTP_ZOOMTRACK_MAX_QUEUES)
    {
        err = "unexpected reply";

    } else {
        for (i = 0; i < reply->elements; i++) {
            if (reply->element[i]->type == REDIS_REPLY_ERROR) {
                err = reply->element[i]->str;
                break;
            }

            if (reply->element[i]->type != REDIS_REPLY_INTEGER) {
                err = "unexpected reply element";
                break;
            }

            values[i] = reply->element[i]->integer;
        }

        n = reply->elements;
    }

    if (err && reply) {
        ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                      "zoomtrack: redis %V: transaction failed: %s",
                      &call->server->address, err);
    }

    if (call->data) {
        if (err) {
            call->handler(call->data, NGX_ERROR, NULL, 0);

        } else {
            call->handler(call->data, NGX_OK, values, n);
        }
    }

    ngx_free(call);
}


void
ngx_http_zoomtrack_redis_cancel(ngx_http_zoomtrack_redis_call_t *call)
{
    call->data = NULL;
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


static void
ngx_http_zoomtrack_redis_read_handler(ngx_event_t *ev)
{
    ngx_connection_t            *c = ev->data;
    ngx_http_zoomtrack_redis_t  *rd = c->data;

    if (rd->ac) {
        redisAsyncHandleRead(rd->ac);
    }
}


static void
ngx_http_zoomtrack_redis_write_handler(ngx_event_t *ev)
{
    ngx_connection_t            *c = ev->data;
    ngx_http_zoomtrack_redis_t  *rd = c->data;

    if (rd->ac) {
        redisAsyncHandleWrite(rd->ac);
    }
}


/*
 * The hooks below get the ngx_http_zoomtrack_redis_t; hiredis may call them
 * while rd->ac is already NULL (the context is being freed), so they look
 * at rd->c only.
 */

static void
ngx_http_zoomtrack_redis_add_read(void *privdata)
{
    ngx_http_zoomtrack_redis_t  *rd = privdata;

    if (rd->c && !rd->c->read->active) {
        if (ngx_add_event(rd->c->read, NGX_READ_EVENT, NGX_LEVEL_EVENT)
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ALERT, rd->log, 0,
                          "zoomtrack: redis: adding read event failed");
        }
    }
}


static void
ngx_http_zoomtrack_redis_del_read(void *privdata)
{
    ngx_http_zoomtrack_redis_t  *rd = privdata;

    if (rd->c && rd->c->read->active) {
        (void) ngx_del_event(rd->c->read, NGX_READ_EVENT, 0);
    }
}


/*
 * Commands are only appended to hiredis's output buffer; the buffer is
 * written once, from a posted event at the end of this loop iteration, so
 * that every command the iteration's requests queued leaves in one write()
 * (and without two epoll_ctl() calls and an extra wakeup per round).  Only
 * the connect and a socket buffer full up wait for the write event.
 */

static void
ngx_http_zoomtrack_redis_add_write(void *privdata)
{
    ngx_http_zoomtrack_redis_t  *rd = privdata;

    if (rd->c == NULL) {
        return;
    }

    if (!rd->flushing && rd->ac && (rd->ac->c.flags & REDIS_CONNECTED)) {
        if (!rd->flush.posted) {
            ngx_post_event(&rd->flush, &ngx_posted_events);
        }

        return;
    }

    if (!rd->c->write->active) {
        if (ngx_add_event(rd->c->write, NGX_WRITE_EVENT, NGX_LEVEL_EVENT)
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ALERT, rd->log, 0,
                          "zoomtrack: redis: adding write event failed");
        }
    }
}


static void
ngx_http_zoomtrack_redis_flush_handler(ngx_event_t *ev)
{
    ngx_http_zoomtrack_redis_t  *rd = ev->data;

    if (rd->ac == NULL || rd->c == NULL) {
        return;
    }

    /* a write that cannot finish now re-adds the real write event */
    rd->flushing = 1;
    redisAsyncHandleWrite(rd->ac);
    rd->flushing = 0;
}


static void
ngx_http_zoomtrack_redis_del_write(void *privdata)
{
    ngx_http_zoomtrack_redis_t  *rd = privdata;

    if (rd->c && rd->c->write->active) {
        (void) ngx_del_event(rd->c->write, NGX_WRITE_EVENT, 0);
    }
}


/* hiredis is freeing the context and will close the fd itself */

static void
ngx_http_zoomtrack_redis_cleanup(void *privdata)
{
    ngx_http_zoomtrack_redis_t  *rd = privdata;

    ngx_connection_t  *c;

    c = rd->c;
    if (c == NULL) {
        return;
    }

    ngx_http_zoomtrack_redis_del_read(rd);
    ngx_http_zoomtrack_redis_del_write(rd);

    if (c->read->posted) {
        ngx_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        ngx_delete_posted_event(c->write);
    }

    if (rd->flush.posted) {
        ngx_delete_posted_event(&rd->flush);
    }

    ngx_free_connection(c);

    c->fd = (ngx_socket_t) -1;
    rd->c = NULL;
}
