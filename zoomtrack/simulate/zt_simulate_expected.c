/*
 * zt_simulate_expected: the simulated meeting's ground truth as JSON, as
 * the sinks must end up showing it (zt_sim_expected(); the format is in
 * `zoomtrack simulate --help`): the rooms with their Room-N names, and
 * per person the status, last join and leave, the room, the visits and
 * the presence intervals.  The caller owns (json_decref()s) the result.
 */

#include <stdio.h>
#include <string.h>

#include "zt_time.h"
#include "zt_simulate_model_int.h"


static unsigned zt_sim_room_no(const zt_sim_t *s, int room);
static json_t *zt_sim_time(int64_t ms);
static json_t *zt_sim_local(int64_t ms, const char *tz);
static json_t *zt_sim_person_json(const zt_sim_t *s,
    const zt_sim_person_t *p, const char *tz);


/* Room-N: rooms numbered by the first entry of anyone (then uuid) */
static unsigned
zt_sim_room_no(const zt_sim_t *s, int room)
{
    unsigned  i, no;

    no = 1;

    for (i = 0; i < s->conf.rooms; i++) {
        if (s->room_first[i] >= 0
            && (s->room_first[i] < s->room_first[room]
                || (s->room_first[i] == s->room_first[room]
                    && strcmp(s->room_uuid[i], s->room_uuid[room]) < 0)))
        {
            no++;
        }
    }

    return no;
}


static json_t *
zt_sim_time(int64_t ms)
{
    return ms < 0 ? json_null() : json_integer(ms);
}


/* as the status CSV shows it; "" for none */
static json_t *
zt_sim_local(int64_t ms, const char *tz)
{
    char  buf[32];

    buf[0] = '\0';
    if (ms >= 0
        && zt_time_format_tz(ms, tz, "%Y-%m-%d %H:%M:%S", buf, sizeof(buf))
           != ZT_OK)
    {
        buf[0] = '\0';
    }

    return json_string(buf);
}


json_t *
zt_sim_expected(const zt_sim_t *s, const char *tz)
{
    int       bad;
    char      name[32];
    unsigned  i;
    json_t   *root, *rooms, *people;

    rooms = json_array();
    people = json_array();

    root = json_pack("{s:s, s:s, s:s, s:I, s:o, s:b, s:I, s:o, s:o}",
                     "meeting_id", s->meeting_id, "meeting_uuid", s->uuid,
                     "topic", s->topic, "start_ms", (json_int_t) s->t0,
                     "end_ms", s->conf.no_end ? json_null()
                                              : json_integer(s->tend),
                     "ended", !s->conf.no_end,
                     "seed", (json_int_t) s->conf.seed,
                     "rooms", rooms, "participants", people);
    if (root == NULL) {
        return NULL;
    }

    bad = 0;

    for (i = 0; i < s->conf.rooms; i++) {
        if (s->room_first[i] < 0) {
            continue;
        }

        snprintf(name, sizeof(name), "Room-%u", zt_sim_room_no(s, (int) i));
        bad |= json_array_append_new(rooms, json_pack("{s:s, s:s, s:I}",
                   "room_uuid", s->room_uuid[i], "room_name", name,
                   "first_join_ms", (json_int_t) s->room_first[i]));
    }

    for (i = 0; i < s->conf.participants && !bad; i++) {
        bad |= json_array_append_new(people,
                   zt_sim_person_json(s, &s->people[i], tz));
    }

    if (bad) {
        json_decref(root);
        return NULL;
    }

    return root;
}


static json_t *
zt_sim_person_json(const zt_sim_t *s, const zt_sim_person_t *p,
    const char *tz)
{
    int                    online, in_room, bad;
    char                   room[32], next[32];
    size_t                 i;
    json_t                *o, *visits, *iv;
    const zt_sim_visit_t  *v;

    online = p->state == ZT_SIM_MAIN || p->state == ZT_SIM_ROOM;
    in_room = p->state == ZT_SIM_ROOM;

    room[0] = '\0';
    if (in_room) {
        snprintf(room, sizeof(room), "Room-%u", zt_sim_room_no(s, p->room));
    }

    visits = json_array();
    iv = json_array();

    o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:s, "
                  "s:o, s:o}",
                  "person_key", p->key, "name", p->name, "email", p->email,
                  "status", online ? "online" : "offline",
                  "last_join", zt_sim_time(p->last_join),
                  "last_left", zt_sim_time(p->last_left),
                  "last_join_local", zt_sim_local(p->last_join, tz),
                  "last_left_local", zt_sim_local(p->last_left, tz),
                  "room", room,
                  "room_uuid", in_room ? s->room_uuid[p->room] : "",
                  "visits", visits, "intervals", iv);
    if (o == NULL) {
        return NULL;
    }

    bad = 0;

    for (i = 0; i < p->nvisits; i++) {
        v = &p->visits[i];
        snprintf(room, sizeof(room), "Room-%u", zt_sim_room_no(s, v->room));

        if (v->next >= 0) {
            snprintf(next, sizeof(next), "Room-%u",
                     zt_sim_room_no(s, v->next));

        } else {
            snprintf(next, sizeof(next), "%s",
                     v->next == ZT_SIM_NEXT_LEFT ? "Left meeting"
                                                 : "Main room");
        }

        bad |= json_array_append_new(visits,
                   json_pack("{s:s, s:s, s:I, s:o, s:s}",
                   "room_uuid", s->room_uuid[v->room], "room_name", room,
                   "join_ms", (json_int_t) v->join,
                   "leave_ms", zt_sim_time(v->leave), "next_room", next));
    }

    for (i = 0; i < p->niv; i++) {
        bad |= json_array_append_new(iv, json_pack("[I, o]",
                   (json_int_t) p->iv[i].join, zt_sim_time(p->iv[i].leave)));
    }

    if (bad) {
        json_decref(o);
        return NULL;
    }

    return o;
}
