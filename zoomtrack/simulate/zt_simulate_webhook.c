/*
 * zt_simulate_webhook: the simulated meeting's events as Zoom sends them:
 * {"event", "event_ts", "payload": {"account_id", "object"}}, the object
 * the meeting's (with the breakout room's uuid for a room event) and, for
 * a participant event, the participant with Zoom's fields.  Bodies are
 * compact JSON appended to s->events, which zt_sim_free() frees.
 */

#include <stdlib.h>
#include <string.h>

#include "zt_time.h"
#include "zt_simulate_model_int.h"


/* Zoom's participant times: seconds, "2021-07-13T21:45:51Z" */
void
zt_sim_iso(int64_t ms, char *out)
{
    char  buf[ZT_RFC3339_LEN + 1];

    zt_time_rfc3339(ms, buf);
    memcpy(out, buf, 19);
    out[19] = 'Z';
    out[20] = '\0';
}


/* payload.object without the participant; room >= 0 adds the room */
json_t *
zt_sim_object(zt_sim_t *s, int room)
{
    json_t  *o;

    o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i}",
                  "id", s->meeting_id, "uuid", s->uuid,
                  "host_id", s->host_id, "topic", s->topic, "type", 2,
                  "start_time", s->start_time, "timezone", "Europe/Istanbul",
                  "duration", (int) s->conf.minutes);

    if (o && room >= 0
        && json_object_set_new(o, "breakout_room_uuid",
                               json_string(s->room_uuid[room])) != 0)
    {
        json_decref(o);
        return NULL;
    }

    return o;
}


/* appends {"event", "event_ts", "payload": {"account_id", "object"}} */
void
zt_sim_emit(zt_sim_t *s, const char *event, int64_t ts, json_t *object)
{
    char            *body;
    json_t          *root;
    zt_sim_event_t  *e;

    if (object == NULL) {
        s->failed = 1;
        return;
    }

    root = json_pack("{s:s, s:I, s:{s:s, s:o}}", "event", event,
                     "event_ts", (json_int_t) ts, "payload",
                     "account_id", s->account_id, "object", object);
    body = root ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);

    if (body == NULL) {
        s->failed = 1;
        return;
    }

    if (s->nevents == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 256;
        e = realloc(s->events, s->cap * sizeof(zt_sim_event_t));
        if (e == NULL) {
            free(body);
            s->failed = 1;
            return;
        }
        s->events = e;
    }

    e = &s->events[s->nevents];
    e->seq = s->nevents++;
    e->ts = ts;
    e->body = body;
    e->len = strlen(body);
}


/*
 * A participant event: main meeting (room < 0) or breakout room, joined
 * or left (with its leave_reason).
 */
void
zt_sim_participant_event(zt_sim_t *s, zt_sim_person_t *p, int64_t t,
    int join, int room, const char *reason)
{
    int          rc;
    char         iso[24];
    json_t      *o, *part;
    const char  *event;

    zt_sim_iso(t, iso);

    o = zt_sim_object(s, room);
    part = json_object();
    if (o == NULL || part == NULL) {
        json_decref(o);
        json_decref(part);
        s->failed = 1;
        return;
    }

    rc = json_object_set_new(part, "user_id",
                             json_string(room >= 0 ? p->room_uid : p->uid));
    if (room >= 0) {
        rc |= json_object_set_new(part, "parent_user_id",
                                  json_string(p->uid));
    }
    rc |= json_object_set_new(part, "user_name", json_string(p->name));
    rc |= json_object_set_new(part, "id", json_string(p->id));
    rc |= json_object_set_new(part, "participant_uuid",
                              json_string(p->puuid));
    rc |= json_object_set_new(part, join ? "join_time" : "leave_time",
                              json_string(iso));
    if (!join) {
        rc |= json_object_set_new(part, "leave_reason", json_string(reason));
    }
    rc |= json_object_set_new(part, "email", json_string(p->email));
    if (p->reg[0]) {
        rc |= json_object_set_new(part, "registrant_id", json_string(p->reg));
    }
    rc |= json_object_set_new(part, "participant_user_id",
                              json_string(p->id));
    rc |= json_object_set_new(o, "participant", part);

    if (rc != 0) {
        json_decref(o);
        s->failed = 1;
        return;
    }

    if (room >= 0) {
        event = join ? "meeting.participant_joined_breakout_room"
                     : "meeting.participant_left_breakout_room";

    } else {
        event = join ? "meeting.participant_joined"
                     : "meeting.participant_left";
    }

    zt_sim_emit(s, event, t, o);
}
