/*
 * zt_status_timeline: the timeline JSON of the live and recently ended
 * meetings (zt_status_timeline.h).  Everything comes from the presence
 * engine's journeys; this file only chooses what is shown (the meetings,
 * the allowlist, no emails) and how (ms and local ISO strings, open ends as
 * null).  The status sink calls zt_timeline_render() when it rewrites the
 * CSV and at least every heartbeat_s.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "zt_utf8.h"
#include "zt_time.h"
#include "zt_status_timeline.h"


/* a meeting to write, with its journeys */
typedef struct {
    zt_presence_meeting_info_t   mi;
    int                          live;
    zt_journey_t                *j;
    size_t                       n;
} zt_timeline_mtg_t;


static void zt_timeline_digits(char *out, int64_t v, int n);
static int zt_timeline_collect(const zt_presence_t *p,
    const zt_timeline_opts_t *o, zt_timeline_mtg_t **msp, size_t *kp);
static int zt_timeline_doc(zt_timeline_mtg_t *ms, size_t k,
    const zt_timeline_opts_t *o, const char *iso, char **out, size_t *len);
static int zt_timeline_meeting(FILE *f, const zt_presence_meeting_info_t *mi,
    int live, const zt_journey_t *j, size_t n, const zt_timeline_opts_t *o);
static void zt_timeline_person(FILE *f, const zt_journey_t *j,
    const char *tz);
static void zt_timeline_time(FILE *f, const char *sep, const char *key,
    int64_t ms, int open, const char *tz);
static void zt_timeline_str(FILE *f, const char *s);
static void zt_timeline_safe_name(const char *name, char *out, size_t len);
static int zt_timeline_person_cmp(const void *a, const void *b);
static int zt_timeline_meeting_cmp(const void *a, const void *b);

struct zt_timeline_topics_s {
    char    *uuid[ZT_TIMELINE_TOPICS];
    char    *topic[ZT_TIMELINE_TOPICS];
    size_t   next;                  /* ring: the slot replaced next */
};


/*
 * The UTC offset of tz at ms, in seconds.  A render formats thousands of
 * times, and localtime_r() costs about a microsecond each: offsets are
 * cached per 15-minute bucket (time zones change offset on such
 * boundaries), per thread (the status sink formats in its own).
 */
static int
zt_timeline_offset(int64_t ms, const char *tz, long *off)
{
    char     z[8];
    int64_t  bucket;

    static __thread struct {
        char     tz[64];
        int64_t  bucket;
        long     off;
        int      valid;
    } c;

    tz = tz ? tz : "";
    bucket = (ms >= 0 ? ms : ms - 899999) / 900000;

    if (c.valid && c.bucket == bucket && strcmp(c.tz, tz) == 0) {
        *off = c.off;
        return ZT_OK;
    }

    /* strftime's %z: +0300, -0230 */
    if (zt_time_format_tz(ms, tz, "%z", z, sizeof(z)) != ZT_OK
        || strlen(z) != 5 || (z[0] != '+' && z[0] != '-'))
    {
        return ZT_ERROR;
    }

    *off = ((z[1] - '0') * 10 + (z[2] - '0')) * 3600
           + ((z[3] - '0') * 10 + (z[4] - '0')) * 60;
    if (z[0] == '-') {
        *off = -*off;
    }

    c.valid = strlen(tz) < sizeof(c.tz);
    snprintf(c.tz, sizeof(c.tz), "%s", tz);
    c.bucket = bucket;
    c.off = *off;

    return ZT_OK;
}


int
zt_timeline_iso(int64_t ms, const char *tz, char *out, size_t outlen)
{
    int       y;
    long      off, ao;
    int64_t   t, days, sec, era;
    unsigned  doe, yoe, doy, mp, m, d;

    if (zt_timeline_offset(ms, tz, &off) != ZT_OK) {
        return ZT_ERROR;
    }

    /* local wall clock: days since the epoch, then the civil date */
    t = ms + (int64_t) off * 1000;
    days = (t >= 0 ? t : t - 86399999) / 86400000;
    sec = (t - days * 86400000) / 1000;

    days += 719468;
    era = (days >= 0 ? days : days - 146096) / 146097;
    doe = (unsigned) (days - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = (int) ((int64_t) yoe + era * 400 + (m <= 2));

    ao = off < 0 ? -off : off;

    /* by hand: snprintf() was a fifth of a render's time */
    if (outlen < 30 || y < 0 || y > 9999) {
        return ZT_ERROR;
    }

    zt_timeline_digits(out, y, 4);
    out[4] = '-';
    zt_timeline_digits(out + 5, m, 2);
    out[7] = '-';
    zt_timeline_digits(out + 8, d, 2);
    out[10] = 'T';
    zt_timeline_digits(out + 11, sec / 3600, 2);
    out[13] = ':';
    zt_timeline_digits(out + 14, sec / 60 % 60, 2);
    out[16] = ':';
    zt_timeline_digits(out + 17, sec % 60, 2);
    out[19] = '.';
    zt_timeline_digits(out + 20, ((ms % 1000) + 1000) % 1000, 3);
    out[23] = off < 0 ? '-' : '+';
    zt_timeline_digits(out + 24, ao / 3600, 2);
    out[26] = ':';
    zt_timeline_digits(out + 27, ao / 60 % 60, 2);
    out[29] = '\0';

    return ZT_OK;
}


/* n decimal digits of v, zero-padded */
static void
zt_timeline_digits(char *out, int64_t v, int n)
{
    while (n-- > 0) {
        out[n] = (char) ('0' + v % 10);
        v /= 10;
    }
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


int
zt_timeline_render(const zt_presence_t *p, const zt_timeline_opts_t *o,
    char **out, size_t *len)
{
    int                 rc;
    char                iso[40];
    size_t              i, k;
    zt_timeline_mtg_t  *ms;

    *out = NULL;
    *len = 0;

    if (zt_timeline_iso(o->now_ms, o->tz, iso, sizeof(iso)) != ZT_OK) {
        return ZT_ERROR;
    }

    rc = zt_timeline_collect(p, o, &ms, &k);

    if (rc == ZT_OK) {
        rc = zt_timeline_doc(ms, k, o, iso, out, len);
    }

    for (i = 0; i < k; i++) {
        zt_presence_journeys_free(ms[i].j, ms[i].n);
    }

    free(ms);

    if (rc != ZT_OK) {
        free(*out);
        *out = NULL;
        *len = 0;
    }

    return rc;
}


/*
 * The meetings shown and their journeys (*ms, *k of them, the caller's to
 * free even after ZT_ERROR), in the order of the state.
 */
static int
zt_timeline_collect(const zt_presence_t *p, const zt_timeline_opts_t *o,
    zt_timeline_mtg_t **msp, size_t *kp)
{
    int                         rc, live;
    size_t                      i, nm, k, cap;
    zt_timeline_mtg_t          *ms, *x;
    zt_presence_meeting_info_t  mi;

    nm = zt_presence_nmeetings(p);
    ms = NULL;
    k = 0;
    cap = 0;
    rc = ZT_OK;

    for (i = 0; i < nm && rc == ZT_OK; i++) {
        zt_presence_meeting_info(p, i, &mi);

        /*
         * nothing for 12 hours: neither live nor recent, whatever a lost
         * meeting.ended left online; the state keeps thousands of these.
         * By its last event, not its end: the start of a later instance
         * of its id (the end of one whose meeting.ended was lost) can
         * come days after it
         */
        if (mi.last_ts < o->now_ms - o->keep_ms) {
            continue;
        }

        if (k == cap) {
            cap = cap ? 2 * cap : 16;
            x = realloc(ms, cap * sizeof(zt_timeline_mtg_t));
            if (x == NULL) {
                rc = ZT_ERROR;
                break;
            }
            ms = x;
        }

        ms[k].mi = mi;
        if (zt_presence_journeys(p, mi.uuid, &ms[k].j, &ms[k].n) != ZT_OK) {
            rc = ZT_ERROR;
            break;
        }

        if (!zt_timeline_wanted(&mi, ms[k].j, ms[k].n, o, &live)) {
            zt_presence_journeys_free(ms[k].j, ms[k].n);
            continue;
        }

        ms[k++].live = live;
    }

    *msp = ms;
    *kp = k;

    return rc;
}


/* the document, live meetings first, latest first, into *out */
static int
zt_timeline_doc(zt_timeline_mtg_t *ms, size_t k, const zt_timeline_opts_t *o,
    const char *iso, char **out, size_t *len)
{
    int      rc;
    FILE    *f;
    size_t   i;

    f = open_memstream(out, len);
    if (f == NULL) {
        return ZT_ERROR;
    }

    if (k > 1) {
        qsort(ms, k, sizeof(zt_timeline_mtg_t), zt_timeline_meeting_cmp);
    }

    fprintf(f, "{\"version\":%d,\"generated_at\":%" PRId64
            ",\"generated_at_iso\":\"%s\",\"heartbeat_s\":%" PRId64
            ",\"timezone\":", ZT_TIMELINE_VERSION, o->now_ms, iso,
            o->heartbeat_s);
    zt_timeline_str(f, o->tz && *o->tz ? o->tz : "UTC");
    fputs(",\"meetings\":[", f);

    rc = ZT_OK;

    for (i = 0; i < k && rc == ZT_OK; i++) {
        fputs(i ? "," : "", f);
        rc = zt_timeline_meeting(f, &ms[i].mi, ms[i].live, ms[i].j,
                                 ms[i].n, o);
    }

    fputs("]}\n", f);

    if (ferror(f)) {
        rc = ZT_ERROR;
    }

    if (fclose(f) != 0) {
        rc = ZT_ERROR;
    }

    return rc;
}


/* one meeting's object; people by first arrival, then key */
static int
zt_timeline_meeting(FILE *f, const zt_presence_meeting_info_t *mi, int live,
    const zt_journey_t *j, size_t n, const zt_timeline_opts_t *o)
{
    size_t                i, first;
    unsigned              no, max;
    const char           *topic;
    const zt_journey_t  **keep;

    keep = malloc((n ? n : 1) * sizeof(zt_journey_t *));
    if (keep == NULL) {
        return ZT_ERROR;
    }

    max = 0;
    for (i = 0; i < n; i++) {
        keep[i] = &j[i];
        for (no = 0; no < j[i].nvisits; no++) {
            if (j[i].visits[no].room_no > max) {
                max = j[i].visits[no].room_no;
            }
        }
    }

    qsort(keep, n, sizeof(keep[0]), zt_timeline_person_cmp);

    fputs("{\"meeting_id\":", f);
    zt_timeline_str(f, mi->id ? mi->id : "");
    fputs(",\"meeting_uuid\":", f);
    zt_timeline_str(f, mi->uuid ? mi->uuid : "");
    fputs(",\"topic\":", f);
    topic = zt_timeline_topic(o->topics, mi->uuid);
    if (topic) {
        zt_timeline_str(f, topic);
    } else {
        fputs("null", f);
    }
    fprintf(f, ",\"live\":%s", live ? "true" : "false");
    zt_timeline_time(f, ",", "start", mi->first_ts, 0, o->tz);
    zt_timeline_time(f, ",", "end", mi->ended, mi->ended == 0, o->tz);
    zt_timeline_time(f, ",", "last_event", mi->last_ts, 0, o->tz);

    /* rooms are Room-N, numbered per meeting as in the CSV */
    fputs(",\"rooms\":[", f);
    for (no = 1; no <= max; no++) {
        fprintf(f, "%s{\"room\":%u,\"name\":\"Room-%u\"}", no > 1 ? "," : "",
                no, no);
    }

    fputs("],\"people\":[", f);
    first = 1;

    for (i = 0; i < n; i++) {
        const zt_journey_t  *pj = keep[i];

        if (pj->nspans == 0 && !pj->now.online) {
            continue;
        }

        if (!zt_presence_allowed(o->allowlist,
                                 pj->now.name ? pj->now.name : pj->name,
                                 pj->now.email ? pj->now.email : pj->email))
        {
            continue;
        }

        fputs(first ? "" : ",", f);
        first = 0;
        zt_timeline_person(f, pj, o->tz);
    }

    fputs("]}", f);
    free(keep);

    return ZT_OK;
}


/*
 * A person: the live state and the journey.  The engine ends an open
 * interval or visit at the meeting's last event; here it is open (null)
 * while the person is online, there.
 */
static void
zt_timeline_person(FILE *f, const zt_journey_t *j, const char *tz)
{
    int                       open;
    char                      name[256];
    size_t                    i, cur;
    const zt_presence_row_t  *now = &j->now;

    zt_timeline_safe_name(now->name && *now->name ? now->name
                          : (j->name ? j->name : ""), name, sizeof(name));

    fputs("{\"name\":", f);
    zt_timeline_str(f, name);
    fprintf(f, ",\"online\":%s", now->online ? "true" : "false");
    if (now->online && now->room_no) {
        fprintf(f, ",\"room\":%u", now->room_no);
    } else {
        fputs(",\"room\":null", f);
    }
    zt_timeline_time(f, ",", "last_join", now->last_join,
                     now->last_join == 0, tz);
    zt_timeline_time(f, ",", "last_left", now->last_left,
                     now->last_left == 0, tz);

    fputs(",\"intervals\":[", f);
    for (i = 0; i < j->nspans; i++) {
        open = now->online && i + 1 == j->nspans;
        fputs(i ? ",{" : "{", f);
        zt_timeline_time(f, "", "from", j->spans[i].start, 0, tz);
        zt_timeline_time(f, ",", "to", j->spans[i].end, open, tz);
        fputc('}', f);
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

    fputs("],\"visits\":[", f);
    for (i = 0; i < j->nvisits; i++) {
        fprintf(f, "%s{\"room\":%u", i ? "," : "", j->visits[i].room_no);
        zt_timeline_time(f, ",", "from", j->visits[i].start, 0, tz);
        zt_timeline_time(f, ",", "to", j->visits[i].end, i == cur, tz);
        fputc('}', f);
    }

    fputs("]}", f);
}


/* sep"key":ms,"key_iso":"..." or, while open, null twice */
static void
zt_timeline_time(FILE *f, const char *sep, const char *key, int64_t ms,
    int open, const char *tz)
{
    char  iso[40];

    if (open || zt_timeline_iso(ms, tz, iso, sizeof(iso)) != ZT_OK) {
        fprintf(f, "%s\"%s\":null,\"%s_iso\":null", sep, key, key);
        return;
    }

    fprintf(f, "%s\"%s\":%" PRId64 ",\"%s_iso\":\"%s\"", sep, key, ms,
            key, iso);
}


/* a JSON string; s is valid UTF-8 (it came through jansson) */
static void
zt_timeline_str(FILE *f, const char *s)
{
    const char  *run;

    fputc('"', f);

    for (run = s; *s; s++) {
        if (*s != '"' && *s != '\\' && (unsigned char) *s >= 0x20) {
            continue;
        }

        fwrite(run, 1, (size_t) (s - run), f);
        run = s + 1;

        if (*s == '"' || *s == '\\') {
            fputc('\\', f);
            fputc(*s, f);

        } else {
            fprintf(f, "\\u%04x", (unsigned) (unsigned char) *s);
        }
    }

    fwrite(run, 1, (size_t) (s - run), f);
    fputc('"', f);
}




/*
 * A display name that is an email address is cut at the '@' (the CSV's
 * rule).  A name longer than out is cut at a character boundary, so it
 * stays valid UTF-8 for jansson.
 */
static void
zt_timeline_safe_name(const char *name, char *out, size_t len)
{
    size_t  n;

    n = zt_utf8_cut(name, zt_presence_name_len(name), len - 1);

    memcpy(out, name, n);
    out[n] = '\0';
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
    const zt_timeline_mtg_t  *x = a, *y = b;

    if (x->live != y->live) {
        return y->live - x->live;
    }

    return x->mi.first_ts > y->mi.first_ts ? -1
           : x->mi.first_ts < y->mi.first_ts;
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
