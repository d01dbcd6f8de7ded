/*
 * zt_presence_state: the presence engine's state and its bookkeeping:
 * meetings, people, rooms and room visits found or added through hash
 * maps (zt_pmap_t: the report folds thousands of people per meeting), the
 * order-independent setters (names, emails, ids, first and last times),
 * the meetings' info, pruning, forgetting a person and the dirty flags.
 *
 * Who frees what: the zt_presence_t owns everything in it; the strings
 * and sets (a person's devices' too) are freed with their person or
 * meeting (zt_presence_prune,
 * zt_presence_forget) or all at once by zt_presence_free().
 */

#include <stdlib.h>
#include <string.h>

#include "zt_presence_int.h"
#include "zt_time.h"


static void zt_presence_meeting_free(zt_presence_meeting_t *m);
static int64_t zt_presence_ended(const zt_presence_meeting_t *m);
static const char *zt_pmap_meeting(const void *base, size_t i);
static const char *zt_pmap_person(const void *base, size_t i);
static const char *zt_pmap_room(const void *base, size_t i);


zt_presence_t *
zt_presence_create(void)
{
    return calloc(1, sizeof(zt_presence_t));
}


void
zt_presence_free(zt_presence_t *p)
{
    size_t  i;

    if (p == NULL) {
        return;
    }

    for (i = 0; i < p->n; i++) {
        zt_presence_meeting_free(p->meetings[i]);
    }

    free(p->meetings);
    free(p->map.slot);
    zt_presence_gone_free(p);
    free(p);
}


void
zt_presence_person_sets_free(zt_presence_person_t *pp)
{
    size_t  k;

    for (k = 0; k < pp->nvisits; k++) {
        free(pp->visits[k].joins.v);
        free(pp->visits[k].leaves.v);
    }

    for (k = 0; k < pp->ndevices; k++) {
        zt_presence_person_free(pp->devices[k]);
    }

    free(pp->devices);
    free(pp->visits);
    free(pp->joins.v);
    free(pp->leaves.v);
}


void
zt_presence_person_free(zt_presence_person_t *pp)
{
    zt_presence_person_sets_free(pp);
    free(pp->key);
    free(pp->name.last);
    free(pp->name.first);
    free(pp->email.last);
    free(pp->email.first);
    free(pp);
}


static void
zt_presence_meeting_free(zt_presence_meeting_t *m)
{
    size_t  j;

    for (j = 0; j < m->npeople; j++) {
        zt_presence_person_free(m->people[j]);
    }

    for (j = 0; j < m->nrooms; j++) {
        free(m->rooms[j].uuid);
    }

    free(m->rooms);
    free(m->room_map.slot);
    free(m->people);
    free(m->people_map.slot);
    free(m->ends.v);
    free(m->uuid);
    free(m->id);
    free(m);
}


zt_presence_meeting_t *
zt_presence_meeting(zt_presence_t *p, const char *uuid)
{
    size_t                   i;
    zt_presence_meeting_t   *m, **a;

    i = zt_pmap_find(&p->map, uuid, zt_pmap_meeting, p->meetings);
    if (i != (size_t) -1) {
        return p->meetings[i];
    }

    a = realloc(p->meetings, (p->n + 1) * sizeof(zt_presence_meeting_t *));
    if (a == NULL) {
        return NULL;
    }
    p->meetings = a;

    m = calloc(1, sizeof(zt_presence_meeting_t));
    if (m == NULL) {
        return NULL;
    }

    m->uuid = strdup(uuid);
    m->id = strdup("");
    m->first_ts = ZT_PRESENCE_NONE;
    m->last_ts = INT64_MIN;
    m->cut = ZT_PRESENCE_NONE;
    m->seen_ms = zt_time_now_ms();
    m->dirty = 1;

    if (m->uuid == NULL || m->id == NULL
        || zt_pmap_put(&p->map, uuid, p->n, p->n + 1, zt_pmap_meeting,
                       p->meetings) != ZT_OK)
    {
        free(m->uuid);
        free(m->id);
        free(m);
        return NULL;
    }

    p->meetings[p->n++] = m;
    return m;
}


zt_presence_person_t *
zt_presence_person(zt_presence_meeting_t *m, const char *key)
{
    size_t                  i;
    zt_presence_person_t   *pp, **a;

    i = zt_pmap_find(&m->people_map, key, zt_pmap_person, m->people);
    if (i != (size_t) -1) {
        return m->people[i];
    }

    a = realloc(m->people, (m->npeople + 1) * sizeof(zt_presence_person_t *));
    if (a == NULL) {
        return NULL;
    }
    m->people = a;

    pp = calloc(1, sizeof(zt_presence_person_t));
    if (pp == NULL) {
        return NULL;
    }

    pp->key = strdup(key);
    pp->name.last_ts = INT64_MIN;
    pp->name.first_ts = INT64_MAX;
    pp->email.last_ts = INT64_MIN;
    pp->email.first_ts = INT64_MAX;

    if (pp->key == NULL
        || zt_pmap_put(&m->people_map, key, m->npeople, m->npeople + 1,
                       zt_pmap_person, m->people) != ZT_OK)
    {
        free(pp->key);
        free(pp);
        return NULL;
    }

    m->people[m->npeople++] = pp;
    return pp;
}


int
zt_presence_room(zt_presence_meeting_t *m, const char *uuid, size_t *idx)
{
    size_t               i;
    zt_presence_room_t  *a;

    i = zt_pmap_find(&m->room_map, uuid, zt_pmap_room, m->rooms);
    if (i != (size_t) -1) {
        *idx = i;
        return ZT_OK;
    }

    a = realloc(m->rooms, (m->nrooms + 1) * sizeof(zt_presence_room_t));
    if (a == NULL) {
        return ZT_ERROR;
    }
    m->rooms = a;

    a[m->nrooms].uuid = strdup(uuid);
    if (a[m->nrooms].uuid == NULL) {
        return ZT_ERROR;
    }

    a[m->nrooms].first_join = ZT_PRESENCE_NONE;
    a[m->nrooms].first_seen = ZT_PRESENCE_NONE;

    if (zt_pmap_put(&m->room_map, uuid, m->nrooms, m->nrooms + 1,
                    zt_pmap_room, m->rooms) != ZT_OK)
    {
        free(a[m->nrooms].uuid);
        return ZT_ERROR;
    }

    *idx = m->nrooms++;
    return ZT_OK;
}


zt_presence_rset_t *
zt_presence_rset(zt_presence_person_t *pp, size_t room)
{
    size_t               i;
    zt_presence_rset_t  *a;

    /* a person enters a handful of rooms: a linear search is enough */
    for (i = 0; i < pp->nvisits; i++) {
        if (pp->visits[i].room == room) {
            return &pp->visits[i];
        }
    }

    a = realloc(pp->visits, (pp->nvisits + 1) * sizeof(zt_presence_rset_t));
    if (a == NULL) {
        return NULL;
    }
    pp->visits = a;

    memset(&a[pp->nvisits], 0, sizeof(zt_presence_rset_t));
    a[pp->nvisits].room = room;

    return &a[pp->nvisits++];
}


/* the device of the person with this participant_uuid, added if new */
zt_presence_person_t *
zt_presence_device(zt_presence_person_t *pp, const char *id)
{
    size_t                  i;
    zt_presence_person_t   *d, **a;

    /* one person has a device or two: a linear search is enough */
    for (i = 0; i < pp->ndevices; i++) {
        if (strcmp(pp->devices[i]->key, id) == 0) {
            return pp->devices[i];
        }
    }

    a = realloc(pp->devices,
                (pp->ndevices + 1) * sizeof(zt_presence_person_t *));
    if (a == NULL) {
        return NULL;
    }
    pp->devices = a;

    d = calloc(1, sizeof(zt_presence_person_t));
    if (d == NULL) {
        return NULL;
    }

    d->key = strdup(id);
    if (d->key == NULL) {
        free(d);
        return NULL;
    }

    pp->devices[pp->ndevices++] = d;
    return d;
}


static int
zt_presence_replace(char **dst, const char *val)
{
    char  *s;

    if (*dst && strcmp(*dst, val) == 0) {
        return 0;
    }

    s = strdup(val);
    if (s == NULL) {
        return ZT_ERROR;
    }

    free(*dst);
    *dst = s;

    return 1;
}


/*
 * Keeps the value of the latest and of the first event; ties by the
 * greater (latest) or smaller (first) string, so the outcome does not
 * depend on order; "" never replaces a value.
 */
int
zt_presence_set_str(zt_presence_str_t *s, const char *val, int64_t ts,
    int which)
{
    int  rc, changed;

    if (val[0] == '\0') {
        return 0;
    }

    changed = 0;

    if ((which & ZT_PRESENCE_LAST) && zt_presence_str_after(s, val, ts)) {
        rc = zt_presence_replace(&s->last, val);
        if (rc == ZT_ERROR) {
            return ZT_ERROR;
        }
        changed |= rc | (ts != s->last_ts);
        s->last_ts = ts;
    }

    if ((which & ZT_PRESENCE_FIRST) && zt_presence_str_before(s, val, ts)) {
        rc = zt_presence_replace(&s->first, val);
        if (rc == ZT_ERROR) {
            return ZT_ERROR;
        }
        changed |= rc | (ts != s->first_ts);
        s->first_ts = ts;
    }

    return changed;
}


/* val at ts comes before the first value of s (ties: the smaller) */
int
zt_presence_str_before(const zt_presence_str_t *s, const char *val,
    int64_t ts)
{
    return ts < s->first_ts
           || (ts == s->first_ts && strcmp(val, s->first) < 0);
}


/* val at ts comes after the last value of s (ties: the greater) */
int
zt_presence_str_after(const zt_presence_str_t *s, const char *val,
    int64_t ts)
{
    return ts > s->last_ts
           || (ts == s->last_ts && strcmp(val, s->last) > 0);
}


/* the greatest id seen: one value per instance, kept order-independent */
int
zt_presence_set_id(zt_presence_meeting_t *m, const char *id)
{
    if (id == NULL || id[0] == '\0' || strcmp(id, m->id) <= 0) {
        return 0;
    }

    return zt_presence_replace(&m->id, id);
}


int
zt_presence_room_min(zt_presence_room_t *r, int64_t first_join,
    int64_t first_seen)
{
    int  changed;

    changed = 0;

    if (first_join < r->first_join) {
        r->first_join = first_join;
        changed = 1;
    }

    if (first_seen < r->first_seen) {
        r->first_seen = first_seen;
        changed = 1;
    }

    return changed;
}


int
zt_presence_seen(zt_presence_meeting_t *m, int64_t first, int64_t last)
{
    int  changed;

    changed = 0;

    if (first < m->first_ts) {
        m->first_ts = first;
        changed = 1;
    }

    if (last > m->last_ts && last != ZT_PRESENCE_NONE) {
        m->last_ts = last;
        changed = 1;
    }

    return changed;
}


/*
 * When the meeting ended, 0 while it runs: its first end (or its cut, a
 * later instance's start) at or after the last join of anyone (main
 * meeting or room).  Zoom sends meeting.ended each time a lone host
 * leaves, and the same instance can be joined again (zoom-api.md §5): a
 * join after every end runs it again.  m->cut must be set.
 */
static int64_t
zt_presence_ended(const zt_presence_meeting_t *m)
{
    int64_t  e;

    e = zt_presence_next_end(m, zt_presence_last_join(m));

    return e == ZT_PRESENCE_NONE ? 0 : e;
}


size_t
zt_presence_nmeetings(const zt_presence_t *p)
{
    return p->n;
}


void
zt_presence_meeting_info(const zt_presence_t *p, size_t i,
    zt_presence_meeting_info_t *info)
{
    const zt_presence_meeting_t  *m;

    m = p->meetings[i];
    p->meetings[i]->cut = zt_presence_cut(p, m);

    info->uuid = m->uuid;
    info->id = m->id;
    info->first_ts = m->first_ts == ZT_PRESENCE_NONE ? 0 : m->first_ts;
    info->last_ts = m->last_ts == INT64_MIN ? 0 : m->last_ts;
    info->ended = zt_presence_ended(m);
    info->dirty = m->dirty;
}


size_t
zt_presence_prune(zt_presence_t *p, int64_t ended_before_ms,
    int64_t silent_before_ms)
{
    size_t                  i, n, dropped;
    zt_presence_meeting_t  *m;

    n = 0;
    dropped = 0;

    /* all cuts before any meeting goes: a dropped later instance still
     * ends an earlier one in this pass */
    zt_presence_cuts(p);

    for (i = 0; i < p->n; i++) {
        m = p->meetings[i];

        if (m->last_ts < ended_before_ms
            && (zt_presence_ended(m) != 0 || m->seen_ms < silent_before_ms))
        {
            /* out of memory: a late event of it can make it again, as
             * when nothing was kept */
            (void) zt_presence_gone_add(p, m->uuid, m->last_ts);
            zt_presence_meeting_free(m);
            dropped++;
            continue;
        }

        p->meetings[n++] = m;
    }

    p->n = n;

    zt_presence_gone_expire(p, ended_before_ms - ZT_PRESENCE_GONE_MS);

    if (dropped) {
        /* positions moved */
        zt_pmap_rebuild(&p->map, n, zt_pmap_meeting, p->meetings);
    }

    return dropped;
}


/*
 * Drops the person with this key, and with it any weaker key of the
 * meeting that shares one of its participant_uuids: those events are the
 * person's (zt_presence_link.c), and would show them again once the
 * stronger key is gone.  The weaker key goes whole, its other events too
 * (a name shared by two guests): forgetting errs on the side of the
 * person forgotten.
 */
size_t
zt_presence_forget(zt_presence_t *p, const char *key)
{
    size_t                       i, j, n, dropped;
    zt_presence_meeting_t       *m;
    const zt_presence_person_t  *gone;

    dropped = 0;

    for (i = 0; i < p->n; i++) {
        m = p->meetings[i];

        j = zt_pmap_find(&m->people_map, key, zt_pmap_person, m->people);
        gone = j == (size_t) -1 ? NULL : m->people[j];

        for (j = 0, n = 0; j < m->npeople; j++) {
            if (gone
                && (m->people[j] == gone
                    || zt_presence_linked(m->people[j], gone)))
            {
                if (m->people[j] != gone) {
                    zt_presence_person_free(m->people[j]);
                }
                dropped++;
                m->dirty = 1;
                continue;
            }
            m->people[n++] = m->people[j];
        }

        if (n == m->npeople) {
            continue;
        }

        /* last: the others were matched against its devices */
        zt_presence_person_free((zt_presence_person_t *) gone);

        m->npeople = n;

        /* positions moved */
        zt_pmap_rebuild(&m->people_map, n, zt_pmap_person, m->people);
    }

    return dropped;
}


void
zt_presence_clean(zt_presence_t *p)
{
    size_t  i;

    for (i = 0; i < p->n; i++) {
        p->meetings[i]->dirty = 0;
    }
}


static const char *
zt_pmap_meeting(const void *base, size_t i)
{
    return ((zt_presence_meeting_t *const *) base)[i]->uuid;
}


static const char *
zt_pmap_person(const void *base, size_t i)
{
    return ((zt_presence_person_t *const *) base)[i]->key;
}


static const char *
zt_pmap_room(const void *base, size_t i)
{
    return ((const zt_presence_room_t *) base)[i].uuid;
}
