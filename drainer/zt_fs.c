/*
 * File-system helpers shared by the sinks and subcommands.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/zt_core.h"
#include "zt_fs.h"


int
zt_fs_mkdirs(const char *path, int what)
{
    char   buf[4096];
    char  *p;

    if ((size_t) snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf)) {
        errno = ENAMETOOLONG;
        return ZT_ERROR;
    }

    if (what == ZT_FS_PARENT) {
        p = strrchr(buf, '/');
        if (p == NULL || p == buf) {
            return ZT_OK;
        }
        *p = '\0';
    }

    for (p = buf + 1; *p; p++) {
        if (*p != '/') {
            continue;
        }

        *p = '\0';
        if (mkdir(buf, 0755) == -1 && errno != EEXIST) {
            return ZT_ERROR;
        }
        *p = '/';
    }

    if (mkdir(buf, 0755) == -1 && errno != EEXIST) {
        return ZT_ERROR;
    }

    return ZT_OK;
}
