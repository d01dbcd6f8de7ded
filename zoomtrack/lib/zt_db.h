/*
 * zt_db: opens the SQLite warehouse shared by the drain sink, the report and
 * `camera`: path from [warehouse] path (default data_dir/zoomtrack.db), WAL,
 * [warehouse] busy_timeout_ms and synchronous, and every embedded
 * sql/sqlite/NNN-*.sql applied in order (the DDL is idempotent, so every
 * opener may apply it).
 */

#ifndef ZT_DB_H
#define ZT_DB_H


#include <stddef.h>

#include <sqlite3.h>

#include "zt_conf.h"


/*
 * Returns ZT_OK; else a message in err and *db NULL: ZT_ERROR for a bad
 * setting, ZT_RETRY when the file or its folder cannot be made, opened or
 * set up (a full disk, a read-only mount, an owner: it may work later).
 */
int zt_db_open(const zt_conf_t *conf, sqlite3 **db, char *err,
    size_t errlen);


#endif /* ZT_DB_H */
