/*
 * Unit tests of zoomtrack/sinks/zt_status_timeline.c: local ISO times, the
 * file's top level, a live meeting's rooms, intervals and visits with open
 * ends as null, no emails, the allowlist, and which meetings are shown
 * (live, recently ended, long ended).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_presence.h"
#include "zt_status_timeline.h"
#include "tap.h"


#define T0    1626230691000LL          /* 2021-07-14 02:44:51 UTC */
#define SEC   1000LL
#define MIN   (60 * SEC)
#define ROOM_A  "room-a=="
#define ROOM_B  "room-b=="


static void
ev(zt_presence_t *p, const char *uuid, const char *type, int64_t ts,
    const char *id, const char *name, const char *email, const char *room)
{
    json_t  *r;

    r = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                  "event_type", type, "event_ts", (json_int_t) ts,
                  "meeting_uuid", uuid, "meeting_id", "555",
                  "participant_id", id, "registrant_id", "",
                  "participant_email", email, "participant_name", name,
                  "breakout_room_uuid", room ? room : "");
    if (zt_presence_fold(p, r) == ZT_ERROR) {
        printf("# fold failed\n");
    }
    json_decref(r);
}


/* Zoom's move: main leave, room join, main join around it */
static void
to_room(zt_presence_t *p, const char *uuid, int64_t ts, const char *id,
    const char *name, const char *room)
{
    ev(p, uuid, "meeting.participant_left", ts, id, name, "", NULL);
    ev(p, uuid, "meeting.participant_joined_breakout_room", ts + 300, id,
       name, "", room);
    ev(p, uuid, "meeting.participant_joined", ts + 600, id, name, "", NULL);
}


static json_t *
render(const zt_presence_t *p, const char *allow, int64_t now)
{
    char                *s;
    size_t               len;
    json_t              *j;
    zt_timeline_opts_t   o = { "Europe/Istanbul", allow, now, 30,
                               ZT_TIMELINE_KEEP_MS, NULL };

    if (zt_timeline_render(p, &o, &s, &len) != ZT_OK) {
        return NULL;
    }

    j = json_loads(s, 0, NULL);
    if (strstr(s, "@example.org") != NULL) {
        printf("# an email in the timeline\n");
        json_decref(j);
        j = NULL;
    }
    free(s);
    return j;
}


static json_t *
person(json_t *m, const char *name)
{
    size_t   i;
    json_t  *p;

    json_array_foreach(json_object_get(m, "people"), i, p) {
        if (strcmp(json_string_value(json_object_get(p, "name")), name)
            == 0)
        {
            return p;
        }
    }

    return NULL;
}


static int64_t
num(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}


static void
test_iso(void)
{
    char  out[40];

    ok(zt_timeline_iso(T0 + 572, "UTC", out, sizeof(out)) == ZT_OK,
       "iso: UTC");
    is_str(out, "2021-07-14T02:44:51.572+00:00", "iso: UTC string");
    zt_timeline_iso(T0 + 5, "Europe/Istanbul", out, sizeof(out));
    is_str(out, "2021-07-14T05:44:51.005+03:00", "iso: +03:00 with colon");
    zt_timeline_iso(T0, "America/St_Johns", out, sizeof(out));
    is_str(out, "2021-07-14T00:14:51.000-02:30", "iso: half-hour offset");
    ok(zt_timeline_iso(T0, "UTC", out, 20) == ZT_ERROR,
       "iso: a short buffer is an error, not a cut string");
}


static void
test_empty(void)
{
    json_t         *j;
    zt_presence_t  *p;

    p = zt_presence_create();
    j = render(p, NULL, T0);
    ok(j && json_array_size(json_object_get(j, "meetings")) == 0
       && json_is_array(json_object_get(j, "meetings")),
       "empty: nobody seen yet is an empty list of meetings");
    json_decref(j);
    zt_presence_free(p);
}


static void
test_live(void)
{
    json_t         *j, *m, *a, *b, *c, *x;
    zt_presence_t  *p;
    const char     *U = "live==";

    p = zt_presence_create();

    ev(p, U, "meeting.participant_joined", T0, "A", "Alice", "", NULL);
    ev(p, U, "meeting.participant_joined", T0 + 10 * SEC, "B",
       "bob@example.org", "bob@example.org", NULL);
    ev(p, U, "meeting.participant_joined", T0 + 20 * SEC, "C", "Carol",
       "carol@example.org", NULL);
    to_room(p, U, T0 + 2 * MIN, "A", "Alice", ROOM_A);
    to_room(p, U, T0 + 3 * MIN, "B", "bob@example.org", ROOM_B);
    ev(p, U, "meeting.participant_left_breakout_room", T0 + 5 * MIN, "B",
       "bob@example.org", "", ROOM_B);
    ev(p, U, "meeting.participant_left", T0 + 5 * MIN + 200, "B",
       "bob@example.org", "", NULL);
    ev(p, U, "meeting.participant_left", T0 + 6 * MIN, "C", "Carol", "",
       NULL);

    j = render(p, NULL, T0 + 7 * MIN);
    ok(j != NULL, "live: renders, no email anywhere");
    if (j == NULL) {
        zt_presence_free(p);
        return;
    }

    is_int(num(j, "version"), 1, "version");
    is_int(num(j, "generated_at"), T0 + 7 * MIN, "generated_at is now");
    is_str(json_string_value(json_object_get(j, "generated_at_iso")),
           "2021-07-14T05:51:51.000+03:00", "generated_at_iso");
    is_int(num(j, "heartbeat_s"), 30, "heartbeat_s");
    is_str(json_string_value(json_object_get(j, "timezone")),
           "Europe/Istanbul", "timezone");

    m = json_array_get(json_object_get(j, "meetings"), 0);
    is_int(json_array_size(json_object_get(j, "meetings")), 1, "one meeting");
    ok(json_is_true(json_object_get(m, "live")), "it is live");
    is_str(json_string_value(json_object_get(m, "meeting_id")), "555",
           "meeting id");
    is_str(json_string_value(json_object_get(m, "meeting_uuid")), U,
           "meeting uuid");
    ok(json_is_null(json_object_get(m, "end")), "no end yet");
    is_int(num(m, "start"), T0, "start: the first event");
    is_int(json_array_size(json_object_get(m, "rooms")), 2, "two rooms");
    is_str(json_string_value(json_object_get(
               json_array_get(json_object_get(m, "rooms"), 1), "name")),
           "Room-2", "rooms are named Room-N");

    a = person(m, "Alice");
    b = person(m, "bob");
    c = person(m, "Carol");
    ok(a && b && c, "three people; an email as a name is cut at the @");
    if (!(a && b && c)) {
        goto done;
    }

    ok(json_is_true(json_object_get(a, "online")), "Alice online");
    is_int(num(a, "room"), 1, "Alice in Room-1");
    x = json_array_get(json_object_get(a, "intervals"), 0);
    is_int(num(x, "from"), T0, "Alice: interval from her join");
    ok(json_is_null(json_object_get(x, "to"))
       && json_is_null(json_object_get(x, "to_iso")),
       "Alice: her interval is open (null)");
    is_int(json_array_size(json_object_get(a, "visits")), 1, "one visit");
    x = json_array_get(json_object_get(a, "visits"), 0);
    is_int(num(x, "room"), 1, "Alice: visit to room 1");
    is_int(num(x, "from"), T0 + 2 * MIN + 300, "from the room join");
    ok(json_is_null(json_object_get(x, "to")), "and still open");
    is_str(json_string_value(json_object_get(x, "from_iso")),
           "2021-07-14T05:46:51.300+03:00", "visit from_iso");

    ok(json_is_false(json_object_get(b, "online")), "bob left");
    ok(json_is_null(json_object_get(b, "room")), "bob: no room");
    x = json_array_get(json_object_get(b, "visits"), 0);
    is_int(num(x, "to"), T0 + 5 * MIN, "bob: visit closed by his leave");
    x = json_array_get(json_object_get(b, "intervals"), 0);
    is_int(num(x, "to"), T0 + 5 * MIN + 200, "bob: interval closed");
    is_int(num(b, "last_left"), T0 + 5 * MIN + 200, "bob: last_left");
    ok(json_object_get(b, "email") == NULL, "no email field");

    is_int(json_array_size(json_object_get(c, "visits")), 0,
           "Carol: no visits");
    is_str(json_string_value(json_object_get(
               json_array_get(json_object_get(m, "people"), 0), "name")),
           "Alice", "people by first arrival");

    json_decref(j);

    /* the allowlist: by name or by email, case-insensitive */
    j = render(p, " alice ,CAROL@example.ORG", T0 + 7 * MIN);
    m = json_array_get(json_object_get(j, "meetings"), 0);
    is_int(json_array_size(json_object_get(m, "people")), 2,
           "allowlist: two people");
    ok(person(m, "Alice") && person(m, "Carol") && !person(m, "bob"),
       "allowlist: by name and by email");

done:

    json_decref(j);
    zt_presence_free(p);
}


static void
test_which(void)
{
    json_t         *j, *ms;
    zt_presence_t  *p;

    p = zt_presence_create();

    /* ended an hour ago: shown, not live */
    ev(p, "ended==", "meeting.participant_joined", T0, "A", "Ann", "", NULL);
    ev(p, "ended==", "meeting.ended", T0 + 30 * MIN, "", "", "", NULL);
    /* everybody left, no end seen, long ago: not shown */
    ev(p, "old==", "meeting.participant_joined", T0 - 48 * 60 * MIN, "B",
       "Ben", "", NULL);
    ev(p, "old==", "meeting.participant_left", T0 - 47 * 60 * MIN, "B",
       "Ben", "", NULL);
    /* live */
    ev(p, "live==", "meeting.participant_joined", T0 + 60 * MIN, "C", "Cem",
       "", NULL);

    j = render(p, NULL, T0 + 90 * MIN);
    ms = json_object_get(j, "meetings");
    is_int(json_array_size(ms), 2, "which: live and recently ended");
    is_str(json_string_value(json_object_get(json_array_get(ms, 0),
                                             "meeting_uuid")),
           "live==", "which: the live meeting first");
    ok(json_is_false(json_object_get(json_array_get(ms, 1), "live")),
       "which: the ended one is not live");
    is_int(num(json_array_get(ms, 1), "end"), T0 + 30 * MIN,
           "which: with its end");
    ok(json_is_false(json_object_get(
           json_array_get(json_object_get(json_array_get(ms, 1), "people"),
                          0), "online")),
       "which: the end took Ann offline");
    json_decref(j);

    /* online, no end seen, but nothing for 12 hours: not live any more */
    ev(p, "lost==", "meeting.participant_joined", T0 - 13 * 60 * MIN, "D",
       "Dora", "", NULL);
    j = render(p, NULL, T0 + 90 * MIN);
    is_int(json_array_size(json_object_get(j, "meetings")), 2,
           "which: a lost meeting.ended does not keep a meeting live");
    json_decref(j);

    /* 12 h 10 min after the end: gone */
    j = render(p, NULL, T0 + 40 * MIN + 12 * 60 * MIN);
    is_int(json_array_size(json_object_get(j, "meetings")), 1,
           "which: an end older than 12 h is dropped");
    json_decref(j);

    zt_presence_free(p);
}


/*
 * Zoom sends meeting.ended when a lone host leaves, and people can join
 * the same instance again: it is live again, and ends at its last end.
 */
static void
test_ended_then_rejoined(void)
{
    int             i;
    json_t         *j, *m;
    zt_presence_t  *p, *q;

    p = zt_presence_create();
    q = zt_presence_create();

    for (i = 0; i < 2; i++) {
        ev(i ? q : p, "pmi==", "meeting.participant_joined", T0, "H", "Hal",
           "", NULL);
        ev(i ? q : p, "pmi==", "meeting.participant_left", T0 + 10 * MIN,
           "H", "Hal", "", NULL);
        ev(i ? q : p, "pmi==", "meeting.ended", T0 + 10 * MIN + SEC, "", "",
           "", NULL);
        ev(i ? q : p, "pmi==", "meeting.participant_joined", T0 + 20 * MIN,
           "H", "Hal", "", NULL);
    }

    j = render(p, NULL, T0 + 25 * MIN);
    m = json_array_get(json_object_get(j, "meetings"), 0);
    ok(json_is_true(json_object_get(m, "live"))
       && json_is_null(json_object_get(m, "end"))
       && json_is_true(json_object_get(person(m, "Hal"), "online")),
       "rejoined after meeting.ended: live, no end");
    json_decref(j);

    is_int(zt_presence_prune(q, T0 + 30 * MIN, 0), 0,
           "rejoined after meeting.ended: not pruned on its first end");

    ev(p, "pmi==", "meeting.participant_left", T0 + 45 * MIN, "H", "Hal",
       "", NULL);
    ev(p, "pmi==", "meeting.ended", T0 + 45 * MIN + SEC, "", "", "", NULL);

    j = render(p, NULL, T0 + 50 * MIN);
    m = json_array_get(json_object_get(j, "meetings"), 0);
    ok(json_is_false(json_object_get(m, "live"))
       && num(m, "end") == T0 + 45 * MIN + SEC,
       "rejoined after meeting.ended: ends at the end after the rejoin");
    json_decref(j);

    is_int(zt_presence_prune(p, T0 + 46 * MIN, 0), 1,
           "rejoined after meeting.ended: pruned after its last end");

    zt_presence_free(p);
    zt_presence_free(q);
}


/* a long name is cut at a character boundary: still valid UTF-8 */
static void
test_long_name(void)
{
    char           name[700];
    size_t         i, len;
    json_t        *j, *p0;
    const char    *got;
    zt_presence_t  *p;

    for (i = 0; i < 300; i++) {
        memcpy(name + 2 * i, "\xc5\x9f", 2);       /* U+015F */
    }
    name[600] = '\0';

    p = zt_presence_create();
    ev(p, "long==", "meeting.participant_joined", T0, "L", name, "", NULL);
    j = render(p, NULL, T0 + MIN);
    p0 = json_array_get(json_object_get(json_array_get(
             json_object_get(j, "meetings"), 0), "people"), 0);
    got = json_string_value(json_object_get(p0, "name"));
    ok(got != NULL, "long name: the meeting is still written");
    len = got ? strlen(got) : 0;
    ok(len > 200 && len < 256 && len % 2 == 0,
       "long name: cut between characters (%zu bytes)", len);
    json_decref(j);
    zt_presence_free(p);
}


/* names with quotes, backslashes and control characters round-trip */
static void
test_escape(void)
{
    json_t         *j, *p0;
    zt_presence_t  *p;
    const char     *nasty = "q\"b\\s\x01c\n</script>\xc3\xa7";

    p = zt_presence_create();
    ev(p, "esc==", "meeting.participant_joined", T0, "E", nasty, "", NULL);
    j = render(p, NULL, T0 + MIN);
    ok(j != NULL, "escape: the file is valid JSON");
    p0 = json_array_get(json_object_get(json_array_get(
             json_object_get(j, "meetings"), 0), "people"), 0);
    is_str(json_string_value(json_object_get(p0, "name")), nasty,
           "escape: the name comes back as it was");
    json_decref(j);
    zt_presence_free(p);
}


/* topics from the raw bodies, the latest ZT_TIMELINE_TOPICS meetings */
static void
test_topics(void)
{
    char                   uuid[32];
    json_t                *r;
    size_t                 i;
    zt_timeline_topics_t  *t;

    t = zt_timeline_topics_create();

    r = json_pack("{s:s, s:s}", "meeting_uuid", "m1==", "raw_payload",
                  "{\"payload\":{\"object\":{\"topic\":\"Design <b>\"}}}");
    ok(zt_timeline_topics_note(t, r) == ZT_OK, "topics: noted");
    json_decref(r);
    is_str(zt_timeline_topic(t, "m1=="), "Design <b>", "topics: the topic");
    ok(zt_timeline_topic(t, "m2==") == NULL, "topics: unknown meeting");

    r = json_pack("{s:s, s:s}", "meeting_uuid", "m2==", "raw_payload",
                  "not json");
    ok(zt_timeline_topics_note(t, r) == ZT_OK
       && zt_timeline_topic(t, "m2==") == NULL,
       "topics: a body without one leaves it unknown");
    json_decref(r);

    for (i = 0; i < ZT_TIMELINE_TOPICS; i++) {
        snprintf(uuid, sizeof(uuid), "x%zu", i);
        r = json_pack("{s:s, s:s}", "meeting_uuid", uuid, "raw_payload",
                      "{\"payload\":{\"object\":{\"topic\":\"T\"}}}");
        zt_timeline_topics_note(t, r);
        json_decref(r);
    }
    ok(zt_timeline_topic(t, "m1==") == NULL
       && zt_timeline_topic(t, "x0") != NULL,
       "topics: the oldest meeting is forgotten first");

    zt_timeline_topics_free(t);
}


int
main(void)
{
    test_iso();
    test_empty();
    test_live();
    test_ended_then_rejoined();
    test_which();
    test_long_name();
    test_topics();
    test_escape();

    return done_testing();
}
