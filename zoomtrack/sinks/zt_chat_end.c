/*
 * zt_chat_end: the host ends the meeting, and the chat says so once.
 * Zoom sends a participant_left for everyone still in ("Jill Chill left
 * the meeting.<br>Reason: Host ended the meeting.", or "Host closed the
 * meeting."), room leaves for those in rooms, and meeting.ended, in any
 * order and across batches.  The channel wants the end line, not a roll
 * call:
 *
 *   - such a leave (an "end leave") takes the person offline like any
 *     leave, and its change is marked "end" (zt_chat_change);
 *   - meeting.ended drops the meeting's end leaves still pending, with
 *     the returns to the main room they make one departure from a room
 *     with and those Zoom makes as it takes everyone out of the rooms
 *     (zt_chat_end_unsay): its end line says them; an end leave
 *     arriving after it finds the person offline already and says
 *     nothing, as any leave would;
 *   - an end leave is held ZT_CHAT_END_HOLD_MS (not the 3 s of a leave)
 *     after the meeting's first end leave still pending arrived (its
 *     "at" is that one's, zt_chat_end_at), so a meeting.ended arriving a
 *     little after them, in a later batch or after a restart (the state
 *     keeps "at"), still takes them back, and the burst Zoom sends is
 *     ready at once;
 *   - when no meeting.ended came by then (lost, or very late), the
 *     meeting's end leaves in one message are one line, "🔴 23 people
 *     left (host ended the meeting)" (zt_chat_end_collapse): nothing is
 *     dropped, and they count as one line against [chat] max_lines.
 */

#include <stdint.h>
#include <string.h>

#include "zt_core.h"
#include "zt_chat_msg.h"
#include "zt_presence.h"


static int zt_chat_end_leave_of(const json_t *ch, const char *meeting);
static int zt_chat_end_pair(json_t *pending, const json_t *ch);


int
zt_chat_end_reason(const char *leave_reason)
{
    return zt_presence_reason_is(leave_reason, "host ended the meeting")
           || zt_presence_reason_is(leave_reason, "host closed the meeting")
           || zt_presence_reason_is(leave_reason, "host ended the webinar");
}


int64_t
zt_chat_end_at(json_t *state, const char *meeting, int64_t at)
{
    size_t   i;
    json_t  *ch;

    json_array_foreach(json_object_get(state, "pending"), i, ch) {
        if (zt_chat_end_leave_of(ch, meeting)) {
            return zt_chat_int(ch, "at");
        }
    }

    return at;
}


int
zt_chat_end_leave(const json_t *ch)
{
    return json_is_true(json_object_get(ch, "end"))
           && strcmp(zt_chat_str(ch, "kind"), "leave") == 0;
}


/* an end leave of meeting */
static int
zt_chat_end_leave_of(const json_t *ch, const char *meeting)
{
    return zt_chat_end_leave(ch)
           && strcmp(zt_chat_str(ch, "meeting"), meeting) == 0;
}


/* a return to the main room that an end leave makes one departure with */
static int
zt_chat_end_pair(json_t *pending, const json_t *ch)
{
    size_t   i;
    int64_t  d;
    json_t  *l;

    if (!zt_chat_to_main(ch)) {
        return 0;
    }

    json_array_foreach(pending, i, l) {
        d = zt_chat_int(l, "ts") - zt_chat_int(ch, "ts");

        if (zt_chat_end_leave_of(l, zt_chat_str(ch, "meeting"))
            && strcmp(zt_chat_str(l, "person"), zt_chat_str(ch, "person"))
               == 0
            && d >= -ZT_CHAT_MOVE_GAP_MS && d <= ZT_CHAT_MOVE_GAP_MS)
        {
            return 1;
        }
    }

    return 0;
}


void
zt_chat_end_unsay(json_t *state, const char *meeting, int64_t ts)
{
    size_t   i;
    int64_t  d;
    json_t  *pending, *ch;

    pending = json_object_get(state, "pending");

    /* the end leaves go last: they pair the returns (zt_chat_end_pair) */
    for (i = json_array_size(pending); i > 0; i--) {
        ch = json_array_get(pending, i - 1);
        d = ts - zt_chat_int(ch, "ts");

        if (zt_chat_to_main(ch)
            && strcmp(zt_chat_str(ch, "meeting"), meeting) == 0
            && ((d >= 0 && d <= ZT_CHAT_MOVE_GAP_MS)
                || zt_chat_end_pair(pending, ch)))
        {
            json_array_remove(pending, i - 1);
        }
    }

    for (i = json_array_size(pending); i > 0; i--) {
        ch = json_array_get(pending, i - 1);

        if (zt_chat_end_leave_of(ch, meeting)) {
            json_array_remove(pending, i - 1);
        }
    }
}


int
zt_chat_end_more(json_t *pending, size_t i)
{
    size_t   j;
    json_t  *c;

    c = json_array_get(pending, i);

    if (!zt_chat_end_leave(c)) {
        return 0;
    }

    for (j = 0; j < i; j++) {
        if (zt_chat_end_leave_of(json_array_get(pending, j),
                                 zt_chat_str(c, "meeting")))
        {
            return 1;
        }
    }

    return 0;
}


int
zt_chat_end_collapse(json_t *pending, size_t take, char *skip)
{
    size_t   i, j, n;
    json_t  *c, *d;

    for (i = 0; i < take; i++) {
        c = json_array_get(pending, i);

        if (skip[i] || !zt_chat_end_leave(c)) {
            continue;
        }

        n = 1;

        for (j = i + 1; j < take; j++) {
            d = json_array_get(pending, j);

            if (!skip[j]
                && zt_chat_end_leave_of(d, zt_chat_str(c, "meeting")))
            {
                skip[j] = 1;
                n++;
            }
        }

        if (n > 1
            && json_object_set_new(c, "_ends", json_integer((json_int_t) n))
               != 0)
        {
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


/*
 * The meeting's end.  Zoom sends meeting.ended each time a lone host
 * leaves, and the same meeting can be joined again (zoom-api.md §5.6):
 * the presence engine has it ended at its first end after the last join
 * of anyone (README presence rule 7), and so does the chat.  An end
 * before a join already known, or after the end already taken with no
 * join since, says nothing.  A meeting that ended before any of these
 * fields existed has no "end_ts": 0, so any join runs it again.
 */
int
zt_chat_end_new(json_t *m, int64_t ts)
{
    if (json_is_true(json_object_get(m, "ended"))
        || ts < zt_chat_int(m, "join"))
    {
        return 0;
    }

    json_object_set_new(m, "ended", json_true());
    json_object_set_new(m, "end_ts", json_integer(ts));

    return 1;
}


/*
 * A join after the end runs the meeting again.  The end line is held
 * ZT_CHAT_END_HOLD_MS (zt_chat_text.c), so a lone host's end followed by
 * a rejoin arriving within that time is never said: the channel reads the
 * host's leave and rejoin, and later the real end.  Said already, it
 * stays said (the meeting did end then; the status CSV showed it), and
 * the next end is said too.  A join at or before the end, arriving late,
 * is ZT_DECLINED: the end took that person out, and a "joined" line after
 * the end line would say they are in.
 */
int
zt_chat_end_resume(json_t *state, const char *meeting, json_t *m,
    int64_t ts)
{
    size_t   i;
    json_t  *pending, *ch;

    if (ts > zt_chat_int(m, "join")
        && json_object_set_new(m, "join", json_integer(ts)) != 0)
    {
        return ZT_ERROR;
    }

    if (!json_is_true(json_object_get(m, "ended"))) {
        return ZT_OK;
    }

    /* a join before the end arriving late: the end took them out */
    if (ts <= zt_chat_int(m, "end_ts")) {
        return ZT_DECLINED;
    }

    if (json_object_set_new(m, "ended", json_false()) != 0) {
        return ZT_ERROR;
    }

    pending = json_object_get(state, "pending");

    for (i = json_array_size(pending); i > 0; i--) {
        ch = json_array_get(pending, i - 1);

        if (strcmp(zt_chat_str(ch, "kind"), "end") == 0
            && strcmp(zt_chat_str(ch, "meeting"), meeting) == 0)
        {
            json_array_remove(pending, i - 1);
        }
    }

    return ZT_OK;
}


void
zt_chat_end_defer(json_t *pending, int64_t now_ms)
{
    size_t   i, n, moved;
    int64_t  at;
    json_t  *ch;

    n = json_array_size(pending);

    for (i = 0, moved = 0; i + moved < n; /* void */) {
        ch = json_array_get(pending, i);
        at = zt_chat_int(ch, "at");

        if (strcmp(zt_chat_str(ch, "kind"), "end") != 0
            || now_ms < at || now_ms - at >= ZT_CHAT_END_HOLD_MS)
        {
            i++;
            continue;
        }

        /* append before remove: the array keeps its reference */
        if (json_array_append(pending, ch) != 0) {
            return;
        }

        json_array_remove(pending, i);
        moved++;
    }
}
