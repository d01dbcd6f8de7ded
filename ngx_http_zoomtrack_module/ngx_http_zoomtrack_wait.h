/*
 * A request waiting for one Redis call: the webhook's push and the status
 * page's LLEN share this lifecycle.  The request is finalised exactly once,
 * from the reply or from the zoomtrack_redis_timeout timer, whichever comes
 * first; a request that dies before either cancels its call.
 */

#ifndef _NGX_HTTP_ZOOMTRACK_WAIT_H_INCLUDED_
#define _NGX_HTTP_ZOOMTRACK_WAIT_H_INCLUDED_


#include "ngx_http_zoomtrack_module.h"
#include "ngx_http_zoomtrack_redis.h"


typedef struct ngx_http_zoomtrack_wait_s  ngx_http_zoomtrack_wait_t;

/*
 * Turns the outcome into the status to finalise with.  rc is NGX_OK (the
 * reply: n integers in values), NGX_ERROR (Redis failed it, or there was no
 * connection to send it on) or NGX_AGAIN (no reply in time; the connection
 * has been reset).
 */
typedef ngx_int_t (*ngx_http_zoomtrack_wait_done_pt)(
    ngx_http_zoomtrack_wait_t *w, ngx_int_t rc, long long *values,
    ngx_uint_t n);

/* extra cleanup of the user's context when the request's pool goes */
typedef void (*ngx_http_zoomtrack_wait_free_pt)(ngx_http_zoomtrack_wait_t *w);


struct ngx_http_zoomtrack_wait_s {
    ngx_http_request_t               *request;
    ngx_http_zoomtrack_loc_conf_t    *conf;
    ngx_http_zoomtrack_redis_call_t  *call;
    ngx_event_t                       timer;
    ngx_http_zoomtrack_wait_done_pt   done;
    ngx_http_zoomtrack_wait_free_pt   release;
};


/*
 * Allocates the user's context (size bytes, starting with a
 * ngx_http_zoomtrack_wait_t, zeroed) in a pool cleanup of r; NULL when out
 * of memory.
 */
void *ngx_http_zoomtrack_wait_create(ngx_http_request_t *r, size_t size,
    ngx_http_zoomtrack_wait_done_pt done,
    ngx_http_zoomtrack_wait_free_pt release);

/*
 * Waits for call, made with ngx_http_zoomtrack_wait_reply and w as its
 * handler and data; returns what the content handler returns.  A NULL call
 * (no connection now) is answered at once through done(NGX_ERROR).
 */
ngx_int_t ngx_http_zoomtrack_wait_start(ngx_http_zoomtrack_wait_t *w,
    ngx_http_zoomtrack_redis_call_t *call);

void ngx_http_zoomtrack_wait_reply(void *data, ngx_int_t rc,
    long long *values, ngx_uint_t n);


#endif /* _NGX_HTTP_ZOOMTRACK_WAIT_H_INCLUDED_ */
