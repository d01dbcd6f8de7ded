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

    if (zt_conf_get_num(conf, "google", "timeout_ms", &t, err, errlen)
        != ZT_OK)
    {
        return ZT_ERROR;
    }

    *timeout_ms = (long) t;

    if (zt_conf_get_num(conf, "google", "max_retries", &t, err, errlen)
        != ZT_OK)
    {
        return ZT_ERROR;
    }

    *retries = (int) t;

    return ZT_OK;
}
