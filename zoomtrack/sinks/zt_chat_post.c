/*
 * zt_chat_post: one message of the chat sink's outbox delivered to the
 * Mattermost or Slack incoming webhook, and what each answer means (the
 * sink's header in zt_sink_chat.c lists them).  The URL is a secret: no
 * log line here prints it; answers are quoted only as a short printable
 * snippet.  Refused messages go to DATA/chat-dead.ndjson, appended under
 * flock() because `zoomtrack forget` rewrites that file.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "zt_time.h"
#include "zt_chat_int.h"
#include "zt_log.h"


static void zt_chat_answer(zt_chat_t *ch, const zt_http_resp_t *r,
    json_int_t id, int64_t now_ms);
static int zt_chat_message_refused(long status, const char *body);
static int zt_chat_dead_open(const char *path);
static void zt_chat_dead(zt_chat_t *ch, const json_t *msg, long status,
    int64_t now_ms);
static void zt_chat_snippet(const char *body, char *out, size_t outlen);


int
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
