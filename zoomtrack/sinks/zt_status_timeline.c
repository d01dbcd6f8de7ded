/*
 * zt_status_timeline: the timeline JSON of the live and recently ended
 * meetings (zt_status_timeline.h).  Everything comes from the presence
 * engine's journeys; this file only chooses what is shown (the meetings,
 * the allowlist, no emails) and how (ms and local ISO strings, open ends as
 * null).  The status sink calls zt_timeline_render() when it rewrites the
 * CSV and at least every heartbeat_s.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "zt_time.h"
#include "zt_status_timeline.h"


static int zt_timeline_allowed(const char *name, const char *email,
    const char *allowlist);
static void zt_timeline_safe_name(const char *name, char *out, size_t len);
static int zt_timeline_set_time(json_t *o, const char *key, int64_t ms,
    int open, const char *tz);
static json_t *zt_timeline_person(const zt_journey_t *j,
    const zt_timeline_opts_t *o);
static json_t *zt_timeline_rooms(const zt_journey_t *j, size_t n,
    const zt_timeline_opts_t *o);
static int zt_timeline_person_cmp(const void *a, const void *b);
static int zt_timeline_meeting_cmp(const void *a, const void *b);


struct zt_timeline_topics_s {
    char    *uuid[ZT_TIMELINE_TOPICS];
    char    *topic[ZT_TIMELINE_TOPICS];
    size_t   next;                  /* ring: the slot replaced next */
};


int
zt_timeline_iso(int64_t ms, const char *tz, char *out, size_t outlen)
{
    char    base[24], off[8];
    size_t  ol;

    if (zt_time_format_tz(ms, tz, "%Y-%m-%dT%H:%M:%S", base, sizeof(base))
        != ZT_OK
        || zt_time_format_tz(ms, tz, "%z", off, sizeof(off)) != ZT_OK)
    {
        return ZT_ERROR;
    }

    /* strftime's +0300 as RFC 3339's +03:00 */
    ol = strlen(off);
    if (ol != 5) {
        return ZT_ERROR;
    }

    if ((size_t) snprintf(out, outlen, "%s.%03d%.3s:%s", base,
                          (int) (((ms % 1000) + 1000) % 1000), off, off + 3)
        >= outlen)
    {
        return ZT_ERROR;
    }

    return ZT_OK;
}


int
zt_timeline_wanted(const zt_presence_meeting_info_t *mi,
    const zt_journey_t *j, size_t n, const zt_timeline_opts_t *o, int *live)
{
    size_t   i;
    int64_t  last;

    *live = 0;
    last = mi->ended > mi->last_ts ? mi->ended : mi->last_ts;

    if (last < o->now_ms - o->keep_ms) {
        return 0;
    }

    if (mi->ended == 0) {
        for (i = 0; i < n; i++) {
            if (j[i].now.online) {
                *live = 1;
                return 1;
            }
        }
    }

    return 1;
}


json_t *
zt_timeline_meeting(const zt_presence_meeting_info_t *mi,
    const zt_journey_t *j, size_t n, const zt_timeline_opts_t *o)
{
    int                   live;
    size_t                i;
    json_t               *m, *people, *p;
    const zt_journey_t  **keep;

    (void) zt_timeline_wanted(mi, j, n, o, &live);

    m = json_object();
    people = json_array();
    if (m == NULL || people == NULL
        || json_object_set_new(m, "meeting_id", json_string(mi->id)) != 0
        || json_object_set_new(m, "meeting_uuid", json_string(mi->uuid)) != 0
        || json_object_set_new(m, "topic",
                               zt_timeline_topic(o->topics, mi->uuid)
                               ? json_string(zt_timeline_topic(o->topics,
                                                               mi->uuid))
                               : json_null()) != 0
        || json_object_set_new(m, "live", json_boolean(live)) != 0
        || zt_timeline_set_time(m, "start", mi->first_ts, 0, o->tz) != 0
        || zt_timeline_set_time(m, "end", mi->ended, mi->ended == 0, o->tz)
           != 0
        || zt_timeline_set_time(m, "last_event", mi->last_ts, 0, o->tz) != 0
        || json_object_set_new(m, "rooms", zt_timeline_rooms(j, n, o)) != 0
        || json_object_set(m, "people", people) != 0)
    {
        goto failed;
    }

    /* people by first arrival, then name: the timeline's row order */
    keep = malloc((n ? n : 1) * sizeof(zt_journey_t *));
    if (keep == NULL) {
        goto failed;
    }

    for (i = 0; i < n; i++) {
        keep[i] = &j[i];
    }

    qsort(keep, n, sizeof(keep[0]), zt_timeline_person_cmp);

    for (i = 0; i < n; i++) {
        const zt_journey_t  *pj = keep[i];

        if (pj->nspans == 0 && !pj->now.online) {
            continue;
        }

        if (!zt_timeline_allowed(pj->now.name ? pj->now.name : pj->name,
                                 pj->now.email ? pj->now.email : pj->email,
                                 o->allowlist))
        {
            continue;
        }

        p = zt_timeline_person(pj, o);
        if (p == NULL || json_array_append_new(people, p) != 0) {
            free(keep);
            goto failed;
        }
    }

    free(keep);
    json_decref(people);
    return m;

failed:

    json_decref(people);
    json_decref(m);
    return NULL;
}


/* the meeting's rooms, in Room-N order */
static json_t *
zt_timeline_rooms(const zt_journey_t *j, size_t n, const zt_timeline_opts_t *o)
{
    char      name[32];
    size_t    i, k;
    json_t   *a, *r;
    unsigned  max, no;

    max = 0;
    for (i = 0; i < n; i++) {
        for (k = 0; k < j[i].nvisits; k++) {
            if (j[i].visits[k].room_no > max) {
                max = j[i].visits[k].room_no;
            }
        }
    }

    a = json_array();
    if (a == NULL) {
        return NULL;
    }

    for (no = 1; no <= max; no++) {
        snprintf(name, sizeof(name), "Room-%u", no);
        r = json_pack("{s:i, s:s}", "room", (json_int_t) no, "name", name);
        if (r == NULL || json_array_append_new(a, r) != 0) {
            json_decref(a);
            return NULL;
        }
    }

    return a;
}


/*
 * A person: the live state and the journey.  The engine ends an open
 * interval or visit at the meeting's last event; here it is open (null)
 * while the person is online, there.
 */
static json_t *
zt_timeline_person(const zt_journey_t *j, const zt_timeline_opts_t *o)
{
    int            open;
    char           name[256];
    size_t         i, cur;
    json_t        *p, *iv, *vs, *x;
    const char    *tz = o->tz;
    const zt_presence_row_t  *now = &j->now;

    zt_timeline_safe_name(now->name && *now->name ? now->name
                          : (j->name ? j->name : ""), name, sizeof(name));

    p = json_object();
    iv = json_array();
    vs = json_array();

    if (p == NULL || iv == NULL || vs == NULL
        || json_object_set_new(p, "name", json_string(name)) != 0
        || json_object_set_new(p, "online", json_boolean(now->online)) != 0
        || json_object_set_new(p, "room", now->online && now->room_no
                               ? json_integer(now->room_no) : json_null())
           != 0
        || zt_timeline_set_time(p, "last_join", now->last_join,
                                now->last_join == 0, tz) != 0
        || zt_timeline_set_time(p, "last_left", now->last_left,
                                now->last_left == 0, tz) != 0
        || json_object_set(p, "intervals", iv) != 0
        || json_object_set(p, "visits", vs) != 0)
    {
        goto failed;
    }

    for (i = 0; i < j->nspans; i++) {
        open = now->online && i + 1 == j->nspans;
        x = json_object();
        if (x == NULL || json_array_append_new(iv, x) != 0
            || zt_timeline_set_time(x, "from", j->spans[i].start, 0, tz) != 0
            || zt_timeline_set_time(x, "to", j->spans[i].end, open, tz) != 0)
        {
            goto failed;
        }
    }

    /* the current room's latest visit is the open one */
    cur = j->nvisits;
    if (now->online && now->room_no) {
        for (i = 0; i < j->nvisits; i++) {
            if (j->visits[i].room_no == now->room_no
                && (cur == j->nvisits
                    || j->visits[i].start >= j->visits[cur].start))
            {
                cur = i;
            }
        }
    }

    for (i = 0; i < j->nvisits; i++) {
        x = json_object();
        if (x == NULL || json_array_append_new(vs, x) != 0
            || json_object_set_new(x, "room",
                                   json_integer(j->visits[i].room_no)) != 0
            || zt_timeline_set_time(x, "from", j->visits[i].start, 0, tz)
               != 0
            || zt_timeline_set_time(x, "to", j->visits[i].end, i == cur, tz)
               != 0)
        {
            goto failed;
        }
    }

    json_decref(iv);
    json_decref(vs);
    return p;

failed:

    json_decref(iv);
    json_decref(vs);
    json_decref(p);
    return NULL;
}


int
zt_timeline_render(const zt_presence_t *p, const zt_timeline_opts_t *o,
    char **out, size_t *len)
{
    int                          live;
    char                         iso[40];
    size_t                       i, nm, nj;
    json_t                      *root, *ms, *m;
    zt_journey_t                *j;
    zt_presence_meeting_info_t   mi;

    *out = NULL;

    if (zt_timeline_iso(o->now_ms, o->tz, iso, sizeof(iso)) != ZT_OK) {
        return ZT_ERROR;
    }

    root = json_object();
    ms = json_array();
    if (root == NULL || ms == NULL
        || json_object_set_new(root, "version",
                               json_integer(ZT_TIMELINE_VERSION)) != 0
        || json_object_set_new(root, "generated_at",
                               json_integer(o->now_ms)) != 0
        || json_object_set_new(root, "generated_at_iso", json_string(iso))
           != 0
        || json_object_set_new(root, "heartbeat_s",
                               json_integer(o->heartbeat_s)) != 0
        || json_object_set_new(root, "timezone",
                               json_string(o->tz && *o->tz ? o->tz : "UTC"))
           != 0
        || json_object_set(root, "meetings", ms) != 0)
    {
        goto failed;
    }

    nm = zt_presence_nmeetings(p);

    for (i = 0; i < nm; i++) {
        zt_presence_meeting_info(p, i, &mi);

        /*
         * nothing for 12 hours: neither live nor recent, whatever a lost
         * meeting.ended left online; the state keeps thousands of these
         */
        if ((mi.ended > mi.last_ts ? mi.ended : mi.last_ts)
            < o->now_ms - o->keep_ms)
        {
            continue;
        }

        if (zt_presence_journeys(p, mi.uuid, &j, &nj) != ZT_OK) {
            goto failed;
        }

        m = NULL;
        if (zt_timeline_wanted(&mi, j, nj, o, &live)) {
            m = zt_timeline_meeting(&mi, j, nj, o);
            if (m == NULL || json_array_append_new(ms, m) != 0) {
                zt_presence_journeys_free(j, nj);
                goto failed;
            }
        }

        zt_presence_journeys_free(j, nj);
    }

    /* live meetings first, then the latest started */
    if (json_array_size(ms) > 1) {
        json_t  **v;
        size_t    k, n = json_array_size(ms);

        v = malloc(n * sizeof(json_t *));
        if (v == NULL) {
            goto failed;
        }

        for (k = 0; k < n; k++) {
            v[k] = json_incref(json_array_get(ms, k));
        }

        qsort(v, n, sizeof(v[0]), zt_timeline_meeting_cmp);
        json_array_clear(ms);

        for (k = 0; k < n; k++) {
            (void) json_array_append_new(ms, v[k]);
        }

        free(v);
    }

    *out = json_dumps(root, JSON_COMPACT);
    json_decref(ms);
    json_decref(root);

    if (*out == NULL) {
        return ZT_ERROR;
    }

    *len = strlen(*out);
    return ZT_OK;

failed:

    json_decref(ms);
    json_decref(root);
    return ZT_ERROR;
}


/* key: ms (or null while open) and key_iso: the local ISO string */
static int
zt_timeline_set_time(json_t *o, const char *key, int64_t ms, int open,
    const char *tz)
{
    char  iso[40], k[40];

    snprintf(k, sizeof(k), "%s_iso", key);

    if (open) {
        return json_object_set_new(o, key, json_null())
               || json_object_set_new(o, k, json_null());
    }

    if (zt_timeline_iso(ms, tz, iso, sizeof(iso)) != ZT_OK) {
        return -1;
    }

    return json_object_set_new(o, key, json_integer(ms))
           || json_object_set_new(o, k, json_string(iso));
}


/*
 * status_allowlist: "a, b@x.org,c" matches the display name or the email,
 * case-insensitively, as for the status CSV.
 */
static int
zt_timeline_allowed(const char *name, const char *email,
    const char *allowlist)
{
    int          any;
    size_t       len;
    const char  *p, *e;

    if (allowlist == NULL) {
        return 1;
    }

    name = name ? name : "";
    email = email ? email : "";
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

        if ((strlen(name) == len && strncasecmp(name, p, len) == 0)
            || (strlen(email) == len && strncasecmp(email, p, len) == 0))
        {
            return 1;
        }
    }

    return !any;
}


/*
 * A display name that is an email address is cut at the '@' (the CSV's
 * rule).  A name longer than out is cut at a character boundary, so it
 * stays valid UTF-8 for jansson.
 */
static void
zt_timeline_safe_name(const char *name, char *out, size_t len)
{
    char    *at;
    size_t   n;

    n = strlen(name);
    if (n >= len) {
        n = len - 1;
        while (n > 0 && ((unsigned char) name[n] & 0xc0) == 0x80) {
            n--;
        }
    }

    memcpy(out, name, n);
    out[n] = '\0';

    at = strchr(out, '@');
    if (at && strchr(out, ' ') == NULL && strchr(at, '.') != NULL) {
        *at = '\0';
    }
}


static int
zt_timeline_person_cmp(const void *a, const void *b)
{
    int64_t              sa, sb;
    const zt_journey_t  *x = *(const zt_journey_t *const *) a;
    const zt_journey_t  *y = *(const zt_journey_t *const *) b;

    sa = x->nspans ? x->spans[0].start : x->now.last_join;
    sb = y->nspans ? y->spans[0].start : y->now.last_join;

    if (sa != sb) {
        return sa < sb ? -1 : 1;
    }

    return strcmp(x->key ? x->key : "", y->key ? y->key : "");
}


static int
zt_timeline_meeting_cmp(const void *a, const void *b)
{
    int           la, lb;
    json_int_t    sa, sb;
    const json_t  *x = *(json_t *const *) a;
    const json_t  *y = *(json_t *const *) b;

    la = json_is_true(json_object_get(x, "live"));
    lb = json_is_true(json_object_get(y, "live"));
    if (la != lb) {
        return lb - la;
    }

    sa = json_integer_value(json_object_get(x, "start"));
    sb = json_integer_value(json_object_get(y, "start"));

    return sa > sb ? -1 : sa < sb;
}


zt_timeline_topics_t *
zt_timeline_topics_create(void)
{
    return calloc(1, sizeof(zt_timeline_topics_t));
}


void
zt_timeline_topics_free(zt_timeline_topics_t *t)
{
    size_t  i;

    if (t == NULL) {
        return;
    }

    for (i = 0; i < ZT_TIMELINE_TOPICS; i++) {
        free(t->uuid[i]);
        free(t->topic[i]);
    }

    free(t);
}


static int
zt_timeline_topic_slot(const zt_timeline_topics_t *t, const char *uuid)
{
    size_t  i;

    for (i = 0; i < ZT_TIMELINE_TOPICS; i++) {
        if (t->uuid[i] && strcmp(t->uuid[i], uuid) == 0) {
            return (int) i;
        }
    }

    return -1;
}


const char *
zt_timeline_topic(const zt_timeline_topics_t *t, const char *uuid)
{
    int  i;

    if (t == NULL || uuid == NULL) {
        return NULL;
    }

    i = zt_timeline_topic_slot(t, uuid);

    return i >= 0 && t->topic[i][0] ? t->topic[i] : NULL;
}


int
zt_timeline_topics_note(zt_timeline_topics_t *t, const json_t *rec)
{
    int          i;
    char        *u, *tp;
    json_t      *body;
    const char  *uuid, *raw, *topic;

    uuid = json_string_value(json_object_get(rec, "meeting_uuid"));
    if (uuid == NULL || *uuid == '\0') {
        return ZT_OK;
    }

    i = zt_timeline_topic_slot(t, uuid);
    if (i >= 0 && t->topic[i][0]) {
        return ZT_OK;
    }

    raw = json_string_value(json_object_get(rec, "raw_payload"));
    body = raw ? json_loads(raw, 0, NULL) : NULL;
    topic = json_string_value(json_object_get(json_object_get(
                json_object_get(body, "payload"), "object"), "topic"));

    tp = strdup(topic ? topic : "");
    json_decref(body);

    if (tp == NULL) {
        return ZT_ERROR;
    }

    if (i < 0) {
        u = strdup(uuid);
        if (u == NULL) {
            free(tp);
            return ZT_ERROR;
        }

        i = (int) t->next;
        t->next = (t->next + 1) % ZT_TIMELINE_TOPICS;
        free(t->uuid[i]);
        t->uuid[i] = u;
    }

    free(t->topic[i]);
    t->topic[i] = tp;

    return ZT_OK;
}
