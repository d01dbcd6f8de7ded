/*
 * Internals of the BigQuery warehouse sink, shared by its two files:
 * zt_sink_warehouse_bigquery.c (batches, insertAll rounds, insertErrors)
 * and zt_sink_warehouse_bigquery_row.c (a record as a raw_events row).
 */

#ifndef ZT_SINK_WAREHOUSE_BIGQUERY_H
#define ZT_SINK_WAREHOUSE_BIGQUERY_H


#include "zt_archive_path.h"
#include "zt_sink.h"
#include "zt_bq.h"


#define ZT_BQS_ROUNDS   4
#define ZT_BQS_PAR      4           /* insertAll requests in flight */
#define ZT_BQS_PATH     4096

/* an insertAll request: head, rows separated by commas, "]}" */
#define ZT_BQS_BODY_HEAD                                                    \
    "{\"kind\":\"bigquery#tableDataInsertAllRequest\","                       \
    "\"skipInvalidRows\":false,\"ignoreUnknownValues\":false,\"rows\":["

/* what a request of one row adds to it */
#define ZT_BQS_BODY_EXTRA  (sizeof(ZT_BQS_BODY_HEAD) - 1 + 2)

#define ZT_BQS_STR(x)   ZT_BQS_STR2(x)
#define ZT_BQS_STR2(x)  #x

/* where a row's inserted_at value starts: {"json":{"inserted_at":" */
#define ZT_BQS_STAMP_AT  24


typedef struct {
    char    *id;
    char    *reason;          /* NULL: stored; else dead-lettered */
} zt_bqs_done_t;


typedef struct {
    zt_bq_t        *bq;
    char           *tz;
    zt_archive_where_t  where;      /* each row's gcs_path */
    zt_bqs_done_t  *done;           /* outcomes of an unfinished batch */
    size_t          ndone;
    unsigned char  *state;          /* per item: 0 pending, 1 settled,
                                       2 a duplicate of an earlier item */
    char          **rows;           /* each row's JSON, serialised once */
    size_t         *rowlen;
    size_t         *idx;            /* rows of the requests in flight */
    char           *bodies[ZT_BQS_PAR];   /* insertAll requests */
    size_t          bodycap[ZT_BQS_PAR];
    size_t          cap;
    char          **reasons;        /* ->error texts of the last write */
    size_t          nreasons;
    int             failing;
    zt_bq_err_t     fail;           /* the failure a round reports */
} zt_bqs_t;


/*
 * The row of one record as insertAll JSON text, {"json": {...},
 * "insertId": ...}, inserted_at first (at ZT_BQS_STAMP_AT) so a row made
 * ahead can be stamped when it is sent.  malloc()ed, its length in *len;
 * NULL when out of memory.
 */
char *zt_bqs_row(zt_bqs_t *s, const zt_item_t *it, const char *now,
    size_t *len);

/* the sink's prepare(): zt_bqs_row() in the prefetch thread */
char *zt_bqs_prepare(void *ctx, const zt_item_t *it, size_t *len);


#endif /* ZT_SINK_WAREHOUSE_BIGQUERY_H */
