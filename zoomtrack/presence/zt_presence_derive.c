/*
 * zt_presence_derive: everything shown, derived from the sets alone: the
 * presence and visits of a journey the report prints
 * (zt_presence_journey_sets, for zt_presence_journey.c) and the room a
 * person is in (the live state is swept in zt_presence_live.c by these
 * rules).  The timing rules are written here once (README "Presence
 * rules"):
 *
 *   - the rules below apply to one device of a person: a person whose
 *     events name two or more participant_uuids (one account on a laptop
 *     and a phone) is derived per device, each device's events with those
 *     that name none, and joined (zt_presence_device.c): presence is the
 *     union, a device's events never end another device's visit or
 *     presence, visits of one room that overlap are one, "Left meeting"
 *     while another device stays in is "Main room"; live, the person is
 *     online while a device is, in the room of the latest room join of a
 *     device in; with one uuid or none, the person is the one device;
 *   - a main LEAVE at l is part of a room move, not a departure, when a
 *     JOIN (main or room) of the same person has l <= t <= l + gap, or a
 *     room JOIN has l - gap <= t <= l (zt_presence_is_move; gap =
 *     ZT_MOVE_GAP_MS);
 *   - a main LEAVE is a departure only when it closes the person's last
 *     open main session: a rejoin opens a new session before Zoom notices
 *     the old one is gone, and the old session's leave can come later.
 *     A main JOIN opens a session; so does a room JOIN while none is open
 *     and no main JOIN is within gap of it: its main join was lost (a
 *     move's room join has its main join next to it) (zt_presence_sessions);
 *   - a main LEAVE that closes no open session, after a departure, shows
 *     the person came back and the join was lost (as a first event that
 *     is a leave shows the person was there since the meeting's start):
 *     that departure was none, presence runs on through it, but it ends
 *     a room visit as a departure would (zt_presence_came_back);
 *   - a person's events are ordered by time, and among events of the same
 *     ms: room leave, main leave, room join, main join (rooms by uuid,
 *     descending); "after" below means later in that order;
 *   - presence runs from a JOIN, main or room (a room join shows the
 *     person in the meeting, in that room, when the main join was lost),
 *     until the next real departure after it or the first meeting end at
 *     or after it (a later instance's start is one:
 *     zt_presence_next_end), else the meeting's last event; the live row
 *     is swept from the same starts and departures (zt_presence_steps),
 *     so it and the report agree at every moment; when the first event
 *     of a person is a leave, from the meeting's first event
 *     (join_time_known false); intervals ending at the same time are one;
 *   - a room visit starts at a room join and ends at the leave of that
 *     room that closes its last open session, the next room join, a
 *     departure (or one the person came back from), a main JOIN or a
 *     move's main LEAVE more than gap after it (a return or move whose
 *     room leave was lost), or the meeting end, else the meeting's last
 *     event.  A main LEAVE that is none of these closes another session
 *     (a reconnect's old one) and ends nothing;
 *   - room sessions: each room join opens one and each leave of that room
 *     closes one (a reconnect joins the room again before Zoom notices the
 *     old session left it); a departure closes them all, and a main JOIN
 *     or a move's main LEAVE closes those of every room not joined within
 *     gap of it (the room leave of that return or move was lost), so a
 *     lost leave does not keep a room open for good (zt_presence_timeline);
 *   - next_room: the next room joined within gap of the visit's end; else
 *     "Left meeting" when the presence around the visit ends with it, or
 *     within gap after it by a departure or the meeting end (Zoom sends a
 *     room leave and a main leave apart, in either order); else "Main
 *     room";
 *   - rooms are numbered Room-N by their first room JOIN in the meeting.
 */

#include <stdlib.h>
#include <string.h>

#include "zt_presence_int.h"


/* one event of a person's timeline, and what comes after it */
typedef struct {
    int64_t      ts;
    int          k;         /* 0 room leave, 1 main leave, 2/3 room/main */
    size_t       room;      /* k 0 and 2 */
    size_t       vi;        /* k 0 and 2: index in pp->visits */
    const char  *uuid;
    int          departs;   /* k 1: a departure */
    int          back;      /* k 1: one, but the person came back */
    int          move;      /* k 1: part of a move (zt_presence_is_move) */
    int          opens;     /* k 2: opens a main session (join lost) */
    int          closes;    /* k 0: closes the room's last open session */
    int64_t      out;       /* next departure after; NONE */
    int64_t      nv_ts;     /* next room join: time, room */
    size_t       nv_room;
} zt_presence_tl_t;


/*
 * What starts presence: a JOIN, main or room (a room join shows the person
 * in the meeting, in that room, also when their main join was lost).  The
 * report's intervals and the live sweep (zt_presence_steps) both use it.
 */
#define zt_presence_starts(t)  ((t)->k >= 2)


static int zt_presence_is_move(const zt_presence_person_t *pp,
    int64_t leave);
static int zt_presence_tl_cmp(const void *a, const void *b);
static zt_presence_tl_t *zt_presence_timeline(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, size_t *n);
static int zt_presence_sessions(const zt_presence_person_t *pp,
    zt_presence_tl_t *tl, size_t n);
static void zt_presence_main_sessions(const zt_presence_person_t *pp,
    zt_presence_tl_t *tl, size_t n);
static void zt_presence_came_back(zt_presence_tl_t *tl, size_t n);
static int64_t zt_presence_tl_room(const zt_presence_meeting_t *m,
    const zt_presence_tl_t *tl, size_t n, size_t *room);
static void zt_presence_close_rooms(const zt_presence_person_t *pp,
    size_t *open, int64_t ts, int all);
static int zt_presence_spans(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, const zt_presence_tl_t *tl, size_t n,
    zt_journey_t *j);
static int zt_presence_visits(const zt_presence_meeting_t *m,
    const zt_presence_tl_t *tl, size_t n, zt_journey_t *j);
static int64_t zt_presence_visit_end(const zt_presence_tl_t *tl, size_t n,
    size_t i);
static int zt_presence_span_cmp(const void *a, const void *b);


/*
 * The room-move pair: a main leave followed within the gap by a join, or
 * preceded within the gap by a room join (Zoom's events of one move come
 * in either order, event times included).
 */
static int
zt_presence_is_move(const zt_presence_person_t *pp, int64_t leave)
{
    size_t  i;

    if (zt_ts_has_between(&pp->joins, leave, leave + ZT_MOVE_GAP_MS)) {
        return 1;
    }

    for (i = 0; i < pp->nvisits; i++) {
        if (zt_ts_has_between(&pp->visits[i].joins, leave - ZT_MOVE_GAP_MS,
                              leave + ZT_MOVE_GAP_MS))
        {
            return 1;
        }
    }

    return 0;
}


/*
 * The presence intervals, visits and join_time_known of the sets of pp
 * (a person of one device, or one device's view of a person).
 */
int
zt_presence_journey_sets(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, zt_journey_t *j)
{
    int                rc;
    size_t             n;
    zt_presence_tl_t  *tl;

    tl = zt_presence_timeline(m, pp, &n);
    if (tl == NULL) {
        return ZT_ERROR;
    }

    /* the first event seen of the person is a (main or room) join */
    j->join_time_known = n && zt_presence_starts(&tl[0]);

    rc = ZT_OK;

    if (n
        && (zt_presence_spans(m, pp, tl, n, j) != ZT_OK
            || zt_presence_visits(m, tl, n, j) != ZT_OK))
    {
        rc = ZT_ERROR;
    }

    free(tl);

    return rc;
}


/*
 * The starts and ends of pp's presence for the live sweep
 * (zt_presence_live.c), by the rule of the report's intervals
 * (zt_presence_spans), so the two agree: a JOIN, main or room, and a
 * departure.  A join is a move (no new Last Join while the
 * person is online) when it is a room join or a main join within the gap
 * after a main leave.  And, from the same timeline, the room pp is in
 * (zt_presence_tl_room): *room_ts, NONE when none, and *room.  The steps,
 * of view dev, are appended to the *n of *ps, which grows (the caller's
 * to free, also on ZT_ERROR: out of memory).
 */
int
zt_presence_steps(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, size_t dev, zt_presence_step_t **ps,
    size_t *n, int64_t *room_ts, size_t *room)
{
    size_t               i, k, len;
    zt_presence_tl_t    *tl;
    zt_presence_step_t  *s;

    tl = zt_presence_timeline(m, pp, &len);
    if (tl == NULL) {
        return ZT_ERROR;
    }

    s = realloc(*ps, (*n + len + 1) * sizeof(zt_presence_step_t));
    if (s == NULL) {
        free(tl);
        return ZT_ERROR;
    }

    *ps = s;

    for (i = 0, k = *n; i < len; i++) {
        if (zt_presence_starts(&tl[i])) {
            s[k].kind = ZT_STEP_JOIN;
            s[k].move = tl[i].k == 2
                        || zt_ts_has_between(&pp->leaves,
                                             tl[i].ts - ZT_MOVE_GAP_MS,
                                             tl[i].ts);

        } else if (tl[i].departs) {
            s[k].kind = ZT_STEP_DEPART;
            s[k].move = 0;

        } else {
            continue;
        }

        s[k].ts = tl[i].ts;
        s[k++].dev = dev;
    }

    *room_ts = zt_presence_tl_room(m, tl, len, room);

    free(tl);

    *n = k;
    return ZT_OK;
}


/*
 * The room of the latest room JOIN of the timeline while its visit lasts
 * by the rules of the report (zt_presence_visit_end: one rule for both)
 * and the meeting has not ended after it: the join's time and *room,
 * else NONE.
 */
static int64_t
zt_presence_tl_room(const zt_presence_meeting_t *m,
    const zt_presence_tl_t *tl, size_t n, size_t *room)
{
    size_t  i;

    /* the last room join in timeline order (of two in one ms, the smaller
     * uuid, whatever order they arrived in) */
    for (i = n; i-- > 0; /* void */) {
        if (tl[i].k == 2) {
            break;
        }
    }

    if (i < n
        && zt_presence_visit_end(tl, n, i) == ZT_PRESENCE_NONE
        && zt_presence_next_end(m, tl[i].ts) == ZT_PRESENCE_NONE)
    {
        *room = tl[i].room;
        return tl[i].ts;
    }

    return ZT_PRESENCE_NONE;
}


/*
 * The person's events in order, each with what comes after it (out,
 * term, next visit), by one backward sweep.  NULL when out of memory.
 */
static zt_presence_tl_t *
zt_presence_timeline(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, size_t *n)
{
    size_t             i, k, len;
    int64_t            out, nv_ts;
    size_t             nv_room;
    zt_presence_tl_t  *tl;

    const zt_ts_set_t         *s;
    const zt_presence_rset_t  *v;

    len = pp->joins.n + pp->leaves.n;
    for (i = 0; i < pp->nvisits; i++) {
        len += pp->visits[i].joins.n + pp->visits[i].leaves.n;
    }

    tl = calloc(len ? len : 1, sizeof(zt_presence_tl_t));
    if (tl == NULL) {
        return NULL;
    }

    len = 0;

    for (i = 0; i < pp->joins.n; i++) {
        tl[len].ts = pp->joins.v[i];
        tl[len++].k = 3;
    }

    for (i = 0; i < pp->leaves.n; i++) {
        tl[len].ts = pp->leaves.v[i];
        tl[len++].k = 1;
    }

    for (i = 0; i < pp->nvisits; i++) {
        v = &pp->visits[i];

        for (s = &v->leaves; s; s = s == &v->leaves ? &v->joins : NULL) {
            for (k = 0; k < s->n; k++) {
                tl[len].ts = s->v[k];
                tl[len].k = s == &v->joins ? 2 : 0;
                tl[len].room = v->room;
                tl[len].vi = i;
                tl[len++].uuid = m->rooms[v->room].uuid;
            }
        }
    }

    qsort(tl, len, sizeof(zt_presence_tl_t), zt_presence_tl_cmp);

    if (zt_presence_sessions(pp, tl, len) != ZT_OK) {
        free(tl);
        return NULL;
    }

    out = ZT_PRESENCE_NONE;
    nv_ts = ZT_PRESENCE_NONE;
    nv_room = 0;

    for (i = len; i-- > 0; /* void */) {
        tl[i].out = out;
        tl[i].nv_ts = nv_ts;
        tl[i].nv_room = nv_room;

        if (tl[i].departs) {
            out = tl[i].ts;
        }

        /* the first next room join: earliest, then smallest uuid */
        if (tl[i].k == 2
            && (tl[i].ts < nv_ts
                || (tl[i].ts == nv_ts
                    && strcmp(tl[i].uuid, m->rooms[nv_room].uuid) < 0)))
        {
            nv_ts = tl[i].ts;
            nv_room = tl[i].room;
        }
    }

    *n = len;
    return tl;
}


/*
 * The open sessions, counted in time order (a leave before a join within
 * a ms): main ones give each main leave its departs or back, then room
 * ones each room leave its closes (a departure or move closes rooms).
 */
static int
zt_presence_sessions(const zt_presence_person_t *pp, zt_presence_tl_t *tl,
    size_t n)
{
    size_t   i, *room;

    zt_presence_main_sessions(pp, tl, n);
    zt_presence_came_back(tl, n);

    room = calloc(pp->nvisits ? pp->nvisits : 1, sizeof(size_t));
    if (room == NULL) {
        return ZT_ERROR;
    }

    for (i = 0; i < n; i++) {
        switch (tl[i].k) {

        case 0:
            room[tl[i].vi] -= room[tl[i].vi] > 0;
            tl[i].closes = room[tl[i].vi] == 0;
            break;

        case 1:
            if (tl[i].departs || tl[i].back || tl[i].move) {
                zt_presence_close_rooms(pp, room, tl[i].ts,
                                        tl[i].departs || tl[i].back);
            }
            break;

        case 2:
            room[tl[i].vi]++;
            break;

        default:
            zt_presence_close_rooms(pp, room, tl[i].ts, 0);
            break;
        }
    }

    free(room);

    return ZT_OK;
}


/*
 * Main sessions: each main join opens one and each main leave closes one
 * (never below zero); the leave that closes the last, not in a move, is a
 * departure.  A room join while none is open opens one, unless a main
 * join is within the gap of it (a move's, in either order): its main
 * join was lost, and the room join is the proof the person is in, so the
 * old session's leave of a later reconnect closes it, not the new one.
 * Only while none is open: room joins never add a second session, so one
 * leave still takes out a person whose moves Zoom sent no main events for.
 */
static void
zt_presence_main_sessions(const zt_presence_person_t *pp,
    zt_presence_tl_t *tl, size_t n)
{
    size_t  i, main;

    main = 0;

    for (i = 0; i < n; i++) {
        switch (tl[i].k) {

        case 1:
            main -= main > 0;
            tl[i].move = zt_presence_is_move(pp, tl[i].ts);
            tl[i].departs = main == 0 && !tl[i].move;
            break;

        case 2:
            tl[i].opens = main == 0
                          && !zt_ts_has_between(&pp->joins,
                                                tl[i].ts - ZT_MOVE_GAP_MS,
                                                tl[i].ts + ZT_MOVE_GAP_MS);
            main += tl[i].opens;
            break;

        case 3:
            main++;
            break;

        default:
            break;
        }
    }
}


/*
 * A departure whose next main event (a main join, a main leave, a room
 * join that opens a session) is a leave: that leave closes a session
 * whose join was lost, so the person came back and the departure was
 * none; it still ends the visit (back), and presence goes on.
 */
static void
zt_presence_came_back(zt_presence_tl_t *tl, size_t n)
{
    int     next_leave;
    size_t  i;

    next_leave = 0;

    for (i = n; i-- > 0; /* void */) {
        if (tl[i].k == 1) {
            if (tl[i].departs && next_leave) {
                tl[i].departs = 0;
                tl[i].back = 1;
            }
            next_leave = 1;

        } else if (tl[i].k == 3 || (tl[i].k == 2 && tl[i].opens)) {
            next_leave = 0;
        }
    }
}


/*
 * A departure (all) closes every room session; a return or move at ts
 * closes those of the rooms not joined within the gap around it, whose
 * leaves were lost.
 */
static void
zt_presence_close_rooms(const zt_presence_person_t *pp, size_t *open,
    int64_t ts, int all)
{
    size_t  i;

    for (i = 0; i < pp->nvisits; i++) {
        if (all
            || !zt_ts_has_between(&pp->visits[i].joins, ts - ZT_MOVE_GAP_MS,
                                  ts + ZT_MOVE_GAP_MS))
        {
            open[i] = 0;
        }
    }
}


static int
zt_presence_tl_cmp(const void *a, const void *b)
{
    const zt_presence_tl_t  *x = a, *y = b;

    if (x->ts != y->ts) {
        return x->ts < y->ts ? -1 : 1;
    }

    if (x->k != y->k) {
        return x->k - y->k;
    }

    if (x->uuid && y->uuid) {
        return -strcmp(x->uuid, y->uuid);
    }

    return 0;
}


#define zt_min(a, b)  ((a) < (b) ? (a) : (b))
#define zt_or(a, b)   ((a) == ZT_PRESENCE_NONE ? (b) : (a))


static int
zt_presence_spans(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, const zt_presence_tl_t *tl, size_t n,
    zt_journey_t *j)
{
    size_t              i, k;
    int64_t             mlast, e;
    zt_journey_span_t  *sp;

    mlast = m->last_ts;

    sp = malloc((n + 1) * sizeof(zt_journey_span_t));
    if (sp == NULL) {
        return ZT_ERROR;
    }

    k = 0;

    for (i = 0; i < n; i++) {
        if (zt_presence_starts(&tl[i])) {
            sp[k].start = tl[i].ts;
            sp[k++].end = zt_min(zt_or(tl[i].out, mlast),
                                 zt_or(zt_presence_next_end(m, tl[i].ts),
                                       mlast));
        }
    }

    /* first seen leaving: present since the meeting's first event */
    if (!zt_presence_starts(&tl[0])) {
        if (tl[0].departs) {
            e = tl[0].ts;

        } else {
            e = zt_or(tl[0].out, mlast);
        }

        sp[k].start = m->first_ts;
        sp[k++].end = zt_min(e, zt_or(zt_presence_next_end(m, m->first_ts),
                                      mlast));
    }

    /* one interval per end, starting at the earliest start */
    qsort(sp, k, sizeof(zt_journey_span_t), zt_presence_span_cmp);

    j->nspans = 0;

    for (i = 0; i < k; i++) {
        if (j->nspans && sp[j->nspans - 1].end == sp[i].end) {
            continue;
        }
        sp[j->nspans++] = sp[i];
    }

    qsort(sp, j->nspans, sizeof(zt_journey_span_t),
          zt_presence_span_start_cmp);

    j->spans = sp;

    return ZT_OK;
}


/* the room visits, by start and room uuid */
static int
zt_presence_visits(const zt_presence_meeting_t *m,
    const zt_presence_tl_t *tl, size_t n, zt_journey_t *j)
{
    size_t               i, k;
    int64_t              mlast, nend, e, pend;
    zt_journey_visit_t  *v;

    mlast = m->last_ts;

    for (i = 0, k = 0; i < n; i++) {
        k += tl[i].k == 2;
    }

    v = calloc(k ? k : 1, sizeof(zt_journey_visit_t));
    if (v == NULL) {
        return ZT_ERROR;
    }

    k = 0;

    for (i = 0; i < n; i++) {
        if (tl[i].k != 2) {
            continue;
        }

        nend = zt_presence_next_end(m, tl[i].ts);
        e = zt_min(zt_or(zt_presence_visit_end(tl, n, i), mlast),
                   zt_or(nend, mlast));
        pend = zt_min(zt_or(tl[i].out, mlast), zt_or(nend, mlast));

        v[k].room_uuid = tl[i].uuid;
        v[k].room_no = zt_presence_room_no(m, tl[i].room);
        v[k].start = tl[i].ts;
        v[k].end = e;

        if (tl[i].nv_ts != ZT_PRESENCE_NONE
            && tl[i].nv_ts <= e + ZT_MOVE_GAP_MS)
        {
            v[k].next = ZT_NEXT_ROOM;
            v[k].next_room_uuid = m->rooms[tl[i].nv_room].uuid;
            v[k].next_room_no = zt_presence_room_no(m, tl[i].nv_room);

        } else if (e < pend
                   && !(pend - e <= ZT_MOVE_GAP_MS
                        && (pend == tl[i].out || pend == nend)))
        {
            v[k].next = ZT_NEXT_MAIN;

        } else {
            /* the presence ends with the visit, or right after it */
            v[k].next = ZT_NEXT_LEFT;
        }

        k++;
    }

    qsort(v, k, sizeof(zt_journey_visit_t), zt_presence_visit_cmp);

    j->visits = v;
    j->nvisits = k;

    return ZT_OK;
}


/*
 * What ends the visit begun by the room join tl[i], short of the meeting's
 * end: the next leave of that room that closes its last open session (a
 * leave of the room the person left for this one can come a moment after
 * this join), the next room join, a departure, or a main join or a move's
 * main leave more than the gap after the join; NONE.
 */
static int64_t
zt_presence_visit_end(const zt_presence_tl_t *tl, size_t n, size_t i)
{
    size_t  k;

    for (k = i + 1; k < n; k++) {
        switch (tl[k].k) {

        case 0:
            if (tl[k].room == tl[i].room && tl[k].closes) {
                return tl[k].ts;
            }
            break;

        case 1:
            if (tl[k].departs || tl[k].back
                || (tl[k].move && tl[k].ts > tl[i].ts + ZT_MOVE_GAP_MS))
            {
                return tl[k].ts;
            }
            break;

        case 2:
            return tl[k].ts;

        default:
            if (tl[k].ts > tl[i].ts + ZT_MOVE_GAP_MS) {
                return tl[k].ts;
            }
            break;
        }
    }

    return ZT_PRESENCE_NONE;
}


static int
zt_presence_span_cmp(const void *a, const void *b)
{
    const zt_journey_span_t  *x = a, *y = b;

    if (x->end != y->end) {
        return x->end < y->end ? -1 : 1;
    }

    return x->start < y->start ? -1 : x->start > y->start;
}
