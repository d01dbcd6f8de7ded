/*
 * zt_engine: the drain loop.  It owns Redis, batching, retries with capped
 * full-jitter backoff, the dead-letter lists and the spool import; sinks
 * (zt_sink.h) only store batches.  Every enabled sink runs in its own
 * thread with its own Redis connection and processing list, so a slow or
 * failing sink never holds up another; the calling thread keeps signals,
 * SIGHUP and the spool import.
 */

#ifndef ZT_ENGINE_H
#define ZT_ENGINE_H


#include <signal.h>

#include "zt_conf.h"
#include "zt_sink.h"


typedef struct zt_engine_s  zt_engine_t;


typedef struct {
    volatile sig_atomic_t  *stop;       /* set by SIGTERM/SIGINT */
    volatile sig_atomic_t  *hup;        /* set by SIGHUP; the engine clears */
    void                  (*on_hup)(void *data);
    void                   *data;
} zt_engine_signals_t;


/*
 * Sets up every enabled sink (init) and its queue.  once: drain until all
 * queues, processing lists and the spool are empty, then return.  Returns
 * NULL with a message in err.
 */
zt_engine_t *zt_engine_create(const zt_conf_t *conf, int once, char *err,
    size_t errlen);

/* the same with another sink table than zt_sinks (unit tests) */
zt_engine_t *zt_engine_create_with(const zt_conf_t *conf, int once,
    const zt_sink_entry_t *table, char *err, size_t errlen);

/*
 * Runs until *stop (after finishing the batch in hand) or, with once, until
 * there is nothing left.  Returns ZT_OK; ZT_ERROR (Redis unreachable at the
 * start of a --once run, a batch that failed max_attempts times with
 * --once, a lease lost to another drainer); ZT_DECLINED (another live
 * drainer holds this consumer's lease, or the status sink cannot start).
 */
int zt_engine_run(zt_engine_t *e, const zt_engine_signals_t *sig);

void zt_engine_destroy(zt_engine_t *e);


#endif /* ZT_ENGINE_H */
