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
zt_archive_gs_url(const zt_conf_t *conf, const char *day,
    const char *event_id, char *out, size_t outlen)
{
    int   n;
    char  name[1024];

    if (zt_archive_object(zt_conf_get(conf, "archive", "prefix"), day,
                          event_id, name, sizeof(name))
        != ZT_OK)
    {
        return ZT_ERROR;
    }

    n = snprintf(out, outlen, "gs://%s/%s",
                 zt_conf_get(conf, "archive", "bucket"), name);

    return (n < 0 || (size_t) n >= outlen) ? ZT_ERROR : ZT_OK;
}
