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
 * thread, for at most [chat] timeout_ms.  The POST and those answers are
 * zt_chat_post.c; this file is the sink and its state.
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
#include "zt_chat_int.h"
#include "zt_chat_msg.h"
#include "zt_fs.h"
#include "zt_http.h"
#include "zt_log.h"
#include "zt_sink.h"




static int zt_chat_init(const zt_conf_t *conf, void **ctx);
static int zt_chat_conf(zt_chat_t *ch, const zt_conf_t *conf);
static int zt_chat_write(void *ctx, zt_item_t *items, size_t n);
static int zt_chat_tick(void *ctx, int64_t now_ms);
static void zt_chat_exit(void *ctx);
static int zt_chat_load(zt_chat_t *ch);
static int zt_chat_seen_add(zt_chat_t *ch, const char *event_id);
static int zt_chat_control(zt_chat_t *ch, const json_t *rec);


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

    /* a POST holds the sink's thread: timeout_ms bounds all of it */
    ch->http.total_ms = ch->http.timeout_ms;

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

    if (zt_conf_get_num(conf, "chat", "interval", &ch->interval, err,
                        sizeof(err)) != ZT_OK
        || zt_conf_get_num(conf, "chat", "max_lines", &max_lines, err,
                           sizeof(err)) != ZT_OK
        || zt_conf_get_num(conf, "chat", "timeout_ms", &ch->timeout, err,
                           sizeof(err)) != ZT_OK
        || zt_conf_get_num(conf, "drain", "backoff_min_ms", &ch->backoff_min,
                           err, sizeof(err)) != ZT_OK
        || zt_conf_get_num(conf, "drain", "backoff_max_ms", &ch->backoff_max,
                           err, sizeof(err)) != ZT_OK)
    {
        zt_log_error("[sink:chat] %s", err);
        return ZT_ERROR;
    }

    if (ch->backoff_max < ch->backoff_min) {
        zt_log_error("[sink:chat] drain.backoff_max_ms must not be below "
                     "drain.backoff_min_ms");
        return ZT_ERROR;
    }

    ch->interval *= 1000;

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


int
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
