/*
 * zt_chat_msg: what the chat sink says, without any I/O.  zt_chat_fold()
 * turns records into presence changes (joined, left, moved to a room,
 * meeting started/ended) kept in a JSON state; zt_chat_compose() turns the
 * changes that are ready into one message people want to read:
 *
 *   🟢 Alice joined · Room-2 · 14:02
 *   🔴 Bob left (network connection error) · 14:05
 *   🏁 Meeting 85746065432 ended · 23 people, 4 rooms · 15:00
 *
 * The state is a JSON object the sink persists as is:
 *   "meetings": { uuid: { "id", "ended", "end_ts", "join", "last",
 *                 "people": { person_key:
 *                 { "name", "online", "room", "left", "lroom", "ts", "dev",
 *                   "devices": { uuid: { "online", "room", ... } } } },
 *                 "rooms": { room_uuid: { "join", "seen" } } } }
 *   "pending":  [ { "kind", "meeting", "person", "name", "room", "reason",
 *                   "end", "ts", "at", "people", "rooms" } ]
 */

#ifndef ZT_CHAT_MSG_H
#define ZT_CHAT_MSG_H


#include <stddef.h>
#include <stdint.h>

#include <jansson.h>


/* [chat] events: which kinds of change are said */
#define ZT_CHAT_JOINS      0x01
#define ZT_CHAT_LEAVES     0x02
#define ZT_CHAT_ROOMS      0x04
#define ZT_CHAT_MEETINGS   0x08
#define ZT_CHAT_ALL        0x0f

/*
 * A main-meeting leave followed by a join of the same person within this
 * many ms is a breakout-room move (README, presence rule 3), not a leave.
 */
#define ZT_CHAT_MOVE_GAP_MS   2000
/* so a leave is held back this long after it arrived before it is said */
#define ZT_CHAT_LEAVE_HOLD_MS 3000
/*
 * and a leave because the host ended the meeting this long, so that the
 * meeting.ended arriving after it can say it instead (zt_chat_end.c)
 */
#define ZT_CHAT_END_HOLD_MS   10000


typedef struct {
    unsigned     mask;          /* ZT_CHAT_* kinds to say */
    const char  *allowlist;     /* status_allowlist; "" or NULL: everyone */
    const char  *tz;            /* IANA zone of the times */
    size_t       max_lines;     /* per message; the rest waits its turn */
} zt_chat_opts_t;


/* "joins,leaves,rooms,meetings" -> mask; ZT_ERROR names nothing known */
int zt_chat_parse_events(const char *list, unsigned *mask);

/* a new, empty state; NULL when out of memory */
json_t *zt_chat_state_new(void);

/* ZT_OK when a loaded state has the shape above */
int zt_chat_state_check(const json_t *state);

/*
 * Folds one record (the normalised queue record) into state and appends
 * the changes it makes to state's "pending", stamped arrived_ms.  Returns
 * ZT_OK (state changed), ZT_DECLINED (not a presence event, or nothing
 * new), ZT_ERROR (out of memory).  Changes of kinds outside opts->mask or
 * about people outside the allowlist are not kept.
 */
int zt_chat_fold(json_t *state, const json_t *rec, int64_t arrived_ms,
    const zt_chat_opts_t *opts);

/*
 * Takes the pending changes ready at now_ms (in order, stopping at a leave
 * younger than ZT_CHAT_LEAVE_HOLD_MS, or ZT_CHAT_END_HOLD_MS for one
 * because the host ended the meeting) up to opts->max_lines lines, removes
 * them from "pending" and writes the message into *text (malloc()ed; NULL
 * when nothing was ready).  Returns ZT_OK or ZT_ERROR (out of memory; the
 * state is then unchanged).
 */
int zt_chat_compose(json_t *state, int64_t now_ms, const zt_chat_opts_t *opts,
    char **text);

/* a string field of o, "" when missing; an integer field (or a numeric
 * string), 0 when missing */
const char *zt_chat_str(const json_t *o, const char *key);
int64_t zt_chat_int(const json_t *o, const char *key);

/* 1 when pending change ch is a return to the main room (zt_chat_text.c) */
int zt_chat_to_main(const json_t *ch);

/*
 * Takes back the pending change of person in meeting that kind (and room,
 * "" for none) at ts made, before it is said; 1 when there was one.
 */
int zt_chat_unsay(json_t *state, const char *kind, const char *room,
    const char *meeting, const char *person, int64_t ts);

/*
 * zt_chat_room.c: records a room event at ts (join: a room join) in
 * meeting m's "rooms", for its number; ZT_OK or ZT_ERROR (out of memory).
 */
int zt_chat_room_seen(json_t *m, const char *room, int64_t ts, int join);

/*
 * N of Room-N for a room of meeting m (an element of "meetings"), by the
 * presence engine's rule (zt_presence_room_before), from the first times
 * the state holds now; 0 when no join of it is known.  zt_chat_rooms():
 * how many rooms of m have been joined.
 */
unsigned zt_chat_room_no(const json_t *m, const char *room);
size_t zt_chat_rooms(const json_t *m);

/*
 * zt_chat_room_back() is 1 when a main join at ts of device d, which was
 * in room `from` ("" for none), is a return to the main room whose room
 * leave was lost, and takes d out of the room; zt_chat_room_unback()
 * drops the pending return a main join of person at ts made (a leave
 * before that join arrived after it: the leave and the rejoin say it),
 * 1 when there was one; zt_chat_room_again() is 1 when a room join of
 * d into `room` takes back the pending return from that same room (a
 * reconnect in the room: nothing is said), and puts d back in it.
 */
int zt_chat_room_back(json_t *d, const char *from, int64_t ts);
int zt_chat_room_unback(json_t *state, const char *meeting,
    const char *person, int64_t ts);
int zt_chat_room_again(json_t *state, const char *meeting,
    const char *person, json_t *d, const char *room);

/*
 * zt_chat_device.c, one person on two devices (README presence rule 9):
 * zt_chat_device() is the presence of person p's device uuid (p itself
 * for their first device and for "" ; NULL when out of memory);
 * zt_chat_device_others() is 1 when a device of p other than d is
 * online; zt_chat_device_room() the person's room ("" for none), the
 * room of the latest room join of a device that is in;
 * zt_chat_device_offline() takes every device of p offline.
 */
json_t *zt_chat_device(json_t *p, const char *uuid);
int zt_chat_device_others(const json_t *p, const json_t *d);
const char *zt_chat_device_room(const json_t *p);
void zt_chat_device_offline(json_t *p);

/*
 * zt_chat_end.c, the host ends the meeting: zt_chat_end_reason() is 1
 * for a leave_reason saying so ("Host ended the meeting.", "Host closed
 * the meeting."); zt_chat_end_leave() 1 for a pending change that is
 * such a leave (an end leave); zt_chat_end_at() the "at" a new end leave
 * of meeting arriving at `at` is held from: the meeting's first pending
 * one's, so all are ready together; zt_chat_end_unsay() drops, as the
 * meeting's end at ts says them, its pending end leaves, the returns to
 * the main room each makes one departure with and those within
 * ZT_CHAT_MOVE_GAP_MS before ts (Zoom takes everyone out of the rooms);
 * zt_chat_end_more() is 1 when pending change i is an end leave after
 * another of its meeting (it adds no line); zt_chat_end_collapse() makes
 * the end leaves of a meeting among the first take one line (skip[] set
 * for all but the first, which gets "_ends": how many), ZT_ERROR when
 * out of memory.
 */
int zt_chat_end_reason(const char *leave_reason);
int zt_chat_end_leave(const json_t *ch);
int64_t zt_chat_end_at(json_t *state, const char *meeting, int64_t at);
void zt_chat_end_unsay(json_t *state, const char *meeting, int64_t ts);
int zt_chat_end_more(json_t *pending, size_t i);
int zt_chat_end_collapse(json_t *pending, size_t take, char *skip);

/*
 * zt_chat_end.c, meeting.ended is not final (Zoom sends one each time a
 * lone host leaves, and the meeting can be joined again): the meeting
 * has ended at its first end after the last join of anyone, as the
 * presence engine says.  zt_chat_end_new() is 1 when an end at ts is
 * that (and notes it in meeting m: "ended", "end_ts"); zt_chat_end_resume()
 * notes a join at ts (m's "join") and, when it is after the end, runs the
 * meeting again, taking its end line back while it is held (ZT_OK;
 * ZT_DECLINED for a join at or before the end, which says nothing;
 * ZT_ERROR when out of memory); zt_chat_end_defer() moves the end lines
 * still held at now_ms behind the other pending changes, so they hold up
 * nothing else.
 */
int zt_chat_end_new(json_t *m, int64_t ts);
int zt_chat_end_resume(json_t *state, const char *meeting, json_t *m,
    int64_t ts);
void zt_chat_end_defer(json_t *pending, int64_t now_ms);

/* zt_chat_forget.c: drops meetings idle for longer than keep_ms */
void zt_chat_prune(json_t *state, int64_t now_ms, int64_t keep_ms);

/*
 * `zoomtrack forget`: drops the people with these person keys (a JSON
 * array of strings) from every meeting, their changes from "pending", and
 * the lines that name them from the messages in "outbox" (a message left
 * without a line goes).  *gone counts the people dropped.  ZT_OK, or
 * ZT_ERROR (out of memory; the state is then unchanged).
 */
int zt_chat_forget(json_t *state, const json_t *keys, size_t *gone);

/*
 * name as zt_chat_compose() writes it into a line ("Zoe" for
 * "zoe@example.org", escaped), malloc()ed; NULL when out of memory
 */
char *zt_chat_said_name(const char *name);

/*
 * text without the lines about said (a name from zt_chat_said_name()),
 * malloc()ed, "" when no line is left; NULL when out of memory.  A line
 * is about a person when their name follows its icon ("<icon> NAME
 * joined ..."); *dropped counts the lines left out.
 */
char *zt_chat_text_drop(const char *text, const char *said,
    size_t *dropped);


#endif /* ZT_CHAT_MSG_H */
