/*
 * zt_chat_room: a meeting's breakout rooms in the chat sink's state and
 * their Room-N, by the presence engine's rule (zt_presence_room_before),
 * so the chat says the numbers the board, the CSV and the report show.
 */

#include <stdint.h>
#include <string.h>

#include "zt_core.h"
#include "zt_chat_msg.h"
#include "zt_presence.h"


static void zt_chat_room_first(const char *uuid, const json_t *v,
    zt_room_first_t *r);


/*
 * The meeting's "rooms": { uuid: { "join", "seen" } }, the first room join
 * ("join" absent: none yet) and the first room event of each, which number
 * them (zt_presence_room_before).  A state saved before held the number
 * itself (an integer): it stands for both times, so those rooms keep their
 * order and come before any room met since.
 */
int
zt_chat_room_seen(json_t *m, const char *room, int64_t ts, int join)
{
    json_t  *rooms, *r, *v;

    rooms = json_object_get(m, "rooms");
    r = json_object_get(rooms, room);

    if (json_is_integer(r)) {
        return ZT_OK;
    }

    if (!json_is_object(r)) {
        r = json_pack("{s:I}", "seen", (json_int_t) ts);
        if (r == NULL || json_object_set_new(rooms, room, r) != 0) {
            return ZT_ERROR;
        }
    }

    if (ts < zt_chat_int(r, "seen")
        && json_object_set_new(r, "seen", json_integer(ts)) != 0)
    {
        return ZT_ERROR;
    }

    v = json_object_get(r, "join");

    if (join && (v == NULL || ts < zt_chat_int(r, "join"))
        && json_object_set_new(r, "join", json_integer(ts)) != 0)
    {
        return ZT_ERROR;
    }

    return ZT_OK;
}


static void
zt_chat_room_first(const char *uuid, const json_t *v, zt_room_first_t *r)
{
    r->uuid = uuid;

    if (json_is_integer(v)) {
        r->first_join = (int64_t) json_integer_value(v);
        r->first_seen = r->first_join;
        return;
    }

    r->first_join = json_object_get(v, "join") ? zt_chat_int(v, "join")
                                               : INT64_MAX;
    r->first_seen = zt_chat_int(v, "seen");
}


unsigned
zt_chat_room_no(const json_t *m, const char *room)
{
    unsigned          no;
    json_t           *v;
    const char       *uuid;
    zt_room_first_t   a, b;

    v = json_object_get(json_object_get(m, "rooms"), room);
    if (v == NULL) {
        return 0;
    }

    zt_chat_room_first(room, v, &b);
    if (b.first_join == INT64_MAX) {
        return 0;
    }

    no = 1;

    json_object_foreach(json_object_get(m, "rooms"), uuid, v) {
        zt_chat_room_first(uuid, v, &a);
        if (zt_presence_room_before(&a, &b)) {
            no++;
        }
    }

    return no;
}


size_t
zt_chat_rooms(const json_t *m)
{
    size_t           n;
    json_t          *v;
    const char      *uuid;
    zt_room_first_t  r;

    n = 0;

    json_object_foreach(json_object_get(m, "rooms"), uuid, v) {
        zt_chat_room_first(uuid, v, &r);
        n += r.first_join != INT64_MAX;
    }

    return n;
}


/*
 * A main join more than ZT_CHAT_MOVE_GAP_MS after the device's latest
 * room join ("rjoin"), while it was in a room, ends that room (presence
 * rule 8, as the CSV has it): back in the main room, its room leave
 * lost, "↩️ Cid → main room".  Within the gap it is a move's main join
 * into that room.  A move to another room reads as that move: the return
 * is held (zt_chat_text.c) and the room join folds it into its line.
 */
int
zt_chat_room_back(json_t *d, const char *from, int64_t ts)
{
    if (from[0] == '\0'
        || ts - zt_chat_int(d, "rjoin") <= ZT_CHAT_MOVE_GAP_MS)
    {
        return 0;
    }

    json_object_set_new(d, "room", json_string(""));
    json_object_set_new(d, "broom", json_string(from));
    json_object_set_new(d, "bts", json_integer(ts));

    return 1;
}


/*
 * A reconnect in a room: the new session's main join (a return, above)
 * and its room join back into the same room.  While that return is
 * pending it is taken back and nothing is said: the person never left
 * the room for the reader.
 */
int
zt_chat_room_again(json_t *state, const char *meeting, const char *person,
    json_t *d, const char *room)
{
    if (zt_chat_str(d, "room")[0] != '\0'
        || strcmp(zt_chat_str(d, "broom"), room) != 0
        || !zt_chat_room_unback(state, meeting, person,
                                zt_chat_int(d, "bts")))
    {
        return 0;
    }

    json_object_set_new(d, "room", json_string(room));

    return 1;
}


int
zt_chat_room_unback(json_t *state, const char *meeting, const char *person,
    int64_t ts)
{
    return zt_chat_unsay(state, "room", "", meeting, person, ts);
}
