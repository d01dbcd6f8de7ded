/*
 * The spool of the zoomtrack module: when Redis cannot take an event, the
 * worker appends its record to a local file (fsync'd, in a thread) that
 * `zoomtrack drain` imports later.  The file format is described in
 * ngx_http_zoomtrack_spool_writer.c.
 */

#ifndef _NGX_HTTP_ZOOMTRACK_SPOOL_WRITER_H_INCLUDED_
#define _NGX_HTTP_ZOOMTRACK_SPOOL_WRITER_H_INCLUDED_


#include "ngx_http_zoomtrack_module.h"


/* finds or adds the spool of a directory (configuration time) */
ngx_http_zoomtrack_spool_t *ngx_http_zoomtrack_spool_add(ngx_conf_t *cf,
    ngx_str_t *dir);

typedef struct ngx_http_zoomtrack_spool_entry_s
    ngx_http_zoomtrack_spool_entry_t;

/* rc: NGX_OK when the line is on disk (fsync'd), NGX_ERROR when not */
typedef void (*ngx_http_zoomtrack_spool_handler_pt)(void *data,
    ngx_int_t rc);

/*
 * Queues rec + "\n" for the next batch.  The spool takes rec (malloc()ed)
 * in every case.  The handler runs exactly once, later, from the event
 * loop, unless cancelled; NULL means out of memory (rec is freed, the
 * handler never runs).
 */
ngx_http_zoomtrack_spool_entry_t *ngx_http_zoomtrack_spool_write(
    ngx_http_zoomtrack_spool_t *sp, u_char *rec, size_t len,
    ngx_http_zoomtrack_spool_handler_pt handler, void *data, ngx_log_t *log);

/* the request is gone: the record is still written, the handler not run */
void ngx_http_zoomtrack_spool_cancel(ngx_http_zoomtrack_spool_entry_t *e);

/* Redis is back: close (and so unlock) the open file for the drainer */
void ngx_http_zoomtrack_spool_release(ngx_http_zoomtrack_spool_t *sp);

/* per worker: sets the spools up; release_all() releases every one */
ngx_int_t ngx_http_zoomtrack_spool_init(ngx_cycle_t *cycle,
    ngx_array_t *spools);
void ngx_http_zoomtrack_spool_release_all(void);

/*
 * The worker exits: exit() first (no more threads or posted events), then
 * close_all() once nothing can queue a record any more (after Redis).
 */
void ngx_http_zoomtrack_spool_exit(ngx_array_t *spools);
void ngx_http_zoomtrack_spool_close_all(ngx_array_t *spools);


#endif /* _NGX_HTTP_ZOOMTRACK_SPOOL_WRITER_H_INCLUDED_ */
