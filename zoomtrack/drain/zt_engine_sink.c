/*
 * zt_engine_sink: the loop of one sink's thread.  Each step starts the
 * sink (init) when it could not start yet, connects when it has no Redis
 * connection (both with backoff), takes a batch, has it parsed and
 * written (zt_engine_batch.c), dead-letters what the sink refused and
 * acks the batch in Redis; with nothing to do it puts a
 * BLMOVE in flight and waits on it, the next retry or a wake-up.  The
 * thread works only while its leases are held and fresh (the main thread
 * renews them, zt_engine_lease.c) and holds the engine's read lock except
 * while it waits, so SIGHUP can reopen the log between steps.  Everything
 * a step touches belongs to its sink; the counters are shared under
 * stat_lock.
 */

#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "zt_time.h"
#include "zt_engine_int.h"
#include "zt_log.h"
#include "zt_queue.h"
#include "zt_sink.h"


#define ZT_ENGINE_TICK_MS      50
#define ZT_ENGINE_GATE_MS      50


static int zt_engine_may_work(zt_engine_int_t *e, zt_engine_sink_t *s,
    int64_t now);
static void zt_engine_lost(zt_engine_int_t *e, zt_engine_sink_t *s,
    int64_t now);
static int zt_engine_step(zt_engine_int_t *e, zt_engine_sink_t *s,
    int64_t now);
static void zt_engine_sink_wait(zt_engine_int_t *e, zt_engine_sink_t *s,
    int64_t now);
static void zt_engine_tick(zt_engine_sink_t *s, int force);


/*
 * A sink's thread.  Holds the engine's read lock except while it waits, so
 * that SIGHUP can swap the log file between steps.  With --once it ends
 * when its queue and processing list are empty.
 */
void *
zt_engine_sink_main(void *arg)
{
    int                rc;
    int64_t            now;
    struct pollfd      pfd;
    zt_engine_sink_t  *s = arg;
    zt_engine_int_t       *e = s->e;

    pthread_rwlock_rdlock(&e->lock);

    while (!zt_engine_stopping(e)) {
        now = zt_time_monotonic_ms();

        if (!zt_engine_may_work(e, s, now)) {
            if (__atomic_load_n(&s->skip, __ATOMIC_ACQUIRE)) {
                break;
            }

            /* waits for the lease (a standby, or renewals failing) */
            pthread_rwlock_unlock(&e->lock);
            pfd.fd = s->wakefd;
            pfd.events = POLLIN;
            (void) poll(&pfd, 1, ZT_ENGINE_GATE_MS);
            pthread_rwlock_rdlock(&e->lock);
            continue;
        }

        rc = zt_engine_step(e, s, now);
        zt_engine_tick(s, 0);

        if (s->gaveup) {
            break;
        }

        if (rc > 0) {
            /* between batches, so a waiting SIGHUP gets its turn even
             * while this sink always has work */
            pthread_rwlock_unlock(&e->lock);
            pthread_rwlock_rdlock(&e->lock);
            continue;
        }

        if (e->once && s->q->c && s->idle && !s->pending) {
            break;
        }

        pthread_rwlock_unlock(&e->lock);
        zt_engine_sink_wait(e, s, now);
        pthread_rwlock_rdlock(&e->lock);
    }

    zt_engine_prefetch_giveback(s);

    if (s->inited) {
        zt_engine_tick(s, 1);
    }

    /* tells --once's main loop this sink is done */
    __atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);

    pthread_rwlock_unlock(&e->lock);

    return NULL;
}


/* the sink's lease is ours and was renewed recently enough */
static int
zt_engine_may_work(zt_engine_int_t *e, zt_engine_sink_t *s, int64_t now)
{
    return __atomic_load_n(&s->active, __ATOMIC_ACQUIRE)
           && now <= __atomic_load_n(&e->lease_until, __ATOMIC_ACQUIRE);
}



int64_t
zt_engine_backoff(zt_engine_int_t *e, zt_engine_sink_t *s, unsigned attempt)
{
    int64_t  cap;

    cap = e->backoff_min;
    while (attempt-- > 0 && cap < e->backoff_max) {
        cap *= 2;
    }

    if (cap > e->backoff_max) {
        cap = e->backoff_max;
    }

    return 1 + (int64_t) (erand48(s->rng) * (double) (cap - 1));
}


int
zt_engine_connect(zt_engine_int_t *e, zt_engine_sink_t *s, int64_t now)
{
    char  err[256];

    if (zt_queue_connect(s->q, err, sizeof(err)) != ZT_OK) {
        zt_engine_stat_fail(e, s, ZT_SINK_RETRYING, err);
        s->redis_failing = 1;
        s->connect_at = now + zt_engine_backoff(e, s, s->connect_attempt);
        zt_log_error("[sink:%s] %s; retrying in %lld ms", s->ops->name, err,
                     (long long) (s->connect_at - now));
        s->connect_attempt++;

        if (e->once && s->connect_attempt >= (unsigned) e->max_attempts) {
            zt_log_error("[sink:%s] giving up after %u attempt(s) to "
                         "reach redis", s->ops->name, s->connect_attempt);
            s->gaveup = 1;
        }

        return ZT_ERROR;
    }

    if (s->connect_attempt) {
        zt_log_info("[sink:%s] connected to redis again", s->ops->name);
    }

    /* connect_attempt is reset once the connection has worked */
    s->idle = 0;
    return ZT_OK;
}


int
zt_engine_sink_init(zt_engine_int_t *e, zt_engine_sink_t *s, int64_t now)
{
    int      rc;
    int64_t  delay;

    s->err[0] = '\0';

    zt_log_remember(s->err, sizeof(s->err));
    rc = s->ops->init(e->conf, &s->ctx);
    zt_log_capture(NULL, 0);

    if (rc != ZT_OK) {
        s->ctx = NULL;

        if (rc != ZT_RETRY) {
            return ZT_ERROR;
        }

        /*
         * Its files or database cannot be opened now (a full disk, a
         * mount not there yet, an owner being fixed): the other sinks go
         * on, and `zoomtrack status` says why this one waits.
         */
        delay = zt_engine_backoff(e, s, s->init_attempt++);
        s->init_at = now + delay;
        zt_engine_stat_fail(e, s, ZT_SINK_RETRYING,
                            s->err[0] ? zt_engine_reason(s)
                                      : "cannot start");
        zt_log_warn("[sink:%s] cannot start yet (attempt %u); trying "
                    "again in %lld ms", s->ops->name, s->init_attempt,
                    (long long) delay);
        return ZT_RETRY;
    }

    s->inited = 1;

    if (s->init_attempt) {
        s->init_attempt = 0;
        zt_engine_stat_ok(e, s);
    }

    zt_log_info("[sink:%s] draining \"%s\" through \"%s\"%s", s->ops->name,
                s->q->src, s->q->proc,
                s->single ? " (holds its lease: runs here only)" : "");

    return ZT_OK;
}


/*
 * The connection failed: forget the batch (Redis still has it), and show
 * why in `zoomtrack status` (a read-only replica or an OOM Redis refuses
 * every LMOVE while the connection itself works).
 */
static void
zt_engine_lost(zt_engine_int_t *e, zt_engine_sink_t *s, int64_t now)
{
    zt_engine_stat_fail(e, s, ZT_SINK_RETRYING,
                        s->q->err[0] ? s->q->err : "redis failed");
    s->redis_failing = 1;

    zt_engine_prefetch_drop(s);
    zt_engine_batch_reset(s);
    zt_queue_close(s->q);
    s->connect_at = now + zt_engine_backoff(e, s, s->connect_attempt);
    s->connect_attempt++;
}


/*
 * One step of one sink.  Returns the number of records it acked (> 0 means
 * progress), 0 when it had nothing to do or must wait.
 */
static int
zt_engine_step(zt_engine_int_t *e, zt_engine_sink_t *s, int64_t now)
{
    int      rc;
    size_t   i, n, dead;
    json_t **pre;
    char   **prep;
    size_t  *prep_len;

    if (!s->inited) {
        if (now < s->init_at) {
            return 0;
        }

        rc = zt_engine_sink_init(e, s, now);

        if (rc == ZT_ERROR) {
            /* it never will (no init_at to wait for): stop, as a single
             * sink that cannot start does */
            zt_log_error("[sink:%s] failed to start (see above)",
                         s->ops->name);
            __atomic_store_n(&e->fatal, 1, __ATOMIC_RELEASE);
            return 0;
        }

        if (rc != ZT_OK) {
            if (e->once && s->init_attempt >= (unsigned) e->max_attempts) {
                zt_log_error("[sink:%s] giving up after %u attempt(s) to "
                             "start", s->ops->name, s->init_attempt);
                s->gaveup = 1;
            }
            return 0;
        }
    }

    if (s->q->c == NULL) {
        if (now < s->connect_at || zt_engine_connect(e, s, now) != ZT_OK) {
            return 0;
        }
    }

    if (s->q->inflight) {
        return 0;
    }

    if (!s->pending) {
        pre = NULL;
        prep = NULL;
        prep_len = NULL;

        if (!zt_engine_prefetch_take(s, &pre, &prep, &prep_len)) {
            rc = zt_queue_take(s->q, &s->b, e->batch_size);
            if (rc == ZT_ERROR) {
                zt_engine_lost(e, s, now);
                return 0;
            }
        }

        s->connect_attempt = 0;

        if (s->redis_failing) {
            s->redis_failing = 0;
            s->q->err[0] = '\0';
            zt_engine_stat_ok(e, s);
        }

        if (s->b.n == 0) {
            s->idle = 1;
            return 0;
        }

        s->idle = 0;

        if (zt_engine_parse(e, s, pre, prep, prep_len) != ZT_OK) {
            zt_engine_lost(e, s, now);
            return 0;
        }

        s->pending = 1;
        s->attempt = 0;
        s->retry_at = 0;
        s->nrange = 0;

        if (s->nitems) {
            s->range[0][0] = 0;
            s->range[0][1] = s->nitems;
            s->nrange = 1;
        }
    }

    if (now < s->retry_at) {
        return 0;
    }

    zt_engine_prefetch_start(e, s);

    rc = zt_engine_write(e, s, now);

    if (zt_engine_prefetch_join(s) != ZT_OK) {
        /* the connection is gone: the batch comes again */
        zt_engine_lost(e, s, now);
        return 0;
    }

    if (rc != ZT_OK) {
        return 0;
    }

    for (i = 0; i < s->nitems; i++) {
        if (s->items[i].error && s->items[i].error != zt_engine_split_dead
            && zt_engine_dead(s, s->items[i].raw, s->items[i].len,
                              s->items[i].error) != ZT_OK)
        {
            zt_engine_lost(e, s, now);
            return 0;
        }
    }

    n = s->b.n;

    rc = zt_queue_ack(s->q, n, (const char **) s->dead, s->deadlen,
                      s->ndead);
    if (rc != ZT_OK) {
        if (rc == ZT_DECLINED) {
            zt_log_error("[sink:%s] lease \"%s\" is no longer ours: "
                         "stopping (the batch is delivered again by "
                         "whoever reclaims \"%s\")", s->ops->name,
                         s->q->lease, s->q->proc);
            __atomic_store_n(&e->fatal, 1, __ATOMIC_RELEASE);
        }
        zt_engine_lost(e, s, now);
        return 0;
    }

    dead = 0;
    for (i = 0; i < s->nitems; i++) {
        if (s->items[i].error) {
            dead++;
        }
    }

    pthread_mutex_lock(&e->stat_lock);
    s->stat.stored += s->nitems - dead;
    s->stat.dead += s->ndead;
    pthread_mutex_unlock(&e->stat_lock);

    zt_engine_batch_reset(s);

    return (int) n;
}


/*
 * Nothing to do for now: puts a BLMOVE in flight (not with --once) and
 * waits for its reply, the next retry or reconnect, the next tick, or a
 * wake-up (stop), whichever comes first.
 */
static void
zt_engine_sink_wait(zt_engine_int_t *e, zt_engine_sink_t *s, int64_t now)
{
    int            n, rc;
    int64_t        timeout;
    uint64_t       v;
    struct pollfd  pfd[2];

    timeout = e->once ? 10 : e->block_ms;

    if (!s->inited) {
        timeout = s->init_at - now;

    } else if (s->q->c == NULL) {
        timeout = s->connect_at - now;

    } else if (s->pending) {
        timeout = s->retry_at - now;

    } else if (!e->once && !s->q->inflight && s->b.n == 0
               && zt_queue_wait_send(s->q, e->block_ms) != ZT_OK)
    {
        pthread_rwlock_rdlock(&e->lock);
        zt_engine_lost(e, s, now);
        pthread_rwlock_unlock(&e->lock);
        return;
    }

    if (s->ops->tick && s->inited && timeout > ZT_ENGINE_TICK_MS) {
        timeout = ZT_ENGINE_TICK_MS;
    }

    if (timeout < 0) {
        timeout = 0;
    }

    pfd[0].fd = s->wakefd;
    pfd[0].events = POLLIN;
    pfd[0].revents = 0;
    n = 1;

    if (s->q->inflight) {
        pfd[1].fd = zt_queue_fd(s->q);
        pfd[1].events = POLLIN;
        pfd[1].revents = 0;
        n = 2;
    }

    rc = poll(pfd, (nfds_t) n, (int) timeout);
    if (rc <= 0) {
        return;
    }

    if (pfd[0].revents) {
        if (read(s->wakefd, &v, sizeof(v)) == -1) {
            /* nothing to read: fine */
        }
    }

    if (n == 2 && pfd[1].revents) {
        pthread_rwlock_rdlock(&e->lock);

        rc = zt_queue_wait_read(s->q, &s->b);
        if (rc == ZT_ERROR) {
            zt_engine_lost(e, s, zt_time_monotonic_ms());

        } else if (rc == 1) {
            s->idle = 0;
        }

        pthread_rwlock_unlock(&e->lock);
    }
}


static void
zt_engine_tick(zt_engine_sink_t *s, int force)
{
    int64_t  now;

    if (s->ops->tick == NULL || !s->inited) {
        return;
    }

    now = zt_time_monotonic_ms();

    if (!force && now < s->tick_at) {
        return;
    }

    s->tick_at = now + ZT_ENGINE_TICK_MS;

    if (s->ops->tick(s->ctx, zt_time_now_ms()) != ZT_OK) {
        if (!s->tick_failing) {
            s->tick_failing = 1;
            zt_engine_stat_fail(s->e, s, ZT_SINK_RETRYING, "writing its "
                                "output files failed (see the log)");
        }

    } else if (s->tick_failing) {
        s->tick_failing = 0;
        zt_engine_stat_ok(s->e, s);
    }
}
