/*
 * zt_presence_json: the engine's state as JSON (the status sink's state
 * file), whole or one meeting at a time.  Loading is a union with what p
 * holds, so a state can be restored into an empty p or merged.  A person's
 * devices (zt_presence_device.c) are saved under "devices", each with its
 * own sets; a state saved before them has none and loads as it did.
 */

#include <stdlib.h>
#include <string.h>

#include "zt_presence_int.h"


static const char *zt_presence_or(const char *s);
static void zt_presence_seen_set(zt_presence_meeting_t *m,
    const zt_ts_set_t *s);
static void zt_presence_seen_sets(zt_presence_meeting_t *m);
static int zt_presence_str_from_json(zt_presence_str_t *s, const json_t *jp,
    const char *key, const char *key_ts, int which);
static json_t *zt_ts_to_json(const zt_ts_set_t *s);
static int zt_ts_from_json(zt_ts_set_t *s, const json_t *a);
static json_t *zt_presence_meeting_to_json(const zt_presence_meeting_t *m);
static int zt_presence_person_from_json(zt_presence_meeting_t *m,
    const json_t *jp);
static int zt_presence_sets_to_json(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, json_t *o);
static int zt_presence_sets_from_json(zt_presence_meeting_t *m,
    zt_presence_person_t *pp, const json_t *o);


json_t *
zt_presence_to_json(const zt_presence_t *p)
{
    size_t   i;
    json_t  *root, *a, *jm;

    root = json_object();
    a = json_array();

    if (root == NULL || a == NULL
        || json_object_set_new(root, "version", json_integer(1)) != 0
        || json_object_set(root, "meetings", a) != 0
        || json_object_set_new(root, "gone", zt_presence_gone_to_json(p))
           != 0)
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
    json_t                      *jm, *rooms, *people, *jp, *devices, *jd;
    const zt_presence_room_t    *r;
    const zt_presence_person_t  *pp;

    rooms = json_array();
    people = json_array();
    jm = json_pack("{s:s, s:s, s:I, s:I, s:o, s:o, s:o}", "uuid", m->uuid,
                   "id", m->id, "first_ts", (json_int_t) m->first_ts,
                   "last_ts", (json_int_t) m->last_ts,
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

        jp = json_pack("{s:s, s:s, s:I, s:s, s:I, s:s, s:I, s:s, s:I}",
                       "key", pp->key,
                       "name", zt_presence_or(pp->name.last),
                       "name_ts", (json_int_t) pp->name.last_ts,
                       "email", zt_presence_or(pp->email.last),
                       "email_ts", (json_int_t) pp->email.last_ts,
                       "name_first", zt_presence_or(pp->name.first),
                       "name_first_ts", (json_int_t) pp->name.first_ts,
                       "email_first", zt_presence_or(pp->email.first),
                       "email_first_ts", (json_int_t) pp->email.first_ts);
        bad |= json_array_append_new(people, jp);
        bad |= zt_presence_sets_to_json(m, pp, jp);

        if (pp->ndevices == 0 || bad) {
            continue;
        }

        /* each device's own sets (zt_presence_device.c) */
        devices = json_array();
        bad |= json_object_set_new(jp, "devices", devices);

        for (j = 0; j < pp->ndevices && !bad; j++) {
            jd = json_pack("{s:s}", "id", pp->devices[j]->key);
            bad |= json_array_append_new(devices, jd);
            bad |= zt_presence_sets_to_json(m, pp->devices[j], jd);
        }
    }

    if (bad) {
        json_decref(jm);
        return NULL;
    }

    return jm;
}


/* the sets of a person or device as members of o: 0, or -1 on failure */
static int
zt_presence_sets_to_json(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, json_t *o)
{
    int                        bad;
    size_t                     j;
    json_t                    *visits;
    const zt_presence_rset_t  *v;

    if (o == NULL) {
        return -1;
    }

    visits = json_array();
    bad = json_object_set_new(o, "joins", zt_ts_to_json(&pp->joins));
    bad |= json_object_set_new(o, "leaves", zt_ts_to_json(&pp->leaves));
    bad |= json_object_set_new(o, "rooms", visits);

    for (j = 0; j < pp->nvisits && !bad; j++) {
        v = &pp->visits[j];
        bad |= json_array_append_new(visits, json_pack("{s:s, s:o, s:o}",
                   "room", m->rooms[v->room].uuid,
                   "joins", zt_ts_to_json(&v->joins),
                   "leaves", zt_ts_to_json(&v->leaves)));
    }

    return bad ? -1 : 0;
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
        if (zt_presence_meeting_load(p, jm) != ZT_OK) {
            return ZT_ERROR;
        }
    }

    return zt_presence_gone_from_json(p, json_object_get(state, "gone"));
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


int
zt_presence_meeting_load(zt_presence_t *p, const json_t *jm)
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
    if (s && zt_presence_set_id(m, s) == ZT_ERROR) {
        return ZT_ERROR;
    }

    fj = json_object_get(jm, "first_ts");
    fs = json_object_get(jm, "last_ts");
    if (json_is_integer(fj) && json_is_integer(fs)) {
        zt_presence_seen(m, json_integer_value(fj), json_integer_value(fs));
    }

    m->dirty = 1;

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

    /* a state saved before first_ts/last_ts: the sets bound them */
    zt_presence_seen_sets(m);

    return ZT_OK;
}


static void
zt_presence_seen_set(zt_presence_meeting_t *m, const zt_ts_set_t *s)
{
    if (s->n) {
        zt_presence_seen(m, s->v[0], s->v[s->n - 1]);
    }
}


static void
zt_presence_seen_sets(zt_presence_meeting_t *m)
{
    size_t                 i, k;
    zt_presence_person_t  *pp;

    zt_presence_seen_set(m, &m->ends);

    for (i = 0; i < m->npeople; i++) {
        pp = m->people[i];
        zt_presence_seen_set(m, &pp->joins);
        zt_presence_seen_set(m, &pp->leaves);

        for (k = 0; k < pp->nvisits; k++) {
            zt_presence_seen_set(m, &pp->visits[k].joins);
            zt_presence_seen_set(m, &pp->visits[k].leaves);
        }
    }
}


static int
zt_presence_person_from_json(zt_presence_meeting_t *m, const json_t *jp)
{
    int                    which;
    size_t                 i;
    json_t                *a, *v;
    const char            *s;
    zt_presence_person_t  *pp, *d;

    s = json_string_value(json_object_get(jp, "key"));
    if (s == NULL || s[0] == '\0') {
        return ZT_ERROR;
    }

    pp = zt_presence_person(m, s);
    if (pp == NULL) {
        return ZT_ERROR;
    }

    /* first and latest are a min and a max: folding each back is exact */
    which = ZT_PRESENCE_LAST;
    if (json_object_get(jp, "name_first") == NULL) {
        which |= ZT_PRESENCE_FIRST;     /* saved before first was kept */
    }

    if (zt_presence_str_from_json(&pp->name, jp, "name", "name_ts", which)
        != ZT_OK
        || zt_presence_str_from_json(&pp->email, jp, "email", "email_ts",
                                     which) != ZT_OK
        || zt_presence_str_from_json(&pp->name, jp, "name_first",
                                     "name_first_ts", ZT_PRESENCE_FIRST)
           != ZT_OK
        || zt_presence_str_from_json(&pp->email, jp, "email_first",
                                     "email_first_ts", ZT_PRESENCE_FIRST)
           != ZT_OK)
    {
        return ZT_ERROR;
    }

    if (zt_presence_sets_from_json(m, pp, jp) != ZT_OK) {
        return ZT_ERROR;
    }

    /* a state saved before devices were kept has none: all the person's */
    a = json_object_get(jp, "devices");
    json_array_foreach(a, i, v) {
        s = json_string_value(json_object_get(v, "id"));
        if (s == NULL || s[0] == '\0') {
            return ZT_ERROR;
        }

        d = zt_presence_device(pp, s);
        if (d == NULL || zt_presence_sets_from_json(m, d, v) != ZT_OK) {
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


/* the sets of a person or device saved by zt_presence_sets_to_json() */
static int
zt_presence_sets_from_json(zt_presence_meeting_t *m,
    zt_presence_person_t *pp, const json_t *o)
{
    size_t               i, ri;
    json_t              *a, *v;
    const char          *s;
    zt_presence_rset_t  *vi;

    if (zt_ts_from_json(&pp->joins, json_object_get(o, "joins")) != ZT_OK
        || zt_ts_from_json(&pp->leaves, json_object_get(o, "leaves"))
           != ZT_OK)
    {
        return ZT_ERROR;
    }

    a = json_object_get(o, "rooms");
    json_array_foreach(a, i, v) {
        s = json_string_value(json_object_get(v, "room"));
        if (s == NULL || zt_presence_room(m, s, &ri) != ZT_OK) {
            return ZT_ERROR;
        }

        vi = zt_presence_rset(pp, ri);
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


static int
zt_presence_str_from_json(zt_presence_str_t *s, const json_t *jp,
    const char *key, const char *key_ts, int which)
{
    const char  *v;
    json_t      *ts;

    v = json_string_value(json_object_get(jp, key));
    ts = json_object_get(jp, key_ts);

    if (v == NULL || v[0] == '\0' || !json_is_integer(ts)) {
        return ZT_OK;
    }

    return zt_presence_set_str(s, v, json_integer_value(ts), which)
           == ZT_ERROR
           ? ZT_ERROR : ZT_OK;
}


static const char *
zt_presence_or(const char *s)
{
    return s ? s : "";
}


json_t *
zt_presence_meeting_save(zt_presence_t *p, const char *uuid)
{
    size_t   i;
    json_t  *jm;

    for (i = 0; i < p->n; i++) {
        if (strcmp(p->meetings[i]->uuid, uuid) == 0) {
            jm = zt_presence_meeting_to_json(p->meetings[i]);
            if (jm) {
                p->meetings[i]->dirty = 0;
            }
            return jm;
        }
    }

    return NULL;
}
