/*
 * Unit tests of zoomtrack/sinks/zt_chat_device.c: one person on two
 * devices (README presence rule 9) in the chat, as the engine has them.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_core.h"
#include "zt_chat_msg.h"
#include "tap.h"
#include "chat_fixture.h"


/* 2026-01-10 14:00:00 UTC */
#define T0   1768053600000LL
#define MIN  60000LL

#define JOIN   "meeting.participant_joined"
#define LEAVE  "meeting.participant_left"
#define RJOIN  "meeting.participant_joined_breakout_room"
#define RLEAVE "meeting.participant_left_breakout_room"



/* an event of Jo (one account) on device dev ("" for none) */
static void
jo(json_t *st, const char *type, int64_t ts, const char *dev,
    const char *room, const char *reason, int64_t at)
{
    json_t  *r;

    r = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                  "event_type", type, "event_ts", (json_int_t) ts,
                  "meeting_uuid", "M1==", "meeting_id", "85746065432",
                  "participant_name", "Jo", "participant_email",
                  "jo@example.org", "participant_id", "idJo",
                  "registrant_id", "", "breakout_room_uuid", room,
                  "leave_reason", reason, "participant_uuid", dev);
    zt_chat_fold(st, r, at, &o);
    json_decref(r);
}


/* Jo's laptop (L) in room R1 since 14:01, her phone (P) in the main room
 * since 14:02; all said by 20 s, into *said (malloc()ed) unless NULL */
static json_t *
laptop_in_room_phone_in_main(char **said)
{
    char    *t;
    json_t  *st;

    st = zt_chat_state_new();
    jo(st, JOIN, T0, "L", "", "", 0);
    jo(st, LEAVE, T0 + MIN, "L", "", "Jo left the meeting.<br>Reason: "
       "left to join breakout room.", 0);
    jo(st, RJOIN, T0 + MIN + 400, "L", "R1", "", 0);
    jo(st, JOIN, T0 + MIN + 700, "L", "", "", 0);
    jo(st, JOIN, T0 + 2 * MIN, "P", "", "", 0);
    t = compose(st, 20000);

    if (said) {
        *said = t;
    } else {
        free(t);
    }

    return st;
}


int
main(void)
{
    char    *t;
    json_t  *st;

    st = laptop_in_room_phone_in_main(&t);
    is_str(t, "🟢 Jo joined · Room-1 · 14:00",
           "the phone joining while the laptop is in a room says nothing");
    free(t);

    /* the phone leaves: the laptop is still in Room-1 */
    jo(st, LEAVE, T0 + 5 * MIN, "P", "", "Jo left the meeting.<br>Reason: "
       "left the meeting.", 30000);
    t = compose(st, 30000 + ZT_CHAT_LEAVE_HOLD_MS);
    is_str(t, NULL, "one device leaving while another is in says nothing");
    free(t);

    /* ... and rejoins */
    jo(st, JOIN, T0 + 6 * MIN, "P", "", "", 40000);
    t = compose(st, 50000);
    is_str(t, NULL, "nor does it rejoining");
    free(t);

    /* the laptop leaves the meeting from its room: the phone is in */
    jo(st, RLEAVE, T0 + 8 * MIN, "L", "R1", "", 60000);
    jo(st, LEAVE, T0 + 8 * MIN + 300, "L", "", "Jo left the meeting.<br>"
       "Reason: left the meeting.", 60000);
    t = compose(st, 60000 + ZT_CHAT_LEAVE_HOLD_MS);
    is_str(t, "↩️ Jo → main room · 14:08",
           "the laptop leaving from a room with the phone in: the main "
           "room, as in the report");
    free(t);

    /* the last device goes */
    jo(st, LEAVE, T0 + 9 * MIN, "P", "", "Jo left the meeting.<br>Reason: "
       "left the meeting.", 70000);
    t = compose(st, 70000 + ZT_CHAT_LEAVE_HOLD_MS);
    is_str(t, "🔴 Jo left (left the meeting) · 14:09",
           "the last device's leave is the person's");
    free(t);
    json_decref(st);

    /* ----------------------- the phone moves: the latest room join wins */
    st = laptop_in_room_phone_in_main(NULL);
    jo(st, LEAVE, T0 + 3 * MIN, "P", "", "", 30000);
    jo(st, RJOIN, T0 + 3 * MIN + 400, "P", "R2", "", 30000);
    jo(st, JOIN, T0 + 3 * MIN + 700, "P", "", "", 30000);
    t = compose(st, 30000 + ZT_CHAT_LEAVE_HOLD_MS);
    is_str(t, "➡️ Jo → Room-2 · 14:03",
           "a later room join of the other device is the person's room");
    free(t);

    /* the phone leaves Room-2 for the main room: back in the laptop's */
    jo(st, RLEAVE, T0 + 4 * MIN, "P", "R2", "", 40000);
    t = compose(st, 40000 + ZT_CHAT_LEAVE_HOLD_MS);
    is_str(t, "➡️ Jo → Room-1 · 14:04",
           "with the phone out of its room, the laptop's room again");
    free(t);

    /* the laptop's move from Room-1 to Room-2 (main leave + join around
     * it) while the phone is in the main room */
    jo(st, RLEAVE, T0 + 5 * MIN, "L", "R1", "", 50000);
    jo(st, LEAVE, T0 + 5 * MIN + 100, "L", "", "", 50000);
    jo(st, RJOIN, T0 + 5 * MIN + 400, "L", "R2", "", 50000);
    jo(st, JOIN, T0 + 5 * MIN + 700, "L", "", "", 50000);
    t = compose(st, 50000 + ZT_CHAT_LEAVE_HOLD_MS);
    is_str(t, "➡️ Jo → Room-2 · 14:05", "one device's move is one move");
    free(t);

    /* the meeting ends: everyone and every device out */
    jo(st, LEAVE, T0 + 30 * MIN, "P", "", "", 60000);
    t = compose(st, 60000 + ZT_CHAT_LEAVE_HOLD_MS);
    is_str(t, NULL, "the phone's leave with the laptop in says nothing");
    free(t);
    ok(zt_chat_device_others(json_object_get(json_object_get(
           json_object_get(json_object_get(st, "meetings"), "M1=="),
           "people"), "id:idJo"), NULL), "the laptop is in");
    json_decref(st);

    /* ------------------- a state saved before devices were kept loads */
    st = json_loads("{\"version\": 1, \"pending\": [], \"meetings\": "
                    "{\"M1==\": {\"id\": \"85746065432\", \"started\": "
                    "true, \"ended\": false, \"last\": 0, \"rooms\": {}, "
                    "\"people\": {\"id:idJo\": {\"name\": \"Jo\", "
                    "\"online\": true, \"room\": \"\", \"left\": 0, "
                    "\"ts\": 1768053600000}}}}}", 0, NULL);
    ok(st && zt_chat_state_check(st) == ZT_OK, "an old state loads");
    jo(st, JOIN, T0 + MIN, "P", "", "", 0);
    t = compose(st, 10000);
    is_str(t, NULL, "its person is the first device named: a rejoin of "
           "it says nothing");
    free(t);
    jo(st, JOIN, T0 + 2 * MIN, "Q", "", "", 0);
    jo(st, LEAVE, T0 + 3 * MIN, "P", "", "", 0);
    t = compose(st, ZT_CHAT_LEAVE_HOLD_MS);
    is_str(t, NULL, "a second device keeps the person in");
    free(t);
    jo(st, LEAVE, T0 + 4 * MIN, "Q", "", "", 0);
    t = compose(st, ZT_CHAT_LEAVE_HOLD_MS);
    is_str(t, "🔴 Jo left · 14:04", "the last one's leave is said");
    free(t);
    json_decref(st);

    /* --------------------------- one device: as before, said as is */
    st = zt_chat_state_new();
    jo(st, JOIN, T0, "L", "", "", 0);
    jo(st, LEAVE, T0 + MIN, "L", "", "", 0);
    jo(st, JOIN, T0 + 2 * MIN, "L2", "", "", 0);
    t = compose(st, ZT_CHAT_LEAVE_HOLD_MS);
    is_str(t, "🟢 Jo joined · 14:00\n🔴 Jo left · 14:01\n"
              "🟢 Jo joined · 14:02",
           "a rejoin under a new uuid after a leave is a rejoin");
    free(t);
    json_decref(st);

    return done_testing();
}
