/*
 * zt_google: the shared [google] settings (see zt_google.h).
 */

#include <stdio.h>

#include "zt_google.h"


int
zt_google_limits(const zt_conf_t *conf, long *timeout_ms, int *retries,
    char *err, size_t errlen)
{
    int64_t  t;

    if (zt_conf_get_int(conf, "google", "timeout_ms", &t) != ZT_OK
        || t < 100)
    {
        snprintf(err, errlen, "google.timeout_ms must be a number >= 100");
        return ZT_ERROR;
    }

    *timeout_ms = (long) t;

    if (zt_conf_get_int(conf, "google", "max_retries", &t) != ZT_OK
        || t < 0 || t > 100)
    {
        snprintf(err, errlen, "google.max_retries must be a number from 0 "
                 "to 100");
        return ZT_ERROR;
    }

    *retries = (int) t;

    return ZT_OK;
}
