/*
 * zt_simulate_model: generates one meeting as Zoom webhook bodies plus its
 * ground truth.  The people act in time order (always the one whose next
 * action is due first); the events are sorted by event_ts at the end.
 * Every action of a person is at least 30 s after their previous one and
 * a rejoin at least 60 s after the leave, so no real leave/rejoin looks
 * like a room move (ZT_MOVE_GAP_MS).
 *
 * Zoom sends the events of one action as separate webhooks with their own
 * event_ts, so they get distinct times: the leaving part (a room leave and
 * a main-meeting leave, in either order) 0-600 ms after the action, the
 * joining part (a main-meeting join and a room join, in either order)
 * 650-1300 ms after it; a room move's main leave always precedes its main
 * join.  At the meeting's end everyone still in gets their leaves (room
 * and main, either order) in the last second, then meeting.ended.
 *
 * The truth follows Zoom's times: a visit ends at its room leave or at the
 * main leave, whichever is first; a presence at the main leave.  Room
 * leaves are dropped (conf.missing) on moves, on leaving the meeting from a
 * room and at the end: the visit then ends at the main leave, which the
 * documented rules recover.
 *
 * This file is the generator: the people's actions and the truth they
 * leave behind.  The webhook bodies are built in zt_simulate_webhook.c,
 * the delivery order in zt_simulate_schedule.c, the truth as JSON in
 * zt_simulate_expected.c.  zt_sim_free() frees all of it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_event.h"
#include "zt_simulate_model_int.h"


#define ZT_SIM_SEC        1000LL
#define ZT_SIM_BASE_MS    1767603600000LL     /* 2026-01-05T09:00:00Z */
#define ZT_SIM_DAY        86400000LL


static double zt_sim_unit(zt_sim_t *s);
static int64_t zt_sim_range(zt_sim_t *s, int64_t lo, int64_t hi);
static void zt_sim_token(zt_sim_t *s, const char *alphabet, char *out,
    size_t n);
static void zt_sim_new_uid(zt_sim_t *s, char *out);
static void zt_sim_meeting(zt_sim_t *s);
static void zt_sim_person(zt_sim_t *s, unsigned i);
static void zt_sim_run(zt_sim_t *s);
static void zt_sim_act(zt_sim_t *s, zt_sim_person_t *p, int64_t t);
static void zt_sim_end(zt_sim_t *s);
static void zt_sim_join(zt_sim_t *s, zt_sim_person_t *p, int64_t t);
static void zt_sim_leave(zt_sim_t *s, zt_sim_person_t *p, int64_t t);
static void zt_sim_move(zt_sim_t *s, zt_sim_person_t *p, int64_t t, int to);
static void zt_sim_close_room(zt_sim_t *s, zt_sim_person_t *p, int64_t t,
    int next);
static void zt_sim_leaving(zt_sim_t *s, zt_sim_person_t *p, int64_t t,
    int64_t lo, int64_t hi, const char *reason, int next);
static void zt_sim_offsets(zt_sim_t *s, int64_t lo, int64_t hi,
    int64_t *a, int64_t *b);
static void zt_sim_sort(zt_sim_t *s);
static void zt_sim_push_visit(zt_sim_t *s, zt_sim_person_t *p, int room,
    int64_t t);
static void zt_sim_push_interval(zt_sim_t *s, zt_sim_person_t *p,
    int64_t t);


static const char  *zt_sim_names[] = {
    "Ay\xc5\x9f" "e Y\xc4\xb1lmaz", "Mehmet Demir", "Alex Kim", "Alex Kim",
    "Jill Chill", "\xc5\x9e" "ule \xc3\x96zt\xc3\xbcrk \xf0\x9f\x8e\x89",
    "Bob Guest", "Carol Danvers", "Deniz Kaya", "Emre \xc5\x9e" "ahin",
    "Fatma \xc3\x87" "elik", "Grace Hopper", "Hiro Tanaka", "Ivan Petrov",
    "Julia \"JJ\" Roberts", "Kemal Ayd\xc4\xb1n",
};

#define ZT_SIM_NNAMES  (sizeof(zt_sim_names) / sizeof(zt_sim_names[0]))

static const char  *zt_sim_b64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char  *zt_sim_idchars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";


zt_sim_t *
zt_sim_create(const zt_sim_conf_t *conf, char *err, size_t errlen)
{
    unsigned   i;
    zt_sim_t  *s;

    if (conf->participants < 1 || conf->participants > 10000
        || conf->rooms > 100 || conf->minutes < 1
        || conf->minutes > 24 * 60 || conf->missing < 0
        || conf->missing > 1)
    {
        snprintf(err, errlen, "need 1-10000 participants, 0-100 rooms, "
                 "1-1440 minutes, missing in [0, 1]");
        return NULL;
    }

    s = calloc(1, sizeof(zt_sim_t));
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    s->conf = *conf;
    s->rng = conf->seed;
    s->people = calloc(conf->participants, sizeof(zt_sim_person_t));
    s->room_uuid = calloc(conf->rooms + 1, sizeof(*s->room_uuid));
    s->room_first = calloc(conf->rooms + 1, sizeof(int64_t));

    if (s->people == NULL || s->room_uuid == NULL || s->room_first == NULL) {
        zt_sim_free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    zt_sim_meeting(s);

    for (i = 0; i < conf->participants; i++) {
        zt_sim_person(s, i);
    }

    zt_sim_emit(s, "meeting.started", s->t0, zt_sim_object(s, -1));
    zt_sim_run(s);
    zt_sim_end(s);
    zt_sim_sort(s);

    if (s->failed) {
        zt_sim_free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    return s;
}


void
zt_sim_free(zt_sim_t *s)
{
    size_t  i;

    if (s == NULL) {
        return;
    }

    for (i = 0; s->people && i < s->conf.participants; i++) {
        free(s->people[i].visits);
        free(s->people[i].iv);
    }

    for (i = 0; i < s->nevents; i++) {
        free(s->events[i].body);
    }

    free(s->events);
    free(s->people);
    free(s->room_uuid);
    free(s->room_first);
    free(s);
}


size_t
zt_sim_nevents(const zt_sim_t *s)
{
    return s->nevents;
}


const zt_sim_event_t *
zt_sim_event(const zt_sim_t *s, size_t i)
{
    return &s->events[i];
}


/* splitmix64 */
uint64_t
zt_sim_rand(uint64_t *state)
{
    uint64_t  z;

    z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}


/* uniform in [0, 1) */
static double
zt_sim_unit(zt_sim_t *s)
{
    return (double) (zt_sim_rand(&s->rng) >> 11) * (1.0 / 9007199254740992.0);
}


/* uniform in [lo, hi] */
static int64_t
zt_sim_range(zt_sim_t *s, int64_t lo, int64_t hi)
{
    return lo + (int64_t) (zt_sim_rand(&s->rng) % (uint64_t) (hi - lo + 1));
}


static void
zt_sim_token(zt_sim_t *s, const char *alphabet, char *out, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        out[i] = alphabet[zt_sim_rand(&s->rng) % 64];
    }
    out[n] = '\0';
}


static void
zt_sim_new_uid(zt_sim_t *s, char *out)
{
    snprintf(out, 24, "%llu",
             (unsigned long long) (16778240 + 1024 * ++s->uids
                                   + zt_sim_rand(&s->rng) % 1024));
}


static void
zt_sim_meeting(zt_sim_t *s)
{
    unsigned  i;

    s->t0 = s->conf.start_ms ? s->conf.start_ms
            : ZT_SIM_BASE_MS + (int64_t) (s->conf.seed % 365) * ZT_SIM_DAY;
    s->tend = s->t0 + (int64_t) s->conf.minutes * 60 * ZT_SIM_SEC;
    s->trooms = s->t0 + (s->tend - s->t0) / 5;

    snprintf(s->meeting_id, sizeof(s->meeting_id), "%lld",
             (long long) zt_sim_range(s, 81000000000LL, 89999999999LL));
    zt_sim_token(s, zt_sim_b64, s->uuid, 22);
    strcat(s->uuid, "==");
    zt_sim_token(s, zt_sim_idchars, s->host_id, 22);
    zt_sim_token(s, zt_sim_idchars, s->account_id, 22);
    snprintf(s->topic, sizeof(s->topic), "zoomtrack simulation %llu",
             (unsigned long long) s->conf.seed);
    zt_sim_iso(s->t0, s->start_time);

    for (i = 0; i < s->conf.rooms; i++) {
        zt_sim_token(s, zt_sim_b64, s->room_uuid[i], 22);
        strcat(s->room_uuid[i], "==");
        s->room_first[i] = -1;
    }
}


/*
 * Identities cycle through: logged in (account id + email), logged in,
 * guest with an email, guest without one (display name only), registrant
 * (registrant_id + email).  The two "Alex Kim"s are a guest with an email
 * and a name-only guest.
 */
static void
zt_sim_person(zt_sim_t *s, unsigned i)
{
    char              slug[64];
    size_t            n;
    const char       *c;
    zt_sim_person_t  *p;

    p = &s->people[i];

    if (i < ZT_SIM_NNAMES) {
        snprintf(p->name, sizeof(p->name), "%s", zt_sim_names[i]);

    } else {
        snprintf(p->name, sizeof(p->name), "Guest %u", i + 1);
    }

    n = 0;
    for (c = p->name; *c && n < sizeof(slug) - 1; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')) {
            slug[n++] = *c;
        }
    }
    slug[n] = '\0';

    switch (i % 5) {
    case 0:
    case 1:
        zt_sim_token(s, zt_sim_idchars, p->id, 22);
        /* fall through */
    case 2:
        snprintf(p->email, sizeof(p->email), "%s%u@Example.org", slug, i);
        break;
    case 4:
        zt_sim_token(s, zt_sim_idchars, p->reg, 22);
        snprintf(p->email, sizeof(p->email), "%s%u@example.net", slug, i);
        break;
    default:
        break;
    }

    zt_sim_token(s, zt_sim_b64, p->puuid, 22);
    zt_person_key(p->id, p->reg, p->email, p->name, p->key, sizeof(p->key));

    p->state = ZT_SIM_OUT;
    p->last_join = -1;
    p->last_left = -1;
    p->last_leave = zt_sim_unit(s) < 0.25;
    p->next = s->t0 + 2 * ZT_SIM_SEC
              + zt_sim_range(s, 0, (s->tend - s->t0) / 10);
}


static void
zt_sim_run(zt_sim_t *s)
{
    unsigned          i;
    int64_t           t, span;
    zt_sim_person_t  *p, *due;

    span = (s->tend - s->t0) / 8;
    if (span < 30 * ZT_SIM_SEC) {
        span = 30 * ZT_SIM_SEC;
    }

    for ( ;; ) {
        due = NULL;

        for (i = 0; i < s->conf.participants; i++) {
            p = &s->people[i];
            if (p->state != ZT_SIM_GONE
                && p->next < s->tend - 5 * ZT_SIM_SEC
                && (due == NULL || p->next < due->next))
            {
                due = p;
            }
        }

        if (due == NULL || s->failed) {
            return;
        }

        t = due->next;
        zt_sim_act(s, due, t);

        if (due->state == ZT_SIM_OUT) {
            due->next = t + 60 * ZT_SIM_SEC
                        + zt_sim_range(s, 0, 180 * ZT_SIM_SEC);

        } else {
            due->next = t + 30 * ZT_SIM_SEC + zt_sim_range(s, 0, span);
        }
    }
}


static void
zt_sim_act(zt_sim_t *s, zt_sim_person_t *p, int64_t t)
{
    int     open, r;
    double  u;

    open = s->conf.rooms > 0 && t >= s->trooms;
    u = zt_sim_unit(s);

    switch (p->state) {

    case ZT_SIM_OUT:
        zt_sim_join(s, p, t);
        break;

    case ZT_SIM_MAIN:
        if (open && u < 0.55) {
            zt_sim_move(s, p, t, (int) zt_sim_range(s, 0, s->conf.rooms - 1));

        } else if (u > (open ? 0.85 : 0.88)) {
            zt_sim_leave(s, p, t);
        }
        break;

    case ZT_SIM_ROOM:
        if (u < 0.35 && s->conf.rooms > 1) {
            r = (int) zt_sim_range(s, 0, s->conf.rooms - 2);
            zt_sim_move(s, p, t, r >= p->room ? r + 1 : r);

        } else if (u < 0.70) {
            zt_sim_move(s, p, t, -1);

        } else if (u < 0.80) {
            zt_sim_leave(s, p, t);
        }
        break;

    default:
        break;
    }
}


/*
 * People still in get Zoom's leaves in the last second (from a room: the
 * room leave and the main leave), then meeting.ended.
 */
static void
zt_sim_end(zt_sim_t *s)
{
    unsigned          i;
    json_t           *o;
    zt_sim_person_t  *p;
    char              reason[160], end[24];

    if (s->conf.no_end) {
        return;
    }

    for (i = 0; i < s->conf.participants; i++) {
        p = &s->people[i];

        if (p->state != ZT_SIM_MAIN && p->state != ZT_SIM_ROOM) {
            continue;
        }

        snprintf(reason, sizeof(reason), "%s left the meeting.<br>"
                 "Reason: Host ended the meeting.", p->name);
        zt_sim_leaving(s, p, s->tend - 1000, 0, 999, reason,
                       ZT_SIM_NEXT_LEFT);

        p->iv[p->niv - 1].leave = p->last_left;
        p->state = ZT_SIM_GONE;
    }

    zt_sim_iso(s->tend, end);
    o = zt_sim_object(s, -1);
    if (o && json_object_set_new(o, "end_time", json_string(end)) != 0) {
        s->failed = 1;
    }
    zt_sim_emit(s, "meeting.ended", s->tend, o);
}


/*
 * The leaving part of an action at t: a main leave, and from a room the
 * room leave (lost with probability conf.missing), at distinct times in
 * [t + lo, t + hi], in either order.  Closes the visit (next: where the
 * person goes) at the first of them and sets last_left to the main leave.
 */
static void
zt_sim_leaving(zt_sim_t *s, zt_sim_person_t *p, int64_t t, int64_t lo,
    int64_t hi, const char *reason, int next)
{
    int64_t  a, b;

    zt_sim_offsets(s, lo, hi, &a, &b);

    if (p->state == ZT_SIM_ROOM) {
        if (zt_sim_unit(s) >= s->conf.missing) {
            zt_sim_participant_event(s, p, t + b, 0, p->room, reason);

        } else {
            b = a;          /* lost: the visit ends at the main leave */
        }
        zt_sim_close_room(s, p, t + (a < b ? a : b), next);
    }

    zt_sim_participant_event(s, p, t + a, 0, -1, reason);
    p->last_left = t + a;
}


/* two distinct offsets in [lo, hi], in random order */
static void
zt_sim_offsets(zt_sim_t *s, int64_t lo, int64_t hi, int64_t *a, int64_t *b)
{
    *a = zt_sim_range(s, lo, hi);

    do {
        *b = zt_sim_range(s, lo, hi);
    } while (*b == *a);
}


static void
zt_sim_join(zt_sim_t *s, zt_sim_person_t *p, int64_t t)
{
    zt_sim_new_uid(s, p->uid);
    zt_sim_participant_event(s, p, t, 1, -1, NULL);
    zt_sim_push_interval(s, p, t);
    p->last_join = t;
    p->state = ZT_SIM_MAIN;
}


static void
zt_sim_leave(zt_sim_t *s, zt_sim_person_t *p, int64_t t)
{
    char  reason[160];

    snprintf(reason, sizeof(reason), "%s left the meeting.<br>Reason: "
             "left the meeting.", p->name);

    zt_sim_leaving(s, p, t, 0, 600, reason, ZT_SIM_NEXT_LEFT);

    p->iv[p->niv - 1].leave = p->last_left;
    p->state = p->last_leave ? ZT_SIM_GONE : ZT_SIM_OUT;
}


/*
 * to: a room index, or -1 for the main room.  Zoom's pair: a main leave
 * then a main join within the gap, around the room leave and room join.
 */
static void
zt_sim_move(zt_sim_t *s, zt_sim_person_t *p, int64_t t, int to)
{
    char     reason[160];
    int64_t  last_left, j, rj;

    snprintf(reason, sizeof(reason), "%s left the meeting.<br>Reason: "
             "moved to a breakout room.", p->name);

    /* a move is no departure: the truth keeps the last real leave */
    last_left = p->last_left;
    zt_sim_leaving(s, p, t, 0, 600, reason,
                   to < 0 ? ZT_SIM_NEXT_MAIN : to);
    p->last_left = last_left;

    zt_sim_offsets(s, 650, 1300, &j, &rj);
    zt_sim_participant_event(s, p, t + j, 1, -1, NULL);

    if (to < 0) {
        p->state = ZT_SIM_MAIN;
        return;
    }

    zt_sim_new_uid(s, p->room_uid);
    p->room = to;
    p->state = ZT_SIM_ROOM;
    zt_sim_participant_event(s, p, t + rj, 1, to, NULL);
    zt_sim_push_visit(s, p, to, t + rj);

    if (s->room_first[to] < 0 || t + rj < s->room_first[to]) {
        s->room_first[to] = t + rj;
    }
}


static void
zt_sim_close_room(zt_sim_t *s, zt_sim_person_t *p, int64_t t, int next)
{
    if (p->nvisits) {
        p->visits[p->nvisits - 1].leave = t;
        p->visits[p->nvisits - 1].next = next;
    }
}


static void
zt_sim_push_visit(zt_sim_t *s, zt_sim_person_t *p, int room, int64_t t)
{
    zt_sim_visit_t  *v;

    v = realloc(p->visits, (p->nvisits + 1) * sizeof(zt_sim_visit_t));
    if (v == NULL) {
        s->failed = 1;
        return;
    }

    p->visits = v;
    v[p->nvisits].room = room;
    v[p->nvisits].join = t;
    v[p->nvisits].next = ZT_SIM_NEXT_MAIN;
    v[p->nvisits++].leave = ZT_SIM_OPEN;
}


static void
zt_sim_push_interval(zt_sim_t *s, zt_sim_person_t *p, int64_t t)
{
    zt_sim_interval_t  *iv;

    iv = realloc(p->iv, (p->niv + 1) * sizeof(zt_sim_interval_t));
    if (iv == NULL) {
        s->failed = 1;
        return;
    }

    p->iv = iv;
    iv[p->niv].join = t;
    iv[p->niv++].leave = ZT_SIM_OPEN;
}


static int
zt_sim_event_cmp(const void *a, const void *b)
{
    const zt_sim_event_t  *x = a, *y = b;

    if (x->ts != y->ts) {
        return x->ts < y->ts ? -1 : 1;
    }

    /* equal times keep their generation order */
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}


/* the events in event_ts order (jitter moved some past later actions) */
static void
zt_sim_sort(zt_sim_t *s)
{
    qsort(s->events, s->nevents, sizeof(zt_sim_event_t), zt_sim_event_cmp);
}
