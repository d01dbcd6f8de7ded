/*
 * zt_redis: a synchronous hiredis connection as [redis] configures it:
 * address (host:port or unix:/path), AUTH from a secret, the connect and
 * command timeouts.  Used by the drain's queues and by every command that
 * reads Redis (status, check, forget).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_log.h"
#include "zt_redis.h"


int
zt_redis_conf_init(zt_redis_conf_t *rc, const zt_conf_t *conf, char *err,
    size_t errlen)
{
    char        *colon, *end;
    long         port;
    int64_t      ms;
    const char  *addr;

    memset(rc, 0, sizeof(zt_redis_conf_t));

    addr = zt_conf_get(conf, "redis", "address");

    if (strncmp(addr, "unix:", 5) == 0) {
        rc->path = strdup(addr + 5);
        if (rc->path == NULL || rc->path[0] == '\0') {
            snprintf(err, errlen, "redis.address \"%s\": no socket path",
                     addr);
            goto failed;
        }

    } else {
        rc->host = strdup(addr);
        if (rc->host == NULL) {
            snprintf(err, errlen, "out of memory");
            goto failed;
        }

        colon = strrchr(rc->host, ':');
        port = 6379;

        if (colon) {
            *colon = '\0';
            errno = 0;
            port = strtol(colon + 1, &end, 10);
            if (errno || *end != '\0' || port <= 0 || port > 65535) {
                snprintf(err, errlen, "redis.address \"%s\": bad port",
                         addr);
                goto failed;
            }
        }

        if (rc->host[0] == '\0') {
            snprintf(err, errlen, "redis.address \"%s\": no host", addr);
            goto failed;
        }

        rc->port = (int) port;
    }

    if (zt_conf_get_num(conf, "redis", "timeout_ms", &ms, err, errlen)
        != ZT_OK)
    {
        goto failed;
    }

    rc->timeout_ms = ms;

    if (getenv("ZOOMTRACK_REDIS_PASSWORD")
        || zt_conf_get(conf, "redis", "password_file")[0] != '\0')
    {
        rc->password = zt_conf_get_secret(conf, "redis", "password", err,
                                          errlen);
        if (rc->password == NULL) {
            goto failed;
        }
    }

    return ZT_OK;

failed:

    zt_redis_conf_free(rc);
    return ZT_ERROR;
}


void
zt_redis_conf_free(zt_redis_conf_t *rc)
{
    free(rc->host);
    free(rc->path);

    if (rc->password) {
        memset(rc->password, 0, strlen(rc->password));
        free(rc->password);
    }

    memset(rc, 0, sizeof(zt_redis_conf_t));
}


redisContext *
zt_redis_connect(const zt_redis_conf_t *rc, char *err, size_t errlen)
{
    redisReply      *r;
    redisContext    *c;
    struct timeval   tv;

    tv.tv_sec = rc->timeout_ms / 1000;
    tv.tv_usec = (rc->timeout_ms % 1000) * 1000;

    if (rc->path) {
        c = redisConnectUnixWithTimeout(rc->path, tv);

    } else {
        c = redisConnectWithTimeout(rc->host, rc->port, tv);
    }

    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    if (c->err) {
        if (rc->path) {
            snprintf(err, errlen, "cannot connect to redis at \"unix:%s\": "
                     "%s", rc->path, c->errstr);
        } else {
            snprintf(err, errlen, "cannot connect to redis at \"%s:%d\": %s",
                     rc->host, rc->port, c->errstr);
        }
        redisFree(c);
        return NULL;
    }

    if (redisSetTimeout(c, tv) != REDIS_OK) {
        snprintf(err, errlen, "redis: cannot set timeout: %s", c->errstr);
        redisFree(c);
        return NULL;
    }

    /* on a unix socket it fails and would leave c->err set */
    if (rc->path == NULL && redisEnableKeepAlive(c) != REDIS_OK) {
        snprintf(err, errlen, "redis: cannot enable keepalive: %s",
                 c->errstr);
        redisFree(c);
        return NULL;
    }

    if (rc->password) {
        r = redisCommand(c, "AUTH %s", rc->password);

        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            snprintf(err, errlen, "redis AUTH failed: %s",
                     r ? r->str : c->errstr);
            if (r) {
                freeReplyObject(r);
            }
            redisFree(c);
            return NULL;
        }

        freeReplyObject(r);
    }

    return c;
}


long long
zt_redis_llen(redisContext *c, const char *key)
{
    long long    n;
    redisReply  *r;

    r = redisCommand(c, "LLEN %s", key);
    if (r == NULL) {
        return -1;
    }

    n = (r->type == REDIS_REPLY_INTEGER) ? r->integer : -1;
    freeReplyObject(r);
    return n;
}
