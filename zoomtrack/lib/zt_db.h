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


/* returns ZT_OK, or ZT_ERROR with a message in err (*db is then NULL) */
int zt_db_open(const zt_conf_t *conf, sqlite3 **db, char *err,
    size_t errlen);


#endif /* ZT_DB_H */
