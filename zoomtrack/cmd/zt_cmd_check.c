/*
 * `zoomtrack check -c FILE`: verifies, one line each, what the configured
 * backends need: Google credentials (a token is fetched), the archive
 * (local directory writable, or the bucket listable), the warehouse
 * (SQLite opens, or the dataset and every table exist), the report
 * bucket, Redis (PING, AUTH) and the local paths.  Exit 1 when any check
 * fails.  It replaces the reference's public /test-gcs and /test-bq
 * endpoints: nothing is exposed on the network.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <sqlite3.h>

#include "zt_core.h"
#include "zt_time.h"
#include "zt_cmd.h"
#include "zt_cmd_util.h"
#include "zt_conf.h"
#include "zt_fs.h"
#include "zt_db.h"
#include "zt_queue.h"
#include "zt_archive_path.h"
#include "zt_gauth.h"
#include "zt_gcs.h"
#include "zt_bq.h"
#include "zt_bq_schema.h"


static int zt_check_line(int ok, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int zt_check_google(const zt_conf_t *conf);
static int zt_check_bucket(const zt_conf_t *conf, const char *what,
    const char *bucket, const char *prefix);
static int zt_check_bigquery(const zt_conf_t *conf);
static int zt_check_dir(const char *what, const char *dir);
static int zt_check_redis(const zt_conf_t *conf);
static int zt_check_values(const zt_conf_t *conf, char *err, size_t errlen);


#include <stdarg.h>


static int
zt_check_line(int ok, const char *what, const char *fmt, ...)
{
    va_list  ap;

    printf("%-10s %s  ", what, ok ? "ok    " : "FAILED");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);

    return ok ? 0 : 1;
}


int
zt_cmd_check(int argc, char **argv)
{
    int          rc, failed, google, on;
    char         err[512], dir[4096];
    zt_conf_t   *conf;
    const char  *path, *ab, *wb;

    rc = zt_cmd_words("check", argc, argv, NULL, NULL, &path);

    if (rc == ZT_DECLINED) {
        printf("usage: zoomtrack check [-c FILE]\n\n"
               "Checks credentials, bucket, dataset and tables, Redis "
               "and the local paths,\none line each; exit 1 if any "
               "check fails, 2 on bad arguments or config.\n");
        return ZT_EXIT_OK;
    }

    if (rc != ZT_OK) {
        return ZT_EXIT_USAGE;
    }

    conf = zt_conf_load(path, err, sizeof(err));
    if (conf == NULL) {
        zt_check_line(0, "config", "%s", err);
        return ZT_EXIT_USAGE;
    }

    if (zt_check_values(conf, err, sizeof(err)) != ZT_OK) {
        zt_check_line(0, "config", "%s", err);
        zt_conf_free(conf);
        return ZT_EXIT_USAGE;
    }

    zt_check_line(1, "config", "%s", path ? path : "(defaults)");

    ab = zt_conf_get(conf, "archive", "backend");
    wb = zt_conf_get(conf, "warehouse", "backend");
    google = strcmp(wb, "bigquery") == 0
             || zt_conf_get(conf, "report", "bucket")[0] != '\0'
             || (strcmp(ab, "gcs") == 0
                 && !(zt_gcs_emulated(conf)
                      && zt_conf_get(conf, "google", "credentials_file")[0]
                         == '\0'
                      && getenv("GOOGLE_APPLICATION_CREDENTIALS") == NULL));

    failed = 0;

    if (google) {
        failed += zt_check_google(conf);
    }

    if (zt_conf_get_bool(conf, "archive", "enabled", &on) == ZT_OK && on) {
        if (strcmp(ab, "gcs") == 0) {
            failed += zt_check_bucket(conf, "archive",
                                      zt_conf_get(conf, "archive", "bucket"),
                                      zt_conf_get(conf, "archive", "prefix"));

        } else if (zt_archive_dir(conf, dir, sizeof(dir)) == ZT_OK) {
            failed += zt_check_dir("archive", dir);
        }
    }

    if (zt_conf_get_bool(conf, "warehouse", "enabled", &on) == ZT_OK && on) {
        if (strcmp(wb, "bigquery") == 0) {
            failed += zt_check_bigquery(conf);

        } else {
            sqlite3  *db;

            if (zt_db_open(conf, &db, err, sizeof(err)) == ZT_OK) {
                sqlite3_close(db);
                failed += zt_check_line(1, "warehouse", "SQLite opens");

            } else {
                failed += zt_check_line(0, "warehouse", "%s", err);
            }
        }
    }

    if (zt_conf_get(conf, "report", "bucket")[0]) {
        failed += zt_check_bucket(conf, "report",
                                  zt_conf_get(conf, "report", "bucket"),
                                  "reports/");
    }

    if (zt_conf_get_path(conf, "report", "dir", "reports", dir, sizeof(dir))
        == ZT_OK)
    {
        failed += zt_check_dir("report", dir);
    }

    failed += zt_check_redis(conf);

    zt_conf_free(conf);

    printf("%s\n", failed ? "some checks FAILED" : "all checks passed");

    return failed ? ZT_EXIT_FAILURE : ZT_EXIT_OK;
}


/*
 * Values the drainer and the other subcommands would refuse when they
 * start: numbers, yes/no, the time zone, the file modes (which also apply
 * to the warehouse the check below may create).
 */
static int
zt_check_values(const zt_conf_t *conf, char *err, size_t errlen)
{
    char         day[16];
    const char  *tz;

    if (zt_conf_check_types(conf, err, errlen) != ZT_OK
        || zt_cmd_log_level(conf, err, errlen) < 0)
    {
        return ZT_ERROR;
    }

    tz = zt_conf_get(conf, "", "timezone");

    if (zt_time_local_date(0, tz, day) != ZT_OK) {
        snprintf(err, errlen, "timezone \"%s\": not a time zone this "
                 "machine knows (an IANA name such as Europe/Paris)", tz);
        return ZT_ERROR;
    }

    return zt_fs_modes_init(conf, err, errlen);
}


static int
zt_check_google(const zt_conf_t *conf)
{
    int          rc;
    char         err[512], hdr[ZT_GAUTH_HEADER_MAX];
    zt_gauth_t  *a;

    a = zt_gauth_acquire(conf, err, sizeof(err));
    if (a == NULL) {
        return zt_check_line(0, "google", "%s", err);
    }

    if (zt_http_global_init() != ZT_OK) {
        zt_gauth_release(a);
        return zt_check_line(0, "google", "libcurl initialisation failed");
    }

    rc = zt_gauth_header(a, hdr, sizeof(hdr), err, sizeof(err));
    memset(hdr, 0, sizeof(hdr));

    rc = zt_check_line(rc == ZT_OK, "google", "%s: %s",
                       zt_gauth_describe(a),
                       rc == ZT_OK ? "access token issued" : err);
    zt_gauth_release(a);

    return rc;
}


static int
zt_check_bucket(const zt_conf_t *conf, const char *what, const char *bucket,
    const char *prefix)
{
    int              rc;
    char             err[512];
    zt_gcs_t        *g;
    zt_http_resp_t   resp;
    const char      *why;

    g = zt_gcs_create(conf, bucket, 1, err, sizeof(err));
    if (g == NULL) {
        return zt_check_line(0, what, "%s", err);
    }

    rc = zt_gcs_list(g, prefix, "/", NULL, 1, &resp);

    if (rc == ZT_OK) {
        rc = zt_check_line(1, what, "gs://%s/%s listable (%s, %s)", bucket,
                           prefix, zt_gcs_endpoint(g), zt_gcs_auth(g));

    } else {
        zt_gcs_error_text(resp.body, resp.len, err, sizeof(err));
        why = resp.status == 404 ? "the bucket does not exist"
              : resp.status == 403 ? "permission denied (grant Storage "
                                     "Object Creator and Viewer)"
              : resp.status == 401 ? "credentials rejected"
              : resp.status == 0 ? resp.error : "refused";
        rc = zt_check_line(0, what, "gs://%s/%s: %s%ld %s (%s)", bucket,
                           prefix, resp.status ? "status " : "",
                           resp.status, why, err);
    }

    zt_http_resp_free(&resp);
    zt_gcs_destroy(g);

    return rc;
}


static int
zt_check_bigquery(const zt_conf_t *conf)
{
    int                   failed;
    char                  err[512], path[512], miss[1024];
    json_t               *ans;
    zt_bq_t              *bq;
    zt_bq_err_t           e;
    const zt_bq_table_t  *t;

    bq = zt_bq_create(conf, err, sizeof(err));
    if (bq == NULL) {
        return zt_check_line(0, "warehouse", "%s", err);
    }

    snprintf(path, sizeof(path), "/datasets/%s", zt_bq_dataset(bq));

    if (zt_bq_call(bq, "GET", path, NULL, NULL, &e) != ZT_OK) {
        failed = zt_check_line(0, "warehouse", "dataset %s.%s: %s%ld %s%s",
                     zt_bq_project(bq), zt_bq_dataset(bq),
                     e.status ? "status " : "", e.status, e.message,
                     e.status == 404 ? " (run `zoomtrack setup`)" : "");
        zt_bq_destroy(bq);
        return failed;
    }

    failed = zt_check_line(1, "warehouse", "dataset %s.%s exists",
                           zt_bq_project(bq), zt_bq_dataset(bq));

    for (t = zt_bq_tables; t->name; t++) {
        snprintf(path, sizeof(path), "/datasets/%s/tables/%s",
                 zt_bq_dataset(bq), t->name);

        if (zt_bq_call(bq, "GET", path, NULL, &ans, &e) == ZT_OK) {
            zt_bq_missing(t, ans, miss, sizeof(miss));
            json_decref(ans);

            failed += miss[0]
                ? zt_check_line(0, "warehouse", "table %s lacks column(s) "
                                "%s: rows naming them would be refused "
                                "(ALTER TABLE ... ADD COLUMN)", t->name,
                                miss)
                : zt_check_line(1, "warehouse", "table %s exists",
                                t->name);
        } else {
            failed += zt_check_line(0, "warehouse", "table %s: %s%ld %s%s",
                          t->name, e.status ? "status " : "", e.status,
                          e.message,
                          e.status == 404 ? " (run `zoomtrack setup`)" : "");
        }
    }

    zt_bq_destroy(bq);
    return failed;
}


static int
zt_check_dir(const char *what, const char *dir)
{
    char  failed[4096];

    if (zt_fs_mkdirs(dir, ZT_FS_PATH, failed, sizeof(failed)) != ZT_OK) {
        return zt_check_line(0, what, "cannot create \"%s\": %s", failed,
                             strerror(errno));
    }

    if (access(dir, W_OK) != 0) {
        return zt_check_line(0, what, "\"%s\" is not writable: %s", dir,
                             strerror(errno));
    }

    return zt_check_line(1, what, "\"%s\" is writable", dir);
}


static int
zt_check_redis(const zt_conf_t *conf)
{
    int              ok;
    char             err[512];
    redisReply      *r;
    redisContext    *c;
    zt_redis_conf_t  rc;

    if (zt_redis_conf_init(&rc, conf, err, sizeof(err)) != ZT_OK) {
        return zt_check_line(0, "redis", "%s", err);
    }

    c = zt_redis_connect(&rc, err, sizeof(err));
    if (c == NULL) {
        zt_redis_conf_free(&rc);
        return zt_check_line(0, "redis", "%s", err);
    }

    r = redisCommand(c, "PING");
    ok = r && r->type == REDIS_REPLY_STATUS;
    freeReplyObject(r);
    redisFree(c);
    zt_redis_conf_free(&rc);

    return zt_check_line(ok, "redis", "%s %s",
                         zt_conf_get(conf, "redis", "address"),
                         ok ? "answers PING" : "did not answer PING");
}
