/*
 * zt_queue: the reliable-queue side of a Redis list, over a synchronous
 * hiredis connection.  Producers LPUSH to <queue>; a consumer moves records
 * from its RIGHT (oldest first) into <queue>:processing:<consumer> with
 * BLMOVE/LMOVE and removes them from there only after its sink committed
 * them (ack), so a crash at any point leaves every unacknowledged record in
 * the processing list, where the next start finds and delivers it again.
 *
 * Invariant: a batch is always the RIGHTmost n records of the processing
 * list, so the ack is one atomic LTRIM (in a MULTI with the dead-letter
 * LPUSHes).  One processing list belongs to exactly one running consumer.
 */

#ifndef ZT_QUEUE_H
#define ZT_QUEUE_H


#include <hiredis/hiredis.h>

#include "zt_core.h"
#include "zt_conf.h"
#include "zt_redis.h"


typedef struct {
    const char  *raw;        /* points into one of the batch's replies */
    size_t       len;
} zt_qitem_t;


typedef struct {
    zt_qitem_t    *items;
    size_t         n;
    size_t         cap;
    redisReply   **rep;      /* replies that own the items' bytes */
    size_t         nrep;
    size_t         repcap;
} zt_qbatch_t;


typedef struct {
    const zt_redis_conf_t  *rc;
    redisContext           *c;
    char                   *src;       /* <queue> */
    char                   *proc;      /* <queue>:processing:<consumer> */
    char                   *dead;      /* <queue>:dead */
    char                   *lease;     /* <queue>:lease:<consumer> */
    char                   *moves;     /* n_moves formatted LMOVEs, */
    size_t                  n_moves;
    size_t                  move_len;  /* each of this many bytes */
    const char             *token;     /* our lease token; NULL: no lease
                                          check in the ack (unit tests) */
    int64_t                 lease_ms;
    unsigned                inflight:1;  /* a BLMOVE awaits its reply */
    unsigned                recover:1;   /* proc may hold records */
    char                    err[256];    /* the last failure, as logged */
} zt_queue_t;




zt_queue_t *zt_queue_create(const zt_redis_conf_t *rc, const char *queue,
    const char *consumer);
void zt_queue_destroy(zt_queue_t *q);

/* (re)connects; the next take starts with what the processing list holds */
int zt_queue_connect(zt_queue_t *q, char *err, size_t errlen);
void zt_queue_close(zt_queue_t *q);

/*
 * Appends to b up to max - b->n records without blocking: first those left
 * in the processing list by an earlier run (or a lost connection), else
 * LMOVEs pipelined.  Returns the number appended, or ZT_ERROR (the
 * connection is then closed; b is left as it was).
 */
int zt_queue_take(zt_queue_t *q, zt_qbatch_t *b, size_t max);

/*
 * Sends BLMOVE src proc RIGHT LEFT <block_ms> without waiting for its reply;
 * the caller polls zt_queue_fd() and calls zt_queue_wait_read().
 */
int zt_queue_wait_send(zt_queue_t *q, int64_t block_ms);
int zt_queue_fd(const zt_queue_t *q);

/*
 * Reads what arrived for a sent BLMOVE.  Returns 1 (a record was appended
 * to b), 0 (timed out empty), ZT_DECLINED (the reply is not complete yet)
 * or ZT_ERROR (the connection is closed).
 */
int zt_queue_wait_read(zt_queue_t *q, zt_qbatch_t *b);

/*
 * Acknowledges the n records of the batch (the processing list's rightmost
 * n) and pushes the ndead dead-letter entries to <queue>:dead, atomically
 * (a Lua script that first checks q->lease still holds q->token, so a
 * drainer that lost its lease never trims a list another drainer may have
 * reclaimed; MULTI/EXEC without a token).  ZT_OK, ZT_DECLINED (the lease
 * is not ours) or ZT_ERROR (connection closed; the records stay in the
 * processing list and are delivered again).
 */
int zt_queue_ack(zt_queue_t *q, size_t n, const char **dead,
    const size_t *deadlen, size_t ndead);

/*
 * Gives the n newest records of the processing list (its leftmost: a
 * batch taken but not started) back to the queue's consuming end, oldest
 * last, so they come next in their order.  One LMOVE each: a record is
 * always in one of the two lists.  *moved gets how many went back (fewer
 * when the list was shorter: reclaimed by another drainer).  ZT_OK or
 * ZT_ERROR (connection closed; what was not moved is delivered again from
 * the processing list).
 */
int zt_queue_giveback(zt_queue_t *q, size_t n, size_t *moved);

void zt_qbatch_reset(zt_qbatch_t *b);
void zt_qbatch_free(zt_qbatch_t *b);


#endif /* ZT_QUEUE_H */
