/*
 * `zoomtrack status`: what a running drainer reports about its sinks, for
 * operators and monitoring.  Reads the counters `zoomtrack drain` writes
 * every second (DATA/drain-status.json) and the queue and processing list
 * lengths live from Redis, prints one line per sink (or JSON) and exits 1
 * when something needs a human: a sink failing for longer than
 * [drain] alert_after_s, a drainer that stopped or stopped writing its
 * counters, or Redis unreachable.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_core.h"
#include "zt_cmd.h"
#include "zt_cmd_util.h"
#include "zt_conf.h"
#include "zt_queue.h"
#include "zt_time.h"


/* a drainer writes every second: this much silence means it is gone */
#define ZT_STATUS_STALE_S  10


typedef struct {
    int64_t        now;
    int64_t        alert_ms;
    redisContext  *c;
    int            alert;
    json_t        *reasons;
} zt_status_ctx_t;


static void zt_status_usage(FILE *f);
static int zt_status_args(int argc, char **argv, const char **cpath,
    int *as_json);
static void zt_status_drainer(zt_status_ctx_t *ctx, json_t *doc);
static int zt_status_show(zt_status_ctx_t *ctx, json_t *doc, int as_json);
static int zt_status_conf(const char *cpath, int64_t *alert_s, char *path,
    size_t pathlen, zt_redis_conf_t *rcf);
static int zt_status_sink(zt_status_ctx_t *ctx, json_t *s);
static void zt_status_print(json_t *out);
static void zt_status_age(int64_t ms, char *buf, size_t len);
static void zt_status_reason(zt_status_ctx_t *ctx, const char *fmt,
    const char *a, long long n);


static void
zt_status_usage(FILE *f)
{
    fprintf(f,
        "usage: zoomtrack status [-c FILE] [--json]\n"
        "\n"
        "Prints the state of every sink of the drainer that uses FILE:\n"
        "name, state (ok, retrying, paused, standby), records stored and\n"
        "dead-lettered since it started, queue and processing list lengths\n"
        "(read live from Redis), and the last error with its age.  Reads\n"
        "[drain] status_file (default DATA/drain-status.json), which\n"
        "`zoomtrack drain` rewrites every second.\n"
        "\n"
        "options:\n"
        "  -c FILE    configuration file\n"
        "  --json     one JSON object, for machines\n"
        "\n"
        "exit codes: 0 all well; 1 a sink has been failing for longer than\n"
        "[drain] alert_after_s, the drainer stopped (or has not written\n"
        "its counters for %d s), or Redis is unreachable; 2 bad arguments\n"
        "or configuration.\n", ZT_STATUS_STALE_S);
}


/* parses argv; returns -1 to go on, else the exit code */
static int
zt_status_args(int argc, char **argv, const char **cpath, int *as_json)
{
    int  rc;

    rc = zt_cmd_words("status", argc, argv, "--json", as_json, cpath);
    if (rc != ZT_OK) {
        zt_status_usage(rc == ZT_DECLINED ? stdout : stderr);
        return rc == ZT_DECLINED ? ZT_EXIT_OK : ZT_EXIT_USAGE;
    }

    return -1;
}


int
zt_cmd_status(int argc, char **argv)
{
    int               as_json, rc;
    char              err[512], path[4096];
    json_t           *doc;
    int64_t           alert_s;
    const char       *cpath;
    json_error_t      jerr;
    zt_redis_conf_t   rcf;
    zt_status_ctx_t   ctx;

    rc = zt_status_args(argc, argv, &cpath, &as_json);
    if (rc >= 0) {
        return rc;
    }

    if (zt_status_conf(cpath, &alert_s, path, sizeof(path), &rcf)
        != ZT_OK)
    {
        return ZT_EXIT_USAGE;
    }

    memset(&ctx, 0, sizeof(ctx));
    ctx.now = zt_time_now_ms();
    ctx.alert_ms = alert_s * 1000;
    ctx.reasons = json_array();

    doc = json_load_file(path, 0, &jerr);
    if (doc == NULL || !json_is_array(json_object_get(doc, "sinks"))) {
        fprintf(stderr, "zoomtrack status: no drain status in \"%s\" (%s): "
                "is `zoomtrack drain` running with this configuration?\n",
                path, doc ? "no sinks" : jerr.text);
        json_decref(doc);
        json_decref(ctx.reasons);
        zt_redis_conf_free(&rcf);
        return ZT_EXIT_FAILURE;
    }

    ctx.c = zt_redis_connect(&rcf, err, sizeof(err));
    if (ctx.c == NULL) {
        zt_status_reason(&ctx, "%s", err, 0);
    }

    zt_status_drainer(&ctx, doc);

    if (zt_status_show(&ctx, doc, as_json) != ZT_OK) {
        fprintf(stderr, "zoomtrack status: out of memory\n");
        return ZT_EXIT_FAILURE;
    }

    rc = ctx.alert ? ZT_EXIT_FAILURE : ZT_EXIT_OK;

    json_decref(doc);
    json_decref(ctx.reasons);
    if (ctx.c) {
        redisFree(ctx.c);
    }
    zt_redis_conf_free(&rcf);

    return rc;
}


/* the drainer's own alerts (stopped, silent), then each sink's */
static void
zt_status_drainer(zt_status_ctx_t *ctx, json_t *doc)
{
    size_t   k;
    json_t  *s;
    int64_t  updated;

    updated = json_integer_value(json_object_get(doc, "updated_ms"));

    if (!json_is_true(json_object_get(doc, "running"))) {
        zt_status_reason(ctx, "the drainer has stopped", NULL, 0);

    } else if (ctx->now - updated > ZT_STATUS_STALE_S * 1000) {
        zt_status_reason(ctx, "the drainer has not updated its counters "
                         "for %lld s (is it still running?)", NULL,
                         (long long) (ctx->now - updated) / 1000);
    }

    json_array_foreach(json_object_get(doc, "sinks"), k, s) {
        (void) zt_status_sink(ctx, s);
    }
}


/* the drainer's fields, the verdict and the sinks: text or JSON */
static int
zt_status_show(zt_status_ctx_t *ctx, json_t *doc, int as_json)
{
    json_t  *out, *drainer;

    /* a shallow copy: the drainer's fields without its sinks */
    drainer = json_copy(doc);
    json_object_del(drainer, "sinks");
    out = json_pack("{s:o, s:b, s:O, s:O}", "drainer", drainer, "alert",
                    ctx->alert, "reasons", ctx->reasons, "sinks",
                    json_object_get(doc, "sinks"));
    if (out == NULL) {
        return ZT_ERROR;
    }

    if (as_json) {
        json_dumpf(out, stdout, JSON_INDENT(2));
        fputc('\n', stdout);

    } else {
        zt_status_print(out);
    }

    json_decref(out);

    return ZT_OK;
}


/* [drain] alert_after_s and status_file, and [redis]; messages printed */
static int
zt_status_conf(const char *cpath, int64_t *alert_s, char *path,
    size_t pathlen, zt_redis_conf_t *rcf)
{
    char        err[512];
    zt_conf_t  *conf;

    conf = zt_conf_load(cpath, err, sizeof(err));
    if (conf == NULL) {
        fprintf(stderr, "zoomtrack status: %s\n", err);
        return ZT_ERROR;
    }

    if (zt_conf_get_num(conf, "drain", "alert_after_s", alert_s, err,
                        sizeof(err)) != ZT_OK)
    {
        fprintf(stderr, "zoomtrack status: %s\n", err);
        zt_conf_free(conf);
        return ZT_ERROR;
    }

    if (zt_conf_get_path(conf, "drain", "status_file", "drain-status.json",
                         path, pathlen) != ZT_OK)
    {
        fprintf(stderr, "zoomtrack status: drain.status_file is too long\n");
        zt_conf_free(conf);
        return ZT_ERROR;
    }

    if (zt_redis_conf_init(rcf, conf, err, sizeof(err)) != ZT_OK) {
        fprintf(stderr, "zoomtrack status: %s\n", err);
        zt_conf_free(conf);
        return ZT_ERROR;
    }

    zt_conf_free(conf);
    return ZT_OK;
}


static void
zt_status_reason(zt_status_ctx_t *ctx, const char *fmt, const char *a,
    long long n)
{
    char  buf[512];

    if (a) {
        snprintf(buf, sizeof(buf), fmt, a, n);

    } else {
        snprintf(buf, sizeof(buf), fmt, n);
    }

    json_array_append_new(ctx->reasons, json_string(buf));
    ctx->alert = 1;
}


/* adds the live lengths and how long it has been failing to one sink */
static int
zt_status_sink(zt_status_ctx_t *ctx, json_t *s)
{
    int64_t      since;
    long long    q, p;
    const char  *name;

    name = json_string_value(json_object_get(s, "name"));
    if (name == NULL) {
        return ZT_ERROR;
    }

    q = p = -1;
    if (ctx->c) {
        q = zt_redis_llen(ctx->c,
                          json_string_value(json_object_get(s, "queue")));
        p = zt_redis_llen(ctx->c,
                          json_string_value(json_object_get(s, "processing")));
    }

    json_object_set_new(s, "queue_length", q < 0 ? json_null()
                                                 : json_integer(q));
    json_object_set_new(s, "processing_length", p < 0 ? json_null()
                                                      : json_integer(p));

    since = json_integer_value(json_object_get(s, "failing_since_ms"));
    if (since > 0) {
        json_object_set_new(s, "failing_for_s",
                            json_integer((ctx->now - since) / 1000));

        if (ctx->now - since > ctx->alert_ms) {
            zt_status_reason(ctx, "sink %s has been failing for %lld s",
                             name, (long long) (ctx->now - since) / 1000);
        }
    }

    return ZT_OK;
}


static void
zt_status_age(int64_t ms, char *buf, size_t len)
{
    int64_t  s = ms / 1000;

    if (s < 120) {
        snprintf(buf, len, "%llds", (long long) s);

    } else if (s < 7200) {
        snprintf(buf, len, "%lldm", (long long) s / 60);

    } else {
        snprintf(buf, len, "%lldh", (long long) s / 3600);
    }
}


static void
zt_status_print(json_t *out)
{
    char         age[32], q[32], p[32];
    size_t       k;
    json_t      *d, *s, *v;
    int64_t      now, at;
    const char  *err;

    now = zt_time_now_ms();
    d = json_object_get(out, "drainer");

    zt_status_age(now - json_integer_value(json_object_get(d, "updated_ms")),
                  age, sizeof(age));
    printf("drainer \"%s\" pid %lld, %s, counters %s old\n",
           json_string_value(json_object_get(d, "consumer")),
           (long long) json_integer_value(json_object_get(d, "pid")),
           json_is_true(json_object_get(d, "running")) ? "running"
           : "stopped", age);

    json_array_foreach(json_object_get(out, "sinks"), k, s) {
        v = json_object_get(s, "queue_length");
        snprintf(q, sizeof(q), json_is_integer(v) ? "%lld" : "?",
                 (long long) json_integer_value(v));
        v = json_object_get(s, "processing_length");
        snprintf(p, sizeof(p), json_is_integer(v) ? "%lld" : "?",
                 (long long) json_integer_value(v));

        printf("%-10s %-8s stored %lld  dead-lettered %lld  queue %s  "
               "processing %s", json_string_value(json_object_get(s, "name")),
               json_string_value(json_object_get(s, "state")),
               (long long) json_integer_value(json_object_get(s, "stored")),
               (long long) json_integer_value(json_object_get(s,
                                                           "dead_lettered")),
               q, p);

        err = json_string_value(json_object_get(s, "last_error"));
        at = json_integer_value(json_object_get(s, "last_error_ms"));

        if (err) {
            zt_status_age(now - at, age, sizeof(age));
            printf("  last error %s ago: %s", age, err);
        }

        if (json_is_string(json_object_get(s, "lease_holder"))
            && strcmp(json_string_value(json_object_get(s, "state")),
                      "standby") == 0)
        {
            printf("  (run by %s)",
                   json_string_value(json_object_get(s, "lease_holder")));
        }

        putchar('\n');
    }

    json_array_foreach(json_object_get(out, "reasons"), k, v) {
        printf("ALERT: %s\n", json_string_value(v));
    }
}
