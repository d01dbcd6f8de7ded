/*
 * Unit tests of core/zt_event.c: normalisation of every documented payload,
 * numeric meeting ids, missing optional fields, guests, the person key,
 * event_id stability and the queue record.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_event.h"
#include "tap.h"


typedef struct {
    const char  *file;
    const char  *type;
    const char  *action;
    const char  *meeting_id;
    const char  *room;
    const char  *participant_id;
    const char  *name;
} expect_t;


static const expect_t  cases[] = {
    { "meeting.started", "meeting.started", "", "1234567890", "", "", "" },
    { "meeting.ended", "meeting.ended", "", "1234567890", "", "", "" },
    { "meeting.participant_joined", "meeting.participant_joined", "JOIN",
      "1234567890", "", "iFxeBPYun6SAiWUzBcEkX", "Jill Chill" },
    { "meeting.participant_left", "meeting.participant_left", "LEAVE",
      "1234567890", "", "iFxeBPYun6SAiWUzBcEkX", "Jill Chill" },
    { "meeting.participant_joined_breakout_room",
      "meeting.participant_joined_breakout_room", "JOIN", "1234567890",
      "FkQbpP2UR028mDrwzEahqw==", "iFxeBPYun6SAiWUzBcEkX", "Jill Chill" },
    { "meeting.participant_left_breakout_room",
      "meeting.participant_left_breakout_room", "LEAVE", "1234567890",
      "FkQbpP2UR028mDrwzEahqw==", "iFxeBPYun6SAiWUzBcEkX", "Jill Chill" },
    { "meeting.participant_joined_waiting_room",
      "meeting.participant_joined_waiting_room", "JOIN", "1234567890", "",
      "iFxeBPYun6SAiWUzBcEkX", "Jill Chill" },
    { "meeting.participant_left_waiting_room",
      "meeting.participant_left_waiting_room", "LEAVE", "1234567890", "",
      "iFxeBPYun6SAiWUzBcEkX", "Jill Chill" },
    { "meeting.participant_put_in_waiting_room",
      "meeting.participant_put_in_waiting_room", "", "1234567890", "",
      "iFxeBPYun6SAiWUzBcEkX", "Jill Chill" },
    { "meeting.participant_admitted", "meeting.participant_admitted", "JOIN",
      "1234567890", "", "iFxeBPYun6SAiWUzBcEkX", "Jill Chill" },
    { "meeting.sharing_started", "meeting.sharing_started", "",
      "1234567890", "", "s0AAAASoSE1V8KIFOCYw", "Arya Arya" },
    { "meeting.sharing_ended", "meeting.sharing_ended", "", "1234567890", "",
      "s0AAAASoSE1V8KIFOCYw", "Arya Arya" },
    { "webinar.started", "webinar.started", "", "1234567890", "", "", "" },
    { "webinar.ended", "webinar.ended", "", "1234567890", "", "", "" },
    { "webinar.participant_joined", "webinar.participant_joined", "JOIN",
      "1234567890", "", "iFxeBPYun6SAiWUzBcEkX", "Jill Chill" },
    { "webinar.participant_left", "webinar.participant_left", "LEAVE",
      "1234567890", "", "iFxeBPYun6SAiWUzBcEkX", "Jill Chill" },
};


static char *
read_payload(const char *name, size_t *len)
{
    char  path[256];

    snprintf(path, sizeof(path), "t/data/payloads/%s.json", name);
    return tap_slurp(path, len);
}


static int
parse(const char *body, zt_event_t *ev, const char **reason)
{
    return zt_event_parse((const unsigned char *) body, strlen(body), ev,
                          reason);
}


/* body's record, made at 1700000000123 ms, as JSON; NULL if refused */
static json_t *
record_json(const char *body)
{
    char        *rec;
    size_t       rlen;
    json_t      *j;
    zt_event_t   ev;
    const char  *reason;

    memset(&ev, 0, sizeof(ev));
    j = NULL;

    if (parse(body, &ev, &reason) == ZT_OK) {
        rec = zt_event_record(&ev, (unsigned char *) "{}", 2,
                              1700000000123LL, &rlen);
        j = rec ? json_loadb(rec, rlen, 0, NULL) : NULL;
        free(rec);
    }

    zt_event_free(&ev);

    return j;
}


static int
is_uuid(const char *s)
{
    size_t  i;

    if (strlen(s) != 36) {
        return 0;
    }
    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') {
                return 0;
            }
        } else if (!strchr("0123456789abcdef", s[i])) {
            return 0;
        }
    }
    return s[14] == '5';
}


static void
test_payload_files(void)
{
    char          *body, *rec, id1[ZT_UUID_LEN + 1];
    size_t         i, len, rlen;
    json_t        *j;
    zt_event_t     ev;
    const char    *reason;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        body = read_payload(cases[i].file, &len);
        if (body == NULL) {
            ok(0, "%s readable", cases[i].file);
            continue;
        }

        is_int(zt_event_parse((unsigned char *) body, len, &ev, &reason),
               ZT_OK, "%s parses", cases[i].file);
        is_str(ev.event_type, cases[i].type, "%s: event_type", cases[i].file);
        is_str(zt_action_name(ev.action), cases[i].action, "%s: action",
               cases[i].file);
        is_str(ev.meeting_id, cases[i].meeting_id, "%s: meeting_id string",
               cases[i].file);
        is_str(ev.breakout_room_uuid, cases[i].room, "%s: room",
               cases[i].file);
        is_str(ev.participant_id, cases[i].participant_id,
               "%s: participant_id", cases[i].file);
        is_str(ev.participant_name, cases[i].name, "%s: name",
               cases[i].file);
        ok(is_uuid(ev.event_id), "%s: event_id %s is a v5 UUID",
           cases[i].file, ev.event_id);
        memcpy(id1, ev.event_id, sizeof(id1));

        rec = zt_event_record(&ev, (unsigned char *) body, len,
                              1700000000123LL, &rlen);
        j = rec ? json_loadb(rec, rlen, 0, NULL) : NULL;
        ok(j != NULL, "%s: record is JSON", cases[i].file);
        is_str(json_string_value(json_object_get(j, "event_id")), id1,
               "%s: record event_id", cases[i].file);
        ok(json_string_length(json_object_get(j, "raw_payload")) == len
           && memcmp(json_string_value(json_object_get(j, "raw_payload")),
                     body, len) == 0,
           "%s: raw_payload byte-exact", cases[i].file);
        is_str(json_string_value(json_object_get(j, "received_at")),
               "2023-11-14T22:13:20.123Z", "%s: received_at",
               cases[i].file);
        ok(json_is_string(json_object_get(j, "meeting_id")),
           "%s: record meeting_id is a string", cases[i].file);
        is_int(json_object_size(j), 20, "%s: record has the 20 fields",
               cases[i].file);
        is_str(json_string_value(json_object_get(j, "event_ts_source")),
               "zoom", "%s: event_ts from Zoom", cases[i].file);
        json_decref(j);
        free(rec);
        zt_event_free(&ev);

        /* the same bytes again: the same id */
        zt_event_parse((unsigned char *) body, len, &ev, &reason);
        is_str(ev.event_id, id1, "%s: event_id stable", cases[i].file);
        zt_event_free(&ev);
        free(body);
    }
}


static void
test_fields(void)
{
    char         *body, *rec, *pretty;
    size_t        len, rlen;
    json_t       *j, *root;
    zt_event_t    ev, ev2;
    const char   *reason;

    /* numeric meeting id (meeting.sharing_started has "id": 1234567890) */
    body = read_payload("meeting.sharing_started", &len);
    zt_event_parse((unsigned char *) body, len, &ev, &reason);
    is_str(ev.meeting_id, "1234567890", "numeric id becomes a string");
    zt_event_free(&ev);
    free(body);

    /* a breakout event keeps the main user id as parent_user_id */
    body = read_payload("meeting.participant_joined_breakout_room", &len);
    zt_event_parse((unsigned char *) body, len, &ev, &reason);
    is_str(ev.parent_user_id, "1234567890", "parent_user_id");
    is_str(ev.participant_user_id, "31228928", "user_id of the room session");
    is_str(ev.participant_uuid, "55555AAAiAAAAAiAiAiiAii", "participant_uuid");
    is_str(ev.registrant_id, "abcdefghij0-klmnopq23456", "registrant_id");
    is_str(ev.participant_email, "jchill@example.com", "email");
    is_int(ev.event_ts, 1626230691572LL, "event_ts in ms");
    rec = zt_event_record(&ev, (unsigned char *) body, len, 1, &rlen);
    j = json_loads(rec, 0, NULL);
    is_str(json_string_value(json_object_get(j, "event_timestamp")),
           "2021-07-14T02:44:51.572Z", "event_timestamp RFC 3339 UTC");
    is_str(json_string_value(json_object_get(j, "action")), "JOIN",
           "record action");
    json_decref(j);
    free(rec);

    /* re-serialised differently (what a second subscription might send):
     * the business key, not the bytes, makes the id */
    root = json_loadb(body, len, 0, NULL);
    pretty = json_dumps(root, JSON_INDENT(3) | JSON_SORT_KEYS);
    json_decref(root);
    zt_event_parse((unsigned char *) pretty, strlen(pretty), &ev2, &reason);
    is_str(ev2.event_id, ev.event_id, "same event, other bytes: same id");
    zt_event_free(&ev2);
    free(pretty);
    zt_event_free(&ev);
    free(body);

    /* guests: no id, no email; identity falls back in order */
    is_int(parse("{\"event\":\"meeting.participant_joined\",\"event_ts\":5,"
                 "\"payload\":{\"object\":{\"id\":99,\"uuid\":\"m==\","
                 "\"participant\":{\"user_id\":\"16\",\"user_name\":"
                 "\"Guest \\u00e9\\ud83d\\ude00\",\"id\":\"\","
                 "\"participant_user_id\":\"\",\"email\":\"\","
                 "\"join_time\":\"2021-07-13T21:44:51Z\"}}}}", &ev, &reason),
           ZT_OK, "guest without email parses");
    is_str(ev.participant_id, "", "guest has no account id");
    is_str(ev.participant_email, "", "guest has no email");
    is_str(ev.participant_name, "Guest \xc3\xa9\xf0\x9f\x98\x80",
           "escaped non-ASCII name decoded to UTF-8");
    is_str(ev.participant_time, "2021-07-13T21:44:51Z", "join_time kept");
    zt_event_free(&ev);

    /* participant_user_id used when id is absent */
    parse("{\"event\":\"meeting.participant_left\",\"payload\":{\"object\":"
          "{\"uuid\":\"m\",\"participant\":{\"participant_user_id\":\"P1\","
          "\"leave_time\":\"2021-07-13T21:44:51Z\"}}}}", &ev, &reason);
    is_str(ev.participant_id, "P1", "participant_user_id as account id");
    is_int(ev.event_ts, 0, "missing event_ts is 0 in the event");
    rec = zt_event_record(&ev, (unsigned char *) "{}", 2, 7, &rlen);
    j = json_loads(rec, 0, NULL);
    is_int(json_integer_value(json_object_get(j, "event_ts")),
           1626212691000LL, "record event_ts falls back to leave_time");
    json_decref(j);
    free(rec);
    zt_event_free(&ev);

    /* a minimal real-world 2019 payload: no event_ts, no email, no uuid */
    is_int(parse("{\"event\":\"meeting.participant_joined\",\"payload\":"
                 "{\"account_id\":\"a\",\"object\":{\"id\":\"1\",\"participant"
                 "\":{\"user_id\":\"2\",\"user_name\":\"x\"}}}}", &ev,
                 &reason),
           ZT_OK, "minimal payload accepted");
    zt_event_free(&ev);

    /* white space and escapes survive the record byte for byte */
    {
        const char  *b = "{\t\"event\":\"x\\u0001\\\"\\\\ \xc3\xa9\",\r\n"
                         "  \"event_ts\" : 1}";

        is_int(parse(b, &ev, &reason), ZT_OK, "body with \\t \\r \\n");
        is_str(ev.event_type, "x\x01\"\\ \xc3\xa9", "escapes decoded");
        rec = zt_event_record(&ev, (unsigned char *) b, strlen(b), 1, &rlen);
        j = json_loads(rec, 0, NULL);
        is_str(json_string_value(json_object_get(j, "raw_payload")), b,
               "raw_payload round-trips control characters and escapes");
        is_str(json_string_value(json_object_get(j, "event_type")),
               "x\x01\"\\ \xc3\xa9", "event_type re-escaped");
        json_decref(j);
        free(rec);
        zt_event_free(&ev);
    }

    /* unknown events are kept too */
    is_int(parse("{\"event\":\"recording.completed\",\"event_ts\":1}", &ev,
                 &reason), ZT_OK, "unknown event accepted");
    is_str(zt_action_name(ev.action), "", "no action for unknown events");
    zt_event_free(&ev);
}


/*
 * raw_payload is escaped 16 bytes at a time where SSE2 is available, byte
 * by byte in the tail: every byte from 0x00 to 0x7f, at every offset of a
 * block and in the tail, must come back exactly.
 */
static void
test_record_escapes(void)
{
    int           bad;
    char         *rec;
    size_t        rlen, len, at, c;
    json_t       *j, *raw;
    zt_event_t    ev;
    const char   *reason;
    unsigned char body[80];

    is_int(parse("{\"event\":\"x\"}", &ev, &reason), ZT_OK, "tiny body");

    bad = 0;

    for (len = 1; len <= sizeof(body) && !bad; len += 13) {
        for (at = 0; at < len && !bad; at++) {
            for (c = 0; c < 0x80 && !bad; c++) {
                memset(body, 'a' + (int) (len % 26), len);
                body[at] = (unsigned char) c;
                body[len - 1 - at / 2] = (unsigned char) (0x7f - c);

                rec = zt_event_record(&ev, body, len, 1, &rlen);
                j = rec ? json_loadb(rec, rlen, JSON_ALLOW_NUL, NULL) : NULL;
                raw = j ? json_object_get(j, "raw_payload") : NULL;

                if (raw == NULL || json_string_length(raw) != len
                    || memcmp(json_string_value(raw), body, len) != 0
                    || strlen(rec) != rlen)
                {
                    printf("# len %zu, byte 0x%02zx at %zu\n", len, c, at);
                    bad = 1;
                }

                json_decref(j);
                free(rec);
            }
        }
    }

    ok(!bad, "raw_payload: every ASCII byte at every offset round-trips");
    zt_event_free(&ev);
}


static void
test_ids(void)
{
    char         a[ZT_UUID_LEN + 1];
    zt_event_t    ev;
    const char   *reason;
    const char   *join = "{\"event\":\"meeting.participant_joined\","
                         "\"event_ts\":1626230691100,\"payload\":{"
                         "\"object\":{\"uuid\":"
                         "\"m\",\"participant\":{\"user_id\":\"1\","
                         "\"user_name\":\"A\"}}}}";

    parse(join, &ev, &reason);
    memcpy(a, ev.event_id, sizeof(a));
    zt_event_free(&ev);

    parse("{\"event\":\"meeting.participant_joined\","
          "\"event_ts\":1626230691101,"
          "\"payload\":{\"object\":{\"uuid\":\"m\",\"participant\":"
          "{\"user_id\":\"1\",\"user_name\":\"A\"}}}}", &ev, &reason);
    ok(strcmp(a, ev.event_id) != 0, "other event_ts: other id");
    zt_event_free(&ev);

    parse("{\"event\":\"meeting.participant_left\","
          "\"event_ts\":1626230691100,"
          "\"payload\":{\"object\":{\"uuid\":\"m\",\"participant\":"
          "{\"user_id\":\"1\",\"user_name\":\"A\"}}}}", &ev, &reason);
    ok(strcmp(a, ev.event_id) != 0, "other type: other id");
    zt_event_free(&ev);

    parse("{\"event\":\"meeting.participant_joined\","
          "\"event_ts\":1626230691100,"
          "\"payload\":{\"object\":{\"uuid\":\"m\",\"participant\":"
          "{\"user_id\":\"2\",\"user_name\":\"B\"}}}}", &ev, &reason);
    ok(strcmp(a, ev.event_id) != 0, "other person at the same instant");
    zt_event_free(&ev);

    parse("{\"payload\":{\"object\":{\"participant\":{\"user_name\":\"A\","
          "\"user_id\":\"1\"},\"uuid\":\"m\"}},"
          "\"event_ts\":1626230691100,"
          "\"event\":\"meeting.participant_joined\"}", &ev, &reason);
    is_str(ev.event_id, a, "key order does not matter");
    zt_event_free(&ev);
}


static void
test_rejects(void)
{
    zt_event_t    ev;
    const char   *reason;

    static const struct {
        const char  *body;
        const char  *why;
    } bad[] = {
        { "", "not valid JSON" },
        { "{\"event\":", "not valid JSON" },
        { "[1,2]", "not a JSON object" },
        { "\"event\"", "not a JSON object" },
        { "42", "not a JSON object" },
        { "{\"event\":\"a\"} {}", "not valid JSON" },
        { "{\"event\":\"a\xff\"}", "not valid JSON" },
        { "{\"payload\":{}}", "no \"event\"" },
        { "{\"event\":17}", "no \"event\"" },
        { "{\"event\":\"\"}", "no \"event\"" },
        { "{\"event\":\"a\",\"event\":\"b\"}", "not valid JSON" },
        { "{\"event\":\"a\",\f\"n\":1}", "\\v or \\f" },
        { "{\"event\":\"a\"}\"", "unterminated string" },
        { "{\"event\":\"a\"} \"abc", "unterminated string" },
        { "{\"event\":\"a\",\"n\":\v1}", "\\v or \\f" },
        { "{\"event\":\"endpoint.url_validation\",\"payload\":{}}",
          "plainToken" },
    };
    size_t  i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        is_int(parse(bad[i].body, &ev, &reason), ZT_DECLINED,
               "rejected: %s", bad[i].body);
        ok(reason && strstr(reason, bad[i].why), "reason \"%s\"",
           reason ? reason : "(null)");
        zt_event_free(&ev);
    }

    is_int(zt_event_parse((unsigned char *) "{\"event\":\"a\0\"}", 14, &ev,
                          &reason), ZT_DECLINED, "embedded NUL rejected");
    zt_event_free(&ev);

    is_int(parse("{\"event\":\"endpoint.url_validation\",\"payload\":"
                 "{\"plainToken\":\"qgg8vlvZRS6UYooatFL8Aw\"},\"event_ts\":1}",
                 &ev, &reason), ZT_OK, "url_validation parses");
    ok(zt_event_is_url_validation(&ev), "recognised as url_validation");
    is_str(ev.plain_token, "qgg8vlvZRS6UYooatFL8Aw", "plainToken");
    zt_event_free(&ev);
}


static void
test_person_key(void)
{
    char  k[128];

    zt_person_key("ID1", "R1", "A@B.C", "Ann", k, sizeof(k));
    is_str(k, "id:ID1", "account id first");
    zt_person_key("", "R1", "A@B.C", "Ann", k, sizeof(k));
    is_str(k, "reg:R1", "then registrant id");
    zt_person_key("", "", "Ann.Lee@Example.COM", "Ann", k, sizeof(k));
    is_str(k, "email:ann.lee@example.com", "then email, lowercased");
    zt_person_key("", "", "", "Ann Lee", k, sizeof(k));
    is_str(k, "name:Ann Lee", "then display name, as is");
    zt_person_key(NULL, NULL, NULL, NULL, k, sizeof(k));
    is_str(k, "name:", "nothing at all");
    zt_person_key("R1", "R1", "", "Reg Guest", k, sizeof(k));
    is_str(k, "reg:R1", "a room event's participant_user_id that is the "
           "registrant_id: the registrant");
    zt_person_key("", "", "VERYLONG@EXAMPLE.COM", "", k, 10);
    is_str(k, "email:ver", "truncated safely");
}


/*
 * event_ts that is not a plausible epoch-ms integer counts as absent: the
 * record falls back to the participant's time, else the arrival, and says
 * which in event_ts_source.  Before: (int64_t) strtod(1e300) was undefined,
 * 2^64 was clamped to INT64_MAX and "-1" or a string were believed.
 */
static void
test_event_ts(void)
{
    char         body[512], *rec;
    size_t       i, rlen;
    json_t      *j;
    zt_event_t   ev;
    const char  *reason;

    static const struct {
        const char  *ts;
        int64_t      want;
        const char  *source;
    } c[] = {
        { "1626230691572", 1626230691572LL, "zoom" },
        { "946684800000", 946684800000LL, "zoom" },
        { "253402300799999", 253402300799999LL, "zoom" },
        { "1e300", 0, "participant" },
        { "-1e300", 0, "participant" },
        { "-1", 0, "participant" },
        { "0", 0, "participant" },
        { "18446744073709551616", 0, "participant" },
        { "9223372036854775807", 0, "participant" },
        { "9223372036854775808", 0, "participant" },
        { "1626230691572.5", 0, "participant" },
        { "1626230691572.0", 0, "participant" },
        { "1.626230691572e12", 0, "participant" },
        { "\"1626230691572\"", 0, "participant" },
        { "\"soon\"", 0, "participant" },
        { "1626230691", 0, "participant" },          /* seconds, not ms */
        { "1626230691572000", 0, "participant" },    /* microseconds */
        { "253402300800000", 0, "participant" },     /* year 10000 */
        { "null", 0, "participant" },
        { "true", 0, "participant" },
        { "[1626230691572]", 0, "participant" },
        { "{\"ms\":1626230691572}", 0, "participant" },
    };

    for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        snprintf(body, sizeof(body),
                 "{\"event\":\"meeting.participant_left\",\"event_ts\":%s,"
                 "\"payload\":{\"object\":{\"uuid\":\"m\",\"participant\":"
                 "{\"user_id\":\"1\",\"leave_time\":"
                 "\"2021-07-13T21:44:51Z\"}}}}", c[i].ts);

        is_int(parse(body, &ev, &reason), ZT_OK, "event_ts %s: parses",
               c[i].ts);
        is_int(ev.event_ts, c[i].want, "event_ts %s: kept as %lld",
               c[i].ts, (long long) c[i].want);

        rec = zt_event_record(&ev, (unsigned char *) body, strlen(body),
                              1700000000123LL, &rlen);
        j = rec ? json_loadb(rec, rlen, 0, NULL) : NULL;
        ok(j != NULL, "event_ts %s: record is JSON", c[i].ts);
        is_int(json_integer_value(json_object_get(j, "event_ts")),
               c[i].want ? c[i].want : 1626212691000LL,
               "event_ts %s: record event_ts", c[i].ts);
        is_str(json_string_value(json_object_get(j, "event_ts_source")),
               c[i].source, "event_ts %s: event_ts_source", c[i].ts);
        json_decref(j);
        free(rec);
        zt_event_free(&ev);
    }

    /* no usable event_ts and no participant time: the arrival */
    is_int(parse("{\"event\":\"meeting.started\",\"event_ts\":-5,"
                 "\"payload\":{\"object\":{\"uuid\":\"m\"}}}", &ev,
                 &reason), ZT_OK, "meeting.started with event_ts -5");
    rec = zt_event_record(&ev, (unsigned char *) "{}", 2, 1700000000123LL,
                          &rlen);
    j = json_loadb(rec, rlen, 0, NULL);
    is_int(json_integer_value(json_object_get(j, "event_ts")),
           1700000000123LL, "falls back to the arrival time");
    is_str(json_string_value(json_object_get(j, "event_ts_source")),
           "received", "event_ts_source received");
    is_str(json_string_value(json_object_get(j, "event_timestamp")),
           "2023-11-14T22:13:20.123Z", "event_timestamp of the arrival");
    json_decref(j);
    free(rec);
    zt_event_free(&ev);

    /* no event_ts (2019 payloads): an ended meeting's end_time, a started
     * one's start_time; a participant event never takes start_time */
    j = record_json("{\"event\":\"meeting.ended\",\"payload\":{\"object\":{"
                    "\"uuid\":\"m\",\"start_time\":\"2019-07-16T17:00:00Z\","
                    "\"end_time\":\"2019-07-16T18:00:00Z\"}}}");
    is_int(json_integer_value(json_object_get(j, "event_ts")),
           1563300000000LL, "meeting.ended without event_ts: its end_time");
    is_str(json_string_value(json_object_get(j, "event_ts_source")),
           "meeting", "event_ts_source meeting");
    json_decref(j);

    j = record_json("{\"event\":\"meeting.started\",\"payload\":{\"object\":"
                    "{\"uuid\":\"m\",\"start_time\":"
                    "\"2019-07-16T17:00:00Z\"}}}");
    is_int(json_integer_value(json_object_get(j, "event_ts")),
           1563296400000LL, "meeting.started without event_ts: start_time");
    json_decref(j);

    j = record_json("{\"event\":\"meeting.participant_left\",\"payload\":{"
                    "\"object\":{\"uuid\":\"m\",\"start_time\":"
                    "\"2019-07-16T17:00:00Z\",\"participant\":{"
                    "\"user_id\":\"1\"}}}}");
    is_str(json_string_value(json_object_get(j, "event_ts_source")),
           "received", "a leave without times is not dated by the "
           "meeting's start");
    json_decref(j);

    /* a participant time that is no plausible time is not used either */
    parse("{\"event\":\"meeting.participant_joined\",\"payload\":{\"object\""
          ":{\"uuid\":\"m\",\"participant\":{\"join_time\":"
          "\"1970-01-01T00:00:01Z\"}}}}", &ev, &reason);
    rec = zt_event_record(&ev, (unsigned char *) "{}", 2, 1700000000123LL,
                          &rlen);
    j = json_loadb(rec, rlen, 0, NULL);
    is_str(json_string_value(json_object_get(j, "event_ts_source")),
           "received", "a 1970 join_time is not believed");
    json_decref(j);
    free(rec);
    zt_event_free(&ev);
}


/*
 * One definition of UTF-8 (RFC 3629, zt_utf8.h) at the edge: what yajl
 * alone let through but jansson refuses is rejected, with a reason.
 */
static void
test_utf8(void)
{
    size_t       i;
    zt_event_t   ev;
    const char  *reason;

    static const struct {
        const char  *body;
        const char  *why;
    } bad[] = {
        { "{\"event\":\"x\",\"payload\":{\"object\":{\"participant\":"
          "{\"user_name\":\"\xc0\x96\"}}}}", "overlong" },
        { "{\"event\":\"x\",\"n\":\"\xe0\x80\xaf\"}", "overlong" },
        { "{\"event\":\"x\",\"n\":\"\xf0\x80\x80\xaf\"}", "overlong" },
        { "{\"event\":\"x\",\"n\":\"\xed\xa0\x80\"}", "surrogate" },
        { "{\"event\":\"x\",\"n\":\"\xed\xbf\xbf\"}", "surrogate" },
        { "{\"event\":\"x\",\"n\":\"\xf4\x90\x80\x80\"}", "U+10FFFF" },
        { "{\"event\":\"x\",\"n\":\"\xf7\xbf\xbf\xbf\"}", "U+10FFFF" },
        { "{\"event\":\"x\",\"n\":\"\xf8\x88\x80\x80\x80\"}", "malformed" },
        { "{\"event\":\"x\",\"n\":\"\x80\"}", "malformed" },
        { "{\"event\":\"x\",\"n\":\"\xc3\"}", "malformed" },
        { "{\"event\":\"x\",\"n\":\"\xe2\x82\"}", "malformed" },
        { "{\"event\":\"x\",\"n\":\"\\ud800\"}", "unpaired surrogate" },
        { "{\"event\":\"x\",\"n\":\"\\uDBFF x\"}", "unpaired surrogate" },
        { "{\"event\":\"x\",\"n\":\"\\udc00\"}", "unpaired surrogate" },
        { "{\"event\":\"x\",\"n\":\"\\ud800\\u0041\"}",
          "unpaired surrogate" },
        { "{\"event\":\"x\",\"n\":\"\\ud800\\ud800\"}",
          "unpaired surrogate" },
        { "{\"event\":\"x\",\"payload\":{\"object\":{\"participant\":"
          "{\"user_name\":\"\\udfff\\ud800\"}}}}", "unpaired surrogate" },
        { "{\"event\":\"x\",\"\\ud800\":1}", "unpaired surrogate" },
        { "{\"event\":\"x\",\"payload\":{\"object\":{\"participant\":"
          "{\"user_name\":\"Jill\\u0000 Admin\"}}}}", "\\u0000" },
        { "{\"event\":\"x\",\"a\\u0000b\":1}", "\\u0000" },
    };

    static const char  *good[] = {
        "{\"event\":\"x\",\"n\":\"\\ud83d\\ude00 \\uD83D\\uDE00\"}",
        "{\"event\":\"x\",\"n\":\"\xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"}",
        "{\"event\":\"x\",\"n\":\"\xef\xbf\xbf \xed\x9f\xbf \xee\x80\x80\"}",
        "{\"event\":\"x\",\"n\":\"\\\\ud800 is text\"}",
        "{\"event\":\"x\",\"n\":\"\\\\u0000 is text \\u0001\"}",
        "{\"event\":\"x\",\"n\":\"\\\\\\ud83d\\ude00\"}",
        "{\"event\":\"x\",\"n\":\"\\\"\\ud83d\\ude00\"}",
    };

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        is_int(parse(bad[i].body, &ev, &reason), ZT_DECLINED,
               "UTF-8 case %zu rejected", i);
        ok(reason && strstr(reason, bad[i].why)
           && strstr(reason, "not valid JSON"),
           "reason \"%s\" says %s", reason ? reason : "(null)",
           bad[i].why);
        zt_event_free(&ev);
    }

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        is_int(parse(good[i], &ev, &reason), ZT_OK,
               "valid UTF-8 case %zu accepted", i);
        zt_event_free(&ev);
    }
}


int
main(void)
{
    test_payload_files();
    test_fields();
    test_record_escapes();
    test_ids();
    test_rejects();
    test_person_key();
    test_event_ts();
    test_utf8();

    return done_testing();
}
