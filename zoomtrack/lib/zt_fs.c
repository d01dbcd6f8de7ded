/*
 * File-system helpers shared by the sinks and subcommands.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "zt_core.h"
#include "zt_fs.h"


static int
zt_fs_failed(const char *dir, char *failed, size_t len)
{
    int  err = errno;

    if (failed && len) {
        snprintf(failed, len, "%s", dir);
    }

    errno = err;
    return ZT_ERROR;
}


int
zt_fs_mkdirs(const char *path, int what, char *failed, size_t len)
{
    char   buf[4096];
    char  *p;

    if ((size_t) snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf)) {
        errno = ENAMETOOLONG;
        return zt_fs_failed(path, failed, len);
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
            return zt_fs_failed(buf, failed, len);
        }
        *p = '/';
    }

    if (mkdir(buf, 0755) == -1 && errno != EEXIST) {
        return zt_fs_failed(buf, failed, len);
    }

    return ZT_OK;
}
