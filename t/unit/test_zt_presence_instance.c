/*
 * Unit tests of the presence engine (zoomtrack/presence/) for two
 * instances of one meeting id (README presence rule 12): an instance
 * whose meeting.ended and leaves were lost ends, at the latest, when a
 * later instance of its id starts (its first event, waiting aside), in
 * the live row, the journey, the meeting's end and pruning alike, in
 * every arrival order and after a save and load; instances whose events
 * overlap, and a meeting id of "", cut nothing.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_presence.h"
#include "tap.h"
#include "presence_fixture.h"


#define JBH  "meeting.participant_jbh_waiting"
#define NEV  8
#define NONE INT64_MAX          /* no cut */


typedef struct {
    const char  *mtg;
    const char  *type;
    int64_t      at;
    const char  *key;
    const char  *room;
} ev_t;


/*
 * Instance 1: Ann joins at 1 min, Bob at 2 min and into r1 at 10 min;
 * its end and Bob's leaves are lost, and Ann's leave is dated 65 min
 * (without the rule, the meeting's last event, to which Bob's presence
 * ran).  Instance 2 of the same id: Cy waits for the host at 30 min
 * (which dates nothing), Ann joins at 60 min (its first event), leaves
 * and it ends at 90 min.
 */
static const ev_t  story[NEV] = {
    { "i1==", MJ, 1 * MIN, "id:ann", NULL },
    { "i1==", MJ, 2 * MIN, "id:bob", NULL },
    { "i1==", RJ, 10 * MIN, "id:bob", "r1" },
    { "i1==", ML, 65 * MIN, "id:ann", NULL },
    { "i2==", JBH, 30 * MIN, "id:cy", NULL },
    { "i2==", MJ, 60 * MIN, "id:ann", NULL },
    { "i2==", ML, 90 * MIN, "id:ann", NULL },
    { "i2==", END, 90 * MIN, NULL, NULL },
};


static void
fold_one(zt_presence_t *p, const ev_t *e, int64_t shift, const char *id)
{
    zt_presence_event_t  ev;

    memset(&ev, 0, sizeof(ev));
    ev.event_type = e->type;
    ev.meeting_uuid = e->mtg;
    ev.meeting_id = id;
    ev.person_key = e->key ? e->key : "";
    ev.participant_id = "";
    ev.registrant_id = "";
    ev.participant_name = e->key ? e->key + 3 : "";
    ev.participant_email = "";
    ev.breakout_room_uuid = e->room ? e->room : "";
    ev.event_ts = T0 + e->at + (strcmp(e->mtg, "i2==") == 0 ? shift : 0);

    (void) zt_presence_fold_event(p, &ev);
}


static int64_t
ended(const zt_presence_t *p, const char *uuid)
{
    size_t                      i;
    zt_presence_meeting_info_t  mi;

    for (i = 0; i < zt_presence_nmeetings(p); i++) {
        zt_presence_meeting_info(p, i, &mi);
        if (strcmp(mi.uuid, uuid) == 0) {
            return mi.ended;
        }
    }

    return -1;
}


/* Bob in instance 1 ends at cut (NONE: runs on); 1 when all agree */
static int
bob_ends(zt_presence_t *p, int64_t cut)
{
    int            good;
    size_t         n = 0;
    zt_journey_t  *all = NULL, *j;

    j = journey(p, "id:bob", &all, &n);      /* in i1== only */

    if (cut == NONE) {
        good = j && j->now.online && j->now.room_no == 1
               && j->now.last_left == 0 && ended(p, "i1==") == 0;

    } else {
        good = j && !j->now.online && j->now.room_uuid == NULL
               && j->now.last_left == cut
               && j->nspans == 1 && j->spans[0].start == T0 + 2 * MIN
               && j->spans[0].end == cut
               && j->nvisits == 1 && j->visits[0].end == cut
               && j->visits[0].next == ZT_NEXT_LEFT
               && ended(p, "i1==") == cut;
    }

    zt_presence_journeys_free(all, n);

    return good;
}


/* every order of the story's events (Heap's algorithm) */
static int
fold_orders(size_t k, size_t *ix, int64_t shift, const char *id,
    int64_t cut, size_t *orders)
{
    int             good;
    size_t          i, t;
    zt_presence_t  *p;

    if (k == 1) {
        p = zt_presence_create();
        for (i = 0; i < NEV; i++) {
            fold_one(p, &story[ix[i]], shift, id);
        }
        good = bob_ends(p, cut);
        zt_presence_free(p);
        (*orders)++;
        return good;
    }

    good = 1;

    for (i = 0; i < k; i++) {
        good &= fold_orders(k - 1, ix, shift, id, cut, orders);
        t = ix[k % 2 ? 0 : i];
        ix[k % 2 ? 0 : i] = ix[k - 1];
        ix[k - 1] = t;
    }

    return good;
}


static void
test_every_order(void)
{
    int     good;
    size_t  i, ix[NEV], orders;

    for (i = 0; i < NEV; i++) {
        ix[i] = i;
    }

    orders = 0;
    good = fold_orders(NEV, ix, 0, "123", T0 + 60 * MIN, &orders);
    ok(good && orders == 40320,
       "lost end and leaves: offline, presence and visit cut at the next"
       " instance's start, in all %zu orders", orders);

    /* instance 2's first event at 5 min, before Bob's room join */
    orders = 0;
    good = fold_orders(NEV, ix, -55 * MIN, "123", NONE, &orders);
    ok(good, "overlapping instances: nothing cut, in all %zu orders",
       orders);

    orders = 0;
    good = fold_orders(NEV, ix, 0, "", NONE, &orders);
    ok(good, "meeting id \"\": nothing cut, in all %zu orders", orders);
}


/* the cut after a save and load, in the CSV too, and the prune */
static void
test_saved_csv_prune(void)
{
    char           *buf = NULL;
    size_t          i, len = 0;
    FILE           *f;
    json_t         *state;
    zt_presence_t  *p, *q;

    p = zt_presence_create();
    for (i = 0; i < NEV; i++) {
        fold_one(p, &story[i], 0, "123");
    }

    state = zt_presence_to_json(p);
    q = zt_presence_create();
    ok(state && zt_presence_from_json(q, state) == ZT_OK
       && bob_ends(q, T0 + 60 * MIN),
       "saved and loaded: the same cut");
    json_decref(state);

    f = open_memstream(&buf, &len);
    zt_presence_csv(q, f, "UTC", NULL);
    fclose(f);
    ok(buf && strstr(buf, "\"bob\",\"offline\",\"2026-02-03 09:02:00\","
                          "\"2026-02-03 10:00:00\",\"\",\"123\"") != NULL,
       "CSV: Bob offline from instance 2's start");
    free(buf);

    is_int(zt_presence_prune(q, T0 + 66 * MIN, 0), 1,
           "prune: instance 1 ended at instance 2's start");
    is_int(ended(q, "i1=="), -1, "prune: instance 1 is gone");

    zt_presence_free(q);
    zt_presence_free(p);
}


/* a third instance later still: the earliest later one cuts */
static void
test_third_instance(void)
{
    size_t          i, k;
    zt_presence_t  *p;

    static const char  *third[] = { "i0==", "i3==", "zz==" };

    for (k = 0; k < 3; k++) {
        p = zt_presence_create();
        fold_one(p, &(ev_t) { third[k], MJ, 120 * MIN, "id:dee", NULL }, 0,
                 "123");
        for (i = 0; i < NEV; i++) {
            fold_one(p, &story[i], 0, "123");
        }
        ok(bob_ends(p, T0 + 60 * MIN),
           "a third instance (%s) at 120 min: cut at 60 min", third[k]);
        zt_presence_free(p);
    }
}


/*
 * The host, online in instance 1 whose end and leave were lost, starts
 * instance 2 with their join: the cut takes them offline in instance 1
 * in the very ms they join instance 2.  Their one CSV row (per person
 * and meeting id) is instance 2's, online, whichever uuid sorts first.
 */
static void
test_host_starts_next(void)
{
    char           *buf;
    size_t          i, len;
    FILE           *f;
    zt_presence_t  *p;

    static const char  *uuids[2][2] = {
        { "a1==", "b2==" }, { "b1==", "a2==" }
    };

    for (i = 0; i < 2; i++) {
        p = zt_presence_create();
        fold_one(p, &(ev_t) { uuids[i][0], MJ, 1 * MIN, "id:hal", NULL },
                 0, "123");
        fold_one(p, &(ev_t) { uuids[i][1], MJ, 60 * MIN, "id:hal", NULL },
                 0, "123");

        buf = NULL;
        len = 0;
        f = open_memstream(&buf, &len);
        zt_presence_csv(p, f, "UTC", NULL);
        fclose(f);
        ok(buf && strstr(buf, "\"hal\",\"online\",\"2026-02-03 10:00:00\","
                              "\"2026-02-03 10:00:00\",\"\",\"123\"")
                  != NULL,
           "host starts the next instance (uuids %s, %s): online",
           uuids[i][0], uuids[i][1]);
        free(buf);
        zt_presence_free(p);
    }
}


int
main(void)
{
    (void) evd;         /* the fixture's, for tests of one meeting */

    test_every_order();
    test_saved_csv_prune();
    test_host_starts_next();
    test_third_instance();

    return done_testing();
}
