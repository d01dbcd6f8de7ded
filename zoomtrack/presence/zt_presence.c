/*
 * zt_presence: folds events into sets of event times per meeting and
 * person (zt_presence_int.h), and keeps the meetings' bookkeeping: first
 * and last event, id, dirty flags, pruning.  A set insertion is
 * commutative and idempotent, and every derivation (zt_presence_derive.c)
 * reads only the sets, so duplicates and out-of-order arrival give
 * exactly the state of an in-order, once-only delivery.
 *
 * Meetings, people and rooms are found through hash maps (zt_pmap_t):
 * the report folds thousands of people per meeting.
 */

#include <stdlib.h>
#include <string.h>

#include "zt_event.h"
#include "zt_presence_int.h"


static zt_presence_kind_e zt_presence_kind(const char *type);
static const char *zt_presence_jstr(const json_t *o, const char *key);
static int64_t zt_presence_jint(const json_t *o, const char *key);
static int zt_presence_fold_person(zt_presence_meeting_t *m,
    const zt_presence_event_t *ev, zt_presence_kind_e kind);
static void zt_presence_meeting_free(zt_presence_meeting_t *m);
static void zt_presence_person_free(zt_presence_person_t *pp);
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
    free(p);
}


static void
zt_presence_person_free(zt_presence_person_t *pp)
{
    size_t  k;

    for (k = 0; k < pp->nvisits; k++) {
        free(pp->visits[k].joins.v);
        free(pp->visits[k].leaves.v);
    }

    free(pp->visits);
    free(pp->joins.v);
    free(pp->leaves.v);
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


int
zt_presence_fold(zt_presence_t *p, const json_t *rec)
{
    zt_presence_event_t  ev;

    ev.event_type = zt_presence_jstr(rec, "event_type");
    ev.meeting_uuid = zt_presence_jstr(rec, "meeting_uuid");
    ev.meeting_id = zt_presence_jstr(rec, "meeting_id");
    ev.person_key = NULL;
    ev.participant_id = zt_presence_jstr(rec, "participant_id");
    ev.registrant_id = zt_presence_jstr(rec, "registrant_id");
    ev.participant_name = zt_presence_jstr(rec, "participant_name");
    ev.participant_email = zt_presence_jstr(rec, "participant_email");
    ev.breakout_room_uuid = zt_presence_jstr(rec, "breakout_room_uuid");
    ev.event_ts = zt_presence_jint(rec, "event_ts");

    return zt_presence_fold_event(p, &ev);
}


int
zt_presence_fold_event(zt_presence_t *p, const zt_presence_event_t *ev)
{
    int                     rc, changed;
    zt_presence_kind_e      kind;
    zt_presence_meeting_t  *m;

    kind = zt_presence_kind(ev->event_type);
    if (kind == ZT_PR_IGNORE || ev->event_ts <= 0
        || ev->meeting_uuid[0] == '\0')
    {
        return 0;
    }

    m = zt_presence_meeting(p, ev->meeting_uuid);
    if (m == NULL) {
        return ZT_ERROR;
    }

    changed = zt_presence_set_id(m, ev->meeting_id);
    if (changed == ZT_ERROR) {
        return ZT_ERROR;
    }

    changed |= zt_presence_seen(m, ev->event_ts, ev->event_ts);

    if (kind == ZT_PR_END) {
        rc = zt_ts_add(&m->ends, ev->event_ts);

    } else {
        rc = zt_presence_fold_person(m, ev, kind);
    }

    if (rc == ZT_ERROR) {
        return ZT_ERROR;
    }

    changed |= rc;
    m->dirty |= changed;

    return changed;
}


static int
zt_presence_fold_person(zt_presence_meeting_t *m,
    const zt_presence_event_t *ev, zt_presence_kind_e kind)
{
    int                    rc, changed, which;
    char                   buf[ZT_PRESENCE_KEY_LEN];
    size_t                 ri;
    int64_t                ts;
    const char            *key, *room;
    zt_presence_rset_t    *v;
    zt_presence_person_t  *pp;

    key = ev->person_key;

    if (key == NULL) {
        if (ev->participant_id[0] == '\0' && ev->registrant_id[0] == '\0'
            && ev->participant_email[0] == '\0'
            && ev->participant_name[0] == '\0')
        {
            return 0;       /* nobody to attribute the event to */
        }

        zt_person_key(ev->participant_id, ev->registrant_id,
                      ev->participant_email, ev->participant_name, buf,
                      sizeof(buf));
        key = buf;
    }

    if (key[0] == '\0') {
        return 0;
    }

    room = ev->breakout_room_uuid;
    if ((kind == ZT_PR_ROOM_JOIN || kind == ZT_PR_ROOM_LEAVE)
        && room[0] == '\0')
    {
        kind = ZT_PR_OTHER;     /* a room event without a room */
    }

    pp = zt_presence_person(m, key);
    if (pp == NULL) {
        return ZT_ERROR;
    }

    ts = ev->event_ts;

    /* other events name people for the report, not for the live status */
    which = kind == ZT_PR_OTHER ? ZT_PRESENCE_FIRST
                                : ZT_PRESENCE_FIRST | ZT_PRESENCE_LAST;

    changed = zt_presence_set_str(&pp->name, ev->participant_name, ts,
                                  which);
    rc = zt_presence_set_str(&pp->email, ev->participant_email, ts, which);
    if (changed == ZT_ERROR || rc == ZT_ERROR) {
        return ZT_ERROR;
    }
    changed |= rc;

    switch (kind) {

    case ZT_PR_JOIN:
        rc = zt_ts_add(&pp->joins, ts);
        break;

    case ZT_PR_LEAVE:
        rc = zt_ts_add(&pp->leaves, ts);
        break;

    case ZT_PR_ROOM_JOIN:
    case ZT_PR_ROOM_LEAVE:
        if (zt_presence_room(m, room, &ri) != ZT_OK) {
            return ZT_ERROR;
        }

        changed |= zt_presence_room_min(&m->rooms[ri],
                                        kind == ZT_PR_ROOM_JOIN
                                        ? ts : ZT_PRESENCE_NONE, ts);

        v = zt_presence_rset(pp, ri);
        if (v == NULL) {
            return ZT_ERROR;
        }

        rc = zt_ts_add(kind == ZT_PR_ROOM_JOIN ? &v->joins : &v->leaves, ts);
        break;

    default:
        rc = 0;
        break;
    }

    return rc == ZT_ERROR ? ZT_ERROR : (rc | changed);
}


static zt_presence_kind_e
zt_presence_kind(const char *type)
{
    size_t  i;

    static const struct {
        const char          *type;
        zt_presence_kind_e   kind;
    } kinds[] = {
        { "meeting.participant_joined", ZT_PR_JOIN },
        { "meeting.participant_left", ZT_PR_LEAVE },
        { "webinar.participant_joined", ZT_PR_JOIN },
        { "webinar.participant_left", ZT_PR_LEAVE },
        { "meeting.participant_joined_breakout_room", ZT_PR_ROOM_JOIN },
        { "meeting.participant_left_breakout_room", ZT_PR_ROOM_LEAVE },
        { "meeting.ended", ZT_PR_END },
        { "webinar.ended", ZT_PR_END },
    };

    if (type[0] == '\0') {
        return ZT_PR_IGNORE;
    }

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(type, kinds[i].type) == 0) {
            return kinds[i].kind;
        }
    }

    /* counts for the meeting's first/last event and names, as in SQL */
    return ZT_PR_OTHER;
}


/* a string member, "" when absent or not a string */
static const char *
zt_presence_jstr(const json_t *o, const char *key)
{
    const char  *s;

    s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}


static int64_t
zt_presence_jint(const json_t *o, const char *key)
{
    json_t  *v;

    v = json_object_get(o, key);

    if (json_is_integer(v)) {
        return json_integer_value(v);
    }

    if (json_is_real(v)) {
        return (int64_t) json_real_value(v);
    }

    return 0;
}


/* returns 1 if ts was added, 0 if already present, ZT_ERROR */
int
zt_ts_add(zt_ts_set_t *s, int64_t ts)
{
    size_t    i, cap;
    int64_t  *v;

    i = zt_ts_lower(s, ts);
    if (i < s->n && s->v[i] == ts) {
        return 0;
    }

    if (s->n == ZT_PRESENCE_MAX_TS) {
        if (i == 0) {
            return 0;          /* older than everything kept */
        }
        memmove(s->v, s->v + 1, (i - 1) * sizeof(int64_t));
        s->v[i - 1] = ts;
        return 1;
    }

    if (s->n == s->cap) {
        cap = s->cap ? s->cap * 2 : 4;
        v = realloc(s->v, cap * sizeof(int64_t));
        if (v == NULL) {
            return ZT_ERROR;
        }
        s->v = v;
        s->cap = cap;
    }

    memmove(s->v + i + 1, s->v + i, (s->n - i) * sizeof(int64_t));
    s->v[i] = ts;
    s->n++;

    return 1;
}


/* index of the first element >= ts */
size_t
zt_ts_lower(const zt_ts_set_t *s, int64_t ts)
{
    size_t  lo, hi, mid;

    lo = 0;
    hi = s->n;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (s->v[mid] < ts) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    return lo;
}


/* the largest element, or INT64_MIN */
int64_t
zt_ts_last(const zt_ts_set_t *s)
{
    return s->n ? s->v[s->n - 1] : INT64_MIN;
}


int
zt_ts_has_between(const zt_ts_set_t *s, int64_t lo, int64_t hi)
{
    size_t  i;

    i = zt_ts_lower(s, lo);
    return i < s->n && s->v[i] <= hi;
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

    if ((which & ZT_PRESENCE_LAST)
        && (ts > s->last_ts
            || (ts == s->last_ts && strcmp(val, s->last) > 0)))
    {
        rc = zt_presence_replace(&s->last, val);
        if (rc == ZT_ERROR) {
            return ZT_ERROR;
        }
        changed |= rc | (ts != s->last_ts);
        s->last_ts = ts;
    }

    if ((which & ZT_PRESENCE_FIRST)
        && (ts < s->first_ts
            || (ts == s->first_ts && strcmp(val, s->first) < 0)))
    {
        rc = zt_presence_replace(&s->first, val);
        if (rc == ZT_ERROR) {
            return ZT_ERROR;
        }
        changed |= rc | (ts != s->first_ts);
        s->first_ts = ts;
    }

    return changed;
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

    info->uuid = m->uuid;
    info->id = m->id;
    info->first_ts = m->first_ts == ZT_PRESENCE_NONE ? 0 : m->first_ts;
    info->last_ts = m->last_ts == INT64_MIN ? 0 : m->last_ts;
    info->ended = m->ends.n ? m->ends.v[0] : 0;
    info->dirty = m->dirty;
}


size_t
zt_presence_prune(zt_presence_t *p, int64_t ended_before_ms)
{
    size_t                  i, n, dropped;
    zt_presence_meeting_t  *m;

    n = 0;
    dropped = 0;

    for (i = 0; i < p->n; i++) {
        m = p->meetings[i];

        if (m->ends.n && m->last_ts < ended_before_ms) {
            zt_presence_meeting_free(m);
            dropped++;
            continue;
        }

        p->meetings[n++] = m;
    }

    p->n = n;

    if (dropped) {
        /* rebuild the index: positions moved */
        memset(p->map.slot, 0, p->map.cap * sizeof(uint32_t));

        for (i = 0; i < n; i++) {
            (void) zt_pmap_put(&p->map, p->meetings[i]->uuid, i, i + 1,
                               zt_pmap_meeting, p->meetings);
        }
    }

    return dropped;
}


size_t
zt_presence_forget(zt_presence_t *p, const char *key)
{
    size_t                  i, j, n, dropped;
    zt_presence_meeting_t  *m;

    dropped = 0;

    for (i = 0; i < p->n; i++) {
        m = p->meetings[i];

        for (j = 0, n = 0; j < m->npeople; j++) {
            if (strcmp(m->people[j]->key, key) == 0) {
                zt_presence_person_free(m->people[j]);
                dropped++;
                m->dirty = 1;
                continue;
            }
            m->people[n++] = m->people[j];
        }

        if (n == m->npeople) {
            continue;
        }

        m->npeople = n;

        /* rebuild the index: positions moved */
        memset(m->people_map.slot, 0, m->people_map.cap * sizeof(uint32_t));

        for (j = 0; j < n; j++) {
            (void) zt_pmap_put(&m->people_map, m->people[j]->key, j, j + 1,
                               zt_pmap_person, m->people);
        }
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
