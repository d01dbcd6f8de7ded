/*
 * ngx_http_zoomtrack_module: directives, configuration create/merge, the
 * shared memory zone of the status counters, and the per-worker start and
 * stop of the Redis connections.  Everything a bad setting can get wrong is
 * checked here, so `nginx -t` fails with a clear message rather than a
 * worker failing at run time.  The request path is in
 * ngx_http_zoomtrack_handler.c, Redis in ngx_http_zoomtrack_redis.c.
 *
 * Directives (defaults in merge_loc_conf()):
 *
 *   zoomtrack_webhook;                  location: receive Zoom webhooks
 *   zoomtrack_status;                   location: counters as JSON
 *   zoomtrack_secret_file PATH;         Secret Tokens, one per line
 *   zoomtrack_redis host:port|unix:/p;  127.0.0.1:6379
 *   zoomtrack_redis_password_file PATH; first line is the AUTH password
 *   zoomtrack_queue LIST ...;           zoomtrack:events
 *   zoomtrack_redis_timeout TIME;       1s, then 503 (or spool)
 *   zoomtrack_max_skew TIME;            2h back (5m ahead at most); > 0
 *   zoomtrack_spool DIR|off;            off
 *
 * zoomtrack_max_skew defaults to 2h: Zoom retries a failed delivery up to
 * about 85 minutes after the first attempt and does not document whether a
 * retry is re-signed with a fresh x-zm-request-timestamp.  A narrow window
 * (the customary 5 minutes) could therefore drop exactly the retries that
 * recover from our own outages, while a replay inside the window is harmless
 * because events are deduplicated downstream by their deterministic
 * event_id.  Ahead of our clock only 5 minutes are accepted (drift), and
 * 0 is refused rather than meaning "no window": a forgotten unit must not
 * turn replay protection off.
 */


#include "ngx_http_zoomtrack_module.h"
#include "ngx_http_zoomtrack_handler.h"
#include "ngx_http_zoomtrack_redis.h"
#include "ngx_http_zoomtrack_spool_writer.h"
#include "ngx_http_zoomtrack_counters.h"
#include "ngx_http_zoomtrack_secrets.h"

#include "zt_event.h"


#define NGX_HTTP_ZOOMTRACK_SHM_SIZE  (8 * ngx_pagesize)


static void *ngx_http_zoomtrack_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_zoomtrack_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_zoomtrack_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_zoomtrack_add_server(ngx_conf_t *cf,
    ngx_http_zoomtrack_loc_conf_t *ztlcf);
static ngx_int_t ngx_http_zoomtrack_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_zoomtrack_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_zoomtrack_init_process(ngx_cycle_t *cycle);
static void ngx_http_zoomtrack_exit_process(ngx_cycle_t *cycle);

static char *ngx_http_zoomtrack_webhook(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_zoomtrack_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_zoomtrack_redis(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_zoomtrack_queue(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_zoomtrack_spool(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_zoomtrack_parse_address(ngx_conf_t *cf,
    ngx_str_t *value, ngx_str_t *host, ngx_int_t *port);


ngx_atomic_t  *ngx_http_zoomtrack_counters;


static char *ngx_http_zoomtrack_check_skew(ngx_conf_t *cf, void *post,
    void *data);

static ngx_conf_post_t  ngx_http_zoomtrack_max_skew_post =
    { ngx_http_zoomtrack_check_skew };


static ngx_command_t  ngx_http_zoomtrack_commands[] = {

    { ngx_string("zoomtrack_webhook"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_zoomtrack_webhook,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("zoomtrack_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_zoomtrack_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("zoomtrack_secret_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_zoomtrack_secret_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("zoomtrack_redis"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_zoomtrack_redis,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("zoomtrack_redis_password_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_zoomtrack_password_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("zoomtrack_queue"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_zoomtrack_queue,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("zoomtrack_redis_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_zoomtrack_loc_conf_t, redis_timeout),
      NULL },

    { ngx_string("zoomtrack_max_skew"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_zoomtrack_loc_conf_t, max_skew),
      &ngx_http_zoomtrack_max_skew_post },

    { ngx_string("zoomtrack_spool"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_zoomtrack_spool,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_zoomtrack_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_zoomtrack_init,               /* postconfiguration */

    ngx_http_zoomtrack_create_main_conf,   /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_zoomtrack_create_loc_conf,    /* create location configuration */
    ngx_http_zoomtrack_merge_loc_conf      /* merge location configuration */
};


ngx_module_t  ngx_http_zoomtrack_module = {
    NGX_MODULE_V1,
    &ngx_http_zoomtrack_module_ctx,        /* module context */
    ngx_http_zoomtrack_commands,           /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_zoomtrack_init_process,       /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_zoomtrack_exit_process,       /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static void *
ngx_http_zoomtrack_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_zoomtrack_main_conf_t  *ztmcf;

    ztmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_zoomtrack_main_conf_t));
    if (ztmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     ztmcf->shm_zone = NULL;
     */

    if (ngx_array_init(&ztmcf->servers, cf->pool, 2,
                       sizeof(ngx_http_zoomtrack_server_t *))
        != NGX_OK)
    {
        return NULL;
    }

    if (ngx_array_init(&ztmcf->spools, cf->pool, 2,
                       sizeof(ngx_http_zoomtrack_spool_t *))
        != NGX_OK)
    {
        return NULL;
    }

    return ztmcf;
}


static void *
ngx_http_zoomtrack_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_zoomtrack_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_zoomtrack_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->secrets = NULL;
     *     conf->address = { 0, NULL };
     *     conf->host = { 0, NULL };
     *     conf->password = { 0, NULL };
     *     conf->password_set = 0;
     *     conf->queues = NULL;
     *     conf->spool_dir = { 0, NULL };
     *     conf->server = NULL;
     *     conf->spool = NULL;
     */

    conf->webhook = NGX_CONF_UNSET;
    conf->status = NGX_CONF_UNSET;
    conf->port = NGX_CONF_UNSET;
    conf->redis_timeout = NGX_CONF_UNSET_MSEC;
    conf->max_skew = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_http_zoomtrack_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_zoomtrack_loc_conf_t  *prev = parent;
    ngx_http_zoomtrack_loc_conf_t  *conf = child;

    ngx_str_t  *q;

    ngx_conf_merge_value(conf->webhook, prev->webhook, 0);
    ngx_conf_merge_value(conf->status, prev->status, 0);

    if (conf->secrets == NULL) {
        conf->secrets = prev->secrets;
    }

    if (conf->address.data == NULL) {
        if (prev->address.data) {
            conf->address = prev->address;
            conf->host = prev->host;
            conf->port = prev->port;

        } else {
            ngx_str_set(&conf->address, NGX_HTTP_ZOOMTRACK_DEFAULT_REDIS);
            ngx_str_set(&conf->host, "127.0.0.1");
            conf->port = 6379;
        }
    }

    if (!conf->password_set) {
        conf->password = prev->password;
        conf->password_set = prev->password_set;
    }

    if (conf->queues == NULL) {
        conf->queues = prev->queues;
    }

    if (conf->queues == NULL) {
        conf->queues = ngx_array_create(cf->pool, 1, sizeof(ngx_str_t));
        if (conf->queues == NULL) {
            return NGX_CONF_ERROR;
        }

        q = ngx_array_push(conf->queues);
        if (q == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_str_set(q, NGX_HTTP_ZOOMTRACK_DEFAULT_QUEUE);
    }

    ngx_conf_merge_msec_value(conf->redis_timeout, prev->redis_timeout, 1000);
    ngx_conf_merge_sec_value(conf->max_skew, prev->max_skew, 7200);
    ngx_conf_merge_str_value(conf->spool_dir, prev->spool_dir, "");

    if (conf->redis_timeout == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zoomtrack: \"zoomtrack_redis_timeout\" "
                           "must be positive");
        return NGX_CONF_ERROR;
    }

    if (conf->webhook != 1 && conf->status != 1) {
        return NGX_CONF_OK;
    }

    if (conf->webhook == 1 && conf->secrets == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zoomtrack: \"zoomtrack_webhook\" requires "
                           "\"zoomtrack_secret_file\"");
        return NGX_CONF_ERROR;
    }

    if (ngx_http_zoomtrack_add_server(cf, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (conf->webhook == 1 && conf->spool_dir.len) {
        conf->spool = ngx_http_zoomtrack_spool_add(cf, &conf->spool_dir);
        if (conf->spool == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


/* finds or adds the server (address, password) the location talks to */

static ngx_int_t
ngx_http_zoomtrack_add_server(ngx_conf_t *cf,
    ngx_http_zoomtrack_loc_conf_t *ztlcf)
{
    ngx_uint_t                       i;
    ngx_http_zoomtrack_server_t     *s, **sp;
    ngx_http_zoomtrack_main_conf_t  *ztmcf;

    ztmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_zoomtrack_module);

    sp = ztmcf->servers.elts;
    for (i = 0; i < ztmcf->servers.nelts; i++) {
        s = sp[i];

        if (s->port == ztlcf->port
            && s->host.len == ztlcf->host.len
            && ngx_strncmp(s->host.data, ztlcf->host.data, s->host.len) == 0
            && s->password.len == ztlcf->password.len
            && (s->password.len == 0
                || ngx_memcmp(s->password.data, ztlcf->password.data,
                              s->password.len)
                   == 0))
        {
            s->connect_timeout = ngx_max(s->connect_timeout,
                                         ztlcf->redis_timeout);
            ztlcf->server = s;
            return NGX_OK;
        }
    }

    s = ngx_pcalloc(cf->pool, sizeof(ngx_http_zoomtrack_server_t));
    if (s == NULL) {
        return NGX_ERROR;
    }

    sp = ngx_array_push(&ztmcf->servers);
    if (sp == NULL) {
        return NGX_ERROR;
    }

    *sp = s;

    s->address = ztlcf->address;
    s->host = ztlcf->host;
    s->port = ztlcf->port;
    s->password = ztlcf->password;
    s->connect_timeout = ztlcf->redis_timeout;

    ztlcf->server = s;

    return NGX_OK;
}


static ngx_int_t
ngx_http_zoomtrack_init(ngx_conf_t *cf)
{
    ngx_str_t                        name = ngx_string("zoomtrack");
    ngx_http_zoomtrack_main_conf_t  *ztmcf;

    ztmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_zoomtrack_module);

    ztmcf->shm_zone = ngx_shared_memory_add(cf, &name,
                                            NGX_HTTP_ZOOMTRACK_SHM_SIZE,
                                            &ngx_http_zoomtrack_module);
    if (ztmcf->shm_zone == NULL) {
        return NGX_ERROR;
    }

    ztmcf->shm_zone->init = ngx_http_zoomtrack_init_zone;
    ztmcf->shm_zone->data = NULL;

    return NGX_OK;
}


/* keeps the counters across reloads: they count since the master started */

static ngx_int_t
ngx_http_zoomtrack_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    void             *counters;
    size_t            size;
    ngx_slab_pool_t  *shpool;

    if (data) {
        shm_zone->data = data;
        ngx_http_zoomtrack_counters = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        ngx_http_zoomtrack_counters = shpool->data;
        return NGX_OK;
    }

    size = sizeof(ngx_atomic_t) * NGX_HTTP_ZOOMTRACK_NCOUNTERS;

    counters = ngx_slab_alloc(shpool, size);
    if (counters == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(counters, size);

    shpool->data = counters;
    shm_zone->data = counters;
    ngx_http_zoomtrack_counters = counters;

    return NGX_OK;
}


static ngx_int_t
ngx_http_zoomtrack_init_process(ngx_cycle_t *cycle)
{
    ngx_http_zoomtrack_main_conf_t  *ztmcf;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    if (ngx_get_conf(cycle->conf_ctx, ngx_http_module) == NULL) {
        return NGX_OK;
    }

    ztmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                                ngx_http_zoomtrack_module);
    if (ztmcf == NULL) {
        return NGX_OK;
    }

    ngx_http_zoomtrack_counters = ztmcf->shm_zone
                                  ? ztmcf->shm_zone->data : NULL;

    if (ngx_http_zoomtrack_spool_init(cycle, &ztmcf->spools) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_zoomtrack_redis_init(cycle, &ztmcf->servers);
}


static void
ngx_http_zoomtrack_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_zoomtrack_main_conf_t  *ztmcf;

    /* the module is unloaded with the cycle (single-process mode): no
     * OpenSSL object may be left behind only its static data pointed to */
    zt_event_cleanup();

    if (ngx_get_conf(cycle->conf_ctx, ngx_http_module) == NULL) {
        return;
    }

    ztmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                                ngx_http_zoomtrack_module);
    if (ztmcf == NULL) {
        return;
    }

    /* failing the Redis calls may still spool: exit, redis, close_all */
    ngx_http_zoomtrack_spool_exit(&ztmcf->spools);
    ngx_http_zoomtrack_redis_exit(&ztmcf->servers);
    ngx_http_zoomtrack_spool_close_all(&ztmcf->spools);
}


static char *
ngx_http_zoomtrack_webhook(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_zoomtrack_loc_conf_t *ztlcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    if (ztlcf->webhook != NGX_CONF_UNSET || ztlcf->status == 1) {
        return "is duplicate";
    }

    ztlcf->webhook = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_zoomtrack_webhook_handler;

    return NGX_CONF_OK;
}


static char *
ngx_http_zoomtrack_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_zoomtrack_loc_conf_t *ztlcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    if (ztlcf->status != NGX_CONF_UNSET || ztlcf->webhook == 1) {
        return "is duplicate";
    }

    ztlcf->status = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_zoomtrack_status_handler;

    return NGX_CONF_OK;
}


static char *
ngx_http_zoomtrack_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_zoomtrack_loc_conf_t *ztlcf = conf;

    char       *rv;
    ngx_str_t  *value;

    if (ztlcf->address.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    rv = ngx_http_zoomtrack_parse_address(cf, &value[1], &ztlcf->host,
                                          &ztlcf->port);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    ztlcf->address = value[1];

    return NGX_CONF_OK;
}


/*
 * "unix:/path" or "host:port" (port defaults to 6379).  A host name is
 * resolved now, so that workers never block on DNS; the first address is
 * used.
 */

static char *
ngx_http_zoomtrack_parse_address(ngx_conf_t *cf, ngx_str_t *value,
    ngx_str_t *host, ngx_int_t *port)
{
    u_char     *p;
    size_t      len;
    ngx_url_t   u;

    if (value->len > 5 && ngx_strncmp(value->data, "unix:", 5) == 0) {
        len = value->len - 5;

        if (len >= sizeof(((struct sockaddr_un *) 0)->sun_path)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "zoomtrack: unix socket path \"%V\" "
                               "is too long", value);
            return NGX_CONF_ERROR;
        }

        p = ngx_pnalloc(cf->pool, len + 1);
        if (p == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memcpy(p, value->data + 5, len);
        p[len] = '\0';

        host->data = p;
        host->len = len;
        *port = 0;

        return NGX_CONF_OK;
    }

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.url = *value;
    u.default_port = 6379;

    if (value->len == 0 || ngx_strlchr(value->data, value->data + value->len,
                                       '/')
                           != NULL)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zoomtrack: invalid redis address \"%V\", "
                           "expected host:port or unix:/path", value);
        return NGX_CONF_ERROR;
    }

    if (ngx_parse_url(cf->pool, &u) != NGX_OK || u.naddrs == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zoomtrack: invalid redis address \"%V\": %s",
                           value, u.err ? u.err : "no address");
        return NGX_CONF_ERROR;
    }

    p = ngx_pnalloc(cf->pool, NGX_SOCKADDR_STRLEN + 1);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    len = ngx_sock_ntop(u.addrs[0].sockaddr, u.addrs[0].socklen, p,
                        NGX_SOCKADDR_STRLEN, 0);
    p[len] = '\0';

    host->data = p;
    host->len = len;
    *port = ngx_inet_get_port(u.addrs[0].sockaddr);

    return NGX_CONF_OK;
}


static char *
ngx_http_zoomtrack_queue(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_zoomtrack_loc_conf_t *ztlcf = conf;

    ngx_str_t   *value, *q;
    ngx_uint_t   i, j;

    if (ztlcf->queues) {
        return "is duplicate";
    }

    if (cf->args->nelts - 1 > NGX_HTTP_ZOOMTRACK_MAX_QUEUES) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zoomtrack: more than %d queues",
                           NGX_HTTP_ZOOMTRACK_MAX_QUEUES);
        return NGX_CONF_ERROR;
    }

    ztlcf->queues = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                     sizeof(ngx_str_t));
    if (ztlcf->queues == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "zoomtrack: empty queue name");
            return NGX_CONF_ERROR;
        }

        for (j = 1; j < i; j++) {
            if (value[j].len == value[i].len
                && ngx_strncmp(value[j].data, value[i].data, value[i].len)
                   == 0)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "zoomtrack: queue \"%V\" is listed twice",
                                   &value[i]);
                return NGX_CONF_ERROR;
            }
        }

        q = ngx_array_push(ztlcf->queues);
        if (q == NULL) {
            return NGX_CONF_ERROR;
        }

        *q = value[i];
    }

    return NGX_CONF_OK;
}


/* "off" cancels an inherited spool; a directory must exist now */

static char *
ngx_http_zoomtrack_spool(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_zoomtrack_loc_conf_t *ztlcf = conf;

    ngx_str_t        *value, path;
    ngx_file_info_t   fi;

    if (ztlcf->spool_dir.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        ngx_str_set(&ztlcf->spool_dir, "");
        return NGX_CONF_OK;
    }

    path = value[1];

    if (path.len == 0) {
        return "has an empty path";
    }

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_file_info(path.data, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "zoomtrack: spool directory \"%V\" "
                           "is not accessible", &path);
        return NGX_CONF_ERROR;
    }

    if (!ngx_is_dir(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zoomtrack: spool \"%V\" is not a directory",
                           &path);
        return NGX_CONF_ERROR;
    }

    ztlcf->spool_dir = path;

    return NGX_CONF_OK;
}


static char *
ngx_http_zoomtrack_check_skew(ngx_conf_t *cf, void *post, void *data)
{
    time_t  *sp = data;

    if (*sp <= 0) {
        return "must be more than 0 (there is no \"off\": the window is "
               "what refuses replayed requests)";
    }

    return NGX_CONF_OK;
}
