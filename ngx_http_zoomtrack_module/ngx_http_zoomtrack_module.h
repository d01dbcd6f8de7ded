/*
 * ngx_http_zoomtrack_module: receives Zoom webhooks, checks their signature,
 * normalises them with the pure core (core/zt_*.h) and pushes one record per
 * event to Redis lists.  This header holds what the module's files share:
 * the configuration structs, the status counters in shared memory and the
 * module itself.
 */

#ifndef _NGX_HTTP_ZOOMTRACK_MODULE_H_INCLUDED_
#define _NGX_HTTP_ZOOMTRACK_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "zt_sig.h"


#define NGX_HTTP_ZOOMTRACK_DEFAULT_REDIS  "127.0.0.1:6379"
#define NGX_HTTP_ZOOMTRACK_DEFAULT_QUEUE  "zoomtrack:events"
#define NGX_HTTP_ZOOMTRACK_RETRY_AFTER    "5"


/* the counters of zoomtrack_status, one ngx_atomic_t each in shared memory */
typedef enum {
    NGX_HTTP_ZOOMTRACK_ACCEPTED = 0,
    NGX_HTTP_ZOOMTRACK_SPOOLED,
    NGX_HTTP_ZOOMTRACK_URL_VALIDATIONS,
    NGX_HTTP_ZOOMTRACK_REDIS_ERRORS,
    NGX_HTTP_ZOOMTRACK_UNAVAILABLE,
    NGX_HTTP_ZOOMTRACK_REJ_BAD_METHOD,
    NGX_HTTP_ZOOMTRACK_REJ_NO_TIMESTAMP,
    NGX_HTTP_ZOOMTRACK_REJ_BAD_TIMESTAMP,
    NGX_HTTP_ZOOMTRACK_REJ_STALE,
    NGX_HTTP_ZOOMTRACK_REJ_NO_SIGNATURE,
    NGX_HTTP_ZOOMTRACK_REJ_BAD_SIGNATURE,
    NGX_HTTP_ZOOMTRACK_REJ_BAD_JSON,
    NGX_HTTP_ZOOMTRACK_REJ_BAD_VALIDATION,
    NGX_HTTP_ZOOMTRACK_NCOUNTERS
} ngx_http_zoomtrack_counter_e;

#define NGX_HTTP_ZOOMTRACK_REJ_FIRST  NGX_HTTP_ZOOMTRACK_REJ_BAD_METHOD


typedef struct ngx_http_zoomtrack_redis_s  ngx_http_zoomtrack_redis_t;
typedef struct ngx_http_zoomtrack_spool_s  ngx_http_zoomtrack_spool_t;


/*
 * One Redis server as configured: a distinct (address, password) pair.
 * Every worker opens one connection per server (rd, set in init_process).
 */
typedef struct {
    ngx_str_t                    address;    /* as written, for logs */
    ngx_str_t                    host;       /* NUL-terminated IP or path */
    ngx_int_t                    port;       /* 0 for unix: */
    ngx_str_t                    password;   /* empty: no AUTH */
    ngx_msec_t                   connect_timeout;
    ngx_http_zoomtrack_redis_t  *rd;         /* per worker */
} ngx_http_zoomtrack_server_t;


typedef struct {
    ngx_array_t                  servers;    /* ngx_http_zoomtrack_server_t * */
    ngx_array_t                  spools;     /* ngx_http_zoomtrack_spool_t * */
    ngx_shm_zone_t              *shm_zone;
} ngx_http_zoomtrack_main_conf_t;


typedef struct {
    ngx_flag_t                   webhook;
    ngx_flag_t                   status;

    zt_secrets_t                *secrets;
    ngx_str_t                    address;
    ngx_str_t                    host;
    ngx_int_t                    port;
    ngx_str_t                    password;
    ngx_uint_t                   password_set;  /* unsigned:1 */
    ngx_array_t                 *queues;        /* ngx_str_t */
    ngx_msec_t                   redis_timeout;
    time_t                       max_skew;
    ngx_str_t                    spool_dir;     /* empty: no spool */

    ngx_http_zoomtrack_server_t *server;        /* webhook/status only */
    ngx_http_zoomtrack_spool_t  *spool;
} ngx_http_zoomtrack_loc_conf_t;


/* counters live in the shared zone; NULL before the zone is initialised */
extern ngx_atomic_t          *ngx_http_zoomtrack_counters;
extern ngx_module_t           ngx_http_zoomtrack_module;


#define ngx_http_zoomtrack_count(n)                                          \
    do {                                                                     \
        if (ngx_http_zoomtrack_counters) {                                   \
            (void) ngx_atomic_fetch_add(&ngx_http_zoomtrack_counters[n], 1); \
        }                                                                    \
    } while (0)


#endif /* _NGX_HTTP_ZOOMTRACK_MODULE_H_INCLUDED_ */
