/*
 * The calls of the zoomtrack module's Redis connection: a push (one LPUSH,
 * or one MULTI/EXEC transaction for several queues) and the status page's
 * LLENs, each answered by exactly one reply callback.
 *
 * Every command's privdata is a malloc()ed call that outlives its request:
 * the request cancels it (data = NULL) when it goes away first, and hiredis
 * runs each callback exactly once (with a NULL reply when the connection
 * dies), which is where the call is freed.
 */


#include "ngx_http_zoomtrack_redis_int.h"


static ngx_http_zoomtrack_redis_call_t *ngx_http_zoomtrack_redis_call(
    ngx_http_zoomtrack_server_t *server,
    ngx_http_zoomtrack_redis_handler_pt handler, void *data);
static void ngx_http_zoomtrack_redis_reply(redisAsyncContext *ac, void *r,
    void *privdata);


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
