/*
 * The zoomtrack module's secret files: zoomtrack_secret_file (Zoom's Secret
 * Tokens, through core's zt_secrets_load) and zoomtrack_redis_password_file.
 * Both are read while the configuration is parsed, so a bad file fails
 * `nginx -t`; a file readable by group or others draws a warning; every
 * copy this code makes (stdio's buffer, the line, the kept password) is
 * wiped with OPENSSL_cleanse when no longer needed.
 */


#include "ngx_http_zoomtrack_secrets.h"

#include <openssl/crypto.h>


static void ngx_http_zoomtrack_secrets_cleanup(void *data);
static void ngx_http_zoomtrack_password_cleanup(void *data);
static void ngx_http_zoomtrack_check_mode(ngx_conf_t *cf, const char *what,
    ngx_str_t *path);


/*
 * Secrets are loaded while the configuration is parsed, so a missing,
 * unreadable or empty file fails `nginx -t`; core's messages never contain
 * a secret.  The keys are malloc()ed by core and freed with the cycle pool.
 */

char *
ngx_http_zoomtrack_secret_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_zoomtrack_loc_conf_t *ztlcf = conf;

    char                 err[256];
    ngx_str_t           *value, path;
    zt_secrets_t        *s;
    ngx_pool_cleanup_t  *cln;

    if (ztlcf->secrets) {
        return "is duplicate";
    }

    value = cf->args->elts;
    path = value[1];

    if (path.len == 0) {
        return "has an empty path";
    }

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, sizeof(zt_secrets_t));
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    s = cln->data;
    ngx_memzero(s, sizeof(zt_secrets_t));

    err[0] = '\0';

    if (zt_secrets_load((char *) path.data, s, err, sizeof(err)) != ZT_OK) {
        zt_secrets_free(s);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "zoomtrack: %s", err);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_zoomtrack_secrets_cleanup;

    ngx_http_zoomtrack_check_mode(cf, "secret file", &path);

    /* zt_secrets_load refuses a file without a secret */
    ztlcf->secrets = s;

    return NGX_CONF_OK;
}


static void
ngx_http_zoomtrack_secrets_cleanup(void *data)
{
    zt_secrets_t  *s = data;

    zt_secrets_free(s);
}


/* the first line of the file, trimmed; read now so `nginx -t` checks it */

char *
ngx_http_zoomtrack_password_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_zoomtrack_loc_conf_t *ztlcf = conf;

    size_t               len;
    ngx_str_t           *value, path;
    ngx_pool_cleanup_t  *cln;
    char                 line[512];

    if (ztlcf->password_set) {
        return "is duplicate";
    }

    value = cf->args->elts;
    path = value[1];

    if (path.len == 0) {
        return "has an empty path";
    }

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    switch (zt_secret_line((char *) path.data, line, sizeof(line), &len)) {

    case ZT_SECRET_OK:
        break;

    case ZT_SECRET_OPEN:
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "zoomtrack: cannot open redis password file "
                           "\"%V\"", &path);
        return NGX_CONF_ERROR;

    case ZT_SECRET_READ:
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "zoomtrack: cannot read redis password file "
                           "\"%V\"", &path);
        return NGX_CONF_ERROR;

    case ZT_SECRET_LONG:
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zoomtrack: redis password file \"%V\": the "
                           "password is longer than %uz bytes", &path,
                           sizeof(line) - 2);
        return NGX_CONF_ERROR;

    default: /* ZT_SECRET_EMPTY */
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zoomtrack: redis password file \"%V\" holds "
                           "no password", &path);
        return NGX_CONF_ERROR;
    }

    /* the copy lives as long as the configuration and is wiped with it */
    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        OPENSSL_cleanse(line, sizeof(line));
        return NGX_CONF_ERROR;
    }

    ztlcf->password.data = ngx_pnalloc(cf->pool, len);
    if (ztlcf->password.data == NULL) {
        OPENSSL_cleanse(line, sizeof(line));
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(ztlcf->password.data, line, len);
    ztlcf->password.len = len;
    ztlcf->password_set = 1;

    cln->handler = ngx_http_zoomtrack_password_cleanup;
    cln->data = &ztlcf->password;

    OPENSSL_cleanse(line, sizeof(line));

    ngx_http_zoomtrack_check_mode(cf, "redis password file", &path);

    return NGX_CONF_OK;
}


static void
ngx_http_zoomtrack_password_cleanup(void *data)
{
    ngx_str_t  *pw = data;

    OPENSSL_cleanse(pw->data, pw->len);
}


/*
 * A secret readable by anyone but its owner is a warning, not an error:
 * packages and config management often create files 0644 first, and
 * refusing to start over it would trade an outage for a hardening rule.
 */

static void
ngx_http_zoomtrack_check_mode(ngx_conf_t *cf, const char *what,
    ngx_str_t *path)
{
    u_char           mode[5];
    ngx_file_info_t  fi;

    if (ngx_file_info(path->data, &fi) == NGX_FILE_ERROR) {
        return;     /* just read: it is there */
    }

    /* ngx_sprintf() has no octal */
    mode[0] = '0';
    mode[1] = (u_char) ('0' + ((fi.st_mode >> 6) & 7));
    mode[2] = (u_char) ('0' + ((fi.st_mode >> 3) & 7));
    mode[3] = (u_char) ('0' + (fi.st_mode & 7));
    mode[4] = '\0';

    if (fi.st_mode & (S_IROTH|S_IWOTH)) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "zoomtrack: %s \"%V\" is readable by others "
                           "(mode %s): chmod 600 it", what, path, mode);

    } else if (fi.st_mode & (S_IRGRP|S_IWGRP)) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "zoomtrack: %s \"%V\" is readable by its group "
                           "(mode %s): chmod 600 it", what, path, mode);
    }
}
