/*
 * Unit tests of the drain engine (zoomtrack/drain/zt_engine*.c) with a
 * scripted sink in place of the sink table, against a private
 * redis-server: ZT_SPLIT isolates the bad records of a batch (the rest is
 * stored, each bad one dead-lettered with the sink's reason), ZT_PAUSE is
 * retried at the longest backoff and shown as "paused" in the counters,
 * and --once gives up after [drain] max_attempts with the batch left in
 * its processing list.  Fails without redis-server.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <hiredis/hiredis.h>

#include "zt_conf.h"
#include "zt_engine.h"
#include "zt_log.h"
#include "zt_sink.h"
#include "tap.h"
#include "tap_redis.h"


/* the script of the fake sink */
static const char  *fake_bad[4];
static int          fake_nbad;
static int          fake_pause;
static int          fake_writes;
static char         fake_stored[64][8];
static int          fake_nstored;


static int
fake_init(const zt_conf_t *conf, void **ctx)
{
    *ctx = NULL;
    return ZT_OK;
}


static int
fake_write(void *ctx, zt_item_t *items, size_t n)
{
    int     b, k;
    size_t  i;

    fake_writes++;

    for (i = 0; i < n; i++) {
        for (b = 0; b < fake_nbad; b++) {
            if (strcmp(items[i].event_id, fake_bad[b]) == 0) {
                zt_log_error("[sink:fake] row %s refused", fake_bad[b]);
                return ZT_SPLIT;
            }
        }
    }

    if (fake_pause > 0) {
        fake_pause--;
        zt_log_error("[sink:fake] bucket \"nope\" does not exist");
        return ZT_PAUSE;
    }

    for (i = 0; i < n; i++) {
        for (k = 0; k < fake_nstored; k++) {
            if (strcmp(fake_stored[k], items[i].event_id) == 0) {
                break;
            }
        }
        if (k == fake_nstored && fake_nstored < 64) {
            snprintf(fake_stored[fake_nstored++], 8, "%s", items[i].event_id);
        }
    }

    return ZT_OK;
}


static const zt_sink_t  fake_sink = {
    "fake", fake_init, fake_write, NULL, NULL,
    NULL                    /* prepare */
};

static const zt_sink_entry_t  fake_table[] = {
    { "archive", NULL, &fake_sink },
    { NULL, NULL, NULL }
};


static int
stored(const char *id)
{
    int  k;

    for (k = 0; k < fake_nstored; k++) {
        if (strcmp(fake_stored[k], id) == 0) {
            return 1;
        }
    }
    return 0;
}


static long long
llen(redisContext *c, const char *key)
{
    long long    n;
    redisReply  *r;

    r = redisCommand(c, "LLEN %s", key);
    n = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r) {
        freeReplyObject(r);
    }
    return n;
}


static void
push(redisContext *c, int from, int to)
{
    int          i;
    char         rec[64];
    redisReply  *r;

    for (i = from; i < to; i++) {
        snprintf(rec, sizeof(rec), "{\"event_id\":\"r%d\"}", i);
        r = redisCommand(c, "LPUSH zoomtrack:archive %s", rec);
        if (r) {
            freeReplyObject(r);
        }
    }
}


/* one `drain --once` with the fake sink; returns zt_engine_run's result */
static int
run_once(void)
{
    int                    rc;
    char                   err[256];
    zt_conf_t             *conf;
    zt_engine_t           *e;
    zt_engine_signals_t    sig;
    volatile sig_atomic_t  stop = 0, hup = 0;

    conf = zt_conf_load(NULL, err, sizeof(err));
    e = conf ? zt_engine_create_with(conf, 1, fake_table, err, sizeof(err))
             : NULL;
    if (e == NULL) {
        ok(0, "engine created: %s", err);
        zt_conf_free(conf);
        return ZT_ERROR;
    }

    memset(&sig, 0, sizeof(sig));
    sig.stop = &stop;
    sig.hup = &hup;

    rc = zt_engine_run(e, &sig);

    zt_engine_destroy(e);
    zt_conf_free(conf);

    return rc;
}


static char *
slurp(const char *path)
{
    FILE    *f;
    char    *buf;
    size_t   n;

    f = fopen(path, "r");
    if (f == NULL) {
        return strdup("");
    }
    buf = calloc(1, 1 << 20);
    n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}


static int64_t
now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


int
main(void)
{
    int            port, i;
    char           dir[] = "/tmp/zt-unit-engine-XXXXXX", addr[64];
    char           path[256], id[16], *text;
    int64_t        t0;
    redisReply    *r;
    redisContext  *c;

    if (system("command -v redis-server >/dev/null 2>&1") != 0) {
        ok(0, "redis-server installed (scripts/install-deps)");
        return done_testing();
    }


    if (mkdtemp(dir) == NULL || (port = start_redis(dir)) < 0) {
        ok(0, "redis-server started");
        return done_testing();
    }

    c = redisConnect("127.0.0.1", port);
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
    setenv("ZOOMTRACK_REDIS_ADDRESS", addr, 1);
    setenv("ZOOMTRACK_DATA_DIR", dir, 1);
    setenv("ZOOMTRACK_DRAIN_CONSUMER", "t", 1);
    setenv("ZOOMTRACK_DRAIN_BATCH_SIZE", "32", 1);
    setenv("ZOOMTRACK_DRAIN_BACKOFF_MIN_MS", "5", 1);
    setenv("ZOOMTRACK_DRAIN_BACKOFF_MAX_MS", "40", 1);

    snprintf(path, sizeof(path), "%s/log", dir);
    zt_log_open(path);

    /* ZT_SPLIT: two bad records in a batch of 20 */
    push(c, 0, 20);
    fake_bad[0] = "r3";
    fake_bad[1] = "r11";
    fake_nbad = 2;

    is_int(run_once(), ZT_OK, "split: --once ends well");
    is_int(fake_nstored, 18, "the 18 good records are stored");
    ok(!stored("r3") && !stored("r11"), "the bad ones are not");
    is_int(llen(c, "zoomtrack:archive:dead"), 2, "both dead-lettered");
    r = redisCommand(c, "LRANGE zoomtrack:archive:dead 0 -1");
    ok(r && r->elements == 2
       && strstr(r->element[0]->str, "row r11 refused")
       && strstr(r->element[0]->str, "\\\"r11\\\"")
       && strstr(r->element[1]->str, "row r3 refused"),
       "each with the sink's reason and its record");
    if (r) {
        freeReplyObject(r);
    }
    is_int(llen(c, "zoomtrack:archive:processing:t"), 0, "all acked");
    ok(fake_writes <= 2 * 5 * 2 + 1, "found by halving (%d writes)",
       fake_writes);

    /* ZT_PAUSE: retried at the longest backoff */
    fake_nbad = 0;
    fake_pause = 2;
    push(c, 20, 25);
    t0 = now_ms();
    is_int(run_once(), ZT_OK, "pause: --once ends well");
    ok(now_ms() - t0 >= 80, "two pauses of backoff_max_ms (%lld ms)",
       (long long) (now_ms() - t0));
    for (i = 20; i < 25; i++) {
        snprintf(id, sizeof(id), "r%d", i);
        if (!stored(id)) {
            break;
        }
    }
    is_int(i, 25, "then stored");
    text = slurp(path);
    ok(strstr(text, "(attempt 1): bucket \"nope\" does not exist; paused, "
              "trying again in 40 ms") != NULL, "the pause is logged");
    free(text);

    /* --once gives up after max_attempts, the batch kept */
    fake_pause = 1000;
    setenv("ZOOMTRACK_DRAIN_MAX_ATTEMPTS", "3", 1);
    push(c, 25, 30);
    is_int(run_once(), ZT_ERROR, "max_attempts: --once fails");
    is_int(llen(c, "zoomtrack:archive:processing:t"), 5,
           "the batch stays in its processing list");
    text = slurp(path);
    ok(strstr(text, "giving up after 3 attempt(s): bucket \"nope\" does "
              "not exist") != NULL, "the reason is logged");
    free(text);
    snprintf(path, sizeof(path), "%s/drain-status.json", dir);
    text = slurp(path);
    ok(strstr(text, "\"state\": \"paused\"") != NULL
       && strstr(text, "\"retries\": 3") != NULL,
       "drain-status.json: paused, 3 retries");
    free(text);

    zt_log_open(NULL);
    redisFree(c);
    stop_redis();

    snprintf(path, sizeof(path), "rm -rf %s", dir);
    (void) system(path);

    return done_testing();
}
