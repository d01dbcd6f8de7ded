/*
 * Property test of the presence engine (zoomtrack/presence/) over random
 * meetings of the simulate model: for every seed, with lost room leaves,
 * duplicate deliveries and a shuffled order,
 *
 *   - folding the events incrementally, in random batch sizes, with the
 *     state saved to JSON and restored into a new engine between batches
 *     (whole or per meeting: what the status sink does), gives exactly the
 *     journeys (people, presence intervals, visits, next rooms, live
 *     state) of folding them all at once (what the report does);
 *   - those journeys are simulate's truth (its expectation JSON).
 *
 * ZT_PROP_SEEDS overrides the number of seeds (default 200; 40 under
 * valgrind, which runs it ~30 times slower: `make valgrind` checks the
 * memory, the plain run the property).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_event.h"
#include "zt_presence.h"
#include "zt_simulate_model.h"
#include "tap.h"


static uint64_t  rng = 0x2545f4914f6cdd1dULL;


static uint64_t
next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}


/* the queue record core makes of a body, parsed; NULL if refused */
static json_t *
record(const zt_sim_event_t *e)
{
    char         *r;
    json_t       *j;
    const char   *reason;
    zt_event_t    ev;

    if (zt_event_parse((const unsigned char *) e->body, e->len, &ev, &reason)
        != ZT_OK)
    {
        zt_event_free(&ev);
        return NULL;
    }

    r = zt_event_record(&ev, (const unsigned char *) e->body, e->len,
                        e->ts + 1500, NULL);
    zt_event_free(&ev);

    j = r ? json_loads(r, 0, NULL) : NULL;
    free(r);
    return j;
}


/* a restart: the state through JSON into a new engine */
static zt_presence_t *
restore(zt_presence_t *p, int per_meeting)
{
    size_t                       i;
    json_t                      *j, *a, *jm;
    zt_presence_t               *q;
    zt_presence_meeting_info_t   info;

    a = json_array();

    if (per_meeting) {
        for (i = 0; i < zt_presence_nmeetings(p); i++) {
            zt_presence_meeting_info(p, i, &info);
            jm = zt_presence_meeting_save(p, info.uuid);
            json_array_append_new(a, jm);
        }
        j = json_pack("{s:i, s:o}", "version", 1, "meetings", a);

    } else {
        json_decref(a);
        j = zt_presence_to_json(p);
    }

    zt_presence_free(p);

    q = zt_presence_create();

    if (per_meeting) {
        json_array_foreach(json_object_get(j, "meetings"), i, jm) {
            if (zt_presence_meeting_load(q, jm) != ZT_OK) {
                printf("# meeting_load failed\n");
            }
        }

    } else if (zt_presence_from_json(q, j) != ZT_OK) {
        printf("# from_json failed\n");
    }

    json_decref(j);
    return q;
}


static int
strcmp_ptr(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}


/* journeys as one comparable text, sorted by person */
static char *
dump(const zt_presence_t *p)
{
    char          *buf, **lines;
    size_t         i, k, n, len;
    FILE          *f;
    zt_journey_t  *j;

    if (zt_presence_journeys(p, NULL, &j, &n) != ZT_OK) {
        return strdup("(out of memory)");
    }

    lines = calloc(n + 1, sizeof(char *));

    for (i = 0; i < n; i++) {
        f = open_memstream(&lines[i], &len);
        fprintf(f, "%s known=%d now=%d/%lld/%lld/%s/%u name=%s email=%s\n",
                j[i].key, j[i].join_time_known, j[i].now.online,
                (long long) j[i].now.last_join,
                (long long) j[i].now.last_left,
                j[i].now.room_uuid ? j[i].now.room_uuid : "-",
                j[i].now.room_no, j[i].name, j[i].email);

        for (k = 0; k < j[i].nspans; k++) {
            fprintf(f, "  span %lld %lld\n", (long long) j[i].spans[k].start,
                    (long long) j[i].spans[k].end);
        }

        for (k = 0; k < j[i].nvisits; k++) {
            fprintf(f, "  visit %s %u %lld %lld next=%d %s\n",
                    j[i].visits[k].room_uuid, j[i].visits[k].room_no,
                    (long long) j[i].visits[k].start,
                    (long long) j[i].visits[k].end, j[i].visits[k].next,
                    j[i].visits[k].next_room_uuid
                    ? j[i].visits[k].next_room_uuid : "-");
        }

        fclose(f);
    }

    zt_presence_journeys_free(j, n);

    qsort(lines, n, sizeof(char *), strcmp_ptr);

    f = open_memstream(&buf, &len);
    for (i = 0; i < n; i++) {
        fputs(lines[i], f);
        free(lines[i]);
    }
    fclose(f);
    free(lines);

    return buf;
}


static int64_t
ms(const json_t *v)
{
    return json_is_integer(v) ? json_integer_value(v) : 0;
}


/* simulate's truth for one person against the engine's journey */
static int
check_person(const json_t *ep, const zt_journey_t *j, char *why,
    size_t len)
{
    char          next[64];
    size_t        k;
    json_t       *a, *v;
    const char   *want;

    a = json_object_get(ep, "intervals");
    if (json_array_size(a) != j->nspans) {
        snprintf(why, len, "%zu intervals, expected %zu", j->nspans,
                 json_array_size(a));
        return 0;
    }

    json_array_foreach(a, k, v) {
        if (ms(json_array_get(v, 0)) != j->spans[k].start
            || ms(json_array_get(v, 1)) != j->spans[k].end)
        {
            snprintf(why, len, "interval %zu: %lld-%lld, expected %lld-%lld",
                     k, (long long) j->spans[k].start,
                     (long long) j->spans[k].end,
                     (long long) ms(json_array_get(v, 0)),
                     (long long) ms(json_array_get(v, 1)));
            return 0;
        }
    }

    a = json_object_get(ep, "visits");
    if (json_array_size(a) != j->nvisits) {
        snprintf(why, len, "%zu visits, expected %zu", j->nvisits,
                 json_array_size(a));
        return 0;
    }

    json_array_foreach(a, k, v) {
        if (j->visits[k].next == ZT_NEXT_ROOM) {
            snprintf(next, sizeof(next), "Room-%u",
                     j->visits[k].next_room_no);

        } else {
            snprintf(next, sizeof(next), "%s",
                     j->visits[k].next == ZT_NEXT_MAIN ? "Main room"
                                                       : "Left meeting");
        }

        want = json_string_value(json_object_get(v, "next_room"));

        if (strcmp(json_string_value(json_object_get(v, "room_uuid")),
                   j->visits[k].room_uuid) != 0
            || ms(json_object_get(v, "join_ms")) != j->visits[k].start
            || ms(json_object_get(v, "leave_ms")) != j->visits[k].end
            || strcmp(want, next) != 0)
        {
            snprintf(why, len, "visit %zu: %s %lld-%lld %s, expected "
                     "%s %lld-%lld %s", k, j->visits[k].room_uuid,
                     (long long) j->visits[k].start,
                     (long long) j->visits[k].end, next,
                     json_string_value(json_object_get(v, "room_uuid")),
                     (long long) ms(json_object_get(v, "join_ms")),
                     (long long) ms(json_object_get(v, "leave_ms")), want);
            return 0;
        }
    }

    if (j->now.online
        != (strcmp(json_string_value(json_object_get(ep, "status")),
                   "online") == 0)
        || j->now.last_join != ms(json_object_get(ep, "last_join"))
        || j->now.last_left != ms(json_object_get(ep, "last_left"))
        || strcmp(j->now.room_uuid ? j->now.room_uuid : "",
                  json_string_value(json_object_get(ep, "room_uuid"))) != 0)
    {
        snprintf(why, len, "live state %d %lld %lld", j->now.online,
                 (long long) j->now.last_join, (long long) j->now.last_left);
        return 0;
    }

    return 1;
}


/* every participant who joined has exactly simulate's journey */
static int
check_truth(const zt_presence_t *p, const json_t *exp, char *why,
    size_t len)
{
    int            good;
    size_t         i, k, n, want;
    json_t        *ep;
    zt_journey_t  *j;

    if (zt_presence_journeys(p, NULL, &j, &n) != ZT_OK) {
        snprintf(why, len, "out of memory");
        return 0;
    }

    good = 1;
    want = 0;

    json_array_foreach(json_object_get(exp, "participants"), i, ep) {
        if (json_array_size(json_object_get(ep, "intervals")) == 0) {
            continue;
        }

        want++;

        for (k = 0; k < n; k++) {
            if (strcmp(j[k].key, json_string_value(json_object_get(ep,
                                     "person_key"))) == 0)
            {
                break;
            }
        }

        if (k == n) {
            snprintf(why, len, "%s missing",
                     json_string_value(json_object_get(ep, "person_key")));
            good = 0;
            break;
        }

        if (!check_person(ep, &j[k], why, len)) {
            good = 0;
            break;
        }
    }

    if (good && want != n) {
        snprintf(why, len, "%zu people, expected %zu", n, want);
        good = 0;
    }

    zt_presence_journeys_free(j, n);
    return good;
}


static void
one_seed(uint64_t seed, int *same, int *truth)
{
    int             per_meeting;
    char            err[256], *a, *b;
    size_t          i, k, n, batch, *order;
    json_t         *exp, **recs;
    zt_sim_t       *s;
    zt_sim_conf_t   c;
    zt_presence_t  *all, *inc;

    memset(&c, 0, sizeof(c));
    c.participants = 2 + (unsigned) (seed % 23);
    c.rooms = (unsigned) (seed % 7);
    c.minutes = 15 + (unsigned) (seed * 7 % 120);
    c.seed = seed;
    c.missing = 0.3;

    s = zt_sim_create(&c, err, sizeof(err));
    if (s == NULL) {
        printf("# seed %llu: %s\n", (unsigned long long) seed, err);
        *same = *truth = 0;
        return;
    }

    order = zt_sim_schedule(s, 0.2, 16, &n);
    recs = calloc(zt_sim_nevents(s), sizeof(json_t *));
    for (i = 0; i < zt_sim_nevents(s); i++) {
        recs[i] = record(zt_sim_event(s, i));
    }

    /* the report: everything at once */
    all = zt_presence_create();
    for (i = 0; i < n; i++) {
        zt_presence_fold(all, recs[order[i]]);
    }

    /* the status sink: batches, a save and restore after each */
    inc = zt_presence_create();
    per_meeting = (int) (seed & 1);
    for (i = 0; i < n; i = k) {
        batch = 1 + next_rand() % 40;
        for (k = i; k < n && k < i + batch; k++) {
            zt_presence_fold(inc, recs[order[k]]);
        }
        inc = restore(inc, per_meeting);
    }

    a = dump(all);
    b = dump(inc);
    if (strcmp(a, b) != 0) {
        printf("# seed %llu: incremental differs\n# all:\n%s# inc:\n%s",
               (unsigned long long) seed, a, b);
        *same = 0;
    }
    free(a);
    free(b);

    exp = zt_sim_expected(s, "UTC");
    if (!check_truth(all, exp, err, sizeof(err))) {
        printf("# seed %llu: %s\n", (unsigned long long) seed, err);
        *truth = 0;
    }
    json_decref(exp);

    for (i = 0; i < zt_sim_nevents(s); i++) {
        json_decref(recs[i]);
    }
    free(recs);
    free(order);
    zt_presence_free(all);
    zt_presence_free(inc);
    zt_sim_free(s);
}


int
main(void)
{
    int          same, truth;
    unsigned     seeds;
    uint64_t     seed;
    const char  *e;

    e = getenv("ZT_PROP_SEEDS");
    seeds = e ? (unsigned) atoi(e) : 200;

    /* valgrind preloads its vgpreload_*.so into the program */
    if (e == NULL && getenv("LD_PRELOAD")
        && strstr(getenv("LD_PRELOAD"), "vgpreload"))
    {
        seeds = 40;
    }

    same = 1;
    truth = 1;

    for (seed = 1; seed <= seeds; seed++) {
        one_seed(seed, &same, &truth);
    }

    ok(seeds >= 1, "%u seeds", seeds);
    ok(same, "incremental folding with restarts = folding all at once");
    ok(truth, "the journeys are simulate's truth");

    return done_testing();
}
