/*
 * Unit tests of zoomtrack/presence/zt_presence.c, one block per presence rule:
 * identity precedence, room moves are not departures, arrival order and
 * duplicates do not matter, late leaves do not regress, meeting.ended,
 * missing breakout leaves, save/load; the CSV's own rules are in
 * test_zt_presence_csv.c.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_presence.h"
#include "tap.h"
#include "presence_csv_fixture.h"


/* a person's row (by key) */
static int
row(const zt_presence_t *p, const char *key, zt_presence_row_t *out)
{
    size_t              i, n;
    zt_presence_row_t  *rows;

    if (zt_presence_rows(p, &rows, &n) != ZT_OK) {
        return 0;
    }

    for (i = 0; i < n; i++) {
        if (strcmp(rows[i].key, key) == 0) {
            *out = rows[i];
            free(rows);
            return 1;
        }
    }

    free(rows);
    return 0;
}




static void
test_identity(void)
{
    size_t              n;
    zt_presence_t      *p;
    zt_presence_row_t   r, *rows;

    static const ev_t  e[] = {
        { J, T0, "zoomid1", "reg1", "a@x.org", "Pat", NULL },
        { J, T0 + 1, NULL, "reg2", "b@x.org", "Pat", NULL },
        { J, T0 + 2, NULL, NULL, "C@X.org", "Chris", NULL },
        { J, T0 + 3, NULL, NULL, NULL, "Guest", NULL },
        /* the same account with a new name and no email: one person */
        { L, T0 + 9 * SEC, "zoomid1", NULL, NULL, "Pat (phone)", NULL },
        /* the email in another case: the same person */
        { L, T0 + 9 * SEC, NULL, NULL, "c@x.ORG", "Chris", NULL },
    };

    p = zt_presence_create();
    fold_all(p, e, 6);

    zt_presence_rows(p, &rows, &n);
    is_int(n, 4, "identity: four people");
    free(rows);

    ok(row(p, "id:zoomid1", &r) && !r.online
       && strcmp(r.name, "Pat (phone)") == 0,
       "identity: Zoom account id first; latest name kept");
    ok(row(p, "reg:reg2", &r) && r.online
       && strcmp(r.name, "Pat") == 0,
       "identity: registrant_id before email; same name, other person");
    ok(row(p, "email:c@x.org", &r) && !r.online,
       "identity: email, case-insensitive");
    ok(row(p, "name:Guest", &r) && r.online, "identity: display name last");

    zt_presence_free(p);
}


static const ev_t  move[] = {
    { J, T0, ALICE, NULL },
    /* into room A: breakout join plus the main left/joined pair */
    { L, T0 + 60 * SEC, ALICE, NULL },
    { J, T0 + 60 * SEC, ALICE, NULL },
    { RJ, T0 + 60 * SEC, ALICE, "roomA" },
    /* room A to room B, Zoom's pair 300 ms apart */
    { RL, T0 + 120 * SEC, ALICE, "roomA" },
    { L, T0 + 120 * SEC, ALICE, NULL },
    { J, T0 + 120 * SEC + 300, ALICE, NULL },
    { RJ, T0 + 120 * SEC + 300, ALICE, "roomB" },
};


static void
test_move(void)
{
    zt_presence_t      *p;
    zt_presence_row_t   r;

    p = zt_presence_create();
    fold_all(p, move, 4);

    ok(row(p, "id:idA", &r) && r.online && r.last_left == 0
       && r.last_join == T0 && r.room_uuid
       && strcmp(r.room_uuid, "roomA") == 0 && r.room_no == 1,
       "move: into a room is no departure, Last Join unchanged");

    fold_all(p, move + 4, 4);

    ok(row(p, "id:idA", &r) && r.online && r.last_left == 0
       && r.last_join == T0 && r.room_no == 2,
       "move: room to room, Last Left stays empty");

    is_csv(p, "UTC", NULL, HDR
           "\"Alice\",\"online\",\"2021-07-14 02:44:51\",\"\","
           "\"Room-2\",\"1234567890\"\n", "move: CSV row");

    zt_presence_free(p);
}


/* a meeting with moves, a real leave and rejoin, two people */
static const ev_t  story[] = {
    { J, T0, ALICE, NULL },
    { J, T0 + 5 * SEC, NULL, NULL, NULL, "Bob", NULL },
    { L, T0 + 60 * SEC, ALICE, NULL },
    { J, T0 + 60 * SEC, ALICE, NULL },
    { RJ, T0 + 60 * SEC, ALICE, "roomA" },
    { L, T0 + 70 * SEC, NULL, NULL, NULL, "Bob", NULL },
    { J, T0 + 70 * SEC, NULL, NULL, NULL, "Bob", NULL },
    { RJ, T0 + 70 * SEC, NULL, NULL, NULL, "Bob", "roomB" },
    { RL, T0 + 90 * SEC, ALICE, "roomA" },
    { L, T0 + 90 * SEC, ALICE, NULL },
    { J, T0 + 200 * SEC, ALICE, NULL },
    { RL, T0 + 300 * SEC, NULL, NULL, NULL, "Bob", "roomB" },
    { L, T0 + 300 * SEC, NULL, NULL, NULL, "Bob", NULL },
    { J, T0 + 300 * SEC, NULL, NULL, NULL, "Bob", NULL },
};

#define NSTORY  (sizeof(story) / sizeof(story[0]))

static const char  *story_csv = HDR
    "\"Alice\",\"online\",\"2021-07-14 02:48:11\",\"2021-07-14 02:46:21\","
    "\"\",\"1234567890\"\n"
    "\"Bob\",\"online\",\"2021-07-14 02:44:56\",\"\",\"\",\"1234567890\"\n";


static uint64_t  rng = 88172645463325252ULL;

static uint64_t
xorshift(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}


static void
test_order(void)
{
    int             same;
    char           *a, *b;
    size_t          i, k, j, idx[NSTORY], t;
    zt_presence_t  *p;

    p = zt_presence_create();
    fold_all(p, story, NSTORY);
    is_csv(p, "UTC", NULL, story_csv, "order: in-order state");
    a = csv(p, "UTC", NULL);
    zt_presence_free(p);

    same = 1;

    for (k = 0; k < 200; k++) {
        for (i = 0; i < NSTORY; i++) {
            idx[i] = k == 0 ? NSTORY - 1 - i : i;
        }
        for (i = NSTORY - 1; k && i > 0; i--) {
            j = xorshift() % (i + 1);
            t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }

        p = zt_presence_create();
        for (i = 0; i < NSTORY; i++) {
            fold(p, &story[idx[i]]);
        }
        b = csv(p, "UTC", NULL);
        if (strcmp(a, b) != 0) {
            same = 0;
            printf("# permutation %zu gave:\n%s", k, b);
        }
        free(b);
        zt_presence_free(p);
    }

    ok(same, "order: reversed and 199 random permutations give the same CSV");
    free(a);
}


static void
test_duplicates(void)
{
    int             rc2;
    size_t          i;
    zt_presence_t  *p;

    p = zt_presence_create();
    rc2 = 0;

    for (i = 0; i < NSTORY; i++) {
        fold(p, &story[i]);
        rc2 |= fold(p, &story[i]);
        rc2 |= fold(p, &story[i]);
    }

    is_int(rc2, 0, "duplicates: the second and third copy change nothing");
    is_csv(p, "UTC", NULL, story_csv, "duplicates: x3 harmless");

    zt_presence_free(p);
}


static void
test_late_leave(void)
{
    zt_presence_t      *p;
    zt_presence_row_t   r;

    static const ev_t  e[] = {
        { J, T0, ALICE, NULL },
        { J, T0 + 40 * SEC, ALICE, NULL },
        /* arrives last: the leave between the two joins */
        { L, T0 + 20 * SEC, ALICE, NULL },
    };

    p = zt_presence_create();
    fold_all(p, e, 3);

    ok(row(p, "id:idA", &r) && r.online && r.last_join == T0 + 40 * SEC
       && r.last_left == T0 + 20 * SEC,
       "late leave older than the latest join: still online");

    zt_presence_free(p);
}


static void
test_ended(void)
{
    zt_presence_t      *p;
    zt_presence_row_t   r;

    static const ev_t  e[] = {
        { J, T0, ALICE, NULL },
        { J, T0 + SEC, NULL, NULL, NULL, "Bob", NULL },
        { L, T0 + 60 * SEC, NULL, NULL, NULL, "Bob", NULL },
        { J, T0 + 60 * SEC, NULL, NULL, NULL, "Bob", NULL },
        { RJ, T0 + 60 * SEC, NULL, NULL, NULL, "Bob", "roomB" },
        { L, T0 + 100 * SEC, ALICE, NULL },
        { END, T0 + 600 * SEC, NULL, NULL, NULL, NULL, NULL },
        /* a join from before the end, delivered after it */
        { J, T0 + 500 * SEC, ALICE, NULL },
    };

    p = zt_presence_create();
    fold_all(p, e, 8);

    ok(row(p, "name:Bob", &r) && !r.online && r.room_uuid == NULL
       && r.last_left == T0 + 600 * SEC,
       "meeting.ended: offline, out of the room, Last Left = end");
    ok(row(p, "id:idA", &r) && !r.online && r.last_join == T0 + 500 * SEC
       && r.last_left == T0 + 600 * SEC,
       "meeting.ended: a late join before the end stays offline");

    zt_presence_free(p);
}


static void
test_missing_room_leave(void)
{
    zt_presence_t      *p;
    zt_presence_row_t   r;

    static const ev_t  e[] = {
        { J, T0, ALICE, NULL },
        { L, T0 + 60 * SEC, ALICE, NULL },
        { J, T0 + 60 * SEC, ALICE, NULL },
        { RJ, T0 + 60 * SEC, ALICE, "roomA" },
        /* room A to B, no breakout leave for A */
        { L, T0 + 120 * SEC, ALICE, NULL },
        { J, T0 + 120 * SEC, ALICE, NULL },
        { RJ, T0 + 120 * SEC, ALICE, "roomB" },
        /* B to the main room, no breakout leave for B */
        { L, T0 + 180 * SEC, ALICE, NULL },
        { J, T0 + 180 * SEC, ALICE, NULL },
    };

    p = zt_presence_create();

    fold_all(p, e, 7);
    ok(row(p, "id:idA", &r) && r.online && r.room_uuid
       && strcmp(r.room_uuid, "roomB") == 0 && r.room_no == 2,
       "missing breakout leave: a join elsewhere closes it");

    fold_all(p, e + 7, 2);
    ok(row(p, "id:idA", &r) && r.online && r.room_uuid == NULL
       && r.last_left == 0,
       "missing breakout leave: the main-room return closes it");

    zt_presence_free(p);
}


/*
 * Alice on two devices (one account, two participant_uuids): the laptop
 * in room A, the phone joining, leaving and rejoining the main room.  The
 * live CSV keeps her in room A, online, her Last Join the laptop's.
 */
static void
test_two_devices(void)
{
    size_t          i;
    json_t         *r;
    zt_presence_t  *p;

    static const struct {
        const char  *type;
        int64_t      at;
        const char  *uuid;
        const char  *room;
    } e[] = {
        { J, 0, "pu-L", NULL },
        { L, 60 * SEC, "pu-L", NULL }, { J, 60 * SEC + 300, "pu-L", NULL },
        { RJ, 60 * SEC + 700, "pu-L", "roomA" },
        { J, 300 * SEC, "pu-P", NULL },         /* 5: the phone */
        { L, 480 * SEC, "pu-P", NULL },
        { J, 600 * SEC, "pu-P2", NULL },        /* 7: rejoins, new uuid */
        { RL, 900 * SEC, "pu-L", "roomA" },     /* 8: the laptop returns */
        { L, 900 * SEC + 100, "pu-L", NULL },
        { J, 900 * SEC + 900, "pu-L", NULL },
    };

    static const char  *want[] = {
        HDR "\"Alice\",\"online\",\"2021-07-14 02:44:51\",\"\",\"Room-1\","
            "\"1234567890\"\n",
        HDR "\"Alice\",\"online\",\"2021-07-14 02:44:51\",\"\",\"\","
            "\"1234567890\"\n"
    };

    p = zt_presence_create();

    for (i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
        r = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                      "event_type", e[i].type,
                      "event_ts", (json_int_t) (T0 + e[i].at),
                      "meeting_uuid", MU, "meeting_id", MID,
                      "participant_id", "idA",
                      "participant_email", "alice@example.com",
                      "participant_name", "Alice",
                      "participant_uuid", e[i].uuid,
                      "breakout_room_uuid", e[i].room ? e[i].room : "");
        zt_presence_fold(p, r);
        json_decref(r);

        if (i == 4 || i == 5 || i == 6) {
            is_csv(p, "UTC", NULL, want[0], i == 4
                   ? "two devices: the phone joins, she stays in room A"
                   : i == 5 ? "two devices: the phone leaves, she stays"
                   : "two devices: the phone rejoins, she stays");
        }
    }

    is_csv(p, "UTC", NULL, want[1],
           "two devices: the laptop returns to the main room");

    zt_presence_free(p);
}


/* event k of Erin, of another account: her id is blank in room events */
static void
fold_ext(zt_presence_t *p, int k, int blank_email)
{
    int           room;
    json_t       *r;
    const char   *type;

    static const struct {
        const char  *type;
        int64_t      at;
    } e[] = {
        { J, 60 * SEC }, { L, 300 * SEC }, { J, 300 * SEC + 800 },
        { RJ, 301 * SEC }, { RL, 1200 * SEC }, { L, 1200 * SEC + 200 },
        { J, 1201 * SEC }, { L, 2400 * SEC }
    };

    type = e[k].type;
    room = k == 3 || k == 4;

    r = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                  "event_type", type, "event_ts", (json_int_t) (T0 + e[k].at),
                  "meeting_uuid", MU, "meeting_id", MID,
                  "participant_id", room ? "" : "idExt",
                  "participant_email",
                  room && blank_email ? "" : "erin@partner.org",
                  "participant_name", "Ext Erin",
                  "participant_uuid", "pu-E",
                  "breakout_room_uuid", room ? "roomA" : "");
    zt_presence_fold(p, r);
    json_decref(r);
}


/*
 * One participant under two keys: a user signed in to another account has
 * a blank id in Zoom's room events (a guest a blank email too), so those
 * events key by email or name.  participant_uuid makes them one row, in
 * the room while there, whatever came first, across a restart.
 */
static void
test_blank_id_in_room(void)
{
    int                 v, k;
    json_t             *j;
    zt_presence_t      *p, *q;
    zt_presence_row_t   r;

    static const char  *in_room = HDR "\"Ext Erin\",\"online\","
        "\"2021-07-14 02:45:51\",\"\",\"Room-1\",\"1234567890\"\n";
    static const char  *gone = HDR "\"Ext Erin\",\"offline\","
        "\"2021-07-14 02:45:51\",\"2021-07-14 03:24:51\",\"\","
        "\"1234567890\"\n";

    for (v = 0; v < 2; v++) {
        p = zt_presence_create();

        for (k = 0; k < 4; k++) {
            fold_ext(p, k, v);
        }
        is_csv(p, "UTC", NULL, in_room, v ? "blank email in room: one row"
                                          : "blank id in room: one row");

        for (k = 4; k < 8; k++) {
            fold_ext(p, k, v);
        }
        is_csv(p, "UTC", NULL, gone, "blank id in room: one row at the end");
        ok(row(p, "id:idExt", &r), "blank id in room: under the account id");
        zt_presence_free(p);

        /* the room's events first, a restart, then the main room's */
        p = zt_presence_create();
        fold_ext(p, 3, v);
        fold_ext(p, 4, v);
        j = zt_presence_to_json(p);
        q = zt_presence_create();
        zt_presence_from_json(q, j);
        json_decref(j);

        for (k = 0; k < 8; k++) {
            fold_ext(q, k, v);
        }
        is_csv(q, "UTC", NULL, gone,
               "blank id in room: room events first, restart: one row");

        /* forgetting her takes the room's key too: no row comes back */
        ok(zt_presence_forget(q, "id:idExt") == 2,
           "blank id in room: forget drops both keys");
        is_csv(q, "UTC", NULL, HDR, "blank id in room: forgotten");

        zt_presence_free(p);
        zt_presence_free(q);
    }
}


static void
test_save_load(void)
{
    char           *a, *b, *da, *db;
    json_t         *j, *j2;
    zt_presence_t  *p, *q;

    p = zt_presence_create();
    fold_all(p, story, NSTORY);
    fold_all(p, move, 8);

    j = zt_presence_to_json(p);
    da = json_dumps(j, JSON_COMPACT);
    json_decref(j);

    j = json_loads(da, 0, NULL);
    q = zt_presence_create();
    is_int(zt_presence_from_json(q, j), ZT_OK, "save/load: loads");
    json_decref(j);

    j2 = zt_presence_to_json(q);
    db = json_dumps(j2, JSON_COMPACT);
    json_decref(j2);
    is_str(db, da, "save/load: the same state");

    a = csv(p, "Europe/Istanbul", NULL);
    b = csv(q, "Europe/Istanbul", NULL);
    is_str(b, a, "save/load: the same CSV");

    /* folding the events again after a restart changes nothing */
    ok(fold(q, &story[3]) == 0 && fold(q, &move[7]) == 0,
       "save/load: redelivered events are no-ops");

    j = json_pack("{s:[{s:i}]}", "meetings", "uuid", 5);
    is_int(zt_presence_from_json(q, j), ZT_ERROR, "save/load: junk refused");
    json_decref(j);

    free(a);
    free(b);
    free(da);
    free(db);
    zt_presence_free(p);
    zt_presence_free(q);
}


static void
test_ignored(void)
{
    json_t         *r;
    zt_presence_t  *p;

    static const ev_t  e[] = {
        { "meeting.participant_joined_waiting_room", T0, ALICE, NULL },
        { "meeting.sharing_started", T0, ALICE, NULL },
        { J, 0, ALICE, NULL },
    };

    p = zt_presence_create();
    /* they date the meeting and name people (the report's rules) */
    ok(fold(p, &e[0]) >= 0 && fold(p, &e[1]) >= 0 && fold(p, &e[2]) == 0,
       "waiting room and sharing events fold, untimed events do not");
    is_csv(p, "UTC", NULL, HDR,
           "waiting room and sharing events are not presence");

    r = json_pack("{s:s, s:I}", "event_type", J, "event_ts",
                  (json_int_t) T0);
    is_int(zt_presence_fold(p, r), 0, "a record without a meeting: ignored");
    json_decref(r);

    is_csv(p, "UTC", NULL, HDR, "empty state: header only");
    zt_presence_free(p);
}


static void
test_webinar_and_bounds(void)
{
    int                 i;
    ev_t                e;
    zt_presence_t      *p;
    zt_presence_row_t   r;

    static const ev_t  w[] = {
        { "webinar.participant_joined", T0, ALICE, NULL },
        { "webinar.participant_joined", T0 + SEC, NULL, NULL, NULL, "Bob",
          NULL },
        { "webinar.participant_left", T0 + 9 * SEC, NULL, NULL, NULL, "Bob",
          NULL },
        { "webinar.ended", T0 + 60 * SEC, NULL, NULL, NULL, NULL, NULL },
    };

    p = zt_presence_create();
    fold_all(p, w, 3);
    ok(row(p, "id:idA", &r) && r.online, "webinar: joined is online");
    ok(row(p, "name:Bob", &r) && !r.online && r.last_left == T0 + 9 * SEC,
       "webinar: left is offline");
    fold_all(p, w + 3, 1);
    ok(row(p, "id:idA", &r) && !r.online && r.last_left == T0 + 60 * SEC,
       "webinar.ended: offline");
    zt_presence_free(p);

    /* a flapping client: the sets are bounded, the newest times kept */
    p = zt_presence_create();
    e = w[0];
    for (i = 0; i < 2 * (ZT_PRESENCE_MAX_TS + 500); i++) {
        e.type = i % 2 ? L : J;
        e.ts = T0 + (int64_t) i * 10 * SEC;
        fold(p, &e);
    }
    e.type = J;
    e.ts = T0;
    is_int(fold(p, &e), 0, "bounded: a time older than all kept is dropped");
    ok(row(p, "id:idA", &r) && !r.online
       && r.last_left == T0 + (2LL * ZT_PRESENCE_MAX_TS + 999) * 10 * SEC
       && r.last_join == T0 + (2LL * ZT_PRESENCE_MAX_TS + 998) * 10 * SEC,
       "bounded: the latest times are kept");
    zt_presence_free(p);
}


int
main(void)
{
    test_identity();
    test_move();
    test_order();
    test_duplicates();
    test_late_leave();
    test_ended();
    test_missing_room_leave();
    test_two_devices();
    test_blank_id_in_room();
    test_save_load();
    test_ignored();
    test_webinar_and_bounds();

    return done_testing();
}
