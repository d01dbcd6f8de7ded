/*
 * The archive sink on Cloud Storage ([archive] backend = gcs): every raw
 * Zoom body, byte-exact, as gs://BUCKET/PREFIX/YYYY-MM-DD/<event_id>.json
 * (the date is the event's in `timezone`, as in the file archive).
 *
 * A batch is uploaded many objects at a time (zt_gcs_put_many).  The name
 * is deterministic and every upload carries ifGenerationMatch=0, so an
 * object stored by an earlier delivery answers 412 and counts as stored
 * without a second write.  The batch is acked only when every object is
 * stored: 408, 429, 5xx and transport errors return ZT_RETRY (the engine
 * backs off with jitter, and the retry's already-stored objects cost one
 * 412 each; an answer's Retry-After goes to the engine, whose retry comes
 * no earlier, up to 30 s); any other 4xx (missing bucket, no permission) is a
 * configuration problem, and so is a key the token endpoint refuses: the
 * sink logs what to fix and returns ZT_PAUSE,
 * so the engine shows it as paused and tries the same batch again at the
 * maximum backoff until the operator fixes it; nothing is dropped.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_time.h"
#include "zt_log.h"
#include "zt_sink.h"
#include "zt_archive_path.h"
#include "zt_gcs.h"


#define ZT_GCS_NAME_MAX  1024


typedef struct {
    zt_gcs_t      *gcs;
    char          *tz;
    char          *prefix;
    zt_gcs_put_t  *puts;
    char         (*names)[ZT_GCS_NAME_MAX];
    size_t         cap;
    size_t        *seen;           /* event_id hash set: item index + 1 */
    size_t         seen_mask;
    int            failing;        /* the last batch failed: log recovery */
} zt_archive_gcs_t;


static int zt_archive_gcs_init(const zt_conf_t *conf, void **ctx);
static int zt_archive_gcs_write(void *ctx, zt_item_t *items, size_t n);
static void zt_archive_gcs_exit(void *ctx);
static int zt_archive_gcs_name(zt_archive_gcs_t *a, zt_item_t *it,
    char *name);
static void zt_archive_gcs_explain(zt_archive_gcs_t *a, zt_gcs_put_t *p);
static int zt_archive_gcs_seen(zt_archive_gcs_t *a, zt_item_t *items,
    size_t i);
static int zt_archive_gcs_grow(zt_archive_gcs_t *a, size_t n);
static void zt_archive_gcs_hold(zt_archive_gcs_t *a, size_t m);


const zt_sink_t  zt_sink_archive_gcs = {
    "archive",
    zt_archive_gcs_init,
    zt_archive_gcs_write,
    NULL,
    zt_archive_gcs_exit,
    NULL                    /* prepare */
};


static int
zt_archive_gcs_init(const zt_conf_t *conf, void **ctx)
{
    char               day[16], err[512];
    int64_t            inflight;
    const char        *bucket;
    zt_archive_gcs_t  *a;

    bucket = zt_conf_get(conf, "archive", "bucket");
    if (bucket[0] == '\0') {
        zt_log_error("[sink:archive] archive.backend = gcs needs "
                     "archive.bucket");
        return ZT_ERROR;
    }

    if (zt_conf_get_num(conf, "archive", "uploads_in_flight", &inflight,
                        err, sizeof(err)) != ZT_OK)
    {
        zt_log_error("[sink:archive] %s", err);
        return ZT_ERROR;
    }

    a = calloc(1, sizeof(zt_archive_gcs_t));
    if (a == NULL) {
        zt_log_error("out of memory");
        return ZT_ERROR;
    }

    a->tz = strdup(zt_conf_get(conf, "", "timezone"));
    a->prefix = strdup(zt_conf_get(conf, "archive", "prefix"));

    if (a->tz == NULL || a->prefix == NULL) {
        zt_log_error("out of memory");
        zt_archive_gcs_exit(a);
        return ZT_ERROR;
    }

    if (zt_time_local_date(0, a->tz, day) != ZT_OK) {
        zt_log_error("[sink:archive] unknown timezone \"%s\"", a->tz);
        zt_archive_gcs_exit(a);
        return ZT_ERROR;
    }

    a->gcs = zt_gcs_create(conf, bucket, (int) inflight, err, sizeof(err));
    if (a->gcs == NULL) {
        zt_log_error("[sink:archive] %s", err);
        zt_archive_gcs_exit(a);
        return ZT_ERROR;
    }

    zt_log_info("[sink:archive] gs://%s/%s via %s, %s", bucket, a->prefix,
                zt_gcs_endpoint(a->gcs), zt_gcs_auth(a->gcs));

    *ctx = a;
    return ZT_OK;
}


static void
zt_archive_gcs_exit(void *ctx)
{
    zt_archive_gcs_t  *a = ctx;

    if (a == NULL) {
        return;
    }

    zt_gcs_destroy(a->gcs);
    free(a->tz);
    free(a->prefix);
    free(a->puts);
    free(a->names);
    free(a->seen);
    free(a);
}


static int
zt_archive_gcs_write(void *ctx, zt_item_t *items, size_t n)
{
    int                rc;
    char               err[512];
    size_t             i, m, retry, bad;
    json_t            *raw;
    zt_gcs_put_t      *p, *first;
    zt_archive_gcs_t  *a = ctx;

    if (n == 0) {
        return ZT_OK;
    }

    if (zt_archive_gcs_grow(a, n) != ZT_OK) {
        zt_log_error("out of memory");
        return ZT_RETRY;
    }

    memset(a->seen, 0, (a->seen_mask + 1) * sizeof(size_t));
    m = 0;

    for (i = 0; i < n; i++) {
        /* the same event twice in one batch: one upload */
        if (zt_archive_gcs_seen(a, items, i)
            || zt_archive_gcs_name(a, &items[i], a->names[m]) != ZT_OK)
        {
            continue;
        }

        raw = json_object_get(items[i].rec, "raw_payload");
        p = &a->puts[m];
        memset(p, 0, sizeof(zt_gcs_put_t));
        p->name = a->names[m];
        p->body = json_string_value(raw);
        p->len = json_string_length(raw);
        m++;
    }

    rc = zt_gcs_put_many(a->gcs, a->puts, m, 1, err, sizeof(err));
    if (rc != ZT_OK) {
        a->failing = 1;

        if (rc == ZT_ERROR) {
            /* the token endpoint refused the key: no retry cures that */
            zt_log_error("[sink:archive] no Google access token: %s; check "
                         "google.credentials_file and the service "
                         "account's key", err);
            return ZT_PAUSE;
        }

        zt_log_error("[sink:archive] no Google access token: %s", err);
        return ZT_RETRY;
    }

    retry = 0;
    bad = 0;
    first = NULL;

    for (i = 0; i < m; i++) {
        p = &a->puts[i];

        if ((p->status >= 200 && p->status < 300) || p->status == 412) {
            continue;
        }

        if (zt_http_classify(p->status) == ZT_RETRY) {
            retry++;
            if (first == NULL) {
                first = p;
            }
            continue;
        }

        if (bad++ == 0) {
            zt_archive_gcs_explain(a, p);
        }
    }

    if (retry || bad) {
        if (retry && first) {
            zt_log_warn("[sink:archive] %zu of %zu uploads to gs://%s "
                        "failed and will be retried; first: \"%s\": %s%ld "
                        "%s", retry + bad, m, zt_gcs_bucket(a->gcs),
                        first->name, first->status ? "status " : "",
                        first->status, first->error);
        }
        a->failing = 1;

        /* a refusal waits for the operator, even beside transient errors */
        if (bad) {
            return ZT_PAUSE;
        }

        zt_archive_gcs_hold(a, m);
        return ZT_RETRY;
    }

    if (a->failing) {
        zt_log_info("[sink:archive] uploads to gs://%s succeed again",
                    zt_gcs_bucket(a->gcs));
        a->failing = 0;
    }

    return ZT_OK;
}


/* room for n puts and names, and a hash set of at least 2n slots */
static int
zt_archive_gcs_grow(zt_archive_gcs_t *a, size_t n)
{
    size_t  mask;

    if (n <= a->cap) {
        return ZT_OK;
    }

    free(a->puts);
    free(a->names);
    free(a->seen);

    mask = 63;
    while (mask < 2 * n) {
        mask = mask * 2 + 1;
    }

    a->puts = calloc(n, sizeof(zt_gcs_put_t));
    a->names = calloc(n, ZT_GCS_NAME_MAX);
    a->seen = calloc(mask + 1, sizeof(size_t));
    a->seen_mask = mask;
    a->cap = (a->puts && a->names && a->seen) ? n : 0;

    return a->cap ? ZT_OK : ZT_ERROR;
}


/*
 * Whether an earlier item of the batch has item i's event_id; if not,
 * item i is remembered.  (A linear scan of the earlier items cost 500,000
 * strcmp() per batch of 1,000.)
 */
static int
zt_archive_gcs_seen(zt_archive_gcs_t *a, zt_item_t *items, size_t i)
{
    size_t       h, j;
    const char  *p;

    /* FNV-1a */
    h = (size_t) 0xcbf29ce484222325ULL;
    for (p = items[i].event_id; *p; p++) {
        h = (h ^ (unsigned char) *p) * (size_t) 0x100000001b3ULL;
    }

    for (h &= a->seen_mask; a->seen[h]; h = (h + 1) & a->seen_mask) {
        j = a->seen[h] - 1;
        if (strcmp(items[j].event_id, items[i].event_id) == 0) {
            return 1;
        }
    }

    a->seen[h] = i + 1;
    return 0;
}


/* the object name; sets it->error for a record that can never be stored */
static int
zt_archive_gcs_name(zt_archive_gcs_t *a, zt_item_t *it, char *name)
{
    char     day[16];
    json_t  *raw, *ts;

    raw = json_object_get(it->rec, "raw_payload");
    if (!json_is_string(raw)) {
        it->error = "record has no raw_payload";
        return ZT_ERROR;
    }

    if (!zt_archive_id_ok(it->event_id)) {
        it->error = "event_id is not usable as an object name";
        return ZT_ERROR;
    }

    ts = json_object_get(it->rec, "event_ts");

    if (zt_time_local_date(json_is_integer(ts) ? json_integer_value(ts) : 0,
                           a->tz, day)
        != ZT_OK)
    {
        it->error = "event_ts is out of range";
        return ZT_ERROR;
    }

    if (zt_archive_object(a->prefix, day, it->event_id, name,
                          ZT_GCS_NAME_MAX)
        != ZT_OK)
    {
        it->error = "object name is too long";
        return ZT_ERROR;
    }

    return ZT_OK;
}


/* a permanent answer: say what the operator has to fix */
static void
zt_archive_gcs_explain(zt_archive_gcs_t *a, zt_gcs_put_t *p)
{
    const char  *b, *why;

    b = zt_gcs_bucket(a->gcs);

    switch (p->status) {
    case 401:
        why = "the credentials were rejected (check google.credentials_file "
              "or the metadata server's service account)";
        break;
    case 403:
        why = "permission denied: grant the service account Storage Object "
              "Creator and Storage Object Viewer on the bucket";
        break;
    case 404:
        why = "the bucket does not exist (create it, or fix "
              "archive.bucket / google.storage_endpoint)";
        break;
    default:
        why = "the request was refused";
        break;
    }

    zt_log_error("[sink:archive] gs://%s/%s: status %ld: %s (\"%s\"); the "
                 "sink pauses, holding its queue, and tries again until "
                 "this is fixed", b, p->name, p->status, why, p->error);
}


/*
 * Cloud Storage asked, with Retry-After on a 429 or 503, not to come back
 * before a time: the longest such wait among the uploads to retry goes to
 * the engine, whose retry then does not come early (up to 30 s; it owns
 * the wait, so a stop is not held up).
 */
static void
zt_archive_gcs_hold(zt_archive_gcs_t *a, size_t m)
{
    size_t         i;
    int64_t        delay, wait;
    zt_gcs_put_t  *p;

    wait = 0;

    for (i = 0; i < m; i++) {
        p = &a->puts[i];

        if (p->retry_after[0]
            && zt_http_retry_after(p->retry_after, zt_time_now_ms(), &delay)
               == ZT_OK
            && delay > wait)
        {
            wait = delay;
        }
    }

    if (wait == 0) {
        return;
    }

    zt_log_info("[sink:archive] gs://%s asks to retry after %lld ms",
                zt_gcs_bucket(a->gcs), (long long) wait);
    zt_sink_retry_after(wait);
}
