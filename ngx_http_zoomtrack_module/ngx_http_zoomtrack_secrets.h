/*
 * The zoomtrack module's secret files (see the .c): the directive handlers
 * of zoomtrack_secret_file and zoomtrack_redis_password_file.
 */

#ifndef _NGX_HTTP_ZOOMTRACK_SECRETS_H_INCLUDED_
#define _NGX_HTTP_ZOOMTRACK_SECRETS_H_INCLUDED_


#include "ngx_http_zoomtrack_module.h"


char *ngx_http_zoomtrack_secret_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_zoomtrack_password_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_HTTP_ZOOMTRACK_SECRETS_H_INCLUDED_ */
