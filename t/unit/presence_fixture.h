/*
 * What the presence engine's unit tests share: the event types, a clock
 * at a meeting's start, an event of one person (and device) in meeting
 * "m==", and one person's journey.  Included by one test file each.
 */

#ifndef PRESENCE_FIXTURE_H
#define PRESENCE_FIXTURE_H


#include <string.h>

#include "zt_presence.h"


#define T0   1770109200000LL           /* 2026-02-03 09:00:00 UTC */
#define MIN  60000LL
#define MJ   "meeting.participant_joined"
#define ML   "meeting.participant_left"
#define RJ   "meeting.participant_joined_breakout_room"
#define RL   "meeting.participant_left_breakout_room"
#define END  "meeting.ended"


/* an event of key's device uuid (NULL: a payload without one), under a
 * display name, in meeting mtg at ts, with Zoom's leave_reason (NULL:
 * none) */
static int
ev_why_in(zt_presence_t *p, const char *mtg, const char *type, int64_t ts,
    const char *key, const char *name, const char *room, const char *uuid,
    const char *why)
{
    zt_presence_event_t  e;

    memset(&e, 0, sizeof(e));
    e.event_type = type;
    e.meeting_uuid = mtg;
    e.meeting_id = "123";
    e.person_key = key;
    e.participant_id = "";
    e.registrant_id = "";
    e.participant_name = name;
    e.participant_email = "";
    e.breakout_room_uuid = room ? room : "";
    e.event_ts = ts;
    e.participant_uuid = uuid;
    e.leave_reason = why;

    return zt_presence_fold_event(p, &e);
}


/* the same without a leave_reason */
static int
ev_in(zt_presence_t *p, const char *mtg, const char *type, int64_t ts,
    const char *key, const char *name, const char *room, const char *uuid)
{
    return ev_why_in(p, mtg, type, ts, key, name, room, uuid, NULL);
}


/* the same in meeting "m==", at ms after T0 */
static int
ev_named(zt_presence_t *p, const char *type, int64_t at, const char *key,
    const char *name, const char *room, const char *uuid)
{
    return ev_in(p, "m==", type, T0 + at, key, name, room, uuid);
}


/* an event of key's device uuid, the key its display name too */
static int
evd(zt_presence_t *p, const char *type, int64_t at, const char *key,
    const char *room, const char *uuid)
{
    return ev_named(p, type, at, key, key, room, uuid);
}


/*
 * The journey of key.  *all (NULL at first) is freed and replaced: the
 * caller frees the last one.
 */
static zt_journey_t *
journey(zt_presence_t *p, const char *key, zt_journey_t **all, size_t *n)
{
    size_t  i;

    zt_presence_journeys_free(*all, *n);
    *all = NULL;
    *n = 0;

    if (zt_presence_journeys(p, NULL, all, n) != ZT_OK) {
        return NULL;
    }

    for (i = 0; i < *n; i++) {
        if (strcmp((*all)[i].key, key) == 0) {
            return &(*all)[i];
        }
    }

    return NULL;
}


#endif /* PRESENCE_FIXTURE_H */
