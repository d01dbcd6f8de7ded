/*
 * The archive sink: every raw Zoom body, byte-exact, as
 * DIR/YYYY-MM-DD/<event_id>.json (the date is the event's in `timezone`).
 * A file that exists is a record already stored, so redelivery is a no-op.
 *
 * A batch is one group commit: write every new body to a nameless file
 * (O_TMPFILE in its day directory), make them all durable with one
 * syncfs(), give each its final name with linkat(), fsync each directory
 * once, then acknowledge.  A file under its final name therefore always
 * holds its whole body, and a crash before the links leaves nothing: the
 * file system frees unnamed files itself.  One name operation per event
 * instead of create plus rename (bench/drain measures what that buys).
 * Where O_TMPFILE or /proc is missing, named temp files and rename() do
 * the same job; where syncfs() fails, an fsync per file.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "zt_time.h"
#include "zt_fs.h"
#include "zt_log.h"
#include "zt_sink.h"
#include "zt_archive_path.h"


#define ZT_ARCHIVE_PATH  4096


typedef struct {
    char         *tmp;        /* malloc()ed; NULL: a nameless file */
    char         *path;       /* malloc()ed; NULL: nothing to place */
    int           fd;
    int           placed;     /* its directory must be fsynced */
} zt_archive_file_t;


typedef struct {
    char                dir[ZT_ARCHIVE_PATH];
    char               *tz;
    zt_archive_file_t  *files;
    size_t              cap;
    int                 named;    /* O_TMPFILE or linkat() unavailable */
    char                lastdir[ZT_ARCHIVE_PATH];  /* known to exist */
} zt_archive_t;


static int zt_archive_init(const zt_conf_t *conf, void **ctx);
static int zt_archive_write(void *ctx, zt_item_t *items, size_t n);
static void zt_archive_exit(void *ctx);
static int zt_archive_mkdirs(zt_archive_t *a, const char *day);
static int zt_archive_put(zt_archive_t *a, zt_item_t *it,
    zt_archive_file_t *f);
static int zt_archive_open(zt_archive_t *a, const char *path, char *tmp,
    zt_archive_file_t *f);
static int zt_archive_sync(zt_archive_file_t *files, size_t n);
static int zt_archive_place(zt_archive_t *a, zt_archive_file_t *f);
static int zt_archive_sync_dirs(zt_archive_file_t *files, size_t n);
static int zt_archive_fsync_dir(const char *path);


const zt_sink_t  zt_sink_archive = {
    "archive",
    zt_archive_init,
    zt_archive_write,
    NULL,
    zt_archive_exit,
    NULL                    /* prepare */
};


static int
zt_archive_init(const zt_conf_t *conf, void **ctx)
{
    char           day[16];
    zt_archive_t  *a;

    a = calloc(1, sizeof(zt_archive_t));
    if (a == NULL) {
        zt_log_error("out of memory");
        return ZT_ERROR;
    }

    a->tz = strdup(zt_conf_get(conf, "", "timezone"));

    if (a->tz == NULL
        || zt_archive_dir(conf, a->dir, sizeof(a->dir)) != ZT_OK)
    {
        zt_log_error("[sink:archive] archive.dir is too long");
        zt_archive_exit(a);
        return ZT_ERROR;
    }

    if (zt_time_local_date(0, a->tz, day) != ZT_OK) {
        zt_log_error("[sink:archive] unknown timezone \"%s\"", a->tz);
        zt_archive_exit(a);
        return ZT_ERROR;
    }

    /* the directory is made when first needed: it may be fixed later */
    *ctx = a;
    return ZT_OK;
}


static void
zt_archive_exit(void *ctx)
{
    zt_archive_t  *a = ctx;

    if (a == NULL) {
        return;
    }

    free(a->tz);
    free(a->files);
    free(a);
}


static int
zt_archive_write(void *ctx, zt_item_t *items, size_t n)
{
    int                 rc;
    size_t              i, j;
    zt_archive_t       *a = ctx;
    zt_archive_file_t  *f;

    if (n > a->cap) {
        f = realloc(a->files, n * sizeof(zt_archive_file_t));
        if (f == NULL) {
            zt_log_error("out of memory");
            return ZT_RETRY;
        }
        a->files = f;
        a->cap = n;
    }

    rc = ZT_OK;

    for (i = 0; i < n; i++) {
        f = &a->files[i];
        f->tmp = NULL;
        f->path = NULL;
        f->fd = -1;
        f->placed = 0;

        if (rc != ZT_OK) {
            continue;
        }

        /* the same event twice in one batch: the first copy does */
        for (j = 0; j < i; j++) {
            if (strcmp(items[j].event_id, items[i].event_id) == 0) {
                break;
            }
        }

        if (j < i) {
            continue;
        }

        rc = zt_archive_put(a, &items[i], f);
    }

    if (rc == ZT_OK) {
        rc = zt_archive_sync(a->files, n);
    }

    for (i = 0; i < n; i++) {
        f = &a->files[i];

        if (rc == ZT_OK && f->path) {
            rc = zt_archive_place(a, f);
        }

        if (f->fd != -1) {
            close(f->fd);
            f->fd = -1;
        }
    }

    if (rc == ZT_OK) {
        rc = zt_archive_sync_dirs(a->files, n);
    }

    for (i = 0; i < n; i++) {
        f = &a->files[i];

        if (rc != ZT_OK && f->tmp) {
            (void) unlink(f->tmp);
        }

        free(f->tmp);
        free(f->path);
    }

    return rc;
}


/*
 * fsyncs each distinct directory the batch placed files in.  A batch
 * spans one or two days, so each file is compared with the few distinct
 * directories seen so far (their first files' indexes, kept in dirs), not
 * with every file before it.
 */
static int
zt_archive_sync_dirs(zt_archive_file_t *files, size_t n)
{
    char    *slash;
    size_t   i, j, len, ndirs, *dirs;

    dirs = malloc(n * sizeof(size_t));
    if (dirs == NULL) {
        zt_log_error("out of memory");
        return ZT_RETRY;
    }

    ndirs = 0;

    for (i = 0; i < n; i++) {
        if (!files[i].placed) {
            continue;
        }

        slash = strrchr(files[i].path, '/');
        len = (size_t) (slash - files[i].path);

        for (j = 0; j < ndirs; j++) {
            if (strncmp(files[dirs[j]].path, files[i].path, len) == 0
                && files[dirs[j]].path[len] == '/'
                && strchr(files[dirs[j]].path + len + 1, '/') == NULL)
            {
                break;
            }
        }

        if (j < ndirs) {
            continue;
        }

        dirs[ndirs++] = i;

        *slash = '\0';
        if (zt_archive_fsync_dir(files[i].path) != ZT_OK) {
            *slash = '/';
            free(dirs);
            return ZT_RETRY;
        }
        *slash = '/';
    }

    free(dirs);
    return ZT_OK;
}


/*
 * Writes one body to a file not yet under its final name.  Sets
 * it->error for a record that can never be archived.  ZT_OK or ZT_RETRY.
 */
static int
zt_archive_put(zt_archive_t *a, zt_item_t *it, zt_archive_file_t *f)
{
    int          fd;
    char         day[16], path[ZT_ARCHIVE_PATH], tmp[ZT_ARCHIVE_PATH];
    size_t       len, off;
    ssize_t      w;
    json_t      *raw, *ts;
    const char  *body;

    raw = json_object_get(it->rec, "raw_payload");
    if (!json_is_string(raw)) {
        it->error = "record has no raw_payload";
        return ZT_OK;
    }

    if (!zt_archive_id_ok(it->event_id)) {
        it->error = "event_id is not usable as a file name";
        return ZT_OK;
    }

    ts = json_object_get(it->rec, "event_ts");

    if (zt_time_local_date(json_is_integer(ts) ? json_integer_value(ts) : 0,
                           a->tz, day)
        != ZT_OK)
    {
        it->error = "event_ts is out of range";
        return ZT_OK;
    }

    if (zt_archive_path(a->dir, day, it->event_id, path, sizeof(path))
        != ZT_OK)
    {
        it->error = "archive path is too long";
        return ZT_OK;
    }

    if (snprintf(tmp, sizeof(tmp), "%s/%s/.%s.json.tmp", a->dir, day,
                 it->event_id)
        >= (int) sizeof(tmp))
    {
        it->error = "archive path is too long";
        return ZT_OK;
    }

    /* with O_TMPFILE, linkat() refuses an existing name by itself; this
     * lookup per file was a tenth of the archive's system calls */
    if (a->named && access(path, F_OK) == 0) {
        return ZT_OK;
    }

    if (zt_archive_mkdirs(a, day) != ZT_OK) {
        return ZT_RETRY;
    }

    if (zt_archive_open(a, path, tmp, f) != ZT_OK) {
        return ZT_RETRY;
    }

    fd = f->fd;

    body = json_string_value(raw);
    len = json_string_length(raw);

    for (off = 0; off < len; off += (size_t) w) {
        w = write(fd, body + off, len - off);
        if (w == -1) {
            if (errno == EINTR) {
                w = 0;
                continue;
            }
            zt_log_error("[sink:archive] cannot write \"%s\": %s", path,
                         strerror(errno));
            return ZT_RETRY;
        }
    }

    return ZT_OK;
}


/*
 * Opens the file a body is written to: nameless in the final directory,
 * or a named temp file next to the final name where the file system has
 * no O_TMPFILE.  Sets f->fd, f->path and (named) f->tmp.
 */
static int
zt_archive_open(zt_archive_t *a, const char *path, char *tmp,
    zt_archive_file_t *f)
{
    int    fd, err;
    char  *slash;

    f->path = strdup(path);
    if (f->path == NULL) {
        zt_log_error("out of memory");
        return ZT_ERROR;
    }

    if (!a->named) {
        slash = strrchr(f->path, '/');
        *slash = '\0';
        fd = open(f->path, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
        err = errno;
        *slash = '/';

        if (fd != -1) {
            f->fd = fd;
            return ZT_OK;
        }

        if (err != EOPNOTSUPP && err != EISDIR && err != EINVAL) {
            errno = err;
            zt_log_error("[sink:archive] cannot create a file in \"%s\": "
                         "%s", a->lastdir, strerror(errno));
            a->lastdir[0] = '\0';
            return ZT_ERROR;
        }

        zt_log_info("[sink:archive] no O_TMPFILE in \"%s\" (%s): named "
                    "temp files and rename()", a->dir, strerror(err));
        a->named = 1;
    }

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) {
        zt_log_error("[sink:archive] cannot create \"%s\": %s", tmp,
                     strerror(errno));
        a->lastdir[0] = '\0';
        return ZT_ERROR;
    }

    f->fd = fd;
    f->tmp = strdup(tmp);

    if (f->tmp == NULL) {
        zt_log_error("out of memory");
        return ZT_ERROR;
    }

    return ZT_OK;
}


/*
 * Gives a durable file its final name.  A name that exists already holds
 * the same event (another copy got there first), which is as good.
 */
static int
zt_archive_place(zt_archive_t *a, zt_archive_file_t *f)
{
    char  proc[64];

    if (f->tmp) {
        if (rename(f->tmp, f->path) == -1) {
            zt_log_error("[sink:archive] cannot rename \"%s\": %s", f->tmp,
                         strerror(errno));
            return ZT_RETRY;
        }

        f->placed = 1;
        return ZT_OK;
    }

    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->fd);

    if (linkat(AT_FDCWD, proc, AT_FDCWD, f->path, AT_SYMLINK_FOLLOW) == 0) {
        f->placed = 1;
        return ZT_OK;
    }

    /* an earlier delivery's link, made before a crash that may have come
     * ahead of its directory's fsync: the directory is synced again */
    if (errno == EEXIST) {
        f->placed = 1;
        return ZT_OK;
    }

    zt_log_error("[sink:archive] cannot link \"%s\": %s", f->path,
                 strerror(errno));

    /* no /proc: the retry of this batch uses named temp files */
    if (errno == ENOENT) {
        a->named = 1;
    }

    return ZT_RETRY;
}


/* DIR and DIR/day exist afterwards (cached: the last day dir made) */
static int
zt_archive_mkdirs(zt_archive_t *a, const char *day)
{
    char  path[ZT_ARCHIVE_PATH], failed[ZT_ARCHIVE_PATH];

    if (snprintf(path, sizeof(path), "%s/%s", a->dir, day)
        >= (int) sizeof(path))
    {
        return ZT_ERROR;
    }

    if (strcmp(path, a->lastdir) == 0) {
        return ZT_OK;
    }

    if (zt_fs_mkdirs(path, ZT_FS_PATH, failed, sizeof(failed)) != ZT_OK) {
        zt_log_error("[sink:archive] cannot create \"%s\": %s", failed,
                     strerror(errno));
        return ZT_ERROR;
    }

    /* the new entry must survive a crash like the files in it */
    *strrchr(path, '/') = '\0';
    if (zt_archive_fsync_dir(path) != ZT_OK) {
        return ZT_ERROR;
    }
    path[strlen(path)] = '/';

    snprintf(a->lastdir, sizeof(a->lastdir), "%s", path);
    return ZT_OK;
}


/*
 * Makes the batch's temp files durable.  syncfs() flushes the whole file
 * system in one go, far cheaper than an fsync per small file; fsync each
 * where it is unavailable.
 */
static int
zt_archive_sync(zt_archive_file_t *files, size_t n)
{
    size_t  i;
    int     any;

    any = -1;

    for (i = 0; i < n; i++) {
        if (files[i].fd != -1) {
            any = files[i].fd;
            break;
        }
    }

    if (any == -1) {
        return ZT_OK;
    }

    if (syncfs(any) == 0) {
        return ZT_OK;
    }

    for (i = 0; i < n; i++) {
        if (files[i].fd != -1 && fsync(files[i].fd) == -1) {
            zt_log_error("[sink:archive] fsync(\"%s\") failed: %s",
                         files[i].path, strerror(errno));
            return ZT_RETRY;
        }
    }

    return ZT_OK;
}


static int
zt_archive_fsync_dir(const char *path)
{
    int  fd, rc;

    fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd == -1) {
        zt_log_error("[sink:archive] cannot open \"%s\": %s", path,
                     strerror(errno));
        return ZT_ERROR;
    }

    rc = fsync(fd);
    close(fd);

    if (rc == -1) {
        zt_log_error("[sink:archive] fsync(\"%s\") failed: %s", path,
                     strerror(errno));
        return ZT_ERROR;
    }

    return ZT_OK;
}
