/*
 * The sink interface.  The drain engine owns Redis, batching, retries with
 * capped backoff and the dead-letter list; a sink only stores a batch.
 *
 * A batch reaches write() already parsed: every item has a valid JSON
 * object with a string event_id.  write() must be idempotent on event_id
 * (the same record may be delivered again after a crash) and returns:
 *   ZT_OK     the batch is durably stored (items whose ->error the sink set
 *             are dead-lettered with that reason; the rest are acked);
 *   ZT_RETRY  the whole sink failed (disk full, unwritable directory,
 *             database locked, network down): nothing may be acked; the
 *             engine backs off (capped, full jitter) and retries the same
 *             batch, for ever in the service, up to [drain] max_attempts
 *             with --once;
 *   ZT_SPLIT  the batch failed, maybe because of one record (a constraint,
 *             a datatype mismatch, a value too big: something that would
 *             fail again on every retry).  Nothing is acked; the engine
 *             writes the batch again in halves, down to single records,
 *             and dead-letters a single record that still gets ZT_SPLIT,
 *             with the last error the sink logged as the reason.  So
 *             write() must be safe to call with any subset of a batch;
 *   ZT_PAUSE  a permanent configuration error (a bucket or dataset that
 *             does not exist, credentials refused): like ZT_RETRY, but
 *             retried at once at the maximum backoff and shown as
 *             "paused" in drain-status.json and `zoomtrack status`.
 *
 * Errors and warnings a sink logs inside write() are captured by the engine
 * (zt_log_capture) and logged once per attempt beside the retry delay, so a
 * failing sink does not flood the log; the first one becomes the sink's
 * "last error" in the counters and the reason of a dead letter.
 */

#ifndef ZT_SINK_H
#define ZT_SINK_H


#include <jansson.h>

#include "zt_core.h"
#include "zt_conf.h"


/* write() results beside ZT_OK and ZT_RETRY (zt_core.h), see above */
#define ZT_SPLIT   -10
#define ZT_PAUSE   -11


typedef struct {
    const char   *raw;         /* the record exactly as read from Redis */
    size_t        len;
    json_t       *rec;         /* parsed record, owned by the engine */
    const char   *event_id;    /* points into rec */
    const char   *error;       /* set by the sink: static reason text */
    char         *prep;        /* prepare()'s result or NULL; freed by the
                                  engine unless write() takes it (and
                                  sets it to NULL) */
    size_t        prep_len;
} zt_item_t;


typedef struct {
    const char  *name;                   /* config section: "archive", ... */
    /* returns ZT_OK or ZT_ERROR (message logged); *ctx is the sink's state */
    int        (*init)(const zt_conf_t *conf, void **ctx);
    int        (*write)(void *ctx, zt_item_t *items, size_t n);
    /* called at least every block_ms; the status sink writes its CSV here */
    int        (*tick)(void *ctx, int64_t now_ms);
    void       (*exit)(void *ctx);
    /*
     * Optional: what write() will send for one record (a BigQuery row),
     * made ahead, in the engine's prefetch thread while write() runs on
     * the previous batch, so it may only read what init() set.  A
     * malloc()ed buffer and its length in *len, or NULL (write() then
     * makes it itself).
     */
    char      *(*prepare)(void *ctx, const zt_item_t *it, size_t *len);
} zt_sink_t;


/*
 * A row of the sink table (zt_sinks.c): the ops serving a config section,
 * or one backend of it (section.backend = backend); backend NULL: the
 * section has no backend key.
 */
typedef struct {
    const char       *section;
    const char       *backend;
    const zt_sink_t  *ops;
} zt_sink_entry_t;


/*
 * Called by write() before it returns ZT_RETRY when the service said when
 * to come back (Retry-After): the engine's next attempt of the batch
 * comes no earlier, up to 30 s.  The engine owns the wait
 * (a stop or SIGHUP is not held up by it); per sink thread.
 */
void zt_sink_retry_after(int64_t ms);

/* the table, ended by a row with section NULL */
extern const zt_sink_entry_t  zt_sinks[];

/*
 * Sections whose sink keeps state of its own that cannot be split across
 * drainers (the status sink's presence), ended by NULL: only the drainer
 * holding the lease <queue>:lease runs such a sink, the others stand by
 * and take over when that lease expires; init() runs at the take-over.
 * Every other sink splits its queue between all drainers sharing a Redis.
 */
extern const char  *zt_sinks_single[];

extern const zt_sink_t  zt_sink_archive;
extern const zt_sink_t  zt_sink_warehouse;
extern const zt_sink_t  zt_sink_status;
extern const zt_sink_t  zt_sink_chat;
extern const zt_sink_t  zt_sink_archive_gcs;
extern const zt_sink_t  zt_sink_warehouse_bigquery;


#endif /* ZT_SINK_H */
