/*
 * zt_chat_msg: presence changes from records (zt_chat_msg.h); the message
 * that says them is zt_chat_text.c.  The rules follow the status CSV's (README,
 * "Presence rules"): one person is one zt_person_key() within a meeting
 * instance; a main-meeting leave followed within ZT_CHAT_MOVE_GAP_MS by a
 * join (main or room) is a breakout-room move, so the leave is taken back
 * before it is said; an event older than the latest one known for the
 * person changes nothing (a late or redelivered event never regresses),
 * main and room events each compared with their own kind, so a move's
 * three events count in any arrival order (zt_chat_person_event);
 * leaving from a room (a room leave and a main leave within
 * ZT_CHAT_MOVE_GAP_MS) is said by the leave alone (zt_chat_text.c);
 * meeting.ended takes everyone offline, and the leaves Zoom sends as the
 * host ends it are said by its end line (zt_chat_end.c).  One person on
 * two devices
 * (README presence rule 9) is in while any device is: these rules run
 * per device and the person's changes follow (zt_chat_device_event).
 * Emails never reach the text: a
 * display name that is an email is cut at the '@' as in the CSV, a leave
 * reason holding an '@' is left out, and a remaining '@' gets a zero-width
 * space after it so "@channel" in a name cannot notify a whole channel.
 */

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "zt_utf8.h"
#include "zt_core.h"
#include "zt_event.h"
#include "zt_chat_msg.h"
#include "zt_presence.h"
#include "zt_presence.h"


typedef enum {
    ZT_CHAT_EV_NONE = 0,
    ZT_CHAT_EV_START,
    ZT_CHAT_EV_END,
    ZT_CHAT_EV_JOIN,
    ZT_CHAT_EV_LEAVE,
    ZT_CHAT_EV_ROOM_JOIN,
    ZT_CHAT_EV_ROOM_LEAVE
} zt_chat_ev_e;


/* what zt_chat_fold() works on: one record's fields */
typedef struct {
    zt_chat_ev_e   ev;
    const char    *meeting;
    const char    *room;
    const char    *name;
    const char    *email;
    int64_t        ts;
    int64_t        at;
    char           key[512];
    json_t        *m;             /* the meeting, in the state */
    json_t        *p;             /* the person, in the state */
    json_t        *d;             /* their device's presence (p or in p) */
    int            quiet;         /* the device's changes are not said */
    int            end;           /* a leave as the host ended the meeting */
} zt_chat_ctx_t;


static zt_chat_ev_e zt_chat_event(const char *type);
static json_t *zt_chat_meeting(json_t *state, const char *uuid,
    const char *id);
static json_t *zt_chat_person(json_t *m, const char *key);
static int zt_chat_change(json_t *state, const zt_chat_ctx_t *c,
    const zt_chat_opts_t *opts, const char *kind, const char *reason);
static int zt_chat_device_event(json_t *state, zt_chat_ctx_t *c,
    const json_t *rec, const zt_chat_opts_t *opts);
static int zt_chat_person_event(json_t *state, zt_chat_ctx_t *c,
    const json_t *rec, const zt_chat_opts_t *opts);
static int zt_chat_back(json_t *state, zt_chat_ctx_t *c,
    const zt_chat_opts_t *opts, const char *from);
static void zt_chat_unleave(json_t *state, const zt_chat_ctx_t *c);
static int zt_chat_meeting_event(json_t *state, zt_chat_ctx_t *c,
    const zt_chat_opts_t *opts);
static void zt_chat_reason(const char *in, char *out, size_t outlen);


int
zt_chat_parse_events(const char *list, unsigned *mask)
{
    size_t       i, len;
    unsigned     m;
    const char  *p, *e;

    static const struct {
        const char  *name;
        unsigned     bit;
    } kinds[] = {
        { "joins", ZT_CHAT_JOINS },
        { "leaves", ZT_CHAT_LEAVES },
        { "rooms", ZT_CHAT_ROOMS },
        { "meetings", ZT_CHAT_MEETINGS },
    };

    m = 0;

    for (p = list; *p; p = *e ? e + 1 : e) {
        while (*p == ' ' || *p == '\t') {
            p++;
        }

        for (e = p; *e && *e != ','; e++) { /* void */ }

        len = (size_t) (e - p);
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t')) {
            len--;
        }

        if (len == 0) {
            continue;
        }

        for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
            if (strlen(kinds[i].name) == len
                && strncasecmp(kinds[i].name, p, len) == 0)
            {
                m |= kinds[i].bit;
                break;
            }
        }

        if (i == sizeof(kinds) / sizeof(kinds[0])) {
            return ZT_ERROR;
        }
    }

    if (m == 0) {
        return ZT_ERROR;
    }

    *mask = m;
    return ZT_OK;
}


json_t *
zt_chat_state_new(void)
{
    return json_pack("{s:i, s:{}, s:[]}", "version", 1, "meetings",
                     "pending");
}


int
zt_chat_state_check(const json_t *state)
{
    if (!json_is_object(state)
        || !json_is_object(json_object_get(state, "meetings"))
        || !json_is_array(json_object_get(state, "pending")))
    {
        return ZT_ERROR;
    }

    return ZT_OK;
}


static zt_chat_ev_e
zt_chat_event(const char *type)
{
    size_t  i;

    static const struct {
        const char    *type;
        zt_chat_ev_e   ev;
    } map[] = {
        { "meeting.started", ZT_CHAT_EV_START },
        { "webinar.started", ZT_CHAT_EV_START },
        { "meeting.ended", ZT_CHAT_EV_END },
        { "webinar.ended", ZT_CHAT_EV_END },
        { "meeting.participant_joined", ZT_CHAT_EV_JOIN },
        { "webinar.participant_joined", ZT_CHAT_EV_JOIN },
        { "meeting.participant_left", ZT_CHAT_EV_LEAVE },
        { "webinar.participant_left", ZT_CHAT_EV_LEAVE },
        /* out of the meeting, back to waiting (as the engine reads it) */
        { "meeting.participant_put_in_waiting_room", ZT_CHAT_EV_LEAVE },
        { "meeting.participant_joined_breakout_room", ZT_CHAT_EV_ROOM_JOIN },
        { "meeting.participant_left_breakout_room", ZT_CHAT_EV_ROOM_LEAVE },
    };

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(type, map[i].type) == 0) {
            return map[i].ev;
        }
    }

    return ZT_CHAT_EV_NONE;
}


const char *
zt_chat_str(const json_t *o, const char *key)
{
    const char  *s;

    s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}


int64_t
zt_chat_int(const json_t *o, const char *key)
{
    json_t  *v;

    v = json_object_get(o, key);
    if (json_is_integer(v)) {
        return (int64_t) json_integer_value(v);
    }

    if (json_is_string(v)) {
        return strtoll(json_string_value(v), NULL, 10);
    }

    return 0;
}




int
zt_chat_fold(json_t *state, const json_t *rec, int64_t arrived_ms,
    const zt_chat_opts_t *opts)
{
    zt_chat_ctx_t  c;

    memset(&c, 0, sizeof(c));

    c.ev = zt_chat_event(zt_chat_str(rec, "event_type"));
    c.meeting = zt_chat_str(rec, "meeting_uuid");

    if (c.ev == ZT_CHAT_EV_NONE || c.meeting[0] == '\0') {
        return ZT_DECLINED;
    }

    c.room = zt_chat_str(rec, "breakout_room_uuid");
    c.name = zt_chat_str(rec, "participant_name");
    c.email = zt_chat_str(rec, "participant_email");
    c.ts = zt_chat_int(rec, "event_ts");
    c.at = arrived_ms;

    c.m = zt_chat_meeting(state, c.meeting, zt_chat_str(rec, "meeting_id"));
    if (c.m == NULL) {
        return ZT_ERROR;
    }

    if (json_object_set_new(c.m, "last", json_integer(arrived_ms)) != 0) {
        return ZT_ERROR;
    }

    if (c.ev == ZT_CHAT_EV_START || c.ev == ZT_CHAT_EV_END) {
        return zt_chat_meeting_event(state, &c, opts);
    }

    /* a join after the meeting's end runs it again, one before it
     * arriving late changes nothing the end line says (zt_chat_end.c) */
    if (c.ev == ZT_CHAT_EV_JOIN
        || (c.ev == ZT_CHAT_EV_ROOM_JOIN && c.room[0]))
    {
        switch (zt_chat_end_resume(state, c.meeting, c.m, c.ts)) {
        case ZT_ERROR:
            return ZT_ERROR;
        case ZT_DECLINED:
            return c.ev == ZT_CHAT_EV_JOIN
                   ? ZT_DECLINED : zt_chat_room_seen(c.m, c.room, c.ts, 1);
        default:
            break;
        }
    }

    zt_person_key(zt_chat_str(rec, "participant_id"),
                  zt_chat_str(rec, "registrant_id"), c.email, c.name,
                  c.key, sizeof(c.key));

    if (c.key[0] == '\0') {
        return ZT_DECLINED;
    }

    c.p = zt_chat_person(c.m, c.key);
    if (c.p == NULL) {
        return ZT_ERROR;
    }

    c.d = zt_chat_device(c.p, zt_chat_str(rec, "participant_uuid"));
    if (c.d == NULL) {
        return ZT_ERROR;
    }

    return zt_chat_device_event(state, &c, rec, opts);
}


/*
 * One device's event (zt_chat_device.c).  While another device of the
 * person is in, the person stays in whatever this one does: its joins
 * and leaves are not said, and a change of the person's room (the room
 * of the latest room join of a device that is in) is said as a move.
 */
static int
zt_chat_device_event(json_t *state, zt_chat_ctx_t *c, const json_t *rec,
    const zt_chat_opts_t *opts)
{
    int    rc;
    char   before[512];

    if (!zt_chat_device_others(c->p, c->d)) {
        return zt_chat_person_event(state, c, rec, opts);
    }

    snprintf(before, sizeof(before), "%s", zt_chat_device_room(c->p));

    c->quiet = 1;
    rc = zt_chat_person_event(state, c, rec, opts);
    c->quiet = 0;

    if (rc == ZT_ERROR) {
        return ZT_ERROR;
    }

    c->room = zt_chat_device_room(c->p);

    if (strcmp(before, c->room) == 0) {
        return rc;
    }

    return zt_chat_change(state, c, opts, "room", NULL);
}


static json_t *
zt_chat_meeting(json_t *state, const char *uuid, const char *id)
{
    json_t  *ms, *m;

    ms = json_object_get(state, "meetings");
    m = json_object_get(ms, uuid);

    if (m == NULL) {
        m = json_pack("{s:s, s:b, s:b, s:i, s:{}, s:{}}", "id", id,
                      "started", 0, "ended", 0, "last", 0, "people",
                      "rooms");
        if (m == NULL || json_object_set_new(ms, uuid, m) != 0) {
            return NULL;
        }
    }

    return m;
}


static json_t *
zt_chat_person(json_t *m, const char *key)
{
    json_t  *people, *p;

    people = json_object_get(m, "people");
    p = json_object_get(people, key);

    if (p == NULL) {
        p = json_pack("{s:s, s:b, s:s, s:i, s:i}", "name", "", "online", 0,
                      "room", "", "left", 0, "ts", 0);
        if (p == NULL || json_object_set_new(people, key, p) != 0) {
            return NULL;
        }
    }

    return p;
}


/* appends a change to "pending" when its kind is said and its person is */
static int
zt_chat_change(json_t *state, const zt_chat_ctx_t *c,
    const zt_chat_opts_t *opts, const char *kind, const char *reason)
{
    unsigned  bit;
    int64_t   at;
    json_t   *ch;

    bit = kind[0] == 'j' ? ZT_CHAT_JOINS
          : kind[0] == 'l' ? ZT_CHAT_LEAVES
          : kind[0] == 'r' ? ZT_CHAT_ROOMS : ZT_CHAT_MEETINGS;

    if (!(opts->mask & bit) || c->quiet) {
        return ZT_OK;
    }

    if (c->p && !zt_presence_allowed(opts->allowlist, c->name, c->email)) {
        return ZT_OK;
    }

    at = kind[0] == 'l' && c->end ? zt_chat_end_at(state, c->meeting, c->at)
                                   : c->at;

    ch = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "kind", kind,
                   "meeting", c->meeting, "person", c->p ? c->key : "",
                   "name", c->p ? zt_chat_str(c->p, "name") : "",
                   "ts", (json_int_t) c->ts, "at", (json_int_t) at);
    if (ch == NULL) {
        return ZT_ERROR;
    }

    if (((kind[0] == 'r' || (kind[0] == 'j' && c->room[0]))
         && json_object_set_new(ch, "room", json_string(c->room)) != 0)
        || (reason && reason[0]
            && json_object_set_new(ch, "reason", json_string(reason)) != 0)
        || (kind[0] == 'l' && c->end
            && json_object_set_new(ch, "end", json_true()) != 0)
        || (kind[0] == 'e'
            && (json_object_set_new(ch, "people", json_integer(
                    (json_int_t) json_object_size(
                        json_object_get(c->m, "people")))) != 0
                || json_object_set_new(ch, "rooms", json_integer(
                    (json_int_t) zt_chat_rooms(c->m))) != 0)))
    {
        json_decref(ch);
        return ZT_ERROR;
    }

    if (json_array_append_new(json_object_get(state, "pending"), ch) != 0) {
        return ZT_ERROR;
    }

    return ZT_OK;
}


static int
zt_chat_meeting_event(json_t *state, zt_chat_ctx_t *c,
    const zt_chat_opts_t *opts)
{
    const char  *key;
    json_t      *p;

    if (c->ev == ZT_CHAT_EV_START) {
        if (json_is_true(json_object_get(c->m, "started"))) {
            return ZT_DECLINED;
        }

        json_object_set_new(c->m, "started", json_true());
        return zt_chat_change(state, c, opts, "start", NULL);
    }

    /* Zoom sends one each time a lone host leaves: only the first after
     * the last join ends the meeting (zt_chat_end.c) */
    if (!zt_chat_end_new(c->m, c->ts)) {
        return ZT_DECLINED;
    }

    json_object_foreach(json_object_get(c->m, "people"), key, p) {
        zt_chat_device_offline(p);
    }

    zt_chat_end_unsay(state, c->meeting, c->ts);

    return zt_chat_change(state, c, opts, "end", NULL);
}


/*
 * A person's fields: "ts" is their latest main event (join or leave) and
 * "rts" their latest room event, so a move's room join that is a little
 * older than its main rejoin still counts; "rjoin" is the latest room
 * join (a move's main leave arriving after it is no departure); "left"
 * the main leave a join within ZT_CHAT_MOVE_GAP_MS takes back; "ajoin"
 * a main join that found them online, and "aprev" their main event before
 * it (a leave arriving late between the two was a real departure).
 */
static int
zt_chat_person_event(json_t *state, zt_chat_ctx_t *c, const json_t *rec,
    const zt_chat_opts_t *opts)
{
    int       online, move;
    char      reason[128], room[512];
    int64_t   left, ts, ajoin, rjoin;
    json_t   *p = c->d;

    if (c->name[0]) {
        json_object_set_new(c->p, "name", json_string(c->name));
    }

    online = json_is_true(json_object_get(p, "online"));
    left = zt_chat_int(p, "left");
    ts = zt_chat_int(p, "ts");

    switch (c->ev) {

    case ZT_CHAT_EV_JOIN:
        /* a late, duplicated or out-of-order event never regresses state */
        if (c->ts < ts) {
            return ZT_OK;
        }

        json_object_set_new(p, "ts", json_integer(c->ts));

        /* the room they were in: the leave just taken back left it */
        snprintf(room, sizeof(room), "%s",
                 zt_chat_str(p, online ? "room" : "lroom"));

        if (left && c->ts - left <= ZT_CHAT_MOVE_GAP_MS) {
            zt_chat_unleave(state, c);
            return zt_chat_back(state, c, opts, room);
        }

        if (online) {
            json_object_set_new(p, "ajoin", json_integer(c->ts));
            json_object_set_new(p, "aprev", json_integer(ts));
            return zt_chat_back(state, c, opts, room);
        }

        json_object_set_new(p, "online", json_true());
        json_object_set_new(p, "room", json_string(""));
        return zt_chat_change(state, c, opts, "join", NULL);

    case ZT_CHAT_EV_LEAVE:
        /* someone leaving the waiting room was not in the meeting */
        if (zt_presence_waiting_leave(zt_chat_str(rec, "leave_reason"))) {
            return ZT_OK;
        }

        zt_chat_reason(zt_chat_str(rec, "leave_reason"), reason,
                       sizeof(reason));

        /* Zoom says so when the leave is the first half of a move */
        move = strcasestr(zt_presence_leave_reason(
                              zt_chat_str(rec, "leave_reason")), "breakout")
               != NULL;
        c->end = zt_chat_end_reason(zt_chat_str(rec, "leave_reason"));

        if (c->ts < ts) {
            /* older than a join that found them online: a leave and a
             * rejoin that arrived the other way round, both said */
            ajoin = zt_chat_int(p, "ajoin");

            if (!online || move || ajoin == 0
                || c->ts <= zt_chat_int(p, "aprev")
                || ajoin - c->ts <= ZT_CHAT_MOVE_GAP_MS)
            {
                return ZT_OK;
            }

            json_object_set_new(p, "left", json_integer(c->ts));
            json_object_set_new(p, "ajoin", json_integer(0));
            json_object_set_new(p, "room", json_string(""));
            zt_chat_room_unback(state, c->meeting, c->key, ajoin);

            if (zt_chat_change(state, c, opts, "leave", reason) != ZT_OK) {
                return ZT_ERROR;
            }

            c->ts = ajoin;
            return zt_chat_change(state, c, opts, "join", NULL);
        }

        json_object_set_new(p, "ts", json_integer(c->ts));
        json_object_set_new(p, "ajoin", json_integer(0));

        /* the move's room join came first */
        rjoin = zt_chat_int(p, "rjoin");
        if (rjoin >= c->ts && rjoin - c->ts <= ZT_CHAT_MOVE_GAP_MS) {
            return ZT_OK;
        }

        json_object_set_new(p, "left", json_integer(c->ts));
        json_object_set_new(p, "lroom", json_string(
                                online ? zt_chat_str(p, "room") : ""));

        if (!online || move) {
            return ZT_OK;
        }

        json_object_set_new(p, "online", json_false());
        json_object_set_new(p, "room", json_string(""));
        return zt_chat_change(state, c, opts, "leave", reason);

    case ZT_CHAT_EV_ROOM_JOIN:
        if (c->room[0] == '\0') {
            return ZT_OK;
        }

        /* numbering counts every join, however late (Room-N) */
        if (zt_chat_room_seen(c->m, c->room, c->ts, 1) != ZT_OK) {
            return ZT_ERROR;
        }

        if (c->ts < zt_chat_int(p, "rts") || (left && c->ts < left)) {
            return ZT_OK;
        }

        json_object_set_new(p, "rts", json_integer(c->ts));
        json_object_set_new(p, "rjoin", json_integer(c->ts));

        if (left && c->ts - left <= ZT_CHAT_MOVE_GAP_MS) {
            zt_chat_unleave(state, c);
        }

        /* offline, not a move's: their main join was lost, and this
         * joins them into the room (presence rule 6), "joined · Room-1" */
        online = json_is_true(json_object_get(p, "online"));
        json_object_set_new(p, "online", json_true());

        if (online
            && zt_chat_room_again(state, c->meeting, c->key, p, c->room))
        {
            return ZT_OK;
        }

        if (online && strcmp(zt_chat_str(p, "room"), c->room) == 0) {
            return ZT_OK;
        }

        json_object_set_new(p, "room", json_string(c->room));
        return zt_chat_change(state, c, opts, online ? "room" : "join",
                              NULL);

    case ZT_CHAT_EV_ROOM_LEAVE:
        if (c->room[0] == '\0') {
            return ZT_OK;
        }

        if (zt_chat_room_seen(c->m, c->room, c->ts, 0) != ZT_OK) {
            return ZT_ERROR;
        }

        if (c->ts < zt_chat_int(p, "rts")) {
            return ZT_OK;
        }

        json_object_set_new(p, "rts", json_integer(c->ts));

        if (strcmp(zt_chat_str(p, "room"), c->room) != 0) {
            return ZT_OK;
        }

        json_object_set_new(p, "room", json_string(""));
        c->room = "";
        return zt_chat_change(state, c, opts, "room", NULL);

    default:
        return ZT_DECLINED;
    }
}


int
zt_chat_unsay(json_t *state, const char *kind, const char *room,
    const char *meeting, const char *person, int64_t ts)
{
    size_t   i;
    json_t  *pending, *ch;

    pending = json_object_get(state, "pending");

    json_array_foreach(pending, i, ch) {
        if (strcmp(zt_chat_str(ch, "kind"), kind) == 0
            && strcmp(zt_chat_str(ch, "room"), room) == 0
            && strcmp(zt_chat_str(ch, "meeting"), meeting) == 0
            && strcmp(zt_chat_str(ch, "person"), person) == 0
            && zt_chat_int(ch, "ts") == ts)
        {
            json_array_remove(pending, i);
            return 1;
        }
    }

    return 0;
}


/* a return to the main room whose room leave was lost (zt_chat_room.c) */
static int
zt_chat_back(json_t *state, zt_chat_ctx_t *c, const zt_chat_opts_t *opts,
    const char *from)
{
    if (!zt_chat_room_back(c->d, from, c->ts)) {
        return ZT_OK;
    }

    c->room = "";
    return zt_chat_change(state, c, opts, "room", NULL);
}


/* a move: the person stays online and the leave is not said */
static void
zt_chat_unleave(json_t *state, const zt_chat_ctx_t *c)
{
    (void) zt_chat_unsay(state, "leave", "", c->meeting, c->key,
                         zt_chat_int(c->d, "left"));

    json_object_set_new(c->d, "online", json_true());
    json_object_set_new(c->d, "left", json_integer(0));
}


/*
 * Zoom's leave_reason is HTML about the person ("Jill Chill left the
 * meeting.<br>Reason: Host ended the meeting."): only the part after
 * "Reason:" is said, without tags, lowercased first letter, no final dot.
 */
static void
zt_chat_reason(const char *in, char *out, size_t outlen)
{
    size_t       n;
    const char  *p;

    out[0] = '\0';

    if (strcasestr(in, "reason:") == NULL || strchr(in, '@')) {
        return;
    }

    p = zt_presence_leave_reason(in);
    n = 0;

    while (*p && n + 1 < outlen) {
        if (*p == '<') {
            while (*p && *p != '>') {
                p++;
            }
            if (*p) {
                p++;
            }
            continue;
        }

        if (n == 0 && isspace((unsigned char) *p)) {
            p++;
            continue;
        }

        out[n++] = *p++;
    }

    /* cut to fit on a character boundary (the text goes into JSON):
     * out[n] holds the first byte left out while zt_utf8_cut looks */
    out[n] = *p;
    n = zt_utf8_cut(out, *p ? n + 1 : n, n);

    while (n && (out[n - 1] == '.' || isspace((unsigned char) out[n - 1]))) {
        n--;
    }

    out[n] = '\0';

    if (n && isupper((unsigned char) out[0])) {
        out[0] = (char) tolower((unsigned char) out[0]);
    }
}
