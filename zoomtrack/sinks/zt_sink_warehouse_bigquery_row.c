/*
 * A record as a raw_events row for tabledata.insertAll, written directly
 * as JSON text: building it in jansson and dumping it re-escaped the
 * whole body a character at a time.  The columns are the SQLite
 * warehouse's; gcs_path is the object's URL when the archive is on GCS,
 * else the local archive path.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_event.h"
#include "zt_json.h"
#include "zt_time.h"
#include "zt_archive_path.h"
#include "zt_record.h"
#include "zt_sink_warehouse_bigquery.h"


/* a row's JSON text as it is written */
typedef struct {
    char    *p;
    size_t   len;
    size_t   cap;
} zt_bqs_out_t;


static const char  *zt_bqs_text[] = {
    "event_type", "account_id", "meeting_id", "meeting_uuid",
    "participant_id", "participant_user_id", "participant_uuid",
    "parent_user_id", "registrant_id", "participant_name",
    "participant_email", "breakout_room_uuid", "action", "leave_reason",
    "raw_payload"
};

#define ZT_BQS_NTEXT  (sizeof(zt_bqs_text) / sizeof(zt_bqs_text[0]))


static int zt_bqs_reserve(zt_bqs_out_t *o, size_t n);
static void zt_bqs_put(zt_bqs_out_t *o, const char *b, size_t n);
static void zt_bqs_put_string(zt_bqs_out_t *o, const char *v);
static void zt_bqs_put_col(zt_bqs_out_t *o, const char *name,
    const char *v, int comma);


/*
 * The row of one record, made in the engine's prefetch thread while
 * write() sends the previous batch (zt_sink.h): it reads only what init()
 * set.  write() stamps inserted_at when it sends the row.
 */
char *
zt_bqs_prepare(void *ctx, const zt_item_t *it, size_t *len)
{
    static const char  unstamped[] = "1970-01-01T00:00:00.000Z";

    return zt_bqs_row(ctx, it, unstamped, len);
}


/*
 * The raw_events row {"insertId", "json": {...}} as JSON text, written
 * directly: building it in jansson and dumping it re-escaped the whole
 * body a character at a time.  A malloc()ed string the caller frees, its
 * length in *len; NULL when out of memory.
 */
char *
zt_bqs_row(zt_bqs_t *s, const zt_item_t *it, const char *now, size_t *len)
{
    char          day[16], ts[ZT_RFC3339_LEN + 1], key[512], num[32];
    char          path[ZT_BQS_PATH];
    size_t        i;
    int64_t       ms;
    json_t       *v;
    zt_bqs_out_t  o;
    const char   *ets, *str, *recv;

    v = json_object_get(it->rec, "event_ts");
    ets = zt_record_text(it->rec, "event_timestamp", NULL, 0, NULL);

    if (json_is_integer(v)) {
        ms = json_integer_value(v);

    } else {
        ms = ets[0] ? zt_time_parse_iso(ets) : 0;
        ms = ms < 0 ? 0 : ms;
    }

    if (ets[0] == '\0' || zt_time_parse_iso(ets) < 0) {
        zt_time_rfc3339(ms, ts);
        ets = ts;
    }

    if (zt_time_local_date(ms, s->tz, day) != ZT_OK) {
        snprintf(day, sizeof(day), "1970-01-01");
    }

    (void) zt_archive_where(&s->where, day, it->event_id, path,
                            sizeof(path));

    zt_person_key(zt_record_text(it->rec, "participant_id", NULL, 0, NULL),
                  zt_record_text(it->rec, "registrant_id", NULL, 0, NULL),
                  zt_record_text(it->rec, "participant_email", NULL, 0, NULL),
                  zt_record_text(it->rec, "participant_name", NULL, 0, NULL),
                  key, sizeof(key));

    o.len = 0;
    o.cap = 1024 + 2 * json_string_length(json_object_get(it->rec,
                                                           "raw_payload"));
    o.p = malloc(o.cap);
    if (o.p == NULL) {
        return NULL;
    }

    /* inserted_at first, at a fixed offset: write() stamps it */
    zt_bqs_put(&o, "{\"json\":{", 9);
    zt_bqs_put_col(&o, "inserted_at", now, 0);
    zt_bqs_put_col(&o, "event_id", it->event_id, 1);
    zt_bqs_put_col(&o, "event_date", day, 1);
    zt_bqs_put_col(&o, "event_timestamp", ets, 1);
    snprintf(num, sizeof(num), "%lld", (long long) ms);
    zt_bqs_put(&o, ",\"event_ts\":", 12);
    zt_bqs_put(&o, num, strlen(num));
    zt_bqs_put_col(&o, "person_key", key, 1);
    zt_bqs_put_col(&o, "gcs_path", path, 1);

    for (i = 0; i < ZT_BQS_NTEXT; i++) {
        str = zt_record_text(it->rec, zt_bqs_text[i], num, sizeof(num),
                             NULL);
        zt_bqs_put_col(&o, zt_bqs_text[i], str, 1);
    }

    /* NULL for the module's webhooks, report_api from reconcile */
    str = zt_record_text(it->rec, "source", NULL, 0, NULL);
    if (str[0]) {
        zt_bqs_put_col(&o, "source", str, 1);
    }

    /* a TIMESTAMP column takes no "" */
    recv = zt_record_text(it->rec, "received_at", NULL, 0, NULL);
    if (recv[0] && zt_time_parse_iso(recv) >= 0) {
        zt_bqs_put_col(&o, "received_at", recv, 1);
    }

    zt_bqs_put(&o, "},\"insertId\":", 13);
    zt_bqs_put_string(&o, it->event_id);
    zt_bqs_put(&o, "}", 2);

    if (o.p == NULL) {
        return NULL;
    }

    *len = o.len - 1;
    return o.p;
}


/* room for n more bytes; after a failed allocation o->p is NULL for good */
static int
zt_bqs_reserve(zt_bqs_out_t *o, size_t n)
{
    char  *p;

    if (o->p == NULL) {
        return ZT_ERROR;
    }

    if (o->len + n > o->cap) {
        o->cap = 2 * (o->len + n);
        p = realloc(o->p, o->cap);
        if (p == NULL) {
            free(o->p);
            o->p = NULL;
            return ZT_ERROR;
        }
        o->p = p;
    }

    return ZT_OK;
}


static void
zt_bqs_put(zt_bqs_out_t *o, const char *b, size_t n)
{
    if (zt_bqs_reserve(o, n) == ZT_OK) {
        memcpy(o->p + o->len, b, n);
        o->len += n;
    }
}


/* a JSON string; v is UTF-8, as every string of a parsed record */
static void
zt_bqs_put_string(zt_bqs_out_t *o, const char *v)
{
    char    *end;
    size_t   n;

    n = strlen(v);

    if (zt_bqs_reserve(o, zt_json_escaped_len((const unsigned char *) v, n)
                          + 2)
        != ZT_OK)
    {
        return;
    }

    o->p[o->len] = '"';
    end = zt_json_escape(o->p + o->len + 1, (const unsigned char *) v, n);
    *end++ = '"';
    o->len = (size_t) (end - o->p);
}


/* "name":"value", after a comma unless it is the first column */
static void
zt_bqs_put_col(zt_bqs_out_t *o, const char *name, const char *v, int comma)
{
    zt_bqs_put(o, comma ? ",\"" : "\"", comma ? 2 : 1);
    zt_bqs_put(o, name, strlen(name));
    zt_bqs_put(o, "\":", 2);
    zt_bqs_put_string(o, v);
}


