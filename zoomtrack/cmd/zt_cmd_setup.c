/*
 * `zoomtrack setup -c FILE`: creates what the configured backends need
 * and is missing.  On BigQuery: the dataset, then every table of
 * zt_bq_tables (raw_events partitioned by event_date and clustered, ...)
 * through datasets.insert / tables.insert; existing ones are left as they
 * are, so it is safe to run again.  On SQLite the drainer and the report
 * apply the schema themselves; buckets are the user's (README).
 */

#include <stdio.h>
#include <string.h>

#include "zt_core.h"
#include "zt_cmd.h"
#include "zt_cmd_util.h"
#include "zt_conf.h"
#include "zt_log.h"
#include "zt_bq.h"
#include "zt_bq_schema.h"


static void zt_setup_usage(FILE *f);
static int zt_setup_bigquery(const zt_conf_t *conf);
static int zt_setup_ensure(zt_bq_t *bq, const char *what, const char *get,
    const char *post, json_t *res, const zt_bq_table_t *t);


static void
zt_setup_usage(FILE *f)
{
    fprintf(f,
        "usage: zoomtrack setup [-c FILE]\n"
        "\n"
        "Creates the BigQuery dataset and tables ([warehouse] backend =\n"
        "bigquery) that do not exist yet; existing ones are kept.  Prints\n"
        "one line per object.  Exit 0 when everything exists afterwards,\n"
        "1 on a failure, 2 on bad arguments or configuration.\n");
}


int
zt_cmd_setup(int argc, char **argv)
{
    int          rc;
    char         err[512];
    zt_conf_t   *conf;
    const char  *path, *backend;

    rc = zt_cmd_words("setup", argc, argv, NULL, NULL, &path);
    if (rc != ZT_OK) {
        zt_setup_usage(rc == ZT_DECLINED ? stdout : stderr);
        return rc == ZT_DECLINED ? ZT_EXIT_OK : ZT_EXIT_USAGE;
    }

    conf = zt_conf_load(path, err, sizeof(err));
    if (conf == NULL) {
        fprintf(stderr, "zoomtrack setup: %s\n", err);
        return ZT_EXIT_USAGE;
    }

    backend = zt_conf_get(conf, "warehouse", "backend");

    if (strcmp(backend, "bigquery") == 0) {
        rc = zt_setup_bigquery(conf);

    } else {
        printf("warehouse: backend \"%s\" needs no setup (the schema is "
               "applied at start)\n", backend);
        rc = ZT_EXIT_OK;
    }

    zt_conf_free(conf);
    return rc;
}


static int
zt_setup_bigquery(const zt_conf_t *conf)
{
    int                   rc, failed;
    char                  err[512], what[256], get[512], post[512];
    json_t               *res;
    zt_bq_t              *bq;
    const char           *p, *d;
    const zt_bq_table_t  *t;

    bq = zt_bq_create(conf, err, sizeof(err));
    if (bq == NULL) {
        fprintf(stderr, "zoomtrack setup: %s\n", err);
        return ZT_EXIT_USAGE;
    }

    p = zt_bq_project(bq);
    d = zt_bq_dataset(bq);

    snprintf(what, sizeof(what), "dataset %s.%s", p, d);
    snprintf(get, sizeof(get), "/datasets/%s", d);
    res = json_pack("{s:{s:s, s:s}, s:s}", "datasetReference", "projectId", p,
                    "datasetId", d, "location", zt_bq_location(bq));

    rc = zt_setup_ensure(bq, what, get, "/datasets", res, NULL);
    json_decref(res);

    if (rc != ZT_OK) {
        zt_bq_destroy(bq);
        return ZT_EXIT_FAILURE;
    }

    failed = 0;

    for (t = zt_bq_tables; t->name; t++) {
        snprintf(what, sizeof(what), "table %s.%s.%s", p, d, t->name);
        snprintf(get, sizeof(get), "/datasets/%s/tables/%s", d, t->name);
        snprintf(post, sizeof(post), "/datasets/%s/tables", d);

        res = zt_bq_table_resource(t, p, d);
        if (zt_setup_ensure(bq, what, get, post, res, t) != ZT_OK) {
            failed = 1;
        }
        json_decref(res);
    }

    zt_bq_destroy(bq);

    return failed ? ZT_EXIT_FAILURE : ZT_EXIT_OK;
}


/*
 * GET get; on 404 POST res to post; one line either way.  An existing
 * table t is left as it is: one that lacks columns (made by an older
 * version) fails, since insertAll would refuse every row naming them.
 */
static int
zt_setup_ensure(zt_bq_t *bq, const char *what, const char *get,
    const char *post, json_t *res, const zt_bq_table_t *t)
{
    int          rc;
    char         miss[1024];
    json_t      *ans;
    zt_bq_err_t  e;

    rc = zt_bq_call(bq, "GET", get, NULL, &ans, &e);
    if (rc == ZT_OK) {
        miss[0] = '\0';
        if (t) {
            zt_bq_missing(t, ans, miss, sizeof(miss));
        }
        json_decref(ans);

        if (miss[0]) {
            printf("%s: FAILED: exists without column(s) %s: add them "
                   "(ALTER TABLE ... ADD COLUMN), or rows naming them "
                   "are refused\n", what, miss);
            return ZT_ERROR;
        }

        printf("%s: exists\n", what);
        return ZT_OK;
    }

    if (e.status != 404) {
        printf("%s: FAILED: %s%ld %s\n", what, e.status ? "status " : "",
               e.status, e.message);
        return ZT_ERROR;
    }

    rc = zt_bq_call(bq, "POST", post, res, NULL, &e);
    if (rc == ZT_OK) {
        printf("%s: created\n", what);
        return ZT_OK;
    }

    if (e.status == 409) {
        printf("%s: exists\n", what);
        return ZT_OK;
    }

    printf("%s: FAILED to create: %s%ld %s\n", what,
           e.status ? "status " : "", e.status, e.message);
    return ZT_ERROR;
}
