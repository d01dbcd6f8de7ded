/*
 * zt_chat_text: the message that says the pending changes (zt_chat_msg.h,
 * zt_chat_compose()).  Emails never reach the text: a display name that is
 * an email is cut at the '@' as in the status CSV, a remaining '@' gets a
 * zero-width space after it so "@channel" in a name cannot notify a whole
 * channel, so does a ']' and a ':' before '/' so a name makes no link or
 * image (Mattermost renders Markdown), and &, <, > are escaped as Slack
 * wants.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_utf8.h"
#include "zt_core.h"
#include "zt_time.h"
#include "zt_chat_msg.h"
#include "zt_presence.h"


/*
 * The longest message text, in bytes: Mattermost refuses more than 16,383
 * characters (Slack takes 40,000), and a byte is at most a character.
 */
#define ZT_CHAT_TEXT_MAX  16000


typedef struct {
    char    *buf;
    size_t   len;
    size_t   cap;
    int      failed;
} zt_chat_buf_t;


static void zt_chat_put(zt_chat_buf_t *b, const char *s, size_t n);
static void zt_chat_puts(zt_chat_buf_t *b, const char *s);
static void zt_chat_printf(zt_chat_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void zt_chat_safe(const char *in, int is_name, zt_chat_buf_t *b);
static char *zt_chat_buf_done(zt_chat_buf_t *b);
static void zt_chat_room_name(json_t *state, const char *meeting,
    const char *room, char *out, size_t outlen);
static void zt_chat_what(json_t *state, const json_t *c, const char *room,
    zt_chat_buf_t *b);
static void zt_chat_line(json_t *state, const json_t *c, const char *room,
    int many, const zt_chat_opts_t *opts, zt_chat_buf_t *b);
static int zt_chat_same(const json_t *a, const json_t *b);
static int zt_chat_held(const json_t *c, int64_t now_ms);
static const json_t *zt_chat_next(json_t *pending, size_t i, size_t n);
static size_t zt_chat_ready(json_t *pending, int64_t now_ms,
    size_t max_lines);
static int zt_chat_leaving(json_t *pending, size_t i, size_t n);
static void zt_chat_collapse(json_t *pending, size_t take, char *skip);
static void zt_chat_unmark(json_t *pending, size_t take);


static void
zt_chat_put(zt_chat_buf_t *b, const char *s, size_t n)
{
    char    *nb;
    size_t   cap;

    if (b->failed) {
        return;
    }

    if (b->len + n + 1 > b->cap) {
        cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }

        nb = realloc(b->buf, cap);
        if (nb == NULL) {
            b->failed = 1;
            return;
        }

        b->buf = nb;
        b->cap = cap;
    }

    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}


static void
zt_chat_puts(zt_chat_buf_t *b, const char *s)
{
    zt_chat_put(b, s, strlen(s));
}


static void
zt_chat_printf(zt_chat_buf_t *b, const char *fmt, ...)
{
    int      n;
    char     tmp[512];
    va_list  ap;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);

    if (n < 0) {
        b->failed = 1;
        return;
    }

    zt_chat_put(b, tmp, (size_t) n < sizeof(tmp) ? (size_t) n
                                                 : sizeof(tmp) - 1);
}


/*
 * Text from a person: an email-shaped name is cut at the '@' (the status
 * CSV's rule), the rest is escaped for Slack (&, <, >) and an '@' gets a
 * zero-width space after it, so no mention can be formed.
 */
static void
zt_chat_safe(const char *in, int is_name, zt_chat_buf_t *b)
{
    size_t       n;
    const char  *p;

    n = is_name ? zt_presence_name_len(in) : strlen(in);

    if (is_name && n == 0) {
        zt_chat_puts(b, "A guest");
        return;
    }

    n = zt_utf8_cut(in, n, 80);

    for (p = in; p < in + n; p++) {
        switch (*p) {
        case '&':
            zt_chat_puts(b, "&amp;");
            break;
        case '<':
            zt_chat_puts(b, "&lt;");
            break;
        case '>':
            zt_chat_puts(b, "&gt;");
            break;
        case '@':
            zt_chat_puts(b, "@\xe2\x80\x8b");
            break;
        case ']':
            /* "[text](url)" and "![](url)" are no link or image */
            zt_chat_puts(b, "]\xe2\x80\x8b");
            break;
        case ':':
            /* nor is "https://..." auto-linked */
            zt_chat_puts(b, p[1] == '/' ? ":\xe2\x80\x8b" : ":");
            break;
        case '\n':
        case '\r':
        case '\t':
            zt_chat_puts(b, " ");
            break;
        default:
            zt_chat_put(b, p, 1);
        }
    }
}


static void
zt_chat_room_name(json_t *state, const char *meeting, const char *room,
    char *out, size_t outlen)
{
    unsigned  no;

    /* numbered now, by the first joins known when the message is made:
     * the board's Room-N, which a late earlier join renumbers too */
    no = zt_chat_room_no(json_object_get(json_object_get(state, "meetings"),
                                         meeting), room);

    if (no) {
        snprintf(out, outlen, "Room-%u", no);
    } else {
        snprintf(out, outlen, "a breakout room");
    }
}


/* what a person did, after their name in a line */
static void
zt_chat_what(json_t *state, const json_t *c, const char *room,
    zt_chat_buf_t *b)
{
    char         rn[64];
    const char  *kind, *meeting;

    kind = zt_chat_str(c, "kind");
    meeting = zt_chat_str(c, "meeting");

    if (kind[0] == 'j') {
        zt_chat_puts(b, " joined");
        if (room[0]) {
            zt_chat_room_name(state, meeting, room, rn, sizeof(rn));
            zt_chat_printf(b, " \xc2\xb7 %s", rn);
        }

    } else if (kind[0] == 'l') {
        zt_chat_puts(b, " left");
        if (zt_chat_str(c, "reason")[0]) {
            zt_chat_puts(b, " (");
            zt_chat_safe(zt_chat_str(c, "reason"), 0, b);
            zt_chat_puts(b, ")");
        }

    } else if (room[0]) {
        zt_chat_room_name(state, meeting, room, rn, sizeof(rn));
        zt_chat_printf(b, " \xe2\x86\x92 %s", rn);

    } else {
        zt_chat_puts(b, " \xe2\x86\x92 main room");
    }
}


static void
zt_chat_line(json_t *state, const json_t *c, const char *room, int many,
    const zt_chat_opts_t *opts, zt_chat_buf_t *b)
{
    char         hm[16];
    int64_t      n;
    const char  *kind, *meeting, *id;

    kind = zt_chat_str(c, "kind");
    meeting = zt_chat_str(c, "meeting");
    id = zt_chat_str(json_object_get(json_object_get(state, "meetings"),
                                     meeting), "id");

    if (zt_time_format_tz(zt_chat_int(c, "ts"), opts->tz, "%H:%M", hm,
                          sizeof(hm)) != ZT_OK)
    {
        snprintf(hm, sizeof(hm), "--:--");
    }

    if (b->len) {
        zt_chat_puts(b, "\n");
    }

    if (strcmp(kind, "start") == 0 || strcmp(kind, "end") == 0) {
        zt_chat_printf(b, "%s Meeting%s%s %s", kind[0] == 's'
                       ? "\xf0\x9f\x8e\xac" : "\xf0\x9f\x8f\x81",
                       id[0] ? " " : "", id, kind[0] == 's' ? "started"
                                                            : "ended");
        if (kind[0] == 'e') {
            n = zt_chat_int(c, "people");
            zt_chat_printf(b, " \xc2\xb7 %lld %s", (long long) n,
                           n == 1 ? "person" : "people");
            n = zt_chat_int(c, "rooms");
            zt_chat_printf(b, ", %lld %s", (long long) n,
                           n == 1 ? "room" : "rooms");
        }
        zt_chat_printf(b, " \xc2\xb7 %s", hm);
        return;
    }

    zt_chat_puts(b, kind[0] == 'j' ? "\xf0\x9f\x9f\xa2 "
                 : kind[0] == 'l' ? "\xf0\x9f\x94\xb4 "
                 : room[0] ? "\xe2\x9e\xa1\xef\xb8\x8f "
                 : "\xe2\x86\xa9\xef\xb8\x8f ");

    n = zt_chat_int(c, "_ends");

    if (n > 1) {
        /* the host ended the meeting and its end did not come: everyone
         * it took out, in one line (zt_chat_end.c) */
        zt_chat_printf(b, "%lld people left (host ended the meeting)",
                       (long long) n);
    } else {
        zt_chat_safe(zt_chat_str(c, "name"), 1, b);
        zt_chat_what(state, c, room, b);
    }

    if (many && id[0]) {
        zt_chat_printf(b, " \xc2\xb7 meeting %s", id);
    }

    zt_chat_printf(b, " \xc2\xb7 %s", hm);
}


static int
zt_chat_same(const json_t *a, const json_t *b)
{
    return strcmp(zt_chat_str(a, "meeting"), zt_chat_str(b, "meeting")) == 0
           && strcmp(zt_chat_str(a, "person"), zt_chat_str(b, "person")) == 0;
}


/* a leave is held a while (a join can still make it a move, the
 * meeting's end can still say it), and so is a return to the main room
 * (a leave can still make it a departure) and the meeting's end (a
 * rejoin can still run it again, zt_chat_end_resume) */
static int
zt_chat_held(const json_t *c, int64_t now_ms)
{
    int64_t  hold;

    hold = zt_chat_end_leave(c) || strcmp(zt_chat_str(c, "kind"), "end") == 0
           ? ZT_CHAT_END_HOLD_MS : ZT_CHAT_LEAVE_HOLD_MS;

    return now_ms >= zt_chat_int(c, "at")
           && now_ms - zt_chat_int(c, "at") < hold;
}


int
zt_chat_to_main(const json_t *ch)
{
    return strcmp(zt_chat_str(ch, "kind"), "room") == 0
           && zt_chat_str(ch, "room")[0] == '\0';
}


/* the same person's next change after i, NULL when none */
static const json_t *
zt_chat_next(json_t *pending, size_t i, size_t n)
{
    size_t   j;
    json_t  *c, *d;

    c = json_array_get(pending, i);

    for (j = i + 1; j < n; j++) {
        d = json_array_get(pending, j);
        if (zt_chat_same(c, d)) {
            return d;
        }
    }

    return NULL;
}


/* a return to the main room that is the first half of leaving the
 * meeting from a room (its main leave within ZT_CHAT_MOVE_GAP_MS) */
static int
zt_chat_leaving(json_t *pending, size_t i, size_t n)
{
    int64_t        d;
    const json_t  *c, *next;

    c = json_array_get(pending, i);
    next = zt_chat_next(pending, i, n);

    if (!zt_chat_to_main(c) || next == NULL
        || strcmp(zt_chat_str(next, "kind"), "leave") != 0)
    {
        return 0;
    }

    d = zt_chat_int(next, "ts") - zt_chat_int(c, "ts");
    return d >= -ZT_CHAT_MOVE_GAP_MS && d <= ZT_CHAT_MOVE_GAP_MS;
}


/* how many pending changes can go now: up to a change still on hold, or
 * max_lines lines (end leaves after their meeting's first add none, nor
 * does a return to the main room that its leave says) */
static size_t
zt_chat_ready(json_t *pending, int64_t now_ms, size_t max_lines)
{
    int             more;
    size_t          take, n, lines;
    const json_t   *c, *next;

    n = json_array_size(pending);

    for (take = 0, lines = 0; take < n; take++) {
        more = zt_chat_end_more(pending, take)
               || zt_chat_leaving(pending, take, n);
        if (!more && lines == max_lines) {
            break;
        }

        c = json_array_get(pending, take);
        next = zt_chat_next(pending, take, n);

        if (((strcmp(zt_chat_str(c, "kind"), "leave") == 0
              || strcmp(zt_chat_str(c, "kind"), "end") == 0)
             && zt_chat_held(c, now_ms))
            || (zt_chat_to_main(c) && next == NULL
                && zt_chat_held(c, now_ms))
            || (zt_chat_leaving(pending, take, n)
                && zt_chat_held(next, now_ms)))
        {
            break;
        }

        lines += !more;
    }

    return take;
}


/*
 * Within one message a person's room changes collapse to the last one
 * (skip[i] set for the others), a return to the main room that is part of
 * leaving the meeting is said by the leave alone, and a join whose next
 * change is a room reads "joined · Room-2": the room is noted on the join
 * (as "_room") and its own line skipped.
 */
static void
zt_chat_collapse(json_t *pending, size_t take, char *skip)
{
    size_t   i, j;
    json_t  *c, *d;

    for (i = 0; i < take; i++) {
        c = json_array_get(pending, i);
        if (strcmp(zt_chat_str(c, "kind"), "room") != 0) {
            continue;
        }
        if (zt_chat_leaving(pending, i, take)) {
            skip[i] = 1;
            continue;
        }
        for (j = i + 1; j < take; j++) {
            d = json_array_get(pending, j);
            if (zt_chat_same(c, d)) {
                skip[i] = strcmp(zt_chat_str(d, "kind"), "room") == 0;
                break;
            }
        }
    }

    for (i = 0; i < take; i++) {
        c = json_array_get(pending, i);
        if (skip[i] || strcmp(zt_chat_str(c, "kind"), "join") != 0) {
            continue;
        }
        for (j = i + 1; j < take; j++) {
            d = json_array_get(pending, j);
            if (skip[j] || !zt_chat_same(c, d)) {
                continue;
            }
            if (strcmp(zt_chat_str(d, "kind"), "room") == 0
                && zt_chat_str(d, "room")[0])
            {
                skip[j] = 1;
                json_object_set(c, "_room", json_object_get(d, "room"));
            }
            break;
        }
    }
}


/* the notes zt_chat_collapse() and zt_chat_end_collapse() left */
static void
zt_chat_unmark(json_t *pending, size_t take)
{
    size_t  i;

    for (i = 0; i < take; i++) {
        json_object_del(json_array_get(pending, i), "_room");
        json_object_del(json_array_get(pending, i), "_ends");
    }
}


int
zt_chat_compose(json_t *state, int64_t now_ms, const zt_chat_opts_t *opts,
    char **text)
{
    int            many;
    size_t         i, take, n;
    char          *skip;
    json_t        *pending, *c, *rest;
    const char    *room;
    zt_chat_buf_t  b;

    *text = NULL;
    pending = json_object_get(state, "pending");
    /* a held end line holds up no other meeting's changes */
    zt_chat_end_defer(pending, now_ms);

    n = json_array_size(pending);

    take = zt_chat_ready(pending, now_ms, opts->max_lines);
    if (take == 0) {
        return ZT_OK;
    }

again:

    skip = calloc(take, 1);
    if (skip == NULL) {
        return ZT_ERROR;
    }

    many = 0;
    for (i = 1; i < take; i++) {
        if (strcmp(zt_chat_str(json_array_get(pending, i), "meeting"),
                   zt_chat_str(json_array_get(pending, 0), "meeting")) != 0)
        {
            many = 1;
        }
    }

    zt_chat_collapse(pending, take, skip);

    memset(&b, 0, sizeof(b));
    b.failed = zt_chat_end_collapse(pending, take, skip) != ZT_OK;

    for (i = 0; i < take; i++) {
        if (skip[i]) {
            continue;
        }

        c = json_array_get(pending, i);
        /* a join's room: the move after it in this message, or the
         * room it was into (its main join lost) */
        room = zt_chat_str(c, "room");
        if (strcmp(zt_chat_str(c, "kind"), "join") == 0
            && zt_chat_str(c, "_room")[0])
        {
            room = zt_chat_str(c, "_room");
        }
        zt_chat_line(state, c, room, many, opts, &b);
    }

    free(skip);

    /* over what the chat server takes in one message: fewer changes now,
     * the rest in the next message */
    if (!b.failed && b.len > ZT_CHAT_TEXT_MAX && take > 1) {
        zt_chat_unmark(pending, take);
        free(b.buf);
        take /= 2;
        goto again;
    }

    rest = json_array();
    for (i = take; rest && i < n; i++) {
        if (json_array_append(rest, json_array_get(pending, i)) != 0) {
            json_decref(rest);
            rest = NULL;
        }
    }

    if (b.failed || rest == NULL
        || json_object_set_new(state, "pending", rest) != 0)
    {
        /* the state stays as it was: the changes are composed again */
        zt_chat_unmark(pending, take);
        free(b.buf);
        return ZT_ERROR;
    }

    *text = b.buf;
    return ZT_OK;
}


char *
zt_chat_said_name(const char *name)
{
    zt_chat_buf_t  b;

    memset(&b, 0, sizeof(b));
    zt_chat_safe(name, 1, &b);

    return zt_chat_buf_done(&b);
}


/* the text built, "" when nothing was put; NULL (freed) when it failed */
static char *
zt_chat_buf_done(zt_chat_buf_t *b)
{
    if (b->buf == NULL) {
        b->buf = strdup("");
    }

    if (b->failed || b->buf == NULL) {
        free(b->buf);
        return NULL;
    }

    return b->buf;
}


char *
zt_chat_text_drop(const char *text, const char *said, size_t *dropped)
{
    size_t          n, len;
    const char     *line, *end, *name;
    zt_chat_buf_t   b;

    n = strlen(said);
    memset(&b, 0, sizeof(b));

    for (line = text; *line; line = *end ? end + 1 : end) {
        end = strchr(line, '\n');
        if (end == NULL) {
            end = line + strlen(line);
        }

        len = (size_t) (end - line);
        name = memchr(line, ' ', len);

        /* "<icon> NAME joined ...": the name follows the first space */
        if (name && (size_t) (end - name) > n + 1
            && memcmp(name + 1, said, n) == 0 && name[n + 1] == ' ')
        {
            (*dropped)++;
            continue;
        }

        if (b.len) {
            zt_chat_puts(&b, "\n");
        }

        zt_chat_put(&b, line, len);
    }

    return zt_chat_buf_done(&b);
}
