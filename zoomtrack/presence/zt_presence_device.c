/*
 * zt_presence_device: one person on two devices.  A Zoom account that
 * joins from a laptop and a phone is one person (zt_person_key), but each
 * device is a session of its own with its own participant_uuid (Zoom
 * keeps it across room hops within a meeting).  The phone joining or
 * leaving the main room says nothing about the laptop in a breakout room,
 * so the rules (zt_presence_derive.c) are applied to each device alone
 * and the results joined:
 *
 *   - a device's view is the times of its own events plus those of the
 *     person's events that name no device (a payload without
 *     participant_uuid, a state saved before devices were kept): with
 *     none named, or one, the view is the person, as before;
 *   - presence is the union of the devices' presence intervals;
 *   - visits are the devices' visits, those of one room that overlap
 *     joined into one (both devices moved together); a visit that ends
 *     with "Left meeting" while another device stays in the meeting
 *     (present past the gap after it) returns to the "Main room";
 *   - the live state is swept over the devices at once
 *     (zt_presence_live.c): online while any device is, in the room of
 *     the latest room join of a device that is in.
 *
 * A device whose uuid changed on a rejoin (Zoom may do that) is another
 * device: a room leave lost before such a rejoin keeps that room's visit
 * open until the old device's own next event, departure or the meeting's
 * end, where one device's rejoin would have ended it.
 */

#include <stdlib.h>
#include <string.h>

#include "zt_presence_int.h"


static int zt_presence_view(const zt_presence_person_t *pp, size_t d,
    zt_presence_person_t *v);
static int zt_presence_keep_set(const zt_presence_person_t *pp,
    const unsigned char *gone, int which, size_t room, const zt_ts_set_t *s,
    zt_ts_set_t *out);
static int zt_presence_merge_spans(zt_journey_t *j, zt_journey_t *jv,
    size_t n);
static int zt_presence_merge_visits(zt_journey_t *j, zt_journey_t *jv,
    size_t n);
static void zt_presence_back_to_main(zt_journey_t *j);
static int zt_presence_first_is_join(const zt_presence_person_t *pp);
static int zt_presence_dev_cmp(const void *a, const void *b);
static int zt_presence_room_cmp(const void *a, const void *b);


int
zt_presence_views(const zt_presence_person_t *pp, zt_presence_views_t *vs)
{
    size_t  d, i;

    memset(vs, 0, sizeof(zt_presence_views_t));

    if (pp->ndevices < 2) {
        vs->one = pp;
        vs->v = &vs->one;
        vs->n = 1;
        return ZT_OK;
    }

    vs->own = calloc(pp->ndevices, sizeof(zt_presence_person_t));
    vs->v = calloc(pp->ndevices, sizeof(zt_presence_person_t *));
    if (vs->own == NULL || vs->v == NULL) {
        zt_presence_views_free(vs);
        return ZT_ERROR;
    }

    /* by uuid, not by arrival: the views' order decides the sweep's
     * ties (zt_presence_live.c) */
    for (d = 0; d < pp->ndevices; d++) {
        vs->v[d] = pp->devices[d];
    }

    qsort((void *) vs->v, pp->ndevices, sizeof(zt_presence_person_t *),
          zt_presence_dev_cmp);

    for (d = 0; d < pp->ndevices; d++) {
        for (i = 0; pp->devices[i] != vs->v[d]; i++) {
            /* void: the device's index */
        }

        vs->n++;
        vs->v[d] = &vs->own[d];

        if (zt_presence_view(pp, i, &vs->own[d]) != ZT_OK) {
            zt_presence_views_free(vs);
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


void
zt_presence_views_free(zt_presence_views_t *vs)
{
    size_t  d;

    if (vs->v == &vs->one) {
        return;             /* the person itself */
    }

    for (d = 0; vs->own && d < vs->n; d++) {
        zt_presence_person_sets_free(&vs->own[d]);
    }

    free(vs->own);
    free((void *) vs->v);
    memset(vs, 0, sizeof(zt_presence_views_t));
}


/* device d's view of pp: its events and those of no device */
static int
zt_presence_view(const zt_presence_person_t *pp, size_t d,
    zt_presence_person_t *v)
{
    int             rc;
    unsigned char  *gone;

    v->key = pp->devices[d]->key;

    /* every other device goes */
    gone = malloc(pp->ndevices);
    if (gone == NULL) {
        return ZT_ERROR;
    }

    memset(gone, 1, pp->ndevices);
    gone[d] = 0;

    rc = zt_presence_sets_keep(pp, gone, v);

    free(gone);

    return rc;
}


/*
 * The sets of pp into c (joins, leaves and the visits left non-empty)
 * without the times of the devices gone[]: a time of those devices only
 * goes, a time of a device kept or of none stays.  The one rule of a
 * device's view (every other device goes) and of a key's copy (the
 * devices that go to a stronger key, zt_presence_link.c).
 */
int
zt_presence_sets_keep(const zt_presence_person_t *pp,
    const unsigned char *gone, zt_presence_person_t *c)
{
    int                  rc;
    size_t               i;
    zt_presence_rset_t  *r;

    rc = zt_presence_keep_set(pp, gone, ZT_SET_JOINS, 0, &pp->joins,
                              &c->joins);
    if (rc == ZT_OK) {
        rc = zt_presence_keep_set(pp, gone, ZT_SET_LEAVES, 0, &pp->leaves,
                                  &c->leaves);
    }

    for (i = 0; i < pp->nvisits && rc == ZT_OK; i++) {
        r = zt_presence_rset(c, pp->visits[i].room);
        if (r == NULL) {
            return ZT_ERROR;
        }

        rc = zt_presence_keep_set(pp, gone, ZT_SET_ROOM_JOINS, r->room,
                                  &pp->visits[i].joins, &r->joins);
        if (rc == ZT_OK) {
            rc = zt_presence_keep_set(pp, gone, ZT_SET_ROOM_LEAVES,
                                      r->room, &pp->visits[i].leaves,
                                      &r->leaves);
        }

        if (r->joins.n == 0 && r->leaves.n == 0) {
            c->nvisits--;       /* a room of the devices gone only */
            free(r->joins.v);
            free(r->leaves.v);
        }
    }

    return rc;
}


/* the times of s, a set of pp, kept (zt_presence_sets_keep) */
static int
zt_presence_keep_set(const zt_presence_person_t *pp,
    const unsigned char *gone, int which, size_t room, const zt_ts_set_t *s,
    zt_ts_set_t *out)
{
    int                 in_gone, in_kept;
    size_t              i, d;
    int64_t             t;
    const zt_ts_set_t  *ds;

    for (i = 0; i < s->n; i++) {
        t = s->v[i];
        in_gone = 0;
        in_kept = 0;

        for (d = 0; d < pp->ndevices; d++) {
            ds = zt_presence_dev_set(pp->devices[d], which, room);
            if (ds && zt_ts_has_between(ds, t, t)) {
                in_gone |= gone[d];
                in_kept |= !gone[d];
            }
        }

        if (in_gone && !in_kept) {
            continue;
        }

        if (zt_ts_add(out, t) == ZT_ERROR) {
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


/* one set of a person or device; NULL: a room it never entered */
const zt_ts_set_t *
zt_presence_dev_set(const zt_presence_person_t *dv, int which, size_t room)
{
    size_t  i;

    switch (which) {

    case ZT_SET_JOINS:
        return &dv->joins;

    case ZT_SET_LEAVES:
        return &dv->leaves;

    default:
        for (i = 0; i < dv->nvisits; i++) {
            if (dv->visits[i].room == room) {
                return which == ZT_SET_ROOM_JOINS ? &dv->visits[i].joins
                                                  : &dv->visits[i].leaves;
            }
        }

        return NULL;
    }
}


/*
 * The journey of a person of two or more devices, vs its views: each
 * device's journey by the rules of one (zt_presence_journey_sets),
 * joined.
 */
int
zt_presence_journey_devices(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, const zt_presence_views_t *vs,
    zt_journey_t *j)
{
    int            rc;
    size_t         d;
    zt_journey_t  *jv;

    jv = calloc(vs->n, sizeof(zt_journey_t));
    rc = jv ? ZT_OK : ZT_ERROR;

    for (d = 0; d < vs->n && rc == ZT_OK; d++) {
        rc = zt_presence_journey_sets(m, vs->v[d], &jv[d]);
    }

    if (rc == ZT_OK) {
        rc = zt_presence_merge_spans(j, jv, vs->n);
    }

    if (rc == ZT_OK) {
        rc = zt_presence_merge_visits(j, jv, vs->n);
    }

    if (rc == ZT_OK) {
        zt_presence_back_to_main(j);
        j->join_time_known = zt_presence_first_is_join(pp);
    }

    for (d = 0; jv && d < vs->n; d++) {
        free(jv[d].spans);
        free(jv[d].visits);
    }

    free(jv);

    return rc;
}


/* the union of the devices' intervals, by start */
static int
zt_presence_merge_spans(zt_journey_t *j, zt_journey_t *jv, size_t n)
{
    size_t              d, i, k;
    zt_journey_span_t  *sp;

    for (d = 0, k = 0; d < n; d++) {
        k += jv[d].nspans;
    }

    sp = malloc((k ? k : 1) * sizeof(zt_journey_span_t));
    if (sp == NULL) {
        return ZT_ERROR;
    }

    for (d = 0, k = 0; d < n; d++) {
        for (i = 0; i < jv[d].nspans; i++) {
            sp[k++] = jv[d].spans[i];
        }
    }

    qsort(sp, k, sizeof(zt_journey_span_t), zt_presence_span_start_cmp);

    /* overlapping intervals are one (touching ones stay two, as with one
     * device a departure and a join in the same ms) */
    j->nspans = 0;

    for (i = 0; i < k; i++) {
        if (j->nspans
            && (sp[i].start < sp[j->nspans - 1].end
                || sp[i].end <= sp[j->nspans - 1].end))
        {
            if (sp[i].end > sp[j->nspans - 1].end) {
                sp[j->nspans - 1].end = sp[i].end;
            }
            continue;
        }

        sp[j->nspans++] = sp[i];
    }

    j->spans = sp;

    return ZT_OK;
}


/*
 * The devices' visits; those of one room that overlap (or start
 * together) are one, ending as the one that ends last.
 */
static int
zt_presence_merge_visits(zt_journey_t *j, zt_journey_t *jv, size_t n)
{
    size_t               d, i, k;
    zt_journey_visit_t  *v, *c;

    for (d = 0, k = 0; d < n; d++) {
        k += jv[d].nvisits;
    }

    v = malloc((k ? k : 1) * sizeof(zt_journey_visit_t));
    if (v == NULL) {
        return ZT_ERROR;
    }

    for (d = 0, k = 0; d < n; d++) {
        for (i = 0; i < jv[d].nvisits; i++) {
            v[k++] = jv[d].visits[i];
        }
    }

    qsort(v, k, sizeof(zt_journey_visit_t), zt_presence_room_cmp);

    j->nvisits = 0;

    for (i = 0; i < k; i++) {
        c = j->nvisits ? &v[j->nvisits - 1] : NULL;

        if (c && strcmp(c->room_uuid, v[i].room_uuid) == 0
            && (v[i].start < c->end || v[i].start == c->start))
        {
            /* sorted: of two ending together the first is kept */
            if (v[i].end > c->end) {
                c->end = v[i].end;
                c->next = v[i].next;
                c->next_room_uuid = v[i].next_room_uuid;
                c->next_room_no = v[i].next_room_no;
            }
            continue;
        }

        v[j->nvisits++] = v[i];
    }

    qsort(v, j->nvisits, sizeof(zt_journey_visit_t), zt_presence_visit_cmp);

    j->visits = v;

    return ZT_OK;
}


/*
 * A device left the meeting from a room, but the person is still in (an
 * interval runs on past the gap after the visit): back to the main room.
 */
static void
zt_presence_back_to_main(zt_journey_t *j)
{
    size_t               i, k;
    zt_journey_visit_t  *v;

    for (i = 0; i < j->nvisits; i++) {
        v = &j->visits[i];

        if (v->next != ZT_NEXT_LEFT) {
            continue;
        }

        for (k = 0; k < j->nspans; k++) {
            if (j->spans[k].start <= v->end
                && j->spans[k].end > v->end + ZT_MOVE_GAP_MS)
            {
                v->next = ZT_NEXT_MAIN;
                break;
            }
        }
    }
}


/*
 * The person's first event is a (main or room) join: of a join and a
 * leave in the same ms the leave counts first, as in the timeline.
 */
static int
zt_presence_first_is_join(const zt_presence_person_t *pp)
{
    size_t   i;
    int64_t  join, leave;

    join = pp->joins.n ? pp->joins.v[0] : ZT_PRESENCE_NONE;
    leave = pp->leaves.n ? pp->leaves.v[0] : ZT_PRESENCE_NONE;

    for (i = 0; i < pp->nvisits; i++) {
        if (pp->visits[i].joins.n && pp->visits[i].joins.v[0] < join) {
            join = pp->visits[i].joins.v[0];
        }

        if (pp->visits[i].leaves.n && pp->visits[i].leaves.v[0] < leave) {
            leave = pp->visits[i].leaves.v[0];
        }
    }

    return join != ZT_PRESENCE_NONE && join < leave;
}


static int
zt_presence_dev_cmp(const void *a, const void *b)
{
    const zt_presence_person_t  *const *x = a, *const *y = b;

    return strcmp((*x)->key, (*y)->key);
}


/* by room, start, then the end and next room, so the order is the data's */
static int
zt_presence_room_cmp(const void *a, const void *b)
{
    int                        rc;
    const zt_journey_visit_t  *x = a, *y = b;

    rc = strcmp(x->room_uuid, y->room_uuid);
    if (rc != 0) {
        return rc;
    }

    if (x->start != y->start) {
        return x->start < y->start ? -1 : 1;
    }

    if (x->end != y->end) {
        return x->end < y->end ? -1 : 1;
    }

    if (x->next != y->next) {
        return x->next - y->next;
    }

    return strcmp(x->next_room_uuid ? x->next_room_uuid : "",
                  y->next_room_uuid ? y->next_room_uuid : "");
}
