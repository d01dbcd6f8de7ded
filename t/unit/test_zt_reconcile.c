/*
 * Unit tests of the reconcile planner (zoomtrack/reconcile/zt_reconcile.c):
 * sessions the webhooks told us about add nothing, a lost join or leave is
 * added with the session's time, a whole lost session both, within the
 * tolerance both ways, the meeting end counts as a leave, identity as the
 * webhooks' (id, registrant, email, name), and each body normalises like a
 * webhook with a deterministic event_id.
 */

#include "tap.h"
#include "zt_core.h"
#include "zt_event.h"
#include "zt_time.h"
#include "zt_reconcile.h"


#define T0  1795165200000LL          /* 2026-11-20T08:20:00Z */


static json_t *
session(const char *id, const char *name, const char *email, int64_t join,
    int64_t leave)
{
    char  j[32], l[32];

    zt_time_rfc3339(join, j);
    zt_time_rfc3339(leave, l);

    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}",
                     "id", id, "participant_user_id", id,
                     "user_id", "16778240", "name", name,
                     "user_email", email, "join_time", j,
                     "leave_time", l,
                     "duration", (int) ((leave - join) / 1000));
}


static void
test_plan(void)
{
    char                    key[128];
    json_t                 *sessions, *bodies, *b;
    zt_reconcile_counts_t   c;
    zt_reconcile_mark_t     marks[6];

    marks[0] = (zt_reconcile_mark_t) { "id:ana", T0 + 2000, 1 };
    marks[1] = (zt_reconcile_mark_t) { "id:ana", T0 + 600000 - 30000, 0 };
    marks[2] = (zt_reconcile_mark_t) { "id:bo", T0 + 59000, 1 };
    marks[3] = (zt_reconcile_mark_t) { NULL, T0 + 3600000, 0 };
    marks[4] = (zt_reconcile_mark_t) { "email:cy@x.org", T0 + 60000 + 59000,
                                       1 };
    marks[5] = (zt_reconcile_mark_t) { "id:ana", T0 + 700000, 0 };

    sessions = json_pack("[o, o, o, o, o]",
        session("ana", "Ana", "", T0, T0 + 600000),
        session("bo", "Bo", "", T0, T0 + 3600000 - 1000),
        session("", "Cy", "CY@x.org", T0 + 61000 - 1000, T0 + 900000),
        session("dee", "Dee", "", T0 + 100000, T0 + 200000),
        json_string("not a session"));
    bodies = json_array();
    memset(&c, 0, sizeof(c));

    ok(zt_reconcile_plan(marks, 6, sessions, "85012345678", "abc==",
                         bodies, &c) == ZT_OK, "planned");
    is_int(c.sessions, 5, "five sessions");
    is_int(c.skipped, 1, "one not an object");
    is_int(c.known, 2, "Ana (within 2 s / 30 s) and Bo (end = leave) known");
    is_int(c.joins_added, 1, "Dee's join added (Cy's is 59 s off: known)");
    is_int(c.leaves_added, 2, "Cy's and Dee's leaves added");
    is_int(json_array_size(bodies), 3, "three bodies");

    /* Cy: the join 61 s off is not within the tolerance, so it is added */
    c = (zt_reconcile_counts_t) { 0 };
    marks[4].ts = T0 + 60000 + ZT_RECONCILE_TOLERANCE_MS + 1;
    json_array_clear(bodies);
    zt_reconcile_plan(marks, 6, sessions, "85012345678", "abc==", bodies,
                      &c);
    is_int(c.joins_added, 2, "a join 60.001 s away is not the same join");

    b = json_array_get(bodies, 0);
    is_str(json_string_value(json_object_get(b, "zoomtrack_source")),
           "report_api", "bodies are marked");

    zt_reconcile_session_key(json_array_get(sessions, 2), key, sizeof(key));
    is_str(key, "email:cy@x.org", "identity: lowercased email without id");

    json_decref(sessions);
    json_decref(bodies);
}


static void
test_body_normalises(void)
{
    char                   *text, *rec1, *rec2;
    size_t                  len, n1, n2;
    json_t                 *sessions, *bodies, *r, *r2;
    zt_event_t              ev;
    const char             *reason;
    zt_reconcile_counts_t   c = { 0 };

    sessions = json_pack("[o]", session("dee", "Dée", "dee@x.org",
                                        T0 + 100000, T0 + 200000));
    bodies = json_array();
    zt_reconcile_plan(NULL, 0, sessions, "85012345678", "abc==", bodies, &c);
    is_int(json_array_size(bodies), 2, "an unknown session: join + leave");

    text = json_dumps(json_array_get(bodies, 1), JSON_COMPACT);
    len = strlen(text);
    memset(&ev, 0, sizeof(ev));
    ok(zt_event_parse((const unsigned char *) text, len, &ev, &reason)
       == ZT_OK, "the leave body parses as a webhook");
    is_str(ev.event_type, "meeting.participant_left", "type");
    is_str(ev.meeting_uuid, "abc==", "meeting uuid");
    is_str(ev.participant_id, "dee", "participant id");
    is_int(ev.event_ts, T0 + 200000, "event_ts = the session's leave");
    is_int(ev.action, ZT_ACTION_LEAVE, "a LEAVE");
    rec1 = zt_event_record(&ev, (const unsigned char *) text, len, 1, &n1);
    rec2 = zt_event_record(&ev, (const unsigned char *) text, len, 2, &n2);
    r = json_loads(rec1, 0, NULL);
    r2 = json_loads(rec2, 0, NULL);
    ok(r != NULL && r2 != NULL, "the records are JSON");
    ok(json_equal(json_object_get(r, "event_id"),
                  json_object_get(r2, "event_id")),
       "the event_id does not depend on when it is made");
    json_decref(r);
    json_decref(r2);
    free(rec1);
    free(rec2);
    zt_event_free(&ev);
    free(text);

    json_decref(sessions);
    json_decref(bodies);
}


/* Zoom's Report API lists waiting-room and breakout-room sessions too */
static void
test_not_main_presence(void)
{
    json_t                 *sessions, *bodies, *wait, *room, *main;
    zt_reconcile_counts_t   c = { 0 };

    wait = session("eve", "Eve", "", T0, T0 + 60000);
    json_object_set_new(wait, "status", json_string("in_waiting_room"));
    room = session("eve", "Eve", "", T0 + 120000, T0 + 600000);
    json_object_set_new(room, "status", json_string("in_meeting"));
    json_object_set_new(room, "bo_mtg_id",
                        json_string("Dkgwu8nm/ExG1vM+GhLRhA=="));
    main = session("eve", "Eve", "", T0 + 60000, T0 + 120000);
    json_object_set_new(main, "status", json_string("in_meeting"));
    json_object_set_new(main, "bo_mtg_id", json_string(""));

    sessions = json_pack("[o, o, o]", wait, room, main);
    bodies = json_array();
    zt_reconcile_plan(NULL, 0, sessions, "85012345678", "abc==", bodies, &c);
    is_int(c.skipped, 2, "the waiting-room and breakout-room sessions "
           "are skipped");
    is_int(c.joins_added, 1, "the main-meeting session's join is added");
    is_int(c.leaves_added, 0, "its end, where the room session begins, "
           "is a hop into the room, not a leave");
    is_int(json_integer_value(json_object_get(json_array_get(bodies, 0),
                                              "event_ts")),
           T0 + 60000, "at the main session's join");

    json_decref(sessions);
    json_decref(bodies);
}


int
main(void)
{
    test_plan();
    test_body_normalises();
    test_not_main_presence();

    return done_testing();
}
