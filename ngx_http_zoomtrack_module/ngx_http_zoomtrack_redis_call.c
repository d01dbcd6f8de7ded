/*
 * The calls of the zoomtrack module's Redis connection: pushes, grouped,
 * and the status page's LLENs, each group answered by exactly one reply.
 *
 * A push does not send anything: it appends its record (already in RESP,
 * "$len\r\n" rec "\r\n") to the group the worker is filling for this
 * connection, and a posted event (rd->submit) sends the group at the end
 * of the loop iteration as one multi-value LPUSH q r1 r2 ... rN (for
 * several queues: MULTI; LPUSH q1 r1...rN; LPUSH q2 r1...rN; EXEC).  One
 * reply answers the N waiting requests alike: 2xx for all of them, or the
 * usual fallback (spool or 503) for all of them, since Redis ran the
 * command for all N or for none.  The per-event costs of a command (Redis
 * parsing, lookup, dispatch and reply; hiredis formatting, callback and
 * reply objects here) are paid once per group: with bench/webhook (one
 * queue, 64 connections, 2 workers) Redis runs 0.07 to 0.15 LPUSH per
 * event instead of 1.00.  What remains of Redis's CPU per event (about
 * 15 us against 18) is the list insert itself and its memory, per record.
 * LPUSH inserts the values one after the other, so the list keeps the
 * requests' order and the drainer sees no difference.  Nothing waits for
 * a group to fill (no timer, no size to reach): a request alone in its
 * iteration leaves alone, and groups grow only with the load.
 *
 * A group holds at most NGX_HTTP_ZOOMTRACK_GROUP_MAX records or about
 * NGX_HTTP_ZOOMTRACK_GROUP_BYTES: a full one is sent at once and a new one
 * started, which bounds the buffer, the command Redis parses and the
 * requests one failure takes down.  A group is for one list of queues: a
 * push for another location's queues sends the group being filled first.
 *
 * Who frees what: the records' buffer (rd->buf) is the connection's,
 * reused from group to group (hiredis copies a command when it is queued);
 * a group is malloc()ed by its first push (or by an LLEN) and freed by its
 * reply callback, which hiredis runs exactly once (with a NULL reply when
 * the connection dies), or by submit() when it could not be sent.  A
 * request that goes away first cancels its call (data = NULL): its record
 * is sent anyway if the group still is pending, and its handler never runs.
 */


#include "ngx_http_zoomtrack_redis_int.h"


#define NGX_HTTP_ZOOMTRACK_GROUP_MAX    256
#define NGX_HTTP_ZOOMTRACK_GROUP_BYTES  (1024 * 1024)

/* room for "*N\r\n$5\r\nLPUSH\r\n$len\r\n" in front of the queue's name */
#define NGX_HTTP_ZOOMTRACK_HEAD_ROOM    64


struct ngx_http_zoomtrack_redis_group_s {
    ngx_http_zoomtrack_server_t      *server;
    ngx_array_t                      *queues;
    size_t                            head;    /* records start at buf+head */
    size_t                            bytes;   /* of records, in RESP */
    ngx_uint_t                        n;       /* calls[] used */
    ngx_http_zoomtrack_redis_call_t   calls[1];
};


static ngx_http_zoomtrack_redis_group_t *ngx_http_zoomtrack_redis_group(
    ngx_http_zoomtrack_server_t *server, ngx_array_t *queues,
    ngx_uint_t max);
static ngx_int_t ngx_http_zoomtrack_redis_reserve(
    ngx_http_zoomtrack_redis_t *rd, size_t size);
static ngx_int_t ngx_http_zoomtrack_redis_send(
    ngx_http_zoomtrack_redis_t *rd);
static void ngx_http_zoomtrack_redis_answer(
    ngx_http_zoomtrack_redis_group_t *g, ngx_int_t rc, long long *values,
    ngx_uint_t n);
static void ngx_http_zoomtrack_redis_reply(redisAsyncContext *ac, void *r,
    void *privdata);


/* the context can take commands now */

static ngx_uint_t
ngx_http_zoomtrack_redis_usable(ngx_http_zoomtrack_redis_t *rd)
{
    return rd != NULL && rd->ac != NULL
           && !(rd->ac->c.flags & (REDIS_DISCONNECTING|REDIS_FREEING));
}


static ngx_http_zoomtrack_redis_group_t *
ngx_http_zoomtrack_redis_group(ngx_http_zoomtrack_server_t *server,
    ngx_array_t *queues, ngx_uint_t max)
{
    ngx_str_t                         *q;
    ngx_uint_t                         i;
    ngx_http_zoomtrack_redis_group_t  *g;

    g = ngx_alloc(offsetof(ngx_http_zoomtrack_redis_group_t, calls)
                  + max * sizeof(ngx_http_zoomtrack_redis_call_t),
                  server->rd->log);
    if (g == NULL) {
        return NULL;
    }

    g->server = server;
    g->queues = queues;
    g->head = NGX_HTTP_ZOOMTRACK_HEAD_ROOM;
    g->bytes = 0;
    g->n = 0;

    q = queues->elts;

    for (i = 0; i < queues->nelts; i++) {
        g->head = ngx_max(g->head, NGX_HTTP_ZOOMTRACK_HEAD_ROOM + q[i].len);
    }

    return g;
}


/* room for size more bytes after the group's records in rd->buf */

static ngx_int_t
ngx_http_zoomtrack_redis_reserve(ngx_http_zoomtrack_redis_t *rd, size_t size)
{
    u_char  *buf;
    size_t   used, want;

    used = rd->group->head + rd->group->bytes;

    if (used + size <= rd->buf_size) {
        return NGX_OK;
    }

    want = ngx_max(2 * rd->buf_size, used + size);
    want = ngx_max(want, 64 * 1024);

    buf = ngx_alloc(want, rd->log);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    if (rd->buf) {
        ngx_memcpy(buf, rd->buf, used);
        ngx_free(rd->buf);
    }

    rd->buf = buf;
    rd->buf_size = want;

    return NGX_OK;
}


/*
 * Adds rec to the group being filled (a full group, or one for other
 * queues, is sent first).  NULL: no usable connection now, or no memory;
 * the caller fails at once, and the group, if it could not be sent, is
 * failed by the submit event.
 */

ngx_http_zoomtrack_redis_call_t *
ngx_http_zoomtrack_redis_push(ngx_http_zoomtrack_server_t *server,
    ngx_array_t *queues, u_char *rec, size_t len,
    ngx_http_zoomtrack_redis_handler_pt handler, void *data)
{
    u_char                            *p;
    ngx_http_zoomtrack_redis_t        *rd;
    ngx_http_zoomtrack_redis_call_t   *call;
    ngx_http_zoomtrack_redis_group_t  *g;

    rd = server->rd;

    if (!ngx_http_zoomtrack_redis_usable(rd)) {
        return NULL;
    }

    g = rd->group;

    if (g && (g->queues != queues || g->n == NGX_HTTP_ZOOMTRACK_GROUP_MAX
              || g->bytes + len > NGX_HTTP_ZOOMTRACK_GROUP_BYTES))
    {
        if (ngx_http_zoomtrack_redis_send(rd) != NGX_OK) {
            return NULL;
        }

        g = NULL;
    }

    if (g == NULL) {
        g = ngx_http_zoomtrack_redis_group(server, queues,
                                           NGX_HTTP_ZOOMTRACK_GROUP_MAX);
        if (g == NULL) {
            return NULL;
        }

        rd->group = g;
    }

    if (ngx_http_zoomtrack_redis_reserve(rd, len + NGX_INT_T_LEN + 5)
        != NGX_OK)
    {
        if (g->n == 0) {
            rd->group = NULL;
            ngx_free(g);
        }

        return NULL;
    }

    p = rd->buf + g->head + g->bytes;
    p = ngx_sprintf(p, "$%uz\r\n", len);
    p = ngx_cpymem(p, rec, len);
    *p++ = CR; *p++ = LF;

    g->bytes = p - (rd->buf + g->head);

    call = &g->calls[g->n++];
    call->handler = handler;
    call->data = data;

    if (!rd->submit.posted) {
        ngx_post_event(&rd->submit, &ngx_posted_events);
    }

    return call;
}


/*
 * Queues the group being filled in hiredis's output buffer as one command
 * per queue (in MULTI/EXEC for several), all in one go so that nothing
 * interleaves; rd->flush writes them.  The header of each LPUSH is written
 * into the room left in front of the records.  NGX_ERROR (the group stays)
 * when the connection cannot take commands.
 */

static ngx_int_t
ngx_http_zoomtrack_redis_send(ngx_http_zoomtrack_redis_t *rd)
{
    u_char                            *p, *start;
    size_t                             hlen;
    ngx_str_t                         *q;
    ngx_uint_t                         i, nq;
    redisAsyncContext                 *ac;
    redisCallbackFn                   *fn;
    ngx_http_zoomtrack_redis_group_t  *g;

    static const char  multi[] = "*1\r\n$5\r\nMULTI\r\n";
    static const char  exec[] = "*1\r\n$4\r\nEXEC\r\n";

    g = rd->group;

    if (!ngx_http_zoomtrack_redis_usable(rd)) {
        return NGX_ERROR;
    }

    ac = rd->ac;
    q = g->queues->elts;
    nq = g->queues->nelts;
    start = rd->buf + g->head;

    if (nq > 1
        && redisAsyncFormattedCommand(ac, NULL, NULL, multi,
                                      sizeof(multi) - 1)
           != REDIS_OK)
    {
        return NGX_ERROR;
    }

    for (i = 0; i < nq; i++) {
        p = ngx_sprintf(rd->buf, "*%ui\r\n$5\r\nLPUSH\r\n$%uz\r\n%V\r\n",
                        g->n + 2, q[i].len, &q[i]);
        hlen = p - rd->buf;
        p = start - hlen;
        ngx_memmove(p, rd->buf, hlen);

        fn = (nq == 1) ? ngx_http_zoomtrack_redis_reply : NULL;

        /* hiredis refuses only by the context's flags: all or none */
        if (redisAsyncFormattedCommand(ac, fn, fn ? g : NULL,
                                       (char *) p, hlen + g->bytes)
            != REDIS_OK)
        {
            return NGX_ERROR;
        }
    }

    if (nq > 1) {
        (void) redisAsyncFormattedCommand(ac, ngx_http_zoomtrack_redis_reply,
                                          g, exec, sizeof(exec) - 1);
    }

    rd->group = NULL;

    /* a burst of big records: do not keep its buffer for good */
    if (rd->buf_size > 4 * NGX_HTTP_ZOOMTRACK_GROUP_BYTES) {
        ngx_free(rd->buf);
        rd->buf = NULL;
        rd->buf_size = 0;
    }

    return NGX_OK;
}


/* rd->submit: the end of the loop iteration that filled the group */

void
ngx_http_zoomtrack_redis_submit_handler(ngx_event_t *ev)
{
    ngx_http_zoomtrack_redis_t  *rd = ev->data;

    ngx_http_zoomtrack_redis_submit(rd);
}


/*
 * Sends the group being filled, or, when the connection went away since
 * its pushes (dropped after a timeout, lost), fails its requests: they
 * take the fallback path as if the command had failed.
 */

void
ngx_http_zoomtrack_redis_submit(ngx_http_zoomtrack_redis_t *rd)
{
    ngx_http_zoomtrack_redis_group_t  *g;

    g = rd->group;

    if (g == NULL || ngx_http_zoomtrack_redis_send(rd) == NGX_OK) {
        return;
    }

    rd->group = NULL;

    ngx_log_error(NGX_LOG_WARN, rd->log, 0,
                  "zoomtrack: redis %V: connection gone, %ui event(s) "
                  "not sent", &rd->server->address, g->n);

    ngx_http_zoomtrack_redis_answer(g, NGX_ERROR, NULL, 0);
}


/*
 * The status page's LLENs: one transaction, whose commands go into
 * hiredis's output buffer at once, so they never interleave with other
 * commands; only EXEC has a callback.  Its group has one call.
 */

ngx_http_zoomtrack_redis_call_t *
ngx_http_zoomtrack_redis_llen(ngx_http_zoomtrack_server_t *server,
    ngx_array_t *queues, ngx_http_zoomtrack_redis_handler_pt handler,
    void *data)
{
    const char                        *argv[2];
    size_t                             argvlen[2];
    ngx_str_t                         *q;
    ngx_uint_t                         i;
    redisAsyncContext                 *ac;
    ngx_http_zoomtrack_redis_group_t  *g;

    if (!ngx_http_zoomtrack_redis_usable(server->rd)) {
        return NULL;
    }

    g = ngx_http_zoomtrack_redis_group(server, queues, 1);
    if (g == NULL) {
        return NULL;
    }

    g->n = 1;
    g->calls[0].handler = handler;
    g->calls[0].data = data;

    ac = server->rd->ac;

    argv[0] = "MULTI";
    argvlen[0] = 5;

    if (redisAsyncCommandArgv(ac, NULL, NULL, 1, argv, argvlen) != REDIS_OK)
    {
        ngx_free(g);
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

    if (redisAsyncCommandArgv(ac, ngx_http_zoomtrack_redis_reply, g,
                              1, argv, argvlen)
        != REDIS_OK)
    {
        /* cannot happen after MULTI was accepted; keep the group leak-free */
        ngx_free(g);
        return NULL;
    }

    return &g->calls[0];
}


/* one reply per group: an integer (one LPUSH) or an array of them (EXEC) */

static void
ngx_http_zoomtrack_redis_reply(redisAsyncContext *ac, void *r,
    void *privdata)
{
    redisReply                        *reply = r;
    ngx_http_zoomtrack_redis_group_t  *g = privdata;

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
                      "zoomtrack: redis %V: transaction failed: %s "
                      "(%ui event(s) or LLEN)",
                      &g->server->address, err, g->n);
    }

    if (err) {
        ngx_http_zoomtrack_redis_answer(g, NGX_ERROR, NULL, 0);

    } else {
        ngx_http_zoomtrack_redis_answer(g, NGX_OK, values, n);
    }
}


/*
 * Runs the handler of every call still wanted, then frees the group.  A
 * handler finalises its request, which may cancel other calls of this
 * group (data = NULL, checked just before each) but never frees it.
 */

static void
ngx_http_zoomtrack_redis_answer(ngx_http_zoomtrack_redis_group_t *g,
    ngx_int_t rc, long long *values, ngx_uint_t n)
{
    ngx_uint_t                        i;
    ngx_http_zoomtrack_redis_call_t  *call;

    for (i = 0; i < g->n; i++) {
        call = &g->calls[i];

        if (call->data) {
            call->handler(call->data, rc, values, n);
        }
    }

    ngx_free(g);
}


void
ngx_http_zoomtrack_redis_cancel(ngx_http_zoomtrack_redis_call_t *call)
{
    call->data = NULL;
}
