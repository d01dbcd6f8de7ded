/*
 * The sink interface.  The drain engine owns Redis, batching, retries with
 * capped backoff and the dead-letter list; a sink only stores a batch.
 *
 * A batch reaches write() already parsed: every item has a valid JSON
 * object with a string event_id.  write() must be idempotent on event_id
 * (the same record may be delivered again after a crash) and returns:
 *   ZT_OK     the batch is durably stored (items whose ->error the sink set
 *             are dead-lettered with that reason; the rest are acked);
 *   ZT_RETRY  nothing may be acked; the engine backs off and retries the
 *             same batch.
 */

#ifndef ZT_SINK_H
#define ZT_SINK_H


#include <jansson.h>

#include "zt_core.h"
#include "zt_conf.h"


typedef struct {
    const char   *raw;         /* the record exactly as read from Redis */
    size_t        len;
    json_t       *rec;         /* parsed record, owned by the engine */
    const char   *event_id;    /* points into rec */
    const char   *error;       /* set by the sink: static reason text */
} zt_item_t;


typedef struct {
    const char  *name;                   /* config section: "archive", ... */
    /* returns ZT_OK or ZT_ERROR (message logged); *ctx is the sink's state */
    int        (*init)(const zt_conf_t *conf, void **ctx);
    int        (*write)(void *ctx, zt_item_t *items, size_t n);
    /* called at least every block_ms; the status sink writes its CSV here */
    int        (*tick)(void *ctx, int64_t now_ms);
    void       (*exit)(void *ctx);
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


/* the table, ended by a row with section NULL */
extern const zt_sink_entry_t  zt_sinks[];

extern const zt_sink_t  zt_sink_archive;
extern const zt_sink_t  zt_sink_warehouse;
extern const zt_sink_t  zt_sink_status;
extern const zt_sink_t  zt_sink_chat;


#endif /* ZT_SINK_H */
