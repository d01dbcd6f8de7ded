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
 *
 * This file is the parse: the envelope's fields, the callbacks that copy
 * them into the arena and zt_event_parse() itself.  The text check is in
 * zt_event_text.c, the event id and the person key in zt_event_id.c, the
 * queue record in zt_event_record.c.  Who frees what: every string of a
 * zt_event_t lives in ev->arena, which zt_event_free() frees.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "zt_event_int.h"
#include "zt_time.h"


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
    const char  *key;
    size_t       len;
    zt_val_e     kind;
    int          slot;     /* index into zt_parse_t.slot, or a context */
} zt_field_t;


enum {
    ZT_S_EVENT = 0, ZT_S_ACCOUNT, ZT_S_TOKEN, ZT_S_MID, ZT_S_MUUID, ZT_S_ROOM,
    ZT_S_USER_ID, ZT_S_PUUID, ZT_S_PARENT, ZT_S_REG, ZT_S_NAME, ZT_S_EMAIL,
    ZT_S_REASON, ZT_S_PID, ZT_S_PUSER, ZT_S_JOIN, ZT_S_LEAVE, ZT_S_DATE,
    ZT_S_START, ZT_S_END, ZT_S_NSLOTS
};

#define ZT_F(key, kind, slot)  { key, sizeof(key) - 1, kind, slot }

/* the fields of each context: a key is looked up among its context's only */

static const zt_field_t  zt_root_fields[] = {
    ZT_F("event", ZT_VAL_EVENT, ZT_S_EVENT),
    ZT_F("event_ts", ZT_VAL_TS, -1),
    ZT_F("payload", ZT_VAL_CHILD, ZT_CTX_PAYLOAD),
};

static const zt_field_t  zt_payload_fields[] = {
    ZT_F("account_id", ZT_VAL_STR, ZT_S_ACCOUNT),
    ZT_F("plainToken", ZT_VAL_STR, ZT_S_TOKEN),
    ZT_F("object", ZT_VAL_CHILD, ZT_CTX_OBJECT),
};

static const zt_field_t  zt_object_fields[] = {
    ZT_F("id", ZT_VAL_STR, ZT_S_MID),
    ZT_F("uuid", ZT_VAL_STR, ZT_S_MUUID),
    ZT_F("breakout_room_uuid", ZT_VAL_STR, ZT_S_ROOM),
    ZT_F("start_time", ZT_VAL_STR, ZT_S_START),
    ZT_F("end_time", ZT_VAL_STR, ZT_S_END),
    ZT_F("participant", ZT_VAL_CHILD, ZT_CTX_PART),
};

static const zt_field_t  zt_part_fields[] = {
    ZT_F("user_id", ZT_VAL_STR, ZT_S_USER_ID),
    ZT_F("participant_uuid", ZT_VAL_STR, ZT_S_PUUID),
    ZT_F("parent_user_id", ZT_VAL_STR, ZT_S_PARENT),
    ZT_F("registrant_id", ZT_VAL_STR, ZT_S_REG),
    ZT_F("user_name", ZT_VAL_STR, ZT_S_NAME),
    ZT_F("email", ZT_VAL_STR, ZT_S_EMAIL),
    ZT_F("leave_reason", ZT_VAL_STR, ZT_S_REASON),
    ZT_F("id", ZT_VAL_STR, ZT_S_PID),
    ZT_F("participant_user_id", ZT_VAL_STR, ZT_S_PUSER),
    ZT_F("join_time", ZT_VAL_STR, ZT_S_JOIN),
    ZT_F("leave_time", ZT_VAL_STR, ZT_S_LEAVE),
    ZT_F("date_time", ZT_VAL_STR, ZT_S_DATE),
};

#define ZT_N(a)  (sizeof(a) / sizeof(a[0]))

typedef struct {
    const zt_field_t  *fields;
    size_t             n;
} zt_ctx_fields_t;

static const zt_ctx_fields_t  zt_ctx_fields[] = {
    [ZT_CTX_NONE] = { NULL, 0 },
    [ZT_CTX_ROOT] = { zt_root_fields, ZT_N(zt_root_fields) },
    [ZT_CTX_PAYLOAD] = { zt_payload_fields, ZT_N(zt_payload_fields) },
    [ZT_CTX_OBJECT] = { zt_object_fields, ZT_N(zt_object_fields) },
    [ZT_CTX_PART] = { zt_part_fields, ZT_N(zt_part_fields) },
};

#define ZT_MAX_DEPTH 64

/* zt_parse_t.seen has one bit per field of a context */
_Static_assert(ZT_N(zt_root_fields) <= 32 && ZT_N(zt_payload_fields) <= 32
               && ZT_N(zt_object_fields) <= 32 && ZT_N(zt_part_fields) <= 32,
               "more fields than bits in seen[]");


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
    size_t              i;
    zt_ctx_e            c;
    zt_parse_t         *p = ctx;
    const zt_field_t   *f;

    p->target = NULL;

    c = p->depth <= ZT_MAX_DEPTH ? p->ctx[p->depth - 1] : ZT_CTX_NONE;
    if (c == ZT_CTX_NONE) {
        return 1;
    }

    f = zt_ctx_fields[c].fields;

    for (i = 0; i < zt_ctx_fields[c].n; i++) {
        if (f[i].len == n && memcmp(f[i].key, key, n) == 0) {
            /* two values for one field: which one would a sink believe? */
            if (p->seen[c] & (1u << i)) {
                p->reason = "body is not valid JSON (duplicate key)";
                return 0;
            }
            p->seen[c] |= 1u << i;
            p->target = &f[i];
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


static char *
zt_slot(zt_parse_t *p, int i)
{
    return p->slot[i] ? p->slot[i] : zt_empty;
}


/* "meeting.ended" ends with ".ended" */
static int
zt_event_suffix(const char *type, const char *suffix)
{
    size_t  n, k;

    n = strlen(type);
    k = strlen(suffix);

    return n > k && strcmp(type + n - k, suffix) == 0;
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

    /* the meeting's own time, for a started or ended event without
     * event_ts: object.start_time is the meeting's in every event, so it
     * dates only the start */
    ev->meeting_time = zt_empty;
    if (zt_event_suffix(ev->event_type, ".ended")) {
        ev->meeting_time = zt_slot(&p, ZT_S_END);

    } else if (zt_event_suffix(ev->event_type, ".started")) {
        ev->meeting_time = zt_slot(&p, ZT_S_START);
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
