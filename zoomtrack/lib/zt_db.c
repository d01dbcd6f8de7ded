/*
 * zt_db: the warehouse opener (see zt_db.h).  Applies the embedded DDL
 * files whose names start with a digit, in zt_sql_files[] order (sorted by
 * scripts/embed-sql); report queries live in other files and are not run.
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "zt_core.h"
#include "zt_db.h"
#include "zt_fs.h"
#include "zt_sql.h"


/*
 * Columns added after a release: CREATE TABLE IF NOT EXISTS leaves older
 * warehouses as they were, so each such column is added here when absent.
 */
static int
zt_db_upgrade(sqlite3 *db, char **msg)
{
    int            rc;
    char           sql[256];
    size_t         i;
    sqlite3_stmt  *st;

    static const struct {
        const char  *table;
        const char  *column;
        const char  *decl;
    } added[] = {
        { "raw_events", "source", "TEXT NOT NULL DEFAULT 'webhook'" },
        { "daily_reports", "\"group\"", "TEXT" },
        { "daily_reports", "attendance_status", "TEXT" },
        { "daily_reports", "late", "TEXT" },
        { "daily_reports", "left_early", "TEXT" },
        { "daily_reports", "data_source", "TEXT" },
    };

    for (i = 0; i < sizeof(added) / sizeof(added[0]); i++) {
        snprintf(sql, sizeof(sql), "SELECT %s FROM %s LIMIT 0",
                 added[i].column, added[i].table);

        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
            sqlite3_finalize(st);
            continue;
        }

        snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s %s",
                 added[i].table, added[i].column, added[i].decl);

        rc = sqlite3_exec(db, sql, NULL, NULL, msg);
        if (rc != SQLITE_OK) {
            return rc;
        }
    }

    return SQLITE_OK;
}


int
zt_db_open(const zt_conf_t *conf, sqlite3 **db, char *err, size_t errlen)
{
    char                 *msg, path[4096], pragma[64], dir[4096];
    int64_t               busy;
    const char           *sync;
    const zt_sql_file_t  *f;

    *db = NULL;

    sync = zt_conf_get(conf, "warehouse", "synchronous");
    if (strcasecmp(sync, "normal") != 0 && strcasecmp(sync, "full") != 0) {
        snprintf(err, errlen, "warehouse.synchronous \"%s\": use normal or "
                 "full", sync);
        return ZT_ERROR;
    }

    if (zt_conf_get_num(conf, "warehouse", "busy_timeout_ms", &busy, err,
                        errlen) != ZT_OK)
    {
        return ZT_ERROR;
    }

    if (zt_conf_get_path(conf, "warehouse", "path", "zoomtrack.db", path,
                         sizeof(path))
        != ZT_OK)
    {
        snprintf(err, errlen, "warehouse.path is too long");
        return ZT_ERROR;
    }

    if (zt_fs_mkdirs(path, ZT_FS_PARENT, dir, sizeof(dir)) != ZT_OK) {
        snprintf(err, errlen, "cannot create \"%s\": %s", dir,
                 strerror(errno));
        return ZT_RETRY;
    }

    if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL)
        != SQLITE_OK)
    {
        /* SQLite's "unable to open database file" alone does not say why */
        snprintf(err, errlen, "cannot open warehouse \"%s\": %s (%s)", path,
                 *db ? sqlite3_errmsg(*db) : "out of memory",
                 *db ? strerror(sqlite3_system_errno(*db)) : "-");
        sqlite3_close(*db);
        *db = NULL;
        return ZT_RETRY;
    }

    /* a reader (the report) must not make the drainer's writes fail */
    sqlite3_busy_timeout(*db, (int) busy);

    snprintf(pragma, sizeof(pragma), "PRAGMA synchronous = %s", sync);

    if (sqlite3_exec(*db, "PRAGMA journal_mode = WAL", NULL, NULL, &msg)
        != SQLITE_OK
        || sqlite3_exec(*db, pragma, NULL, NULL, &msg) != SQLITE_OK)
    {
        goto failed;
    }

    for (f = zt_sql_files; f->name; f++) {
        if (!isdigit((unsigned char) f->name[0])) {
            continue;
        }

        if (sqlite3_exec(*db, f->sql, NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(err, errlen, "warehouse \"%s\": %s: %s", path, f->name,
                     msg ? msg : "error");
            sqlite3_free(msg);
            sqlite3_close(*db);
            *db = NULL;
            return ZT_RETRY;
        }
    }

    if (zt_db_upgrade(*db, &msg) != SQLITE_OK) {
        goto failed;
    }

    return ZT_OK;

failed:

    snprintf(err, errlen, "warehouse \"%s\": %s", path, msg ? msg : "error");
    sqlite3_free(msg);
    sqlite3_close(*db);
    *db = NULL;
    return ZT_RETRY;
}
