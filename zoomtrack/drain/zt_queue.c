/*
 * zt_queue: the move / ack primitives of one consumer's processing list,
 * over a connection zt_redis.c opens.  See zt_queue.h for the invariant
 * that makes the ack a single LTRIM.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_log.h"
#include "zt_queue.h"


static int zt_qbatch_grow(zt_qbatch_t *b, size_t items, size_t reps);
static void zt_qbatch_add(zt_qbatch_t *b, redisReply *r);
static void zt_queue_fail(zt_queue_t *q, const char *what, redisReply *r);
static int zt_queue_recover(zt_queue_t *q, zt_qbatch_t *b, size_t max);
static int zt_queue_move(zt_queue_t *q, zt_qbatch_t *b, size_t want);
static int zt_queue_ack_leased(zt_queue_t *q, size_t n, const char **dead,
    const size_t *deadlen, size_t ndead);


/*
 * KEYS: processing list, dead list, lease; ARGV: token, stop, lease ms,
 * dead...  A lease that vanished (Redis restarted without persistence) is
 * set again: nobody else holds it, and if our list was reclaimed in the
 * meantime the trim finds nothing of it and the records come again.
 */
static const char  zt_queue_ack_lua[] =
    "local v = redis.call('GET', KEYS[3]) "
    "if not v then "
    "  redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[3]) "
    "elseif v ~= ARGV[1] then "
    "  return redis.error_reply('ZTLEASE lease lost') end "
    "for i = 4, #ARGV do redis.call('LPUSH', KEYS[2], ARGV[i]) end "
    "redis.call('LTRIM', KEYS[1], 0, ARGV[2]) "
    "return 1";


zt_queue_t *
zt_queue_create(const zt_redis_conf_t *rc, const char *queue,
    const char *consumer)
{
    size_t       n;
    zt_queue_t  *q;

    q = calloc(1, sizeof(zt_queue_t));
    if (q == NULL) {
        return NULL;
    }

    n = strlen(queue) + strlen(consumer) + 16;

    q->rc = rc;
    q->src = strdup(queue);
    q->proc = malloc(n);
    q->dead = malloc(n);
    q->lease = malloc(n);

    if (q->src == NULL || q->proc == NULL || q->dead == NULL
        || q->lease == NULL)
    {
        zt_queue_destroy(q);
        return NULL;
    }

    snprintf(q->proc, n, "%s:processing:%s", queue, consumer);
    snprintf(q->dead, n, "%s:dead", queue);
    snprintf(q->lease, n, "%s:lease:%s", queue, consumer);
    q->recover = 1;

    return q;
}


void
zt_queue_destroy(zt_queue_t *q)
{
    if (q == NULL) {
        return;
    }

    zt_queue_close(q);
    free(q->src);
    free(q->proc);
    free(q->dead);
    free(q->lease);
    free(q->moves);
    free(q);
}


int
zt_queue_connect(zt_queue_t *q, char *err, size_t errlen)
{
    zt_queue_close(q);

    q->c = zt_redis_connect(q->rc, err, errlen);
    if (q->c == NULL) {
        return ZT_ERROR;
    }

    q->recover = 1;
    return ZT_OK;
}


void
zt_queue_close(zt_queue_t *q)
{
    if (q->c) {
        redisFree(q->c);
        q->c = NULL;
    }

    q->inflight = 0;
    q->recover = 1;
}


/* logs a failed command and drops the connection */
static void
zt_queue_fail(zt_queue_t *q, const char *what, redisReply *r)
{
    if (r && r->type == REDIS_REPLY_ERROR) {
        snprintf(q->err, sizeof(q->err), "redis: %s on \"%s\" failed: %s",
                 what, q->src, r->str);

    } else {
        snprintf(q->err, sizeof(q->err), "redis: %s on \"%s\" failed: %s",
                 what, q->src, q->c && q->c->errstr[0] ? q->c->errstr
                 : "unexpected reply");
    }

    if (r || q->c) {
        zt_log_error("%s", q->err);
    }

    if (r) {
        freeReplyObject(r);
    }

    zt_queue_close(q);
}


int
zt_queue_take(zt_queue_t *q, zt_qbatch_t *b, size_t max)
{
    int  rc;

    if (q->c == NULL || q->inflight) {
        return ZT_ERROR;
    }

    if (b->n >= max) {
        return 0;
    }

    if (q->recover) {
        rc = zt_queue_recover(q, b, max);
        if (rc != 0) {
            return rc;
        }

        /* the processing list is empty: back to normal moves */
        q->recover = 0;
    }

    return zt_queue_move(q, b, max - b->n);
}


/*
 * Delivers what an earlier run left in the processing list: its rightmost
 * max records, oldest first.  Only called with an empty batch.
 */
static int
zt_queue_recover(zt_queue_t *q, zt_qbatch_t *b, size_t max)
{
    char         start[32];
    size_t       i;
    redisReply  *r;

    /* hiredis' format knows no %zu */
    snprintf(start, sizeof(start), "-%zu", max);

    r = redisCommand(q->c, "LRANGE %s %s -1", q->proc, start);
    if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
        zt_queue_fail(q, "LRANGE", r);
        return ZT_ERROR;
    }

    if (r->elements == 0) {
        freeReplyObject(r);
        return 0;
    }

    if (zt_qbatch_grow(b, r->elements, 1) != ZT_OK) {
        freeReplyObject(r);
        return ZT_ERROR;
    }

    /* LRANGE lists left to right: newest first */
    for (i = r->elements; i > 0; i--) {
        if (r->element[i - 1]->type != REDIS_REPLY_STRING) {
            zt_queue_fail(q, "LRANGE", r);
            return ZT_ERROR;
        }
        b->items[b->n].raw = r->element[i - 1]->str;
        b->items[b->n].len = r->element[i - 1]->len;
        b->n++;
    }

    b->rep[b->nrep++] = r;

    zt_log_info("redis: delivering again %zu record(s) left in \"%s\"",
                r->elements, q->proc);

    return (int) r->elements;
}


/*
 * The batch's LMOVEs as a preformatted block of want identical commands,
 * a prefix of the largest block made so far for the queue: formatting
 * them one by one grew hiredis's output buffer a command at a time, and
 * its reallocations were a tenth of the BigQuery sink's CPU (perf).  The
 * queue owns the block; NULL when out of memory.
 */
static const char *
zt_queue_moves(zt_queue_t *q, size_t want, size_t *len)
{
    int     one_len;
    char   *one, *all;
    size_t  i;

    if (q->n_moves < want) {
        one_len = redisFormatCommand(&one, "LMOVE %s %s RIGHT LEFT", q->src,
                                     q->proc);
        if (one_len <= 0) {
            return NULL;
        }

        all = malloc((size_t) one_len * want);
        if (all == NULL) {
            redisFreeCommand(one);
            return NULL;
        }

        for (i = 0; i < want; i++) {
            memcpy(all + i * (size_t) one_len, one, (size_t) one_len);
        }

        redisFreeCommand(one);
        free(q->moves);
        q->moves = all;
        q->n_moves = want;
        q->move_len = (size_t) one_len;
    }

    *len = q->move_len * want;
    return q->moves;
}


/* pipelines want LMOVEs; every non-nil reply is a record, in order */
static int
zt_queue_move(zt_queue_t *q, zt_qbatch_t *b, size_t want)
{
    int          got;
    size_t       i, len;
    const char  *moves;
    redisReply  *r;

    if (want == 0) {
        return 0;
    }

    if (zt_qbatch_grow(b, want, want) != ZT_OK) {
        return ZT_ERROR;
    }

    moves = zt_queue_moves(q, want, &len);

    if (moves == NULL
        || redisAppendFormattedCommand(q->c, moves, len) != REDIS_OK)
    {
        zt_queue_fail(q, "LMOVE", NULL);
        return ZT_ERROR;
    }

    got = 0;

    for (i = 0; i < want; i++) {
        if (redisGetReply(q->c, (void **) &r) != REDIS_OK) {
            zt_queue_fail(q, "LMOVE", NULL);
            return ZT_ERROR;
        }

        if (r->type == REDIS_REPLY_NIL) {
            freeReplyObject(r);
            continue;
        }

        if (r->type != REDIS_REPLY_STRING) {
            zt_queue_fail(q, "LMOVE", r);
            return ZT_ERROR;
        }

        zt_qbatch_add(b, r);
        got++;
    }

    return got;
}


int
zt_queue_wait_send(zt_queue_t *q, int64_t block_ms)
{
    int   done;
    char  timeout[32];

    if (q->c == NULL || q->inflight) {
        return ZT_ERROR;
    }

    if (block_ms < 1) {
        block_ms = 1;
    }

    snprintf(timeout, sizeof(timeout), "%lld.%03lld",
             (long long) (block_ms / 1000), (long long) (block_ms % 1000));

    if (redisAppendCommand(q->c, "BLMOVE %s %s RIGHT LEFT %s", q->src,
                           q->proc, timeout)
        != REDIS_OK)
    {
        zt_queue_fail(q, "BLMOVE", NULL);
        return ZT_ERROR;
    }

    do {
        if (redisBufferWrite(q->c, &done) != REDIS_OK) {
            zt_queue_fail(q, "BLMOVE", NULL);
            return ZT_ERROR;
        }
    } while (!done);

    q->inflight = 1;
    return ZT_OK;
}


int
zt_queue_fd(const zt_queue_t *q)
{
    return q->c ? q->c->fd : -1;
}


int
zt_queue_wait_read(zt_queue_t *q, zt_qbatch_t *b)
{
    redisReply  *r;

    if (q->c == NULL || !q->inflight) {
        return ZT_ERROR;
    }

    if (redisBufferRead(q->c) != REDIS_OK) {
        zt_queue_fail(q, "BLMOVE", NULL);
        return ZT_ERROR;
    }

    if (redisGetReplyFromReader(q->c, (void **) &r) != REDIS_OK) {
        zt_queue_fail(q, "BLMOVE", NULL);
        return ZT_ERROR;
    }

    if (r == NULL) {
        return ZT_DECLINED;
    }

    q->inflight = 0;

    if (r->type == REDIS_REPLY_NIL) {
        freeReplyObject(r);
        return 0;
    }

    if (r->type != REDIS_REPLY_STRING
        || zt_qbatch_grow(b, 1, 1) != ZT_OK)
    {
        zt_queue_fail(q, "BLMOVE", r);
        return ZT_ERROR;
    }

    zt_qbatch_add(b, r);
    return 1;
}


int
zt_queue_ack(zt_queue_t *q, size_t n, const char **dead,
    const size_t *deadlen, size_t ndead)
{
    int          rc;
    char         stop[32];
    size_t       i, nargs;
    redisReply  *r;
    const char  *argv[3];
    size_t       argvlen[3];

    if (q->c == NULL) {
        return ZT_ERROR;
    }

    if (n == 0) {
        return ZT_OK;
    }

    if (q->token) {
        return zt_queue_ack_leased(q, n, dead, deadlen, ndead);
    }

    snprintf(stop, sizeof(stop), "-%zu", n + 1);

    rc = redisAppendCommand(q->c, "MULTI");

    for (i = 0; rc == REDIS_OK && i < ndead; i++) {
        argv[0] = "LPUSH";
        argv[1] = q->dead;
        argv[2] = dead[i];
        argvlen[0] = 5;
        argvlen[1] = strlen(q->dead);
        argvlen[2] = deadlen[i];
        rc = redisAppendCommandArgv(q->c, 3, argv, argvlen);
    }

    if (rc == REDIS_OK) {
        rc = redisAppendCommand(q->c, "LTRIM %s 0 %s", q->proc, stop);
    }

    if (rc == REDIS_OK) {
        rc = redisAppendCommand(q->c, "EXEC");
    }

    if (rc != REDIS_OK) {
        zt_queue_fail(q, "ack", NULL);
        return ZT_ERROR;
    }

    /* MULTI, the queued commands, then EXEC's array */
    nargs = ndead + 3;

    for (i = 0; i < nargs; i++) {
        if (redisGetReply(q->c, (void **) &r) != REDIS_OK) {
            zt_queue_fail(q, "ack", NULL);
            return ZT_ERROR;
        }

        if (r->type == REDIS_REPLY_ERROR
            || (i == nargs - 1 && r->type != REDIS_REPLY_ARRAY))
        {
            zt_queue_fail(q, "ack", r);
            return ZT_ERROR;
        }

        freeReplyObject(r);
    }

    return ZT_OK;
}


static int
zt_queue_ack_leased(zt_queue_t *q, size_t n, const char **dead,
    const size_t *deadlen, size_t ndead)
{
    int           lost;
    char          stop[32], ttl[32];
    size_t        i, argc, *argvlen;
    redisReply   *r;
    const char  **argv;

    snprintf(stop, sizeof(stop), "-%zu", n + 1);
    snprintf(ttl, sizeof(ttl), "%lld", (long long) q->lease_ms);

    argc = 9 + ndead;
    argv = malloc(argc * sizeof(char *));
    argvlen = malloc(argc * sizeof(size_t));
    if (argv == NULL || argvlen == NULL) {
        free(argv);
        free(argvlen);
        zt_log_error("out of memory");
        return ZT_ERROR;
    }

    argv[0] = "EVAL";
    argv[1] = zt_queue_ack_lua;
    argv[2] = "3";
    argv[3] = q->proc;
    argv[4] = q->dead;
    argv[5] = q->lease;
    argv[6] = q->token;
    argv[7] = stop;
    argv[8] = ttl;

    for (i = 0; i < 9; i++) {
        argvlen[i] = strlen(argv[i]);
    }

    for (i = 0; i < ndead; i++) {
        argv[9 + i] = dead[i];
        argvlen[9 + i] = deadlen[i];
    }

    r = redisCommandArgv(q->c, (int) argc, argv, argvlen);
    free(argv);
    free(argvlen);

    if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
        lost = r && r->type == REDIS_REPLY_ERROR
               && strstr(r->str, "ZTLEASE") != NULL;
        zt_queue_fail(q, "ack", r);
        return lost ? ZT_DECLINED : ZT_ERROR;
    }

    freeReplyObject(r);
    return ZT_OK;
}


static int
zt_qbatch_grow(zt_qbatch_t *b, size_t items, size_t reps)
{
    size_t        cap;
    void         *p;

    if (b->n + items > b->cap) {
        cap = b->cap ? b->cap : 64;
        while (cap < b->n + items) {
            cap *= 2;
        }

        p = realloc(b->items, cap * sizeof(zt_qitem_t));
        if (p == NULL) {
            zt_log_error("out of memory");
            return ZT_ERROR;
        }

        b->items = p;
        b->cap = cap;
    }

    if (b->nrep + reps > b->repcap) {
        cap = b->repcap ? b->repcap : 64;
        while (cap < b->nrep + reps) {
            cap *= 2;
        }

        p = realloc(b->rep, cap * sizeof(redisReply *));
        if (p == NULL) {
            zt_log_error("out of memory");
            return ZT_ERROR;
        }

        b->rep = p;
        b->repcap = cap;
    }

    return ZT_OK;
}


/* room was made by zt_qbatch_grow() */
static void
zt_qbatch_add(zt_qbatch_t *b, redisReply *r)
{
    b->items[b->n].raw = r->str;
    b->items[b->n].len = r->len;
    b->n++;
    b->rep[b->nrep++] = r;
}


int
zt_queue_giveback(zt_queue_t *q, size_t n, size_t *moved)
{
    size_t       i;
    redisReply  *r;

    *moved = 0;

    if (q->c == NULL || q->inflight) {
        return ZT_ERROR;
    }

    for (i = 0; i < n; i++) {
        if (redisAppendCommand(q->c, "LMOVE %s %s LEFT RIGHT", q->proc,
                               q->src)
            != REDIS_OK)
        {
            zt_queue_fail(q, "LMOVE", NULL);
            return ZT_ERROR;
        }
    }

    for (i = 0; i < n; i++) {
        if (redisGetReply(q->c, (void **) &r) != REDIS_OK) {
            zt_queue_fail(q, "LMOVE", NULL);
            return ZT_ERROR;
        }

        if (r->type == REDIS_REPLY_ERROR) {
            zt_queue_fail(q, "LMOVE", r);
            return ZT_ERROR;
        }

        /* nil: the list was shorter (reclaimed by another drainer) */
        *moved += r->type != REDIS_REPLY_NIL;
        freeReplyObject(r);
    }

    return ZT_OK;
}


void
zt_qbatch_reset(zt_qbatch_t *b)
{
    size_t  i;

    for (i = 0; i < b->nrep; i++) {
        freeReplyObject(b->rep[i]);
    }

    b->n = 0;
    b->nrep = 0;
}


void
zt_qbatch_free(zt_qbatch_t *b)
{
    zt_qbatch_reset(b);
    free(b->items);
    free(b->rep);
    memset(b, 0, sizeof(zt_qbatch_t));
}
