/*
 * Unit tests of the presence engine's lost return (zoomtrack/presence/
 * zt_presence_derive.c, zt_presence_came_back): a main leave that closes
 * no open session, after a departure, shows the person came back and the
 * join was lost.  The departure was none: presence runs on through it, the
 * room visit it ended returns to the main room, and the live row and the
 * report agree on the last leave.  (A file of its own: the journey and
 * live test files are at the house limit of 800 lines.)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_presence.h"
#include "tap.h"
#include "presence_fixture.h"


/*
 * She returns from r1 at 20 min (room leave, main leave), the main join
 * that follows is lost, and she leaves at 50 min: present 1-50 min, the
 * visit back to the main room, offline at 50 min; in either order.
 */
static void
test_return_join_lost(void)
{
    int             o, i;
    size_t          n = 0;
    zt_journey_t   *all = NULL, *j;
    zt_presence_t  *p;

    static const struct {
        const char  *type;
        int64_t      at;
        const char  *room;
    } e[] = {
        { "meeting.started", 0, NULL }, { MJ, MIN, NULL },
        { ML, 5 * MIN + 100, NULL }, { MJ, 5 * MIN + 800, NULL },
        { RJ, 5 * MIN + 1000, "r1" }, { RL, 20 * MIN, "r1" },
        { ML, 20 * MIN + 300, NULL }, { ML, 50 * MIN, NULL },
        { END, 60 * MIN, NULL }
    };

    for (o = 0; o < 2; o++) {
        p = zt_presence_create();

        for (i = 0; i < 7; i++) {
            evd(p, e[o ? 6 - i : i].type, e[o ? 6 - i : i].at, "id:alice",
                e[o ? 6 - i : i].room, NULL);
        }

        /* before her last leave comes, she left at 20 min */
        j = journey(p, "id:alice", &all, &n);
        ok(j && j->nspans == 1 && j->spans[0].end == T0 + 20 * MIN + 300
           && j->nvisits == 1 && j->visits[0].next == ZT_NEXT_LEFT
           && !j->now.online && j->now.last_left == T0 + 20 * MIN + 300,
           "return join lost (order %d): gone at 20 min until told", o);

        evd(p, e[7].type, e[7].at, "id:alice", NULL, NULL);
        evd(p, e[8].type, e[8].at, "id:alice", NULL, NULL);

        j = journey(p, "id:alice", &all, &n);
        ok(j && j->nspans == 1 && j->spans[0].start == T0 + MIN
           && j->spans[0].end == T0 + 50 * MIN && j->join_time_known
           && j->nvisits == 1 && j->visits[0].end == T0 + 20 * MIN
           && j->visits[0].next == ZT_NEXT_MAIN,
           "return join lost (order %d): present 1-50 min, Main room", o);
        ok(j && !j->now.online && j->now.last_left == T0 + 50 * MIN
           && j->now.last_join == T0 + MIN,
           "return join lost (order %d): the live row agrees", o);

        zt_presence_free(p);
    }

    zt_presence_journeys_free(all, n);
}


/*
 * Her first event is a leave at 10 min (present since the start), then
 * another leave at 30 min: present from the start to 30 min, one span.
 */
static void
test_first_leave_then_lost_join(void)
{
    size_t          n = 0;
    zt_journey_t   *all = NULL, *j;
    zt_presence_t  *p;

    p = zt_presence_create();
    evd(p, "meeting.started", 0, "id:alice", NULL, NULL);
    evd(p, ML, 10 * MIN, "id:alice", NULL, NULL);
    evd(p, ML, 30 * MIN, "id:alice", NULL, NULL);
    evd(p, END, 60 * MIN, "id:alice", NULL, NULL);

    j = journey(p, "id:alice", &all, &n);
    ok(j && j->nspans == 1 && j->spans[0].start == T0
       && j->spans[0].end == T0 + 30 * MIN && !j->join_time_known
       && j->now.last_left == T0 + 30 * MIN,
       "first event a leave, another leave: present from the start to it");

    zt_presence_journeys_free(all, n);
    zt_presence_free(p);
}


int
main(void)
{
    test_return_join_lost();
    test_first_leave_then_lost_join();

    return done_testing();
}
