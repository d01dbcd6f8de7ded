/*
 * zt_sink_status: the live presence CSV (Lookout's zoom-room-dashboard.csv:
 * Username, Status, Last Join, Last Left, then Room and Meeting).  write()
 * folds a batch into the presence state (zt_presence.c), drops the meetings
 * that ended more than [status] keep_hours ago by Zoom's clock, and makes
 * the batch durable before acknowledging, so a restarted drainer carries on
 * and a redelivered batch folds to the same state.  tick() rewrites the CSV
 * at most every status_interval_ms, and only when its content changed.
 *
 * The state on disk is a snapshot (STATE, zt_presence_to_json()) and a
 * journal (STATE.journal): one line per record that changed the state,
 * the fields the fold reads, appended and fdatasync()ed once per batch.
 * Folding is a union, so the state is the snapshot with every journal line
 * folded in again.  When the journal outgrows the snapshot (and
 * ZT_STATUS_JOURNAL_MIN) the live state is written as a new snapshot and
 * the journal emptied, so a batch costs its own records plus, amortised,
 * a share of the live set, never the history.  A journal line cut short by
 * a crash was never acknowledged: it is cut off at load.  Whole files are
 * replaced atomically: temp file, fsync, rename, fsync of the directory.
 *
 * Beside the CSV, the timeline JSON (zt_status_timeline.c) is rewritten
 * with it and at least every [status] heartbeat_s, even when nothing
 * changed, so the board can tell a quiet meeting from a dead drainer.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "zt_time.h"
#include "zt_fs.h"
#include "zt_log.h"
#include "zt_presence.h"
#include "zt_sink.h"
#include "zt_status_timeline.h"


#define ZT_STATUS_JOURNAL_MIN   (1024 * 1024)
#define ZT_STATUS_PRUNE_IDLE_MS  60000  /* prune this often when idle */


typedef struct {
    zt_presence_t  *presence;
    char            csv_path[PATH_MAX];
    char            state_path[PATH_MAX];
    char            journal_path[PATH_MAX + 16];
    char           *tz;
    char           *allowlist;
    int64_t         interval;
    int64_t         keep_ms;
    int64_t         csv_at;        /* when the CSV was last rendered, ms */
    int64_t         pruned_at;     /* wall clock of the last prune, ms */
    int             dirty;         /* the state changed since then */
    int             snapshot;      /* the next save must be a snapshot */
    int             jfd;           /* the journal, O_APPEND; -1: closed */
    off_t           jlen;          /* its bytes, all whole lines */
    size_t          slen;          /* bytes of the last snapshot */
    char           *jbuf;          /* a batch's journal lines */
    size_t          jbuf_len;
    size_t          jbuf_cap;
    char           *csv;           /* what the CSV file holds now */
    size_t          csv_len;
    char            timeline_path[PATH_MAX];
    int64_t         heartbeat;     /* ms */
    int64_t         timeline_at;   /* when the timeline was last written */
    int             timeline_due;  /* the state changed since then */
    int64_t         timeline_cost; /* the last render took this, ms */
    zt_timeline_topics_t  *topics;
} zt_status_ctx_t;


/* the record members zt_presence_fold() reads: what a journal line keeps */
static const char  *zt_status_fields[] = {
    "event_type", "event_ts", "meeting_uuid", "meeting_id",
    "participant_id", "registrant_id", "participant_name",
    "participant_email", "breakout_room_uuid"
};

#define ZT_STATUS_NFIELDS  (sizeof(zt_status_fields) / sizeof(char *))


static int zt_status_init(const zt_conf_t *conf, void **ctx);
static int zt_status_write(void *ctx, zt_item_t *items, size_t n);
static int zt_status_tick(void *ctx, int64_t now_ms);
static void zt_status_exit(void *ctx);
static int zt_status_load(zt_status_ctx_t *st);
static int zt_status_replay(zt_status_ctx_t *st);
static int zt_status_journal_open(zt_status_ctx_t *st);
static int zt_status_journal_add(zt_status_ctx_t *st, const json_t *rec);
static int zt_status_journal_write(zt_status_ctx_t *st);
static int zt_status_save(zt_status_ctx_t *st);
static void zt_status_prune(zt_status_ctx_t *st, int64_t now);
static int zt_status_fsync_dir(const char *path);
static int zt_status_render(zt_status_ctx_t *st);
static int zt_status_timeline(zt_status_ctx_t *st, int64_t now_ms);
static int zt_status_replace(const char *path, const char *data, size_t len,
    mode_t mode);
static char *zt_status_slurp(const char *path, size_t *len);


const zt_sink_t  zt_sink_status = {
    "status",
    zt_status_init,
    zt_status_write,
    zt_status_tick,
    zt_status_exit
};


static int
zt_status_init(const zt_conf_t *conf, void **ctx)
{
    int               i;
    char              buf[64], dir[PATH_MAX];
    int64_t           keep;
    const char       *path;
    zt_status_ctx_t  *st;

    st = calloc(1, sizeof(zt_status_ctx_t));
    if (st == NULL) {
        zt_log_error("[sink:status] out of memory");
        return ZT_ERROR;
    }

    *ctx = st;
    st->jfd = -1;

    if (zt_conf_get_path(conf, "status", "file",
                         "_data/zoom-room-dashboard.csv", st->csv_path,
                         sizeof(st->csv_path)) != ZT_OK
        || zt_conf_get_path(conf, "status", "state", "status-state.json",
                            st->state_path, sizeof(st->state_path))
           != ZT_OK
        || zt_conf_get_path(conf, "status", "timeline",
                            "_data/zoom-room-timeline.json",
                            st->timeline_path, sizeof(st->timeline_path))
           != ZT_OK)
    {
        zt_log_error("[sink:status] status.file, status.state or "
                     "status.timeline too long");
        goto failed;
    }

    snprintf(st->journal_path, sizeof(st->journal_path), "%s.journal",
             st->state_path);

    if (zt_conf_get_int(conf, "status", "heartbeat_s", &st->heartbeat)
        != ZT_OK || st->heartbeat < 1 || st->heartbeat > 86400)
    {
        zt_log_error("[sink:status] invalid status.heartbeat_s \"%s\" "
                     "(1 to 86400 seconds)",
                     zt_conf_get(conf, "status", "heartbeat_s"));
        goto failed;
    }

    st->heartbeat *= 1000;

    if (zt_conf_get_int(conf, "", "status_interval_ms", &st->interval)
        != ZT_OK || st->interval < 0)
    {
        zt_log_error("[sink:status] invalid status_interval_ms \"%s\"",
                     zt_conf_get(conf, "", "status_interval_ms"));
        goto failed;
    }

    /* a century of hours at most: keep_ms stays far from overflow */
    if (zt_conf_get_int(conf, "status", "keep_hours", &keep) != ZT_OK
        || keep < 0 || keep > 24 * 366 * 100)
    {
        zt_log_error("[sink:status] invalid status.keep_hours \"%s\" "
                     "(hours, 0 to 878400)",
                     zt_conf_get(conf, "status", "keep_hours"));
        goto failed;
    }

    st->keep_ms = keep * 3600 * 1000;

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

    for (i = 0; i < 3; i++) {
        path = i == 2 ? st->timeline_path
               : i ? st->state_path : st->csv_path;
        if (zt_fs_mkdirs(path, ZT_FS_PARENT, dir, sizeof(dir)) != ZT_OK) {
            zt_log_error("[sink:status] cannot create \"%s\": %s", dir,
                         strerror(errno));
            goto failed;
        }
    }

    if (zt_status_load(st) != ZT_OK || zt_status_replay(st) != ZT_OK
        || zt_status_journal_open(st) != ZT_OK)
    {
        goto failed;
    }

    zt_status_prune(st, zt_time_now_ms());

    /* an unchanged CSV is not rewritten after a restart */
    st->csv = zt_status_slurp(st->csv_path, &st->csv_len);
    st->dirty = 1;
    st->csv_at = INT64_MIN / 2;
    st->timeline_at = INT64_MIN / 2;
    st->timeline_due = 1;

    zt_log_info("[sink:status] csv \"%s\", state \"%s\", %zu meeting(s) "
                "kept", st->csv_path, st->state_path,
                zt_presence_nmeetings(st->presence));

    return ZT_OK;

failed:

    zt_status_exit(st);
    *ctx = NULL;
    return ZT_ERROR;
}


static int
zt_status_write(void *ctx, zt_item_t *items, size_t n)
{
    int               rc;
    size_t            i;
    zt_status_ctx_t  *st = ctx;

    st->jbuf_len = 0;

    for (i = 0; i < n; i++) {
        rc = zt_presence_fold(st->presence, items[i].rec);

        if (rc > 0) {
            st->dirty = 1;
            rc = st->snapshot ? ZT_OK
                              : zt_status_journal_add(st, items[i].rec);
        }

        if (rc == ZT_ERROR) {
            /* what was folded is not on disk: a redelivery changes
             * nothing, so only a snapshot can save it now */
            st->snapshot = 1;
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

    if (st->snapshot
        || (st->jlen > ZT_STATUS_JOURNAL_MIN && (size_t) st->jlen > st->slen))
    {
        return zt_status_save(st) == ZT_OK ? ZT_OK : ZT_RETRY;
    }

    return zt_status_journal_write(st) == ZT_OK ? ZT_OK : ZT_RETRY;
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

    if (st->presence && st->jfd != -1) {
        if (st->snapshot) {
            (void) zt_status_save(st);
        }

        if (st->dirty) {
            (void) zt_status_render(st);
            (void) zt_status_timeline(st, zt_time_now_ms());
        }
    }

    if (st->jfd != -1) {
        close(st->jfd);
    }

    zt_presence_free(st->presence);
    zt_timeline_topics_free(st->topics);
    free(st->tz);
    free(st->allowlist);
    free(st->jbuf);
    free(st->csv);
    free(st);
}


/* drops the meetings that ended before the keep window; Zoom's times */
static void
zt_status_prune(zt_status_ctx_t *st, int64_t now)
{
    size_t  n;

    st->pruned_at = now;

    n = zt_presence_prune(st->presence, now - st->keep_ms);
    if (n) {
        st->dirty = 1;
        zt_log_debug("[sink:status] %zu meeting(s) ended more than "
                     "keep_hours ago dropped", n);
    }
}


/* a missing state file is an empty state; a corrupt one is an error */
static int
zt_status_load(zt_status_ctx_t *st)
{
    json_t        *j;
    struct stat    sb;
    json_error_t   jerr;

    if (stat(st->state_path, &sb) != 0) {
        if (errno == ENOENT) {
            return ZT_OK;
        }
        sb.st_size = 0;
    }

    j = json_load_file(st->state_path, 0, &jerr);
    if (j == NULL) {
        zt_log_error("[sink:status] cannot load state \"%s\": %s (line %d); "
                     "move it away to start with an empty state",
                     st->state_path, jerr.text, jerr.line);
        return ZT_ERROR;
    }

    if (zt_presence_from_json(st->presence, j) != ZT_OK) {
        zt_log_error("[sink:status] malformed state \"%s\"; move it away "
                     "to start with an empty state", st->state_path);
        json_decref(j);
        return ZT_ERROR;
    }

    json_decref(j);
    st->slen = (size_t) sb.st_size;

    return ZT_OK;
}


/*
 * Folds every whole line of the journal into the state.  A last line
 * without its newline is a write cut short by a crash, never acknowledged:
 * it is cut off.  Any other bad line is an error, as a corrupt snapshot.
 */
static int
zt_status_replay(zt_status_ctx_t *st)
{
    char          *buf, *line, *nl;
    size_t         len, lineno;
    json_t        *rec;
    json_error_t   jerr;

    buf = zt_status_slurp(st->journal_path, &len);
    if (buf == NULL) {
        if (access(st->journal_path, F_OK) == 0) {
            zt_log_error("[sink:status] cannot read \"%s\": %s",
                         st->journal_path, strerror(errno));
            return ZT_ERROR;
        }
        return ZT_OK;
    }

    lineno = 0;

    for (line = buf; line < buf + len; line = nl + 1) {
        nl = memchr(line, '\n', (size_t) (buf + len - line));
        if (nl == NULL) {
            zt_log_warn("[sink:status] \"%s\": dropping a line cut short "
                        "(%zu bytes)", st->journal_path,
                        (size_t) (buf + len - line));
            break;
        }

        lineno++;

        rec = json_loadb(line, (size_t) (nl - line), 0, &jerr);
        if (rec == NULL || zt_presence_fold(st->presence, rec) == ZT_ERROR) {
            zt_log_error("[sink:status] corrupt journal \"%s\" (line %zu); "
                         "move it away to start from the snapshot",
                         st->journal_path, lineno);
            json_decref(rec);
            free(buf);
            return ZT_ERROR;
        }

        json_decref(rec);
    }

    st->jlen = (off_t) (line - buf);
    free(buf);

    if (st->jlen < (off_t) len && truncate(st->journal_path, st->jlen) != 0)
    {
        zt_log_error("[sink:status] cannot truncate \"%s\": %s",
                     st->journal_path, strerror(errno));
        return ZT_ERROR;
    }

    return ZT_OK;
}


static int
zt_status_journal_open(zt_status_ctx_t *st)
{
    int  created;

    created = access(st->journal_path, F_OK) != 0;

    /* the journal holds emails: owner only */
    st->jfd = open(st->journal_path,
                   O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (st->jfd == -1) {
        zt_log_error("[sink:status] cannot open \"%s\": %s",
                     st->journal_path, strerror(errno));
        return ZT_ERROR;
    }

    if (created && zt_status_fsync_dir(st->journal_path) != ZT_OK) {
        return ZT_ERROR;
    }

    return ZT_OK;
}


/* one line: the members of rec the fold reads, as compact JSON */
static int
zt_status_journal_add(zt_status_ctx_t *st, const json_t *rec)
{
    char    *s, *b;
    size_t   i, len, cap;
    json_t  *o, *v;

    o = json_object();
    if (o == NULL) {
        return ZT_ERROR;
    }

    for (i = 0; i < ZT_STATUS_NFIELDS; i++) {
        v = json_object_get(rec, zt_status_fields[i]);
        if (v && json_object_set(o, zt_status_fields[i], v) != 0) {
            json_decref(o);
            return ZT_ERROR;
        }
    }

    s = json_dumps(o, JSON_COMPACT);
    json_decref(o);

    if (s == NULL) {
        return ZT_ERROR;
    }

    len = strlen(s);

    if (st->jbuf_len + len + 1 > st->jbuf_cap) {
        cap = (st->jbuf_len + len + 1) * 2;
        b = realloc(st->jbuf, cap);
        if (b == NULL) {
            free(s);
            return ZT_ERROR;
        }
        st->jbuf = b;
        st->jbuf_cap = cap;
    }

    memcpy(st->jbuf + st->jbuf_len, s, len);
    st->jbuf[st->jbuf_len + len] = '\n';
    st->jbuf_len += len + 1;
    free(s);

    return ZT_OK;
}


/*
 * Appends the batch's lines and makes them durable.  On failure the
 * journal is cut back to its last whole line and the next save is a
 * snapshot: the fold already holds the batch, so its redelivery adds no
 * lines.
 */
static int
zt_status_journal_write(zt_status_ctx_t *st)
{
    size_t   off;
    ssize_t  w;

    if (st->jbuf_len == 0) {
        return ZT_OK;
    }

    for (off = 0; off < st->jbuf_len; off += (size_t) w) {
        w = write(st->jfd, st->jbuf + off, st->jbuf_len - off);
        if (w < 0) {
            if (errno == EINTR) {
                w = 0;
                continue;
            }
            goto failed;
        }
    }

    if (fdatasync(st->jfd) != 0) {
        goto failed;
    }

    st->jlen += (off_t) st->jbuf_len;

    return ZT_OK;

failed:

    zt_log_error("[sink:status] cannot append to \"%s\": %s",
                 st->journal_path, strerror(errno));
    (void) ftruncate(st->jfd, st->jlen);
    st->snapshot = 1;
    return ZT_ERROR;
}


/*
 * Writes the whole live state as the snapshot, then empties the journal
 * (a crash between the two only replays lines the snapshot holds).
 */
static int
zt_status_save(zt_status_ctx_t *st)
{
    int      rc;
    char    *s;
    size_t   len;
    json_t  *j;

    j = zt_presence_to_json(st->presence);
    s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);

    if (s == NULL) {
        zt_log_error("[sink:status] out of memory saving the state");
        st->snapshot = 1;
        return ZT_ERROR;
    }

    /* the state holds emails: owner only */
    len = strlen(s);
    rc = zt_status_replace(st->state_path, s, len, 0600);
    free(s);

    if (rc != ZT_OK) {
        st->snapshot = 1;
        return ZT_ERROR;
    }

    st->slen = len;

    if (ftruncate(st->jfd, 0) != 0 || fsync(st->jfd) != 0) {
        zt_log_error("[sink:status] cannot empty \"%s\": %s",
                     st->journal_path, strerror(errno));
        st->snapshot = 1;
        return ZT_ERROR;
    }

    st->jlen = 0;
    st->snapshot = 0;

    zt_log_debug("[sink:status] snapshot \"%s\" (%zu bytes)",
                 st->state_path, len);

    return ZT_OK;
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

    /* the CSV is served to browsers: world-readable */
    if (zt_status_replace(st->csv_path, buf, len, 0644) != ZT_OK) {
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

    /* served to browsers like the CSV: world-readable, no emails */
    rc = zt_status_replace(st->timeline_path, buf, len, 0644);
    free(buf);

    if (rc == ZT_OK) {
        st->timeline_at = now_ms;
        st->timeline_due = 0;
        zt_log_debug("[sink:status] wrote \"%s\" (%zu bytes)",
                     st->timeline_path, len);
    }

    return rc;
}


/* temp file in the same directory, fsync, rename, fsync the directory */
static int
zt_status_replace(const char *path, const char *data, size_t len, mode_t mode)
{
    int       fd;
    char      tmp[PATH_MAX + 32];
    size_t    off;
    ssize_t   w;

    if ((size_t) snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path,
                          (long) getpid()) >= sizeof(tmp))
    {
        zt_log_error("[sink:status] path too long \"%s\"", path);
        return ZT_ERROR;
    }

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        zt_log_error("[sink:status] open \"%s\": %s", tmp, strerror(errno));
        return ZT_ERROR;
    }

    for (off = 0; off < len; off += (size_t) w) {
        w = write(fd, data + off, len - off);
        if (w < 0) {
            if (errno == EINTR) {
                w = 0;
                continue;
            }
            goto failed;
        }
    }

    if (fchmod(fd, mode) != 0 || fsync(fd) != 0) {
        goto failed;
    }

    if (close(fd) != 0) {
        fd = -1;
        goto failed;
    }

    fd = -1;

    if (rename(tmp, path) != 0) {
        goto failed;
    }

    if (zt_status_fsync_dir(path) != ZT_OK) {
        return ZT_ERROR;
    }

    return ZT_OK;

failed:

    zt_log_error("[sink:status] cannot write \"%s\": %s", path,
                 strerror(errno));
    if (fd >= 0) {
        close(fd);
    }
    unlink(tmp);
    return ZT_ERROR;
}


/* fsyncs the directory holding path, so a new entry in it is durable */
static int
zt_status_fsync_dir(const char *path)
{
    int    fd, rc;
    char   dir[PATH_MAX + 16], *slash;

    snprintf(dir, sizeof(dir), "%s", path);
    slash = strrchr(dir, '/');
    if (slash == NULL) {
        snprintf(dir, sizeof(dir), ".");

    } else if (slash == dir) {
        dir[1] = '\0';

    } else {
        *slash = '\0';
    }

    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        zt_log_error("[sink:status] cannot open \"%s\": %s", dir,
                     strerror(errno));
        return ZT_ERROR;
    }

    rc = fsync(fd);
    close(fd);

    if (rc != 0) {
        zt_log_error("[sink:status] fsync(\"%s\") failed: %s", dir,
                     strerror(errno));
        return ZT_ERROR;
    }

    return ZT_OK;
}


/* the whole file, malloc()ed; NULL when it does not exist */
static char *
zt_status_slurp(const char *path, size_t *len)
{
    FILE    *f;
    char    *buf;
    size_t   n;
    long     size;

    f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }

    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        fclose(f);
        return NULL;
    }

    buf = malloc((size_t) size + 1);
    if (buf == NULL) {
        fclose(f);
        return NULL;
    }

    n = fread(buf, 1, (size_t) size, f);
    fclose(f);

    if (n != (size_t) size) {
        free(buf);
        return NULL;
    }

    *len = n;
    return buf;
}
