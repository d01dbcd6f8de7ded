/*
 * Fuzz target: the webhook body parser and the queue record writer
 * (core/zt_event.c), as the module runs them on every signed request.
 *
 * Invariants:
 *   - parsing is deterministic: the same bytes give the same answer,
 *     reason, event_id and fields;
 *   - every record written parses with jansson (the drainer's parser) into
 *     an object of the 20 fields, whose strings are the event's fields,
 *     whose raw_payload is the body byte for byte, whose event_ts is a
 *     plausible time or the arrival time and says where it came from;
 *   - one definition of valid JSON: a body we accept, jansson accepts too
 *     (except numbers beyond a double and nesting past jansson's depth
 *     limit), and a body jansson accepts is never refused by us as invalid
 *     JSON (we do refuse duplicate keys of the fields we read, and raw NUL
 *     bytes, which jansson takes as the end of the text).
 */

#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "zt_event.h"
#include "zt_time.h"


#define FUZZ_RECEIVED_MS  1700000000123LL


static void
fuzz_same_event(const zt_event_t *a, const zt_event_t *b)
{
    FUZZ_CHECK(strcmp(a->event_id, b->event_id) == 0, "event_id stable");
    FUZZ_CHECK(a->event_ts == b->event_ts, "event_ts stable");
    FUZZ_CHECK(strcmp(a->event_type, b->event_type) == 0, "type stable");
    FUZZ_CHECK(strcmp(a->participant_name, b->participant_name) == 0,
               "name stable");
    FUZZ_CHECK(strcmp(a->meeting_uuid, b->meeting_uuid) == 0,
               "meeting uuid stable");
    FUZZ_CHECK(a->action == b->action, "action stable");
}


static void
fuzz_field(json_t *rec, const char *key, const char *want)
{
    json_t  *v;

    v = json_object_get(rec, key);
    FUZZ_CHECK(json_is_string(v), key);
    FUZZ_CHECK(strcmp(json_string_value(v), want) == 0, key);
}


static void
fuzz_record(const zt_event_t *ev, const uint8_t *data, size_t size)
{
    char          *rec;
    size_t         len;
    json_t        *j, *v;
    int64_t        ts;
    const char    *src;
    json_error_t   err;

    rec = zt_event_record(ev, data, size, FUZZ_RECEIVED_MS, &len);
    FUZZ_CHECK(rec != NULL, "record written");
    FUZZ_CHECK(strlen(rec) == len, "record length");

    j = json_loadb(rec, len, 0, &err);
    if (j == NULL) {
        fprintf(stderr, "jansson: %s at %d\n", err.text, err.position);
    }
    FUZZ_CHECK(j != NULL, "record parses with jansson");
    FUZZ_CHECK(json_is_object(j) && json_object_size(j) == 20,
               "record has the 20 fields");

    v = json_object_get(j, "raw_payload");
    FUZZ_CHECK(json_is_string(v) && json_string_length(v) == size
               && memcmp(json_string_value(v), data, size) == 0,
               "raw_payload byte-exact");

    fuzz_field(j, "event_id", ev->event_id);
    fuzz_field(j, "event_type", ev->event_type);
    fuzz_field(j, "account_id", ev->account_id);
    fuzz_field(j, "meeting_id", ev->meeting_id);
    fuzz_field(j, "meeting_uuid", ev->meeting_uuid);
    fuzz_field(j, "breakout_room_uuid", ev->breakout_room_uuid);
    fuzz_field(j, "participant_user_id", ev->participant_user_id);
    fuzz_field(j, "participant_uuid", ev->participant_uuid);
    fuzz_field(j, "participant_id", ev->participant_id);
    fuzz_field(j, "parent_user_id", ev->parent_user_id);
    fuzz_field(j, "registrant_id", ev->registrant_id);
    fuzz_field(j, "participant_name", ev->participant_name);
    fuzz_field(j, "participant_email", ev->participant_email);
    fuzz_field(j, "leave_reason", ev->leave_reason);
    fuzz_field(j, "action", zt_action_name(ev->action));

    v = json_object_get(j, "event_ts");
    FUZZ_CHECK(json_is_integer(v), "event_ts is an integer");
    ts = json_integer_value(v);
    src = json_string_value(json_object_get(j, "event_ts_source"));
    FUZZ_CHECK(src != NULL, "event_ts_source present");

    if (strcmp(src, "zoom") == 0) {
        FUZZ_CHECK(ts == ev->event_ts && zt_time_plausible_ms(ts),
                   "zoom time is event_ts");
    } else if (strcmp(src, "participant") == 0) {
        FUZZ_CHECK(ev->event_ts == 0 && zt_time_plausible_ms(ts)
                   && ts == zt_time_parse_iso(ev->participant_time),
                   "participant time");
    } else if (strcmp(src, "meeting") == 0) {
        FUZZ_CHECK(ev->event_ts == 0 && zt_time_plausible_ms(ts)
                   && !zt_time_plausible_ms(
                          zt_time_parse_iso(ev->participant_time))
                   && ts == zt_time_parse_iso(ev->meeting_time),
                   "meeting time");
    } else {
        FUZZ_CHECK(strcmp(src, "received") == 0 && ts == FUZZ_RECEIVED_MS,
                   "arrival time");
    }

    json_decref(j);
    free(rec);
}


/* jansson on the body itself: one definition of valid */
static void
fuzz_differential(const uint8_t *data, size_t size, int rc,
    const char *reason)
{
    json_t        *j;
    json_error_t   err;

    j = json_loadb((const char *) data, size,
                   JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL, &err);

    if (rc == ZT_OK && j == NULL) {
        /* limits of jansson's, not validity: reals beyond a double,
         * nesting past 2048, a \u0000 in a key */
        if (strstr(err.text, "overflow") == NULL
            && strstr(err.text, "depth") == NULL
            && strstr(err.text, "NUL") == NULL)
        {
            fprintf(stderr, "jansson refuses what we took: %s\n",
                    err.text);
            FUZZ_CHECK(0, "accepted body is valid JSON for jansson");
        }
    }

    json_decref(j);

    /* jansson stops at a raw NUL byte and takes "{...}\0junk"; RFC 8259
     * and yajl do not */
    if (rc == ZT_DECLINED && strstr(reason, "not valid JSON")
        && strstr(reason, "duplicate key") == NULL
        && memchr(data, '\0', size) == NULL)
    {
        j = json_loadb((const char *) data, size, 0, &err);
        FUZZ_CHECK(j == NULL, "a body jansson takes is valid JSON");
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int          rc, rc2;
    zt_event_t   ev, ev2;
    const char  *reason, *reason2;

    rc = zt_event_parse(data, size, &ev, &reason);
    FUZZ_CHECK(rc == ZT_OK || rc == ZT_DECLINED, "no out of memory");
    FUZZ_CHECK(rc == ZT_OK || reason != NULL, "a refusal has a reason");

    rc2 = zt_event_parse(data, size, &ev2, &reason2);
    FUZZ_CHECK(rc == rc2, "same answer twice");

    if (rc == ZT_OK) {
        fuzz_same_event(&ev, &ev2);
        fuzz_record(&ev, data, size);

    } else {
        FUZZ_CHECK(strcmp(reason, reason2) == 0, "same reason twice");
    }

    fuzz_differential(data, size, rc, reason);

    zt_event_free(&ev);
    zt_event_free(&ev2);

    return 0;
}
