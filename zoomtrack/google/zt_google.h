/*
 * zt_google: the [google] settings every Google client of zoomtrack reads
 * the same way (GCS and BigQuery): the per-request timeout and how often
 * the command-line tools send a transient answer's request again.
 */

#ifndef ZT_GOOGLE_H
#define ZT_GOOGLE_H


#include "zt_core.h"
#include "zt_conf.h"


/*
 * [google] timeout_ms (>= 100) and max_retries (0..100).  ZT_OK, or
 * ZT_ERROR with err naming the bad setting.
 */
int zt_google_limits(const zt_conf_t *conf, long *timeout_ms, int *retries,
    char *err, size_t errlen);


#endif /* ZT_GOOGLE_H */
