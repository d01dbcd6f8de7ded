/*
 * Unit tests of the presence engine (zoomtrack/presence/) when a main
 * join is lost and a room join of the same person arrives: the room join
 * shows the person in the meeting, in that room.  The live row and the
 * report agree at every step: online in the room, the visit and the
 * presence open, until the person leaves.  (A file of its own: the
 * journey and live test files are at the house limit of 800 lines.)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_presence.h"
#include "tap.h"
#include "presence_fixture.h"


typedef struct {
    const char  *type;
    int64_t      at;
    const char  *room;
} ev_t;


static void
fold(zt_presence_t *p, const ev_t *e, size_t n, int reverse)
{
    size_t  i, k;

    for (i = 0; i < n; i++) {
        k = reverse ? n - 1 - i : i;
        evd(p, e[k].type, e[k].at, "id:bob", e[k].room, NULL);
    }
}


/*
 * Bob's main join is lost; his room join at 8 min comes: online in
 * Room-1 from 8 min, the visit and presence open (they end at the
 * meeting's last event, which the timeline shows as open).  He returns
 * at 15 min (room leave, main leave, main join), leaves at 20 min.
 */
static void
test_room_join_then_return(void)
{
    int             o;
    size_t          n = 0;
    zt_journey_t   *all = NULL, *j;
    zt_presence_t  *p;

    static const ev_t  start[] = {
        { "meeting.started", 0, NULL }, { RJ, 8 * MIN, "r1" }
    };
    static const ev_t  back[] = {
        { RL, 15 * MIN, "r1" }, { ML, 15 * MIN + 200, NULL },
        { MJ, 15 * MIN + 900, NULL }
    };
    static const ev_t  leave[] = {
        { ML, 20 * MIN, NULL }, { END, 30 * MIN, NULL }
    };

    for (o = 0; o < 2; o++) {
        p = zt_presence_create();

        fold(p, start, 2, o);
        j = journey(p, "id:bob", &all, &n);
        ok(j && j->now.online && j->now.room_no == 1
           && j->now.last_join == T0 + 8 * MIN && j->now.last_left == 0
           && j->nspans == 1 && j->spans[0].start == T0 + 8 * MIN
           && j->join_time_known && j->nvisits == 1
           && j->visits[0].start == T0 + 8 * MIN,
           "main join lost, room join (order %d): online in Room-1", o);

        fold(p, back, 3, o);
        j = journey(p, "id:bob", &all, &n);
        ok(j && j->now.online && j->now.room_no == 0
           && j->now.last_join == T0 + 8 * MIN && j->now.last_left == 0
           && j->nspans == 1 && j->spans[0].start == T0 + 8 * MIN
           && j->nvisits == 1 && j->visits[0].end == T0 + 15 * MIN
           && j->visits[0].next == ZT_NEXT_MAIN,
           "main join lost, room join (order %d): back in the main room",
           o);

        fold(p, leave, 2, o);
        j = journey(p, "id:bob", &all, &n);
        ok(j && !j->now.online && j->now.last_join == T0 + 8 * MIN
           && j->now.last_left == T0 + 20 * MIN
           && j->nspans == 1 && j->spans[0].start == T0 + 8 * MIN
           && j->spans[0].end == T0 + 20 * MIN && j->join_time_known
           && j->nvisits == 1 && j->visits[0].next == ZT_NEXT_MAIN,
           "main join lost, room join (order %d): left at 20 min", o);

        zt_presence_free(p);
    }

    zt_presence_journeys_free(all, n);
}


/*
 * As above, and the room leave of his return is lost too: the move's
 * main leave ends the visit, he stays online; or he leaves the meeting
 * from the room and that room leave is lost: the main leave takes him
 * out, the visit ends there, Left meeting.
 */
static void
test_room_join_room_leave_lost(void)
{
    int             o;
    size_t          n = 0;
    zt_journey_t   *all = NULL, *j;
    zt_presence_t  *p;

    static const ev_t  ret[] = {
        { "meeting.started", 0, NULL }, { RJ, 8 * MIN, "r1" },
        { ML, 15 * MIN + 200, NULL }, { MJ, 15 * MIN + 900, NULL }
    };
    static const ev_t  out[] = {
        { "meeting.started", 0, NULL }, { RJ, 8 * MIN, "r1" },
        { ML, 20 * MIN + 300, NULL }
    };

    for (o = 0; o < 2; o++) {
        p = zt_presence_create();
        fold(p, ret, 4, o);
        j = journey(p, "id:bob", &all, &n);
        ok(j && j->now.online && j->now.room_no == 0
           && j->now.last_join == T0 + 8 * MIN
           && j->nvisits == 1 && j->visits[0].end == T0 + 15 * MIN + 200
           && j->visits[0].next == ZT_NEXT_MAIN,
           "room join, return's room leave lost (order %d): main room", o);

        evd(p, ML, 25 * MIN, "id:bob", NULL, NULL);
        j = journey(p, "id:bob", &all, &n);
        ok(j && !j->now.online && j->now.last_left == T0 + 25 * MIN
           && j->nspans == 1 && j->spans[0].start == T0 + 8 * MIN
           && j->spans[0].end == T0 + 25 * MIN,
           "room join, return's room leave lost (order %d): left", o);
        zt_presence_free(p);

        p = zt_presence_create();
        fold(p, out, 3, o);
        j = journey(p, "id:bob", &all, &n);
        ok(j && !j->now.online && j->now.last_join == T0 + 8 * MIN
           && j->now.last_left == T0 + 20 * MIN + 300
           && j->nspans == 1 && j->spans[0].end == T0 + 20 * MIN + 300
           && j->nvisits == 1 && j->visits[0].end == T0 + 20 * MIN + 300
           && j->visits[0].next == ZT_NEXT_LEFT,
           "room join, left from the room, room leave lost (order %d)", o);
        zt_presence_free(p);
    }

    zt_presence_journeys_free(all, n);
}


/*
 * His main join is lost, he is in r1 from 8 min; his client dies and
 * reconnects at 10 min (main join, room join); the old session's room
 * leave and main leave come at 11 min.  The room join stood for a
 * session: the old leave closes it, not his new one; he stays online in
 * Room-1 until he leaves at 20 min.
 */
static void
test_room_join_reconnect(void)
{
    int             o;
    size_t          n = 0;
    zt_journey_t   *all = NULL, *j;
    zt_presence_t  *p;

    static const ev_t  e[] = {
        { "meeting.started", 0, NULL }, { RJ, 8 * MIN, "r1" },
        { MJ, 10 * MIN, NULL }, { RJ, 10 * MIN + 500, "r1" },
        { RL, 11 * MIN, "r1" }, { ML, 11 * MIN + 300, NULL }
    };

    for (o = 0; o < 2; o++) {
        p = zt_presence_create();
        fold(p, e, 6, o);
        j = journey(p, "id:bob", &all, &n);
        ok(j && j->now.online && j->now.room_no == 1
           && j->now.last_left == 0 && j->nspans == 1
           && j->spans[0].start == T0 + 8 * MIN,
           "room join, reconnect (order %d): the old leave ends nothing", o);

        evd(p, RL, 20 * MIN, "id:bob", "r1", NULL);
        evd(p, ML, 20 * MIN + 300, "id:bob", NULL, NULL);
        j = journey(p, "id:bob", &all, &n);
        ok(j && !j->now.online && j->now.last_left == T0 + 20 * MIN + 300
           && j->nspans == 1 && j->spans[0].end == T0 + 20 * MIN + 300
           && j->nvisits >= 1
           && j->visits[j->nvisits - 1].next == ZT_NEXT_LEFT,
           "room join, reconnect (order %d): left at 20 min", o);
        zt_presence_free(p);
    }

    zt_presence_journeys_free(all, n);
}


/*
 * He joins at 1 min and leaves at 5 min; he comes back, that main join
 * is lost, his room join at 8 min comes, and he leaves from the room at
 * 20 min.  The leave at 20 min closes the room join's session: he was
 * away from 5 to 8 min (not back through it, as with a main leave that
 * closes nothing), as the live row showed while it happened.
 */
static void
test_room_join_after_departure(void)
{
    int             o;
    size_t          n = 0;
    zt_journey_t   *all = NULL, *j;
    zt_presence_t  *p;

    static const ev_t  e[] = {
        { "meeting.started", 0, NULL }, { MJ, MIN, NULL },
        { ML, 5 * MIN, NULL }, { RJ, 8 * MIN, "r1" }
    };

    for (o = 0; o < 2; o++) {
        p = zt_presence_create();
        fold(p, e, 4, o);
        j = journey(p, "id:bob", &all, &n);
        ok(j && j->now.online && j->now.room_no == 1
           && j->now.last_join == T0 + 8 * MIN
           && j->now.last_left == T0 + 5 * MIN && j->nspans == 2,
           "departure, room join (order %d): online in Room-1", o);

        evd(p, RL, 20 * MIN, "id:bob", "r1", NULL);
        evd(p, ML, 20 * MIN + 300, "id:bob", NULL, NULL);
        j = journey(p, "id:bob", &all, &n);
        ok(j && !j->now.online && j->now.last_left == T0 + 20 * MIN + 300
           && j->nspans == 2 && j->spans[0].end == T0 + 5 * MIN
           && j->spans[1].start == T0 + 8 * MIN
           && j->spans[1].end == T0 + 20 * MIN + 300
           && j->nvisits == 1 && j->visits[0].next == ZT_NEXT_LEFT,
           "departure, room join (order %d): away from 5 to 8 min", o);
        zt_presence_free(p);
    }

    zt_presence_journeys_free(all, n);
}


/*
 * His first main join is lost; he moves into r1 at 8 min as Zoom sends a
 * move: main leave, main join and room join within 1.3 s, the room join
 * before or after the main leave in time (or the move's main join lost
 * too, its room join delivered twice), arriving in every order.  Online
 * in Room-1; his leave from the room at 20 min takes him out.
 */
static void
test_room_join_move_triple(void)
{
    int             v, o, i, ok1, ok2;
    size_t          n = 0, ne;
    zt_journey_t   *all = NULL, *j;
    zt_presence_t  *p;

    static const int  perm[6][3] = {
        { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
        { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 }
    };
    static const ev_t  e[3][3] = {
        { { ML, 8 * MIN, NULL }, { MJ, 8 * MIN + 900, NULL },
          { RJ, 8 * MIN + 700, "r1" } },
        { { ML, 8 * MIN, NULL }, { MJ, 8 * MIN + 900, NULL },
          { RJ, 8 * MIN - 300, "r1" } },
        { { ML, 8 * MIN, NULL }, { RJ, 8 * MIN + 700, "r1" },
          { RJ, 8 * MIN + 700, "r1" } }
    };

    ok1 = 1;
    ok2 = 1;

    for (v = 0; v < 3; v++) {
        for (o = 0; o < 6; o++) {
            p = zt_presence_create();
            evd(p, "meeting.started", 0, "id:bob", NULL, NULL);

            for (i = 0; i < 3; i++) {
                ne = (size_t) perm[o][i];
                evd(p, e[v][ne].type, e[v][ne].at, "id:bob", e[v][ne].room,
                    NULL);
            }

            j = journey(p, "id:bob", &all, &n);
            if (!(j && j->now.online && j->now.room_no == 1
                  && j->now.last_left == 0))
            {
                printf("# move %d, order %d: not online in Room-1\n", v, o);
                ok1 = 0;
            }

            evd(p, RL, 20 * MIN, "id:bob", "r1", NULL);
            evd(p, ML, 20 * MIN + 300, "id:bob", NULL, NULL);
            j = journey(p, "id:bob", &all, &n);
            if (!(j && !j->now.online
                  && j->now.last_left == T0 + 20 * MIN + 300
                  && j->nspans == 1 && j->spans[0].end == T0 + 20 * MIN + 300
                  && j->nvisits == 1 && j->visits[0].next == ZT_NEXT_LEFT))
            {
                printf("# move %d, order %d: not out at 20 min\n", v, o);
                ok2 = 0;
            }

            zt_presence_free(p);
        }
    }

    ok(ok1, "first join lost, a move into r1 in any order: in Room-1");
    ok(ok2, "first join lost, a move into r1 in any order: left at 20 min");

    zt_presence_journeys_free(all, n);
}


int
main(void)
{
    test_room_join_then_return();
    test_room_join_room_leave_lost();
    test_room_join_reconnect();
    test_room_join_after_departure();
    test_room_join_move_triple();

    return done_testing();
}
