/*
 * zt_redis: opening a synchronous hiredis connection as [redis] says
 * (zt_redis.c).
 */

#ifndef ZT_REDIS_H
#define ZT_REDIS_H


#include <hiredis/hiredis.h>

#include "zt_core.h"
#include "zt_conf.h"


typedef struct {
    char     *host;          /* NULL for a unix socket */
    char     *path;          /* unix socket path or NULL */
    int       port;
    char     *password;      /* NULL: no AUTH */
    int64_t   timeout_ms;
} zt_redis_conf_t;


/* reads [redis] into rc; ZT_OK or ZT_ERROR with a message in err */
int zt_redis_conf_init(zt_redis_conf_t *rc, const zt_conf_t *conf,
    char *err, size_t errlen);
void zt_redis_conf_free(zt_redis_conf_t *rc);

/*
 * Connects (and AUTHs) with the connect/command timeout of rc.  Returns a
 * context or NULL with a message in err.
 */
redisContext *zt_redis_connect(const zt_redis_conf_t *rc, char *err,
    size_t errlen);

/* LLEN key, or -1 on error */
long long zt_redis_llen(redisContext *c, const char *key);


#endif /* ZT_REDIS_H */
