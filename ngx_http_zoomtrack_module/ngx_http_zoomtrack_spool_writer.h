/*
 * The spool of the zoomtrack module: when Redis cannot take an event, the
 * worker appends its record to a local file (fsync'd) that `zoomtrack
 * drain` imports later.  The file format is described in
 * ngx_http_zoomtrack_spool.c.
 */

#ifndef _NGX_HTTP_ZOOMTRACK_SPOOL_WRITER_H_INCLUDED_
#define _NGX_HTTP_ZOOMTRACK_SPOOL_WRITER_H_INCLUDED_


#include "ngx_http_zoomtrack_module.h"


/* finds or adds the spool of a directory (configuration time) */
ngx_http_zoomtrack_spool_t *ngx_http_zoomtrack_spool_add(ngx_conf_t *cf,
    ngx_str_t *dir);

/* appends rec + "\n" and fsyncs; NGX_OK only when the line is on disk */
ngx_int_t ngx_http_zoomtrack_spool_write(ngx_http_zoomtrack_spool_t *sp,
    u_char *rec, size_t len, ngx_log_t *log);

/* Redis is back: close (and so unlock) the open file for the drainer */
void ngx_http_zoomtrack_spool_release(ngx_http_zoomtrack_spool_t *sp);

/* per worker: remembers the spools; release_all() closes every open one */
void ngx_http_zoomtrack_spool_init(ngx_array_t *spools);
void ngx_http_zoomtrack_spool_release_all(void);
void ngx_http_zoomtrack_spool_close_all(ngx_array_t *spools);


#endif /* _NGX_HTTP_ZOOMTRACK_SPOOL_WRITER_H_INCLUDED_ */
