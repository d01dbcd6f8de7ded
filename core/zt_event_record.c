/*
 * zt_event_record: the queue record of a parsed event, written directly
 * as compact JSON: the normalised fields, the event's time and where it
 * came from (zt_event_time()), received_at, and the body byte-exact in
 * raw_payload, with JSON's string escapes.  The caller frees the record.
 */

#include <stdlib.h>
#include <string.h>

#include "zt_event_int.h"
#include "zt_json.h"
#include "zt_time.h"


typedef struct {
    const char            *key;        /* "\"key\":" */
    size_t                 klen;
    const unsigned char   *val;
    size_t                 len;
} zt_member_t;


int64_t
zt_event_time(const zt_event_t *ev, int64_t received_ms, const char **source)
{
    int64_t      t;
    const char  *src;

    /* no usable event_ts (none in real 2019 payloads): the participant's
     * time, else the meeting's start or end, else the arrival; the id
     * still uses the body's own fields */
    t = ev->event_ts;
    src = "zoom";

    if (!zt_time_plausible_ms(t)) {
        t = zt_time_parse_iso(ev->participant_time);
        src = "participant";
    }

    if (!zt_time_plausible_ms(t)) {
        t = zt_time_parse_iso(ev->meeting_time);
        src = "meeting";
    }

    if (!zt_time_plausible_ms(t)) {
        t = received_ms;
        src = "received";
    }

    if (source) {
        *source = src;
    }

    return t;
}


#define ZT_RECORD_N  20

char *
zt_event_record(const zt_event_t *ev, const unsigned char *body, size_t len,
    int64_t received_ms, size_t *out_len)
{
    size_t       n;
    char        *out, *d, ts[ZT_RFC3339_LEN + 1], rcv[ZT_RFC3339_LEN + 1];
    char         num[32];
    size_t       i, size;
    int64_t      event_ts;
    const char  *action, *source;
    zt_member_t  m[ZT_RECORD_N];

    event_ts = zt_event_time(ev, received_ms, &source);

    zt_time_rfc3339(event_ts, ts);
    zt_time_rfc3339(received_ms, rcv);
    n = zt_event_int_str(event_ts, num);
    action = zt_action_name(ev->action);

#define ZT_M(i, k, v, l)                                                     \
    m[i].key = "\"" k "\":"; m[i].klen = sizeof("\"" k "\":") - 1;          \
    m[i].val = (const unsigned char *) (v); m[i].len = (l)
#define ZT_MS(i, k, v)  ZT_M(i, k, v, strlen(v))

    ZT_MS(0, "event_id", ev->event_id);
    ZT_MS(1, "event_type", ev->event_type);
    ZT_M(2, "event_ts", num, n);
    ZT_MS(3, "event_ts_source", source);
    ZT_MS(4, "event_timestamp", ts);
    ZT_MS(5, "account_id", ev->account_id);
    ZT_MS(6, "meeting_id", ev->meeting_id);
    ZT_MS(7, "meeting_uuid", ev->meeting_uuid);
    ZT_MS(8, "breakout_room_uuid", ev->breakout_room_uuid);
    ZT_MS(9, "participant_user_id", ev->participant_user_id);
    ZT_MS(10, "participant_uuid", ev->participant_uuid);
    ZT_MS(11, "participant_id", ev->participant_id);
    ZT_MS(12, "parent_user_id", ev->parent_user_id);
    ZT_MS(13, "registrant_id", ev->registrant_id);
    ZT_MS(14, "participant_name", ev->participant_name);
    ZT_MS(15, "participant_email", ev->participant_email);
    ZT_MS(16, "action", action);
    ZT_MS(17, "leave_reason", ev->leave_reason);
    ZT_MS(18, "received_at", rcv);
    ZT_M(19, "raw_payload", body, len);

#undef ZT_MS
#undef ZT_M

    /* braces, commas and quotes; event_ts is the one unquoted value */
    size = 2 + ZT_RECORD_N - 1;
    for (i = 0; i < ZT_RECORD_N; i++) {
        size += m[i].klen + 2 + zt_json_escaped_len(m[i].val, m[i].len);
    }

    out = malloc(size + 1);
    if (out == NULL) {
        return NULL;
    }

    d = out;
    *d++ = '{';

    for (i = 0; i < ZT_RECORD_N; i++) {
        if (i) {
            *d++ = ',';
        }

        memcpy(d, m[i].key, m[i].klen);
        d += m[i].klen;

        if (i == 2) {
            memcpy(d, m[i].val, m[i].len);
            d += m[i].len;
            continue;
        }

        *d++ = '"';
        d = zt_json_escape(d, m[i].val, m[i].len);
        *d++ = '"';
    }

    *d++ = '}';
    *d = '\0';

    if (out_len) {
        *out_len = (size_t) (d - out);
    }

    return out;
}
