/*
 * zt_engine_prefetch: a sink takes and parses its next batch while its
 * write() of the current one runs.
 *
 * Without it a sink's thread did one thing at a time: take a batch from
 * Redis, parse it, write it, ack it.  A cloud sink sat idle while its
 * records were parsed and the server sat idle while it parsed; the
 * archive's group commit left the CPU idle while the disk synced.  Now,
 * just before write(), a short-lived thread moves the next batch into the
 * processing list and parses it; the sink thread joins it after write().
 *
 * Why it is safe:
 * - the Redis connection is used by one thread at a time: the sink thread
 *   does not touch it between starting and joining the prefetch;
 * - the processing list then holds [next batch, current batch] (LMOVE
 *   pushes on the left), and the ack trims only the current batch's
 *   count from the right, so the next batch stays there until its own
 *   ack: a crash or a lost connection delivers it again (at least once);
 * - nothing is prefetched while the processing list may hold records of
 *   an earlier run (q->recover), nor while a BLMOVE is in flight;
 * - records that do not parse are only noted here; the sink thread
 *   dead-letters them when the batch becomes current, as before.
 * Who frees what: the prefetched replies and parsed records are the
 * sink's until zt_engine_prefetch_take() hands them to the current batch,
 * or zt_engine_prefetch_drop() (connection lost, exit) frees them.
 */

#include <stdlib.h>
#include <string.h>

#include "zt_engine_int.h"
#include "zt_log.h"
#include "zt_record.h"


static void *zt_engine_prefetch_main(void *arg);
static int zt_engine_prefetch_grow(zt_engine_sink_t *s, size_t n);
static void zt_engine_prefetch_prepare(zt_engine_sink_t *s, size_t i);


void
zt_engine_prefetch_start(zt_engine_int_t *e, zt_engine_sink_t *s)
{
    if (s->pf.running || s->pf.ready || s->q->c == NULL || s->q->recover
        || s->q->inflight || e->batch_size < 2)
    {
        return;
    }

    s->pf.rc = 0;

    if (pthread_create(&s->pf.tid, NULL, zt_engine_prefetch_main, s) == 0) {
        s->pf.running = 1;
    }
}


static void *
zt_engine_prefetch_main(void *arg)
{
    int                rc;
    size_t             i;
    zt_engine_sink_t  *s = arg;

    rc = zt_queue_take(s->q, &s->pf.b, s->e->batch_size);

    if (rc > 0 && zt_engine_prefetch_grow(s, s->pf.b.n) == ZT_OK) {
        for (i = 0; i < s->pf.b.n; i++) {
            s->pf.rec[i] = zt_engine_load(s->e, s->pf.b.items[i].raw,
                                          s->pf.b.items[i].len);
            zt_engine_prefetch_prepare(s, i);
        }

        s->pf.nrec = s->pf.b.n;
    }

    /* else the records are parsed later, in the sink thread */

    s->pf.rc = rc;

    return NULL;
}


static int
zt_engine_prefetch_grow(zt_engine_sink_t *s, size_t n)
{
    void  *p;

    if (n <= s->pf.cap) {
        return ZT_OK;
    }

    p = realloc(s->pf.rec, n * sizeof(json_t *));
    if (p == NULL) {
        return ZT_ERROR;
    }
    s->pf.rec = p;

    p = realloc(s->pf.prep, n * sizeof(char *));
    if (p == NULL) {
        return ZT_ERROR;
    }
    s->pf.prep = p;

    p = realloc(s->pf.prep_len, n * sizeof(size_t));
    if (p == NULL) {
        return ZT_ERROR;
    }
    s->pf.prep_len = p;

    s->pf.cap = n;

    return ZT_OK;
}


/* the sink's prepare() of record i, when it has one and i can be stored */
static void
zt_engine_prefetch_prepare(zt_engine_sink_t *s, size_t i)
{
    json_t     *id;
    zt_item_t   it;

    s->pf.prep[i] = NULL;
    s->pf.prep_len[i] = 0;

    if (s->ops->prepare == NULL || !s->inited || s->pf.rec[i] == NULL) {
        return;
    }

    id = json_object_get(s->pf.rec[i], "event_id");
    if (!json_is_string(id) || json_string_length(id) == 0) {
        return;
    }

    memset(&it, 0, sizeof(zt_item_t));
    it.raw = s->pf.b.items[i].raw;
    it.len = s->pf.b.items[i].len;
    it.rec = s->pf.rec[i];
    it.event_id = json_string_value(id);

    s->pf.prep[i] = s->ops->prepare(s->ctx, &it, &s->pf.prep_len[i]);
}


/*
 * Waits for the prefetch.  ZT_OK, or ZT_ERROR when its take failed: the
 * connection is closed, and the caller handles it as a lost connection.
 */
int
zt_engine_prefetch_join(zt_engine_sink_t *s)
{
    if (!s->pf.running) {
        return ZT_OK;
    }

    (void) pthread_join(s->pf.tid, NULL);
    s->pf.running = 0;

    if (s->pf.rc == ZT_ERROR) {
        zt_engine_prefetch_drop(s);
        return ZT_ERROR;
    }

    s->pf.ready = (s->pf.b.n > 0);

    return ZT_OK;
}


/*
 * Makes the prefetched batch the current one (s->b, empty after the last
 * ack); *rec, *prep and *prep_len get its parsed records and what the
 * sink's prepare() made of them (left NULL: parse them now), which the
 * caller now owns.  0 when nothing was prefetched.
 */
int
zt_engine_prefetch_take(zt_engine_sink_t *s, json_t ***rec, char ***prep,
    size_t **prep_len)
{
    zt_qbatch_t  t;

    if (!s->pf.ready) {
        return 0;
    }

    t = s->b;
    s->b = s->pf.b;
    s->pf.b = t;

    if (s->pf.nrec == s->b.n) {
        *rec = s->pf.rec;
        *prep = s->pf.prep;
        *prep_len = s->pf.prep_len;
    }

    s->pf.nrec = 0;
    s->pf.ready = 0;

    return 1;
}


/* forgets a prefetched batch: it stays in the processing list */
void
zt_engine_prefetch_drop(zt_engine_sink_t *s)
{
    size_t  i;

    if (s->pf.running) {
        (void) pthread_join(s->pf.tid, NULL);
        s->pf.running = 0;
    }

    zt_engine_decref_all(s->e, s->pf.rec, s->pf.nrec);

    for (i = 0; i < s->pf.nrec; i++) {
        free(s->pf.prep[i]);
    }

    s->pf.nrec = 0;
    s->pf.ready = 0;
    zt_qbatch_reset(&s->pf.b);
}


/*
 * When the sink stops: what was prefetched goes back to the queue, so a
 * stopped drainer leaves nothing but a batch it could not finish in its
 * processing list, as before prefetching.
 */
void
zt_engine_prefetch_giveback(zt_engine_sink_t *s)
{
    size_t  n, moved;

    if (s->pf.running) {
        (void) zt_engine_prefetch_join(s);
    }

    n = s->pf.ready ? s->pf.b.n : 0;

    zt_engine_prefetch_drop(s);

    if (n && s->q->c && zt_queue_giveback(s->q, n, &moved) == ZT_OK) {
        zt_log_info("[sink:%s] %zu record(s) taken ahead went back to "
                    "\"%s\"%s", s->ops->name, moved, s->q->src,
                    moved < n ? " (the rest were no longer in the "
                    "processing list)" : "");
    }
}


void
zt_engine_prefetch_free(zt_engine_sink_t *s)
{
    zt_engine_prefetch_drop(s);
    zt_qbatch_free(&s->pf.b);
    free(s->pf.rec);
    free(s->pf.prep);
    free(s->pf.prep_len);
    s->pf.rec = NULL;
    s->pf.prep = NULL;
    s->pf.prep_len = NULL;
    s->pf.cap = 0;
}
