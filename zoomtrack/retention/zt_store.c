/*
 * zt_store: choosing the archive and warehouse backends (zt_store.h), and
 * the local ones: day folders on disk and the SQLite warehouse, whose
 * rules live in zt_retention.c and zt_forget.c.
 */

#include <stdio.h>
#include <string.h>

#include "zt_core.h"
#include "zt_archive_path.h"
#include "zt_db.h"
#include "zt_store.h"


static int
zt_store_local_prune(zt_store_t *s, const zt_prune_cut_t *cut, int dry_run,
    zt_prune_count_t *c, zt_prune_count_t *rep)
{
    if (cut->archive == NULL) {
        return ZT_OK;
    }

    return zt_prune_archive_dir(s->where, cut->archive, dry_run, c);
}


static int
zt_store_local_forget(zt_store_t *s, const zt_forget_who_t *w, int dry_run,
    zt_forget_count_t *c)
{
    return zt_forget_archive_dir(s->where, w, dry_run, c);
}


static void
zt_store_nop_close(zt_store_t *s)
{
}


static const zt_store_ops_t  zt_store_local_ops = {
    "local", zt_store_local_prune, NULL, zt_store_local_forget,
    zt_store_nop_close
};


static int
zt_store_sqlite_prune(zt_store_t *s, const zt_prune_cut_t *cut,
    int dry_run, zt_prune_count_t *c, zt_prune_count_t *rep)
{
    if (cut->warehouse == NULL && cut->reports == NULL) {
        return ZT_OK;
    }

    return zt_prune_sqlite(s->ctx, cut->tz, cut->warehouse, cut->reports,
                           dry_run, c, rep);
}


static int
zt_store_sqlite_lookup(zt_store_t *s, zt_forget_who_t *w)
{
    return zt_forget_lookup_sqlite(s->ctx, w);
}


static int
zt_store_sqlite_forget(zt_store_t *s, const zt_forget_who_t *w,
    int dry_run, zt_forget_count_t *c)
{
    return zt_forget_sqlite(s->ctx, w, dry_run, c);
}


static void
zt_store_sqlite_close(zt_store_t *s)
{
    sqlite3_close(s->ctx);
}


static const zt_store_ops_t  zt_store_sqlite_ops = {
    "sqlite", zt_store_sqlite_prune, zt_store_sqlite_lookup,
    zt_store_sqlite_forget, zt_store_sqlite_close
};


int
zt_store_archive_open(const zt_conf_t *conf, zt_store_t *s, char *err,
    size_t errlen)
{
    const char  *backend;

    memset(s, 0, sizeof(zt_store_t));
    backend = zt_conf_get(conf, "archive", "backend");

    if (strcmp(backend, "gcs") == 0) {
        return zt_store_gcs_open(conf, s, err, errlen);
    }

    if (zt_archive_dir(conf, s->where, sizeof(s->where)) != ZT_OK) {
        snprintf(err, errlen, "archive directory path is too long");
        return ZT_ERROR;
    }

    s->ops = &zt_store_local_ops;

    return ZT_OK;
}


int
zt_store_warehouse_open(const zt_conf_t *conf, zt_store_t *s, char *err,
    size_t errlen)
{
    sqlite3  *db;

    memset(s, 0, sizeof(zt_store_t));

    if (strcmp(zt_conf_get(conf, "warehouse", "backend"), "bigquery") == 0)
    {
        return zt_store_bq_open(conf, s, err, errlen);
    }

    if (zt_db_open(conf, &db, err, errlen) != ZT_OK) {
        return ZT_ERROR;
    }

    s->ops = &zt_store_sqlite_ops;
    s->ctx = db;
    snprintf(s->where, sizeof(s->where), "sqlite");

    return ZT_OK;
}


void
zt_store_close(zt_store_t *s)
{
    if (s->ops) {
        s->ops->close(s);
    }

    s->ops = NULL;
    s->ctx = NULL;
}
