/*
 * The per-worker Redis connections of the zoomtrack module: hiredis's async
 * API driven by nginx's event loop, one pipelined connection per configured
 * server shared by every request of the worker.  The pushes of one loop
 * iteration are grouped into one multi-value LPUSH for one queue, one
 * MULTI/EXEC transaction for several (the status page's LLENs are one
 * transaction too); either way each caller gets exactly one callback
 * (success, or failure when the connection is down, breaks or errors);
 * hiredis types stay in the .c.
 */

#ifndef _NGX_HTTP_ZOOMTRACK_REDIS_H_INCLUDED_
#define _NGX_HTTP_ZOOMTRACK_REDIS_H_INCLUDED_


#include "ngx_http_zoomtrack_module.h"


#define NGX_HTTP_ZOOMTRACK_MAX_QUEUES  32


/*
 * rc is NGX_OK with one integer per queue in values (LPUSH's new length or
 * LLEN), or NGX_ERROR (values is NULL) when Redis could not do it.
 */
typedef void (*ngx_http_zoomtrack_redis_handler_pt)(void *data, ngx_int_t rc,
    long long *values, ngx_uint_t n);


typedef struct {
    ngx_http_zoomtrack_redis_handler_pt   handler;
    void                                 *data;   /* NULL: cancelled */
} ngx_http_zoomtrack_redis_call_t;


ngx_int_t ngx_http_zoomtrack_redis_init(ngx_cycle_t *cycle,
    ngx_array_t *servers);
void ngx_http_zoomtrack_redis_exit(ngx_array_t *servers);

/*
 * Push: rec (copied) joins the worker's group, sent at the end of the loop
 * iteration as LPUSH q rec1...recN for one queue, MULTI; LPUSH q1
 * rec1...recN; ...; EXEC for several.  LLEN: MULTI; LLEN q...; EXEC.
 * Returns the call, whose handler runs exactly once later unless
 * cancelled, or NULL when the worker has no usable connection now (the
 * caller fails at once).
 */
ngx_http_zoomtrack_redis_call_t *ngx_http_zoomtrack_redis_push(
    ngx_http_zoomtrack_server_t *server, ngx_array_t *queues, u_char *rec,
    size_t len, ngx_http_zoomtrack_redis_handler_pt handler, void *data);
ngx_http_zoomtrack_redis_call_t *ngx_http_zoomtrack_redis_llen(
    ngx_http_zoomtrack_server_t *server, ngx_array_t *queues,
    ngx_http_zoomtrack_redis_handler_pt handler, void *data);

/* the caller is gone: the handler will not run (the call frees itself) */
void ngx_http_zoomtrack_redis_cancel(ngx_http_zoomtrack_redis_call_t *call);

/* a reply is overdue: drop the connection (failing its calls), reconnect */
void ngx_http_zoomtrack_redis_reset(ngx_http_zoomtrack_server_t *server,
    ngx_msec_t timeout);

ngx_uint_t ngx_http_zoomtrack_redis_connected(
    ngx_http_zoomtrack_server_t *server);


#endif /* _NGX_HTTP_ZOOMTRACK_REDIS_H_INCLUDED_ */
