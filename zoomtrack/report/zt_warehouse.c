/*
 * zt_warehouse: which backend serves [warehouse] backend (zt_warehouse.h).
 */

#include <string.h>

#include "zt_warehouse.h"


const zt_warehouse_ops_t *
zt_warehouse_for(const zt_conf_t *conf)
{
    const char  *backend;

    backend = zt_conf_get(conf, "warehouse", "backend");

    if (strcmp(backend, zt_warehouse_bigquery.name) == 0) {
        return &zt_warehouse_bigquery;
    }

    if (strcmp(backend, zt_warehouse_sqlite.name) == 0) {
        return &zt_warehouse_sqlite;
    }

    return NULL;
}
