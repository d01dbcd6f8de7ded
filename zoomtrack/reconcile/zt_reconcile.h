/*
 * zt_reconcile: filling what the webhooks missed from Zoom's Report API
 * (GET /report/meetings/{uuid}/participants: one row per join session,
 * join_time and leave_time; bo_mtg_id on a breakout-room session).  Pure:
 * the planner takes the main-meeting joins and leaves the warehouse
 * already holds and the sessions Zoom reports, and answers with the
 * webhook bodies Zoom would have sent for what is missing.  Those bodies
 * then go through the same normalisation as the module's (zt_event_parse
 * + zt_event_record), so each gets a deterministic event_id and a rerun
 * adds nothing.
 *
 * Rules (the webhooks are the primary truth; the Report API only fills
 * their gaps):
 *   - a session's person is the identity rule of zt_person_key() applied to
 *     the Report API's fields (participant_user_id, else id; registrant_id;
 *     user_email; name), the same as for a webhook of that person; a
 *     session known by its name alone (Zoom often reports no email for a
 *     guest whose webhooks carried one) is the one person the warehouse
 *     holds under a stronger key with that display name in the meeting,
 *     and its added events carry that key's field; with two such people
 *     it stays a name;
 *   - a session's join is known when the warehouse has a main join of that
 *     person within ZT_RECONCILE_TOLERANCE_MS of join_time; its leave
 *     likewise with a main leave (a meeting end also counts: the presence
 *     engine ends everyone there), and a join or leave this run already
 *     planned is known too (Zoom may list a session twice);
 *   - what is not known becomes a meeting.participant_joined / _left body
 *     (webinar.* for a webinar, whose sessions come from the webinar
 *     report) at the session's time, marked "zoomtrack_source":
 *     "report_api"; the webhook version wins wherever both exist;
 *   - sessions in the waiting room (status in_waiting_room) are skipped;
 *     sessions in a breakout room (bo_mtg_id) add no presence: rooms come
 *     from the webhooks alone;
 *   - Zoom splits a person's sessions where they move between the main
 *     meeting and a room: a main session ending within the tolerance of
 *     a room session of theirs beginning is a hop, not a leave; one
 *     beginning where a room session of theirs ends is a hop, not a join,
 *     unless they left the meeting at that room's end (the warehouse
 *     holds a main leave of theirs there, or a main session of theirs
 *     ends there that is no hop): then it is a rejoin;
 *   - a room session after which that person has no session (none begins
 *     at its end, no main session goes on past it or ends with it) ends
 *     in a departure: a main leave at its end, known or added as above.
 */

#ifndef ZT_RECONCILE_H
#define ZT_RECONCILE_H


#include <jansson.h>

#include "zt_core.h"


/*
 * The Report API gives times to the second and the webhook's event_ts is
 * when Zoom sent it, which can trail by tens of seconds under load.
 */
#define ZT_RECONCILE_TOLERANCE_MS  (60 * 1000)


/* a main-meeting join or leave the warehouse holds */
typedef struct {
    const char  *person_key;
    int64_t      ts;               /* ms */
    int          join;             /* 1 join, 0 leave or meeting end */
    const char  *name;             /* the display name; may be NULL */
} zt_reconcile_mark_t;


typedef struct {
    size_t  sessions;              /* sessions Zoom reported */
    size_t  known;                 /* both ends already known */
    size_t  joins_added;
    size_t  leaves_added;
    size_t  skipped;               /* no usable time or identity, in the
                                      waiting room, or a breakout room
                                      not left for the meeting's exit */
} zt_reconcile_counts_t;


/* the meeting instance reconciled */
typedef struct {
    const char  *id;               /* the meeting (or webinar) number */
    const char  *uuid;             /* the instance */
    int          webinar;          /* a webinar: its events are webinar.* */
} zt_reconcile_instance_t;


/*
 * marks: what the warehouse knows of the meeting instance (person_key NULL
 * marks a meeting end, for everyone).  sessions: the "participants"
 * objects of every page.  Appends one body (a JSON object) per missing
 * join or leave to bodies: meeting.participant_joined / _left, or the
 * webinar.* ones for a webinar.  Returns ZT_OK or ZT_ERROR (out of
 * memory).
 */
int zt_reconcile_plan(const zt_reconcile_mark_t *marks, size_t nmarks,
    const json_t *sessions, const zt_reconcile_instance_t *in,
    json_t *bodies, zt_reconcile_counts_t *counts);

/* the person key of a Report API session (zt_person_key rules) */
void zt_reconcile_session_key(const json_t *s, char *out, size_t outlen);


#endif /* ZT_RECONCILE_H */
