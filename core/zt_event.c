/*
 * Zoom event normalisation.  A body is parsed once with jansson; the fields
 * every sink needs are copied into a zt_event_t; the event gets an id derived
 * from its business key, so every delivery of one event (Zoom's retries, the
 * same event in two subscriptions) carries the same id and sinks can drop
 * copies.  The record keeps the body byte-exact in raw_payload.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "zt_event.h"
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


/* namespace of zoomtrack's name-based (version 5 style) event ids */
static const unsigned char  zt_uuid_ns[16] = {
    0x6b, 0x1f, 0x3c, 0x2e, 0x8a, 0x41, 0x4d, 0x55,
    0x9e, 0x07, 0x5a, 0x1c, 0x33, 0xd2, 0x70, 0x9b
};


/*
 * A string copy of a member: strings as they are, integers in decimal
 * (Zoom sends meeting ids as numbers in some payloads), anything else "".
 */
static char *
zt_json_str(json_t *obj, const char *key)
{
    char    buf[32];
    json_t  *v;

    v = obj ? json_object_get(obj, key) : NULL;

    if (json_is_string(v)) {
        return strdup(json_string_value(v));
    }

    if (json_is_integer(v)) {
        snprintf(buf, sizeof(buf), "%lld",
                 (long long) json_integer_value(v));
        return strdup(buf);
    }

    if (json_is_real(v)) {
        snprintf(buf, sizeof(buf), "%.0f", json_real_value(v));
        return strdup(buf);
    }

    return strdup("");
}


static int64_t
zt_json_ms(json_t *obj, const char *key)
{
    char        *end;
    json_t      *v;
    long long    n;

    v = json_object_get(obj, key);

    if (json_is_integer(v)) {
        return (int64_t) json_integer_value(v);
    }

    if (json_is_real(v)) {
        return (int64_t) json_real_value(v);
    }

    if (json_is_string(v)) {
        n = strtoll(json_string_value(v), &end, 10);
        if (*end == '\0') {
            return (int64_t) n;
        }
    }

    return 0;
}


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


int
zt_event_parse(const unsigned char *body, size_t len, zt_event_t *ev,
    const char **reason)
{
    int            rc;
    json_t        *root, *payload, *object, *part, *v;
    json_error_t   jerr;

    memset(ev, 0, sizeof(zt_event_t));
    *reason = NULL;

    root = json_loadb((const char *) body, len, JSON_REJECT_DUPLICATES,
                      &jerr);
    if (root == NULL) {
        *reason = "body is not valid JSON";
        return ZT_DECLINED;
    }

    rc = ZT_DECLINED;

    if (!json_is_object(root)) {
        *reason = "body is not a JSON object";
        goto done;
    }

    v = json_object_get(root, "event");
    if (!json_is_string(v) || json_string_length(v) == 0) {
        *reason = "body has no \"event\" string";
        goto done;
    }

    payload = json_object_get(root, "payload");
    if (!json_is_object(payload)) {
        payload = NULL;
    }

    object = payload ? json_object_get(payload, "object") : NULL;
    if (!json_is_object(object)) {
        object = NULL;
    }

    part = object ? json_object_get(object, "participant") : NULL;
    if (!json_is_object(part)) {
        part = NULL;
    }

    rc = ZT_ERROR;

    ev->event_type = strdup(json_string_value(v));
    ev->event_ts = zt_json_ms(root, "event_ts");
    ev->account_id = zt_json_str(payload, "account_id");
    ev->meeting_id = zt_json_str(object, "id");
    ev->meeting_uuid = zt_json_str(object, "uuid");
    ev->breakout_room_uuid = zt_json_str(object, "breakout_room_uuid");
    ev->participant_user_id = zt_json_str(part, "user_id");
    ev->participant_uuid = zt_json_str(part, "participant_uuid");
    ev->parent_user_id = zt_json_str(part, "parent_user_id");
    ev->registrant_id = zt_json_str(part, "registrant_id");
    ev->participant_name = zt_json_str(part, "user_name");
    ev->participant_email = zt_json_str(part, "email");
    ev->leave_reason = zt_json_str(part, "leave_reason");
    ev->plain_token = zt_json_str(payload, "plainToken");

    /* the Zoom account id; participant_user_id is Zoom's newer name */
    ev->participant_id = zt_json_str(part, "id");
    if (ev->participant_id && ev->participant_id[0] == '\0') {
        free(ev->participant_id);
        ev->participant_id = zt_json_str(part, "participant_user_id");
    }

    ev->participant_time = zt_json_str(part, "join_time");
    if (ev->participant_time && ev->participant_time[0] == '\0') {
        free(ev->participant_time);
        ev->participant_time = zt_json_str(part, "leave_time");
    }
    if (ev->participant_time && ev->participant_time[0] == '\0') {
        free(ev->participant_time);
        ev->participant_time = zt_json_str(part, "date_time");
    }

    if (ev->event_type == NULL || ev->account_id == NULL
        || ev->meeting_id == NULL || ev->meeting_uuid == NULL
        || ev->breakout_room_uuid == NULL || ev->participant_user_id == NULL
        || ev->participant_uuid == NULL || ev->parent_user_id == NULL
        || ev->registrant_id == NULL || ev->participant_name == NULL
        || ev->participant_email == NULL || ev->leave_reason == NULL
        || ev->plain_token == NULL || ev->participant_id == NULL
        || ev->participant_time == NULL)
    {
        goto done;
    }

    ev->action = zt_action_of(ev->event_type);

    if (zt_event_is_url_validation(ev) && ev->plain_token[0] == '\0') {
        *reason = "url_validation without payload.plainToken";
        rc = ZT_DECLINED;
        goto done;
    }

    if (zt_event_make_id(ev, body, len) != ZT_OK) {
        goto done;
    }

    rc = ZT_OK;

done:

    if (rc == ZT_ERROR && *reason == NULL) {
        *reason = "out of memory";
    }

    json_decref(root);
    return rc;
}


void
zt_event_free(zt_event_t *ev)
{
    free(ev->event_type);
    free(ev->account_id);
    free(ev->meeting_id);
    free(ev->meeting_uuid);
    free(ev->breakout_room_uuid);
    free(ev->participant_user_id);
    free(ev->participant_uuid);
    free(ev->participant_id);
    free(ev->parent_user_id);
    free(ev->registrant_id);
    free(ev->participant_name);
    free(ev->participant_email);
    free(ev->leave_reason);
    free(ev->participant_time);
    free(ev->plain_token);
    memset(ev, 0, sizeof(zt_event_t));
}


int
zt_event_is_url_validation(const zt_event_t *ev)
{
    return ev->event_type
           && strcmp(ev->event_type, "endpoint.url_validation") == 0;
}


static int
zt_set_str(json_t *o, const char *key, const char *val)
{
    return json_object_set_new_nocheck(o, key, json_string(val));
}


char *
zt_event_record(const zt_event_t *ev, const unsigned char *body, size_t len,
    int64_t received_ms, size_t *out_len)
{
    int       rc;
    char     *out, ts[ZT_RFC3339_LEN + 1], rcv[ZT_RFC3339_LEN + 1];
    json_t   *o;
    int64_t   event_ts;

    /* no event_ts (seen in real 2019 payloads): the participant's time,
     * else the arrival; the id still uses the body's own fields */
    event_ts = ev->event_ts;
    if (event_ts <= 0) {
        event_ts = zt_time_parse_iso(ev->participant_time);
    }
    if (event_ts <= 0) {
        event_ts = received_ms;
    }

    zt_time_rfc3339(event_ts, ts);
    zt_time_rfc3339(received_ms, rcv);

    o = json_object();
    if (o == NULL) {
        return NULL;
    }

    rc = zt_set_str(o, "event_id", ev->event_id);
    rc |= zt_set_str(o, "event_type", ev->event_type);
    rc |= json_object_set_new_nocheck(o, "event_ts", json_integer(event_ts));
    rc |= zt_set_str(o, "event_timestamp", ts);
    rc |= zt_set_str(o, "account_id", ev->account_id);
    rc |= zt_set_str(o, "meeting_id", ev->meeting_id);
    rc |= zt_set_str(o, "meeting_uuid", ev->meeting_uuid);
    rc |= zt_set_str(o, "breakout_room_uuid", ev->breakout_room_uuid);
    rc |= zt_set_str(o, "participant_user_id", ev->participant_user_id);
    rc |= zt_set_str(o, "participant_uuid", ev->participant_uuid);
    rc |= zt_set_str(o, "participant_id", ev->participant_id);
    rc |= zt_set_str(o, "parent_user_id", ev->parent_user_id);
    rc |= zt_set_str(o, "registrant_id", ev->registrant_id);
    rc |= zt_set_str(o, "participant_name", ev->participant_name);
    rc |= zt_set_str(o, "participant_email", ev->participant_email);
    rc |= zt_set_str(o, "action", zt_action_name(ev->action));
    rc |= zt_set_str(o, "leave_reason", ev->leave_reason);
    rc |= zt_set_str(o, "received_at", rcv);
    rc |= json_object_set_new_nocheck(o, "raw_payload",
                                      json_stringn((const char *) body, len));

    if (rc != 0) {
        json_decref(o);
        return NULL;
    }

    out = json_dumps(o, JSON_COMPACT);
    json_decref(o);

    if (out && out_len) {
        *out_len = strlen(out);
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
