/*
 * Unit tests of the presence engine's waiting-room rule (zoomtrack/presence/
 * zt_presence.c, zt_presence_waiting_leave): Zoom sends
 * meeting.participant_left also for someone who leaves the waiting room or
 * is removed from it, saying so in leave_reason.  Such a leave is no
 * departure: someone never admitted has no row and no presence, and
 * someone put back into the waiting room left the meeting then, not when
 * they gave up waiting.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_presence.h"
#include "tap.h"
#include "presence_fixture.h"


#define PUT           "meeting.participant_put_in_waiting_room"
#define WAIT_LEAVE    "Dan left the meeting.<br>Reason: Leave waiting room."
#define WAIT_REMOVED  "Removed by host from waiting room."


/* an event of key in "m==" at ms after T0 with a leave_reason */
static int
ev_why(zt_presence_t *p, const char *type, int64_t at, const char *key,
    const char *why)
{
    return ev_why_in(p, "m==", type, T0 + at, key, key, NULL, "pu", why);
}


/* how many rows the live state has */
static size_t
nrows(const zt_presence_t *p)
{
    size_t              n;
    zt_presence_row_t  *rows;

    if (zt_presence_rows(p, &rows, &n) != ZT_OK) {
        return (size_t) -1;
    }

    free(rows);
    return n;
}


static void
test_reasons(void)
{
    ok(zt_presence_waiting_leave(WAIT_LEAVE), "\"Leave waiting room.\"");
    ok(zt_presence_waiting_leave(WAIT_REMOVED),
       "\"Removed by host from waiting room.\"");
    ok(zt_presence_waiting_leave("x left.<br>Reason: LEAVE WAITING ROOM."),
       "any case");
    ok(!zt_presence_waiting_leave("Dan left the meeting."),
       "a plain leave is a departure");
    ok(!zt_presence_waiting_leave("Dan left the meeting.<br>Reason: "
                                  "Removed by host."),
       "removed from the meeting is a departure");
    ok(!zt_presence_waiting_leave(NULL) && !zt_presence_waiting_leave(""),
       "no reason");

    /* the display name is part of Zoom's text: a participant must not
     * hide their departure by calling themselves so */
    ok(!zt_presence_waiting_leave("Leave waiting room left the meeting."),
       "a name is no reason");
    ok(!zt_presence_waiting_leave("Leave Waiting Room left the meeting."
                                  "<br>Reason: left the meeting."),
       "a name is no reason, with Zoom's reason after it");
    ok(!zt_presence_waiting_leave("x<br>Reason: Leave waiting room. left "
                                  "the meeting."),
       "a name that mimics the reason is no reason");
    ok(zt_presence_waiting_leave("Removed by host from waiting room left "
                                 "the meeting.<br>Reason: Leave waiting "
                                 "room. "),
       "Zoom's reason after such a name still counts");
}


/* a participant named like the reason leaves early: a departure */
static void
test_name_like_reason(void)
{
    size_t          n = 0;
    zt_journey_t   *all = NULL, *j;
    zt_presence_t  *p;

    p = zt_presence_create();
    ev_why(p, MJ, MIN, "name:Leave waiting room", NULL);
    ev_why(p, ML, 10 * MIN, "name:Leave waiting room",
           "Leave waiting room left the meeting.");
    evd(p, END, 60 * MIN, "id:alice", NULL, NULL);

    j = journey(p, "name:Leave waiting room", &all, &n);
    ok(j && j->nspans == 1 && j->spans[0].end == T0 + 10 * MIN
       && !j->now.online,
       "a name like the reason: gone at 10 min, not at the end");
    zt_presence_free(p);
    zt_presence_journeys_free(all, n);
}


/* never admitted: knocks, gives up (or is removed); Alice is there */
static void
test_never_admitted(void)
{
    int             i;
    size_t          n = 0;
    zt_journey_t   *all = NULL;
    zt_presence_t  *p;

    static const char  *why[] = { WAIT_LEAVE, WAIT_REMOVED };

    for (i = 0; i < 2; i++) {
        p = zt_presence_create();
        evd(p, "meeting.started", 0, "id:alice", NULL, NULL);
        evd(p, MJ, MIN, "id:alice", NULL, NULL);
        ev_why(p, "meeting.participant_joined_waiting_room", 2 * MIN,
               "name:Dan", NULL);
        ev_why(p, ML, 10 * MIN, "name:Dan", why[i]);

        ok(nrows(p) == 1, "never admitted (%s): no live row", why[i]);
        ok(journey(p, "name:Dan", &all, &n) == NULL && n == 1,
           "never admitted (%s): no journey", why[i]);
        zt_presence_free(p);
    }

    zt_presence_journeys_free(all, n);
}


/*
 * In at 1 min, put into the waiting room at 20 min (Zoom's leave then),
 * leaves the waiting room at 30 min: present 1-20 min, offline since 20,
 * in either arrival order.
 */
static void
test_put_back_then_gone(void)
{
    int                 o;
    size_t              n = 0;
    zt_journey_t       *all = NULL, *j;
    zt_presence_t      *p;

    for (o = 0; o < 2; o++) {
        p = zt_presence_create();
        evd(p, "meeting.started", 0, "id:gus", NULL, NULL);

        if (o) {
            ev_why(p, ML, 30 * MIN, "id:gus", WAIT_LEAVE);
        }

        ev_why(p, MJ, MIN, "id:gus", NULL);
        ev_why(p, ML, 20 * MIN, "id:gus", "Gus left the meeting.");

        if (!o) {
            ev_why(p, ML, 30 * MIN, "id:gus", WAIT_LEAVE);
        }

        j = journey(p, "id:gus", &all, &n);
        ok(j && j->nspans == 1 && j->spans[0].start == T0 + MIN
           && j->spans[0].end == T0 + 20 * MIN && !j->now.online
           && j->now.last_left == T0 + 20 * MIN,
           "put back, then left the waiting room (order %d): gone at 20 min",
           o);
        zt_presence_free(p);
    }

    zt_presence_journeys_free(all, n);
}


/*
 * Put back into the waiting room at 20 min and admitted at 25 min, Zoom
 * sending no participant_left with it (or one 300 ms later): present
 * 1-20 and 25-50 min, offline in between.
 */
static void
test_put_back_admitted(void)
{
    int             o;
    size_t          n = 0;
    zt_journey_t   *all = NULL, *j;
    zt_presence_t  *p;

    for (o = 0; o < 2; o++) {
        p = zt_presence_create();
        evd(p, MJ, MIN, "id:hal", NULL, "pu");
        evd(p, PUT, 20 * MIN, "id:hal", NULL, "pu");

        if (o) {
            evd(p, ML, 20 * MIN + 300, "id:hal", NULL, "pu");
        }

        j = journey(p, "id:hal", &all, &n);
        ok(j && !j->now.online
           && j->now.last_left == T0 + 20 * MIN + (o ? 300 : 0),
           "put back (%s participant_left): offline at 20 min",
           o ? "with" : "without");

        evd(p, "meeting.participant_admitted", 25 * MIN, "id:hal", NULL,
            "pu");
        evd(p, MJ, 25 * MIN + 1000, "id:hal", NULL, "pu");
        evd(p, ML, 50 * MIN, "id:hal", NULL, "pu");

        j = journey(p, "id:hal", &all, &n);
        ok(j && j->nspans == 2
           && j->spans[0].end == T0 + 20 * MIN + (o ? 300 : 0)
           && j->spans[1].start == T0 + 25 * MIN + 1000
           && j->spans[1].end == T0 + 50 * MIN,
           "put back (%s participant_left), admitted: two spans",
           o ? "with" : "without");
        zt_presence_free(p);
    }

    zt_presence_journeys_free(all, n);
}


/* the status sink's path: the queue record's leave_reason */
static void
test_record(void)
{
    json_t         *r;
    zt_presence_t  *p;

    p = zt_presence_create();
    evd(p, MJ, MIN, "id:alice", NULL, NULL);

    r = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}",
                  "event_type", ML, "event_ts", (json_int_t) (T0 + 5 * MIN),
                  "meeting_uuid", "m==", "meeting_id", "123",
                  "participant_name", "Dan", "leave_reason", WAIT_LEAVE);
    zt_presence_fold(p, r);
    json_decref(r);

    ok(nrows(p) == 1, "record: a leave of the waiting room makes no row");
    zt_presence_free(p);
}


int
main(void)
{
    test_reasons();
    test_name_like_reason();
    test_never_admitted();
    test_put_back_then_gone();
    test_put_back_admitted();
    test_record();

    return done_testing();
}
