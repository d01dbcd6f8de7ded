/*
 * zt_presence: folds queue records into sets of event times per meeting
 * and person, and derives the live status from them (the rules are listed
 * in zt_presence.h).  A set insertion is commutative and idempotent, and
 * the derivation reads only the sets, so duplicates and out-of-order
 * arrival give exactly the state of an in-order, once-only delivery.
 *
 * Meetings and people are kept in plain arrays searched linearly: a status
 * file lists at most a few hundred people per meeting.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "zt_csv.h"
#include "zt_event.h"
#include "zt_time.h"
#include "zt_presence.h"


#define ZT_PRESENCE_KEY_LEN  512
#define ZT_PRESENCE_NONE     INT64_MAX


typedef enum {
    ZT_PR_IGNORE = 0,
    ZT_PR_JOIN,
    ZT_PR_LEAVE,
    ZT_PR_ROOM_JOIN,
    ZT_PR_ROOM_LEAVE,
    ZT_PR_END
} zt_presence_kind_e;


typedef struct {
    int64_t  *v;                        /* sorted, unique */
    size_t    n;
    size_t    cap;
} zt_ts_set_t;


typedef struct {
    size_t       room;                  /* index into the meeting's rooms */
    zt_ts_set_t  joins;
    zt_ts_set_t  leaves;
} zt_presence_visit_t;


typedef struct {
    char                 *key;
    char                 *name;
    int64_t               name_ts;
    char                 *email;
    int64_t               email_ts;
    zt_ts_set_t           joins;        /* main meeting */
    zt_ts_set_t           leaves;
    zt_presence_visit_t  *visits;       /* one per room entered */
    size_t                nvisits;
} zt_presence_person_t;


typedef struct {
    char     *uuid;
    int64_t   first_join;               /* ZT_PRESENCE_NONE: no join seen */
    int64_t   first_seen;
} zt_presence_room_t;


typedef struct {
    char                   *uuid;
    char                   *id;
    zt_ts_set_t             ends;
    zt_presence_room_t     *rooms;
    size_t                  nrooms;
    zt_presence_person_t  **people;
    size_t                  npeople;
} zt_presence_meeting_t;


struct zt_presence_s {
    zt_presence_meeting_t  **meetings;
    size_t                   n;
};


typedef struct {
    int64_t  ts;
    int      kind;                      /* 0 leave, 1 join, 2 end */
    int      move;
} zt_presence_step_t;


static zt_presence_kind_e zt_presence_kind(const char *type);
static const char *zt_presence_str(const json_t *o, const char *key);
static int64_t zt_presence_int(const json_t *o, const char *key);
static int zt_ts_add(zt_ts_set_t *s, int64_t ts);
static size_t zt_ts_lower(const zt_ts_set_t *s, int64_t ts);
static int64_t zt_ts_last(const zt_ts_set_t *s);
static int zt_ts_has_between(const zt_ts_set_t *s, int64_t lo, int64_t hi);
static zt_presence_meeting_t *zt_presence_meeting(zt_presence_t *p,
    const char *uuid);
static zt_presence_person_t *zt_presence_person(zt_presence_meeting_t *m,
    const char *key);
static int zt_presence_room(zt_presence_meeting_t *m, const char *uuid,
    size_t *idx);
static zt_presence_visit_t *zt_presence_visit(zt_presence_person_t *pp,
    size_t room);
static int zt_presence_set_str(char **dst, int64_t *dst_ts,
    const char *val, int64_t ts);
static int zt_presence_room_min(zt_presence_room_t *r, int64_t first_join,
    int64_t first_seen);
static void zt_presence_derive(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, zt_presence_row_t *row);
static void zt_presence_derive_room(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, zt_presence_row_t *row);
static unsigned zt_presence_room_no(const zt_presence_meeting_t *m,
    size_t idx);
static int zt_presence_step_cmp(const void *a, const void *b);
static int zt_presence_row_cmp(const void *a, const void *b);
static int zt_presence_allowed(const zt_presence_row_t *row,
    const char *allowlist);
static void zt_presence_safe_name(const char *name, char *out,
    size_t outlen);
static json_t *zt_ts_to_json(const zt_ts_set_t *s);
static int zt_ts_from_json(zt_ts_set_t *s, const json_t *a);
static json_t *zt_presence_meeting_to_json(const zt_presence_meeting_t *m);
static int zt_presence_meeting_from_json(zt_presence_t *p, const json_t *jm);
static int zt_presence_person_from_json(zt_presence_meeting_t *m,
    const json_t *jp);


zt_presence_t *
zt_presence_create(void)
{
    return calloc(1, sizeof(zt_presence_t));
}


void
zt_presence_free(zt_presence_t *p)
{
    size_t                  i, j, k;
    zt_presence_person_t   *pp;
    zt_presence_meeting_t  *m;

    if (p == NULL) {
        return;
    }

    for (i = 0; i < p->n; i++) {
        m = p->meetings[i];

        for (j = 0; j < m->npeople; j++) {
            pp = m->people[j];

            for (k = 0; k < pp->nvisits; k++) {
                free(pp->visits[k].joins.v);
                free(pp->visits[k].leaves.v);
            }

            free(pp->visits);
            free(pp->joins.v);
            free(pp->leaves.v);
            free(pp->key);
            free(pp->name);
            free(pp->email);
            free(pp);
        }

        for (j = 0; j < m->nrooms; j++) {
            free(m->rooms[j].uuid);
        }

        free(m->rooms);
        free(m->people);
        free(m->ends.v);
        free(m->uuid);
        free(m->id);
        free(m);
    }

    free(p->meetings);
    free(p);
}


int
zt_presence_fold(zt_presence_t *p, const json_t *rec)
{
    int                     rc, changed;
    char                    key[ZT_PRESENCE_KEY_LEN];
    size_t                  ri;
    int64_t                 ts;
    const char             *name, *email, *room;
    zt_presence_kind_e      kind;
    zt_presence_visit_t    *v;
    zt_presence_person_t   *pp;
    zt_presence_meeting_t  *m;

    kind = zt_presence_kind(zt_presence_str(rec, "event_type"));
    if (kind == ZT_PR_IGNORE) {
        return 0;
    }

    ts = zt_presence_int(rec, "event_ts");
    if (ts <= 0 || zt_presence_str(rec, "meeting_uuid")[0] == '\0') {
        return 0;
    }

    m = zt_presence_meeting(p, zt_presence_str(rec, "meeting_uuid"));
    if (m == NULL) {
        return ZT_ERROR;
    }

    changed = 0;

    if (m->id[0] == '\0' && zt_presence_str(rec, "meeting_id")[0] != '\0') {
        free(m->id);
        m->id = strdup(zt_presence_str(rec, "meeting_id"));
        if (m->id == NULL) {
            return ZT_ERROR;
        }
        changed = 1;
    }

    if (kind == ZT_PR_END) {
        rc = zt_ts_add(&m->ends, ts);
        return rc == ZT_ERROR ? ZT_ERROR : (rc | changed);
    }

    name = zt_presence_str(rec, "participant_name");
    email = zt_presence_str(rec, "participant_email");

    zt_person_key(zt_presence_str(rec, "participant_id"),
                  zt_presence_str(rec, "registrant_id"), email, name,
                  key, sizeof(key));

    if (zt_presence_str(rec, "participant_id")[0] == '\0'
        && zt_presence_str(rec, "registrant_id")[0] == '\0'
        && email[0] == '\0' && name[0] == '\0')
    {
        /* nobody to attribute the event to */
        return changed;
    }

    pp = zt_presence_person(m, key);
    if (pp == NULL) {
        return ZT_ERROR;
    }

    rc = zt_presence_set_str(&pp->name, &pp->name_ts, name, ts);
    if (rc == ZT_ERROR) {
        return ZT_ERROR;
    }
    changed |= rc;

    rc = zt_presence_set_str(&pp->email, &pp->email_ts, email, ts);
    if (rc == ZT_ERROR) {
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

    default: /* a breakout room */
        room = zt_presence_str(rec, "breakout_room_uuid");
        if (room[0] == '\0') {
            return changed;
        }

        if (zt_presence_room(m, room, &ri) != ZT_OK) {
            return ZT_ERROR;
        }

        changed |= zt_presence_room_min(&m->rooms[ri],
                                        kind == ZT_PR_ROOM_JOIN
                                        ? ts : ZT_PRESENCE_NONE, ts);

        v = zt_presence_visit(pp, ri);
        if (v == NULL) {
            return ZT_ERROR;
        }

        rc = zt_ts_add(kind == ZT_PR_ROOM_JOIN ? &v->joins : &v->leaves, ts);
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

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(type, kinds[i].type) == 0) {
            return kinds[i].kind;
        }
    }

    return ZT_PR_IGNORE;
}


/* a string member, "" when absent or not a string */
static const char *
zt_presence_str(const json_t *o, const char *key)
{
    const char  *s;

    s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}


static int64_t
zt_presence_int(const json_t *o, const char *key)
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
static int
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
static size_t
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
static int64_t
zt_ts_last(const zt_ts_set_t *s)
{
    return s->n ? s->v[s->n - 1] : INT64_MIN;
}


static int
zt_ts_has_between(const zt_ts_set_t *s, int64_t lo, int64_t hi)
{
    size_t  i;

    i = zt_ts_lower(s, lo);
    return i < s->n && s->v[i] <= hi;
}


static zt_presence_meeting_t *
zt_presence_meeting(zt_presence_t *p, const char *uuid)
{
    size_t                   i;
    zt_presence_meeting_t   *m, **a;

    for (i = 0; i < p->n; i++) {
        if (strcmp(p->meetings[i]->uuid, uuid) == 0) {
            return p->meetings[i];
        }
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
    if (m->uuid == NULL || m->id == NULL) {
        free(m->uuid);
        free(m->id);
        free(m);
        return NULL;
    }

    p->meetings[p->n++] = m;
    return m;
}


static zt_presence_person_t *
zt_presence_person(zt_presence_meeting_t *m, const char *key)
{
    size_t                  i;
    zt_presence_person_t   *pp, **a;

    for (i = 0; i < m->npeople; i++) {
        if (strcmp(m->people[i]->key, key) == 0) {
            return m->people[i];
        }
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
    pp->name = strdup("");
    pp->email = strdup("");
    if (pp->key == NULL || pp->name == NULL || pp->email == NULL) {
        free(pp->key);
        free(pp->name);
        free(pp->email);
        free(pp);
        return NULL;
    }

    pp->name_ts = INT64_MIN;
    pp->email_ts = INT64_MIN;

    m->people[m->npeople++] = pp;
    return pp;
}


static int
zt_presence_room(zt_presence_meeting_t *m, const char *uuid, size_t *idx)
{
    size_t               i;
    zt_presence_room_t  *a;

    for (i = 0; i < m->nrooms; i++) {
        if (strcmp(m->rooms[i].uuid, uuid) == 0) {
            *idx = i;
            return ZT_OK;
        }
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

    *idx = m->nrooms++;
    return ZT_OK;
}


static zt_presence_visit_t *
zt_presence_visit(zt_presence_person_t *pp, size_t room)
{
    size_t                i;
    zt_presence_visit_t  *a;

    for (i = 0; i < pp->nvisits; i++) {
        if (pp->visits[i].room == room) {
            return &pp->visits[i];
        }
    }

    a = realloc(pp->visits, (pp->nvisits + 1) * sizeof(zt_presence_visit_t));
    if (a == NULL) {
        return NULL;
    }
    pp->visits = a;

    memset(&a[pp->nvisits], 0, sizeof(zt_presence_visit_t));
    a[pp->nvisits].room = room;

    return &a[pp->nvisits++];
}


/*
 * Keeps the value of the latest event (ties: the greater string, so the
 * outcome does not depend on order); "" never replaces a value.
 */
static int
zt_presence_set_str(char **dst, int64_t *dst_ts, const char *val, int64_t ts)
{
    char  *s;

    if (val[0] == '\0' || ts < *dst_ts) {
        return 0;
    }

    if (ts == *dst_ts && strcmp(val, *dst) <= 0) {
        return 0;
    }

    *dst_ts = ts;

    if (strcmp(val, *dst) == 0) {
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


static int
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
zt_presence_rows(const zt_presence_t *p, zt_presence_row_t **rows,
    size_t *n)
{
    size_t                  i, j, total;
    zt_presence_row_t      *r;
    zt_presence_meeting_t  *m;

    total = 0;
    for (i = 0; i < p->n; i++) {
        total += p->meetings[i]->npeople;
    }

    r = malloc((total ? total : 1) * sizeof(zt_presence_row_t));
    if (r == NULL) {
        return ZT_ERROR;
    }

    total = 0;

    for (i = 0; i < p->n; i++) {
        m = p->meetings[i];

        for (j = 0; j < m->npeople; j++) {
            zt_presence_derive(m, m->people[j], &r[total++]);
        }
    }

    qsort(r, total, sizeof(zt_presence_row_t), zt_presence_row_cmp);

    *rows = r;
    *n = total;

    return ZT_OK;
}


/* sweeps the person's main JOIN/LEAVE and the meeting's END times */
static void
zt_presence_derive(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, zt_presence_row_t *row)
{
    size_t               i, n;
    int64_t              t;
    zt_presence_step_t  *s;

    memset(row, 0, sizeof(zt_presence_row_t));
    row->meeting_id = m->id;
    row->meeting_uuid = m->uuid;
    row->key = pp->key;
    row->name = pp->name;
    row->email = pp->email;

    n = pp->joins.n + pp->leaves.n + m->ends.n;
    s = malloc((n ? n : 1) * sizeof(zt_presence_step_t));
    if (s == NULL) {
        return;     /* out of memory: shown as offline, never seen */
    }

    n = 0;

    for (i = 0; i < pp->joins.n; i++) {
        t = pp->joins.v[i];
        s[n].ts = t;
        s[n].kind = 1;
        s[n++].move = zt_ts_has_between(&pp->leaves, t - ZT_MOVE_GAP_MS, t);
    }

    for (i = 0; i < pp->leaves.n; i++) {
        t = pp->leaves.v[i];
        if (!zt_ts_has_between(&pp->joins, t, t + ZT_MOVE_GAP_MS)) {
            s[n].ts = t;
            s[n].kind = 0;
            s[n++].move = 0;
        }
    }

    for (i = 0; i < m->ends.n; i++) {
        s[n].ts = m->ends.v[i];
        s[n].kind = 2;
        s[n++].move = 0;
    }

    qsort(s, n, sizeof(zt_presence_step_t), zt_presence_step_cmp);

    for (i = 0; i < n; i++) {
        switch (s[i].kind) {

        case 1:
            if (!row->online || !s[i].move) {
                row->last_join = s[i].ts;
            }
            row->online = 1;
            break;

        case 0:
            row->last_left = s[i].ts;
            row->online = 0;
            break;

        default:
            if (row->online) {
                row->last_left = s[i].ts;
                row->online = 0;
            }
            break;
        }
    }

    free(s);

    if (row->online) {
        zt_presence_derive_room(m, pp, row);
    }
}


static void
zt_presence_derive_room(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, zt_presence_row_t *row)
{
    size_t                      i;
    int64_t                     rj;
    const zt_presence_visit_t  *v;

    v = NULL;
    rj = INT64_MIN;

    for (i = 0; i < pp->nvisits; i++) {
        if (zt_ts_last(&pp->visits[i].joins) > rj) {
            rj = zt_ts_last(&pp->visits[i].joins);
            v = &pp->visits[i];
        }
    }

    if (v == NULL
        || zt_ts_last(&v->leaves) >= rj
        || zt_ts_last(&pp->joins) > rj + ZT_MOVE_GAP_MS
        || zt_ts_last(&pp->leaves) > rj + ZT_MOVE_GAP_MS
        || zt_ts_last(&m->ends) >= rj)
    {
        return;
    }

    row->room_uuid = m->rooms[v->room].uuid;
    row->room_no = zt_presence_room_no(m, v->room);
}


/* rooms are numbered by first JOIN, then first event, then uuid */
static unsigned
zt_presence_room_no(const zt_presence_meeting_t *m, size_t idx)
{
    size_t                     i;
    unsigned                   no;
    const zt_presence_room_t  *a, *b;

    b = &m->rooms[idx];
    no = 1;

    for (i = 0; i < m->nrooms; i++) {
        a = &m->rooms[i];

        if (a->first_join < b->first_join
            || (a->first_join == b->first_join
                && (a->first_seen < b->first_seen
                    || (a->first_seen == b->first_seen
                        && strcmp(a->uuid, b->uuid) < 0))))
        {
            no++;
        }
    }

    return no;
}


static int
zt_presence_step_cmp(const void *a, const void *b)
{
    const zt_presence_step_t  *x = a, *y = b;

    if (x->ts != y->ts) {
        return x->ts < y->ts ? -1 : 1;
    }

    return x->kind - y->kind;
}


static int
zt_presence_row_cmp(const void *a, const void *b)
{
    int                       rc;
    int64_t                   ta, tb;
    const zt_presence_row_t  *x = a, *y = b;

    ta = x->last_join > x->last_left ? x->last_join : x->last_left;
    tb = y->last_join > y->last_left ? y->last_join : y->last_left;

    if (ta != tb) {
        return ta > tb ? -1 : 1;
    }

    rc = strcmp(x->name, y->name);
    if (rc) {
        return rc;
    }

    rc = strcmp(x->meeting_uuid, y->meeting_uuid);
    if (rc) {
        return rc;
    }

    return strcmp(x->key, y->key);
}


int
zt_presence_csv(const zt_presence_t *p, FILE *f, const char *tz,
    const char *allowlist)
{
    int                 rc;
    char                name[512], join[32], left[32], room[32];
    size_t              i, n;
    const char         *cells[6];
    zt_presence_row_t  *rows;

    static const char  *header[] = {
        "Username", "Status", "Last Join", "Last Left", "Room", "Meeting"
    };

    static const char  *fmt = "%Y-%m-%d %H:%M:%S";

    if (zt_csv_row(f, header, 6) != ZT_OK) {
        return ZT_ERROR;
    }

    if (zt_presence_rows(p, &rows, &n) != ZT_OK) {
        return ZT_ERROR;
    }

    rc = ZT_OK;

    for (i = 0; i < n && rc == ZT_OK; i++) {
        if (!zt_presence_allowed(&rows[i], allowlist)) {
            continue;
        }

        join[0] = '\0';
        left[0] = '\0';
        room[0] = '\0';

        if ((rows[i].last_join
             && zt_time_format_tz(rows[i].last_join, tz, fmt, join,
                                  sizeof(join)) != ZT_OK)
            || (rows[i].last_left
                && zt_time_format_tz(rows[i].last_left, tz, fmt, left,
                                     sizeof(left)) != ZT_OK))
        {
            rc = ZT_ERROR;
            break;
        }

        if (rows[i].room_uuid) {
            snprintf(room, sizeof(room), "Room-%u", rows[i].room_no);
        }

        zt_presence_safe_name(rows[i].name, name, sizeof(name));

        cells[0] = name;
        cells[1] = rows[i].online ? "online" : "offline";
        cells[2] = join;
        cells[3] = left;
        cells[4] = room;
        cells[5] = rows[i].meeting_id;

        rc = zt_csv_row(f, cells, 6);
    }

    free(rows);

    return rc;
}


/* allowlist: "a, b@x.org,c"; matches the name or the email */
static int
zt_presence_allowed(const zt_presence_row_t *row, const char *allowlist)
{
    int          any;
    size_t       len;
    const char  *p, *e;

    if (allowlist == NULL) {
        return 1;
    }

    any = 0;

    for (p = allowlist; *p; p = *e ? e + 1 : e) {
        while (*p == ' ' || *p == '\t') {
            p++;
        }

        e = strchr(p, ',');
        if (e == NULL) {
            e = p + strlen(p);
        }

        len = (size_t) (e - p);
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t')) {
            len--;
        }

        if (len == 0) {
            continue;
        }

        any = 1;

        if ((strlen(row->name) == len && strncasecmp(row->name, p, len) == 0)
            || (strlen(row->email) == len
                && strncasecmp(row->email, p, len) == 0))
        {
            return 1;
        }
    }

    return !any;
}


/*
 * Emails never appear in the status file: a display name that is an
 * email address (no spaces, an '@' and a dot after it) is cut at the '@'.
 */
static void
zt_presence_safe_name(const char *name, char *out, size_t outlen)
{
    const char  *at;

    snprintf(out, outlen, "%s", name);

    at = strchr(out, '@');
    if (at && strchr(out, ' ') == NULL && strchr(at, '.') != NULL) {
        out[at - out] = '\0';
    }
}


json_t *
zt_presence_to_json(const zt_presence_t *p)
{
    size_t   i;
    json_t  *root, *a, *jm;

    root = json_object();
    a = json_array();

    if (root == NULL || a == NULL
        || json_object_set_new(root, "version", json_integer(1)) != 0
        || json_object_set(root, "meetings", a) != 0)
    {
        json_decref(root);
        json_decref(a);
        return NULL;
    }

    json_decref(a);

    for (i = 0; i < p->n; i++) {
        jm = zt_presence_meeting_to_json(p->meetings[i]);
        if (jm == NULL || json_array_append_new(a, jm) != 0) {
            json_decref(root);
            return NULL;
        }
    }

    return root;
}


static json_t *
zt_ts_to_json(const zt_ts_set_t *s)
{
    size_t   i;
    json_t  *a;

    a = json_array();
    if (a == NULL) {
        return NULL;
    }

    for (i = 0; i < s->n; i++) {
        if (json_array_append_new(a, json_integer(s->v[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }

    return a;
}


static json_t *
zt_presence_meeting_to_json(const zt_presence_meeting_t *m)
{
    int                          bad;
    size_t                       i, j;
    json_t                      *jm, *rooms, *people, *jp, *visits;
    const zt_presence_room_t    *r;
    const zt_presence_visit_t   *v;
    const zt_presence_person_t  *pp;

    rooms = json_array();
    people = json_array();
    jm = json_pack("{s:s, s:s, s:o, s:o, s:o}", "uuid", m->uuid, "id", m->id,
                   "ends", zt_ts_to_json(&m->ends), "rooms", rooms,
                   "people", people);
    if (jm == NULL) {
        return NULL;
    }

    bad = 0;

    for (i = 0; i < m->nrooms; i++) {
        r = &m->rooms[i];
        bad |= json_array_append_new(rooms, json_pack("{s:s, s:o, s:o}",
                   "uuid", r->uuid,
                   "first_join", r->first_join == ZT_PRESENCE_NONE
                                 ? json_null() : json_integer(r->first_join),
                   "first_seen", r->first_seen == ZT_PRESENCE_NONE
                                 ? json_null() : json_integer(r->first_seen)));
    }

    for (i = 0; i < m->npeople && !bad; i++) {
        pp = m->people[i];
        visits = json_array();

        jp = json_pack("{s:s, s:s, s:I, s:s, s:I, s:o, s:o, s:o}",
                       "key", pp->key, "name", pp->name,
                       "name_ts", (json_int_t) pp->name_ts,
                       "email", pp->email,
                       "email_ts", (json_int_t) pp->email_ts,
                       "joins", zt_ts_to_json(&pp->joins),
                       "leaves", zt_ts_to_json(&pp->leaves),
                       "rooms", visits);
        bad |= json_array_append_new(people, jp);

        for (j = 0; j < pp->nvisits && !bad; j++) {
            v = &pp->visits[j];
            bad |= json_array_append_new(visits, json_pack("{s:s, s:o, s:o}",
                       "room", m->rooms[v->room].uuid,
                       "joins", zt_ts_to_json(&v->joins),
                       "leaves", zt_ts_to_json(&v->leaves)));
        }
    }

    if (bad) {
        json_decref(jm);
        return NULL;
    }

    return jm;
}


int
zt_presence_from_json(zt_presence_t *p, const json_t *state)
{
    size_t   i;
    json_t  *a, *jm;

    a = json_object_get(state, "meetings");
    if (!json_is_object(state) || !json_is_array(a)) {
        return ZT_ERROR;
    }

    json_array_foreach(a, i, jm) {
        if (zt_presence_meeting_from_json(p, jm) != ZT_OK) {
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


static int
zt_ts_from_json(zt_ts_set_t *s, const json_t *a)
{
    size_t   i;
    json_t  *v;

    if (a == NULL) {
        return ZT_OK;
    }

    if (!json_is_array(a)) {
        return ZT_ERROR;
    }

    json_array_foreach(a, i, v) {
        if (!json_is_integer(v) || zt_ts_add(s, json_integer_value(v)) < 0) {
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


static int
zt_presence_meeting_from_json(zt_presence_t *p, const json_t *jm)
{
    size_t                  i, ri;
    json_t                 *a, *v, *fj, *fs;
    const char             *s;
    zt_presence_meeting_t  *m;

    s = json_string_value(json_object_get(jm, "uuid"));
    if (s == NULL || s[0] == '\0') {
        return ZT_ERROR;
    }

    m = zt_presence_meeting(p, s);
    if (m == NULL) {
        return ZT_ERROR;
    }

    s = json_string_value(json_object_get(jm, "id"));
    if (s && s[0] && m->id[0] == '\0') {
        free(m->id);
        m->id = strdup(s);
        if (m->id == NULL) {
            return ZT_ERROR;
        }
    }

    if (zt_ts_from_json(&m->ends, json_object_get(jm, "ends")) != ZT_OK) {
        return ZT_ERROR;
    }

    a = json_object_get(jm, "rooms");
    json_array_foreach(a, i, v) {
        s = json_string_value(json_object_get(v, "uuid"));
        if (s == NULL || zt_presence_room(m, s, &ri) != ZT_OK) {
            return ZT_ERROR;
        }

        fj = json_object_get(v, "first_join");
        fs = json_object_get(v, "first_seen");
        zt_presence_room_min(&m->rooms[ri],
            json_is_integer(fj) ? json_integer_value(fj) : ZT_PRESENCE_NONE,
            json_is_integer(fs) ? json_integer_value(fs) : ZT_PRESENCE_NONE);
    }

    a = json_object_get(jm, "people");
    json_array_foreach(a, i, v) {
        if (zt_presence_person_from_json(m, v) != ZT_OK) {
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


static int
zt_presence_person_from_json(zt_presence_meeting_t *m, const json_t *jp)
{
    size_t                 i, ri;
    json_t                *a, *v;
    const char            *s;
    zt_presence_visit_t   *vi;
    zt_presence_person_t  *pp;

    s = json_string_value(json_object_get(jp, "key"));
    if (s == NULL || s[0] == '\0') {
        return ZT_ERROR;
    }

    pp = zt_presence_person(m, s);
    if (pp == NULL) {
        return ZT_ERROR;
    }

    s = json_string_value(json_object_get(jp, "name"));
    if (s && zt_presence_set_str(&pp->name, &pp->name_ts, s,
                 json_integer_value(json_object_get(jp, "name_ts"))) < 0)
    {
        return ZT_ERROR;
    }

    s = json_string_value(json_object_get(jp, "email"));
    if (s && zt_presence_set_str(&pp->email, &pp->email_ts, s,
                 json_integer_value(json_object_get(jp, "email_ts"))) < 0)
    {
        return ZT_ERROR;
    }

    if (zt_ts_from_json(&pp->joins, json_object_get(jp, "joins")) != ZT_OK
        || zt_ts_from_json(&pp->leaves, json_object_get(jp, "leaves"))
           != ZT_OK)
    {
        return ZT_ERROR;
    }

    a = json_object_get(jp, "rooms");
    json_array_foreach(a, i, v) {
        s = json_string_value(json_object_get(v, "room"));
        if (s == NULL || zt_presence_room(m, s, &ri) != ZT_OK) {
            return ZT_ERROR;
        }

        vi = zt_presence_visit(pp, ri);
        if (vi == NULL
            || zt_ts_from_json(&vi->joins, json_object_get(v, "joins"))
               != ZT_OK
            || zt_ts_from_json(&vi->leaves, json_object_get(v, "leaves"))
               != ZT_OK)
        {
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}
