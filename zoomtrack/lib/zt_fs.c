/*
 * File-system helpers shared by the sinks and subcommands.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "zt_core.h"
#include "zt_fs.h"


static int  zt_fs_fmode = 0600;
static int  zt_fs_dmode = 0700;


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
        if (mkdir(buf, (mode_t) zt_fs_dmode) == -1 && errno != EEXIST) {
            return zt_fs_failed(buf, failed, len);
        }
        *p = '/';
    }

    if (mkdir(buf, (mode_t) zt_fs_dmode) == -1 && errno != EEXIST) {
        return zt_fs_failed(buf, failed, len);
    }

    return ZT_OK;
}


static int
zt_fs_mode(const zt_conf_t *conf, const char *key, int *out, char *err,
    size_t errlen)
{
    long         m;
    char        *end;
    const char  *v;

    v = zt_conf_get(conf, "drain", key);

    errno = 0;
    m = strtol(v, &end, 8);
    if (errno || end == v || *end != '\0' || m < 0 || m > 0777) {
        snprintf(err, errlen, "drain.%s \"%s\": use an octal mode such as "
                 "0640", key, v);
        return ZT_ERROR;
    }

    if ((m & 0700) == 0 || (m & 0002)) {
        snprintf(err, errlen, "drain.%s \"%s\": the owner needs access "
                 "and others may not write", key, v);
        return ZT_ERROR;
    }

    *out = (int) m;
    return ZT_OK;
}


int
zt_fs_modes_init(const zt_conf_t *conf, char *err, size_t errlen)
{
    if (zt_fs_mode(conf, "file_mode", &zt_fs_fmode, err, errlen) != ZT_OK
        || zt_fs_mode(conf, "dir_mode", &zt_fs_dmode, err, errlen) != ZT_OK)
    {
        return ZT_ERROR;
    }

    /* open(0644) and mkdir(0755) elsewhere get no more than allowed */
    umask((mode_t) (~(zt_fs_fmode | zt_fs_dmode) & 0777));

    return ZT_OK;
}


int
zt_fs_file_mode(void)
{
    return zt_fs_fmode;
}


int
zt_fs_dir_mode(void)
{
    return zt_fs_dmode;
}
