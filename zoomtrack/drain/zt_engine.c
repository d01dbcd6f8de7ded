/*
 * zt_engine: one thread per enabled sink, each with its own Redis
 * connection and processing list, so a slow or failing sink (the archive's
 * fsync pass, a locked database) never delays the others.  A sink thread
 * loops: take a batch (what the processing list still holds, else LMOVEs),
 * parse it, dead-letter records that can never be stored, hand the rest to
 * the sink's write() and ack the batch once the sink says it is durable.
 * ZT_RETRY keeps the batch for a retry after a capped, full-jitter
 * exponential backoff; a failed Redis connection is reopened with the same
 * backoff.  An idle sink waits in BLMOVE, polled together with a wake-up
 * eventfd.  The main thread handles signals, SIGHUP (with every sink
 * thread held outside its step, so the log can be reopened safely), the
 * spool import, and the leases, reclaim and counters file
 * (zt_engine_lease.c): a sink thread works only while its leases are
 * held and fresh.  A sink thread's loop is zt_engine_sink.c; what
 * happens to a batch in its hands (parse, write, split, failures, dead
 * letters) is zt_engine_batch.c.  Sinks are
 * initialised in the main thread (the process time zone is set once,
 * before any thread starts); one that cannot start yet, and a single sink
 * taken over later, find it set (zt_engine_sink_init).
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/resource.h>

#include <jansson.h>

#include "zt_time.h"
#include "zt_engine.h"
#include "zt_engine_int.h"
#include "zt_fs.h"
#include "zt_log.h"
#include "zt_queue.h"
#include "zt_sink.h"
#include "zt_spool_import.h"


#define ZT_ENGINE_SPOOL_MS     1000


static int zt_engine_rwlock_init(pthread_rwlock_t *lock);
static int zt_engine_add_sinks(zt_engine_t *e, const zt_conf_t *conf,
    const char *consumer, char *err, size_t errlen);
static int zt_engine_add_sink(zt_engine_t *e, const zt_conf_t *conf,
    const zt_sink_entry_t *row, const char *consumer, char *err,
    size_t errlen);
static int zt_engine_conf(zt_engine_t *e, const zt_conf_t *conf,
    char *err, size_t errlen);
static int zt_engine_start(zt_engine_t *e);
static void zt_engine_join(zt_engine_t *e);
static size_t zt_engine_running(zt_engine_t *e);
static void zt_engine_report(zt_engine_t *e);
static int zt_engine_start_leases(zt_engine_t *e,
    const zt_engine_signals_t *sig, const sigset_t *mask);
static int zt_engine_prelude(zt_engine_t *e, const zt_engine_signals_t *sig,
    const sigset_t *mask, int64_t now);


zt_engine_t *
zt_engine_create(const zt_conf_t *conf, int once, char *err, size_t errlen)
{
    return zt_engine_create_with(conf, once, zt_sinks, err, errlen);
}


zt_engine_t *
zt_engine_create_with(const zt_conf_t *conf, int once,
    const zt_sink_entry_t *table, char *err, size_t errlen)
{
    char          host[256];
    int64_t       v;
    const char   *consumer, *dir;
    zt_engine_t  *e;

    e = calloc(1, sizeof(zt_engine_t));
    if (e == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    e->once = once;
    e->conf = conf;
    e->table = table;
    e->started = zt_time_monotonic_ms();

    if (pthread_mutex_init(&e->cache_lock, NULL) != 0
        || pthread_mutex_init(&e->stat_lock, NULL) != 0
        || zt_engine_rwlock_init(&e->lock) != 0)
    {
        free(e);
        snprintf(err, errlen, "cannot create locks");
        return NULL;
    }

    if (zt_engine_conf(e, conf, err, errlen) != ZT_OK) {
        goto failed;
    }

    if (zt_conf_get_num(conf, "drain", "batch_size", &v, err, errlen)
        != ZT_OK)
    {
        goto failed;
    }
    e->batch_size = (size_t) v;

    /* room for a few batches: sinks stepped in turn take the same ones */
    e->cache_mask = 63;
    while (e->cache_mask < 4 * e->batch_size - 1 && e->cache_mask < 65535) {
        e->cache_mask = e->cache_mask * 2 + 1;
    }

    e->cache = calloc(e->cache_mask + 1, sizeof(zt_engine_parsed_t));
    if (e->cache == NULL) {
        snprintf(err, errlen, "out of memory");
        goto failed;
    }

    if (zt_redis_conf_init(&e->rc, conf, err, errlen) != ZT_OK) {
        goto failed;
    }

    consumer = zt_conf_get(conf, "drain", "consumer");
    if (consumer[0] == '\0') {
        if (gethostname(host, sizeof(host)) != 0) {
            snprintf(host, sizeof(host), "localhost");
        }
        host[sizeof(host) - 1] = '\0';
        consumer = host;
    }

    snprintf(e->consumer, sizeof(e->consumer), "%s", consumer);
    zt_lease_token(e->token, sizeof(e->token));

    if (zt_engine_add_sinks(e, conf, consumer, err, errlen) != ZT_OK) {
        goto failed;
    }

    dir = zt_conf_get(conf, "spool", "dir");
    if (dir[0] != '\0') {
        e->spool = zt_spool_create(dir, zt_conf_get(conf, "spool", "queues"),
                                   &e->rc, err, errlen);
        if (e->spool == NULL) {
            goto failed;
        }
    }

    if (e->nsinks == 0 && e->spool == NULL) {
        snprintf(err, errlen, "nothing to do: every sink is disabled and "
                 "spool.dir is not set");
        goto failed;
    }

    return e;

failed:

    zt_engine_destroy(e);
    return NULL;
}


/*
 * Starts the sinks of the table whose section is enabled, in table order.
 * A section with a backend key must name a backend some row serves.
 */
static int
zt_engine_add_sinks(zt_engine_t *e, const zt_conf_t *conf,
    const char *consumer, char *err, size_t errlen)
{
    int                     enabled, served;
    size_t                  n;
    const char             *backend;
    const zt_sink_entry_t  *row, *other;

    for (n = 0; e->table[n].section; n++) { /* void */ }

    e->sinks = calloc(n ? n : 1, sizeof(zt_engine_sink_t));
    if (e->sinks == NULL) {
        snprintf(err, errlen, "out of memory");
        return ZT_ERROR;
    }

    for (row = e->table; row->section; row++) {

        if (zt_conf_get_bool(conf, row->section, "enabled", &enabled)
            != ZT_OK)
        {
            snprintf(err, errlen, "%s.enabled must be yes or no",
                     row->section);
            return ZT_ERROR;
        }

        if (!enabled) {
            continue;
        }

        if (row->backend == NULL) {
            if (zt_engine_add_sink(e, conf, row, consumer, err, errlen)
                != ZT_OK)
            {
                return ZT_ERROR;
            }

            continue;
        }

        backend = zt_conf_get(conf, row->section, "backend");

        if (strcmp(backend, row->backend) == 0) {
            if (zt_engine_add_sink(e, conf, row, consumer, err, errlen)
                != ZT_OK)
            {
                return ZT_ERROR;
            }

            continue;
        }

        /* report an unserved backend once, at the section's first row */
        served = 0;
        for (other = e->table; other->section; other++) {
            if (strcmp(other->section, row->section) == 0
                && other->backend && strcmp(other->backend, backend) == 0)
            {
                served = 1;
            }
        }

        if (!served) {
            snprintf(err, errlen, "%s.backend \"%s\" is not supported "
                     "by this binary", row->section, backend);
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


static int
zt_engine_add_sink(zt_engine_t *e, const zt_conf_t *conf,
    const zt_sink_entry_t *row, const char *consumer, char *err,
    size_t errlen)
{
    const char       **single;
    const zt_sink_t   *ops = row->ops;
    const char        *section = row->section;
    zt_engine_sink_t  *s;

    s = &e->sinks[e->nsinks];
    s->e = e;
    s->ops = ops;
    s->section = section;
    for (single = zt_sinks_single; *single; single++) {
        if (strcmp(*single, section) == 0) {
            s->single = 1;
        }
    }

    s->wakefd = -1;
    s->stat.qlen = -1;
    s->stat.plen = -1;
    s->rng[0] = (unsigned short) getpid();
    s->rng[1] = (unsigned short) e->nsinks;
    s->rng[2] = (unsigned short) time(NULL);

    s->q = zt_queue_create(&e->rc, zt_conf_get(conf, section, "queue"),
                           consumer);
    if (s->q == NULL) {
        snprintf(err, errlen, "out of memory");
        return ZT_ERROR;
    }

    s->cap = e->batch_size;
    s->items = calloc(s->cap, sizeof(zt_item_t));
    s->dead = calloc(s->cap, sizeof(char *));
    s->deadlen = calloc(s->cap, sizeof(size_t));

    s->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

    if (s->items == NULL || s->dead == NULL || s->deadlen == NULL
        || s->wakefd == -1)
    {
        snprintf(err, errlen, "out of memory");
        e->nsinks++;
        return ZT_ERROR;
    }

    e->nsinks++;
    s->q->token = e->token;
    s->q->lease_ms = e->lease_ms;
    snprintf(s->slease, sizeof(s->slease), "%s:lease", s->q->src);

    /*
     * A single sink starts once its lease is ours (zt_engine_lease.c); one
     * that cannot start yet is started again by its thread.
     */
    if (!s->single
        && zt_engine_sink_init(e, s, zt_time_monotonic_ms()) == ZT_ERROR)
    {
        snprintf(err, errlen, "sink %s failed to start (see above)",
                 section);
        return ZT_ERROR;
    }

    return ZT_OK;
}


/* the [drain] keys beside batch_size, and the time zone */
static int
zt_engine_conf(zt_engine_t *e, const zt_conf_t *conf, char *err,
    size_t errlen)
{
    char  year[16];

    if (zt_conf_get_num(conf, "drain", "lease_ms", &e->lease_ms, err,
                        errlen) != ZT_OK
        || zt_conf_get_num(conf, "drain", "max_attempts", &e->max_attempts,
                           err, errlen) != ZT_OK
        || zt_conf_get_num(conf, "drain", "block_ms", &e->block_ms, err,
                           errlen) != ZT_OK
        || zt_conf_get_num(conf, "drain", "backoff_min_ms", &e->backoff_min,
                           err, errlen) != ZT_OK
        || zt_conf_get_num(conf, "drain", "backoff_max_ms", &e->backoff_max,
                           err, errlen) != ZT_OK)
    {
        return ZT_ERROR;
    }

    if (e->backoff_max < e->backoff_min) {
        snprintf(err, errlen, "drain.backoff_max_ms must not be below "
                 "drain.backoff_min_ms");
        return ZT_ERROR;
    }

    if (zt_conf_get_path(conf, "drain", "status_file", "drain-status.json",
                         e->status_path, sizeof(e->status_path))
        != ZT_OK)
    {
        snprintf(err, errlen, "drain.status_file is too long");
        return ZT_ERROR;
    }

    /* sets TZ now: a sink started later (take-over) must not, threads run */
    if (zt_time_format_tz(0, zt_conf_get(conf, "", "timezone"), "%Y", year,
                          sizeof(year)) != ZT_OK)
    {
        snprintf(err, errlen, "unknown timezone \"%s\"",
                 zt_conf_get(conf, "", "timezone"));
        return ZT_ERROR;
    }

    e->file_mode = zt_fs_file_mode();

    return ZT_OK;
}


void
zt_engine_destroy(zt_engine_t *e)
{
    size_t             i;
    zt_engine_sink_t  *s;

    if (e == NULL) {
        return;
    }

    zt_engine_join(e);

    for (i = 0; i < e->nsinks; i++) {
        s = &e->sinks[i];

        if (s->wakefd != -1) {
            close(s->wakefd);
        }

        if (s->inited && s->ops->exit) {
            s->ops->exit(s->ctx);
        }

        zt_engine_prefetch_free(s);

        if (s->items) {
            zt_engine_batch_reset(s);
        }

        zt_qbatch_free(&s->b);
        zt_queue_destroy(s->q);
        free(s->items);
        free(s->dead);
        free(s->deadlen);
    }

    for (i = 0; e->cache && i <= e->cache_mask; i++) {
        json_decref(e->cache[i].rec);
        free(e->cache[i].raw);
    }

    if (e->lc) {
        redisFree(e->lc);
    }

    free(e->sinks);
    free(e->cache);
    zt_spool_destroy(e->spool);
    zt_redis_conf_free(&e->rc);
    pthread_mutex_destroy(&e->cache_lock);
    pthread_mutex_destroy(&e->stat_lock);
    pthread_rwlock_destroy(&e->lock);
    free(e);
}


int
zt_engine_run(zt_engine_t *e, const zt_engine_signals_t *sig)
{
    int       rc;
    size_t    i;
    int64_t   now, t;
    sigset_t  block, orig;

    /*
     * the handlers only set flags: keep the signals blocked except inside
     * ppoll(), so that one arriving just before the wait still ends it
     */
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &orig);

    now = zt_time_monotonic_ms();

    /* no sink touches a processing list before its lease is ours */
    rc = zt_engine_start_leases(e, sig, &orig);
    if (rc != ZT_OK || *sig->stop) {
        if (rc == ZT_OK) {
            zt_engine_lease_stop(e);
        }
        pthread_sigmask(SIG_SETMASK, &orig, NULL);
        return rc;
    }

    if (zt_engine_prelude(e, sig, &orig, now) != ZT_OK
        || zt_engine_start(e) != ZT_OK)
    {
        zt_engine_join(e);
        zt_engine_lease_stop(e);
        pthread_sigmask(SIG_SETMASK, &orig, NULL);
        return ZT_ERROR;
    }

    while (!*sig->stop && !__atomic_load_n(&e->fatal, __ATOMIC_ACQUIRE)) {

        if (*sig->hup) {
            *sig->hup = 0;

            /* no sink thread is inside zt_log() while the log is swapped */
            pthread_rwlock_wrlock(&e->lock);
            if (sig->on_hup) {
                sig->on_hup(sig->data);
            }
            pthread_rwlock_unlock(&e->lock);
        }

        if (e->once && zt_engine_running(e) == 0) {
            break;
        }

        now = zt_time_monotonic_ms();

        zt_engine_lease_tick(e, now);

        if (!e->once && e->spool && now >= e->spool_at) {
            (void) zt_spool_import(e->spool);
            e->spool_at = now + ZT_ENGINE_SPOOL_MS;
        }

        t = e->once ? 20 : e->spool ? e->spool_at - now : 1000;
        if (t > zt_engine_lease_due(e, now)) {
            t = zt_engine_lease_due(e, now);
        }
        zt_engine_sleep(t < 1 ? 1 : t, &orig);
    }

    zt_engine_join(e);

    /* a single sink's last save comes before its lease goes to a standby */
    for (i = 0; i < e->nsinks; i++) {
        if (e->sinks[i].inited && e->sinks[i].single
            && e->sinks[i].ops->exit)
        {
            e->sinks[i].ops->exit(e->sinks[i].ctx);
            e->sinks[i].inited = 0;
        }
    }

    zt_engine_lease_stop(e);
    zt_engine_report(e);

    pthread_sigmask(SIG_SETMASK, &orig, NULL);

    if (__atomic_load_n(&e->fatal, __ATOMIC_ACQUIRE)) {
        return ZT_ERROR;
    }

    for (i = 0; i < e->nsinks; i++) {
        if (e->sinks[i].gaveup) {
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


/*
 * Before the sink threads start: with --once, every sink's connection
 * (Redis must be there) and the whole spool (what was spooled goes in
 * first); else one spool pass.
 */
static int
zt_engine_prelude(zt_engine_t *e, const zt_engine_signals_t *sig,
    const sigset_t *mask, int64_t now)
{
    int     rc;
    size_t  i;

    if (!e->once) {
        if (e->spool) {
            (void) zt_spool_import(e->spool);
            e->spool_at = now + ZT_ENGINE_SPOOL_MS;
        }

        return ZT_OK;
    }

    for (i = 0; i < e->nsinks; i++) {
        if (zt_engine_connect(e, &e->sinks[i], now) != ZT_OK) {
            return ZT_ERROR;
        }
    }

    while (e->spool && !*sig->stop) {
        rc = zt_spool_import(e->spool);
        if (rc == 0) {
            break;
        }
        if (rc == ZT_ERROR) {
            zt_engine_sleep(e->backoff_min, mask);
        }
    }

    return ZT_OK;
}


/*
 * Takes the leases before any sink thread starts.  With --once Redis must
 * answer at once; the service waits for it.  Returns ZT_OK, ZT_ERROR
 * (Redis unreachable with --once; a status sink that fails to start) or
 * ZT_DECLINED (another drainer uses this consumer name).
 */
static int
zt_engine_start_leases(zt_engine_t *e, const zt_engine_signals_t *sig,
    const sigset_t *mask)
{
    int       rc;
    unsigned  attempt;

    e->sigstop = sig->stop;
    e->sigmask = mask;

    for (attempt = 0; !*sig->stop; attempt++) {
        rc = zt_engine_lease_start(e);
        if (rc != ZT_ERROR || e->once) {
            return rc;
        }

        if (__atomic_load_n(&e->fatal, __ATOMIC_ACQUIRE)) {
            return ZT_ERROR;
        }

        zt_engine_sleep(zt_engine_backoff(e, &e->sinks[0], attempt), mask);
    }

    return ZT_OK;
}


void
zt_engine_sleep(int64_t ms, const sigset_t *mask)
{
    struct timespec  ts;

    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000;

    (void) ppoll(NULL, 0, &ts, mask);
}


static int
zt_engine_rwlock_init(pthread_rwlock_t *lock)
{
    int                   rc;
    pthread_rwlockattr_t  attr;

    /* a waiting SIGHUP must not starve behind busy sink threads */
    if (pthread_rwlockattr_init(&attr) != 0) {
        return -1;
    }

    pthread_rwlockattr_setkind_np(&attr,
                                  PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    rc = pthread_rwlock_init(lock, &attr);
    pthread_rwlockattr_destroy(&attr);

    return rc;
}


/* starts one thread per sink, with every signal blocked in them */
static int
zt_engine_start(zt_engine_t *e)
{
    int                rc;
    size_t             i;
    sigset_t           all, old;
    zt_engine_sink_t  *s;

    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);

    rc = ZT_OK;

    for (i = 0; i < e->nsinks; i++) {
        s = &e->sinks[i];

        if (pthread_create(&s->tid, NULL, zt_engine_sink_main, s) != 0) {
            zt_log_error("[sink:%s] cannot start a thread", s->ops->name);
            rc = ZT_ERROR;
            break;
        }

        s->started = 1;
    }

    pthread_sigmask(SIG_SETMASK, &old, NULL);

    return rc;
}


/* asks every sink thread to finish its batch and end, and waits */
static void
zt_engine_join(zt_engine_t *e)
{
    size_t             i;
    uint64_t           one;
    zt_engine_sink_t  *s;

    __atomic_store_n(&e->stop, 1, __ATOMIC_RELEASE);

    one = 1;

    for (i = 0; i < e->nsinks; i++) {
        s = &e->sinks[i];
        if (s->started && write(s->wakefd, &one, sizeof(one)) == -1) {
            /* the counter is full: it is awake anyway */
        }
    }

    for (i = 0; i < e->nsinks; i++) {
        s = &e->sinks[i];
        if (s->started) {
            pthread_join(s->tid, NULL);
            s->started = 0;
        }
    }
}


int
zt_engine_stopping(zt_engine_t *e)
{
    return __atomic_load_n(&e->stop, __ATOMIC_ACQUIRE);
}


/* sink threads still working (with --once: queues not yet empty) */
static size_t
zt_engine_running(zt_engine_t *e)
{
    size_t  i, n;

    n = 0;
    for (i = 0; i < e->nsinks; i++) {
        if (!__atomic_load_n(&e->sinks[i].done, __ATOMIC_ACQUIRE)) {
            n++;
        }
    }

    return n;
}


static void
zt_engine_report(zt_engine_t *e)
{
    char               rest[ZT_ENGINE_ERRLEN];
    size_t             i;
    uint64_t           total;
    long long          left;
    struct rusage      ru;
    zt_engine_sink_t  *s;

    total = 0;
    for (i = 0; i < e->nsinks; i++) {
        s = &e->sinks[i];
        total += s->stat.stored;

        /* a connection with a BLMOVE in flight cannot be asked */
        left = (s->q->c && !s->q->inflight)
               ? zt_redis_llen(s->q->c, s->q->src) : -1;

        if (left < 0) {
            snprintf(rest, sizeof(rest), "the length of \"%s\" is not "
                     "known (no connection, a BLMOVE in flight or no "
                     "answer)", s->q->src);
        } else {
            snprintf(rest, sizeof(rest), "%lld left in \"%s\"", left,
                     s->q->src);
        }

        zt_log_info("[sink:%s] stored %llu record(s), dead-lettered %llu, "
                    "%s", s->ops->name, (unsigned long long) s->stat.stored,
                    (unsigned long long) s->stat.dead, rest);
    }

    getrusage(RUSAGE_SELF, &ru);
    zt_log_info("drain: stopping after %.3f s, %llu record(s) stored, "
                "max rss %ld kB",
                (double) (zt_time_monotonic_ms() - e->started) / 1000.0,
                (unsigned long long) total, ru.ru_maxrss);
}
