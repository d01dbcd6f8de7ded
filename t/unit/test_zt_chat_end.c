/*
 * Unit tests of zoomtrack/sinks/zt_chat_end.c: the host ends the meeting
 * and the chat says the end line, not a roll call, whatever the order the
 * leaves and meeting.ended arrive in, and one line when the end is lost;
 * a meeting.ended followed by a rejoin (a lone host's) is not the end.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_core.h"
#include "zt_chat_msg.h"
#include "tap.h"
#include "chat_fixture.h"


/* 2026-01-10 14:00:00 UTC; the host ends the meeting at 15:00 */
#define T0   1768053600000LL
#define MIN  60000LL
#define END  (T0 + 60 * MIN)

#define ENDED  "left the meeting.<br>Reason: Host ended the meeting."


static const char  *names[] = { "Ann", "@Bob", "Cy", "Di", "Ed" };


static int
fold(json_t *st, const char *type, int64_t ts, const char *name,
    const char *room, const char *reason, int64_t at)
{
    int      rc;
    char     pid[32], why[128];
    json_t  *r;

    snprintf(pid, sizeof(pid), "id-%s", name);
    snprintf(why, sizeof(why), "%s %s", name, reason);

    r = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                  "event_type", type, "event_ts", (json_int_t) ts,
                  "meeting_uuid", "M1==", "meeting_id", "85746065432",
                  "participant_name", name, "participant_email", "",
                  "participant_id", name[0] ? pid : "", "registrant_id", "",
                  "breakout_room_uuid", room,
                  "leave_reason", reason[0] ? why : "");
    rc = zt_chat_fold(st, r, at, &o);
    json_decref(r);

    return rc;
}


/* n people in, Ann (and Cy, of three or more) in rooms; everything said
 * by 10 s */
static json_t *
meeting(size_t n)
{
    size_t   i;
    json_t  *st;

    st = zt_chat_state_new();

    for (i = 0; i < n; i++) {
        fold(st, "meeting.participant_joined", T0, names[i], "", "", 0);
    }

    fold(st, "meeting.participant_joined_breakout_room", T0 + MIN, "Ann",
         "R1", "", 0);
    if (n > 2) {
        fold(st, "meeting.participant_joined_breakout_room", T0 + MIN, "Cy",
             "R2", "", 0);
    }
    free(compose(st, 10000));

    return st;
}


/* the host ends it: room leaves, then everyone's leave, at `at` */
static void
host_ends(json_t *st, size_t n, const char *reason, int64_t at)
{
    size_t  i;

    fold(st, "meeting.participant_left_breakout_room", END - 200, "Ann",
         "R1", "", at);
    if (n > 2) {
        fold(st, "meeting.participant_left_breakout_room", END - 150, "Cy",
             "R2", "", at);
    }

    for (i = 0; i < n; i++) {
        fold(st, "meeting.participant_left", END + (int64_t) i, names[i],
             "", reason, at);
    }
}


int
main(void)
{
    char        *t;
    json_t      *st;
    const char  *line = "🏁 Meeting 85746065432 ended · 3 people, "
                        "2 rooms · 15:00";

    /* ------------------------------ the leaves, then meeting.ended */
    st = meeting(3);
    host_ends(st, 3, ENDED, 20000);
    t = compose(st, 20000 + ZT_CHAT_LEAVE_HOLD_MS);
    is_str(t, NULL, "the leaves wait for the end longer than a leave");
    free(t);
    fold(st, "meeting.ended", END + 500, "", "", "", 25000);
    t = compose(st, 25000 + ZT_CHAT_END_HOLD_MS);
    is_str(t, line, "the end line alone, not a roll call");
    free(t);
    is_int(json_array_size(json_object_get(st, "pending")), 0,
           "nothing pending");
    json_decref(st);

    /* ------------------------------ meeting.ended, then the leaves */
    st = meeting(3);
    fold(st, "meeting.ended", END + 500, "", "", "", 20000);
    host_ends(st, 3, ENDED, 20000);
    t = compose(st, 20000 + ZT_CHAT_END_HOLD_MS);
    is_str(t, line, "the end first: the same");
    free(t);
    json_decref(st);

    /* ----------- the end after a restart (the state saved and loaded) */
    st = meeting(3);
    host_ends(st, 3, "left the meeting.<br>Reason: Host closed the "
              "meeting.", 20000);
    t = json_dumps(st, JSON_COMPACT);
    json_decref(st);
    st = json_loads(t, 0, NULL);
    free(t);
    fold(st, "meeting.ended", END + 500, "", "", "", 28000);
    t = compose(st, 40000);
    is_str(t, line, "\"host closed\", and a restart between: the same");
    free(t);
    json_decref(st);

    /* --------------------------- meeting.ended lost: one line for all */
    st = meeting(5);
    o.max_lines = 2;
    host_ends(st, 5, ENDED, 20000);
    t = compose(st, 20000 + ZT_CHAT_END_HOLD_MS - 1);
    is_str(t, NULL, "held while the end can still come");
    free(t);
    t = compose(st, 20000 + ZT_CHAT_END_HOLD_MS);
    is_str(t, "🔴 5 people left (host ended the meeting) · 15:00",
           "no end: one line says them all, as one of max_lines");
    free(t);
    is_int(json_array_size(json_object_get(st, "pending")), 0,
           "nothing pending, nothing dropped");

    /* ... and an end arriving later still says the end */
    fold(st, "meeting.ended", END + 500, "", "", "", 60000);
    t = compose(st, 70000);
    is_str(t, "🏁 Meeting 85746065432 ended · 5 people, 2 rooms · 15:00",
           "a late end is said too");
    free(t);
    json_decref(st);
    o.max_lines = 40;

    /* ... the leaves arriving over a few seconds: still one line */
    st = meeting(5);
    host_ends(st, 2, ENDED, 20000);
    fold(st, "meeting.participant_left", END + 3, "Di", "", ENDED, 25000);
    fold(st, "meeting.participant_left", END + 4, "Ed", "", ENDED, 26000);
    t = compose(st, 20000 + ZT_CHAT_END_HOLD_MS);
    is_str(t, "🔴 4 people left (host ended the meeting) · 15:00",
           "held from the meeting's first end leave: one line for all");
    free(t);
    json_decref(st);

    /* ... one person: their own line */
    st = meeting(1);
    host_ends(st, 1, ENDED, 20000);
    t = compose(st, 20000 + ZT_CHAT_END_HOLD_MS);
    is_str(t, "🔴 Ann left (host ended the meeting) · 15:00",
           "one end leave is a person's line");
    free(t);
    json_decref(st);

    /* ------------------- other leaves are said, and not held longer */
    st = meeting(4);
    fold(st, "meeting.participant_left", END - 5 * MIN, "Di", "",
         "left the meeting.<br>Reason: Network connection error.", 20000);
    host_ends(st, 3, ENDED, 20000);
    fold(st, "meeting.ended", END + 500, "", "", "", 21000);
    t = compose(st, 21000 + ZT_CHAT_END_HOLD_MS);
    is_str(t, "🔴 Di left (network connection error) · 14:55\n"
              "🏁 Meeting 85746065432 ended · 4 people, 2 rooms · 15:00",
           "a leave before the end, then the end line");
    free(t);
    json_decref(st);

    /* ------------- a lone host's end is not the meeting's (§5.6) */
    st = meeting(2);
    fold(st, "meeting.participant_left", END - 30 * MIN, "@Bob", "",
         "left the meeting.", 20000);
    fold(st, "meeting.participant_left", END - 20 * MIN, "Ann", "",
         "left the meeting.", 20000);
    fold(st, "meeting.ended", END - 20 * MIN + 500, "", "", "", 20000);
    t = compose(st, 20000 + ZT_CHAT_LEAVE_HOLD_MS);
    is_str(t, "🔴 @\xe2\x80\x8b" "Bob left · 14:30\n🔴 Ann left · 14:40",
           "the leaves are said; the end is held");
    free(t);
    fold(st, "meeting.participant_joined", END - 19 * MIN, "Ann", "", "",
         25000);
    fold(st, "meeting.participant_joined", END - 18 * MIN, "@Bob", "", "",
         25000);
    t = compose(st, 40000);
    is_str(t, "🟢 Ann joined · 14:41\n"
              "🟢 @\xe2\x80\x8b" "Bob joined · 14:42",
           "a rejoin takes the lone host's end back: no end line");
    free(t);
    host_ends(st, 2, ENDED, 60000);
    fold(st, "meeting.ended", END + 500, "", "", "", 61000);
    ok(fold(st, "meeting.ended", END + 700, "", "", "", 61000)
       == ZT_DECLINED, "a second end with no join between is nothing new");
    t = compose(st, 61000 + ZT_CHAT_END_HOLD_MS);
    is_str(t, "🏁 Meeting 85746065432 ended · 2 people, 1 room · 15:00",
           "the real end: its end line, and its end leaves in it");
    free(t);
    ok(fold(st, "meeting.ended", END - 20 * MIN + 500, "", "", "", 80000)
       == ZT_DECLINED, "the earlier end again: nothing");
    fold(st, "meeting.participant_joined", END - MIN, "Cy", "", "", 80000);
    fold(st, "meeting.participant_joined_breakout_room", END - 1, "Di",
         "R9", "", 80000);
    t = compose(st, 100000);
    is_str(t, NULL, "joins from before the end, arriving late: nothing");
    free(t);
    json_decref(st);

    /* ... an end arriving after a later join: nothing */
    st = meeting(1);
    fold(st, "meeting.participant_joined", END - 10 * MIN, "Cy", "", "",
         20000);
    ok(fold(st, "meeting.ended", END - 20 * MIN, "", "", "", 20000)
       == ZT_DECLINED, "an end before a known join is no end");
    t = compose(st, 40000);
    is_str(t, "🟢 Cy joined · 14:50", "the join alone");
    free(t);
    json_decref(st);

    /* ... the end said, a rejoin much later: both ends are said */
    st = meeting(1);
    fold(st, "meeting.participant_left", END - 20 * MIN, "Ann", "",
         "left the meeting.", 20000);
    fold(st, "meeting.ended", END - 20 * MIN + 500, "", "", "", 20000);
    t = compose(st, 20000 + ZT_CHAT_END_HOLD_MS);
    is_str(t, "🔴 Ann left · 14:40\n"
              "🏁 Meeting 85746065432 ended · 1 person, 1 room · 14:40",
           "no rejoin within the hold: the end is said");
    free(t);
    fold(st, "meeting.participant_joined", END - 5 * MIN, "Ann", "", "",
         90000);
    fold(st, "meeting.participant_left", END, "Ann", "", ENDED, 95000);
    fold(st, "meeting.ended", END + 500, "", "", "", 95000);
    t = compose(st, 95000 + ZT_CHAT_END_HOLD_MS);
    is_str(t, "🟢 Ann joined · 14:55\n"
              "🏁 Meeting 85746065432 ended · 1 person, 1 room · 15:00",
           "the meeting ran again and its end is said again");
    free(t);
    json_decref(st);

    /* ... a held end holds up no other meeting's lines */
    st = meeting(1);
    fold(st, "meeting.ended", END, "", "", "", 20000);
    t = json_dumps(json_object_get(json_object_get(st, "meetings"), "M1=="),
                   JSON_COMPACT);
    json_object_set_new(json_object_get(st, "meetings"), "M2==",
                        json_loads(t, 0, NULL));
    free(t);
    json_array_append_new(json_object_get(st, "pending"),
        json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "kind", "join",
                  "meeting", "M2==", "person", "x", "name", "Zed",
                  "ts", (json_int_t) END, "at", (json_int_t) 21000));
    t = compose(st, 22000);
    is_str(t, "🟢 Zed joined · 15:00", "the other meeting's join goes");
    free(t);
    t = compose(st, 20000 + ZT_CHAT_END_HOLD_MS);
    is_str(t, "🏁 Meeting 85746065432 ended · 1 person, 1 room · 15:00",
           "then the end line");
    free(t);
    json_decref(st);

    /* ... a state written before "end_ts": loads, a join runs it again */
    st = meeting(1);
    fold(st, "meeting.ended", END - 20 * MIN, "", "", "", 20000);
    free(compose(st, 40000));
    json_object_del(json_object_get(json_object_get(st, "meetings"), "M1=="),
                    "end_ts");
    json_object_del(json_object_get(json_object_get(st, "meetings"), "M1=="),
                    "join");
    t = json_dumps(st, JSON_COMPACT);
    json_decref(st);
    st = json_loads(t, 0, NULL);
    free(t);
    ok(zt_chat_state_check(st) == ZT_OK, "an old state loads");
    ok(fold(st, "meeting.ended", END - 20 * MIN, "", "", "", 41000)
       == ZT_DECLINED, "its end again is nothing new");
    fold(st, "meeting.participant_joined", END - 5 * MIN, "Ann", "", "",
         42000);
    fold(st, "meeting.ended", END, "", "", "", 42000);
    t = compose(st, 42000 + ZT_CHAT_END_HOLD_MS);
    is_str(t, "🟢 Ann joined · 14:55\n"
              "🏁 Meeting 85746065432 ended · 1 person, 1 room · 15:00",
           "a join runs it again, and its next end is said");
    free(t);
    json_decref(st);

    ok(zt_chat_end_reason("X left the meeting.<br>Reason: Host ended the "
                          "meeting.")
       && zt_chat_end_reason("Host closed the meeting.")
       && !zt_chat_end_reason("Host started a new meeting.")
       && !zt_chat_end_reason("Removed by host."), "the reasons that count");

    return done_testing();
}
