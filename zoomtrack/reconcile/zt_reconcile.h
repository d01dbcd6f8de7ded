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
 * Rules:
 *   - a session's person is the identity rule of zt_person_key() applied to
 *     the Report API's fields (participant_user_id, else id; registrant_id;
 *     user_email; name), the same as for a webhook of that person;
 *   - a session's join is known when the warehouse has a main join of that
 *     person within ZT_RECONCILE_TOLERANCE_MS of join_time; its leave
 *     likewise with a main leave (a meeting end also counts: the presence
 *     engine ends everyone there);
 *   - what is not known becomes a meeting.participant_joined / _left body
 *     at the session's time, marked "zoomtrack_source": "report_api"; the
 *     webhook version wins wherever both exist;
 *   - sessions in the waiting room (status in_waiting_room) and sessions
 *     in a breakout room (bo_mtg_id) are skipped: reconciled time is
 *     presence in the main meeting, and rooms come from the webhooks alone.
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
} zt_reconcile_mark_t;


typedef struct {
    size_t  sessions;              /* sessions Zoom reported */
    size_t  known;                 /* both ends already known */
    size_t  joins_added;
    size_t  leaves_added;
    size_t  skipped;               /* no usable time or identity, in the
                                      waiting room or a breakout room */
} zt_reconcile_counts_t;


/*
 * marks: what the warehouse knows of the meeting instance (person_key NULL
 * marks a meeting end, for everyone).  sessions: the "participants"
 * objects of every page.  Appends one body (a JSON object) per missing
 * join or leave to bodies.  Returns ZT_OK or ZT_ERROR (out of memory).
 */
int zt_reconcile_plan(const zt_reconcile_mark_t *marks, size_t nmarks,
    const json_t *sessions, const char *meeting_id, const char *meeting_uuid,
    json_t *bodies, zt_reconcile_counts_t *counts);

/* the person key of a Report API session (zt_person_key rules) */
void zt_reconcile_session_key(const json_t *s, char *out, size_t outlen);


#endif /* ZT_RECONCILE_H */
