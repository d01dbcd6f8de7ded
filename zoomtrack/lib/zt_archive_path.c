/*
 * The archive's naming rule (zt_archive_path.h).
 */

#include <stdio.h>
#include <string.h>

#include "zt_core.h"
#include "zt_archive_path.h"


int
zt_archive_id_ok(const char *id)
{
    size_t  i;

    for (i = 0; id[i]; i++) {
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'z')
              || (id[i] >= 'A' && id[i] <= 'Z') || id[i] == '-'
              || id[i] == '_'))
        {
            return 0;
        }
    }

    return i > 0 && i <= 128;
}


int
zt_archive_dir(const zt_conf_t *conf, char *out, size_t outlen)
{
    return zt_conf_get_path(conf, "archive", "dir", "raw", out, outlen);
}


int
zt_archive_path(const char *dir, const char *day, const char *event_id,
    char *out, size_t outlen)
{
    int  n;

    n = snprintf(out, outlen, "%s/%s/%s.json", dir, day, event_id);

    return (n < 0 || (size_t) n >= outlen) ? ZT_ERROR : ZT_OK;
}


int
zt_archive_object(const char *prefix, const char *day, const char *event_id,
    char *out, size_t outlen)
{
    int     n;
    size_t  len;

    /* "raw/", "raw" and "" all name the same layout as the file archive */
    len = strlen(prefix);
    while (len && prefix[len - 1] == '/') {
        len--;
    }

    n = snprintf(out, outlen, "%.*s%s%s/%s.json", (int) len, prefix,
                 len ? "/" : "", day, event_id);

    return (n < 0 || (size_t) n >= outlen) ? ZT_ERROR : ZT_OK;
}


int
zt_archive_where_init(zt_archive_where_t *w, const zt_conf_t *conf)
{
    int  n, m;

    w->bucket[0] = '\0';
    w->prefix[0] = '\0';

    if (strcmp(zt_conf_get(conf, "archive", "backend"), "gcs") == 0) {
        n = snprintf(w->bucket, sizeof(w->bucket), "%s",
                     zt_conf_get(conf, "archive", "bucket"));
        m = snprintf(w->prefix, sizeof(w->prefix), "%s",
                     zt_conf_get(conf, "archive", "prefix"));

        if (n < 0 || (size_t) n >= sizeof(w->bucket)
            || m < 0 || (size_t) m >= sizeof(w->prefix))
        {
            return ZT_ERROR;
        }
    }

    return zt_archive_dir(conf, w->dir, sizeof(w->dir));
}


int
zt_archive_where(const zt_archive_where_t *w, const char *day,
    const char *event_id, char *out, size_t outlen)
{
    int   n;
    char  name[1024];

    if (w->bucket[0] == '\0') {
        if (zt_archive_path(w->dir, day, event_id, out, outlen) == ZT_OK) {
            return ZT_OK;
        }

    } else if (zt_archive_object(w->prefix, day, event_id, name,
                                 sizeof(name))
               == ZT_OK)
    {
        n = snprintf(out, outlen, "gs://%s/%s", w->bucket, name);

        if (n >= 0 && (size_t) n < outlen) {
            return ZT_OK;
        }
    }

    if (outlen) {
        out[0] = '\0';
    }

    return ZT_ERROR;
}
