/*
 * zt_reconcile: the planner (rules in zt_reconcile.h).
 */

#include <stdlib.h>
#include <string.h>

#include "zt_event.h"
#include "zt_time.h"
#include "zt_reconcile.h"


#define ZT_RECONCILE_KEY  512


/* a breakout-room session: whose, and when */
typedef struct {
    char     key[ZT_RECONCILE_KEY];
    int64_t  join;
    int64_t  leave;
} zt_reconcile_room_t;


static int zt_reconcile_sessions(const zt_reconcile_mark_t *marks,
    size_t nmarks, const zt_reconcile_room_t *rooms, size_t nrooms,
    const json_t *sessions, const char *meeting_id, const char *meeting_uuid,
    json_t *bodies, zt_reconcile_counts_t *counts);
static zt_reconcile_room_t *zt_reconcile_rooms(const json_t *sessions,
    size_t *n);
static int zt_reconcile_hop(const zt_reconcile_room_t *rooms, size_t n,
    const char *key, int64_t ts, int join);
static int zt_reconcile_in_meeting(const json_t *s);
static int zt_reconcile_near(int64_t a, int64_t b);
static const char *zt_reconcile_str(const json_t *o, const char *key);
static int zt_reconcile_known(const zt_reconcile_mark_t *marks, size_t n,
    const char *key, int64_t ts, int join);
static json_t *zt_reconcile_body(const json_t *s, int join, int64_t ts,
    const char *meeting_id, const char *meeting_uuid);


int
zt_reconcile_plan(const zt_reconcile_mark_t *marks, size_t nmarks,
    const json_t *sessions, const char *meeting_id, const char *meeting_uuid,
    json_t *bodies, zt_reconcile_counts_t *counts)
{
    int                  rc;
    size_t               nrooms;
    zt_reconcile_room_t *rooms;

    rooms = zt_reconcile_rooms(sessions, &nrooms);
    if (rooms == NULL) {
        return ZT_ERROR;
    }

    rc = zt_reconcile_sessions(marks, nmarks, rooms, nrooms, sessions,
                               meeting_id, meeting_uuid, bodies, counts);
    free(rooms);

    return rc;
}


static int
zt_reconcile_sessions(const zt_reconcile_mark_t *marks, size_t nmarks,
    const zt_reconcile_room_t *rooms, size_t nrooms, const json_t *sessions,
    const char *meeting_id, const char *meeting_uuid, json_t *bodies,
    zt_reconcile_counts_t *counts)
{
    char           key[ZT_RECONCILE_KEY];
    size_t         i;
    int64_t        join, leave;
    json_t        *body;
    const json_t  *s;
    int            have_join, have_leave;

    json_array_foreach(sessions, i, s) {
        counts->sessions++;

        if (!json_is_object(s) || !zt_reconcile_in_meeting(s)) {
            counts->skipped++;
            continue;
        }

        zt_reconcile_session_key(s, key, sizeof(key));
        join = zt_time_parse_iso(zt_reconcile_str(s, "join_time"));
        leave = zt_time_parse_iso(zt_reconcile_str(s, "leave_time"));

        if (key[0] == '\0' || join <= 0 || (leave > 0 && leave < join)) {
            counts->skipped++;
            continue;
        }

        /* a session that begins as a room session ends, or ends as one
         * begins, is a hop between the main meeting and a room: Zoom
         * splits the sessions there, the person never left */
        have_join = zt_reconcile_known(marks, nmarks, key, join, 1)
                    || zt_reconcile_hop(rooms, nrooms, key, join, 1);
        have_leave = leave <= 0
                     || zt_reconcile_known(marks, nmarks, key, leave, 0)
                     || zt_reconcile_hop(rooms, nrooms, key, leave, 0);

        if (have_join && have_leave) {
            counts->known++;
            continue;
        }

        if (!have_join) {
            body = zt_reconcile_body(s, 1, join, meeting_id, meeting_uuid);
            if (body == NULL || json_array_append_new(bodies, body) != 0) {
                return ZT_ERROR;
            }
            counts->joins_added++;
        }

        if (!have_leave) {
            body = zt_reconcile_body(s, 0, leave, meeting_id, meeting_uuid);
            if (body == NULL || json_array_append_new(bodies, body) != 0) {
                return ZT_ERROR;
            }
            counts->leaves_added++;
        }
    }

    return ZT_OK;
}


/*
 * The breakout-room sessions of the list, with their person keys made
 * once: each main session's ends are compared with all of them.  The
 * array is malloc()ed (freed by the caller), never NULL but when out of
 * memory.
 */
static zt_reconcile_room_t *
zt_reconcile_rooms(const json_t *sessions, size_t *n)
{
    size_t                i;
    const json_t         *s;
    zt_reconcile_room_t  *rooms, *r;

    rooms = malloc((json_array_size(sessions) + 1)
                   * sizeof(zt_reconcile_room_t));
    if (rooms == NULL) {
        return NULL;
    }

    *n = 0;

    json_array_foreach(sessions, i, s) {
        if (!json_is_object(s)
            || zt_reconcile_str(s, "bo_mtg_id")[0] == '\0')
        {
            continue;
        }

        r = &rooms[(*n)++];
        zt_reconcile_session_key(s, r->key, sizeof(r->key));
        r->join = zt_time_parse_iso(zt_reconcile_str(s, "join_time"));
        r->leave = zt_time_parse_iso(zt_reconcile_str(s, "leave_time"));
    }

    return rooms;
}


/* join: a room session of key's person ended at ts; else one began */
static int
zt_reconcile_hop(const zt_reconcile_room_t *rooms, size_t n,
    const char *key, int64_t ts, int join)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (zt_reconcile_near(join ? rooms[i].leave : rooms[i].join, ts)
            && strcmp(rooms[i].key, key) == 0)
        {
            return 1;
        }
    }

    return 0;
}


void
zt_reconcile_session_key(const json_t *s, char *out, size_t outlen)
{
    const char  *id;

    id = zt_reconcile_str(s, "participant_user_id");
    if (id[0] == '\0') {
        id = zt_reconcile_str(s, "id");
    }

    zt_person_key(id, zt_reconcile_str(s, "registrant_id"),
                  zt_reconcile_str(s, "user_email"),
                  zt_reconcile_str(s, "name"), out, outlen);
}


/*
 * A session in the waiting room is not attendance, and a session in a
 * breakout room (bo_mtg_id) is not presence in the main meeting: made into
 * a main-meeting join and leave it would pull the person out of the room
 * the webhooks put them in.  Rooms come from the webhooks alone.
 */
static int
zt_reconcile_in_meeting(const json_t *s)
{
    if (strcmp(zt_reconcile_str(s, "status"), "in_waiting_room") == 0) {
        return 0;
    }

    return zt_reconcile_str(s, "bo_mtg_id")[0] == '\0';
}


static const char *
zt_reconcile_str(const json_t *o, const char *key)
{
    const char  *v;

    v = json_string_value(json_object_get(o, key));

    return v ? v : "";
}


/* the Report API's time and a webhook's are the same moment */
static int
zt_reconcile_near(int64_t a, int64_t b)
{
    return a - b >= -ZT_RECONCILE_TOLERANCE_MS
           && a - b <= ZT_RECONCILE_TOLERANCE_MS;
}


static int
zt_reconcile_known(const zt_reconcile_mark_t *marks, size_t n,
    const char *key, int64_t ts, int join)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (!zt_reconcile_near(marks[i].ts, ts)) {
            continue;
        }

        if (marks[i].person_key == NULL) {
            if (!join) {
                return 1;               /* the meeting's end */
            }
            continue;
        }

        if (marks[i].join == join && strcmp(marks[i].person_key, key) == 0) {
            return 1;
        }
    }

    return 0;
}


/*
 * The body Zoom would have sent: the session's identity fields under the
 * names webhooks use, event_ts = the session's time, so the module's
 * normalisation gives the same person key and a deterministic event_id.
 */
static json_t *
zt_reconcile_body(const json_t *s, int join, int64_t ts,
    const char *meeting_id, const char *meeting_uuid)
{
    char     iso[32];
    json_t  *part, *body;

    zt_time_rfc3339(ts - ts % 1000, iso);

    part = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                     "user_id", zt_reconcile_str(s, "user_id"),
                     "user_name", zt_reconcile_str(s, "name"),
                     "id", zt_reconcile_str(s, "id"),
                     "participant_user_id",
                     zt_reconcile_str(s, "participant_user_id"),
                     "email", zt_reconcile_str(s, "user_email"),
                     "registrant_id", zt_reconcile_str(s, "registrant_id"),
                     join ? "join_time" : "leave_time", iso);
    if (part == NULL) {
        return NULL;
    }

    if (!join && json_object_set_new(part, "leave_reason",
            json_string("reconciled from Zoom's Report API")) != 0)
    {
        json_decref(part);
        return NULL;
    }

    body = json_pack("{s:s, s:I, s:s, s:{s:s, s:{s:s, s:s, s:o}}}",
                     "event", join ? "meeting.participant_joined"
                                   : "meeting.participant_left",
                     "event_ts", (json_int_t) ts,
                     "zoomtrack_source", "report_api",
                     "payload",
                       "account_id", "",
                       "object",
                         "id", meeting_id,
                         "uuid", meeting_uuid,
                         "participant", part);

    return body;
}
