/*
 * The zoomtrack spool: where a worker puts an event Redis could not take,
 * so that the webhook still answers 200 and nothing is lost.
 *
 * File format and locking (the contract with `zoomtrack drain`):
 *
 *   - files are DIR/spool-<pid>-<ms>.ndjson: the worker's pid and the time
 *     the file was created in ms since the epoch (bumped by one when that
 *     name exists already), mode 0600 and owned by the worker's user (so
 *     the drainer runs as that user, or root);
 *   - each line is one queue record, exactly the JSON the module would
 *     have pushed to Redis (one object with "event_id"), ended by "\n";
 *   - the worker creates a file under a name the drainer does not match
 *     (.spool-<pid>-<ms>.tmp), takes flock(LOCK_EX) on it and only then
 *     links it to its final name, so a spool file is never visible
 *     unlocked while a worker still writes to it;
 *   - each record is written with one writev() and then fsync()ed; a failed
 *     write is truncated away, so complete lines are never followed by
 *     garbage, but a crash can still leave a partial last line without its
 *     "\n", which the importer must ignore;
 *   - the worker keeps the file open and locked while Redis is failing and
 *     closes it (releasing the lock) after its next successful EXEC, when
 *     its Redis connection is established again (so that an idle worker
 *     does not sit on spooled events), or when it exits.  A file is
 *     importable when flock(LOCK_EX|LOCK_NB) succeeds; the importer pushes
 *     every complete line to the queues and then removes the file.
 *
 * A record may be both spooled and in Redis (a reply that came after the
 * timeout); consumers deduplicate by event_id.
 */


#include "ngx_http_zoomtrack_spool_writer.h"

#include <sys/file.h>
#include <sys/uio.h>


#define NGX_HTTP_ZOOMTRACK_SPOOL_NAME_LEN                                    \
    (sizeof("/.spool--.ndjson.tmp") + 2 * NGX_INT64_LEN)


static ngx_array_t  *ngx_http_zoomtrack_spools;   /* this worker's */


struct ngx_http_zoomtrack_spool_s {
    ngx_str_t   dir;                  /* NUL-terminated */
    ngx_fd_t    fd;                   /* per worker; -1 when closed */
    u_char     *name;                 /* the open file, for logs */
};


static ngx_fd_t ngx_http_zoomtrack_spool_open(ngx_http_zoomtrack_spool_t *sp,
    ngx_log_t *log);
static void ngx_http_zoomtrack_spool_sync_dir(ngx_http_zoomtrack_spool_t *sp,
    ngx_log_t *log);


ngx_http_zoomtrack_spool_t *
ngx_http_zoomtrack_spool_add(ngx_conf_t *cf, ngx_str_t *dir)
{
    ngx_uint_t                        i;
    ngx_http_zoomtrack_spool_t       *sp, **spp;
    ngx_http_zoomtrack_main_conf_t   *ztmcf;

    ztmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_zoomtrack_module);

    spp = ztmcf->spools.elts;
    for (i = 0; i < ztmcf->spools.nelts; i++) {
        if (spp[i]->dir.len == dir->len
            && ngx_strncmp(spp[i]->dir.data, dir->data, dir->len) == 0)
        {
            return spp[i];
        }
    }

    sp = ngx_pcalloc(cf->pool, sizeof(ngx_http_zoomtrack_spool_t));
    if (sp == NULL) {
        return NULL;
    }

    sp->dir.data = ngx_pnalloc(cf->pool, dir->len + 1);
    if (sp->dir.data == NULL) {
        return NULL;
    }

    ngx_memcpy(sp->dir.data, dir->data, dir->len);
    sp->dir.data[dir->len] = '\0';
    sp->dir.len = dir->len;
    sp->fd = NGX_INVALID_FILE;

    sp->name = ngx_pnalloc(cf->pool,
                           dir->len + NGX_HTTP_ZOOMTRACK_SPOOL_NAME_LEN);
    if (sp->name == NULL) {
        return NULL;
    }

    sp->name[0] = '\0';

    spp = ngx_array_push(&ztmcf->spools);
    if (spp == NULL) {
        return NULL;
    }

    *spp = sp;

    return sp;
}


ngx_int_t
ngx_http_zoomtrack_spool_write(ngx_http_zoomtrack_spool_t *sp, u_char *rec,
    size_t len, ngx_log_t *log)
{
    off_t         off;
    size_t        total;
    ssize_t       n;
    struct iovec  iov[2];

    if (sp->fd == NGX_INVALID_FILE) {
        sp->fd = ngx_http_zoomtrack_spool_open(sp, log);
        if (sp->fd == NGX_INVALID_FILE) {
            return NGX_ERROR;
        }
    }

    off = lseek(sp->fd, 0, SEEK_END);
    if (off == -1) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "zoomtrack: lseek(\"%s\") failed", sp->name);
        goto failed;
    }

    iov[0].iov_base = rec;
    iov[0].iov_len = len;
    iov[1].iov_base = "\n";
    iov[1].iov_len = 1;
    total = len + 1;

    /* O_APPEND and one writev(): a short write means the disk is full */
    n = writev(sp->fd, iov, 2);

    if (n != (ssize_t) total) {
        ngx_log_error(NGX_LOG_ERR, log, n == -1 ? ngx_errno : 0,
                      "zoomtrack: writing spool file \"%s\" failed "
                      "(%z of %uz bytes)", sp->name, n, total);

        if (n > 0 && ftruncate(sp->fd, off) == -1) {
            ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                          "zoomtrack: ftruncate(\"%s\") failed", sp->name);
        }

        goto failed;
    }

    if (fsync(sp->fd) == -1) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "zoomtrack: fsync(\"%s\") failed", sp->name);

        /* the line may or may not be on disk: do not count on it */
        if (ftruncate(sp->fd, off) == -1) {
            ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                          "zoomtrack: ftruncate(\"%s\") failed", sp->name);
        }

        goto failed;
    }

    return NGX_OK;

failed:

    /* the next event starts a fresh file */
    ngx_http_zoomtrack_spool_release(sp);

    return NGX_ERROR;
}


/*
 * Creates, locks and publishes a new spool file; returns its descriptor or
 * NGX_INVALID_FILE.
 */

static ngx_fd_t
ngx_http_zoomtrack_spool_open(ngx_http_zoomtrack_spool_t *sp, ngx_log_t *log)
{
    u_char      *p;
    ngx_fd_t     fd;
    ngx_err_t    err;
    ngx_uint_t   i;
    int64_t      ms;
    u_char       tmp[NGX_MAX_PATH];

    ms = (int64_t) ngx_time() * 1000 + (int64_t) ngx_timeofday()->msec;

    p = ngx_snprintf(tmp, sizeof(tmp) - 1, "%V/.spool-%P-%L.tmp",
                     &sp->dir, ngx_pid, ms);
    *p = '\0';

    /* records hold names and emails: owner (the worker's user) only */
    fd = open((char *) tmp, O_WRONLY|O_CREAT|O_EXCL|O_APPEND|O_CLOEXEC,
              0600);
    if (fd == -1) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "zoomtrack: cannot create spool file \"%s\"", tmp);
        return NGX_INVALID_FILE;
    }

    if (flock(fd, LOCK_EX|LOCK_NB) == -1) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "zoomtrack: flock(\"%s\") failed", tmp);
        goto failed;
    }

    /* link() never replaces a file the drainer has not imported yet */
    for (i = 0; i < 1000; i++, ms++) {
        p = ngx_snprintf(sp->name, sp->dir.len
                                   + NGX_HTTP_ZOOMTRACK_SPOOL_NAME_LEN - 1,
                         "%V/spool-%P-%L.ndjson", &sp->dir, ngx_pid, ms);
        *p = '\0';

        if (link((char *) tmp, (char *) sp->name) == 0) {
            break;
        }

        err = ngx_errno;

        if (err != NGX_EEXIST) {
            ngx_log_error(NGX_LOG_ERR, log, err,
                          "zoomtrack: link(\"%s\", \"%s\") failed",
                          tmp, sp->name);
            goto failed;
        }
    }

    if (i == 1000) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "zoomtrack: no free spool file name in \"%V\"",
                      &sp->dir);
        goto failed;
    }

    (void) unlink((char *) tmp);

    ngx_http_zoomtrack_spool_sync_dir(sp, log);

    ngx_log_error(NGX_LOG_WARN, log, 0,
                  "zoomtrack: spooling to \"%s\"", sp->name);

    return fd;

failed:

    (void) unlink((char *) tmp);
    (void) close(fd);
    sp->name[0] = '\0';

    return NGX_INVALID_FILE;
}


/* makes the new directory entry durable, like the records in it */

static void
ngx_http_zoomtrack_spool_sync_dir(ngx_http_zoomtrack_spool_t *sp,
    ngx_log_t *log)
{
    int  fd;

    fd = open((char *) sp->dir.data, O_RDONLY|O_DIRECTORY|O_CLOEXEC);
    if (fd == -1) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "zoomtrack: open(\"%V\") failed", &sp->dir);
        return;
    }

    if (fsync(fd) == -1) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "zoomtrack: fsync(\"%V\") failed", &sp->dir);
    }

    (void) close(fd);
}


void
ngx_http_zoomtrack_spool_release(ngx_http_zoomtrack_spool_t *sp)
{
    if (sp->fd == NGX_INVALID_FILE) {
        return;
    }

    if (close(sp->fd) == -1) {
        ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, ngx_errno,
                      "zoomtrack: close(\"%s\") failed", sp->name);
    }

    sp->fd = NGX_INVALID_FILE;
    sp->name[0] = '\0';
}


void
ngx_http_zoomtrack_spool_init(ngx_array_t *spools)
{
    ngx_http_zoomtrack_spools = spools;
}


void
ngx_http_zoomtrack_spool_release_all(void)
{
    if (ngx_http_zoomtrack_spools) {
        ngx_http_zoomtrack_spool_close_all(ngx_http_zoomtrack_spools);
    }
}


void
ngx_http_zoomtrack_spool_close_all(ngx_array_t *spools)
{
    ngx_uint_t                    i;
    ngx_http_zoomtrack_spool_t  **spp;

    spp = spools->elts;

    for (i = 0; i < spools->nelts; i++) {
        ngx_http_zoomtrack_spool_release(spp[i]);
    }
}
