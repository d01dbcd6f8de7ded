/*
 * Lookup of the SQL files compiled into the binary.
 */

#include <string.h>

#include "zt_sql.h"


const char *
zt_sql_get(const char *name)
{
    const zt_sql_file_t  *f;

    for (f = zt_sql_files; f->name; f++) {
        if (strcmp(f->name, name) == 0) {
            return f->sql;
        }
    }

    return NULL;
}
