/*
 * zt_sink_chat: presence changes posted to a Mattermost or Slack incoming
 * webhook ([chat] url_file; the URL is a secret and is never logged).
 *
 * The engine gives the sink its own queue, backoff and dead letters like
 * every sink, but a chat server must not hold the queue while changes are
 * coalesced or while it is down, so the sink keeps its own durable state
 * (DATA/chat-state.json, 0600: names are personal data):
 *
 *   write()  folds the batch into the state (zt_chat_msg.c: presence per
 *            meeting, and the changes not said yet in "pending"), records
 *            each folded event_id in "seen" and saves the state, and only
 *            then lets the engine ack.  A crash before the save redelivers
 *            the batch onto the saved state; after it, "seen" skips the
 *            records a redelivery brings again.  Nothing is lost, nothing
 *            is folded twice.
 *   tick()   once the oldest pending change is [chat] interval old,
 *            composes one message from everything pending, moves it to
 *            "outbox" under the next message id ("seq"), saves, and only
 *            then posts it; on a 2xx the id becomes "sent", leaves the
 *            outbox, and the state is saved again.  A message is posted
 *            only when the state that holds it is on disk, so a restart
 *            posts the same message again only if the drainer died between
 *            the chat server's answer and that second save (microseconds;
 *            incoming webhooks have no idempotency key to close that gap).
 *
 * Answers: 2xx sent; 429 waits for Retry-After (Slack's), else backoff;
 * 5xx, 408 and transport errors retry with capped exponential backoff
 * ([drain] backoff_*); 400/413/422 (this message can never be posted) go
 * to DATA/chat-dead.ndjson with a log line (appended under flock():
 * `zoomtrack forget` rewrites that file); other 4xx, and a 400 that names
 * the webhook (URL revoked, channel archived: zt_chat_message_refused())
 * pause the sink for backoff_max_ms with a log line
 * each time, holding every message.  A POST blocks only this sink's
 * thread, for at most [chat] timeout_ms.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "zt_time.h"
#include "zt_chat_msg.h"
#include "zt_fs.h"
#include "zt_http.h"
#include "zt_log.h"
#include "zt_sink.h"


/* event_ids remembered against redelivery: several batches' worth */
#define ZT_CHAT_SEEN_MAX      8192
/* Slack allows about one message a second per webhook */
#define ZT_CHAT_SPACING_MS    1000
/* meetings idle this long leave the state */
#define ZT_CHAT_KEEP_MS       (2 * 86400 * 1000LL)


typedef struct {
    json_t          *state;
    json_t          *seen;           /* event_id -> true, over "seen" */
    char             state_path[PATH_MAX];
    char             dead_path[PATH_MAX];
    char            *url;            /* a secret: never logged */
    char            *channel;
    char            *username;
    char            *icon_url;
    char            *tz;
    char            *allowlist;
    zt_chat_opts_t   opts;
    int64_t          interval;       /* ms */
    int64_t          backoff_min;
    int64_t          backoff_max;
    int64_t          timeout;        /* ms, per POST */
    zt_http_t        http;
    int              http_ready;
    int              unsaved;        /* the state file is behind memory */
    int64_t          next_try;       /* no POST before this, ms */
    unsigned         attempt;        /* failed POSTs of the outbox head */
    unsigned short   rng[3];
} zt_chat_t;


static int zt_chat_init(const zt_conf_t *conf, void **ctx);
static int zt_chat_conf(zt_chat_t *ch, const zt_conf_t *conf);
static int zt_chat_write(void *ctx, zt_item_t *items, size_t n);
static int zt_chat_tick(void *ctx, int64_t now_ms);
static void zt_chat_exit(void *ctx);
static int zt_chat_load(zt_chat_t *ch);
static int zt_chat_save(zt_chat_t *ch);
static int zt_chat_seen_add(zt_chat_t *ch, const char *event_id);
static int zt_chat_control(zt_chat_t *ch, const json_t *rec);
static int zt_chat_post(zt_chat_t *ch);
static void zt_chat_answer(zt_chat_t *ch, const zt_http_resp_t *r,
    json_int_t id, int64_t now_ms);
static void zt_chat_dead(zt_chat_t *ch, const json_t *msg, long status,
    int64_t now_ms);
static int zt_chat_dead_open(const char *path);
static void zt_chat_snippet(const char *body, char *out, size_t outlen);
static int zt_chat_message_refused(long status, const char *body);


const zt_sink_t  zt_sink_chat = {
    "chat",
    zt_chat_init,
    zt_chat_write,
    zt_chat_tick,
    zt_chat_exit,
    NULL                    /* prepare */
};


static int
zt_chat_init(const zt_conf_t *conf, void **ctx)
{
    char        dir[PATH_MAX], buf[16], *slash;
    zt_chat_t  *ch;

    ch = calloc(1, sizeof(zt_chat_t));
    if (ch == NULL) {
        zt_log_error("[sink:chat] out of memory");
        return ZT_ERROR;
    }

    *ctx = ch;
    ch->rng[0] = (unsigned short) getpid();
    ch->rng[1] = (unsigned short) time(NULL);
    ch->rng[2] = 0x2a;

    if (zt_chat_conf(ch, conf) != ZT_OK) {
        goto failed;
    }

    /* sets the process time zone once, before the sink threads start */
    if (zt_time_format_tz(0, ch->tz, "%Y", buf, sizeof(buf)) != ZT_OK) {
        zt_log_error("[sink:chat] unknown timezone \"%s\"", ch->tz);
        goto failed;
    }

    if (zt_fs_mkdirs(ch->state_path, ZT_FS_PARENT, dir, sizeof(dir))
        != ZT_OK)
    {
        zt_log_error("[sink:chat] cannot create \"%s\": %s", dir,
                     strerror(errno));
        zt_chat_exit(ch);
        *ctx = NULL;
        return ZT_RETRY;
    }

    /* refused messages go beside the state file */
    snprintf(dir, sizeof(dir), "%s", ch->state_path);
    slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
    } else {
        snprintf(dir, sizeof(dir), ".");
    }

    if ((size_t) snprintf(ch->dead_path, sizeof(ch->dead_path),
                          "%s/chat-dead.ndjson", dir)
        >= sizeof(ch->dead_path))
    {
        zt_log_error("[sink:chat] chat.state too long");
        goto failed;
    }

    if (zt_chat_load(ch) != ZT_OK) {
        goto failed;
    }

    if (zt_http_global_init() != ZT_OK
        || zt_http_init(&ch->http, (long) ch->timeout, 0) != ZT_OK)
    {
        zt_log_error("[sink:chat] cannot initialise libcurl");
        goto failed;
    }

    ch->http_ready = 1;

    zt_log_info("[sink:chat] state \"%s\"; %zu message(s) waiting, "
                "%zu change(s) pending", ch->state_path,
                json_array_size(json_object_get(ch->state, "outbox")),
                json_array_size(json_object_get(ch->state, "pending")));

    return ZT_OK;

failed:

    zt_chat_exit(ch);
    *ctx = NULL;
    return ZT_ERROR;
}


static int
zt_chat_conf(zt_chat_t *ch, const zt_conf_t *conf)
{
    char     err[512];
    int64_t  max_lines;

    ch->url = zt_conf_get_secret(conf, "chat", "url", err, sizeof(err));
    if (ch->url == NULL) {
        zt_log_error("[sink:chat] %s", err);
        return ZT_ERROR;
    }

    if (strncmp(ch->url, "https://", 8) != 0
        && strncmp(ch->url, "http://", 7) != 0)
    {
        /* the value itself is a secret: only say what is wrong */
        zt_log_error("[sink:chat] the URL in chat.url_file does not start "
                     "with https:// or http://");
        return ZT_ERROR;
    }

    if (zt_chat_parse_events(zt_conf_get(conf, "chat", "events"),
                             &ch->opts.mask) != ZT_OK)
    {
        zt_log_error("[sink:chat] chat.events \"%s\": a comma-separated "
                     "list of joins, leaves, rooms, meetings",
                     zt_conf_get(conf, "chat", "events"));
        return ZT_ERROR;
    }

    if (zt_conf_get_int(conf, "chat", "interval", &ch->interval) != ZT_OK
        || ch->interval < 1 || ch->interval > 3600)
    {
        zt_log_error("[sink:chat] chat.interval \"%s\" must be 1 to 3600 "
                     "seconds", zt_conf_get(conf, "chat", "interval"));
        return ZT_ERROR;
    }

    ch->interval *= 1000;

    if (zt_conf_get_int(conf, "chat", "max_lines", &max_lines) != ZT_OK
        || max_lines < 1 || max_lines > 500
        || zt_conf_get_int(conf, "chat", "timeout_ms", &ch->timeout)
           != ZT_OK
        || ch->timeout < 100
        || zt_conf_get_int(conf, "drain", "backoff_min_ms",
                           &ch->backoff_min) != ZT_OK
        || zt_conf_get_int(conf, "drain", "backoff_max_ms",
                           &ch->backoff_max) != ZT_OK
        || ch->backoff_min < 1 || ch->backoff_max < ch->backoff_min)
    {
        zt_log_error("[sink:chat] chat.max_lines (1-500), chat.timeout_ms "
                     "(>= 100) and drain.backoff_* must be integers");
        return ZT_ERROR;
    }

    ch->opts.max_lines = (size_t) max_lines;

    if (zt_conf_get_path(conf, "chat", "state", "chat-state.json",
                         ch->state_path, sizeof(ch->state_path)) != ZT_OK)
    {
        zt_log_error("[sink:chat] chat.state too long");
        return ZT_ERROR;
    }

    ch->channel = strdup(zt_conf_get(conf, "chat", "channel"));
    ch->username = strdup(zt_conf_get(conf, "chat", "username"));
    ch->icon_url = strdup(zt_conf_get(conf, "chat", "icon_url"));
    ch->tz = strdup(zt_conf_get(conf, "", "timezone"));
    ch->allowlist = strdup(zt_conf_get(conf, "", "status_allowlist"));

    if (ch->channel == NULL || ch->username == NULL || ch->icon_url == NULL
        || ch->tz == NULL || ch->allowlist == NULL)
    {
        zt_log_error("[sink:chat] out of memory");
        return ZT_ERROR;
    }

    ch->opts.tz = ch->tz;
    ch->opts.allowlist = ch->allowlist;

    return ZT_OK;
}


/* a missing file is a fresh start; a corrupt one stops the drainer */
static int
zt_chat_load(zt_chat_t *ch)
{
    size_t        i;
    json_t       *st, *id;
    json_error_t  jerr;

    st = json_load_file(ch->state_path, 0, &jerr);

    if (st == NULL) {
        if (access(ch->state_path, F_OK) == 0) {
            zt_log_error("[sink:chat] state file \"%s\" is corrupt (%s, "
                         "line %d); move it away to start afresh (changes "
                         "not yet said are then lost)", ch->state_path,
                         jerr.text, jerr.line);
            return ZT_ERROR;
        }

        st = zt_chat_state_new();
    }

    if (st == NULL || zt_chat_state_check(st) != ZT_OK) {
        zt_log_error("[sink:chat] state file \"%s\" has an unknown shape",
                     ch->state_path);
        json_decref(st);
        return ZT_ERROR;
    }

    ch->state = st;
    ch->seen = json_object();

    if (ch->seen == NULL
        || (!json_is_array(json_object_get(st, "seen"))
            && json_object_set_new(st, "seen", json_array()) != 0)
        || (!json_is_array(json_object_get(st, "outbox"))
            && json_object_set_new(st, "outbox", json_array()) != 0))
    {
        zt_log_error("[sink:chat] out of memory");
        return ZT_ERROR;
    }

    json_array_foreach(json_object_get(st, "seen"), i, id) {
        if (json_is_string(id)
            && json_object_set_new(ch->seen, json_string_value(id),
                                   json_true()) != 0)
        {
            zt_log_error("[sink:chat] out of memory");
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


static int
zt_chat_save(zt_chat_t *ch)
{
    int    rc;
    char  *s;

    s = json_dumps(ch->state, JSON_COMPACT);
    if (s == NULL) {
        zt_log_error("[sink:chat] out of memory saving the state");
        ch->unsaved = 1;
        return ZT_ERROR;
    }

    rc = zt_fs_replace(ch->state_path, s, strlen(s), 0600);
    free(s);

    if (rc != ZT_OK) {
        zt_log_error("[sink:chat] cannot write \"%s\": %s", ch->state_path,
                     strerror(errno));
        ch->unsaved = 1;
        return ZT_ERROR;
    }

    ch->unsaved = 0;
    return ZT_OK;
}


static int
zt_chat_seen_add(zt_chat_t *ch, const char *event_id)
{
    json_t  *ring;

    ring = json_object_get(ch->state, "seen");

    if (json_array_append_new(ring, json_string(event_id)) != 0
        || json_object_set_new(ch->seen, event_id, json_true()) != 0)
    {
        return ZT_ERROR;
    }

    while (json_array_size(ring) > ZT_CHAT_SEEN_MAX) {
        json_object_del(ch->seen, json_string_value(json_array_get(ring, 0)));
        json_array_remove(ring, 0);
    }

    return ZT_OK;
}


static int
zt_chat_write(void *ctx, zt_item_t *items, size_t n)
{
    int          rc;
    size_t       i;
    int64_t      now;
    zt_chat_t   *ch = ctx;

    now = zt_time_now_ms();

    for (i = 0; i < n; i++) {
        rc = zt_chat_control(ch, items[i].rec);

        if (rc == ZT_ERROR) {
            zt_log_error("[sink:chat] out of memory forgetting a person");
            return ZT_RETRY;
        }

        if (rc == ZT_OK) {
            continue;
        }

        if (json_object_get(ch->seen, items[i].event_id)) {
            continue;
        }

        if (!json_is_string(json_object_get(items[i].rec, "event_type"))) {
            items[i].error = "record has no event_type";
            continue;
        }

        rc = zt_chat_fold(ch->state, items[i].rec, now, &ch->opts);

        if (rc == ZT_ERROR
            || (rc == ZT_OK && zt_chat_seen_add(ch, items[i].event_id)
                               != ZT_OK))
        {
            zt_log_error("[sink:chat] out of memory folding a record");
            ch->unsaved = 1;
            return ZT_RETRY;
        }

        if (rc == ZT_OK) {
            ch->unsaved = 1;
        }
    }

    if (ch->unsaved && zt_chat_save(ch) != ZT_OK) {
        return ZT_RETRY;
    }

    return ZT_OK;
}


/*
 * `zoomtrack forget` pushes {"control":"forget","person_keys":[...]} to
 * this queue (the module never writes a "control" member, so no webhook
 * can forge one): the people leave the state, with their pending changes
 * and the lines naming them in messages not posted yet, and the state is
 * saved before the ack, so the file no longer names them.  Returns ZT_OK
 * for a control record, ZT_DECLINED for any other, ZT_ERROR when out of
 * memory (the state unchanged: the record comes again).
 */
static int
zt_chat_control(zt_chat_t *ch, const json_t *rec)
{
    size_t       gone;
    const char  *what;

    what = json_string_value(json_object_get(rec, "control"));
    if (what == NULL) {
        return ZT_DECLINED;
    }

    if (strcmp(what, "forget") != 0) {
        zt_log_warn("[sink:chat] unknown control record \"%s\" ignored",
                    what);
        return ZT_OK;
    }

    if (zt_chat_forget(ch->state, json_object_get(rec, "person_keys"),
                       &gone) != ZT_OK)
    {
        return ZT_ERROR;
    }

    ch->unsaved = 1;
    zt_log_info("[sink:chat] forget: %zu entr%s removed", gone,
                gone == 1 ? "y" : "ies");

    return ZT_OK;
}


static int
zt_chat_tick(void *ctx, int64_t now_ms)
{
    char        *text;
    json_t      *outbox, *pending, *msg;
    int64_t      first;
    json_int_t   seq;
    zt_chat_t   *ch = ctx;

    /* nothing is posted unless the state holding it is on disk */
    if (ch->unsaved && zt_chat_save(ch) != ZT_OK) {
        return ZT_OK;
    }

    outbox = json_object_get(ch->state, "outbox");
    pending = json_object_get(ch->state, "pending");

    if (json_array_size(outbox) == 0) {
        if (json_array_size(pending) == 0) {
            return ZT_OK;
        }

        /* a clock stepped back does not hold the changes for that long */
        first = json_integer_value(json_object_get(json_array_get(pending, 0),
                                                   "at"));
        if (now_ms >= first && now_ms - first < ch->interval) {
            return ZT_OK;
        }

        if (zt_chat_compose(ch->state, now_ms, &ch->opts, &text) != ZT_OK) {
            zt_log_error("[sink:chat] out of memory composing a message");
            return ZT_OK;
        }

        if (text == NULL) {
            return ZT_OK;
        }

        seq = json_integer_value(json_object_get(ch->state, "seq")) + 1;
        msg = json_pack("{s:I, s:s}", "id", seq, "text", text);
        free(text);

        if (msg == NULL || json_array_append_new(outbox, msg) != 0
            || json_object_set_new(ch->state, "seq", json_integer(seq)) != 0)
        {
            zt_log_error("[sink:chat] out of memory composing a message");
            return ZT_OK;
        }

        zt_chat_prune(ch->state, now_ms, ZT_CHAT_KEEP_MS);

        if (zt_chat_save(ch) != ZT_OK) {
            return ZT_OK;
        }
    }

    if (now_ms < ch->next_try) {
        return ZT_OK;
    }

    return zt_chat_post(ch);
}


static int
zt_chat_post(zt_chat_t *ch)
{
    char            *body;
    json_t          *msg, *req;
    json_int_t       id;
    zt_http_resp_t   resp;

    static const char *const  headers[] = {
        "Content-Type: application/json", NULL
    };

    msg = json_array_get(json_object_get(ch->state, "outbox"), 0);
    id = json_integer_value(json_object_get(msg, "id"));

    req = json_pack("{s:O}", "text", json_object_get(msg, "text"));
    if (req == NULL
        || (ch->channel[0] && json_object_set_new(req, "channel",
                                  json_string(ch->channel)) != 0)
        || (ch->username[0] && json_object_set_new(req, "username",
                                   json_string(ch->username)) != 0)
        || (ch->icon_url[0] && json_object_set_new(req, "icon_url",
                                   json_string(ch->icon_url)) != 0))
    {
        json_decref(req);
        return ZT_OK;
    }

    body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    if (body == NULL) {
        return ZT_OK;
    }

    /* the answer's class is decided from resp in zt_chat_answer() */
    (void) zt_http_perform(&ch->http, "POST", ch->url, headers, body, &resp);
    free(body);

    zt_chat_answer(ch, &resp, id, zt_time_now_ms());
    zt_http_resp_free(&resp);

    return ZT_OK;
}


static void
zt_chat_answer(zt_chat_t *ch, const zt_http_resp_t *r, json_int_t id,
    int64_t now_ms)
{
    char     snip[80];
    size_t   held;
    int64_t  delay;
    json_t  *outbox;

    outbox = json_object_get(ch->state, "outbox");
    held = json_array_size(outbox);
    zt_chat_snippet(r->body, snip, sizeof(snip));

    if (r->status >= 200 && r->status < 300) {
        json_array_remove(outbox, 0);
        json_object_set_new(ch->state, "sent", json_integer(id));
        ch->attempt = 0;
        ch->next_try = now_ms + ZT_CHAT_SPACING_MS;

        if (zt_chat_save(ch) != ZT_OK) {
            zt_log_error("[sink:chat] message %lld was posted but could "
                         "not be recorded; a restart now would post it "
                         "again", (long long) id);
            return;
        }

        zt_log_info("[sink:chat] posted message %lld", (long long) id);
        return;
    }

    if (r->status == 429) {
        if (zt_http_retry_after(r->retry_after, now_ms, &delay) != ZT_OK) {
            delay = zt_http_backoff_ms((int) ch->attempt, ch->backoff_min,
                                       ch->backoff_max, erand48(ch->rng));
        }
        ch->attempt++;
        ch->next_try = now_ms + delay;
        zt_log_warn("[sink:chat] the chat server limits the rate (HTTP "
                    "429); message %lld waits %lld ms", (long long) id,
                    (long long) delay);
        return;
    }

    if (zt_chat_message_refused(r->status, r->body)) {
        zt_log_error("[sink:chat] the chat server refused message %lld "
                     "(HTTP %ld%s%s); it is kept in \"%s\"", (long long) id,
                     r->status, snip[0] ? ": " : "", snip, ch->dead_path);
        zt_chat_dead(ch, json_array_get(outbox, 0), r->status, now_ms);
        json_array_remove(outbox, 0);
        (void) zt_chat_save(ch);
        return;
    }

    if (r->status >= 400 && r->status < 500 && r->status != 408) {
        ch->next_try = now_ms + ch->backoff_max;
        zt_log_error("[sink:chat] the chat server refuses the webhook (HTTP "
                     "%ld%s%s): check chat.url_file and chat.channel; "
                     "%zu message(s) held, next try in %lld ms", r->status,
                     snip[0] ? ": " : "", snip, held,
                     (long long) ch->backoff_max);
        return;
    }

    delay = zt_http_backoff_ms((int) ch->attempt, ch->backoff_min,
                               ch->backoff_max, erand48(ch->rng));
    ch->attempt++;
    ch->next_try = now_ms + delay;

    if (r->status == 0) {
        zt_log_warn("[sink:chat] cannot reach the chat server (%s); "
                    "message %lld retried in %lld ms (attempt %u)",
                    r->error[0] ? r->error : "transport error",
                    (long long) id, (long long) delay, ch->attempt);
    } else {
        zt_log_warn("[sink:chat] the chat server answered HTTP %ld; message "
                    "%lld retried in %lld ms (attempt %u)", r->status,
                    (long long) id, (long long) delay, ch->attempt);
    }
}


/*
 * Whether an answer refuses this message rather than the webhook: 400, 413
 * and 422, unless the body names the webhook, its channel or its user.
 * Mattermost answers a deleted or unknown hook with 400
 * "web.incoming_webhook.invalid.app_error", and Slack a bad channel or user
 * with 400 too; those hold every message like the other 4xx, instead of
 * sending each one to the dead letters until the URL is fixed.
 */
static int
zt_chat_message_refused(long status, const char *body)
{
    size_t  i;

    static const char  *webhook_side[] = {
        "web.incoming_webhook.invalid",       /* Mattermost: no such hook */
        "web.incoming_webhook.channel",       /* its channel is gone */
        "web.incoming_webhook.user",          /* its owner is gone */
        "web.incoming_webhook.disabled",
        "no_service", "invalid_token", "channel_not_found",
        "user_not_found", "channel_is_archived", "no_team",
        "team_disabled", "action_prohibited",
    };

    if (status != 400 && status != 413 && status != 422) {
        return 0;
    }

    for (i = 0; body && i < sizeof(webhook_side) / sizeof(webhook_side[0]);
         i++)
    {
        if (strstr(body, webhook_side[i])) {
            return 0;
        }
    }

    return 1;
}


/*
 * The refused messages' file, open for appending and locked: `zoomtrack
 * forget` replaces it (without the lines naming someone) under the same
 * flock(), so a file replaced while we waited for the lock is opened again.
 * The lock goes with the close.
 */
static int
zt_chat_dead_open(const char *path)
{
    int          fd, tries;
    struct stat  a, b;

    for (tries = 0; tries < 8; tries++) {
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0) {
            return -1;
        }

        if (flock(fd, LOCK_EX) == 0 && fstat(fd, &a) == 0
            && stat(path, &b) == 0 && a.st_dev == b.st_dev
            && a.st_ino == b.st_ino)
        {
            return fd;
        }

        close(fd);
    }

    errno = EAGAIN;
    return -1;
}


/* a refused message, kept for the admin: one JSON line, owner-only */
static void
zt_chat_dead(zt_chat_t *ch, const json_t *msg, long status, int64_t now_ms)
{
    int      fd;
    char    *line, at[ZT_RFC3339_LEN + 1];
    json_t  *d;

    zt_time_rfc3339(now_ms, at);
    d = json_pack("{s:O, s:i, s:s}", "message", msg, "status", (int) status,
                  "at", at);
    line = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);

    if (line == NULL) {
        return;
    }

    fd = zt_chat_dead_open(ch->dead_path);
    if (fd < 0
        || write(fd, line, strlen(line)) < 0 || write(fd, "\n", 1) < 0
        || fsync(fd) != 0)
    {
        zt_log_error("[sink:chat] cannot write \"%s\": %s", ch->dead_path,
                     strerror(errno));
    }

    if (fd >= 0) {
        close(fd);
    }

    free(line);
}


/* the start of an answer body, printable ASCII only, for a log line */
static void
zt_chat_snippet(const char *body, char *out, size_t outlen)
{
    size_t  n;

    for (n = 0; body && body[n] && n + 1 < outlen; n++) {
        out[n] = (body[n] >= 0x20 && body[n] < 0x7f) ? body[n] : ' ';
    }

    out[n] = '\0';
}


static void
zt_chat_exit(void *ctx)
{
    zt_chat_t  *ch = ctx;

    if (ch == NULL) {
        return;
    }

    if (ch->state && ch->unsaved) {
        (void) zt_chat_save(ch);
    }

    if (ch->http_ready) {
        zt_http_cleanup(&ch->http);
    }

    json_decref(ch->state);
    json_decref(ch->seen);

    if (ch->url) {
        explicit_bzero(ch->url, strlen(ch->url));
        free(ch->url);
    }

    free(ch->channel);
    free(ch->username);
    free(ch->icon_url);
    free(ch->tz);
    free(ch->allowlist);
    free(ch);
}
