/*
 * File-system helpers shared by the sinks and subcommands.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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


int
zt_fs_special(const char *path)
{
    struct stat  st;

    return stat(path, &st) == 0 && !S_ISREG(st.st_mode)
           && !S_ISDIR(st.st_mode);
}


/* all of data to fd through short writes and EINTR; errno on ZT_ERROR */
static int
zt_fs_write_all(int fd, const char *data, size_t len)
{
    size_t   off;
    ssize_t  w;

    for (off = 0; off < len; off += (size_t) w) {
        w = write(fd, data + off, len - off);
        if (w < 0) {
            if (errno == EINTR) {
                w = 0;
                continue;
            }
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


/* writes data into an existing special file as it is (no temp, no sync) */
static int
zt_fs_write_in_place(const char *path, const char *data, size_t len)
{
    int  fd, err;

    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return ZT_ERROR;
    }

    if (zt_fs_write_all(fd, data, len) != ZT_OK) {
        err = errno;
        close(fd);
        errno = err;
        return ZT_ERROR;
    }

    return close(fd) == 0 ? ZT_OK : ZT_ERROR;
}


/*
 * Durable replace: temp file beside path (so rename() is atomic), write,
 * fchmod, fsync, rename, fsync of the directory (so the rename itself
 * survives a power loss).  errno is kept for the caller's message.
 */
int
zt_fs_replace(const char *path, const char *data, size_t len, mode_t mode)
{
    int       fd, err;
    char      tmp[PATH_MAX + 32], dir[PATH_MAX], *slash;

    if (zt_fs_special(path)) {
        return zt_fs_write_in_place(path, data, len);
    }

    if ((size_t) snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path,
                          (long) getpid()) >= sizeof(tmp)
        || (size_t) snprintf(dir, sizeof(dir), "%s", path) >= sizeof(dir))
    {
        errno = ENAMETOOLONG;
        return ZT_ERROR;
    }

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        return ZT_ERROR;
    }

    if (zt_fs_write_all(fd, data, len) != ZT_OK
        || fchmod(fd, mode) != 0 || fsync(fd) != 0)
    {
        goto failed;
    }

    if (close(fd) != 0) {
        fd = -1;
        goto failed;
    }

    fd = -1;

    if (rename(tmp, path) != 0) {
        goto failed;
    }

    slash = strrchr(dir, '/');
    if (slash == NULL) {
        snprintf(dir, sizeof(dir), ".");

    } else if (slash == dir) {
        dir[1] = '\0';

    } else {
        *slash = '\0';
    }

    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void) fsync(fd);
        close(fd);
    }

    return ZT_OK;

failed:

    err = errno;
    if (fd >= 0) {
        close(fd);
    }
    unlink(tmp);
    errno = err;
    return ZT_ERROR;
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


void
zt_fs_modes_owner_only(void)
{
    zt_fs_fmode = 0600;
    zt_fs_dmode = 0700;

    umask(077);
}


int
zt_fs_file_mode(void)
{
    return zt_fs_fmode;
}
