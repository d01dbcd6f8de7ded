/*
 * zt_event_record: the queue record of a parsed event, written directly
 * as compact JSON: the normalised fields, the event's time and where it
 * came from (zt_event_time()), received_at, and the body byte-exact in
 * raw_payload, with JSON's string escapes.  The caller frees the record.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_event.h"
#include "zt_time.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif


/*
 * JSON string escapes: 0 passes through, a letter is a short escape, 'u' is
 * \u00XX.  Bodies are mostly plain text, so runs of plain bytes are found
 * with this table and copied whole.
 */
static const unsigned char  zt_json_esc[256] = {
    [0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u',
    [0x05] = 'u', [0x06] = 'u', [0x07] = 'u', [0x08] = 'b', [0x09] = 't',
    [0x0a] = 'n', [0x0b] = 'u', [0x0c] = 'f', [0x0d] = 'r', [0x0e] = 'u',
    [0x0f] = 'u', [0x10] = 'u', [0x11] = 'u', [0x12] = 'u', [0x13] = 'u',
    [0x14] = 'u', [0x15] = 'u', [0x16] = 'u', [0x17] = 'u', [0x18] = 'u',
    [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u', [0x1d] = 'u',
    [0x1e] = 'u', [0x1f] = 'u', ['"'] = '"', ['\\'] = '\\',
};


#if defined(__SSE2__)

/*
 * raw_payload is most of a record, and a JSON body has a quote every few
 * bytes, so the byte-by-byte table scan cost more than the rest of the
 * record (bench/webhook's worker profile): 16 bytes at a time, a bit mask
 * of the bytes that need an escape (< 0x20, '"', '\\').  *ctl gets the
 * mask of the control characters alone (their escape is 6 bytes long).
 */
static unsigned
zt_json_special16(const unsigned char *s, unsigned *ctl)
{
    __m128i  v, c;

    v = _mm_loadu_si128((const __m128i *) s);
    c = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1f)),
                       _mm_set1_epi8(0x1f));

    *ctl = (unsigned) _mm_movemask_epi8(c);

    return *ctl
           | (unsigned) _mm_movemask_epi8(
                 _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                              _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
}

#endif


/* the length of s as a JSON string body (without quotes) */
static size_t
zt_json_escaped_len(const unsigned char *s, size_t n)
{
    size_t    i, len;
#if defined(__SSE2__)
    unsigned  m, ctl;
#endif

    len = n;
    i = 0;

#if defined(__SSE2__)
    for ( /* void */ ; i + 16 <= n; i += 16) {
        m = zt_json_special16(s + i, &ctl);

        /* a few bits per block: no popcnt in the baseline x86-64 ISA */
        for ( /* void */ ; m; m &= m - 1) {
            len++;
        }

        for ( /* void */ ; ctl; ctl &= ctl - 1) {
            len += 4;
        }
    }
#endif

    for ( /* void */ ; i < n; i++) {
        if (zt_json_esc[s[i]]) {
            len += zt_json_esc[s[i]] == 'u' ? 5 : 1;
        }
    }

    return len;
}


/* the escape of s[0]: 2 or 6 bytes */
static char *
zt_json_escape1(char *d, unsigned char c)
{
    unsigned char      e;
    static const char  hex[] = "0123456789abcdef";

    e = zt_json_esc[c];
    *d++ = '\\';

    if (e == 'u') {
        memcpy(d, "u00", 3);
        d[3] = hex[c >> 4];
        d[4] = hex[c & 0x0f];
        return d + 5;
    }

    *d++ = (char) e;

    return d;
}


static char *
zt_json_escape(char *d, const unsigned char *s, size_t n)
{
    size_t    i, run;
#if defined(__SSE2__)
    unsigned  m, ctl, at, from;

    i = 0;

    for ( /* void */ ; i + 16 <= n; i += 16) {
        m = zt_json_special16(s + i, &ctl);

        if (m == 0) {
            memcpy(d, s + i, 16);
            d += 16;
            continue;
        }

        from = 0;

        do {
            at = (unsigned) __builtin_ctz(m);
            memcpy(d, s + i + from, at - from);
            d = zt_json_escape1(d + (at - from), s[i + at]);
            from = at + 1;
            m &= m - 1;
        } while (m);

        memcpy(d, s + i + from, 16 - from);
        d += 16 - from;
    }
#else
    i = 0;
#endif

    while (i < n) {
        run = i;
        while (run < n && zt_json_esc[s[run]] == 0) {
            run++;
        }

        memcpy(d, s + i, run - i);
        d += run - i;
        i = run;

        if (i == n) {
            break;
        }

        d = zt_json_escape1(d, s[i]);
        i++;
    }

    return d;
}


typedef struct {
    const char            *key;        /* "\"key\":" */
    const unsigned char   *val;
    size_t                 len;
} zt_member_t;


int64_t
zt_event_time(const zt_event_t *ev, int64_t received_ms, const char **source)
{
    int64_t      t;
    const char  *src;

    /* no usable event_ts (none in real 2019 payloads): the participant's
     * time, else the arrival; the id still uses the body's own fields */
    t = ev->event_ts;
    src = "zoom";

    if (!zt_time_plausible_ms(t)) {
        t = zt_time_parse_iso(ev->participant_time);
        src = "participant";
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
    int          n;
    char        *out, *d, ts[ZT_RFC3339_LEN + 1], rcv[ZT_RFC3339_LEN + 1];
    char         num[32];
    size_t       i, size;
    int64_t      event_ts;
    const char  *action, *source;
    zt_member_t  m[ZT_RECORD_N];

    event_ts = zt_event_time(ev, received_ms, &source);

    zt_time_rfc3339(event_ts, ts);
    zt_time_rfc3339(received_ms, rcv);
    n = snprintf(num, sizeof(num), "%lld", (long long) event_ts);
    action = zt_action_name(ev->action);

#define ZT_M(i, k, v, l)                                                     \
    m[i].key = "\"" k "\":"; m[i].val = (const unsigned char *) (v);         \
    m[i].len = (l)
#define ZT_MS(i, k, v)  ZT_M(i, k, v, strlen(v))

    ZT_MS(0, "event_id", ev->event_id);
    ZT_MS(1, "event_type", ev->event_type);
    ZT_M(2, "event_ts", num, (size_t) n);
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
        size += strlen(m[i].key) + 2 + zt_json_escaped_len(m[i].val,
                                                            m[i].len);
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

        d = stpcpy(d, m[i].key);

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
