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


static const zt_reconcile_instance_t  MTG = { "85012345678", "abc==", 0 };


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

    marks[0] = (zt_reconcile_mark_t) { "id:ana", T0 + 2000, 1, "Ana" };
    marks[1] = (zt_reconcile_mark_t) { "id:ana", T0 + 600000 - 30000, 0,
                                       "Ana" };
    marks[2] = (zt_reconcile_mark_t) { "id:bo", T0 + 59000, 1, "Bo" };
    marks[3] = (zt_reconcile_mark_t) { NULL, T0 + 3600000, 0, NULL };
    marks[4] = (zt_reconcile_mark_t) { "email:cy@x.org", T0 + 60000 + 59000,
                                       1, "Cy" };
    marks[5] = (zt_reconcile_mark_t) { "id:ana", T0 + 700000, 0, "Ana" };

    sessions = json_pack("[o, o, o, o, o]",
        session("ana", "Ana", "", T0, T0 + 600000),
        session("bo", "Bo", "", T0, T0 + 3600000 - 1000),
        session("", "Cy", "CY@x.org", T0 + 61000 - 1000, T0 + 900000),
        session("dee", "Dee", "", T0 + 100000, T0 + 200000),
        json_string("not a session"));
    bodies = json_array();
    memset(&c, 0, sizeof(c));

    ok(zt_reconcile_plan(marks, 6, sessions, &MTG,
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
    zt_reconcile_plan(marks, 6, sessions, &MTG, bodies,
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
    zt_reconcile_plan(NULL, 0, sessions, &MTG, bodies, &c);
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
    zt_reconcile_mark_t     end = { NULL, T0 + 600000, 0, NULL };

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
    zt_reconcile_plan(&end, 1, sessions, &MTG, bodies,
                      &c);
    is_int(c.skipped, 1, "the waiting-room session is skipped");
    is_int(c.joins_added, 1, "the main-meeting session's join is added");
    is_int(c.leaves_added, 0, "its end, where the room session begins, "
           "is a hop into the room, not a leave");
    is_int(c.known, 1, "the room session ends with the meeting: known");
    is_int(json_integer_value(json_object_get(json_array_get(bodies, 0),
                                              "event_ts")),
           T0 + 60000, "at the main session's join");

    json_decref(sessions);
    json_decref(bodies);
}


static json_t *
room_session(const char *id, const char *name, int64_t join, int64_t leave)
{
    json_t  *s;

    s = session(id, name, "", join, leave);
    json_object_set_new(s, "bo_mtg_id", json_string("Dkgwu8nm/ExG1vM+Gh=="));

    return s;
}


/*
 * Left from a breakout room, the main leave lost: her last session is the
 * room's, and the main one before it ends where the room begins (a hop).
 * The room's end, with no session of hers after it, is her departure.
 */
static void
test_left_from_room(void)
{
    json_t                 *sessions, *bodies, *b;
    zt_reconcile_counts_t   c = { 0 };
    zt_reconcile_mark_t     marks[3];

    marks[0] = (zt_reconcile_mark_t) { "id:s1", T0 + 500, 1, "S1" };
    marks[1] = (zt_reconcile_mark_t) { NULL, T0 + 3600000, 0, NULL };
    marks[2] = (zt_reconcile_mark_t) { "id:s1", T0 + 900000 + 800, 0,
                                       "S1" };

    sessions = json_pack("[o, o]", session("s1", "S1", "", T0, T0 + 600000),
                         room_session("s1", "S1", T0 + 600000,
                                      T0 + 900000));
    bodies = json_array();
    zt_reconcile_plan(marks, 2, sessions, &MTG, bodies,
                      &c);
    is_int(c.leaves_added, 1, "left from a room: her main leave is added");
    is_int(c.joins_added, 0, "and nothing else");
    b = json_array_get(bodies, 0);
    is_str(json_string_value(json_object_get(b, "event")),
           "meeting.participant_left", "a main-meeting leave");
    is_int(json_integer_value(json_object_get(b, "event_ts")), T0 + 900000,
           "at the room session's end");

    c = (zt_reconcile_counts_t) { 0 };
    json_array_clear(bodies);
    zt_reconcile_plan(marks, 3, sessions, &MTG, bodies,
                      &c);
    is_int(json_array_size(bodies), 0, "the webhook's leave: nothing added");

    /* back to the main meeting, or on to another room: no departure */
    json_array_append_new(sessions, session("s1", "S1", "", T0 + 900000,
                                            T0 + 1000000));
    json_array_append_new(sessions, room_session("s1", "S1", T0 + 1000000,
                                                 T0 + 1100000));
    json_array_append_new(sessions, room_session("s1", "S1", T0 + 1100000,
                                                 T0 + 3600000));
    c = (zt_reconcile_counts_t) { 0 };
    json_array_clear(bodies);
    zt_reconcile_plan(marks, 2, sessions, &MTG, bodies,
                      &c);
    is_int(json_array_size(bodies), 0, "hops out of and between rooms and "
           "the meeting's end: nothing added");

    json_decref(sessions);
    json_decref(bodies);
}


/*
 * Left the meeting from her room and rejoined the main meeting 50 s
 * later, the rejoin lost: the warehouse holds her main leave at the
 * room's end, so the new main session is a rejoin, not a hop.
 */
static void
test_rejoin_after_room(void)
{
    json_t                 *sessions, *bodies;
    zt_reconcile_counts_t   c = { 0 };
    zt_reconcile_mark_t     marks[4];

    marks[0] = (zt_reconcile_mark_t) { "id:s4", T0 + 500, 1, "S4" };
    marks[1] = (zt_reconcile_mark_t) { NULL, T0 + 3600000, 0, NULL };
    marks[2] = (zt_reconcile_mark_t) { "id:s4", T0 + 900000 + 400, 0,
                                       "S4" };
    marks[3] = (zt_reconcile_mark_t) { "id:s4", T0 + 900000 + 1200, 1,
                                       "S4" };

    sessions = json_pack("[o, o, o]", session("s4", "S4", "", T0,
                                              T0 + 600000),
                         room_session("s4", "S4", T0 + 600000, T0 + 900000),
                         session("s4", "S4", "", T0 + 950000,
                                 T0 + 3600000));
    bodies = json_array();
    zt_reconcile_plan(marks, 3, sessions, &MTG, bodies,
                      &c);
    is_int(c.joins_added, 1, "the rejoin after a leave from a room is "
           "added");
    is_int(c.leaves_added, 0, "her leave is known");
    is_int(json_integer_value(json_object_get(json_array_get(bodies, 0),
                                              "event_ts")),
           T0 + 950000, "at the new main session's join");

    /* no main leave in the warehouse there: a hop out of the room */
    c = (zt_reconcile_counts_t) { 0 };
    json_array_clear(bodies);
    zt_reconcile_plan(marks, 2, sessions, &MTG, bodies,
                      &c);
    is_int(json_array_size(bodies), 0, "without a leave it is a hop");

    /* a hop whose webhooks are a main leave and a main join: known */
    c = (zt_reconcile_counts_t) { 0 };
    json_array_clear(bodies);
    marks[3].ts = T0 + 950000 + 700;
    zt_reconcile_plan(marks, 4, sessions, &MTG, bodies,
                      &c);
    is_int(json_array_size(bodies), 0, "leave + join webhooks: known");

    json_decref(sessions);
    json_decref(bodies);
}


/*
 * The webhooks carried a guest's email, the Report API has none: the
 * session is the person the warehouse knows under that display name.
 */
static void
test_guest_by_name(void)
{
    char                    key[128];
    json_t                 *sessions, *bodies, *b;
    zt_reconcile_counts_t   c = { 0 };
    zt_reconcile_mark_t     marks[4];

    marks[0] = (zt_reconcile_mark_t) { "email:gm@x.org", T0 + 500, 1,
                                       "Gus M" };
    marks[1] = (zt_reconcile_mark_t) { "email:gm@x.org", T0 + 600000, 0,
                                       "Gus M" };
    marks[2] = (zt_reconcile_mark_t) { NULL, T0 + 3600000, 0, NULL };
    marks[3] = (zt_reconcile_mark_t) { "email:other@x.org", T0 + 500, 1,
                                       "Gus M" };

    sessions = json_pack("[o, o]", session("", "Gus M", "", T0, T0 + 600000),
                         session("", "Gus M", "", T0 + 700000,
                                 T0 + 3600000));
    bodies = json_array();
    zt_reconcile_plan(marks, 3, sessions, &MTG, bodies,
                      &c);
    is_int(c.known, 1, "his first session matches his webhooks by name");
    is_int(c.joins_added, 1, "his lost rejoin is added");
    is_int(c.leaves_added, 0, "the meeting's end is his leave");

    b = json_object_get(json_object_get(json_object_get(
            json_array_get(bodies, 0), "payload"), "object"), "participant");
    is_str(json_string_value(json_object_get(b, "email")), "gm@x.org",
           "the added join carries the email the warehouse knows");

    c = (zt_reconcile_counts_t) { 0 };
    json_array_clear(bodies);
    zt_reconcile_plan(marks, 4, sessions, &MTG, bodies,
                      &c);
    is_int(c.joins_added, 2, "two people of that name: not matched");
    zt_reconcile_session_key(json_array_get(sessions, 0), key, sizeof(key));
    is_str(key, "name:Gus M", "the session's own key is its name");

    json_decref(sessions);
    json_decref(bodies);
}


/*
 * Main sessions that overlap the rooms (Zoom reporting a leave and a join
 * of the main meeting at each hop), every webhook of that person lost:
 * the first run adds what the second would, so the second adds nothing.
 */
static void
test_overlapping_rerun(void)
{
    size_t                  i;
    json_t                 *sessions, *bodies, *b;
    const char             *type;
    zt_reconcile_counts_t   c = { 0 };
    zt_reconcile_mark_t     marks[8];

    sessions = json_pack("[o, o, o, o]",
                         session("g", "G", "", T0, T0 + 600000),
                         session("g", "G", "", T0 + 601000, T0 + 900000),
                         room_session("g", "G", T0 + 601000, T0 + 900000),
                         session("g", "G", "", T0 + 901000, T0 + 3600000));
    bodies = json_array();
    marks[0] = (zt_reconcile_mark_t) { NULL, T0 + 3600000, 0, NULL };
    zt_reconcile_plan(marks, 1, sessions, &MTG, bodies,
                      &c);
    is_int(c.joins_added, 3, "the three main joins are added");
    is_int(c.leaves_added, 1, "the main leave with the room's end is "
           "added; the one into the room is a hop");

    json_array_foreach(bodies, i, b) {
        type = json_string_value(json_object_get(b, "event"));
        marks[i + 1] = (zt_reconcile_mark_t) { "id:g",
            json_integer_value(json_object_get(b, "event_ts")),
            strcmp(type, "meeting.participant_joined") == 0, "G" };
    }

    c = (zt_reconcile_counts_t) { 0 };
    i = json_array_size(bodies) + 1;
    json_array_clear(bodies);
    zt_reconcile_plan(marks, i, sessions, &MTG, bodies,
                      &c);
    is_int(json_array_size(bodies), 0, "a rerun adds nothing");

    json_decref(sessions);
    json_decref(bodies);
}


/* Zoom lists a session twice: it is added once */
static void
test_duplicate_rows(void)
{
    json_t                 *sessions, *bodies;
    zt_reconcile_counts_t   c = { 0 };

    sessions = json_pack("[o, o]", session("dee", "Dee", "", T0, T0 + 60000),
                         session("dee", "Dee", "", T0, T0 + 60000));
    bodies = json_array();
    zt_reconcile_plan(NULL, 0, sessions, &MTG, bodies, &c);
    is_int(json_array_size(bodies), 2, "one join and one leave");
    is_int(c.joins_added, 1, "counted once: the join");
    is_int(c.leaves_added, 1, "counted once: the leave");
    is_int(c.known, 1, "the copy is known");

    json_decref(sessions);
    json_decref(bodies);
}


int
main(void)
{
    test_plan();
    test_body_normalises();
    test_not_main_presence();
    test_left_from_room();
    test_rejoin_after_room();
    test_guest_by_name();
    test_duplicate_rows();
    test_overlapping_rerun();

    return done_testing();
}
