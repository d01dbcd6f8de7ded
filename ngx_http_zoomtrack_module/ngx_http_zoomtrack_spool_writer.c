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
 *   - records are appended with writev() and then fsync()ed; a failed
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
 *
 * The worker never waits on the disk: write, fsync, link and the directory
 * fsync run in nginx's "default" thread pool (the one `aio threads` uses).
 * Records that arrive while a batch is on its way to disk wait in
 * `pending` and go together in the next batch, with one fsync for all of
 * them (group commit); each request is answered, 200 or 503, only when
 * its batch's fsync has returned.  While a batch is in the thread, that
 * thread alone touches fd and name; the event loop touches them only
 * between batches.  An nginx built without threads (or a full pool queue)
 * does the same work from a posted event: still one fsync per loop
 * iteration, but on the loop.
 */


#include "ngx_http_zoomtrack_spool_writer.h"

#include <sys/file.h>
#include <sys/uio.h>
#include <limits.h>


#define NGX_HTTP_ZOOMTRACK_SPOOL_NAME_LEN                                    \
    (sizeof("/.spool--.ndjson.tmp") + 2 * NGX_INT64_LEN)

/* records per writev(): two iovecs each */
#define NGX_HTTP_ZOOMTRACK_SPOOL_IOV  (IOV_MAX / 2)

/* a batch still not on disk after this long is worth a log line */
#define NGX_HTTP_ZOOMTRACK_SPOOL_WATCH  10000


static ngx_array_t  *ngx_http_zoomtrack_spools;   /* this worker's */


/* one record on its way to disk; malloc()ed, freed by the spool */
struct ngx_http_zoomtrack_spool_entry_s {
    ngx_http_zoomtrack_spool_entry_t    *next;
    u_char                              *rec;      /* malloc()ed */
    size_t                               len;
    ngx_http_zoomtrack_spool_handler_pt  handler;
    void                                *data;     /* NULL: cancelled */
};


struct ngx_http_zoomtrack_spool_s {
    ngx_str_t                          dir;       /* NUL-terminated */
    ngx_fd_t                           fd;        /* per worker; or -1 */
    u_char                            *name;      /* the open file */

    ngx_http_zoomtrack_spool_entry_t  *pending;   /* the next batch */
    ngx_http_zoomtrack_spool_entry_t **last;
    ngx_http_zoomtrack_spool_entry_t  *batch;     /* on its way to disk */
    ngx_int_t                          batch_rc;
    ngx_event_t                        sync;      /* no thread: posted */
    ngx_event_t                        watch;     /* while busy */
#if (NGX_THREADS)
    ngx_thread_pool_t                 *tp;        /* NULL: none */
    ngx_thread_task_t                 *task;      /* per worker */
#endif
    unsigned                           busy:1;    /* batch or sync set */
    unsigned                           release:1; /* close after it */
    unsigned                           exiting:1; /* queue, never start */
};


static void ngx_http_zoomtrack_spool_start(ngx_http_zoomtrack_spool_t *sp);
static void ngx_http_zoomtrack_spool_sync_handler(ngx_event_t *ev);
static void ngx_http_zoomtrack_spool_watch_handler(ngx_event_t *ev);
#if (NGX_THREADS)
static void ngx_http_zoomtrack_spool_thread(void *data, ngx_log_t *log);
#endif
static void ngx_http_zoomtrack_spool_done(ngx_event_t *ev);
static ngx_int_t ngx_http_zoomtrack_spool_flush(ngx_http_zoomtrack_spool_t *sp,
    ngx_http_zoomtrack_spool_entry_t *batch, ngx_log_t *log);
static ngx_int_t ngx_http_zoomtrack_spool_append(ngx_http_zoomtrack_spool_t *sp,
    ngx_http_zoomtrack_spool_entry_t *batch, ngx_log_t *log);
static ngx_fd_t ngx_http_zoomtrack_spool_open(ngx_http_zoomtrack_spool_t *sp,
    ngx_log_t *log);
static void ngx_http_zoomtrack_spool_sync_dir(ngx_http_zoomtrack_spool_t *sp,
    ngx_log_t *log);
static void ngx_http_zoomtrack_spool_close(ngx_http_zoomtrack_spool_t *sp,
    ngx_log_t *log);
static void ngx_http_zoomtrack_spool_free(
    ngx_http_zoomtrack_spool_entry_t *e);


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
    sp->last = &sp->pending;

    sp->name = ngx_pnalloc(cf->pool,
                           dir->len + NGX_HTTP_ZOOMTRACK_SPOOL_NAME_LEN);
    if (sp->name == NULL) {
        return NULL;
    }

    sp->name[0] = '\0';

#if (NGX_THREADS)
    /* "default": created with 32 threads unless thread_pool says more */
    sp->tp = ngx_thread_pool_add(cf, NULL);
    if (sp->tp == NULL) {
        return NULL;
    }
#endif

    spp = ngx_array_push(&ztmcf->spools);
    if (spp == NULL) {
        return NULL;
    }

    *spp = sp;

    return sp;
}


/* per worker: the thread task and the events, once */

ngx_int_t
ngx_http_zoomtrack_spool_init(ngx_cycle_t *cycle, ngx_array_t *spools)
{
    ngx_uint_t                    i;
    ngx_http_zoomtrack_spool_t  **spp, *sp;

    ngx_http_zoomtrack_spools = spools;

    spp = spools->elts;

    for (i = 0; i < spools->nelts; i++) {
        sp = spp[i];

        sp->sync.handler = ngx_http_zoomtrack_spool_sync_handler;
        sp->sync.data = sp;
        sp->sync.log = cycle->log;

        sp->watch.handler = ngx_http_zoomtrack_spool_watch_handler;
        sp->watch.data = sp;
        sp->watch.log = cycle->log;

#if (NGX_THREADS)
        sp->task = ngx_thread_task_alloc(cycle->pool, 0);
        if (sp->task == NULL) {
            return NGX_ERROR;
        }

        sp->task->ctx = sp;
        sp->task->handler = ngx_http_zoomtrack_spool_thread;
        sp->task->event.handler = ngx_http_zoomtrack_spool_done;
        sp->task->event.data = sp;
        sp->task->event.log = cycle->log;
#endif
    }

    return NGX_OK;
}


ngx_http_zoomtrack_spool_entry_t *
ngx_http_zoomtrack_spool_write(ngx_http_zoomtrack_spool_t *sp, u_char *rec,
    size_t len, ngx_http_zoomtrack_spool_handler_pt handler, void *data,
    ngx_log_t *log)
{
    ngx_http_zoomtrack_spool_entry_t  *e;

    e = ngx_alloc(sizeof(ngx_http_zoomtrack_spool_entry_t), log);
    if (e == NULL) {
        ngx_free(rec);
        return NULL;
    }

    e->next = NULL;
    e->rec = rec;
    e->len = len;
    e->handler = handler;
    e->data = data;

    *sp->last = e;
    sp->last = &e->next;

    if (!sp->busy && !sp->exiting) {
        ngx_http_zoomtrack_spool_start(sp);
    }

    return e;
}


void
ngx_http_zoomtrack_spool_cancel(ngx_http_zoomtrack_spool_entry_t *e)
{
    /* the record is still written: only the answer has nobody to go to */
    e->data = NULL;
}


static void
ngx_http_zoomtrack_spool_start(ngx_http_zoomtrack_spool_t *sp)
{
    sp->busy = 1;

    /* a pending timer also keeps a gracefully exiting worker alive */
    ngx_add_timer(&sp->watch, NGX_HTTP_ZOOMTRACK_SPOOL_WATCH);

#if (NGX_THREADS)
    if (sp->task) {
        sp->batch = sp->pending;
        sp->pending = NULL;
        sp->last = &sp->pending;

        if (ngx_thread_task_post(sp->tp, sp->task) == NGX_OK) {
            return;
        }

        /* the pool's queue is full: the batch goes back, on the loop */
        sp->pending = sp->batch;
        sp->batch = NULL;

        sp->last = &sp->pending;
        while (*sp->last) {
            sp->last = &(*sp->last)->next;
        }
    }
#endif

    /* later in this loop iteration, with what has come by then */
    ngx_post_event(&sp->sync, &ngx_posted_events);
}


static void
ngx_http_zoomtrack_spool_sync_handler(ngx_event_t *ev)
{
    ngx_http_zoomtrack_spool_t  *sp = ev->data;

    sp->batch = sp->pending;
    sp->pending = NULL;
    sp->last = &sp->pending;

    sp->batch_rc = ngx_http_zoomtrack_spool_flush(sp, sp->batch, ev->log);

    ngx_http_zoomtrack_spool_done(ev);
}


/* the disk is very slow or hung: say so, keep waiting */

static void
ngx_http_zoomtrack_spool_watch_handler(ngx_event_t *ev)
{
    ngx_http_zoomtrack_spool_t  *sp = ev->data;

    ngx_log_error(NGX_LOG_ERR, ev->log, 0,
                  "zoomtrack: spool \"%V\": a batch has not reached the "
                  "disk for %Ms", &sp->dir,
                  (ngx_msec_t) NGX_HTTP_ZOOMTRACK_SPOOL_WATCH);

    ngx_add_timer(&sp->watch, NGX_HTTP_ZOOMTRACK_SPOOL_WATCH);
}


#if (NGX_THREADS)

/* in a thread of the pool: the only code touching sp->fd meanwhile */

static void
ngx_http_zoomtrack_spool_thread(void *data, ngx_log_t *log)
{
    ngx_http_zoomtrack_spool_t  *sp = data;

    sp->batch_rc = ngx_http_zoomtrack_spool_flush(sp, sp->batch, log);
}

#endif


/* back on the loop: answer the batch, and start the next one first */

static void
ngx_http_zoomtrack_spool_done(ngx_event_t *ev)
{
    ngx_http_zoomtrack_spool_t  *sp = ev->data;

    ngx_int_t                          rc;
    ngx_http_zoomtrack_spool_entry_t  *e, *next;

    e = sp->batch;
    rc = sp->batch_rc;

    sp->batch = NULL;
    sp->busy = 0;

    if (sp->watch.timer_set) {
        ngx_del_timer(&sp->watch);
    }

    if (sp->release) {
        sp->release = 0;
        ngx_http_zoomtrack_spool_close(sp, ev->log);
    }

    if (sp->pending) {
        ngx_http_zoomtrack_spool_start(sp);
    }

    for ( /* void */ ; e; e = next) {
        next = e->next;

        if (e->data) {
            e->handler(e->data, rc);
        }

        ngx_http_zoomtrack_spool_free(e);
    }
}


/* appends and fsyncs the batch: NGX_OK only when every line is on disk */

static ngx_int_t
ngx_http_zoomtrack_spool_flush(ngx_http_zoomtrack_spool_t *sp,
    ngx_http_zoomtrack_spool_entry_t *batch, ngx_log_t *log)
{
    off_t  off;

    if (batch == NULL) {
        return NGX_OK;
    }

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

    if (ngx_http_zoomtrack_spool_append(sp, batch, log) != NGX_OK) {
        goto truncate;
    }

    if (fsync(sp->fd) == -1) {
        /* the lines may or may not be on disk: do not count on them */
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "zoomtrack: fsync(\"%s\") failed", sp->name);
        goto truncate;
    }

    return NGX_OK;

truncate:

    if (ftruncate(sp->fd, off) == -1) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "zoomtrack: ftruncate(\"%s\") failed", sp->name);
    }

failed:

    /* the next batch starts a fresh file */
    ngx_http_zoomtrack_spool_close(sp, log);

    return NGX_ERROR;
}


/* O_APPEND writev()s of whole lines: a short write means the disk is full */

static ngx_int_t
ngx_http_zoomtrack_spool_append(ngx_http_zoomtrack_spool_t *sp,
    ngx_http_zoomtrack_spool_entry_t *batch, ngx_log_t *log)
{
    int                                n;
    size_t                             total;
    ssize_t                            w;
    struct iovec                       iov[2 * NGX_HTTP_ZOOMTRACK_SPOOL_IOV];
    ngx_http_zoomtrack_spool_entry_t  *e;

    e = batch;

    while (e) {
        n = 0;
        total = 0;

        for ( /* void */ ; e && n < 2 * NGX_HTTP_ZOOMTRACK_SPOOL_IOV;
             e = e->next)
        {
            iov[n].iov_base = e->rec;
            iov[n++].iov_len = e->len;
            iov[n].iov_base = "\n";
            iov[n++].iov_len = 1;
            total += e->len + 1;
        }

        w = writev(sp->fd, iov, n);

        if (w != (ssize_t) total) {
            ngx_log_error(NGX_LOG_ERR, log, w == -1 ? ngx_errno : 0,
                          "zoomtrack: writing spool file \"%s\" failed "
                          "(%z of %uz bytes)", sp->name, w, total);
            return NGX_ERROR;
        }
    }

    return NGX_OK;
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


static void
ngx_http_zoomtrack_spool_close(ngx_http_zoomtrack_spool_t *sp, ngx_log_t *log)
{
    if (sp->fd == NGX_INVALID_FILE) {
        return;
    }

    if (close(sp->fd) == -1) {
        ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                      "zoomtrack: close(\"%s\") failed", sp->name);
    }

    sp->fd = NGX_INVALID_FILE;
    sp->name[0] = '\0';
}


/* Redis is back: unlock the file for the drainer, after the batch if any */

void
ngx_http_zoomtrack_spool_release(ngx_http_zoomtrack_spool_t *sp)
{
    if (sp->busy) {
        sp->release = 1;
        return;
    }

    ngx_http_zoomtrack_spool_close(sp, ngx_cycle->log);
}


void
ngx_http_zoomtrack_spool_release_all(void)
{
    ngx_uint_t                    i;
    ngx_http_zoomtrack_spool_t  **spp;

    if (ngx_http_zoomtrack_spools == NULL) {
        return;
    }

    spp = ngx_http_zoomtrack_spools->elts;

    for (i = 0; i < ngx_http_zoomtrack_spools->nelts; i++) {
        ngx_http_zoomtrack_spool_release(spp[i]);
    }
}


/*
 * The worker exits.  nginx's thread pools exit first (core modules come
 * before this one), so a batch that was in a thread has been written, but
 * its completion will never run: its requests go unanswered with the
 * process.  From here on nothing is posted; records still arriving (Redis
 * calls failed by the exit) are queued and written by close_all.
 */

void
ngx_http_zoomtrack_spool_exit(ngx_array_t *spools)
{
    ngx_uint_t                          i;
    ngx_http_zoomtrack_spool_t        **spp, *sp;
    ngx_http_zoomtrack_spool_entry_t   *e, *next;

    spp = spools->elts;

    for (i = 0; i < spools->nelts; i++) {
        sp = spp[i];
        sp->exiting = 1;

        if (sp->sync.posted) {
            ngx_delete_posted_event(&sp->sync);
        }

        if (sp->watch.timer_set) {
            ngx_del_timer(&sp->watch);
        }

        for (e = sp->batch; e; e = next) {
            next = e->next;
            ngx_http_zoomtrack_spool_free(e);
        }

        sp->batch = NULL;
        sp->busy = 0;
    }
}


void
ngx_http_zoomtrack_spool_close_all(ngx_array_t *spools)
{
    ngx_uint_t                          i;
    ngx_http_zoomtrack_spool_t        **spp, *sp;
    ngx_http_zoomtrack_spool_entry_t   *e, *next;

    spp = spools->elts;

    for (i = 0; i < spools->nelts; i++) {
        sp = spp[i];

        (void) ngx_http_zoomtrack_spool_flush(sp, sp->pending,
                                              ngx_cycle->log);

        for (e = sp->pending; e; e = next) {
            next = e->next;
            ngx_http_zoomtrack_spool_free(e);
        }

        sp->pending = NULL;
        sp->last = &sp->pending;

        ngx_http_zoomtrack_spool_close(sp, ngx_cycle->log);
    }

    ngx_http_zoomtrack_spools = NULL;
}


static void
ngx_http_zoomtrack_spool_free(ngx_http_zoomtrack_spool_entry_t *e)
{
    ngx_free(e->rec);
    ngx_free(e);
}
