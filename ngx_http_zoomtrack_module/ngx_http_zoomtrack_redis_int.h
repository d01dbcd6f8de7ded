/*
 * The per-(worker, server) Redis context of the zoomtrack module, shared by
 * the files that make it: the connection's life (ngx_http_zoomtrack_redis.c),
 * the hiredis adapter on nginx's event loop (..._redis_adapter.c) and the
 * calls (..._redis_call.c).  hiredis types stay behind this header.
 *
 * Who frees what: the context lives in the cycle's pool; its
 * redisAsyncContext is freed by hiredis (after a disconnect) or by
 * redisAsyncFree(), whose cleanup hook frees the nginx connection; each
 * group of calls is freed after its reply callback (or by submit when it
 * could not be sent); buf is ngx_alloc()ed, freed at exit.
 */

#ifndef _NGX_HTTP_ZOOMTRACK_REDIS_INT_H_INCLUDED_
#define _NGX_HTTP_ZOOMTRACK_REDIS_INT_H_INCLUDED_


#include "ngx_http_zoomtrack_redis.h"

#include <hiredis/hiredis.h>
#include <hiredis/async.h>


typedef struct ngx_http_zoomtrack_redis_group_s
    ngx_http_zoomtrack_redis_group_t;


struct ngx_http_zoomtrack_redis_s {
    ngx_http_zoomtrack_server_t  *server;
    redisAsyncContext            *ac;
    ngx_connection_t             *c;
    ngx_event_t                   reconnect;
    ngx_event_t                   connect_timer;
    ngx_event_t                   flush;        /* posted: write obuf */
    ngx_event_t                   submit;       /* posted: send group */
    ngx_http_zoomtrack_redis_group_t  *group;   /* pushes not sent yet */
    u_char                       *buf;          /* group's records, RESP */
    size_t                        buf_size;
    ngx_msec_t                    backoff;
    ngx_log_t                    *log;
    unsigned                      connected:1;
    unsigned                      failing:1;    /* failure already logged */
    unsigned                      exiting:1;
    unsigned                      flushing:1;   /* inside flush_handler */
};


/*
 * Wraps ac's socket in an nginx connection (rd->c) and installs the
 * adapter's hooks; NGX_ERROR (nothing installed) when no connection is free.
 */
ngx_int_t ngx_http_zoomtrack_redis_attach(ngx_http_zoomtrack_redis_t *rd,
    redisAsyncContext *ac);

/* rd->flush's handler: writes hiredis's output buffer */
void ngx_http_zoomtrack_redis_flush_handler(ngx_event_t *ev);

/*
 * rd->submit's handler, and what it does: sends rd->group, or fails its
 * calls when the connection is gone.
 */
void ngx_http_zoomtrack_redis_submit_handler(ngx_event_t *ev);
void ngx_http_zoomtrack_redis_submit(ngx_http_zoomtrack_redis_t *rd);


#endif /* _NGX_HTTP_ZOOMTRACK_REDIS_INT_H_INCLUDED_ */
