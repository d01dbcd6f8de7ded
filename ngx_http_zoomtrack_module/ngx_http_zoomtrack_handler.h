/*
 * The request path of the zoomtrack module: the zoomtrack_webhook content
 * handler, and the small response helpers the status handler shares.
 */

#ifndef _NGX_HTTP_ZOOMTRACK_HANDLER_H_INCLUDED_
#define _NGX_HTTP_ZOOMTRACK_HANDLER_H_INCLUDED_


#include "ngx_http_zoomtrack_module.h"


ngx_int_t ngx_http_zoomtrack_webhook_handler(ngx_http_request_t *r);

/* sends a complete response; returns what ngx_http_output_filter() did */
ngx_int_t ngx_http_zoomtrack_send(ngx_http_request_t *r, ngx_uint_t status,
    u_char *body, size_t len);

/* adds a response header (static strings) */
ngx_int_t ngx_http_zoomtrack_add_header(ngx_http_request_t *r,
    const char *key, const char *value);


#endif /* _NGX_HTTP_ZOOMTRACK_HANDLER_H_INCLUDED_ */
