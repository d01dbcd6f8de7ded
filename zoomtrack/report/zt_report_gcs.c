/*
 * The reference's nightly export, without its shard suffix: with [report]
 * bucket set, the report file just written is uploaded byte for byte to
 * gs://BUCKET/reports/ under the local file's name, DAILY_REPORT_<D>.csv
 * (replacing an earlier upload of the same day, as the local file is
 * replaced; a --meeting run's DAILY_REPORT_<D>_<meeting>.csv beside it).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_core.h"
#include "zt_gcs.h"
#include "zt_report.h"


int
zt_report_upload(const zt_conf_t *conf, const char *path, const char *name,
    const char *content_type)
{
    int            rc;
    FILE          *f;
    char           object[512], err[512], *buf;
    long           size;
    zt_gcs_t      *g;
    zt_gcs_put_t   put;
    const char    *bucket;

    bucket = zt_conf_get(conf, "report", "bucket");
    if (bucket[0] == '\0') {
        return ZT_OK;
    }

    if (strcmp(path, "-") == 0) {
        fprintf(stderr, "zoomtrack report: report.bucket: nothing uploaded "
                "for --out -\n");
        return ZT_OK;
    }

    f = fopen(path, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        fprintf(stderr, "zoomtrack report: cannot read \"%s\": %s\n", path,
                strerror(errno));
        if (f) {
            fclose(f);
        }
        return ZT_ERROR;
    }

    buf = malloc((size_t) size + 1);
    if (buf == NULL || fread(buf, 1, (size_t) size, f) != (size_t) size) {
        fprintf(stderr, "zoomtrack report: cannot read \"%s\"\n", path);
        free(buf);
        fclose(f);
        return ZT_ERROR;
    }
    fclose(f);

    snprintf(object, sizeof(object), "reports/%s", name);

    g = zt_gcs_create(conf, bucket, 1, err, sizeof(err));
    if (g == NULL) {
        fprintf(stderr, "zoomtrack report: report.bucket: %s\n", err);
        free(buf);
        return ZT_ERROR;
    }

    memset(&put, 0, sizeof(zt_gcs_put_t));
    put.name = object;
    put.body = buf;
    put.len = (size_t) size;
    put.content_type = content_type;

    rc = zt_gcs_put_one(g, &put, err, sizeof(err));

    if (rc != ZT_OK) {
        fprintf(stderr, "zoomtrack report: upload to gs://%s/%s: %s\n",
                bucket, object, err);
        rc = ZT_ERROR;

    } else if (put.status < 200 || put.status >= 300) {
        fprintf(stderr, "zoomtrack report: upload to gs://%s/%s: %s%ld "
                "%s%s%s\n", bucket, object, put.status ? "status " : "",
                put.status, put.error, put.status == 403 ? "; " : "",
                put.status == 403 ? ZT_GCS_DELETE_ROLE : "");
        rc = ZT_ERROR;

    } else {
        fprintf(stderr, "zoomtrack report: uploaded gs://%s/%s\n", bucket,
                object);
    }

    zt_gcs_destroy(g);
    free(buf);

    return rc;
}
