/*
 * Zoom event normalisation.  A body is first checked against zoomtrack's
 * one definition of text (RFC 3629 UTF-8, paired surrogate escapes: what
 * the drainer's jansson accepts and yajl alone does not enforce), then
 * parsed once, by yajl's streaming parser, which validates the document
 * while only the fields sinks need are copied, into one buffer; the event
 * gets an id derived from its business key, so every delivery of one event
 * (Zoom's retries, the same event in two subscriptions) carries the same id
 * and sinks can drop copies.  The record is written directly, keeping the
 * body byte-exact in raw_payload.  This is the per-request work of the
 * nginx module, hence no DOM and no allocation per field.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <yajl/yajl_parse.h>

#include "zt_event.h"
#include "zt_time.h"
#include "zt_utf8.h"


typedef struct {
    const char   *type;
    zt_action_e   action;
} zt_action_map_t;


static const zt_action_map_t  zt_actions[] = {
    { "meeting.participant_joined", ZT_ACTION_JOIN },
    { "meeting.participant_left", ZT_ACTION_LEAVE },
    { "meeting.participant_joined_breakout_room", ZT_ACTION_JOIN },
    { "meeting.participant_left_breakout_room", ZT_ACTION_LEAVE },
    { "meeting.participant_joined_waiting_room", ZT_ACTION_JOIN },
    { "meeting.participant_left_waiting_room", ZT_ACTION_LEAVE },
    { "meeting.participant_admitted", ZT_ACTION_JOIN },
    { "webinar.participant_joined", ZT_ACTION_JOIN },
    { "webinar.participant_left", ZT_ACTION_LEAVE },
    { NULL, ZT_ACTION_NONE }
};


/* namespace of zoomtrack's name-based (version 5 style) event ids */
static const unsigned char  zt_uuid_ns[16] = {
    0x6b, 0x1f, 0x3c, 0x2e, 0x8a, 0x41, 0x4d, 0x55,
    0x9e, 0x07, 0x5a, 0x1c, 0x33, 0xd2, 0x70, 0x9b
};


static zt_action_e
zt_action_of(const char *type)
{
    const zt_action_map_t  *a;

    for (a = zt_actions; a->type; a++) {
        if (strcmp(a->type, type) == 0) {
            return a->action;
        }
    }

    return ZT_ACTION_NONE;
}


const char *
zt_action_name(zt_action_e a)
{
    switch (a) {
    case ZT_ACTION_JOIN:
        return "JOIN";
    case ZT_ACTION_LEAVE:
        return "LEAVE";
    default:
        return "";
    }
}


static void
zt_uuid_format(const unsigned char *h, char *out)
{
    size_t       i, o;
    static const char  hex[] = "0123456789abcdef";

    o = 0;
    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out[o++] = '-';
        }
        out[o++] = hex[h[i] >> 4];
        out[o++] = hex[h[i] & 0x0f];
    }
    out[o] = '\0';
}


/*
 * event_id = UUIDv5-style SHA-1(namespace, business key).  The key is what
 * identifies the occurrence, not the delivery: type, event_ts, meeting
 * instance, participant identity, breakout room and the participant's own
 * time field.  Events about no meeting instance have no such key; their id
 * hashes the whole body, which is what a redelivery repeats.
 */
static int
zt_event_make_id(zt_event_t *ev, const unsigned char *body, size_t len)
{
    size_t          i;
    char            ts[32];
    EVP_MD_CTX     *ctx;
    unsigned char   md[EVP_MAX_MD_SIZE];
    unsigned int    mdlen;
    const char     *parts[11];

    ctx = EVP_MD_CTX_new();
    if (ctx == NULL) {
        return ZT_ERROR;
    }

    snprintf(ts, sizeof(ts), "%lld", (long long) ev->event_ts);

    parts[0] = ev->event_type;
    parts[1] = ts;
    parts[2] = ev->meeting_uuid;
    parts[3] = ev->participant_user_id;
    parts[4] = ev->participant_uuid;
    parts[5] = ev->participant_id;
    parts[6] = ev->registrant_id;
    parts[7] = ev->participant_email;
    parts[8] = ev->participant_name;
    parts[9] = ev->breakout_room_uuid;
    parts[10] = ev->participant_time;

    if (EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) != 1
        || EVP_DigestUpdate(ctx, zt_uuid_ns, sizeof(zt_uuid_ns)) != 1)
    {
        EVP_MD_CTX_free(ctx);
        return ZT_ERROR;
    }

    for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        /* 0x1f (unit separator) cannot occur unescaped in JSON strings */
        EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]));
        EVP_DigestUpdate(ctx, "\x1f", 1);
    }

    if (ev->meeting_uuid[0] == '\0') {
        EVP_DigestUpdate(ctx, body, len);
    }

    mdlen = 0;
    if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen < 16) {
        EVP_MD_CTX_free(ctx);
        return ZT_ERROR;
    }

    EVP_MD_CTX_free(ctx);

    md[6] = (md[6] & 0x0f) | 0x50;     /* version 5: name-based, SHA-1 */
    md[8] = (md[8] & 0x3f) | 0x80;     /* RFC 4122 variant */

    zt_uuid_format(md, ev->event_id);
    return ZT_OK;
}


/* where a JSON object sits in Zoom's envelope */
typedef enum {
    ZT_CTX_NONE = 0,
    ZT_CTX_ROOT,
    ZT_CTX_PAYLOAD,
    ZT_CTX_OBJECT,
    ZT_CTX_PART
} zt_ctx_e;


/* what a value goes into */
typedef enum {
    ZT_VAL_STR = 0,       /* strings and numbers, as text */
    ZT_VAL_EVENT,         /* strings only */
    ZT_VAL_TS,            /* a number of ms (zt_event_ts_of) */
    ZT_VAL_CHILD          /* an object of the next context */
} zt_val_e;


typedef struct {
    zt_ctx_e     ctx;
    const char  *key;
    size_t       len;
    zt_val_e     kind;
    int          slot;     /* index into zt_parse_t.slot, or a context */
} zt_field_t;


enum {
    ZT_S_EVENT = 0, ZT_S_ACCOUNT, ZT_S_TOKEN, ZT_S_MID, ZT_S_MUUID, ZT_S_ROOM,
    ZT_S_USER_ID, ZT_S_PUUID, ZT_S_PARENT, ZT_S_REG, ZT_S_NAME, ZT_S_EMAIL,
    ZT_S_REASON, ZT_S_PID, ZT_S_PUSER, ZT_S_JOIN, ZT_S_LEAVE, ZT_S_DATE,
    ZT_S_NSLOTS
};

#define ZT_F(ctx, key, kind, slot)  { ctx, key, sizeof(key) - 1, kind, slot }

static const zt_field_t  zt_fields[] = {
    ZT_F(ZT_CTX_ROOT, "event", ZT_VAL_EVENT, ZT_S_EVENT),
    ZT_F(ZT_CTX_ROOT, "event_ts", ZT_VAL_TS, -1),
    ZT_F(ZT_CTX_ROOT, "payload", ZT_VAL_CHILD, ZT_CTX_PAYLOAD),
    ZT_F(ZT_CTX_PAYLOAD, "account_id", ZT_VAL_STR, ZT_S_ACCOUNT),
    ZT_F(ZT_CTX_PAYLOAD, "plainToken", ZT_VAL_STR, ZT_S_TOKEN),
    ZT_F(ZT_CTX_PAYLOAD, "object", ZT_VAL_CHILD, ZT_CTX_OBJECT),
    ZT_F(ZT_CTX_OBJECT, "id", ZT_VAL_STR, ZT_S_MID),
    ZT_F(ZT_CTX_OBJECT, "uuid", ZT_VAL_STR, ZT_S_MUUID),
    ZT_F(ZT_CTX_OBJECT, "breakout_room_uuid", ZT_VAL_STR, ZT_S_ROOM),
    ZT_F(ZT_CTX_OBJECT, "participant", ZT_VAL_CHILD, ZT_CTX_PART),
    ZT_F(ZT_CTX_PART, "user_id", ZT_VAL_STR, ZT_S_USER_ID),
    ZT_F(ZT_CTX_PART, "participant_uuid", ZT_VAL_STR, ZT_S_PUUID),
    ZT_F(ZT_CTX_PART, "parent_user_id", ZT_VAL_STR, ZT_S_PARENT),
    ZT_F(ZT_CTX_PART, "registrant_id", ZT_VAL_STR, ZT_S_REG),
    ZT_F(ZT_CTX_PART, "user_name", ZT_VAL_STR, ZT_S_NAME),
    ZT_F(ZT_CTX_PART, "email", ZT_VAL_STR, ZT_S_EMAIL),
    ZT_F(ZT_CTX_PART, "leave_reason", ZT_VAL_STR, ZT_S_REASON),
    ZT_F(ZT_CTX_PART, "id", ZT_VAL_STR, ZT_S_PID),
    ZT_F(ZT_CTX_PART, "participant_user_id", ZT_VAL_STR, ZT_S_PUSER),
    ZT_F(ZT_CTX_PART, "join_time", ZT_VAL_STR, ZT_S_JOIN),
    ZT_F(ZT_CTX_PART, "leave_time", ZT_VAL_STR, ZT_S_LEAVE),
    ZT_F(ZT_CTX_PART, "date_time", ZT_VAL_STR, ZT_S_DATE),
};

#define ZT_NFIELDS   (sizeof(zt_fields) / sizeof(zt_fields[0]))
#define ZT_MAX_DEPTH 64


typedef struct {
    zt_event_t         *ev;
    char               *slot[ZT_S_NSLOTS];
    char               *arena;
    size_t              used;
    size_t              size;
    int                 depth;           /* open containers */
    zt_ctx_e            ctx[ZT_MAX_DEPTH];
    const zt_field_t   *target;          /* field of the next value */
    uint32_t            seen[ZT_CTX_PART + 1];
    const char         *reason;          /* why the parse was cancelled */
} zt_parse_t;


static char  zt_empty[1];


/* copies n bytes into the arena; NULL when it is full */
static char *
zt_arena_put(zt_parse_t *p, const char *s, size_t n)
{
    char  *d;

    if (p->size - p->used < n + 1) {
        return NULL;
    }

    d = p->arena + p->used;
    memcpy(d, s, n);
    d[n] = '\0';
    p->used += n + 1;

    return d;
}


static int
zt_is_integer(const char *s, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (s[i] == '.' || s[i] == 'e' || s[i] == 'E') {
            return 0;
        }
    }

    return 1;
}


/*
 * Zoom's event_ts: a JSON number of plain digits that is a plausible time
 * in ms; 0 otherwise.  Longer than 15 digits is out of range anyway, so the
 * sum below cannot overflow.
 */
static int64_t
zt_event_ts_of(const char *s, size_t n)
{
    size_t   i;
    int64_t  v;

    if (n == 0 || n > 15) {
        return 0;
    }

    v = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        v = v * 10 + (s[i] - '0');
    }

    return zt_time_plausible_ms(v) ? v : 0;
}


/* a scalar for the current target; s is NULL for null/true/false */
static int
zt_parse_value(zt_parse_t *p, const char *s, size_t n, int is_number)
{
    int                 len;
    char                buf[64];
    const zt_field_t   *f;

    if (p->depth == 0) {
        p->reason = "body is not a JSON object";
        return 0;
    }

    f = p->target;
    p->target = NULL;

    if (f == NULL || s == NULL) {
        return 1;
    }

    switch (f->kind) {

    case ZT_VAL_EVENT:
        if (is_number) {
            return 1;
        }
        break;

    case ZT_VAL_TS:
        /* only a plain integer in range is believed; anything else (a
         * string, a real, a sign, 1e300, 2^64) counts as absent, so the
         * record falls back to the participant's time: see zt_event_time */
        if (is_number) {
            p->ev->event_ts = zt_event_ts_of(s, n);
        }
        return 1;

    case ZT_VAL_CHILD:
        /* "payload": 5 and the like: not the envelope we know */
        return 1;

    default:
        break;
    }

    if (is_number && !zt_is_integer(s, n)) {
        /* Zoom's numeric ids are integers; a real is printed whole */
        if (n >= sizeof(buf)) {
            return 1;
        }
        memcpy(buf, s, n);
        buf[n] = '\0';
        len = snprintf(buf, sizeof(buf), "%.0f", strtod(buf, NULL));
        if (len < 0 || (size_t) len >= sizeof(buf)) {
            return 1;
        }
        s = buf;
        n = (size_t) len;
    }

    p->slot[f->slot] = zt_arena_put(p, s, n);
    if (p->slot[f->slot] == NULL) {
        p->reason = "out of memory";
        return 0;
    }

    return 1;
}


static int
zt_cb_null(void *ctx)
{
    return zt_parse_value(ctx, NULL, 0, 0);
}


static int
zt_cb_boolean(void *ctx, int v)
{
    return zt_parse_value(ctx, NULL, 0, 0);
}


static int
zt_cb_number(void *ctx, const char *s, size_t n)
{
    return zt_parse_value(ctx, s, n, 1);
}


static int
zt_cb_string(void *ctx, const unsigned char *s, size_t n)
{
    return zt_parse_value(ctx, (const char *) s, n, 0);
}


static int
zt_parse_open(zt_parse_t *p, int is_map)
{
    zt_ctx_e            c;
    const zt_field_t   *f;

    if (p->depth == 0 && !is_map) {
        p->reason = "body is not a JSON object";
        return 0;
    }

    f = p->target;
    p->target = NULL;

    if (p->depth == 0) {
        c = ZT_CTX_ROOT;

    } else if (is_map && f && f->kind == ZT_VAL_CHILD) {
        c = (zt_ctx_e) f->slot;

    } else {
        c = ZT_CTX_NONE;
    }

    if (p->depth < ZT_MAX_DEPTH) {
        p->ctx[p->depth] = c;
    }
    p->depth++;

    return 1;
}


static int
zt_cb_start_map(void *ctx)
{
    return zt_parse_open(ctx, 1);
}


static int
zt_cb_start_array(void *ctx)
{
    return zt_parse_open(ctx, 0);
}


static int
zt_cb_end(void *ctx)
{
    zt_parse_t  *p = ctx;

    p->depth--;
    return 1;
}


static int
zt_cb_map_key(void *ctx, const unsigned char *key, size_t n)
{
    size_t       i;
    zt_ctx_e     c;
    zt_parse_t  *p = ctx;

    p->target = NULL;

    c = p->depth <= ZT_MAX_DEPTH ? p->ctx[p->depth - 1] : ZT_CTX_NONE;
    if (c == ZT_CTX_NONE) {
        return 1;
    }

    for (i = 0; i < ZT_NFIELDS; i++) {
        if (zt_fields[i].ctx == c && zt_fields[i].len == n
            && memcmp(zt_fields[i].key, key, n) == 0)
        {
            /* two values for one field: which one would a sink believe? */
            if (p->seen[c] & (1u << i % 32)) {
                p->reason = "body is not valid JSON (duplicate key)";
                return 0;
            }
            p->seen[c] |= 1u << i % 32;
            p->target = &zt_fields[i];
            break;
        }
    }

    return 1;
}


static const yajl_callbacks  zt_yajl_callbacks = {
    zt_cb_null,
    zt_cb_boolean,
    NULL,                  /* integers and doubles come as text ... */
    NULL,
    zt_cb_number,          /* ... through this one */
    zt_cb_string,
    zt_cb_start_map,
    zt_cb_map_key,
    zt_cb_end,
    zt_cb_start_array,
    zt_cb_end
};


/* bytes zt_event_text_check() looks at: quote, backslash, \v, \f, non-ASCII */
static const unsigned char  zt_text_special[256] = {
    ['"'] = 1, ['\\'] = 1, ['\v'] = 1, ['\f'] = 1,
    [0x80 ... 0xff] = 1
};


static int
zt_hex4(const unsigned char *s, size_t n, uint32_t *v)
{
    size_t   i;
    int      d;

    if (n < 4) {
        return 0;
    }

    *v = 0;
    for (i = 0; i < 4; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            d = s[i] - '0';
        } else if ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f') {
            d = (s[i] | 0x20) - 'a' + 10;
        } else {
            return 0;
        }
        *v = (*v << 4) | (uint32_t) d;
    }

    return 1;
}


/*
 * The body's text against zt_utf8.h's definition, before yajl sees it:
 * yajl takes overlong forms and encoded surrogates that jansson refuses, and
 * decodes an unpaired \uD800..\uDFFF escape into '?' or into an encoded
 * surrogate.  So every byte must be RFC 3629 UTF-8 and, inside strings, a
 * high surrogate escape must be followed by a low one and a low one must
 * follow a high one; outside strings, \v and \f are no white space.
 * Escapes that are not JSON at all are yajl's to refuse.
 * Returns NULL or a static reason.
 */
static const char *
zt_event_text_check(const unsigned char *s, size_t n)
{
    int       r, in_str;
    size_t    i;
    uint32_t  cp, lo;

    static const char  *bad_utf8[] = {
        "",
        "body is not valid JSON (not UTF-8: malformed sequence)",
        "body is not valid JSON (not UTF-8: overlong encoding)",
        "body is not valid JSON (not UTF-8: encoded surrogate)",
        "body is not valid JSON (not UTF-8: above U+10FFFF)"
    };

    in_str = 0;
    i = 0;

    while (i < n) {
        /* most bytes are plain ASCII: skip them by table */
        while (i < n && zt_text_special[s[i]] == 0) {
            i++;
        }

        if (i == n) {
            break;
        }

        if (s[i] >= 0x80) {
            r = zt_utf8_decode(s + i, n - i, &cp);
            if (r < 0) {
                return bad_utf8[-r];
            }
            i += (size_t) r;
            continue;
        }

        if (s[i] == '"') {
            in_str = !in_str;
            i++;
            continue;
        }

        if (s[i] != '\\' || !in_str) {
            /* yajl also skips \v and \f between tokens: not JSON white
             * space (RFC 8259), and jansson refuses them; inside a string
             * yajl refuses them itself */
            if (!in_str && (s[i] == '\v' || s[i] == '\f')) {
                return "body is not valid JSON (\\v or \\f outside a "
                       "string)";
            }
            i++;
            continue;
        }

        /* an escape: \uXXXX is checked, any other skips one character */
        if (i + 1 < n && s[i + 1] == 'u'
            && zt_hex4(s + i + 2, n - i - 2, &cp))
        {
            i += 6;

            if (cp >= 0xdc00 && cp <= 0xdfff) {
                return "body is not valid JSON (unpaired surrogate "
                       "in a \\u escape)";
            }

            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (i + 1 >= n || s[i] != '\\' || s[i + 1] != 'u'
                    || !zt_hex4(s + i + 2, n - i - 2, &lo)
                    || lo < 0xdc00 || lo > 0xdfff)
                {
                    return "body is not valid JSON (unpaired surrogate "
                           "in a \\u escape)";
                }
                i += 6;
            }

            continue;
        }

        i += 2;
    }

    /* yajl's yajl_complete_parse() ignores a string left open after the
     * object: "{...}\"abc" */
    if (in_str) {
        return "body is not valid JSON (unterminated string)";
    }

    return NULL;
}


static char *
zt_slot(zt_parse_t *p, int i)
{
    return p->slot[i] ? p->slot[i] : zt_empty;
}


int
zt_event_parse(const unsigned char *body, size_t len, zt_event_t *ev,
    const char **reason)
{
    yajl_handle   h;
    yajl_status   st;
    zt_parse_t    p;

    memset(ev, 0, sizeof(zt_event_t));
    memset(&p, 0, sizeof(zt_parse_t));

    *reason = zt_event_text_check(body, len);
    if (*reason) {
        return ZT_DECLINED;
    }

    /*
     * decoded strings are never longer than their quoted source, so the
     * body's length bounds what is kept; reals may grow when printed whole
     */
    p.ev = ev;
    p.size = len + 64 * ZT_S_NSLOTS;
    p.arena = malloc(p.size);
    if (p.arena == NULL) {
        *reason = "out of memory";
        return ZT_ERROR;
    }
    ev->arena = p.arena;

    h = yajl_alloc(&zt_yajl_callbacks, NULL, &p);
    if (h == NULL) {
        *reason = "out of memory";
        return ZT_ERROR;
    }

    st = yajl_parse(h, body, len);
    if (st == yajl_status_ok) {
        st = yajl_complete_parse(h);
    }

    yajl_free(h);

    if (st != yajl_status_ok) {
        *reason = p.reason ? p.reason : "body is not valid JSON";
        return strcmp(*reason, "out of memory") == 0 ? ZT_ERROR
                                                      : ZT_DECLINED;
    }

    if (p.slot[ZT_S_EVENT] == NULL || p.slot[ZT_S_EVENT][0] == '\0') {
        *reason = "body has no \"event\" string";
        return ZT_DECLINED;
    }

    ev->event_type = p.slot[ZT_S_EVENT];
    ev->account_id = zt_slot(&p, ZT_S_ACCOUNT);
    ev->plain_token = zt_slot(&p, ZT_S_TOKEN);
    ev->meeting_id = zt_slot(&p, ZT_S_MID);
    ev->meeting_uuid = zt_slot(&p, ZT_S_MUUID);
    ev->breakout_room_uuid = zt_slot(&p, ZT_S_ROOM);
    ev->participant_user_id = zt_slot(&p, ZT_S_USER_ID);
    ev->participant_uuid = zt_slot(&p, ZT_S_PUUID);
    ev->parent_user_id = zt_slot(&p, ZT_S_PARENT);
    ev->registrant_id = zt_slot(&p, ZT_S_REG);
    ev->participant_name = zt_slot(&p, ZT_S_NAME);
    ev->participant_email = zt_slot(&p, ZT_S_EMAIL);
    ev->leave_reason = zt_slot(&p, ZT_S_REASON);

    /* the Zoom account id; participant_user_id is Zoom's newer name */
    ev->participant_id = zt_slot(&p, ZT_S_PID);
    if (ev->participant_id[0] == '\0') {
        ev->participant_id = zt_slot(&p, ZT_S_PUSER);
    }

    ev->participant_time = zt_slot(&p, ZT_S_JOIN);
    if (ev->participant_time[0] == '\0') {
        ev->participant_time = zt_slot(&p, ZT_S_LEAVE);
    }
    if (ev->participant_time[0] == '\0') {
        ev->participant_time = zt_slot(&p, ZT_S_DATE);
    }

    ev->action = zt_action_of(ev->event_type);

    if (zt_event_is_url_validation(ev) && ev->plain_token[0] == '\0') {
        *reason = "url_validation without payload.plainToken";
        return ZT_DECLINED;
    }

    if (zt_event_make_id(ev, body, len) != ZT_OK) {
        *reason = "out of memory";
        return ZT_ERROR;
    }

    return ZT_OK;
}


void
zt_event_free(zt_event_t *ev)
{
    free(ev->arena);
    memset(ev, 0, sizeof(zt_event_t));
}


int
zt_event_is_url_validation(const zt_event_t *ev)
{
    return ev->event_type
           && strcmp(ev->event_type, "endpoint.url_validation") == 0;
}


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


/* the length of s as a JSON string body (without quotes) */
static size_t
zt_json_escaped_len(const unsigned char *s, size_t n)
{
    size_t  i, len;

    len = n;
    for (i = 0; i < n; i++) {
        if (zt_json_esc[s[i]]) {
            len += zt_json_esc[s[i]] == 'u' ? 5 : 1;
        }
    }

    return len;
}


static char *
zt_json_escape(char *d, const unsigned char *s, size_t n)
{
    size_t             i, run;
    unsigned char      e;
    static const char  hex[] = "0123456789abcdef";

    i = 0;
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

        e = zt_json_esc[s[i]];
        *d++ = '\\';

        if (e == 'u') {
            memcpy(d, "u00", 3);
            d[3] = hex[s[i] >> 4];
            d[4] = hex[s[i] & 0x0f];
            d += 5;

        } else {
            *d++ = (char) e;
        }

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


void
zt_person_key(const char *participant_id, const char *registrant_id,
    const char *email, const char *name, char *out, size_t outlen)
{
    size_t  i, n;

    if (outlen == 0) {
        return;
    }

    if (participant_id && participant_id[0]) {
        snprintf(out, outlen, "id:%s", participant_id);

    } else if (registrant_id && registrant_id[0]) {
        snprintf(out, outlen, "reg:%s", registrant_id);

    } else if (email && email[0]) {
        /* emails compare case-insensitively; display names do not */
        n = (size_t) snprintf(out, outlen, "email:%s", email);
        n = n < outlen ? n : outlen - 1;
        for (i = 6; i < n; i++) {
            out[i] = (char) tolower((unsigned char) out[i]);
        }

    } else {
        snprintf(out, outlen, "name:%s", name ? name : "");
    }
}
