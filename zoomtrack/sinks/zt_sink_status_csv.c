/*
 * zt_sink_status: the live presence CSV (Lookout's zoom-room-dashboard.csv:
 * Username, Status, Last Join, Last Left, then Room and Meeting).  write()
 * folds a batch into the presence state (zt_presence.c), drops the meetings
 * that ended more than [status] keep_hours ago by Zoom's clock, and makes
 * the batch durable before acknowledging, so a restarted drainer carries on
 * and a redelivered batch folds to the same state.  tick() rewrites the CSV
 * at most every status_interval_ms, and only when its content changed.
 *
 * The state on disk is a snapshot plus a journal of the records that
 * changed it (zt_status_store.c): a batch costs its own records, the
 * snapshot is rewritten only when the journal outgrows it.
 *
 * Beside the CSV, the timeline JSON (zt_status_timeline.c) is rewritten
 * with it and at least every [status] heartbeat_s, even when nothing
 * changed, so the board can tell a quiet meeting from a dead drainer.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_time.h"
#include "zt_fs.h"
#include "zt_log.h"
#include "zt_presence.h"
#include "zt_sink.h"
#include "zt_status_store.h"
#include "zt_status_timeline.h"


#define ZT_STATUS_PRUNE_IDLE_MS  60000  /* prune this often when idle */


typedef struct {
    zt_presence_t  *presence;
    char            csv_path[PATH_MAX];
    zt_status_store_t  store;
    char           *tz;
    char           *allowlist;
    int64_t         interval;
    int64_t         keep_ms;
    int64_t         csv_at;        /* when the CSV was last rendered, ms */
    int64_t         pruned_at;     /* wall clock of the last prune, ms */
    int             dirty;         /* the state changed since then */
    int             opened;        /* the store is open */
    char           *csv;           /* what the CSV file holds now */
    size_t          csv_len;
    char            timeline_path[PATH_MAX];
    int64_t         heartbeat;     /* ms */
    int64_t         timeline_at;   /* when the timeline was last written */
    int             timeline_due;  /* the state changed since then */
    int64_t         timeline_cost; /* the last render took this, ms */
    int64_t         timeline_retry; /* monotonic: not before, after a failure */
    int64_t         timeline_delay; /* the next failure's wait, ms */
    zt_timeline_topics_t  *topics;
} zt_status_ctx_t;


static int zt_status_init(const zt_conf_t *conf, void **ctx);
static int zt_status_settings(zt_status_ctx_t *st, const zt_conf_t *conf);
static int zt_status_dirs(zt_status_ctx_t *st);
static int zt_status_write(void *ctx, zt_item_t *items, size_t n);
static int zt_status_control(zt_status_ctx_t *st, const json_t *rec);
static int zt_status_tick(void *ctx, int64_t now_ms);
static void zt_status_exit(void *ctx);
static void zt_status_prune(zt_status_ctx_t *st, int64_t now);
static int zt_status_render(zt_status_ctx_t *st);
static int zt_status_timeline(zt_status_ctx_t *st, int64_t now_ms);


const zt_sink_t  zt_sink_status = {
    "status",
    zt_status_init,
    zt_status_write,
    zt_status_tick,
    zt_status_exit,
    NULL                    /* prepare */
};


static int
zt_status_init(const zt_conf_t *conf, void **ctx)
{
    int               rc;
    char              buf[64];
    zt_status_ctx_t  *st;

    st = calloc(1, sizeof(zt_status_ctx_t));
    if (st == NULL) {
        zt_log_error("[sink:status] out of memory");
        return ZT_ERROR;
    }

    *ctx = st;
    st->store.jfd = -1;
    rc = ZT_ERROR;

    if (zt_status_settings(st, conf) != ZT_OK) {
        goto failed;
    }

    st->tz = strdup(zt_conf_get(conf, "", "timezone"));
    st->allowlist = strdup(zt_conf_get(conf, "", "status_allowlist"));
    st->presence = zt_presence_create();
    st->topics = zt_timeline_topics_create();

    if (st->tz == NULL || st->allowlist == NULL || st->presence == NULL
        || st->topics == NULL)
    {
        zt_log_error("[sink:status] out of memory");
        goto failed;
    }

    if (zt_time_format_tz(0, st->tz, "%Y", buf, sizeof(buf)) != ZT_OK) {
        zt_log_error("[sink:status] unknown timezone \"%s\"", st->tz);
        goto failed;
    }

    /* a folder or a file that cannot be made now: ZT_RETRY */
    rc = zt_status_dirs(st);
    if (rc == ZT_OK) {
        rc = zt_status_store_open(&st->store, st->presence);
    }

    if (rc != ZT_OK) {
        goto failed;
    }

    st->opened = 1;

    zt_status_prune(st, zt_time_now_ms());

    /* an unchanged CSV is not rewritten after a restart */
    st->csv = zt_status_slurp(st->csv_path, &st->csv_len);
    st->dirty = 1;
    st->csv_at = INT64_MIN / 2;
    st->timeline_at = INT64_MIN / 2;
    st->timeline_due = 1;

    zt_log_info("[sink:status] csv \"%s\", state \"%s\", %zu meeting(s) "
                "kept", st->csv_path, st->store.state_path,
                zt_presence_nmeetings(st->presence));

    return ZT_OK;

failed:

    zt_status_exit(st);
    *ctx = NULL;
    return rc;
}


/* the paths and the numbers of [status]; each bad one is logged */
static int
zt_status_settings(zt_status_ctx_t *st, const zt_conf_t *conf)
{
    char     err[256];
    int64_t  keep;

    if (zt_conf_get_path(conf, "status", "file",
                         "_data/zoom-room-dashboard.csv", st->csv_path,
                         sizeof(st->csv_path)) != ZT_OK
        || zt_conf_get_path(conf, "status", "state", "status-state.json",
                            st->store.state_path,
                            sizeof(st->store.state_path))
           != ZT_OK
        || zt_conf_get_path(conf, "status", "timeline",
                            "_data/zoom-room-timeline.json",
                            st->timeline_path, sizeof(st->timeline_path))
           != ZT_OK)
    {
        zt_log_error("[sink:status] status.file, status.state or "
                     "status.timeline too long");
        return ZT_ERROR;
    }

    if (zt_conf_get_num(conf, "status", "heartbeat_s", &st->heartbeat, err,
                        sizeof(err)) != ZT_OK
        || zt_conf_get_num(conf, "", "status_interval_ms", &st->interval,
                           err, sizeof(err)) != ZT_OK
        || zt_conf_get_num(conf, "status", "keep_hours", &keep, err,
                           sizeof(err)) != ZT_OK)
    {
        zt_log_error("[sink:status] %s", err);
        return ZT_ERROR;
    }

    st->heartbeat *= 1000;

    st->keep_ms = keep * 3600 * 1000;

    return ZT_OK;
}


/* the parent folders of the CSV, the state and the timeline; ZT_RETRY */
static int
zt_status_dirs(zt_status_ctx_t *st)
{
    int          i;
    char         dir[PATH_MAX];
    const char  *path;

    for (i = 0; i < 3; i++) {
        path = i == 2 ? st->timeline_path
               : i ? st->store.state_path : st->csv_path;
        if (zt_fs_mkdirs(path, ZT_FS_PARENT, dir, sizeof(dir)) != ZT_OK) {
            zt_log_error("[sink:status] cannot create \"%s\": %s", dir,
                         strerror(errno));
            return ZT_RETRY;
        }
    }

    return ZT_OK;
}


/*
 * `zoomtrack forget` pushes {"control":"forget","person_keys":[...]} to
 * this queue (the module never writes a "control" member): the people go
 * from the live state, and the next commit is a snapshot, so the journal
 * lines that named them go too.  Returns 1 for a control record.
 */
static int
zt_status_control(zt_status_ctx_t *st, const json_t *rec)
{
    size_t        i, gone;
    const char   *what;
    json_t       *keys;

    what = json_string_value(json_object_get(rec, "control"));
    if (what == NULL) {
        return 0;
    }

    if (strcmp(what, "forget") != 0) {
        zt_log_warn("[sink:status] unknown control record \"%s\" ignored",
                    what);
        return 1;
    }

    gone = 0;
    keys = json_object_get(rec, "person_keys");

    for (i = 0; i < json_array_size(keys); i++) {
        what = json_string_value(json_array_get(keys, i));
        if (what) {
            gone += zt_presence_forget(st->presence, what);
        }
    }

    st->dirty = 1;
    st->store.snapshot = 1;
    zt_log_info("[sink:status] forget: %zu entr%s removed", gone,
                gone == 1 ? "y" : "ies");

    return 1;
}


static int
zt_status_write(void *ctx, zt_item_t *items, size_t n)
{
    int               rc;
    size_t            i;
    zt_status_ctx_t  *st = ctx;

    st->store.jbuf_len = 0;

    for (i = 0; i < n; i++) {
        if (zt_status_control(st, items[i].rec)) {
            continue;
        }

        rc = zt_presence_fold(st->presence, items[i].rec);

        if (rc > 0) {
            st->dirty = 1;
            rc = zt_status_store_add(&st->store, items[i].rec);
        }

        if (rc == ZT_ERROR) {
            /* what was folded is not on disk: a redelivery changes
             * nothing, so only a snapshot can save it now */
            st->store.snapshot = 1;
            zt_log_error("[sink:status] out of memory folding a record");
            return ZT_RETRY;
        }

        /* the timeline shows the topic, which the state does not keep */
        if (zt_timeline_topics_note(st->topics, items[i].rec) != ZT_OK) {
            zt_log_error("[sink:status] out of memory noting a topic");
            return ZT_RETRY;
        }
    }

    zt_status_prune(st, zt_time_now_ms());

    return zt_status_store_commit(&st->store, st->presence) == ZT_OK
           ? ZT_OK : ZT_RETRY;
}


static int
zt_status_tick(void *ctx, int64_t now_ms)
{
    int               rc;
    int64_t           now;
    zt_status_ctx_t  *st = ctx;

    rc = ZT_OK;

    /* an idle drainer still lets ended meetings go */
    now = zt_time_now_ms();
    if (now < st->pruned_at || now - st->pruned_at >= ZT_STATUS_PRUNE_IDLE_MS)
    {
        zt_status_prune(st, now);
    }

    /* a clock stepped back does not hold the CSV for that long */
    if (st->dirty
        && !(now_ms >= st->csv_at && now_ms - st->csv_at < st->interval))
    {
        st->csv_at = now_ms;
        st->timeline_due = 1;
        rc = zt_status_render(st);
    }

    /*
     * the heartbeat: rewritten even when nothing changed; a change waits
     * ten times the last render's cost, so a huge state (thousands of
     * live people) never keeps the sink busy rendering more than a tenth
     * of its time
     */
    if (zt_time_monotonic_ms() < st->timeline_retry) {
        return ZT_ERROR;
    }

    if (now_ms < st->timeline_at
        || now_ms - st->timeline_at >= st->heartbeat
        || (st->timeline_due
            && now_ms - st->timeline_at >= 10 * st->timeline_cost))
    {
        if (zt_status_timeline(st, now_ms) != ZT_OK) {
            rc = ZT_ERROR;
        }
    }

    return rc;
}


static void
zt_status_exit(void *ctx)
{
    zt_status_ctx_t  *st = ctx;

    if (st == NULL) {
        return;
    }

    if (st->opened && st->dirty) {
        (void) zt_status_render(st);
        (void) zt_status_timeline(st, zt_time_now_ms());
    }

    zt_status_store_close(&st->store, st->opened ? st->presence : NULL);

    zt_presence_free(st->presence);
    zt_timeline_topics_free(st->topics);
    free(st->tz);
    free(st->allowlist);
    free(st->csv);
    free(st);
}


/* drops the meetings that ended before the keep window; Zoom's times */
static void
zt_status_prune(zt_status_ctx_t *st, int64_t now)
{
    size_t  n;

    st->pruned_at = now;

    n = zt_presence_prune(st->presence, now - st->keep_ms,
                          now - ZT_PRESENCE_SILENT_MS);
    if (n) {
        st->dirty = 1;
        zt_log_debug("[sink:status] %zu meeting(s) ended more than "
                     "keep_hours ago (or silent for 30 hours) dropped", n);
    }
}


/* renders the CSV and replaces the file if its content differs */
static int
zt_status_render(zt_status_ctx_t *st)
{
    FILE    *f;
    char    *buf;
    size_t   len;

    buf = NULL;
    len = 0;

    f = open_memstream(&buf, &len);
    if (f == NULL) {
        zt_log_error("[sink:status] open_memstream: %s", strerror(errno));
        return ZT_ERROR;
    }

    if (zt_presence_csv(st->presence, f, st->tz, st->allowlist) != ZT_OK) {
        fclose(f);
        free(buf);
        zt_log_error("[sink:status] cannot render the CSV");
        return ZT_ERROR;
    }

    fclose(f);

    if (st->csv && st->csv_len == len && memcmp(st->csv, buf, len) == 0) {
        free(buf);
        st->dirty = 0;
        return ZT_OK;
    }

    /* served by nginx: [drain] file_mode may open it to nginx's group */
    if (zt_status_replace(st->csv_path, buf, len,
                          (mode_t) zt_fs_file_mode()) != ZT_OK)
    {
        free(buf);
        return ZT_ERROR;
    }

    free(st->csv);
    st->csv = buf;
    st->csv_len = len;
    st->dirty = 0;

    zt_log_debug("[sink:status] wrote \"%s\" (%zu bytes)", st->csv_path, len);

    return ZT_OK;
}


/*
 * Writes the timeline JSON; its generated_at is the heartbeat.  A failure
 * is logged and retried at the next tick.
 */
static int
zt_status_timeline(zt_status_ctx_t *st, int64_t now_ms)
{
    int                  rc;
    char                *buf;
    size_t               len;
    zt_timeline_opts_t   o;

    o.tz = st->tz;
    o.allowlist = st->allowlist;
    o.now_ms = now_ms;
    o.heartbeat_s = st->heartbeat / 1000;
    o.keep_ms = ZT_TIMELINE_KEEP_MS;
    o.topics = st->topics;

    if (zt_timeline_render(st->presence, &o, &buf, &len) != ZT_OK) {
        zt_log_error("[sink:status] cannot render the timeline");
        return ZT_ERROR;
    }

    st->timeline_cost = zt_time_now_ms() - now_ms;

    /* served to browsers like the CSV ([drain] file_mode), no emails */
    rc = zt_status_replace(st->timeline_path, buf, len,
                           (mode_t) zt_fs_file_mode());
    free(buf);

    if (rc == ZT_OK) {
        st->timeline_at = now_ms;
        st->timeline_due = 0;
        st->timeline_retry = 0;
        st->timeline_delay = 0;
        zt_log_debug("[sink:status] wrote \"%s\" (%zu bytes)",
                     st->timeline_path, len);
        return ZT_OK;
    }

    /* an unwritable directory: tried again after 1 s doubling to a
     * minute, not at every tick (a log line each 50 ms) */
    st->timeline_delay = st->timeline_delay
                         ? (st->timeline_delay < 30000
                            ? st->timeline_delay * 2 : 60000)
                         : 1000;
    st->timeline_retry = zt_time_monotonic_ms() + st->timeline_delay;

    return rc;
}


