/*
 * zt_presence: folds events into sets of event times per meeting and
 * person (zt_presence_int.h).  A set insertion is commutative and
 * idempotent, and every derivation (zt_presence_derive.c) reads only the
 * sets, so duplicates and out-of-order arrival give exactly the state of
 * an in-order, once-only delivery.
 *
 * The state folded into (its meetings, people and rooms, found through
 * hash maps, and the meetings' bookkeeping: first and last event, id,
 * dirty flags, pruning) is kept by zt_presence_state.c, which owns and
 * frees it; the sets themselves are zt_presence_ts.c.  Nothing here
 * allocates but through them.
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "zt_event.h"
#include "zt_presence_int.h"
#include "zt_time.h"


static zt_presence_kind_e zt_presence_kind(const char *type);
static const char *zt_presence_jstr(const json_t *o, const char *key);
static int64_t zt_presence_jint(const json_t *o, const char *key);
static int zt_presence_fold_person(zt_presence_meeting_t *m,
    const zt_presence_event_t *ev, zt_presence_kind_e kind);
static int zt_presence_add(zt_presence_meeting_t *m,
    zt_presence_person_t *pp, zt_presence_kind_e kind, const char *room,
    int64_t ts);


int
zt_presence_fold(zt_presence_t *p, const json_t *rec)
{
    zt_presence_event_t  ev;

    ev.event_type = zt_presence_jstr(rec, "event_type");
    ev.meeting_uuid = zt_presence_jstr(rec, "meeting_uuid");
    ev.meeting_id = zt_presence_jstr(rec, "meeting_id");
    ev.person_key = NULL;
    ev.participant_id = zt_presence_jstr(rec, "participant_id");
    ev.registrant_id = zt_presence_jstr(rec, "registrant_id");
    ev.participant_name = zt_presence_jstr(rec, "participant_name");
    ev.participant_email = zt_presence_jstr(rec, "participant_email");
    ev.breakout_room_uuid = zt_presence_jstr(rec, "breakout_room_uuid");
    ev.participant_uuid = zt_presence_jstr(rec, "participant_uuid");
    ev.leave_reason = zt_presence_jstr(rec, "leave_reason");
    ev.event_ts = zt_presence_jint(rec, "event_ts");

    return zt_presence_fold_event(p, &ev);
}


int
zt_presence_fold_event(zt_presence_t *p, const zt_presence_event_t *ev)
{
    int                     rc, changed;
    zt_presence_kind_e      kind;
    zt_presence_meeting_t  *m;

    kind = zt_presence_kind(ev->event_type);

    /*
     * a leave of the waiting room: the person was not in the meeting (never
     * admitted, or put back there and dated by their leave then); taken as
     * a departure it made a row out of nothing, dated from the meeting's
     * start, or a presence running on to it ("came back", a lost join)
     */
    if (kind == ZT_PR_LEAVE && zt_presence_waiting_leave(ev->leave_reason)) {
        kind = ZT_PR_KNOCK;
    }

    if (kind == ZT_PR_IGNORE || ev->event_ts <= 0
        || ev->meeting_uuid[0] == '\0')
    {
        return 0;
    }

    /* a late event of a meeting already dropped (zt_presence_gone.c) */
    if (zt_presence_gone_has(p, ev->meeting_uuid, ev->event_ts)) {
        return 0;
    }

    m = zt_presence_meeting(p, ev->meeting_uuid);
    if (m == NULL) {
        return ZT_ERROR;
    }

    m->seen_ms = zt_time_now_ms();

    changed = zt_presence_set_id(m, ev->meeting_id);
    if (changed == ZT_ERROR) {
        return ZT_ERROR;
    }

    /*
     * someone waiting to get in says nothing of the meeting: it may not
     * have started (the host has not come) or have ended, and its first
     * and last event bound the presence of people whose join or leave
     * was lost
     */
    if (kind == ZT_PR_KNOCK) {
        kind = ZT_PR_OTHER;

    } else {
        changed |= zt_presence_seen(m, ev->event_ts, ev->event_ts);
    }

    if (kind == ZT_PR_END) {
        rc = zt_ts_add(&m->ends, ev->event_ts);

    } else {
        rc = zt_presence_fold_person(m, ev, kind);
    }

    if (rc == ZT_ERROR) {
        return ZT_ERROR;
    }

    changed |= rc;
    m->dirty |= changed;

    return changed;
}


static int
zt_presence_fold_person(zt_presence_meeting_t *m,
    const zt_presence_event_t *ev, zt_presence_kind_e kind)
{
    int                    rc, changed, which;
    char                   buf[ZT_PRESENCE_KEY_LEN];
    int64_t                ts;
    const char            *key, *room, *uuid;
    zt_presence_person_t  *pp;

    key = ev->person_key;

    if (key == NULL) {
        zt_person_key(ev->participant_id, ev->registrant_id,
                      ev->participant_email, ev->participant_name, buf,
                      sizeof(buf));
        key = buf;
    }

    /*
     * no id, email or name (a guest whose name Zoom leaves blank): under
     * "name:" every such guest of the meeting would be one person, so the
     * participant_uuid tells them apart (and links them to a key of
     * theirs that names it, zt_presence_link.c); without one, there is
     * nobody to attribute the event to
     */
    uuid = ev->participant_uuid;

    if (strcmp(key, ZT_PERSON_NO_NAME) == 0) {
        if (uuid == NULL || uuid[0] == '\0') {
            return 0;
        }

        snprintf(buf, sizeof(buf), "%s%s", ZT_PERSON_UUID, uuid);
        key = buf;
    }

    if (key[0] == '\0') {
        return 0;
    }

    room = ev->breakout_room_uuid;
    if ((kind == ZT_PR_ROOM_JOIN || kind == ZT_PR_ROOM_LEAVE)
        && room[0] == '\0')
    {
        kind = ZT_PR_OTHER;     /* a room event without a room */
    }

    pp = zt_presence_person(m, key);
    if (pp == NULL) {
        return ZT_ERROR;
    }

    ts = ev->event_ts;

    /* other events name people for the report, not for the live status */
    which = kind == ZT_PR_OTHER ? ZT_PRESENCE_FIRST
                                : ZT_PRESENCE_FIRST | ZT_PRESENCE_LAST;

    changed = zt_presence_set_str(&pp->name, ev->participant_name, ts,
                                  which);
    rc = zt_presence_set_str(&pp->email, ev->participant_email, ts, which);
    if (changed == ZT_ERROR || rc == ZT_ERROR) {
        return ZT_ERROR;
    }
    changed |= rc;

    rc = zt_presence_add(m, pp, kind, room, ts);
    if (rc == ZT_ERROR) {
        return ZT_ERROR;
    }
    changed |= rc;

    /* the same time in the sets of its device (zt_presence_device.c) */
    if (kind != ZT_PR_OTHER && uuid != NULL && uuid[0] != '\0') {
        pp = zt_presence_device(pp, uuid);
        if (pp == NULL) {
            return ZT_ERROR;
        }

        rc = zt_presence_add(m, pp, kind, room, ts);
        if (rc == ZT_ERROR) {
            return ZT_ERROR;
        }
        changed |= rc;
    }

    return changed;
}


/*
 * Adds ts to the set of pp (a person or one of its devices) the kind
 * names; the room's first join and first event for a room event.
 * Returns 1 when added, 0 when already there, ZT_ERROR.
 */
static int
zt_presence_add(zt_presence_meeting_t *m, zt_presence_person_t *pp,
    zt_presence_kind_e kind, const char *room, int64_t ts)
{
    int                  changed, rc;
    size_t               ri;
    zt_presence_rset_t  *v;

    switch (kind) {

    case ZT_PR_JOIN:
        return zt_ts_add(&pp->joins, ts);

    case ZT_PR_LEAVE:
        return zt_ts_add(&pp->leaves, ts);

    case ZT_PR_ROOM_JOIN:
    case ZT_PR_ROOM_LEAVE:
        if (zt_presence_room(m, room, &ri) != ZT_OK) {
            return ZT_ERROR;
        }

        changed = zt_presence_room_min(&m->rooms[ri],
                                       kind == ZT_PR_ROOM_JOIN
                                       ? ts : ZT_PRESENCE_NONE, ts);

        v = zt_presence_rset(pp, ri);
        if (v == NULL) {
            return ZT_ERROR;
        }

        rc = zt_ts_add(kind == ZT_PR_ROOM_JOIN ? &v->joins : &v->leaves, ts);
        return rc == ZT_ERROR ? ZT_ERROR : (rc | changed);

    default:
        return 0;
    }
}


const char *
zt_presence_leave_reason(const char *leave_reason)
{
    const char  *r, *next;

    if (leave_reason == NULL) {
        return "";
    }

    r = leave_reason;
    while ((next = strcasestr(r, "reason:")) != NULL) {
        r = next + sizeof("reason:") - 1;
    }

    return r + strspn(r, " ");
}


int
zt_presence_reason_is(const char *leave_reason, const char *reason)
{
    size_t       n;
    const char  *r;

    r = zt_presence_leave_reason(leave_reason);
    n = strlen(reason);

    return strncasecmp(r, reason, n) == 0
           && r[n + strspn(r + n, ". ")] == '\0';
}


int
zt_presence_waiting_leave(const char *leave_reason)
{
    return zt_presence_reason_is(leave_reason, "leave waiting room")
           || zt_presence_reason_is(leave_reason,
                                    "removed by host from waiting room");
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
        /* out of the meeting, back to waiting: whether Zoom also sends
         * a participant_left is not established (zoom-api.md); with one,
         * the later of the two is the departure (a lost join's rule) */
        { "meeting.participant_put_in_waiting_room", ZT_PR_LEAVE },
        { "meeting.participant_joined_waiting_room", ZT_PR_KNOCK },
        { "meeting.participant_left_waiting_room", ZT_PR_KNOCK },
        { "meeting.participant_jbh_waiting", ZT_PR_KNOCK },
        { "meeting.participant_jbh_waiting_left", ZT_PR_KNOCK },
    };

    if (type[0] == '\0') {
        return ZT_PR_IGNORE;
    }

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(type, kinds[i].type) == 0) {
            return kinds[i].kind;
        }
    }

    /* counts for the meeting's first/last event and names, as in SQL */
    return ZT_PR_OTHER;
}


/* a string member, "" when absent or not a string */
static const char *
zt_presence_jstr(const json_t *o, const char *key)
{
    const char  *s;

    s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}


static int64_t
zt_presence_jint(const json_t *o, const char *key)
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

