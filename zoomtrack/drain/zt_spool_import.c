/*
 * zt_spool: the import side of the module's Redis-down spool.  Files are
 * taken in name order; a file is streamed through a buffer (it may be
 * large after a long outage) and its complete lines are LPUSHed, in order,
 * to every configured list in chunks, so a consumer taking from the right
 * sees them oldest first.  A last line without "\n" is a record the writer
 * was cut off in: it is reported and skipped.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "zt_log.h"
#include "zt_spool_import.h"


#define ZT_SPOOL_PREFIX     "spool-"
#define ZT_SPOOL_SUFFIX     ".ndjson"
#define ZT_SPOOL_IMPORTING  ".importing"
#define ZT_SPOOL_CHUNK      512          /* records per LPUSH */
#define ZT_SPOOL_BUF        (1024 * 1024)
#define ZT_SPOOL_MAX_FILES  4096         /* per pass */


struct zt_spool_s {
    char                    *dir;
    char                   **queues;
    size_t                   nqueues;
    const zt_redis_conf_t   *rc;
    redisContext            *c;
    char                    *buf;
    size_t                   bufsize;
    const char             **argv;
    size_t                  *argvlen;
};


static int zt_spool_name_cmp(const void *a, const void *b);
static long long zt_spool_name_ms(const char *name);
static int zt_spool_wanted(const char *name);
static int zt_spool_file(zt_spool_t *sp, const char *name);
static int zt_spool_read(zt_spool_t *sp, int fd, const char *path,
    size_t *nrec);
static int zt_spool_push(zt_spool_t *sp, char *p, size_t len,
    size_t *nrec);
static void zt_spool_close(zt_spool_t *sp);


zt_spool_t *
zt_spool_create(const char *dir, const char *queues,
    const zt_redis_conf_t *rc, char *err, size_t errlen)
{
    char        *copy, *tok, *save;
    zt_spool_t  *sp;

    sp = calloc(1, sizeof(zt_spool_t));
    if (sp == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    sp->rc = rc;
    sp->dir = strdup(dir);
    sp->bufsize = ZT_SPOOL_BUF;
    sp->buf = malloc(sp->bufsize);
    sp->argv = calloc(ZT_SPOOL_CHUNK + 2, sizeof(char *));
    sp->argvlen = calloc(ZT_SPOOL_CHUNK + 2, sizeof(size_t));
    copy = strdup(queues);
    sp->queues = calloc(strlen(queues) / 2 + 1, sizeof(char *));

    if (sp->dir == NULL || sp->buf == NULL || sp->argv == NULL
        || sp->argvlen == NULL || copy == NULL || sp->queues == NULL)
    {
        free(copy);
        zt_spool_destroy(sp);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    for (tok = strtok_r(copy, " ,\t", &save); tok;
         tok = strtok_r(NULL, " ,\t", &save))
    {
        sp->queues[sp->nqueues] = strdup(tok);
        if (sp->queues[sp->nqueues] == NULL) {
            free(copy);
            zt_spool_destroy(sp);
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
        sp->nqueues++;
    }

    free(copy);

    if (sp->nqueues == 0) {
        zt_spool_destroy(sp);
        snprintf(err, errlen, "spool.queues is empty");
        return NULL;
    }

    zt_log_info("spool: importing \"%s\" into %zu list(s)", dir,
                sp->nqueues);

    return sp;
}


void
zt_spool_destroy(zt_spool_t *sp)
{
    size_t  i;

    if (sp == NULL) {
        return;
    }

    zt_spool_close(sp);

    for (i = 0; sp->queues && i < sp->nqueues; i++) {
        free(sp->queues[i]);
    }

    free(sp->queues);
    free(sp->dir);
    free(sp->buf);
    free(sp->argv);
    free(sp->argvlen);
    free(sp);
}


static void
zt_spool_close(zt_spool_t *sp)
{
    if (sp->c) {
        redisFree(sp->c);
        sp->c = NULL;
    }
}


int
zt_spool_import(zt_spool_t *sp)
{
    int             rc, files;
    DIR            *d;
    char          **names;
    size_t          n, i;
    struct dirent  *de;

    d = opendir(sp->dir);
    if (d == NULL) {
        if (errno != ENOENT) {
            zt_log_error("spool: cannot open \"%s\": %s", sp->dir,
                         strerror(errno));
        }
        return 0;
    }

    names = calloc(ZT_SPOOL_MAX_FILES, sizeof(char *));
    if (names == NULL) {
        closedir(d);
        zt_log_error("out of memory");
        return ZT_ERROR;
    }

    n = 0;
    while (n < ZT_SPOOL_MAX_FILES && (de = readdir(d)) != NULL) {
        if (zt_spool_wanted(de->d_name)) {
            names[n] = strdup(de->d_name);
            if (names[n]) {
                n++;
            }
        }
    }

    closedir(d);

    /* spool-<time>... names sort oldest first; leftovers of a crash too */
    qsort(names, n, sizeof(char *), zt_spool_name_cmp);

    files = 0;

    for (i = 0; i < n; i++) {
        rc = zt_spool_file(sp, names[i]);
        if (rc == ZT_ERROR) {
            files = ZT_ERROR;
            break;
        }
        files += rc;
    }

    for (i = 0; i < n; i++) {
        free(names[i]);
    }

    free(names);
    return files;
}


/*
 * The module names files spool-<pid>-<ms>.ndjson: order by the creation
 * time, then by name, so records of several workers come roughly in the
 * order they arrived.
 */
static int
zt_spool_name_cmp(const void *a, const void *b)
{
    long long    ta, tb;
    const char  *na = *(char *const *) a, *nb = *(char *const *) b;

    ta = zt_spool_name_ms(na);
    tb = zt_spool_name_ms(nb);

    if (ta != tb) {
        return ta < tb ? -1 : 1;
    }

    return strcmp(na, nb);
}


/* the <ms> of spool-<pid>-<ms>.ndjson[.importing], or 0 */
static long long
zt_spool_name_ms(const char *name)
{
    const char  *dash, *dot;

    dash = strrchr(name, '-');
    dot = strstr(name, ZT_SPOOL_SUFFIX);

    if (dash == NULL || dot == NULL || dot < dash) {
        return 0;
    }

    return strtoll(dash + 1, NULL, 10);
}


/* spool-*.ndjson or spool-*.ndjson.importing */
static int
zt_spool_wanted(const char *name)
{
    size_t  len, sl, il;

    len = strlen(name);
    sl = sizeof(ZT_SPOOL_SUFFIX) - 1;
    il = sizeof(ZT_SPOOL_IMPORTING) - 1;

    if (strncmp(name, ZT_SPOOL_PREFIX, sizeof(ZT_SPOOL_PREFIX) - 1) != 0) {
        return 0;
    }

    if (len > il && strcmp(name + len - il, ZT_SPOOL_IMPORTING) == 0) {
        len -= il;
    }

    return len > sl && strncmp(name + len - sl, ZT_SPOOL_SUFFIX, sl) == 0;
}


/*
 * Imports one file if nobody holds its lock.  Returns 1 (imported), 0
 * (skipped: locked, gone) or ZT_ERROR (Redis; the file is kept).
 */
static int
zt_spool_file(zt_spool_t *sp, const char *name)
{
    int           fd, rc;
    char          path[4096], importing[4096];
    size_t        nrec;
    struct stat   fst, pst;

    if (snprintf(path, sizeof(path), "%s/%s", sp->dir, name)
        >= (int) sizeof(path))
    {
        zt_log_error("spool: path too long: \"%s/%s\"", sp->dir, name);
        return 0;
    }

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        if (errno != ENOENT) {
            zt_log_error("spool: cannot open \"%s\": %s", path,
                         strerror(errno));
        }
        return 0;
    }

    if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
        /* a worker is still writing it */
        close(fd);
        return 0;
    }

    /* another importer may have renamed or removed it before our lock */
    if (fstat(fd, &fst) == -1 || stat(path, &pst) == -1
        || fst.st_ino != pst.st_ino || fst.st_dev != pst.st_dev)
    {
        close(fd);
        return 0;
    }

    if (strstr(name, ZT_SPOOL_IMPORTING) == NULL) {
        if (snprintf(importing, sizeof(importing), "%s%s", path,
                     ZT_SPOOL_IMPORTING)
            >= (int) sizeof(importing)
            || rename(path, importing) == -1)
        {
            zt_log_error("spool: cannot rename \"%s\": %s", path,
                         strerror(errno));
            close(fd);
            return 0;
        }

    } else {
        snprintf(importing, sizeof(importing), "%s", path);
    }

    rc = zt_spool_read(sp, fd, importing, &nrec);

    if (rc != ZT_OK) {
        close(fd);
        zt_log_warn("spool: \"%s\" kept for the next pass", importing);
        return ZT_ERROR;
    }

    if (unlink(importing) == -1) {
        zt_log_error("spool: cannot remove \"%s\": %s", importing,
                     strerror(errno));
    }

    close(fd);

    zt_log_info("spool: imported %zu record(s) from \"%s\"", nrec, name);
    return 1;
}


/* streams the file's complete lines to Redis */
static int
zt_spool_read(zt_spool_t *sp, int fd, const char *path, size_t *nrec)
{
    char     *nl, *p;
    size_t    have, used;
    ssize_t   n;

    *nrec = 0;
    have = 0;

    for ( ;; ) {
        if (have == sp->bufsize) {
            /* a single line longer than the buffer */
            p = realloc(sp->buf, sp->bufsize * 2);
            if (p == NULL) {
                zt_log_error("out of memory");
                return ZT_ERROR;
            }
            sp->buf = p;
            sp->bufsize *= 2;
        }

        n = read(fd, sp->buf + have, sp->bufsize - have);
        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }
            zt_log_error("spool: cannot read \"%s\": %s", path,
                         strerror(errno));
            return ZT_ERROR;
        }

        if (n == 0) {
            break;
        }

        have += (size_t) n;

        nl = memrchr(sp->buf, '\n', have);
        if (nl == NULL) {
            continue;
        }

        used = (size_t) (nl - sp->buf) + 1;

        if (zt_spool_push(sp, sp->buf, used, nrec) != ZT_OK) {
            return ZT_ERROR;
        }

        memmove(sp->buf, sp->buf + used, have - used);
        have -= used;
    }

    if (have) {
        zt_log_warn("spool: \"%s\" ends with an incomplete line of %zu "
                    "byte(s); ignored", path, have);
    }

    return ZT_OK;
}


/* p..p+len holds whole lines; pushes them to every queue */
static int
zt_spool_push(zt_spool_t *sp, char *p, size_t len, size_t *nrec)
{
    char        *end, *nl;
    size_t       q, n, ncmd, i, l;
    redisReply  *r;
    char         err[256];

    if (sp->c == NULL) {
        sp->c = zt_redis_connect(sp->rc, err, sizeof(err));
        if (sp->c == NULL) {
            zt_log_error("spool: %s", err);
            return ZT_ERROR;
        }
    }

    end = p + len;

    while (p < end) {
        n = 0;

        while (p < end && n < ZT_SPOOL_CHUNK) {
            nl = memchr(p, '\n', (size_t) (end - p));
            l = (size_t) (nl - p);

            if (l && p[l - 1] == '\r') {
                l--;
            }

            if (l) {
                sp->argv[2 + n] = p;
                sp->argvlen[2 + n] = l;
                n++;
            }

            p = nl + 1;
        }

        if (n == 0) {
            continue;
        }

        sp->argv[0] = "LPUSH";
        sp->argvlen[0] = 5;
        ncmd = 0;

        for (q = 0; q < sp->nqueues; q++) {
            sp->argv[1] = sp->queues[q];
            sp->argvlen[1] = strlen(sp->queues[q]);

            if (redisAppendCommandArgv(sp->c, (int) n + 2, sp->argv,
                                       sp->argvlen)
                != REDIS_OK)
            {
                break;
            }
            ncmd++;
        }

        for (i = 0; i < sp->nqueues; i++) {
            r = NULL;

            if (i >= ncmd || redisGetReply(sp->c, (void **) &r) != REDIS_OK
                || r->type != REDIS_REPLY_INTEGER)
            {
                zt_log_error("spool: LPUSH failed: %s",
                             (i < ncmd && r && r->type == REDIS_REPLY_ERROR)
                             ? r->str : sp->c->errstr);
                if (i < ncmd && r) {
                    freeReplyObject(r);
                }
                zt_spool_close(sp);
                return ZT_ERROR;
            }
            freeReplyObject(r);
        }

        *nrec += n;
    }

    return ZT_OK;
}
