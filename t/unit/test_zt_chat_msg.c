/*
 * Unit tests of zoomtrack/sinks/zt_chat_msg.c: presence changes from
 * records and the coalesced chat message, line by line.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_core.h"
#include "zt_chat_msg.h"
#include "zt_utf8.h"
#include "tap.h"
#include "chat_fixture.h"


/* 2026-01-10 14:00:00 UTC */
#define T0   1768053600000LL
#define MIN  60000LL


static json_t *
rec(const char *type, int64_t ts, const char *name, const char *email,
    const char *pid, const char *room, const char *reason)
{
    return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                     "event_type", type, "event_ts", (json_int_t) ts,
                     "meeting_uuid", "M1==", "meeting_id", "85746065432",
                     "participant_name", name, "participant_email", email,
                     "participant_id", pid, "registrant_id", "",
                     "breakout_room_uuid", room, "leave_reason", reason);
}


static int
fold(json_t *st, json_t *r, int64_t at)
{
    int  rc;

    rc = zt_chat_fold(st, r, at, &o);
    json_decref(r);
    return rc;
}


/* Rex (in the main room) joins a room as Zoom sends a move: the main
 * leave at L, the room join at L + 500, the main rejoin at L + 800 (the
 * room join earlier than the rejoin), arriving in the order given */
#define MOVE_L  (T0 + 10 * MIN)

static char *
move(const char *order)
{
    char        *t;
    json_t      *st;
    const char  *c;

    st = zt_chat_state_new();
    fold(st, rec("meeting.participant_joined", T0, "Rex", "", "idR", "",
                 ""), 0);
    free(compose(st, 10000));

    for (c = order; *c; c++) {
        fold(st, *c == 'L'
                 ? rec("meeting.participant_left", MOVE_L, "Rex", "", "idR",
                       "", "Rex left the meeting.<br>Reason: left to join "
                       "breakout room.")
                 : *c == 'R'
                 ? rec("meeting.participant_joined_breakout_room",
                       MOVE_L + 500, "Rex", "", "idR", "RB", "")
                 : rec("meeting.participant_joined", MOVE_L + 800, "Rex",
                       "", "idR", "", ""),
             20000 + 100 * (c - order));
    }

    t = compose(st, 30000);
    json_decref(st);

    return t;
}


/* all + "|" + t (or all alone when nothing was composed); frees both */
static char *
append_message(char *all, char *t)
{
    size_t  len;

    if (t == NULL) {
        return all;
    }

    len = strlen(all) + strlen(t) + 2;
    all = realloc(all, len);
    snprintf(all + strlen(all), len - strlen(all), "%s%s", all[0] ? "|" : "",
             t);
    free(t);

    return all;
}


/* Una in room R1 leaves the meeting from it: room leave at L, main leave
 * at L + 300, arriving in the order given, composed after each */
static char *
leave_from_room(const char *order)
{
    char        *all;
    json_t      *st;
    const char  *c;

    st = zt_chat_state_new();
    fold(st, rec("meeting.participant_joined", T0, "Una", "", "idU", "",
                 ""), 0);
    fold(st, rec("meeting.participant_joined_breakout_room", T0 + 1000,
                 "Una", "", "idU", "R1", ""), 0);
    free(compose(st, 10000));

    all = strdup("");
    for (c = order; *c; c++) {
        fold(st, *c == 'r'
                 ? rec("meeting.participant_left_breakout_room", MOVE_L,
                       "Una", "", "idU", "R1", "")
                 : rec("meeting.participant_left", MOVE_L + 300, "Una", "",
                       "idU", "", "Una left the meeting.<br>Reason: left "
                       "the meeting."),
             20000 + 2000 * (c - order));
        all = append_message(all, compose(st, 20000 + 2000 * (c - order)
                                              + 1000));
    }

    all = append_message(all, compose(st, 60000));

    json_decref(st);

    return all;
}


int
main(void)
{
    char      *t;
    unsigned   mask;
    json_t    *st;

    /* ------------------------------------------------ [chat] events */
    ok(zt_chat_parse_events("joins,leaves,rooms,meetings", &mask) == ZT_OK
       && mask == ZT_CHAT_ALL, "all four kinds");
    ok(zt_chat_parse_events(" Joins , rooms", &mask) == ZT_OK
       && mask == (ZT_CHAT_JOINS | ZT_CHAT_ROOMS), "spaces and case");
    ok(zt_chat_parse_events("joins,lefts", &mask) == ZT_ERROR,
       "an unknown kind is refused");
    ok(zt_chat_parse_events("", &mask) == ZT_ERROR, "nothing is refused");

    /* ---------------------------------- a meeting, coalesced into one */
    st = zt_chat_state_new();
    fold(st, rec("meeting.started", T0, "", "", "", "", ""), 1000);
    fold(st, rec("meeting.participant_joined", T0 + 2 * MIN, "Alice",
                 "alice@example.org", "idA", "", ""), 1000);
    fold(st, rec("meeting.participant_joined", T0 + 3 * MIN, "Bob", "",
                 "idB", "", ""), 1000);
    /* Alice goes to a room: Zoom's main left + joined pair, then the room */
    fold(st, rec("meeting.participant_left", T0 + 4 * MIN, "Alice",
                 "alice@example.org", "idA", "",
                 "Alice left the meeting.<br>Reason: left to join breakout "
                 "room."), 1000);
    fold(st, rec("meeting.participant_joined_breakout_room",
                 T0 + 4 * MIN + 500, "Alice", "alice@example.org", "idA",
                 "R1", ""), 1000);
    /* Carol joins and goes to Room-1, then Room-2 (collapsed) */
    fold(st, rec("meeting.participant_joined", T0 + 5 * MIN, "Carol", "",
                 "idC", "", ""), 1000);
    fold(st, rec("meeting.participant_joined_breakout_room", T0 + 5 * MIN
                 + 1000, "Carol", "", "idC", "R1", ""), 1000);
    fold(st, rec("meeting.participant_left_breakout_room", T0 + 6 * MIN,
                 "Carol", "", "idC", "R1", ""), 1000);
    fold(st, rec("meeting.participant_joined_breakout_room", T0 + 6 * MIN
                 + 300, "Carol", "", "idC", "R2", ""), 1000);
    /* Bob drops */
    fold(st, rec("meeting.participant_left", T0 + 7 * MIN, "Bob", "", "idB",
                 "", "Bob left the meeting.<br>Reason: Network connection "
                 "error."), 1000);

    t = compose(st, 1500);
    is_str(t, "🎬 Meeting 85746065432 started · 14:00\n"
              "🟢 Alice joined · Room-1 · 14:02\n"
              "🟢 Bob joined · 14:03\n"
              "🟢 Carol joined · Room-2 · 14:05",
           "a young leave holds back the rest; a join reads its room");
    free(t);

    t = compose(st, 1000 + ZT_CHAT_LEAVE_HOLD_MS);
    is_str(t, "🔴 Bob left (network connection error) · 14:07",
           "the leave once it cannot be a move any more");
    free(t);
    is_int(json_array_size(json_object_get(st, "pending")), 0,
           "nothing left pending");

    /* ------------------------------- a move is not a leave, nor a join */
    fold(st, rec("meeting.participant_left", T0 + 8 * MIN, "Carol", "",
                 "idC", "", ""), 2000);
    fold(st, rec("meeting.participant_joined", T0 + 8 * MIN + 1500, "Carol",
                 "", "idC", "", ""), 2000);
    t = compose(st, 10000);
    is_str(t, "↩️ Carol → main room · 14:08",
           "left + joined within 2 s is no leave nor join; minutes after "
           "her room join, it is her return to the main room");
    free(t);

    /* a late (older) leave never takes anyone offline */
    ok(fold(st, rec("meeting.participant_left", T0 + 2 * MIN, "Alice",
                    "alice@example.org", "idA", "", ""), 3000)
       == ZT_OK, "an old leave folds");
    t = compose(st, 10000);
    is_str(t, NULL, "... and says nothing");
    free(t);

    /* a redelivered join says nothing */
    fold(st, rec("meeting.participant_joined", T0 + 3 * MIN, "Bob", "", "idB",
                 "", ""), 3000);
    t = compose(st, 10000);
    is_str(t, NULL, "a duplicate join says nothing");
    free(t);

    /* ------------------------------------------------- the end, counted */
    fold(st, rec("meeting.participant_left_breakout_room", T0 + 9 * MIN,
                 "Alice", "alice@example.org", "idA", "R1", ""), 4000);
    fold(st, rec("meeting.ended", T0 + 60 * MIN, "", "", "", "", ""), 4000);
    ok(fold(st, rec("meeting.ended", T0 + 60 * MIN, "", "", "", "", ""),
            4000) == ZT_DECLINED, "a second end is nothing new");
    t = compose(st, 4000 + ZT_CHAT_END_HOLD_MS);
    is_str(t, "↩️ Alice → main room · 14:09\n"
              "🏁 Meeting 85746065432 ended · 3 people, 2 rooms · 15:00",
           "the end counts people and rooms");
    free(t);
    json_decref(st);

    /* ------------------- a move's three events, in any arrival order */
    {
        size_t       i;
        const char  *orders[] = { "LJR", "LRJ", "JLR", "JRL", "RLJ", "RJL" };

        for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
            t = move(orders[i]);
            is_str(t, "➡️ Rex → Room-1 · 14:10",
                   "a move arriving %s is one move line", orders[i]);
            free(t);
        }
    }

    /* ------ a lost main join: the room join is the join (rule 6) */
    {
        size_t       i;
        const char  *orders[] = { "R", "RJ", "JR" };

        for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
            const char  *c;

            st = zt_chat_state_new();
            for (c = orders[i]; *c; c++) {
                fold(st, *c == 'R'
                         ? rec("meeting.participant_joined_breakout_room",
                               T0 + 8 * MIN + 400, "Bob", "", "idB", "R1",
                               "")
                         : rec("meeting.participant_joined", T0 + 8 * MIN,
                               "Bob", "", "idB", "", ""), 1000);
            }
            t = compose(st, 10000);
            is_str(t, "🟢 Bob joined · Room-1 · 14:08",
                   "a room join with %s: joined into the room",
                   orders[i][1] ? orders[i] : "no main join");
            free(t);
            json_decref(st);
        }
    }

    /* ---- back in the main room, the room leave lost (rule 8) */
    {
        size_t       i;
        const char  *orders[] = { "LJ", "JL", "LJR", "JLR", "LRJ" };

        for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
            const char  *c;

            st = zt_chat_state_new();
            fold(st, rec("meeting.participant_joined", T0, "Cid", "", "idC",
                         "", ""), 0);
            fold(st, rec("meeting.participant_joined_breakout_room",
                         T0 + MIN, "Cid", "", "idC", "R3", ""), 0);
            free(compose(st, 10000));
            for (c = orders[i]; *c; c++) {
                fold(st, *c == 'L'
                         ? rec("meeting.participant_left", T0 + 20 * MIN,
                               "Cid", "", "idC", "", "")
                         : *c == 'J'
                         ? rec("meeting.participant_joined", T0 + 20 * MIN
                               + 400, "Cid", "", "idC", "", "")
                         : rec("meeting.participant_joined_breakout_room",
                               T0 + 20 * MIN + 900, "Cid", "", "idC", "R4",
                               ""), 20000);
            }
            t = compose(st, 20000 + ZT_CHAT_LEAVE_HOLD_MS);
            is_str(t, orders[i][2] ? "➡️ Cid → Room-2 · 14:20"
                                   : "↩️ Cid → main room · 14:20",
                   "a main leave + join arriving %s after minutes in a room:"
                   " %s", orders[i], orders[i][2] ? "a move" : "back");
            free(t);
            json_decref(st);
        }
    }

    /* ... a reconnect in the room: its main join, then its room join
     * back into the same room, says nothing */
    st = zt_chat_state_new();
    fold(st, rec("meeting.participant_joined", T0, "Cid", "", "idC", "", ""),
         0);
    fold(st, rec("meeting.participant_joined_breakout_room", T0 + MIN, "Cid",
                 "", "idC", "R3", ""), 0);
    free(compose(st, 10000));
    fold(st, rec("meeting.participant_joined", T0 + 20 * MIN, "Cid", "",
                 "idC", "", ""), 20000);
    fold(st, rec("meeting.participant_joined_breakout_room", T0 + 20 * MIN
                 + 900, "Cid", "", "idC", "R3", ""), 21000);
    t = compose(st, 30000);
    is_str(t, NULL, "a reconnect back into the same room: nothing");
    free(t);
    json_decref(st);

    /* ------------------------- rooms numbered by first join in time */
    st = zt_chat_state_new();
    fold(st, rec("meeting.participant_joined", T0, "Ann", "", "idA", "", ""),
         0);
    fold(st, rec("meeting.participant_joined", T0, "Bob", "", "idB", "", ""),
         0);
    free(compose(st, 10000));
    /* Ann's room join (later in time, into RZ) arrives before Bob's (RY) */
    fold(st, rec("meeting.participant_joined_breakout_room", T0 + MIN + 900,
                 "Ann", "", "idA", "RZ", ""), 20000);
    fold(st, rec("meeting.participant_joined_breakout_room", T0 + MIN + 400,
                 "Bob", "", "idB", "RY", ""), 20100);
    t = compose(st, 30000);
    is_str(t, "➡️ Ann → Room-2 · 14:01\n"
              "➡️ Bob → Room-1 · 14:01",
           "rooms are numbered by their first join in event time, as the "
           "board does");
    free(t);
    fold(st, rec("meeting.participant_left_breakout_room", T0 + 5 * MIN,
                 "Ann", "", "idA", "RZ", ""), 40000);
    fold(st, rec("meeting.participant_joined_breakout_room", T0 + 5 * MIN
                 + 300, "Ann", "", "idA", "RY", ""), 40000);
    t = compose(st, 50000);
    is_str(t, "➡️ Ann → Room-1 · 14:05",
           "the same room, the same number");
    free(t);
    json_decref(st);

    /* a state saved before numbered its rooms with integers: they keep
     * their numbers, and a room met since comes after them */
    st = json_loads("{\"version\": 1, \"pending\": [], \"meetings\": "
                    "{\"M1==\": {\"id\": \"85746065432\", \"started\": "
                    "true, \"ended\": false, \"last\": 0, \"rooms\": "
                    "{\"RB\": 2, \"RA\": 1}, \"people\": {\"id:idA\": "
                    "{\"name\": \"Ann\", \"online\": true, \"room\": "
                    "\"RA\", \"left\": 0, \"ts\": 1768053660000}}}}}",
                    0, NULL);
    ok(st && zt_chat_state_check(st) == ZT_OK, "an old state loads");
    fold(st, rec("meeting.participant_left_breakout_room", T0 + 2 * MIN,
                 "Ann", "", "idA", "RA", ""), 0);
    fold(st, rec("meeting.participant_joined_breakout_room", T0 + 2 * MIN
                 + 300, "Ann", "", "idA", "RB", ""), 0);
    fold(st, rec("meeting.participant_joined_breakout_room", T0 + 3 * MIN,
                 "Bob", "", "idB", "RC", ""), 0);
    t = compose(st, 10000);
    is_str(t, "➡️ Ann → Room-2 · 14:02\n"
              "🟢 Bob joined · Room-3 · 14:03",
           "its rooms keep their numbers, a new one comes after");
    free(t);
    json_decref(st);

    /* ------------------------------- leaving from a room: one line */
    t = leave_from_room("rm");
    is_str(t, "🔴 Una left (left the meeting) · 14:10",
           "room leave then main leave: one left line");
    free(t);
    t = leave_from_room("mr");
    is_str(t, "🔴 Una left (left the meeting) · 14:10",
           "main leave then room leave: one left line");
    free(t);

    /* ... and a leave and a rejoin a minute later, arriving together */
    {
        size_t       i;
        const char  *orders[] = { "rmj", "rjm", "jrm", "mjr" };

        for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
            const char  *c;

            st = zt_chat_state_new();
            fold(st, rec("meeting.participant_joined", T0, "Una", "", "idU",
                         "", ""), 0);
            fold(st, rec("meeting.participant_joined_breakout_room",
                         T0 + 1000, "Una", "", "idU", "R1", ""), 0);
            free(compose(st, 10000));

            for (c = orders[i]; *c; c++) {
                fold(st, *c == 'r'
                         ? rec("meeting.participant_left_breakout_room",
                               MOVE_L, "Una", "", "idU", "R1", "")
                         : *c == 'm'
                         ? rec("meeting.participant_left", MOVE_L + 300,
                               "Una", "", "idU", "", "")
                         : rec("meeting.participant_joined", MOVE_L + MIN,
                               "Una", "", "idU", "", ""), 20000);
            }

            t = compose(st, 30000);
            is_str(t, "🔴 Una left · 14:10\n🟢 Una joined · 14:11",
                   "a leave from a room and a rejoin arriving %s",
                   orders[i]);
            free(t);
            json_decref(st);
        }
    }

    /* ------------- the end from rooms: no "main room" line for anyone */
    st = zt_chat_state_new();
    fold(st, rec("meeting.participant_joined", T0, "Ann", "", "idA", "", ""),
         0);
    fold(st, rec("meeting.participant_joined_breakout_room", T0 + 1000,
                 "Ann", "", "idA", "R1", ""), 0);
    fold(st, rec("meeting.participant_joined", T0, "Bob", "", "idB", "", ""),
         0);
    fold(st, rec("meeting.participant_joined_breakout_room", T0 + 1000,
                 "Bob", "", "idB", "R2", ""), 0);
    free(compose(st, 10000));
    fold(st, rec("meeting.participant_left_breakout_room", T0 + 30 * MIN,
                 "Ann", "", "idA", "R1", ""), 20000);
    fold(st, rec("meeting.participant_left_breakout_room", T0 + 30 * MIN
                 + 100, "Bob", "", "idB", "R2", ""), 20000);
    fold(st, rec("meeting.ended", T0 + 30 * MIN + 500, "", "", "", "", ""),
         20500);
    fold(st, rec("meeting.participant_left", T0 + 30 * MIN + 600, "Ann", "",
                 "idA", "", ""), 21000);
    t = compose(st, 20500 + ZT_CHAT_END_HOLD_MS);
    is_str(t, "🏁 Meeting 85746065432 ended · 2 people, 2 rooms · 14:30",
           "the end from the rooms is the end line alone");
    free(t);
    json_decref(st);

    /* ------------------------------------- never an email, no mentions */
    st = zt_chat_state_new();
    fold(st, rec("meeting.participant_joined", T0, "dave@example.org",
                 "dave@example.org", "", "", ""), 0);
    fold(st, rec("meeting.participant_joined", T0, "@channel <!here> & co",
                 "", "idE", "", ""), 0);
    fold(st, rec("meeting.participant_joined", T0, "", "", "idF", "", ""),
         0);
    fold(st, rec("meeting.participant_joined", T0, "@jane.doe", "", "idH",
                 "", ""), 0);
    fold(st, rec("meeting.participant_joined", T0 + MIN, "Gus", "", "idG", "",
                 ""), 0);
    fold(st, rec("meeting.participant_left", T0 + 2 * MIN, "Gus", "", "idG",
                 "", "Gus left.<br>Reason: kicked by x@example.org"), 0);
    t = compose(st, 10000);
    is_str(t, "🟢 dave joined · 14:00\n"
              "🟢 @\xe2\x80\x8b" "channel &lt;!here&gt; &amp; co joined"
              " · 14:00\n"
              "🟢 A guest joined · 14:00\n"
              "🟢 @\xe2\x80\x8b" "jane.doe joined · 14:00\n"
              "🟢 Gus joined · 14:01\n"
              "🔴 Gus left · 14:02",
           "emails cut, mentions broken, Slack escapes, no reason with @");
    ok(t && strstr(t, "example.org") == NULL, "no email anywhere");
    free(t);
    json_decref(st);

    /* ----------------------------------- allowlist, kinds, max_lines */
    st = zt_chat_state_new();
    o.allowlist = "alice, bob@example.org";
    o.mask = ZT_CHAT_JOINS | ZT_CHAT_MEETINGS;
    fold(st, rec("meeting.participant_joined", T0, "Alice", "", "idA", "",
                 ""), 0);
    fold(st, rec("meeting.participant_joined", T0, "Robert",
                 "bob@example.org", "idB", "", ""), 0);
    fold(st, rec("meeting.participant_joined", T0, "Eve", "", "idE", "", ""),
         0);
    fold(st, rec("meeting.participant_joined_breakout_room", T0 + MIN,
                 "Alice", "", "idA", "R9", ""), 0);
    fold(st, rec("meeting.ended", T0 + 2 * MIN, "", "", "", "", ""), 0);
    o.max_lines = 2;
    t = compose(st, 10000);
    is_str(t, "🟢 Alice joined · 14:00\n🟢 Robert joined · 14:00",
           "only the allowlist, only joins; two lines");
    free(t);
    t = compose(st, 10000);
    is_str(t, "🏁 Meeting 85746065432 ended · 3 people, 1 room · 14:02",
           "the rest in the next message; counts include everyone");
    free(t);
    json_decref(st);

    /* ------------------------------------ two meetings in one message */
    st = zt_chat_state_new();
    o.allowlist = "";
    o.mask = ZT_CHAT_ALL;
    o.max_lines = 40;
    fold(st, rec("meeting.participant_joined", T0, "Ann", "", "idA", "", ""),
         0);
    {
        json_t  *r2 = rec("meeting.participant_joined", T0 + MIN, "Ann", "",
                          "idA", "", "");
        json_object_set_new(r2, "meeting_uuid", json_string("M2=="));
        json_object_set_new(r2, "meeting_id", json_string("111"));
        fold(st, r2, 0);
    }
    t = compose(st, 10000);
    is_str(t, "🟢 Ann joined · meeting 85746065432 · 14:00\n"
              "🟢 Ann joined · meeting 111 · 14:01",
           "lines name their meeting when a message has two");
    free(t);
    json_decref(st);

    /* ------------------------- long names: valid UTF-8, bounded text */
    st = zt_chat_state_new();
    {
        int     i;
        char    name[128], pid[16];
        size_t  off;

        for (i = 0; i < 45; i++) {
            memcpy(name + 2 * i, "\xc5\x9f", 2);               /* U+015F */
        }
        name[90] = '\0';
        fold(st, rec("meeting.participant_joined", T0, name, "", "s", "",
                     ""), 0);
        t = compose(st, 10000);
        ok(t != NULL && zt_utf8_check((unsigned char *) t, strlen(t), &off)
           == ZT_UTF8_OK, "a name cut to 80 bytes stays valid UTF-8");
        free(t);

        memset(name, '&', 80);
        name[80] = '\0';
        for (i = 0; i < 40; i++) {
            snprintf(pid, sizeof(pid), "p%d", i);
            name[0] = (char) ('A' + i % 26);
            fold(st, rec("meeting.participant_joined", T0 + i, name, "", pid,
                         "", ""), 0);
        }
        t = compose(st, 10000);
        ok(t != NULL && strlen(t) <= 16000, "40 lines of escaped names stay "
           "within a chat message (%zu bytes)", t ? strlen(t) : 0);
        ok(json_array_size(json_object_get(st, "pending")) > 0,
           "the rest waits for the next message");
        free(t);
        t = compose(st, 10000);
        ok(t != NULL && strlen(t) <= 16000, "and goes in the next one");
        free(t);
        is_int(json_array_size(json_object_get(st, "pending")), 0,
               "nothing left");
    }
    json_decref(st);

    /* ------------------------------ a name makes no link or image */
    st = zt_chat_state_new();
    fold(st, rec("meeting.participant_joined", T0, "![x](https://e.example/p)",
                 "", "lnk", "", ""), 0);
    t = compose(st, 10000);
    ok(t && strstr(t, "]\xe2\x80\x8b(") && strstr(t, "https:\xe2\x80\x8b//")
       && !strstr(t, "](") && !strstr(t, "://"),
       "Markdown link and image syntax broken by zero-width spaces");
    free(t);
    json_decref(st);

    /* ------------------------------ forget: one person out of it all */
    {
        size_t   gone;
        json_t  *keys, *outbox;
        char    *all;

        st = zt_chat_state_new();
        outbox = json_array();
        json_object_set_new(st, "outbox", outbox);
        fold(st, rec("meeting.participant_joined", T0, "Zoe Forget",
                     "zoe@example.org", "pZoe", "", ""), 0);
        fold(st, rec("meeting.participant_joined", T0, "Zoe Forgetful",
                     "", "pZf", "", ""), 0);
        fold(st, rec("meeting.participant_joined", T0, "Alice", "", "pA",
                     "", ""), 0);
        t = compose(st, 10000);
        json_array_append_new(outbox, json_pack("{s:i, s:s}", "id", 1,
                                                "text", t));
        free(t);
        fold(st, rec("meeting.participant_joined_breakout_room",
                     T0 + MIN, "Zoe Forget", "zoe@example.org", "pZoe",
                     "R1", ""), 20000);
        t = compose(st, 30000);
        json_array_append_new(outbox, json_pack("{s:i, s:s}", "id", 2,
                                                "text", t));
        free(t);
        fold(st, rec("meeting.participant_left", T0 + 2 * MIN,
                     "Zoe Forget", "zoe@example.org", "pZoe", "", ""),
             40000);
        fold(st, rec("meeting.participant_left", T0 + 2 * MIN, "Alice", "",
                     "pA", "", ""), 40000);

        all = json_dumps(st, 0);
        ok(all && strstr(all, "Zoe Forget\"") && strstr(all, "Zoe Forget "),
           "before: the state names Zoe (people, outbox, pending)");
        free(all);

        keys = json_pack("[s, s]", "id:pZoe", "id:nobody");
        ok(zt_chat_forget(st, keys, &gone) == ZT_OK, "forget");
        is_int(gone, 1, "one entry removed");
        json_decref(keys);

        all = json_dumps(st, 0);
        ok(all && !strstr(all, "Zoe Forget\"") && !strstr(all, "Zoe Forget ")
           && !strstr(all, "pZoe"), "after: nothing names Zoe any more");
        ok(all && strstr(all, "Zoe Forgetful joined")
           && strstr(all, "Alice joined"),
           "the others' lines stay, a longer name too");
        free(all);

        is_int(json_array_size(outbox = json_object_get(st, "outbox")), 1,
               "a message about her alone goes");
        is_int(json_array_size(json_object_get(st, "pending")), 1,
               "her pending leave goes, Alice's stays");
        ok(json_object_get(json_object_get(json_object_get(
               json_object_get(st, "meetings"), "M1=="), "people"), "id:pA")
           != NULL, "Alice stays in the meeting");
        json_decref(st);
    }

    t = zt_chat_said_name("zoe@example.org");
    is_str(t, "zoe", "a name that is an email is said without its domain");
    free(t);

    /* ---------------------------------------- the waiting room */
    st = zt_chat_state_new();
    fold(st, rec("meeting.started", T0, "", "", "", "", ""), 1000);
    fold(st, rec("meeting.participant_joined", T0 + MIN, "Hal", "", "idH",
                 "", ""), 1000);
    /* Dan knocks and gives up: Zoom's participant_left of the waiting
     * room, for someone who never was in the meeting */
    fold(st, rec("meeting.participant_left", T0 + 2 * MIN, "Dan", "", "",
                 "", "Dan left the meeting.<br>Reason: Leave waiting room."),
         1000);
    /* Hal is put back into the waiting room: out of the meeting */
    fold(st, rec("meeting.participant_put_in_waiting_room", T0 + 3 * MIN,
                 "Hal", "", "idH", "", ""), 1000);
    t = compose(st, 1000 + ZT_CHAT_LEAVE_HOLD_MS);
    is_str(t, "🎬 Meeting 85746065432 started · 14:00\n"
              "🟢 Hal joined · 14:01\n"
              "🔴 Hal left · 14:03",
           "a waiting-room leave says nothing; being put back in it is a "
           "leave");
    free(t);
    json_decref(st);

    /* only Zoom's reason counts, not a display name that looks like one */
    st = zt_chat_state_new();
    fold(st, rec("meeting.participant_joined", T0 + MIN, "Breakout Bo", "",
                 "idB", "", ""), 1000);
    fold(st, rec("meeting.participant_joined", T0 + MIN, "Host ended the "
                 "meeting", "", "idE", "", ""), 1000);
    fold(st, rec("meeting.participant_left", T0 + 2 * MIN, "Breakout Bo",
                 "", "idB", "", "Breakout Bo left the meeting.<br>Reason: "
                 "Network connection error."), 1000);
    fold(st, rec("meeting.participant_left", T0 + 2 * MIN, "Host ended the "
                 "meeting", "", "idE", "", "Host ended the meeting left the "
                 "meeting.<br>Reason: left the meeting."), 1000);
    /* said once a plain leave's hold is over: an end's would hold longer */
    t = compose(st, 1000 + ZT_CHAT_LEAVE_HOLD_MS);
    is_str(t, "🟢 Breakout Bo joined · 14:01\n"
              "🟢 Host ended the meeting joined · 14:01\n"
              "🔴 Breakout Bo left (network connection error) · 14:02\n"
              "🔴 Host ended the meeting left (left the meeting) · 14:02",
           "a name like a move's or an end's reason is a name");
    free(t);
    json_decref(st);

    /* ---------------------------------------- not presence events */
    st = zt_chat_state_new();
    ok(fold(st, rec("meeting.sharing_started", T0, "A", "", "x", "", ""), 0)
       == ZT_DECLINED, "sharing is not presence");
    ok(zt_chat_state_check(st) == ZT_OK, "state shape");
    fold(st, rec("meeting.participant_joined", T0, "A", "", "x", "", ""), 0);
    is_int(json_object_size(json_object_get(st, "meetings")), 1,
           "a meeting");
    zt_chat_prune(st, 86400 * 1000LL, 86400 * 1000LL);
    is_int(json_object_size(json_object_get(st, "meetings")), 1,
           "kept while young");
    zt_chat_prune(st, 3 * 86400 * 1000LL, 86400 * 1000LL);
    is_int(json_object_size(json_object_get(st, "meetings")), 0,
           "idle meetings are pruned");
    json_decref(st);

    return done_testing();
}
