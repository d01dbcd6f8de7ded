/*
 * Unit tests of the simulator (zoomtrack/simulate/zt_simulate_*.c):
 * determinism, Zoom-shaped bodies that core normalises, the main-meeting
 * pair on every room move, distinct times for the events of one action,
 * the identities promised (guests, registrants, two people with one name),
 * the delivery schedule, and the cross-check that matters: the expected
 * presence it prints equals what the presence fold (zt_presence.c) derives
 * from its events delivered with duplicates and shuffled.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_event.h"
#include "zt_presence.h"
#include "zt_simulate_model.h"
#include "tap.h"


static zt_sim_t *
sim(uint64_t seed, unsigned people, unsigned rooms, unsigned minutes,
    int no_end)
{
    char           err[128];
    zt_sim_t      *s;
    zt_sim_conf_t  c;

    memset(&c, 0, sizeof(c));
    c.participants = people;
    c.rooms = rooms;
    c.minutes = minutes;
    c.seed = seed;
    c.missing = 0.3;
    c.no_end = no_end;

    s = zt_sim_create(&c, err, sizeof(err));
    if (s == NULL) {
        printf("# zt_sim_create: %s\n", err);
    }
    return s;
}


/* the queue record core makes of a body, parsed */
static json_t *
record(const zt_sim_event_t *e)
{
    char         *r;
    json_t       *j;
    const char   *reason;
    zt_event_t    ev;

    if (zt_event_parse((const unsigned char *) e->body, e->len, &ev, &reason)
        != ZT_OK)
    {
        printf("# not accepted (%s): %s\n", reason ? reason : "?", e->body);
        zt_event_free(&ev);
        return NULL;
    }

    r = zt_event_record(&ev, (const unsigned char *) e->body, e->len,
                        e->ts + 1500, NULL);
    zt_event_free(&ev);

    j = r ? json_loads(r, 0, NULL) : NULL;
    free(r);
    return j;
}


static void
test_determinism(void)
{
    int        same;
    char      *a, *b;
    size_t     i;
    json_t    *ja, *jb;
    zt_sim_t  *s1, *s2, *s3;

    s1 = sim(42, 10, 3, 60, 0);
    s2 = sim(42, 10, 3, 60, 0);
    s3 = sim(43, 10, 3, 60, 0);

    ok(s1 && s2 && s3, "created");
    if (!s1 || !s2 || !s3) {
        return;
    }

    same = zt_sim_nevents(s1) == zt_sim_nevents(s2);
    for (i = 0; same && i < zt_sim_nevents(s1); i++) {
        same = strcmp(zt_sim_event(s1, i)->body, zt_sim_event(s2, i)->body)
               == 0;
    }
    ok(same, "the same seed gives the same %zu bodies", zt_sim_nevents(s1));

    ja = zt_sim_expected(s1, "UTC");
    jb = zt_sim_expected(s2, "UTC");
    a = json_dumps(ja, JSON_COMPACT);
    b = json_dumps(jb, JSON_COMPACT);
    is_str(a, b, "the same seed gives the same expectation");
    free(a);
    free(b);
    json_decref(ja);
    json_decref(jb);

    ok(strcmp(zt_sim_event(s1, 0)->body, zt_sim_event(s3, 0)->body) != 0,
       "another seed, another meeting");

    for (i = 1; i < zt_sim_nevents(s1); i++) {
        if (zt_sim_event(s1, i)->ts < zt_sim_event(s1, i - 1)->ts) {
            break;
        }
    }
    is_int(i, zt_sim_nevents(s1), "events come in event_ts order");

    zt_sim_free(s1);
    zt_sim_free(s2);
    zt_sim_free(s3);
}


/* the time of an event of the type and person in [lo, hi], or -1 */
static int64_t
has_event(json_t **recs, size_t n, const char *type, int64_t lo, int64_t hi,
    const char *puuid)
{
    size_t   i;
    int64_t  ts;

    for (i = 0; i < n; i++) {
        ts = json_integer_value(json_object_get(recs[i], "event_ts"));

        if (recs[i]
            && strcmp(json_string_value(json_object_get(recs[i],
                                                        "event_type")),
                      type) == 0
            && ts >= lo && ts <= hi
            && strcmp(json_string_value(json_object_get(recs[i],
                                                        "participant_uuid")),
                      puuid) == 0)
        {
            return ts;
        }
    }

    return -1;
}


static void
test_shapes(void)
{
    int          parsed, paired, ids, room_ok, distinct;
    size_t       i, n, rj, rl, before, after;
    int64_t      l, j, ml;
    json_t     **recs, *exp, *p, *o;
    zt_sim_t    *s;
    const char  *type, *pu;
    int64_t      ts;

    s = sim(7, 16, 3, 90, 0);
    if (s == NULL) {
        return;
    }

    n = zt_sim_nevents(s);
    recs = calloc(n, sizeof(json_t *));
    parsed = 1;
    for (i = 0; i < n; i++) {
        recs[i] = record(zt_sim_event(s, i));
        parsed &= recs[i] != NULL;
    }
    ok(parsed, "core accepts all %zu bodies", n);

    o = json_loads(zt_sim_event(s, 0)->body, 0, NULL);
    ok(json_is_string(json_object_get(o, "event"))
       && json_is_integer(json_object_get(o, "event_ts"))
       && json_is_string(json_object_get(json_object_get(o, "payload"),
                                         "account_id"))
       && json_is_string(json_object_get(json_object_get(json_object_get(
              o, "payload"), "object"), "uuid")),
       "envelope: event, event_ts, payload.account_id, object.uuid");
    json_decref(o);

    rj = rl = before = after = 0;
    paired = 1;
    room_ok = 1;
    distinct = 1;

    for (i = 0; i < n && parsed; i++) {
        type = json_string_value(json_object_get(recs[i], "event_type"));
        ts = json_integer_value(json_object_get(recs[i], "event_ts"));
        pu = json_string_value(json_object_get(recs[i], "participant_uuid"));

        if (strcmp(type, "meeting.participant_joined_breakout_room") == 0) {
            rj++;
            /* Zoom's pair: a main leave, then a join within 2 s */
            l = has_event(recs, n, "meeting.participant_left", ts - 1300,
                          ts - 50, pu);
            j = has_event(recs, n, "meeting.participant_joined", l + 1,
                          l + 1300, pu);
            paired &= l >= 0 && j >= 0 && j - l <= 2000;
            distinct &= has_event(recs, n, "meeting.participant_joined", ts,
                                  ts, pu) < 0;
            room_ok &= json_string_value(json_object_get(recs[i],
                           "breakout_room_uuid"))[0] != '\0'
                       && json_string_value(json_object_get(recs[i],
                           "parent_user_id"))[0] != '\0';
        }

        if (strcmp(type, "meeting.participant_left_breakout_room") == 0) {
            rl++;

            /* its main leave comes a few ms up to 600 ms apart */
            ml = has_event(recs, n, "meeting.participant_left", ts - 600,
                           ts + 600, pu);
            distinct &= ml != ts;
            before += ml >= 0 && ml < ts;
            after += ml > ts;
        }
    }

    ok(rj > 5, "people enter rooms (%zu breakout joins)", rj);
    ok(paired, "every room entry comes with a main left/joined pair");
    ok(room_ok, "breakout events carry the room and parent_user_id");
    ok(rl < rj, "some breakout leaves are missing (%zu of %zu)", rl, rj);
    ok(distinct, "the events of one action have distinct times");
    ok(before > 0 && after > 0, "a room leave comes before (%zu) or after "
       "(%zu) its main leave", before, after);

    for (i = 0; i < n; i++) {
        json_decref(recs[i]);
    }
    free(recs);

    exp = zt_sim_expected(s, "UTC");
    ids = 0;
    json_array_foreach(json_object_get(exp, "participants"), i, p) {
        pu = json_string_value(json_object_get(p, "person_key"));
        ids |= strncmp(pu, "id:", 3) == 0 ? 1
               : strncmp(pu, "reg:", 4) == 0 ? 2
               : strncmp(pu, "email:", 6) == 0 ? 4
               : strncmp(pu, "name:", 5) == 0 ? 8 : 0;
    }
    is_int(ids, 15, "identities: account id, registrant, email, name only");

    p = json_array_get(json_object_get(exp, "participants"), 2);
    o = json_array_get(json_object_get(exp, "participants"), 3);
    ok(strcmp(json_string_value(json_object_get(p, "name")),
              json_string_value(json_object_get(o, "name"))) == 0
       && strcmp(json_string_value(json_object_get(p, "person_key")),
                 json_string_value(json_object_get(o, "person_key"))) != 0,
       "two people with the same name, told apart");

    json_decref(exp);
    zt_sim_free(s);
}


static void
test_schedule(void)
{
    int        perm;
    size_t     i, n, *o, *cnt;
    zt_sim_t  *s;

    s = sim(3, 8, 2, 30, 0);
    if (s == NULL) {
        return;
    }

    o = zt_sim_schedule(s, 0, 0, &n);
    for (i = 0; i < n && o[i] == i; i++) {
        /* void */
    }
    ok(n == zt_sim_nevents(s) && i == n, "no duplicates, no shuffle: as is");
    free(o);

    o = zt_sim_schedule(s, 0.5, 10, &n);
    cnt = calloc(zt_sim_nevents(s), sizeof(size_t));
    for (i = 0; i < n; i++) {
        cnt[o[i]]++;
    }
    perm = 1;
    for (i = 0; i < zt_sim_nevents(s); i++) {
        perm &= cnt[i] == 1 || cnt[i] == 2;
    }
    ok(perm && n > zt_sim_nevents(s) * 5 / 4,
       "duplicates 0.5: every event once or twice (%zu sent)", n);
    for (i = 1; i < n && o[i] > o[i - 1]; i++) {
        /* void */
    }
    ok(i < n, "shuffle 10: out of order");
    free(cnt);
    free(o);

    zt_sim_free(s);
}


/* folds the delivery, then compares every person with the expectation */
static int
cross_check(zt_sim_t *s, double dup, unsigned window, const char *what)
{
    int                 good;
    char                room[32], *dump;
    size_t              i, k, n, nrows, *o;
    json_t             *r, *exp, *p;
    int64_t             lj, ll;
    const char         *key;
    zt_presence_t      *pr;
    zt_presence_row_t  *rows, *row;

    pr = zt_presence_create();
    o = zt_sim_schedule(s, dup, window, &n);

    for (i = 0; i < n; i++) {
        r = record(zt_sim_event(s, o[i]));
        zt_presence_fold(pr, r);
        json_decref(r);
    }
    free(o);

    zt_presence_rows(pr, &rows, &nrows);
    exp = zt_sim_expected(s, "UTC");
    good = nrows == json_array_size(json_object_get(exp, "participants"));
    if (!good) {
        printf("# %s: %zu rows\n", what, nrows);
    }

    json_array_foreach(json_object_get(exp, "participants"), i, p) {
        key = json_string_value(json_object_get(p, "person_key"));
        row = NULL;
        for (k = 0; k < nrows; k++) {
            if (strcmp(rows[k].key, key) == 0) {
                row = &rows[k];
            }
        }

        lj = json_integer_value(json_object_get(p, "last_join"));
        ll = json_integer_value(json_object_get(p, "last_left"));
        room[0] = '\0';
        if (row && row->room_uuid) {
            snprintf(room, sizeof(room), "Room-%u", row->room_no);
        }

        if (row == NULL || row->online
               != (strcmp(json_string_value(json_object_get(p, "status")),
                          "online") == 0)
            || row->last_join != lj || row->last_left != ll
            || strcmp(room, json_string_value(json_object_get(p, "room"))))
        {
            good = 0;
            printf("# %s: %s: got online=%d join=%lld left=%lld room=%s\n",
                   what, key, row ? row->online : -1,
                   row ? (long long) row->last_join : -1,
                   row ? (long long) row->last_left : -1, room);
            dump = json_dumps(p, JSON_COMPACT);
            printf("#   expected %s\n", dump);
            free(dump);
        }
    }

    json_decref(exp);
    free(rows);
    zt_presence_free(pr);

    return good;
}


static void
test_cross_check(void)
{
    int        good, online, in_room, open_visits;
    size_t     i, j;
    json_t    *exp, *p, *v;
    uint64_t   seed;
    zt_sim_t  *s;

    good = 1;
    for (seed = 1; seed <= 25; seed++) {
        s = sim(seed, 12, 3, 60, 0);
        good &= s && cross_check(s, 0.3, 16, "ended");
        zt_sim_free(s);
    }
    ok(good, "fold of 25 meetings, duplicated and shuffled = expectation");

    good = 1;
    online = in_room = 0;
    for (seed = 100; seed <= 120; seed++) {
        s = sim(seed, 10, 4, 45, 1);
        good &= s && cross_check(s, 0.2, 30, "no-end");

        exp = zt_sim_expected(s, "UTC");
        json_array_foreach(json_object_get(exp, "participants"), i, p) {
            online += strcmp(json_string_value(json_object_get(p, "status")),
                             "online") == 0;
            in_room += json_string_value(json_object_get(p, "room"))[0] != 0;
        }
        json_decref(exp);
        zt_sim_free(s);
    }
    ok(good, "fold of 21 meetings without an end = expectation");
    ok(online > 0 && in_room > 0, "--no-end leaves people online (%d) and "
       "in rooms (%d)", online, in_room);

    s = sim(5, 6, 0, 20, 0);
    ok(s && cross_check(s, 1, 4, "no rooms"), "no rooms, every event twice");

    open_visits = 0;
    exp = zt_sim_expected(s, "UTC");
    json_array_foreach(json_object_get(exp, "participants"), i, p) {
        json_array_foreach(json_object_get(p, "visits"), j, v) {
            open_visits++;
        }
    }
    is_int(open_visits, 0, "no rooms, no visits");
    json_decref(exp);
    zt_sim_free(s);

    s = sim(11, 12, 3, 60, 0);
    open_visits = 0;
    online = 0;
    exp = zt_sim_expected(s, "UTC");
    json_array_foreach(json_object_get(exp, "participants"), i, p) {
        online += strcmp(json_string_value(json_object_get(p, "status")),
                         "offline") != 0;
        json_array_foreach(json_object_get(p, "visits"), j, v) {
            open_visits += json_is_null(json_object_get(v, "leave_ms"));
        }
    }
    is_int(online, 0, "ended: everybody offline");
    is_int(open_visits, 0, "ended: every visit has a leave time");
    json_decref(exp);
    zt_sim_free(s);
}


int
main(void)
{
    test_determinism();
    test_shapes();
    test_schedule();
    test_cross_check();

    return done_testing();
}
