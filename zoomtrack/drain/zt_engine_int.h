/*
 * zt_engine internals shared by zt_engine.c (the sink threads) and
 * zt_engine_lease.c (the main thread's leases, reclaim and the
 * drain-status.json counters).  Not for other callers.
 */

#ifndef ZT_ENGINE_INT_H
#define ZT_ENGINE_INT_H


#include <pthread.h>
#include <signal.h>
#include <stdint.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "zt_conf.h"
#include "zt_lease.h"
#include "zt_queue.h"
#include "zt_sink.h"
#include "zt_spool_import.h"


/* room for a cloud sink's line: resource, status, Google's text, fix */
#define ZT_ENGINE_ERRLEN       512
#define ZT_ENGINE_RANGES       64

/* a sink's state, as drain-status.json and `zoomtrack status` show it */
#define ZT_SINK_OK             0
#define ZT_SINK_RETRYING       1
#define ZT_SINK_PAUSED         2
#define ZT_SINK_STANDBY        3     /* another drainer holds its lease */


/*
 * The module pushes the same record to every sink's list, so the sinks
 * take the same records at about the same time: a small cache of parsed
 * records, keyed by their exact bytes, spares most second and third parses
 * (jansson is the largest CPU cost of a drain).  Records are read-only;
 * jansson's reference counts are atomic.
 */
typedef struct {
    uint64_t   hash;
    size_t     len;
    size_t     cap;
    char      *raw;           /* a copy, to compare */
    json_t    *rec;
} zt_engine_parsed_t;


/* what drain-status.json reports of a sink; under e->stat_lock */
typedef struct {
    uint64_t           stored;
    uint64_t           dead;
    uint64_t           retries;
    int                state;
    char               last_error[ZT_ENGINE_ERRLEN];
    int64_t            last_error_ms;      /* wall clock; 0: never */
    int64_t            failing_since_ms;   /* wall clock; 0: not failing */
    long long          qlen;               /* -1: unknown */
    long long          plen;
    char               holder[ZT_LEASE_TOKEN_LEN];
} zt_engine_stat_t;


/* the next batch, taken and parsed while write() runs (zt_engine_prefetch.c) */
typedef struct {
    zt_qbatch_t          b;
    json_t             **rec;          /* parsed b.items; NULL: unparsable */
    char               **prep;         /* ops->prepare()'s, or NULL */
    size_t              *prep_len;
    size_t               nrec;
    size_t               cap;
    pthread_t            tid;
    int                  rc;           /* the take's */
    unsigned             running:1;
    unsigned             ready:1;      /* b holds the next batch */
} zt_engine_prefetch_t;


typedef struct {
    struct zt_engine_s  *e;
    const zt_sink_t     *ops;
    const char          *section;
    void                *ctx;
    zt_queue_t          *q;
    zt_qbatch_t          b;
    zt_engine_prefetch_t pf;

    zt_item_t           *items;        /* the records write() gets */
    size_t               nitems;
    size_t               cap;
    char               **dead;         /* dead-letter entries of the batch */
    size_t              *deadlen;
    size_t               ndead;

    /* the parts of the batch still to write: a stack of [lo, hi) */
    size_t               range[ZT_ENGINE_RANGES][2];
    int                  nrange;

    int64_t              retry_at;     /* monotonic ms */
    unsigned             attempt;
    int64_t              connect_at;
    unsigned             connect_attempt;
    int64_t              tick_at;
    int64_t              init_at;      /* init() answered ZT_RETRY */
    unsigned             init_attempt;
    char                 err[ZT_ENGINE_ERRLEN];    /* captured from write() */
    char                 logged[ZT_ENGINE_ERRLEN]; /* the last one logged */

    unsigned             pending:1;    /* parsed, waiting for write() */
    unsigned             idle:1;       /* the last take found nothing */
    unsigned             single:1;     /* one drainer at a time (status) */
    unsigned             redis_failing:1;  /* shown until a take works */
    unsigned             tick_failing:1;   /* shown until a tick works */

    int                  inited;       /* ctx is the sink's (init ran) */
    int                  active;       /* __atomic: may take and write */
    int                  skip;         /* __atomic: --once, not ours */
    int                  gaveup;       /* --once: max_attempts reached */
    char                 slease[ZT_LEASE_TOKEN_LEN]; /* <queue>:lease */

    pthread_t            tid;
    int                  started;      /* the thread was created */
    int                  done;         /* __atomic: the thread has ended */
    int                  wakefd;       /* eventfd: stop */
    unsigned short       rng[3];

    zt_engine_stat_t     stat;
} zt_engine_sink_t;


struct zt_engine_s {
    zt_engine_sink_t    *sinks;         /* one per started row of zt_sinks */
    size_t               nsinks;
    const zt_conf_t     *conf;          /* for a status sink taken over */
    const zt_sink_entry_t  *table;      /* zt_sinks, or a test's */
    zt_redis_conf_t      rc;
    zt_spool_t          *spool;
    int64_t              spool_at;
    size_t               batch_size;
    int64_t              block_ms;
    int64_t              backoff_min;
    int64_t              backoff_max;
    int64_t              max_attempts;
    int                  once;
    int                  stop;          /* __atomic: the threads must end */
    int                  fatal;         /* __atomic: a lease was lost ... */
    int64_t              started;
    zt_engine_parsed_t  *cache;
    size_t               cache_mask;
    pthread_mutex_t      cache_lock;
    pthread_rwlock_t     lock;          /* sinks read-hold it while working */

    /* leases (main thread) */
    char                 consumer[256];
    char                 token[ZT_LEASE_TOKEN_LEN];
    int64_t              lease_ms;
    int64_t              lease_until;   /* __atomic, monotonic ms */
    int64_t              lease_at;      /* next renewal */
    int64_t              ticked;        /* the last zt_engine_lease_tick() */
    redisContext        *lc;
    int64_t              lc_at;         /* next connect attempt */
    volatile sig_atomic_t  *sigstop;    /* SIGTERM, for waits at start */
    const sigset_t      *sigmask;       /* signals open while waiting */

    /* counters */
    pthread_mutex_t      stat_lock;
    char                 status_path[4096];
    int64_t              status_at;
    int                  file_mode;
};


typedef struct zt_engine_s  zt_engine_int_t;



/* sleeps ms with the signals of mask deliverable (they cut it short) */
void zt_engine_sleep(int64_t ms, const sigset_t *mask);

/* full jitter: uniform in [1, min(max, min * 2^attempt)] ms */
int64_t zt_engine_backoff(zt_engine_int_t *e, zt_engine_sink_t *s,
    unsigned attempt);

/* the engine is stopping: sink threads leave their loop */
int zt_engine_stopping(zt_engine_int_t *e);

/* zt_engine_sink.c: a sink's thread (pthread start routine, arg: sink) */
void *zt_engine_sink_main(void *arg);

/* opens the sink's Redis connection; on failure sets the reconnect time */
int zt_engine_connect(zt_engine_int_t *e, zt_engine_sink_t *s, int64_t now);

/* zt_engine_batch.c: the batch in a sink's hands */

/* marks an item whose record the split already dead-lettered */
extern const char  zt_engine_split_dead[];

/*
 * Fills s->items with the records that can be stored and dead-letter
 * entries for those that cannot.  pre: the batch's records parsed already
 * (the prefetch's; taken over and freed here) and what the sink's
 * prepare() made of them (taken over by the items), or NULL.  ZT_ERROR only
 * when out of memory.
 */
int zt_engine_parse(zt_engine_int_t *e, zt_engine_sink_t *s, json_t **pre,
    char **prep, size_t *prep_len);

/* a record parsed, or taken from the parse cache; a new reference */
json_t *zt_engine_load(zt_engine_int_t *e, const char *raw, size_t len);

/* json_decref() of n records that may be shared through the parse cache */
void zt_engine_decref_all(zt_engine_int_t *e, json_t **rec, size_t n);

/* zt_engine_prefetch.c: the next batch while write() runs */
void zt_engine_prefetch_start(zt_engine_int_t *e, zt_engine_sink_t *s);
int zt_engine_prefetch_join(zt_engine_sink_t *s);
int zt_engine_prefetch_take(zt_engine_sink_t *s, json_t ***rec,
    char ***prep, size_t **prep_len);
void zt_engine_prefetch_drop(zt_engine_sink_t *s);
void zt_engine_prefetch_giveback(zt_engine_sink_t *s);
void zt_engine_prefetch_free(zt_engine_sink_t *s);

/*
 * Writes what is left of the batch (s->range).  ZT_OK once all of it is
 * stored (records rejected alone are dead-lettered); else the sink failed
 * as a whole and s->retry_at says when to try again (s->gaveup: never,
 * with --once).
 */
int zt_engine_write(zt_engine_int_t *e, zt_engine_sink_t *s, int64_t now);

/* adds {"reason","record","sink","at"} to the batch's dead letters */
int zt_engine_dead(zt_engine_sink_t *s, const char *raw, size_t len,
    const char *reason);

/* forgets the batch: records, dead letters, retry state */
void zt_engine_batch_reset(zt_engine_sink_t *s);

/* the sink's state for `zoomtrack status` (ZT_SINK_*), under stat_lock */
void zt_engine_stat_fail(zt_engine_int_t *e, zt_engine_sink_t *s, int state,
    const char *reason);
void zt_engine_stat_ok(zt_engine_int_t *e, zt_engine_sink_t *s);

/* what the sink logged (s->err) without its own "[sink:name] " prefix */
const char *zt_engine_reason(zt_engine_sink_t *s);

/*
 * Runs the sink's init(): at start, in its thread for a sink that could not
 * start yet, or in the main thread for a single sink taken over.  ZT_OK;
 * ZT_RETRY: it cannot start now (logged, shown in status, s->init_at says
 * when to try again); ZT_ERROR: it never will (its configuration).
 */
int zt_engine_sink_init(zt_engine_int_t *e, zt_engine_sink_t *s,
    int64_t now);

/*
 * Main thread, before the sink threads start: connects, takes every
 * consumer lease (ZT_DECLINED: another drainer holds one, message
 * logged), reclaims orphaned lists and tries the single sinks' leases.
 */
int zt_engine_lease_start(zt_engine_int_t *e);

/* main thread, every loop: renewals, take-overs, reclaim, counters file */
void zt_engine_lease_tick(zt_engine_int_t *e, int64_t now);

/* main thread, at exit: final counters file, leases released */
void zt_engine_lease_stop(zt_engine_int_t *e);

/* ms until zt_engine_lease_tick() has work */
int64_t zt_engine_lease_due(zt_engine_int_t *e, int64_t now);


#endif /* ZT_ENGINE_INT_H */
