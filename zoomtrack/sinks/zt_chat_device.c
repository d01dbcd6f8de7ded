/*
 * zt_chat_device: one person on two devices in the chat sink (README,
 * presence rule 9).  One account on a laptop and a phone is one person
 * (zt_person_key) with two participant_uuids, and the chat follows the
 * presence engine: each device has its own presence, run by the rules of
 * one (zt_chat_msg.c), and the person is online while any device is, in
 * the room of the latest room join of a device that is in
 * (zt_presence_room_later, the engine's rule).
 *
 * A person's object in the state is the presence of their first device
 * (its "dev": that device's uuid; events naming no device count for it
 * too), as it was before devices were kept, so a saved state loads as
 * is; every other device has its presence in the person's "devices":
 * { uuid: { "online", "room", "left", "ts", ... } }.
 */

#include <stdint.h>
#include <string.h>

#include "zt_core.h"
#include "zt_chat_msg.h"
#include "zt_presence.h"


json_t *
zt_chat_device(json_t *p, const char *uuid)
{
    json_t      *devs, *d;
    const char  *first;

    if (uuid[0] == '\0') {
        return p;
    }

    first = json_string_value(json_object_get(p, "dev"));

    if (first == NULL) {
        return json_object_set_new(p, "dev", json_string(uuid)) == 0 ? p
                                                                      : NULL;
    }

    if (strcmp(first, uuid) == 0) {
        return p;
    }

    devs = json_object_get(p, "devices");

    if (devs == NULL) {
        devs = json_object();
        if (devs == NULL || json_object_set_new(p, "devices", devs) != 0) {
            return NULL;
        }
    }

    d = json_object_get(devs, uuid);

    if (d == NULL) {
        d = json_pack("{s:b, s:s, s:i, s:i}", "online", 0, "room", "",
                      "left", 0, "ts", 0);
        if (d == NULL || json_object_set_new(devs, uuid, d) != 0) {
            return NULL;
        }
    }

    return d;
}


int
zt_chat_device_others(const json_t *p, const json_t *d)
{
    json_t      *o;
    const char  *uuid;

    if (p != d && json_is_true(json_object_get(p, "online"))) {
        return 1;
    }

    json_object_foreach(json_object_get(p, "devices"), uuid, o) {
        if (o != d && json_is_true(json_object_get(o, "online"))) {
            return 1;
        }
    }

    return 0;
}


/* the room of d when it is in one and wins over *best (rule 9) */
static void
zt_chat_device_best(const json_t *d, const char **best, int64_t *best_ts)
{
    int64_t      ts;
    const char  *room;

    room = zt_chat_str(d, "room");

    if (!json_is_true(json_object_get(d, "online")) || room[0] == '\0') {
        return;
    }

    ts = zt_chat_int(d, "rjoin");

    if ((*best)[0] == '\0'
        || zt_presence_room_later(ts, room, *best_ts, *best))
    {
        *best = room;
        *best_ts = ts;
    }
}


const char *
zt_chat_device_room(const json_t *p)
{
    json_t      *d;
    int64_t      best_ts;
    const char  *best, *uuid;

    best = "";
    best_ts = 0;

    zt_chat_device_best(p, &best, &best_ts);

    json_object_foreach(json_object_get(p, "devices"), uuid, d) {
        zt_chat_device_best(d, &best, &best_ts);
    }

    return best;
}


void
zt_chat_device_offline(json_t *p)
{
    json_t      *d;
    const char  *uuid;

    json_object_set_new(p, "online", json_false());
    json_object_set_new(p, "room", json_string(""));

    json_object_foreach(json_object_get(p, "devices"), uuid, d) {
        json_object_set_new(d, "online", json_false());
        json_object_set_new(d, "room", json_string(""));
    }
}
