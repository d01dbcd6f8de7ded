/*
 * zt_store: the stores `zoomtrack prune` and `zoomtrack forget` clean,
 * behind one small ops table each, so the commands say what to do once
 * and every backend says how (STYLE.md: one file per backend):
 *
 *   archive    local day folders (zt_retention.c, zt_forget.c) or GCS
 *              objects PREFIX/YYYY-MM-DD/<event_id>.json (zt_store_gcs.c)
 *   warehouse  SQLite (zt_retention.c, zt_forget.c) or BigQuery DML
 *              (zt_store_bq.c)
 *
 * The rules stay where they were: a date D goes when D < cutoff
 * (zt_retention.h); a body or row is the person's by zt_forget_matches()
 * or by the identities zt_forget_lookup found.
 *
 * Who frees what: zt_store_close() frees what zt_store_*_open() made.
 */

#ifndef ZT_STORE_H
#define ZT_STORE_H


#include "zt_conf.h"
#include "zt_forget.h"
#include "zt_retention.h"


typedef struct zt_store_s  zt_store_t;


typedef struct {
    const char  *tz;
    const char  *archive;      /* first date kept, or NULL: keep all */
    const char  *warehouse;
    const char  *reports;      /* daily_reports rows */
} zt_prune_cut_t;


typedef struct {
    const char  *name;         /* "local", "gcs", "sqlite", "bigquery" */

    /* deletes what is older than cut; rep gets the daily_reports rows */
    int   (*prune)(zt_store_t *s, const zt_prune_cut_t *cut, int dry_run,
                   zt_prune_count_t *c, zt_prune_count_t *rep);

    /* fills w's identities (NULL for stores that cannot tell them) */
    int   (*lookup)(zt_store_t *s, zt_forget_who_t *w);

    int   (*forget)(zt_store_t *s, const zt_forget_who_t *w, int dry_run,
                    zt_forget_count_t *c);

    void  (*close)(zt_store_t *s);
} zt_store_ops_t;


struct zt_store_s {
    const zt_store_ops_t  *ops;
    void                  *ctx;
    char                   where[4096];  /* "gs://b/raw/", a path */
};


/*
 * [archive] backend (local or gcs) and [warehouse] backend (sqlite or
 * bigquery).  ZT_OK, or ZT_ERROR with the reason in err.
 */
int zt_store_archive_open(const zt_conf_t *conf, zt_store_t *s, char *err,
    size_t errlen);
int zt_store_warehouse_open(const zt_conf_t *conf, zt_store_t *s, char *err,
    size_t errlen);
void zt_store_close(zt_store_t *s);

/* the backends */
int zt_store_gcs_open(const zt_conf_t *conf, zt_store_t *s, char *err,
    size_t errlen);
int zt_store_bq_open(const zt_conf_t *conf, zt_store_t *s, char *err,
    size_t errlen);


#endif /* ZT_STORE_H */
