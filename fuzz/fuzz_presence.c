/*
 * Fuzz target: the live presence fold (zoomtrack/presence/zt_presence.c),
 * through its public API only, so the engine can be rewritten under it.
 * Every 6 input bytes make one record: event type, person, meeting, room
 * and device (participant_uuid: none, or one of two), and a time (ties
 * included, across rooms too: rooms first joined at the same ms are
 * numbered by first event, then uuid, never by arrival order;
 * fuzz/regress/presence/room-number-tie).  A person's name and email and
 * a meeting's id never change, since "latest name wins" may differ on
 * equal times.
 *
 * Invariants: no crash or leak; folding is idempotent (a second pass
 * changes nothing); the result does not depend on arrival order (the
 * records folded backwards give the same CSV); the saved state restores
 * the same CSV; rows are consistent (a room only while online and with a
 * number, online only after a join, newest action first).
 */

#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "zt_presence.h"


#define FUZZ_T0       1770112800000LL      /* 2026-02-03T10:00:00Z */
#define FUZZ_MAX_REC  256


static const char  *fuzz_types[] = {
    "meeting.participant_joined", "meeting.participant_left",
    "meeting.participant_joined_breakout_room",
    "meeting.participant_left_breakout_room", "meeting.ended",
    "meeting.participant_joined_waiting_room", "webinar.participant_joined",
    "webinar.participant_left", "webinar.ended", "meeting.started"
};

/* id, registrant, email, name: the identity rule's four kinds */
static const char  *fuzz_people[][4] = {
    { "uA", "", "a@example.com", "Ann" },
    { "", "reg-b", "", "Bob" },
    { "", "", "Cy@Example.com", "Cy" },
    { "", "", "", "=Guest" },
    { "", "", "", "" }
};

static const char  *fuzz_rooms[] = { "", "+room1==", "room/2" };

/* none (one session), or one of two devices of the person */
static const char  *fuzz_devices[] = { "", "devA", "devB" };


static json_t *
fuzz_record(const uint8_t *b)
{
    const char  *const *pp;
    unsigned     m;

    pp = fuzz_people[b[1] % 5];
    m = b[2] % 2;

    return json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
                     "event_type", fuzz_types[b[0] % 10],
                     "event_ts", (json_int_t) (FUZZ_T0
                                 + ((b[4] << 8 | b[5]) % 4096) * 500),
                     "meeting_uuid", m ? "m2==" : "+m1/==",
                     "meeting_id", m ? "222" : "111",
                     "participant_id", pp[0], "registrant_id", pp[1],
                     "participant_email", pp[2], "participant_name", pp[3],
                     "breakout_room_uuid", fuzz_rooms[b[3] % 3],
                     "participant_uuid", fuzz_devices[b[3] / 3 % 3]);
}


/* the CSV, and a check of the rows; malloc()ed */
static char *
fuzz_csv(zt_presence_t *p)
{
    char               *out;
    FILE               *f;
    size_t              i, n, len;
    int64_t             a, prev;
    zt_presence_row_t  *rows;

    FUZZ_CHECK(zt_presence_rows(p, &rows, &n) == ZT_OK, "rows");

    prev = INT64_MAX;
    for (i = 0; i < n; i++) {
        FUZZ_CHECK(rows[i].key && rows[i].key[0], "a person key");
        FUZZ_CHECK((rows[i].room_uuid == NULL) == (rows[i].room_no == 0),
                   "a room has a number");
        FUZZ_CHECK(rows[i].room_uuid == NULL || rows[i].online,
                   "a room only while online");
        FUZZ_CHECK(!rows[i].online || rows[i].last_join > 0,
                   "online only after a join");
        a = rows[i].last_join > rows[i].last_left ? rows[i].last_join
                                                  : rows[i].last_left;
        FUZZ_CHECK(a <= prev, "newest action first");
        prev = a;
    }
    free(rows);

    out = NULL;
    f = open_memstream(&out, &len);
    FUZZ_CHECK(f != NULL, "memstream");
    FUZZ_CHECK(zt_presence_csv(p, f, "UTC", NULL) == ZT_OK, "csv");
    fclose(f);

    return out;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int             rc;
    char           *csv1, *csv2;
    size_t          i, n;
    json_t         *rec[FUZZ_MAX_REC], *state;
    zt_presence_t  *p, *q;

    n = size / 6 < FUZZ_MAX_REC ? size / 6 : FUZZ_MAX_REC;

    for (i = 0; i < n; i++) {
        rec[i] = fuzz_record(data + 6 * i);
        FUZZ_CHECK(rec[i] != NULL, "record built");
    }

    p = zt_presence_create();
    FUZZ_CHECK(p != NULL, "create");

    for (i = 0; i < n; i++) {
        rc = zt_presence_fold(p, rec[i]);
        FUZZ_CHECK(rc == 0 || rc == 1, "fold answers 0 or 1");
    }

    csv1 = fuzz_csv(p);

    for (i = 0; i < n; i++) {
        FUZZ_CHECK(zt_presence_fold(p, rec[i]) == 0,
                   "a second fold changes nothing");
    }
    csv2 = fuzz_csv(p);
    FUZZ_CHECK(strcmp(csv1, csv2) == 0, "idempotent");
    free(csv2);

    q = zt_presence_create();
    FUZZ_CHECK(q != NULL, "create");
    for (i = n; i > 0; i--) {
        FUZZ_CHECK(zt_presence_fold(q, rec[i - 1]) >= 0, "fold");
    }
    csv2 = fuzz_csv(q);
    if (strcmp(csv1, csv2) != 0) {
        fprintf(stderr, "in order:\n%s\nbackwards:\n%s\n", csv1, csv2);
    }
    FUZZ_CHECK(strcmp(csv1, csv2) == 0, "arrival order does not matter");
    free(csv2);
    zt_presence_free(q);

    state = zt_presence_to_json(p);
    FUZZ_CHECK(state != NULL, "state saved");
    q = zt_presence_create();
    FUZZ_CHECK(q != NULL && zt_presence_from_json(q, state) == ZT_OK,
               "state loads");
    csv2 = fuzz_csv(q);
    FUZZ_CHECK(strcmp(csv1, csv2) == 0, "state restores the same CSV");
    free(csv2);
    zt_presence_free(q);
    json_decref(state);

    free(csv1);
    zt_presence_free(p);

    for (i = 0; i < n; i++) {
        json_decref(rec[i]);
    }

    return 0;
}
