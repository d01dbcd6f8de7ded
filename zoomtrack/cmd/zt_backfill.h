/*
 * `zoomtrack backfill` internals shared by its two files: the command
 * (zt_cmd_backfill.c) and the archive readers and "already present"
 * lookups (zt_backfill_src.c).
 */

#ifndef ZT_BACKFILL_H
#define ZT_BACKFILL_H


#include <sqlite3.h>

#include "zt_core.h"
#include "zt_conf.h"
#include "zt_sink.h"
#include "zt_bq.h"


typedef struct {
    char    *text;
    size_t   n;
} zt_bf_reason_t;


typedef struct {
    const char        *from;
    const char        *to;
    zt_conf_t         *conf;
    const zt_sink_t   *ops;
    void              *sink;
    int                tty;
    size_t             total;         /* bodies found in the source */
    size_t             read, inserted, present, rejected;
    zt_bf_reason_t    *reasons;
    size_t             nreasons;
    zt_item_t          items[500];
    size_t             n;
    /* what the warehouse holds */
    sqlite3           *db;
    sqlite3_stmt      *has;
    zt_bq_t           *bq;
    char              *tz;
    char             **days;          /* BigQuery dates already read */
    size_t             ndays;
    char             **set;           /* open addressing, NULL = empty */
    size_t             setcap, setn;
} zt_bf_t;


typedef int (*zt_bf_add_pt)(zt_bf_t *bf, const char *name,
    const char *body, size_t len);


/* every *.json under DIR (DIR/DAY/ or one day dir), in name order */
int zt_bf_source_dir(zt_bf_t *bf, zt_bf_add_pt add, char *err,
    size_t errlen);
/* every *.json object under gs://BUCKET/PREFIX */
int zt_bf_source_gcs(zt_bf_t *bf, zt_bf_add_pt add, char *err,
    size_t errlen);

int zt_bf_present_open(zt_bf_t *bf, char *err, size_t errlen);
void zt_bf_present_close(zt_bf_t *bf);
/* 1 if the warehouse (or this run) has the record's event, 0, -1 error */
int zt_bf_present(zt_bf_t *bf, json_t *rec);
int zt_bf_present_mark(zt_bf_t *bf, json_t *rec);


#endif /* ZT_BACKFILL_H */
