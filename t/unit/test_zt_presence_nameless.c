/*
 * Unit tests of the presence engine with participants Zoom sends without
 * an id, email or display name (README "Presence rules", rule 1): each
 * participant_uuid is one person, the same in the live fold (the key
 * derived from the record) and the report's (the warehouse's person_key,
 * "name:"), and a nameless event of a named participant's uuid is that
 * participant's.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_presence.h"
#include "tap.h"
#include "presence_fixture.h"


/*
 * An event of a nameless guest: key NULL folds as the live status does
 * (the key derived from the fields), "name:" as the report does (the
 * warehouse's person_key of such an event).
 */
static void
nameless(zt_presence_t *p, const char *key, const char *type, int64_t at,
    const char *uuid, const char *room)
{
    (void) ev_named(p, type, at, key, "", room, uuid);
}


static void
test_two_nameless(const char *key, const char *how)
{
    size_t          n = 0;
    zt_journey_t   *all = NULL, *j;
    zt_presence_t  *p = zt_presence_create();

    nameless(p, key, "meeting.started", 0, NULL, NULL);
    nameless(p, key, MJ, 4 * MIN, "pu-1", NULL);
    nameless(p, key, MJ, 5 * MIN, "pu-2", NULL);
    nameless(p, key, ML, 34 * MIN, "pu-1", NULL);
    nameless(p, key, ML, 35 * MIN, "pu-2", NULL);
    nameless(p, key, MJ, 36 * MIN, NULL, NULL);     /* nobody at all */

    j = journey(p, "uuid:pu-1", &all, &n);
    ok(n == 2 && j && j->nspans == 1 && j->spans[0].start == T0 + 4 * MIN
       && j->spans[0].end == T0 + 34 * MIN && strcmp(j->name, "") == 0,
       "%s: two nameless guests are two people (first)", how);
    j = journey(p, "uuid:pu-2", &all, &n);
    ok(j && j->nspans == 1 && j->spans[0].start == T0 + 5 * MIN
       && j->spans[0].end == T0 + 35 * MIN,
       "%s: two nameless guests are two people (second)", how);

    zt_presence_journeys_free(all, n);
    zt_presence_free(p);
}


/* a named participant whose room events come without a name */
static void
test_nameless_in_room(void)
{
    size_t          n = 0;
    zt_journey_t   *all = NULL, *j;
    zt_presence_t  *p = zt_presence_create();

    evd(p, MJ, MIN, "name:Ann", NULL, "pu-A");
    evd(p, ML, 5 * MIN, "name:Ann", NULL, "pu-A");
    evd(p, MJ, 5 * MIN + 300, "name:Ann", NULL, "pu-A");
    nameless(p, NULL, RJ, 5 * MIN + 700, "pu-A", "r1");
    nameless(p, NULL, RL, 20 * MIN, "pu-A", "r1");
    evd(p, ML, 20 * MIN + 200, "name:Ann", NULL, "pu-A");

    j = journey(p, "name:Ann", &all, &n);
    ok(n == 1 && j && j->nvisits == 1
       && j->visits[0].start == T0 + 5 * MIN + 700
       && j->visits[0].next == ZT_NEXT_LEFT && j->nspans == 1
       && j->spans[0].end == T0 + 20 * MIN + 200,
       "nameless room events of a named participant's uuid are theirs");

    zt_presence_journeys_free(all, n);
    zt_presence_free(p);
}


int
main(void)
{
    test_two_nameless(NULL, "live");
    test_two_nameless("name:", "report");
    test_nameless_in_room();

    return done_testing();
}
