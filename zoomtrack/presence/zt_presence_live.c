/*
 * zt_presence_live: the live state of a person (the status CSV's row, and
 * a journey's "now"), derived from the sets alone by the rules of
 * zt_presence_derive.c's header, and the rooms' numbers.
 *
 * The joins and departures swept are those that start and end the
 * report's intervals (zt_presence_steps): a room JOIN brings a person
 * online, in that room, also when their main join was lost.  A person
 * with two devices in (zt_presence_device.c) is swept as one: each
 * device's view gives its own joins and departures, and the person is
 * online while any device is.  A JOIN is the Last Join when it brings
 * the person online, or is a device's main non-move join while no other
 * device is in (a reconnect, as with one device); a departure is the Last Left
 * when it leaves no device in; the room is the room of the latest room
 * JOIN among the devices in whose visit lasts.  With one device this is
 * the sweep of the person's own sets.
 */

#include <stdlib.h>
#include <string.h>

#include "zt_presence_int.h"


/* a view (device) of the person as swept */
typedef struct {
    unsigned char  on;                  /* online at the end of the sweep */
    int64_t        room_ts;             /* its room's join; NONE: none */
    size_t         room;
} zt_presence_dev_now_t;


static int zt_presence_sweep(const zt_presence_meeting_t *m,
    const zt_presence_views_t *vs, zt_presence_dev_now_t *dv,
    zt_presence_row_t *row);
static zt_presence_step_t *zt_presence_sweep_steps(
    const zt_presence_meeting_t *m, const zt_presence_views_t *vs,
    zt_presence_dev_now_t *dv, size_t *np);
static void zt_presence_derive_room(const zt_presence_meeting_t *m,
    size_t ndv, const zt_presence_dev_now_t *dv, zt_presence_row_t *row);
static int zt_presence_step_cmp(const void *a, const void *b);


/*
 * The live state: sweeps the JOINs (main or room) and departures of the
 * person's devices and the meeting's END times (ties: departure, JOIN,
 * END); a JOIN makes the
 * device online, a departure of a device takes it offline, an END takes
 * every device offline; the person is online while a device is.
 */
void
zt_presence_derive(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, zt_presence_row_t *row)
{
    zt_presence_views_t  vs;

    if (zt_presence_views(pp, &vs) != ZT_OK) {
        /* out of memory: shown as offline, never seen */
        zt_presence_derive_views(m, pp, NULL, row);
        return;
    }

    zt_presence_derive_views(m, pp, &vs, row);
    zt_presence_views_free(&vs);
}


/* zt_presence_derive() from the views of pp made already; vs NULL: none */
void
zt_presence_derive_views(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, const zt_presence_views_t *vs,
    zt_presence_row_t *row)
{
    zt_presence_dev_now_t  *dv;

    memset(row, 0, sizeof(zt_presence_row_t));
    row->meeting_id = m->id;
    row->meeting_uuid = m->uuid;
    row->key = pp->key;
    row->name = pp->name.last ? pp->name.last : "";
    row->email = pp->email.last ? pp->email.last : "";

    if (vs == NULL) {
        return;
    }

    dv = calloc(vs->n ? vs->n : 1, sizeof(zt_presence_dev_now_t));

    if (dv != NULL && zt_presence_sweep(m, vs, dv, row) == ZT_OK
        && row->online)
    {
        zt_presence_derive_room(m, vs->n, dv, row);
    }

    free(dv);
}


/* the sweep; dv[d].on is left set for the devices online at the end */
static int
zt_presence_sweep(const zt_presence_meeting_t *m,
    const zt_presence_views_t *vs, zt_presence_dev_now_t *dv,
    zt_presence_row_t *row)
{
    size_t               i, d, n, in;
    zt_presence_step_t  *s;

    s = zt_presence_sweep_steps(m, vs, dv, &n);
    if (s == NULL) {
        return ZT_ERROR;
    }

    in = 0;         /* devices online */

    for (i = 0; i < n; i++) {
        d = s[i].dev;

        switch (s[i].kind) {

        case ZT_STEP_JOIN:
            /* not a move join while online, nor another device's join */
            if (!(dv[d].on && s[i].move) && in == dv[d].on) {
                row->last_join = s[i].ts;
            }
            in += !dv[d].on;
            dv[d].on = 1;
            break;

        case ZT_STEP_DEPART:
            in -= dv[d].on;
            dv[d].on = 0;
            if (in == 0) {
                row->last_left = s[i].ts;
            }
            break;

        default:    /* ZT_STEP_END */
            if (in) {
                row->last_left = s[i].ts;
                for (d = 0; d < vs->n; d++) {
                    dv[d].on = 0;
                }
                in = 0;
            }
            break;
        }
    }

    free(s);

    row->online = in > 0;

    return ZT_OK;
}


/*
 * The steps of every view (zt_presence_steps: the report's starts and
 * departures) and the meeting's ends (its cut too), in time order (ties:
 * departure, join, end), and each view's room in dv[]; NULL when out of
 * memory.
 */
static zt_presence_step_t *
zt_presence_sweep_steps(const zt_presence_meeting_t *m,
    const zt_presence_views_t *vs, zt_presence_dev_now_t *dv, size_t *np)
{
    size_t               d, n;
    zt_presence_step_t  *s;

    s = malloc((m->ends.n + 1) * sizeof(zt_presence_step_t));
    if (s == NULL) {
        return NULL;
    }

    for (n = 0; n < m->ends.n; n++) {
        s[n].ts = m->ends.v[n];
    }

    /* a later instance of the id ended it (zt_presence_instance.c) */
    if (m->cut != ZT_PRESENCE_NONE) {
        s[n++].ts = m->cut;
    }

    for (d = 0; d < n; d++) {
        s[d].kind = ZT_STEP_END;
        s[d].move = 0;
        s[d].dev = 0;
    }

    for (d = 0; d < vs->n; d++) {
        if (zt_presence_steps(m, vs->v[d], d, &s, &n, &dv[d].room_ts,
                              &dv[d].room)
            != ZT_OK)
        {
            free(s);
            return NULL;
        }
    }

    qsort(s, n, sizeof(zt_presence_step_t), zt_presence_step_cmp);

    *np = n;
    return s;
}


/*
 * The room of the latest room JOIN of the devices online, unless its
 * visit has ended (zt_presence_steps); of two in one ms, the smaller
 * uuid.
 */
static void
zt_presence_derive_room(const zt_presence_meeting_t *m, size_t ndv,
    const zt_presence_dev_now_t *dv, zt_presence_row_t *row)
{
    size_t   d, room, best;
    int64_t  ts, best_ts;

    best_ts = ZT_PRESENCE_NONE;
    best = 0;

    for (d = 0; d < ndv; d++) {
        if (!dv[d].on || dv[d].room_ts == ZT_PRESENCE_NONE) {
            continue;
        }

        ts = dv[d].room_ts;
        room = dv[d].room;

        if (best_ts == ZT_PRESENCE_NONE
            || zt_presence_room_later(ts, m->rooms[room].uuid, best_ts,
                                      m->rooms[best].uuid))
        {
            best_ts = ts;
            best = room;
        }
    }

    if (best_ts != ZT_PRESENCE_NONE) {
        row->room_uuid = m->rooms[best].uuid;
        row->room_no = zt_presence_room_no(m, best);
    }
}


int
zt_presence_room_later(int64_t ts, const char *room, int64_t best_ts,
    const char *best_room)
{
    return ts > best_ts || (ts == best_ts && strcmp(room, best_room) < 0);
}


/* rooms are numbered by first JOIN, then first event, then uuid */
unsigned
zt_presence_room_no(const zt_presence_meeting_t *m, size_t idx)
{
    size_t           i;
    unsigned         no;
    zt_room_first_t  a, b;

    b.uuid = m->rooms[idx].uuid;
    b.first_join = m->rooms[idx].first_join;
    b.first_seen = m->rooms[idx].first_seen;
    no = 1;

    for (i = 0; i < m->nrooms; i++) {
        a.uuid = m->rooms[i].uuid;
        a.first_join = m->rooms[i].first_join;
        a.first_seen = m->rooms[i].first_seen;

        if (zt_presence_room_before(&a, &b)) {
            no++;
        }
    }

    return no;
}


int
zt_presence_room_before(const zt_room_first_t *a, const zt_room_first_t *b)
{
    if (a->first_join != b->first_join) {
        return a->first_join < b->first_join;
    }

    if (a->first_seen != b->first_seen) {
        return a->first_seen < b->first_seen;
    }

    return strcmp(a->uuid, b->uuid) < 0;
}


static int
zt_presence_step_cmp(const void *a, const void *b)
{
    const zt_presence_step_t  *x = a, *y = b;

    if (x->ts != y->ts) {
        return x->ts < y->ts ? -1 : 1;
    }

    /* departure, join, end (ZT_STEP_*) */
    if (x->kind != y->kind) {
        return x->kind - y->kind;
    }

    /* the views are in uuid order (zt_presence_views) */
    return x->dev < y->dev ? -1 : x->dev > y->dev;
}
