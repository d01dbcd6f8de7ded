/*
 * zoomtrack_status: the module's counters (shared memory, summed over all
 * workers), the answering worker's Redis connection state and the length
 * of each configured queue, as JSON.
 */

#ifndef _NGX_HTTP_ZOOMTRACK_COUNTERS_H_INCLUDED_
#define _NGX_HTTP_ZOOMTRACK_COUNTERS_H_INCLUDED_


#include "ngx_http_zoomtrack_module.h"


ngx_int_t ngx_http_zoomtrack_status_handler(ngx_http_request_t *r);

/* the JSON name of a counter, e.g. "bad_signature" */
const char *ngx_http_zoomtrack_counter_name(ngx_http_zoomtrack_counter_e n);


#endif /* _NGX_HTTP_ZOOMTRACK_COUNTERS_H_INCLUDED_ */
