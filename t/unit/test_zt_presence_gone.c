/*
 * Unit tests of the meetings the presence engine dropped
 * (zoomtrack/presence/zt_presence_gone.c): a late event of one does not
 * make it again, a later event does, and the state saved and loaded
 * keeps them until ZT_PRESENCE_GONE_MS past the prune window.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_presence.h"
#include "tap.h"
#include "presence_fixture.h"


#define DAY  (24 * 60 * MIN)


/* a meeting of Ann and Bob that ended at T0 + 60 min, dropped */
static zt_presence_t *
dropped(void)
{
    zt_presence_t  *p = zt_presence_create();

    evd(p, MJ, MIN, "id:ann", NULL, "pu-A");
    evd(p, MJ, 2 * MIN, "id:bob", NULL, "pu-B");
    evd(p, ML, 50 * MIN, "id:ann", NULL, "pu-A");
    evd(p, END, 60 * MIN, NULL, NULL, NULL);

    is_int(zt_presence_prune(p, T0 + 61 * MIN, 0), 1, "the meeting is dropped");

    return p;
}


static void
test_late(void)
{
    size_t          n = 0;
    zt_journey_t   *all = NULL;
    zt_presence_t  *p = dropped();

    /* Bob's leave, retried by Zoom; a lost join, six hours late */
    is_int(evd(p, ML, 55 * MIN, "id:bob", NULL, "pu-B"), 0,
           "a late leave of a dropped meeting: ignored");
    is_int(evd(p, MJ, 3 * MIN, "id:cem", NULL, "pu-C"), 0,
           "a late join of a dropped meeting: ignored");
    is_int(zt_presence_nmeetings(p), 0, "nobody shown again");

    /* Zoom's meeting.ended is not final: the instance joined again */
    is_int(evd(p, MJ, 70 * MIN, "id:ann", NULL, "pu-A2"), 1,
           "a join after its end: the meeting again");
    ok(journey(p, "id:ann", &all, &n) && n == 1 && all[0].now.online,
       "joined again: online");

    zt_presence_journeys_free(all, n);
    zt_presence_free(p);
}


static void
test_saved(void)
{
    json_t         *j;
    zt_presence_t  *p, *q;

    p = dropped();
    j = zt_presence_to_json(p);
    q = zt_presence_create();
    ok(j && zt_presence_from_json(q, j) == ZT_OK,
       "saved and loaded with the dropped meeting");
    json_decref(j);
    is_int(evd(q, ML, 55 * MIN, "id:bob", NULL, "pu-B"), 0,
           "after a restart, a late event of it is still ignored");

    /* a week and more after the prune window: forgotten */
    zt_presence_prune(q, T0 + 61 * MIN + 8 * DAY, 0);
    is_int(evd(q, ML, 55 * MIN, "id:bob", NULL, "pu-B"), 1,
           "a week on, it is forgotten");

    zt_presence_free(p);
    zt_presence_free(q);

    q = zt_presence_create();
    j = json_pack("{s:i, s:[]}", "version", 1, "meetings");
    ok(zt_presence_from_json(q, j) == ZT_OK,
       "a state saved without dropped meetings loads");
    json_decref(j);
    zt_presence_free(q);
}


/* meeting.ended and the leaves lost: the meeting goes once nothing of it
 * has come for ZT_PRESENCE_SILENT_MS (by the clock), no sooner, and not
 * inside the keep window */
static void
test_silent(void)
{
    int64_t         last = T0 + 40 * MIN;
    zt_presence_t  *p = zt_presence_create();

    evd(p, MJ, MIN, "id:ann", NULL, "pu-A");
    evd(p, MJ, 40 * MIN, "id:bob", NULL, "pu-B");

    is_int(zt_presence_prune(p, last + DAY, 0), 0,
           "no end, and events came since: it stays, however old");
    is_int(zt_presence_prune(p, last, INT64_MAX), 0,
           "silent, but inside the keep window: it stays");
    is_int(zt_presence_prune(p, last + 1, INT64_MAX), 1,
           "silent and past the keep window: dropped");
    is_int(evd(p, ML, 39 * MIN, "id:ann", NULL, "pu-A"), 0,
           "a late event not after its last one is ignored, as of an "
           "ended one");
    ok(ZT_PRESENCE_SILENT_MS >= 30 * 60 * MIN,
       "silent means longer than Zoom's longest meeting");

    zt_presence_free(p);
}


int
main(void)
{
    test_late();
    test_silent();
    test_saved();

    return done_testing();
}
