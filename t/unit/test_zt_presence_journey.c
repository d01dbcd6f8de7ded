/*
 * Unit tests of the presence engine's journeys (zoomtrack/presence/
 * zt_presence_derive.c), the report's half of the engine: presence
 * intervals, visits and next_room on leaving the meeting from a room in
 * either order, a drop and rejoin within the gap, join_time_known,
 * clipping to a day; and the engine's bookkeeping: hashed lookups of many
 * people, per-meeting dirty flags, per-meeting save/load, pruning.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_presence.h"
#include "tap.h"
#include "presence_fixture.h"


/* an event of no device in meeting mtg, the key (NULL: "") its name */
static int
ev(zt_presence_t *p, const char *mtg, const char *type, int64_t ts,
    const char *key, const char *room)
{
    return ev_in(p, mtg, type, ts, key ? key : "", key ? key : "", room,
                 NULL);
}


/* the move pair and room join of device uuid into room at `at` */
static void
dev_into_room(zt_presence_t *p, const char *key, const char *uuid,
    int64_t at, const char *room)
{
    evd(p, ML, at, key, NULL, uuid);
    evd(p, MJ, at + 300, key, NULL, uuid);
    evd(p, RJ, at + 700, key, room, uuid);
}


/* a new engine with meeting "m==" started at T0 */
static zt_presence_t *
started(void)
{
    zt_presence_t  *p;

    p = zt_presence_create();
    ev(p, "m==", "meeting.started", T0, NULL, NULL);

    return p;
}


/* joins at T0 + 1 min, enters room r1 at T0 + 5 min (Zoom's move pair) */
static void
into_room(zt_presence_t *p, const char *key)
{
    ev(p, "m==", MJ, T0 + MIN, key, NULL);
    ev(p, "m==", ML, T0 + 5 * MIN, key, NULL);
    ev(p, "m==", MJ, T0 + 5 * MIN + 300, key, NULL);
    ev(p, "m==", RJ, T0 + 5 * MIN + 700, key, "r1");
}


static void
test_leave_from_room(void)
{
    size_t          n;
    zt_journey_t   *all, *j;
    zt_presence_t  *p;

    all = NULL;
    n = 0;
    p = started();

    /* a: room leave, main leave 40 ms later */
    into_room(p, "a");
    ev(p, "m==", RL, T0 + 20 * MIN, "a", "r1");
    ev(p, "m==", ML, T0 + 20 * MIN + 40, "a", NULL);

    /* b: the main leave first, the room leave 300 ms later */
    into_room(p, "b");
    ev(p, "m==", ML, T0 + 20 * MIN, "b", NULL);
    ev(p, "m==", RL, T0 + 20 * MIN + 300, "b", "r1");

    /* c: back to the main room, leaves from there later */
    into_room(p, "c");
    ev(p, "m==", RL, T0 + 20 * MIN, "c", "r1");
    ev(p, "m==", ML, T0 + 20 * MIN + 100, "c", NULL);
    ev(p, "m==", MJ, T0 + 20 * MIN + 900, "c", NULL);
    ev(p, "m==", ML, T0 + 30 * MIN, "c", NULL);

    /* d: dropped from the room, back in the main room within 2 s */
    into_room(p, "d");
    ev(p, "m==", RL, T0 + 20 * MIN, "d", "r1");
    ev(p, "m==", ML, T0 + 20 * MIN + 20, "d", NULL);
    ev(p, "m==", MJ, T0 + 20 * MIN + 1500, "d", NULL);
    ev(p, "m==", ML, T0 + 40 * MIN, "d", NULL);

    /* e: in a room when the host ends the meeting; main leave lost */
    into_room(p, "e");
    ev(p, "m==", RL, T0 + 50 * MIN, "e", "r1");
    ev(p, "m==", END, T0 + 50 * MIN + 1100, NULL, NULL);

    j = journey(p, "a", &all, &n);
    ok(j && j->nvisits == 1 && j->visits[0].next == ZT_NEXT_LEFT
       && j->visits[0].end == T0 + 20 * MIN && j->nspans == 1
       && j->spans[0].end == T0 + 20 * MIN + 40,
       "room leave then main leave: left the meeting");
    ok(j && !j->now.online && j->now.last_left == T0 + 20 * MIN + 40,
       "room leave then main leave: offline at the main leave");
    j = journey(p, "b", &all, &n);
    ok(j && j->nvisits == 1 && j->visits[0].next == ZT_NEXT_LEFT
       && j->visits[0].end == T0 + 20 * MIN
       && j->spans[0].end == T0 + 20 * MIN,
       "main leave then room leave: left the meeting at the main leave");
    j = journey(p, "c", &all, &n);
    ok(j && j->visits[0].next == ZT_NEXT_MAIN && j->nspans == 1
       && j->spans[0].end == T0 + 30 * MIN,
       "back to the main room: Main room, one presence");
    j = journey(p, "d", &all, &n);
    ok(j && j->visits[0].next == ZT_NEXT_MAIN && j->nspans == 1
       && j->spans[0].start == T0 + MIN && j->spans[0].end == T0 + 40 * MIN,
       "drop and rejoin within 2 s: one presence, Main room");
    j = journey(p, "e", &all, &n);
    ok(j && j->visits[0].next == ZT_NEXT_LEFT
       && j->spans[0].end == T0 + 50 * MIN + 1100 && !j->now.online,
       "room leave then the meeting's end: left the meeting");
    ok(j && j->join_time_known && j->visits[0].room_no == 1
       && j->meeting_start == T0 && strcmp(j->meeting_id, "123") == 0,
       "join known, Room-1, meeting start and id");

    zt_presence_journeys_free(all, n);
    zt_presence_free(p);
}


static void
test_next_room_and_first_leave(void)
{
    size_t          n;
    zt_journey_t   *all, *j;
    zt_presence_t  *p;

    all = NULL;
    n = 0;
    p = started();
    into_room(p, "a");
    /* a room move with the room join before the main join */
    ev(p, "m==", RL, T0 + 10 * MIN, "a", "r1");
    ev(p, "m==", ML, T0 + 10 * MIN + 200, "a", NULL);
    ev(p, "m==", RJ, T0 + 10 * MIN + 800, "a", "r2");
    ev(p, "m==", MJ, T0 + 10 * MIN + 1200, "a", NULL);
    ev(p, "m==", ML, T0 + 30 * MIN, "a", NULL);
    /* z: first seen leaving */
    ev(p, "m==", ML, T0 + 9 * MIN, "z", NULL);

    j = journey(p, "a", &all, &n);
    ok(j && j->nvisits == 2 && j->visits[0].next == ZT_NEXT_ROOM
       && strcmp(j->visits[0].next_room_uuid, "r2") == 0
       && j->visits[0].next_room_no == 2 && j->visits[1].room_no == 2
       && j->visits[1].next == ZT_NEXT_LEFT,
       "a move to another room: next_room is that room");
    ok(j && j->now.last_join == T0 + MIN,
       "a move does not change Last Join");
    j = journey(p, "z", &all, &n);
    ok(j && !j->join_time_known && j->nspans == 1
       && j->spans[0].start == T0 && j->spans[0].end == T0 + 9 * MIN,
       "first seen leaving: from the meeting start, join time unknown");

    zt_presence_journeys_free(all, n);
    zt_presence_free(p);
}


/*
 * Zoom's order in event time, not only in arrival: a rejoin's new session
 * opens before the old one's leave; a move's joins come before its main
 * leave; the next room is joined before the last room is left.
 */
static void
test_sessions_and_order(void)
{
    size_t          n = 0;
    zt_journey_t   *all = NULL, *j;
    zt_presence_t  *p = started();

    /* d: reconnects at 10 min; the dead session's leave comes at 10:40 */
    ev(p, "m==", MJ, T0 + MIN, "d", NULL);
    ev(p, "m==", MJ, T0 + 10 * MIN, "d", NULL);
    ev(p, "m==", ML, T0 + 10 * MIN + 40000, "d", NULL);
    ev(p, "m==", ML, T0 + 50 * MIN, "d", NULL);

    /* b: into r1 with the new session and room join before the leave */
    ev(p, "m==", MJ, T0 + MIN, "b", NULL);
    ev(p, "m==", MJ, T0 + 5 * MIN + 300, "b", NULL);
    ev(p, "m==", RJ, T0 + 5 * MIN + 500, "b", "r1");
    ev(p, "m==", ML, T0 + 5 * MIN + 900, "b", NULL);

    /* c: into r1 with no main pair, the room join before the leave; then
     * to r2, joined 100 ms before r1 is left */
    ev(p, "m==", MJ, T0 + MIN, "c", NULL);
    ev(p, "m==", RJ, T0 + 5 * MIN + 200, "c", "r1");
    ev(p, "m==", ML, T0 + 5 * MIN + 500, "c", NULL);
    ev(p, "m==", RJ, T0 + 10 * MIN, "c", "r2");
    ev(p, "m==", RL, T0 + 10 * MIN + 100, "c", "r1");

    ev(p, "m==", END, T0 + 60 * MIN, NULL, NULL);

    j = journey(p, "d", &all, &n);
    ok(j && j->nspans == 1 && j->spans[0].start == T0 + MIN
       && j->spans[0].end == T0 + 50 * MIN,
       "an old session's leave after the rejoin is not a departure");
    j = journey(p, "b", &all, &n);
    ok(j && j->nspans == 1 && j->spans[0].end == T0 + 60 * MIN
       && j->nvisits == 1 && j->visits[0].end == T0 + 60 * MIN,
       "a move whose joins come before its main leave: in the room to the "
       "end");
    j = journey(p, "c", &all, &n);
    ok(j && j->nspans == 1 && j->spans[0].end == T0 + 60 * MIN
       && j->nvisits == 2 && j->visits[0].end == T0 + 10 * MIN
       && j->visits[0].next == ZT_NEXT_ROOM
       && j->visits[1].start == T0 + 10 * MIN
       && j->visits[1].end == T0 + 60 * MIN,
       "a room joined before the last is left: the visit is not cut");

    zt_presence_journeys_free(all, n);
    zt_presence_free(p);
}


/*
 * A reconnect from a room (zoom-api.md §5.3): the new session is back in
 * the room before Zoom notices the old one left it, and the old session's
 * room leave and main leave come a minute later.  The late leaves close
 * the old session, not the new visit, in the report and the live status
 * alike; a room leave that was lost does not keep the room open later.
 */
static void
test_reconnect_in_room(void)
{
    char            key[2] = "e";
    size_t          i, n = 0;
    const char     *k;
    zt_journey_t   *all = NULL, *j;
    zt_presence_t  *p = started();

    /*
     * e: in r1 from 5 min; rejoins at 20 min, back in r1 a second later;
     * f: the same, but the rejoin enters the room with Zoom's move pair;
     * g: back to main with the r1 leave lost, into r1 again at 30 min and
     * out of it at 35 min
     */
    static const struct {
        const char  *key;
        const char  *type;
        int64_t      at;
        const char  *room;
    } evs[] = {
        { "e", MJ, 20 * MIN, NULL }, { "e", RJ, 20 * MIN + 1000, "r1" },
        { "e", RL, 21 * MIN + 10000, "r1" },
        { "e", ML, 21 * MIN + 10000, NULL },

        { "f", MJ, 20 * MIN, NULL }, { "f", ML, 20 * MIN + 500, NULL },
        { "f", MJ, 20 * MIN + 800, NULL }, { "f", RJ, 20 * MIN + 1000, "r1" },
        { "f", RL, 21 * MIN + 10000, "r1" },
        { "f", ML, 21 * MIN + 10000, NULL },

        { "g", ML, 20 * MIN, NULL }, { "g", MJ, 20 * MIN + 400, NULL },
        { "g", ML, 30 * MIN, NULL }, { "g", MJ, 30 * MIN + 400, NULL },
        { "g", RJ, 30 * MIN + 700, "r1" }, { "g", RL, 35 * MIN, "r1" },
        { "g", ML, 35 * MIN + 100, NULL }, { "g", MJ, 35 * MIN + 500, NULL },
    };

    into_room(p, "e");
    into_room(p, "f");
    into_room(p, "g");

    for (i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
        ev(p, "m==", evs[i].type, T0 + evs[i].at, evs[i].key, evs[i].room);
    }

    for (k = "ef"; *k; k++) {
        key[0] = *k;
        j = journey(p, key, &all, &n);
        ok(j && j->nspans == 1 && j->nvisits == 2
           && j->visits[0].end == T0 + 20 * MIN
           && j->visits[0].next == ZT_NEXT_ROOM
           && j->visits[1].start == T0 + 20 * MIN + 1000
           && j->visits[1].end == j->spans[0].end
           && j->now.online && j->now.room_no == 1,
           "%s: a reconnect back into the room: the old session's late "
           "leaves do not end the new visit", *k == 'e' ? "no move pair"
           : "Zoom's move pair");
    }
    j = journey(p, "g", &all, &n);
    ok(j && j->nvisits == 2 && j->visits[0].end == T0 + 20 * MIN
       && j->visits[1].end == T0 + 35 * MIN
       && j->visits[1].next == ZT_NEXT_MAIN && j->now.online
       && j->now.room_uuid == NULL,
       "a lost room leave does not keep the room open on the next visit");

    zt_presence_journeys_free(all, n);
    zt_presence_free(p);
}


static void
test_names(void)
{
    size_t               n;
    zt_journey_t        *all, *j;
    zt_presence_t       *p;
    zt_presence_event_t  e;

    all = NULL;
    n = 0;
    p = zt_presence_create();

    memset(&e, 0, sizeof(e));
    e.event_type = "meeting.participant_joined_waiting_room";
    e.meeting_uuid = "m==";
    e.meeting_id = "123";
    e.person_key = "id:w";
    e.participant_id = "";
    e.registrant_id = "";
    e.participant_name = "Early Name";
    e.participant_email = "w@example.com";
    e.breakout_room_uuid = "";
    e.event_ts = T0;
    zt_presence_fold_event(p, &e);

    e.event_type = MJ;
    e.participant_name = "Later Name";
    e.event_ts = T0 + MIN;
    zt_presence_fold_event(p, &e);

    j = journey(p, "id:w", &all, &n);
    ok(j && strcmp(j->name, "Early Name") == 0
       && strcmp(j->now.name, "Later Name") == 0
       && strcmp(j->email, "w@example.com") == 0,
       "the report's name is the first of any event, the status's the "
       "latest of presence events");
    ok(j && j->meeting_start == T0 + MIN && j->spans[0].start == T0 + MIN,
       "a waiting-room event dates neither the meeting nor the presence");

    zt_presence_journeys_free(all, n);
    zt_presence_free(p);
}


/*
 * People wait in the waiting room, or for the host, before the meeting
 * starts and after everyone left: that time bounds no one's presence.
 */
static void
test_waiting_outside(void)
{
    size_t          n = 0;
    zt_journey_t   *all = NULL, *j;
    zt_presence_t  *p = zt_presence_create();

    ev(p, "m==", "meeting.participant_jbh_waiting", T0 - 10 * MIN, "c",
       NULL);
    ev(p, "m==", "meeting.participant_joined_waiting_room", T0 - 2 * MIN,
       "a", NULL);
    ev(p, "m==", "meeting.started", T0, NULL, NULL);
    ev(p, "m==", "meeting.participant_admitted", T0 + 5 * MIN, "a", NULL);
    ev(p, "m==", MJ, T0 + 5 * MIN + 500, "a", NULL);
    ev(p, "m==", ML, T0 + 20 * MIN, "g", NULL);      /* join lost */
    ev(p, "m==", MJ, T0 + 21 * MIN, "h", NULL);      /* leave lost */
    ev(p, "m==", ML, T0 + 30 * MIN, "a", NULL);
    ev(p, "m==", "meeting.participant_joined_waiting_room", T0 + 58 * MIN,
       "e", NULL);
    ev(p, "m==", "meeting.participant_left_waiting_room", T0 + 59 * MIN,
       "e", NULL);
    ev(p, "m==", "meeting.participant_jbh_waiting_left", T0 + 59 * MIN,
       "c", NULL);

    j = journey(p, "g", &all, &n);
    ok(j && !j->join_time_known && j->meeting_start == T0
       && j->nspans == 1 && j->spans[0].start == T0,
       "a lost join: present from the start, not from the waiting room");
    j = journey(p, "h", &all, &n);
    ok(j && j->nspans == 1 && j->spans[0].end == T0 + 30 * MIN,
       "a lost leave: present to the last event of the meeting, not to a "
       "later knock at its waiting room");
    ok(journey(p, "e", &all, &n) == NULL
       && journey(p, "c", &all, &n) == NULL,
       "waiting only: no journey");

    zt_presence_journeys_free(all, n);
    zt_presence_free(p);
}


static void
test_clip(void)
{
    int64_t  cs, ce;

    ok(zt_presence_clip(10, 30, 20, 40, &cs, &ce) && cs == 20 && ce == 30,
       "clip: the part inside the day");
    ok(!zt_presence_clip(10, 20, 20, 40, &cs, &ce),
       "clip: ending at midnight is not in the next day");
    ok(zt_presence_clip(25, 25, 20, 40, &cs, &ce) && cs == 25 && ce == 25,
       "clip: an instant inside the day counts");
    ok(!zt_presence_clip(40, 40, 20, 40, &cs, &ce),
       "clip: an instant at the next midnight does not");
}


static void
test_bookkeeping(void)
{
    char                         key[32];
    size_t                       i, n, dirty;
    json_t                      *jm;
    zt_journey_t                *all;
    zt_presence_t               *p, *q;
    zt_presence_meeting_info_t   info;

    p = zt_presence_create();

    for (i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "id:u%zu", i);
        ev(p, "big==", MJ, T0 + (int64_t) i, key, NULL);
        ev(p, "big==", MJ, T0 + (int64_t) i, key, NULL);
    }

    n = 0;
    i = zt_presence_journeys(p, NULL, &all, &n) == ZT_OK;
    ok(i && n == 5000, "5000 people, each found again by key (%zu "
       "journeys)", n);
    zt_presence_journeys_free(all, n);

    ev(p, "old==", MJ, T0, "x", NULL);
    ev(p, "old==", END, T0 + MIN, NULL, NULL);
    ev(p, "open==", MJ, T0, "x", NULL);

    zt_presence_clean(p);
    is_int(ev(p, "big==", MJ, T0 + 7, "id:u7", NULL), 0,
           "a duplicate: no change");
    ev(p, "open==", ML, T0 + MIN, "x", NULL);

    for (i = 0, dirty = 0; i < zt_presence_nmeetings(p); i++) {
        zt_presence_meeting_info(p, i, &info);
        dirty += info.dirty;
        if (info.dirty) {
            ok(strcmp(info.uuid, "open==") == 0, "the changed meeting is "
               "dirty");
        }
    }
    is_int(dirty, 1, "only the changed meeting is dirty");

    jm = zt_presence_meeting_save(p, "open==");
    q = zt_presence_create();
    ok(jm && zt_presence_meeting_load(q, jm) == ZT_OK
       && zt_presence_nmeetings(q) == 1,
       "per-meeting save and load");
    json_decref(jm);
    zt_presence_meeting_info(p, 2, &info);
    ok(!info.dirty, "a saved meeting is clean");

    ok(zt_presence_journeys(q, NULL, &all, &n) == ZT_OK && n == 1
       && all[0].nspans == 1 && all[0].spans[0].end == T0 + MIN,
       "the loaded meeting has its journeys");
    zt_presence_journeys_free(all, n);
    zt_presence_free(q);

    is_int(zt_presence_prune(p, T0 + MIN, 0), 0, "prune: not before its end");
    is_int(zt_presence_prune(p, T0 + MIN + 1, 0), 1,
           "prune: a meeting that ended before the time goes");
    is_int(zt_presence_nmeetings(p), 2, "prune: open meetings stay");
    is_int(ev(p, "big==", MJ, T0 + 3, "id:u3", NULL), 0,
           "after pruning, lookups still find people");
    is_int(ev(p, "old==", MJ, T0, "y", NULL), 0,
           "a late event of a pruned meeting is ignored");
    is_int(ev(p, "old==", MJ, T0 + 2 * MIN, "x", NULL), 1,
           "a pruned meeting joined again starts afresh");

    zt_presence_free(p);
}


/*
 * One account on two devices (zt_presence_device.c): the laptop L in
 * room r1 from 5 min; the phone P joins the main room at 10 min, leaves
 * at 15 min and rejoins as P2 (a new participant_uuid) at 20 min; the
 * laptop comes back to the main room at 30 min; both leave at 40 min.
 */
static void
test_two_devices(void)
{
    size_t          n = 0;
    zt_journey_t   *all = NULL, *j;
    zt_presence_t  *p = started();

    evd(p, MJ, MIN, "a", NULL, "L");
    dev_into_room(p, "a", "L", 5 * MIN, "r1");
    evd(p, MJ, 10 * MIN, "a", NULL, "P");

    j = journey(p, "a", &all, &n);
    ok(j && j->now.online && j->now.room_no == 1
       && j->now.last_join == T0 + MIN && j->nvisits == 1
       && j->visits[0].end == T0 + 10 * MIN && j->nspans == 1,
       "the phone joins the main room: the laptop stays in its room");

    evd(p, ML, 15 * MIN, "a", NULL, "P");
    j = journey(p, "a", &all, &n);
    ok(j && j->now.online && j->now.room_no == 1 && j->now.last_left == 0
       && j->visits[0].end == T0 + 15 * MIN,
       "the phone leaves: no departure, still in the room");

    evd(p, MJ, 20 * MIN, "a", NULL, "P2");
    evd(p, RL, 30 * MIN, "a", "r1", "L");
    evd(p, ML, 30 * MIN + 100, "a", NULL, "L");
    evd(p, MJ, 30 * MIN + 900, "a", NULL, "L");

    j = journey(p, "a", &all, &n);
    ok(j && j->now.online && j->now.room_uuid == NULL
       && j->now.last_join == T0 + MIN && j->nvisits == 1
       && j->visits[0].start == T0 + 5 * MIN + 700
       && j->visits[0].end == T0 + 30 * MIN
       && j->visits[0].next == ZT_NEXT_MAIN,
       "the phone rejoins, the laptop comes back: one visit, to 30 min");

    evd(p, ML, 40 * MIN, "a", NULL, "L");
    evd(p, ML, 40 * MIN + 500, "a", NULL, "P2");

    j = journey(p, "a", &all, &n);
    ok(j && !j->now.online && j->now.last_left == T0 + 40 * MIN + 500
       && j->nspans == 1 && j->spans[0].start == T0 + MIN
       && j->spans[0].end == T0 + 40 * MIN + 500 && j->join_time_known,
       "both leave: one presence, the union, offline at the last leave");

    zt_presence_journeys_free(all, n);
    zt_presence_free(p);
}


/*
 * b: the laptop's room leave is lost and it returns to the main room at
 * 30 min: its own main join ends the visit, whatever the phone did;
 * c: the laptop leaves the meeting from r1 while the phone stays in the
 * main room: Main room, not Left meeting;
 * d: both devices move r1 -> r2 (each its own events) and leave from r2.
 */
static void
test_two_devices_rules(void)
{
    size_t          n = 0;
    zt_journey_t   *all = NULL, *j;
    zt_presence_t  *p = started();

    evd(p, MJ, MIN, "b", NULL, "L");
    dev_into_room(p, "b", "L", 5 * MIN, "r1");
    evd(p, MJ, 10 * MIN, "b", NULL, "P");
    evd(p, MJ, 30 * MIN, "b", NULL, "L");

    evd(p, MJ, MIN, "c", NULL, "L");
    dev_into_room(p, "c", "L", 5 * MIN, "r1");
    evd(p, MJ, 10 * MIN, "c", NULL, "P");
    evd(p, RL, 20 * MIN, "c", "r1", "L");
    evd(p, ML, 20 * MIN + 40, "c", NULL, "L");

    evd(p, MJ, MIN, "d", NULL, "L");
    evd(p, MJ, MIN + 100, "d", NULL, "P");
    dev_into_room(p, "d", "L", 5 * MIN, "r1");
    dev_into_room(p, "d", "P", 5 * MIN + 100, "r1");
    evd(p, RL, 20 * MIN, "d", "r1", "L");
    dev_into_room(p, "d", "L", 20 * MIN + 100, "r2");
    evd(p, RL, 20 * MIN + 200, "d", "r1", "P");
    dev_into_room(p, "d", "P", 20 * MIN + 300, "r2");
    evd(p, RL, 40 * MIN, "d", "r2", "L");
    evd(p, ML, 40 * MIN + 50, "d", NULL, "L");
    evd(p, RL, 40 * MIN + 100, "d", "r2", "P");
    evd(p, ML, 40 * MIN + 150, "d", NULL, "P");

    j = journey(p, "b", &all, &n);
    ok(j && j->nvisits == 1 && j->visits[0].end == T0 + 30 * MIN
       && j->visits[0].next == ZT_NEXT_MAIN && j->now.online
       && j->now.room_uuid == NULL,
       "a lost room leave ends at the same device's main join");

    j = journey(p, "c", &all, &n);
    ok(j && j->nvisits == 1 && j->visits[0].end == T0 + 20 * MIN
       && j->visits[0].next == ZT_NEXT_MAIN && j->now.online
       && j->now.room_uuid == NULL && j->now.last_left == 0,
       "the laptop leaves from the room, the phone stays: Main room");

    j = journey(p, "d", &all, &n);
    ok(j && j->nvisits == 2 && j->visits[0].room_no == 1
       && j->visits[0].start == T0 + 5 * MIN + 700
       && j->visits[0].end == T0 + 20 * MIN + 200
       && j->visits[0].next == ZT_NEXT_ROOM
       && strcmp(j->visits[0].next_room_uuid, "r2") == 0
       && j->visits[1].start == T0 + 20 * MIN + 800
       && j->visits[1].end == T0 + 40 * MIN + 100
       && j->visits[1].next == ZT_NEXT_LEFT && j->nspans == 1
       && j->spans[0].end == T0 + 40 * MIN + 150 && !j->now.online,
       "both devices move: one visit per room, left from r2");

    zt_presence_journeys_free(all, n);
    zt_presence_free(p);
}


/*
 * Without participant_uuid the events are one session, as before: the
 * phone's main join ends the room visit (a lost leave).  A state saved
 * with devices restores them; one saved before them still loads.
 */
static void
test_two_devices_fallback(void)
{
    size_t          n = 0, k;
    json_t         *js, *jm, *jp;
    zt_journey_t   *all = NULL, *j;
    zt_presence_t  *p = started(), *q;

    evd(p, MJ, 50 * MIN, "z", NULL, NULL);     /* the meeting goes on */
    evd(p, MJ, MIN, "e", NULL, NULL);
    dev_into_room(p, "e", NULL, 5 * MIN, "r1");
    evd(p, MJ, 10 * MIN, "e", NULL, NULL);

    /* f: the laptop's events name it, the phone's do not */
    evd(p, MJ, MIN, "f", NULL, "L");
    dev_into_room(p, "f", "L", 5 * MIN, "r1");
    evd(p, MJ, 10 * MIN, "f", NULL, NULL);

    evd(p, MJ, MIN, "a", NULL, "L");
    dev_into_room(p, "a", "L", 5 * MIN, "r1");
    evd(p, MJ, 10 * MIN, "a", NULL, "P");

    j = journey(p, "e", &all, &n);
    ok(j && j->nvisits == 1 && j->visits[0].end == T0 + 10 * MIN
       && j->visits[0].next == ZT_NEXT_MAIN && j->now.room_uuid == NULL,
       "no participant_uuid: one session, the main join ends the visit");
    j = journey(p, "f", &all, &n);
    ok(j && j->visits[0].end == T0 + 10 * MIN && j->now.room_uuid == NULL,
       "one device named: as before");

    js = zt_presence_to_json(p);
    q = zt_presence_create();
    ok(js && zt_presence_from_json(q, js) == ZT_OK, "saved and restored");
    j = journey(q, "a", &all, &n);
    ok(j && j->now.room_no == 1 && j->visits[0].end == T0 + 50 * MIN,
       "restored: the devices too");
    zt_presence_free(q);

    /* the same state as saved before devices were kept */
    jm = json_array_get(json_object_get(js, "meetings"), 0);
    json_array_foreach(json_object_get(jm, "people"), k, jp) {
        json_object_del(jp, "devices");
    }
    q = zt_presence_create();
    ok(zt_presence_from_json(q, js) == ZT_OK, "a state without devices "
       "loads");
    j = journey(q, "a", &all, &n);
    ok(j && j->now.online && j->now.room_uuid == NULL
       && j->visits[0].end == T0 + 10 * MIN,
       "without devices: one session, as before");
    ok(j && j->nspans == 1 && j->spans[0].end == T0 + 50 * MIN,
       "without devices: present to the meeting's last event");
    zt_presence_free(q);
    json_decref(js);

    zt_presence_journeys_free(all, n);
    zt_presence_free(p);
}


/*
 * One participant under two keys (Zoom blanks the id of another account's
 * user in room events): the room's events, keyed by email, go to the id
 * of the main room's with the same participant_uuid, in any order and
 * across a save and load; a weaker key keeps its other device's events.
 */
static void
test_blank_id_in_room(void)
{
    int             o, k;
    size_t          n = 0;
    json_t         *js;
    zt_journey_t   *all = NULL, *j;
    zt_presence_t  *p;

    static const struct {
        const char  *type;
        int64_t      at;
    } e[] = {
        { RJ, 5 * MIN + 1000 }, { RL, 20 * MIN },
        { MJ, MIN }, { ML, 5 * MIN }, { MJ, 5 * MIN + 800 },
        { ML, 20 * MIN + 200 }, { MJ, 20 * MIN + 1000 }, { ML, 40 * MIN }
    };

    for (o = 0; o < 3; o++) {
        p = started();

        for (k = 0; k < 8; k++) {
            /* o 0: the main room's first; 1: the room's; 2: and a restart */
            const int  i = o ? k : (k + 2) % 8;

            evd(p, e[i].type, e[i].at, i < 2 ? "email:e@x.org" : "id:E",
                i < 2 ? "r1" : NULL, "pu-E");

            if (o == 2 && k == 1) {
                js = zt_presence_to_json(p);
                zt_presence_free(p);
                p = started();
                zt_presence_from_json(p, js);
                json_decref(js);
            }
        }

        j = journey(p, "id:E", &all, &n);
        ok(n == 1 && j && j->nspans == 1 && j->spans[0].start == T0 + MIN
           && j->spans[0].end == T0 + 40 * MIN && j->nvisits == 1
           && j->visits[0].start == T0 + 5 * MIN + 1000
           && j->visits[0].end == T0 + 20 * MIN
           && j->visits[0].next == ZT_NEXT_MAIN && j->join_time_known,
           "blank id in room (order %d): one person, 1-40 min, back to main",
           o);

        zt_presence_free(p);
    }

    /* two guests "name:G": pu-1 is the account id:A's, pu-2 stays */
    p = started();
    evd(p, MJ, MIN, "id:A", NULL, "pu-1");
    evd(p, RJ, 2 * MIN, "name:G", "r1", "pu-1");
    evd(p, MJ, 3 * MIN, "name:G", NULL, "pu-2");

    j = journey(p, "name:G", &all, &n);
    ok(n == 2 && j && j->nvisits == 0 && j->nspans == 1
       && j->spans[0].start == T0 + 3 * MIN,
       "a weaker key keeps its other device");
    j = journey(p, "id:A", &all, &n);
    ok(j && j->nvisits == 1 && j->now.room_no == 1,
       "and the linked device's room visit is the account's");

    zt_presence_journeys_free(all, n);
    zt_presence_free(p);
}


int
main(void)
{
    test_leave_from_room();
    test_next_room_and_first_leave();
    test_sessions_and_order();
    test_reconnect_in_room();
    test_names();
    test_waiting_outside();
    test_clip();
    test_bookkeeping();
    test_two_devices();
    test_two_devices_rules();
    test_two_devices_fallback();
    test_blank_id_in_room();

    return done_testing();
}
