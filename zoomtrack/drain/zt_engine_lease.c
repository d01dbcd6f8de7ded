/*
 * zt_engine_lease: the drain engine's main-thread duties towards other
 * drainers and operators, on a Redis connection of its own:
 *
 *  - leases (zt_lease.h): every sink's processing list is ours only while
 *    <queue>:lease:<consumer> holds our token, renewed every third of
 *    [drain] lease_ms; sink threads stop working when the last renewal is
 *    older than the lease (e->lease_until), and a lease another drainer
 *    took stops this one (exit 1).  A single sink (status) also needs
 *    <queue>:lease: without it the sink stands by and tries again at each
 *    renewal;
 *  - reclaim: processing lists whose consumer lease expired go back to
 *    their queue, at start and at each renewal;
 *  - counters: DATA/drain-status.json, rewritten at most once a second
 *    (temp file + rename) for `zoomtrack status`.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <jansson.h>

#include "zt_time.h"
#include "zt_engine_int.h"
#include "zt_fs.h"
#include "zt_log.h"


#define ZT_ENGINE_STATUS_MS   1000
#define ZT_ENGINE_WAIT_MS     200


static int zt_engine_lc(zt_engine_int_t *e, int64_t now);
static void zt_engine_lc_close(zt_engine_int_t *e);
static void zt_engine_lease_drop(zt_engine_int_t *e);
static int zt_engine_lease_take(zt_engine_int_t *e, zt_engine_sink_t *s);
static int zt_engine_single(zt_engine_int_t *e, zt_engine_sink_t *s);
static int zt_engine_renew(zt_engine_int_t *e, int64_t now);
static void zt_engine_reclaim(zt_engine_int_t *e);
static void zt_engine_status_write(zt_engine_int_t *e, int running);
static json_t *zt_engine_status_sink(zt_engine_int_t *e,
    zt_engine_sink_t *s);
static const char *zt_engine_state_name(int state);


static const char *
zt_engine_state_name(int state)
{
    switch (state) {
    case ZT_SINK_RETRYING:
        return "retrying";
    case ZT_SINK_PAUSED:
        return "paused";
    case ZT_SINK_STANDBY:
        return "standby";
    default:
        return "ok";
    }
}


static int
zt_engine_lc(zt_engine_int_t *e, int64_t now)
{
    char  err[256];

    if (e->lc) {
        return ZT_OK;
    }

    if (now < e->lc_at) {
        return ZT_ERROR;
    }

    e->lc = zt_redis_connect(&e->rc, err, sizeof(err));
    if (e->lc == NULL) {
        zt_log_error("drain: leases: %s", err);
        e->lc_at = now + 1000;
        return ZT_ERROR;
    }

    return ZT_OK;
}


static void
zt_engine_lc_close(zt_engine_int_t *e)
{
    if (e->lc) {
        redisFree(e->lc);
        e->lc = NULL;
    }
}


int
zt_engine_lease_start(zt_engine_int_t *e)
{
    size_t             i;
    int64_t            t0;
    zt_engine_sink_t  *s;

    if (e->nsinks == 0) {
        return ZT_OK;
    }

    e->lc_at = 0;
    if (zt_engine_lc(e, zt_time_monotonic_ms()) != ZT_OK) {
        return ZT_ERROR;
    }

    t0 = zt_time_monotonic_ms();

    for (i = 0; i < e->nsinks; i++) {
        switch (zt_engine_lease_take(e, &e->sinks[i])) {
        case ZT_OK:
            break;
        case ZT_DECLINED:
            zt_engine_lease_drop(e);
            return ZT_DECLINED;
        default:
            zt_engine_lease_drop(e);
            return ZT_ERROR;
        }
    }

    __atomic_store_n(&e->lease_until, t0 + e->lease_ms - e->lease_ms / 10,
                     __ATOMIC_RELEASE);
    e->lease_at = t0 + e->lease_ms / 3;

    zt_engine_reclaim(e);

    for (i = 0; i < e->nsinks; i++) {
        s = &e->sinks[i];

        if (!s->single) {
            __atomic_store_n(&s->active, 1, __ATOMIC_RELEASE);
            continue;
        }

        if (zt_engine_single(e, s) == ZT_ERROR) {
            zt_engine_lease_drop(e);
            return __atomic_load_n(&e->fatal, __ATOMIC_ACQUIRE)
                   ? ZT_DECLINED : ZT_ERROR;
        }

        if (!s->active && e->once) {
            /* another drainer runs this sink: --once leaves it alone */
            __atomic_store_n(&s->skip, 1, __ATOMIC_RELEASE);
        }
    }

    zt_engine_status_write(e, 1);
    e->status_at = zt_time_monotonic_ms() + ZT_ENGINE_STATUS_MS;
    e->ticked = zt_time_monotonic_ms();

    return ZT_OK;
}


/*
 * The consumer lease of one sink's processing list.  A holder elsewhere is
 * given one lease time to show it is alive (renewing); ZT_DECLINED when it
 * does, or when it is a live process of this host.
 */
static int
zt_engine_lease_take(zt_engine_int_t *e, zt_engine_sink_t *s)
{
    int      rc, said;
    char     holder[ZT_LEASE_TOKEN_LEN], who[ZT_LEASE_TOKEN_LEN];
    int64_t  deadline;

    deadline = zt_time_monotonic_ms() + e->lease_ms + ZT_ENGINE_WAIT_MS;
    said = 0;

    for ( ;; ) {
        rc = zt_lease_acquire(e->lc, s->q->lease, e->token, e->lease_ms,
                              holder, sizeof(holder));

        if (rc == ZT_OK || rc == ZT_ERROR) {
            return rc;
        }

        if (rc == ZT_RETRY && zt_time_monotonic_ms() < deadline
            && !(e->sigstop && *e->sigstop))
        {
            if (!said) {
                zt_lease_who(holder, who, sizeof(who));
                zt_log_info("drain: \"%s\" is held by %s; waiting up to "
                            "%lld ms for it to expire", s->q->lease, who,
                            (long long) e->lease_ms);
                said = 1;
            }
            zt_engine_sleep(ZT_ENGINE_WAIT_MS, e->sigmask);
            continue;
        }

        if (e->sigstop && *e->sigstop) {
            return ZT_ERROR;
        }

        zt_lease_who(holder, who, sizeof(who));
        zt_log_error("drain: consumer \"%s\" is in use: \"%s\" is held by "
                     "the drainer %s; give each drainer sharing this redis "
                     "its own [drain] consumer", e->consumer, s->q->lease,
                     who);
        return ZT_DECLINED;
    }
}


/*
 * Tries the lease of a single sink; on success starts the sink (init).
 * ZT_OK (ours, or another's, or it cannot start yet and the lease went
 * back: s->active tells), ZT_ERROR (Redis failed, the sink never can
 * start: e->fatal set, or with --once it cannot start now).
 */
static int
zt_engine_single(zt_engine_int_t *e, zt_engine_sink_t *s)
{
    int   rc;
    char  holder[ZT_LEASE_TOKEN_LEN];

    rc = zt_lease_acquire(e->lc, s->slease, e->token, e->lease_ms, holder,
                          sizeof(holder));
    if (rc == ZT_ERROR) {
        zt_engine_lc_close(e);
        return ZT_ERROR;
    }

    if (rc != ZT_OK) {
        pthread_mutex_lock(&e->stat_lock);
        if (s->stat.state != ZT_SINK_STANDBY
            || strcmp(s->stat.holder, holder) != 0)
        {
            zt_log_info("[sink:%s] standing by: \"%s\" is held by %s, "
                        "which runs this sink", s->ops->name, s->slease,
                        holder);
        }
        s->stat.state = ZT_SINK_STANDBY;
        snprintf(s->stat.holder, sizeof(s->stat.holder), "%s", holder);
        pthread_mutex_unlock(&e->stat_lock);
        return ZT_OK;
    }

    rc = zt_engine_sink_init(e, s, zt_time_monotonic_ms());

    if (rc != ZT_OK) {
        zt_lease_release(e->lc, s->slease, e->token);

        if (rc == ZT_RETRY && !e->once) {
            /* another drainer may start it meanwhile; else we try again */
            return ZT_OK;
        }

        zt_log_error("[sink:%s] failed to start (see above)", s->ops->name);
        if (rc != ZT_RETRY) {
            __atomic_store_n(&e->fatal, 1, __ATOMIC_RELEASE);
        }
        return ZT_ERROR;
    }

    pthread_mutex_lock(&e->stat_lock);
    if (s->stat.state == ZT_SINK_STANDBY) {
        zt_log_info("[sink:%s] took over \"%s\" from %s", s->ops->name,
                    s->slease, s->stat.holder);
        s->stat.state = ZT_SINK_OK;
    }
    snprintf(s->stat.holder, sizeof(s->stat.holder), "%s", e->token);
    pthread_mutex_unlock(&e->stat_lock);

    __atomic_store_n(&s->active, 1, __ATOMIC_RELEASE);

    return ZT_OK;
}


int64_t
zt_engine_lease_due(zt_engine_int_t *e, int64_t now)
{
    int64_t  t;

    if (e->nsinks == 0) {
        return 1000;
    }

    t = e->lease_at < e->status_at ? e->lease_at : e->status_at;

    return t > now ? t - now : 0;
}


void
zt_engine_lease_tick(zt_engine_int_t *e, int64_t now)
{
    if (e->nsinks == 0) {
        return;
    }

    /*
     * the main loop comes here at least every third of the lease: a gap
     * of two thirds means the leases came close to expiring, or did
     * (another drainer may then take them, and this one stops); saying so
     * first explains the lines about a vanished or taken lease that follow
     * (a stalled process or host, a slow Redis or spool import)
     */
    if (now - e->ticked > 2 * e->lease_ms / 3) {
        zt_log_warn("drain: %lld ms since the last lease renewal round "
                    "(lease_ms %lld): this drainer was held up, its leases "
                    "may have expired", (long long) (now - e->ticked),
                    (long long) e->lease_ms);
    }

    e->ticked = now;

    if (now >= e->lease_at) {
        e->lease_at = now + e->lease_ms / 3;

        if (zt_engine_lc(e, now) == ZT_OK && zt_engine_renew(e, now) == ZT_OK)
        {
            zt_engine_reclaim(e);
        }
    }

    if (now >= e->status_at) {
        e->status_at = now + ZT_ENGINE_STATUS_MS;
        zt_engine_status_write(e, 1);
    }
}


/* renews every lease we hold; tries the single sinks' leases we lack */
static int
zt_engine_renew(zt_engine_int_t *e, int64_t now)
{
    int                rc;
    char               holder[ZT_LEASE_TOKEN_LEN], who[ZT_LEASE_TOKEN_LEN];
    size_t             i, k;
    const char        *key;
    zt_engine_sink_t  *s;

    for (i = 0; i < e->nsinks; i++) {
        s = &e->sinks[i];

        for (k = 0; k < 2; k++) {
            if (k == 1 && !(s->single
                            && __atomic_load_n(&s->active, __ATOMIC_ACQUIRE)))
            {
                continue;
            }

            key = k ? s->slease : s->q->lease;

            rc = zt_lease_renew(e->lc, key, e->token, e->lease_ms, holder,
                                sizeof(holder));
            if (rc == ZT_ERROR) {
                zt_engine_lc_close(e);
                return ZT_ERROR;
            }

            if (rc == ZT_DECLINED
                && strcmp(holder, ZT_LEASE_RECLAIMED) == 0)
            {
                zt_log_error("drain: lease \"%s\" expired while this "
                             "drainer was held up, and another drainer "
                             "took its records back: stopping (they are "
                             "delivered again)", key);
                __atomic_store_n(&e->fatal, 1, __ATOMIC_RELEASE);
                return ZT_ERROR;
            }

            if (rc == ZT_DECLINED) {
                zt_lease_who(holder, who, sizeof(who));
                zt_log_error("drain: lease \"%s\" was taken by %s (ours had "
                             "expired): stopping", key, who);
                __atomic_store_n(&e->fatal, 1, __ATOMIC_RELEASE);
                return ZT_ERROR;
            }
        }
    }

    __atomic_store_n(&e->lease_until, now + e->lease_ms - e->lease_ms / 10,
                     __ATOMIC_RELEASE);

    for (i = 0; i < e->nsinks; i++) {
        s = &e->sinks[i];

        if (s->single && !__atomic_load_n(&s->active, __ATOMIC_ACQUIRE)
            && !e->once && now >= s->init_at
            && zt_engine_single(e, s) != ZT_OK)
        {
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


static void
zt_engine_reclaim(zt_engine_int_t *e)
{
    size_t             i, j;
    zt_engine_sink_t  *s;

    for (i = 0; i < e->nsinks && e->lc; i++) {
        s = &e->sinks[i];

        /* two sinks on one queue: one pass is enough */
        for (j = 0; j < i; j++) {
            if (strcmp(e->sinks[j].q->src, s->q->src) == 0) {
                break;
            }
        }

        if (j < i) {
            continue;
        }

        if (zt_lease_reclaim(e->lc, s->q->src, s->q->proc) < 0) {
            zt_engine_lc_close(e);
        }
    }
}


void
zt_engine_lease_stop(zt_engine_int_t *e)
{
    if (e->nsinks == 0) {
        return;
    }

    zt_engine_status_write(e, 0);
    zt_engine_lease_drop(e);
}


/* releases what we hold (a release checks the token) and disconnects */
static void
zt_engine_lease_drop(zt_engine_int_t *e)
{
    size_t             i;
    zt_engine_sink_t  *s;

    if (e->lc == NULL) {
        return;
    }

    for (i = 0; i < e->nsinks; i++) {
        s = &e->sinks[i];

        if (s->single) {
            zt_lease_release(e->lc, s->slease, e->token);
        }

        zt_lease_release(e->lc, s->q->lease, e->token);
    }

    zt_engine_lc_close(e);
}


/* DATA/drain-status.json: temp file, then rename (readers never see half) */
static void
zt_engine_status_write(zt_engine_int_t *e, int running)
{
    int      fd;
    char     tmp[4200], at[ZT_RFC3339_LEN + 1], failed[4096];
    char    *d;
    size_t   i, len;
    json_t  *o, *a;
    ssize_t  w;

    zt_time_rfc3339(zt_time_now_ms(), at);

    o = json_pack("{s:i, s:s, s:s, s:I, s:s, s:b}", "pid", (int) getpid(),
                  "consumer", e->consumer, "token", e->token,
                  "updated_ms", (json_int_t) zt_time_now_ms(),
                  "updated_at", at, "running", running);
    a = json_array();

    if (o == NULL || a == NULL || json_object_set_new(o, "sinks", a) != 0) {
        json_decref(o);
        return;
    }

    for (i = 0; i < e->nsinks; i++) {
        json_array_append_new(a, zt_engine_status_sink(e, &e->sinks[i]));
    }

    d = json_dumps(o, JSON_INDENT(1));
    json_decref(o);
    if (d == NULL) {
        return;
    }

    if (zt_fs_mkdirs(e->status_path, ZT_FS_PARENT, failed, sizeof(failed))
        != ZT_OK)
    {
        zt_log_error("drain: cannot create \"%s\": %s", failed,
                     strerror(errno));
        free(d);
        return;
    }

    snprintf(tmp, sizeof(tmp), "%s.tmp", e->status_path);
    len = strlen(d);

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
              (mode_t) e->file_mode);
    w = fd == -1 ? -1 : write(fd, d, len);
    free(d);

    if (fd == -1 || w != (ssize_t) len || fchmod(fd, (mode_t) e->file_mode)
        || close(fd) != 0 || rename(tmp, e->status_path) != 0)
    {
        zt_log_error("drain: cannot write \"%s\": %s", e->status_path,
                     strerror(errno));
        if (fd != -1) {
            (void) unlink(tmp);
        }
    }
}


static json_t *
zt_engine_status_sink(zt_engine_int_t *e, zt_engine_sink_t *s)
{
    char              who[ZT_LEASE_TOKEN_LEN], at[ZT_RFC3339_LEN + 1];
    json_t           *j;
    zt_engine_stat_t  st;

    if (e->lc) {
        s->stat.qlen = zt_redis_llen(e->lc, s->q->src);
        s->stat.plen = zt_redis_llen(e->lc, s->q->proc);
    }

    pthread_mutex_lock(&e->stat_lock);
    st = s->stat;
    pthread_mutex_unlock(&e->stat_lock);

    zt_lease_who(st.state == ZT_SINK_STANDBY ? st.holder : e->token, who,
                 sizeof(who));

    j = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s}",
                  "name", s->ops->name, "queue", s->q->src,
                  "processing", s->q->proc,
                  "state", zt_engine_state_name(st.state),
                  "stored", (json_int_t) st.stored,
                  "dead_lettered", (json_int_t) st.dead,
                  "retries", (json_int_t) st.retries,
                  "queue_length", (json_int_t) st.qlen,
                  "processing_length", (json_int_t) st.plen,
                  "lease_holder", who);
    if (j == NULL) {
        return json_null();
    }

    if (st.last_error_ms) {
        zt_time_rfc3339(st.last_error_ms, at);
        json_object_set_new(j, "last_error", json_string(st.last_error));
        json_object_set_new(j, "last_error_at", json_string(at));
        json_object_set_new(j, "last_error_ms",
                            json_integer(st.last_error_ms));
    }

    if (st.failing_since_ms) {
        json_object_set_new(j, "failing_since_ms",
                            json_integer(st.failing_since_ms));
    }

    return j;
}
