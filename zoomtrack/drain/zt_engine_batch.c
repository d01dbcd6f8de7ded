/*
 * zt_engine_batch: one sink's batch once it is taken from Redis: parsing
 * (with the parse cache shared by the sinks), writing it range by range
 * (ZT_SPLIT halves a range down to the record that fails), the failure
 * bookkeeping (backoff, the counters, one log line per backoff step,
 * --once's max_attempts) and the dead-letter entries.  Runs in the sink's
 * thread; see zt_engine.c.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_time.h"
#include "zt_engine_int.h"
#include "zt_record.h"
#include "zt_log.h"


#define ZT_ENGINE_RETRY_AFTER_MAX_MS  30000


/* what the sink thread's last write() asked for, zt_sink_retry_after() */
static __thread int64_t  zt_engine_retry_after;


static int zt_engine_failed(zt_engine_int_t *e, zt_engine_sink_t *s, int rc,
    int64_t now);
static json_t *zt_engine_json_bytes(const char *p, size_t len);


const char  zt_engine_split_dead[] = "dead-lettered";


/*
 * Writes what is left of the batch, range by range.  A range the sink
 * rejects with ZT_SPLIT is written again in halves; a single record it
 * still rejects is dead-lettered.  ZT_OK once every range is stored;
 * otherwise the sink failed as a whole and the batch waits for a retry.
 */
void
zt_sink_retry_after(int64_t ms)
{
    zt_engine_retry_after = ms;
}


int
zt_engine_write(zt_engine_int_t *e, zt_engine_sink_t *s, int64_t now)
{
    int      rc;
    size_t   i, lo, hi, mid;

    while (s->nrange > 0) {
        lo = s->range[s->nrange - 1][0];
        hi = s->range[s->nrange - 1][1];

        for (i = lo; i < hi; i++) {
            s->items[i].error = NULL;
        }

        zt_log_capture(s->err, sizeof(s->err));
        zt_engine_retry_after = 0;
        rc = s->ops->write(s->ctx, &s->items[lo], hi - lo);
        zt_log_capture(NULL, 0);

        if (rc == ZT_OK) {
            s->nrange--;
            continue;
        }

        if (rc != ZT_SPLIT) {
            return zt_engine_failed(e, s, rc, now);
        }

        s->nrange--;

        if (hi - lo == 1) {
            if (zt_engine_dead(s, s->items[lo].raw, s->items[lo].len,
                               s->err[0] ? zt_engine_reason(s)
                               : "rejected by the sink")
                != ZT_OK)
            {
                return zt_engine_failed(e, s, ZT_RETRY, now);
            }
            s->items[lo].error = zt_engine_split_dead;
            continue;
        }

        if (s->nrange + 2 > ZT_ENGINE_RANGES) {
            /* cannot happen: the stack holds log2(batch) ranges */
            return zt_engine_failed(e, s, ZT_RETRY, now);
        }

        if (hi - lo == s->nitems) {
            zt_log_warn("[sink:%s] a batch of %zu record(s) failed on a "
                        "record (%s); storing it in parts to find it",
                        s->ops->name, s->nitems, zt_engine_reason(s));
        }

        mid = lo + (hi - lo) / 2;
        s->range[s->nrange][0] = mid;
        s->range[s->nrange][1] = hi;
        s->range[s->nrange + 1][0] = lo;
        s->range[s->nrange + 1][1] = mid;
        s->nrange += 2;
    }

    if (s->attempt) {
        zt_log_info("[sink:%s] stored the batch after %u failed attempt(s)",
                    s->ops->name, s->attempt);
    }

    zt_engine_stat_ok(e, s);

    return ZT_OK;
}


const char *
zt_engine_reason(zt_engine_sink_t *s)
{
    size_t  n;
    char    prefix[64];

    if (s->err[0] == '\0') {
        return "no reason logged by the sink";
    }

    n = (size_t) snprintf(prefix, sizeof(prefix), "[sink:%s] ",
                          s->ops->name);

    return strncmp(s->err, prefix, n) == 0 ? s->err + n : s->err;
}


/*
 * The sink failed as a whole (ZT_RETRY, ZT_PAUSE or anything unexpected):
 * the batch waits.  Logged once per backoff step: every attempt while the
 * delay still grows, then when the cause changes or every tenth attempt.
 * With --once, max_attempts failures end the sink (the batch stays in its
 * processing list) and the run exits 1.
 */
static int
zt_engine_failed(zt_engine_int_t *e, zt_engine_sink_t *s, int rc, int64_t now)
{
    int64_t      delay, cap;
    unsigned     i;
    const char  *reason;

    reason = zt_engine_reason(s);

    if (rc == ZT_PAUSE) {
        delay = e->backoff_max;

    } else {
        delay = zt_engine_backoff(e, s, s->attempt);

        /* the service's word beats our backoff, within reason */
        if (zt_engine_retry_after > delay) {
            delay = zt_engine_retry_after < ZT_ENGINE_RETRY_AFTER_MAX_MS
                    ? zt_engine_retry_after : ZT_ENGINE_RETRY_AFTER_MAX_MS;
        }
    }

    s->retry_at = now + delay;
    s->attempt++;

    zt_engine_stat_fail(e, s, rc == ZT_PAUSE ? ZT_SINK_PAUSED
                                             : ZT_SINK_RETRYING, reason);

    if (e->once && s->attempt >= (unsigned) e->max_attempts) {
        zt_log_error("[sink:%s] giving up after %u attempt(s): %s; the "
                     "batch of %zu record(s) stays in \"%s\"", s->ops->name,
                     s->attempt, reason, s->b.n, s->q->proc);
        s->gaveup = 1;
        return ZT_ERROR;
    }

    cap = e->backoff_min;
    for (i = 1; i < s->attempt && cap < e->backoff_max; i++) {
        cap *= 2;
    }

    if (rc != ZT_PAUSE && cap < e->backoff_max) {
        /* the delay still grows: a new step */

    } else if (strcmp(reason, s->logged) != 0 || s->attempt % 10 == 1) {
        /* a new cause, or a reminder */

    } else {
        return ZT_ERROR;
    }

    snprintf(s->logged, sizeof(s->logged), "%s", reason);

    zt_log_warn("[sink:%s] could not store a batch of %zu record(s) "
                "(attempt %u): %s; %s in %lld ms", s->ops->name,
                s->nitems, s->attempt, reason,
                rc == ZT_PAUSE ? "paused, trying again" : "retrying",
                (long long) delay);

    return ZT_ERROR;
}


/*
 * The sink is failing (a batch, Redis, its live files): `zoomtrack status`
 * shows the state and the reason, and alerts once it lasts alert_after_s.
 */
void
zt_engine_stat_fail(zt_engine_int_t *e, zt_engine_sink_t *s, int state,
    const char *reason)
{
    pthread_mutex_lock(&e->stat_lock);
    s->stat.retries++;
    s->stat.state = state;
    snprintf(s->stat.last_error, sizeof(s->stat.last_error), "%s", reason);
    s->stat.last_error_ms = zt_time_now_ms();
    if (s->stat.failing_since_ms == 0) {
        s->stat.failing_since_ms = s->stat.last_error_ms;
    }
    pthread_mutex_unlock(&e->stat_lock);
}


/* ok again, unless Redis or the sink's output files still fail */
void
zt_engine_stat_ok(zt_engine_int_t *e, zt_engine_sink_t *s)
{
    s->logged[0] = '\0';

    if (s->redis_failing || s->tick_failing) {
        return;
    }

    pthread_mutex_lock(&e->stat_lock);
    s->stat.state = ZT_SINK_OK;
    s->stat.failing_since_ms = 0;
    pthread_mutex_unlock(&e->stat_lock);
}


/*
 * Fills s->items with the records that can be stored and dead-letter
 * entries for those that cannot.  ZT_ERROR only when out of memory.
 */
int
zt_engine_parse(zt_engine_int_t *e, zt_engine_sink_t *s, json_t **pre,
    char **prep, size_t *prep_len)
{
    size_t         i;
    json_t        *rec, *id;
    zt_item_t     *it;
    zt_qitem_t    *qi;
    const char    *reason;

    s->nitems = 0;
    s->ndead = 0;

    for (i = 0; i < s->b.n; i++) {
        qi = &s->b.items[i];
        reason = NULL;

        rec = pre ? pre[i] : zt_engine_load(e, qi->raw, qi->len);

        if (rec == NULL) {
            reason = "record is not valid JSON";

        } else if (!json_is_object(rec)) {
            reason = "record is not a JSON object";

        } else {
            id = json_object_get(rec, "event_id");
            if (!json_is_string(id) || json_string_length(id) == 0) {
                reason = "record has no event_id";
            }
        }

        if (reason) {
            zt_engine_decref_all(e, &rec, rec ? 1 : 0);
            free(prep ? prep[i] : NULL);

            if (zt_engine_dead(s, qi->raw, qi->len, reason) != ZT_OK) {
                for (i++; pre && i < s->b.n; i++) {
                    zt_engine_decref_all(e, &pre[i], pre[i] ? 1 : 0);
                    free(prep ? prep[i] : NULL);
                }
                return ZT_ERROR;
            }
            continue;
        }

        it = &s->items[s->nitems++];
        it->raw = qi->raw;
        it->len = qi->len;
        it->rec = rec;
        it->event_id = json_string_value(json_object_get(rec, "event_id"));
        it->error = NULL;
        it->prep = prep ? prep[i] : NULL;
        it->prep_len = prep ? prep_len[i] : 0;
    }

    return ZT_OK;
}


/*
 * A hash of the record's bytes for the parse cache, eight bytes a step: the
 * byte-at-a-time FNV-1a it replaces was 6 % of the drainer's CPU with three
 * sinks (perf).  A collision costs only a memcmp that fails.
 */
static uint64_t
zt_engine_hash(const char *raw, size_t len)
{
    size_t    i;
    uint64_t  h, w;

    h = 0x9e3779b97f4a7c15ULL ^ len;

    for (i = 0; i + 8 <= len; i += 8) {
        memcpy(&w, raw + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }

    for ( /* void */ ; i < len; i++) {
        h = (h ^ (unsigned char) raw[i]) * 0x100000001b3ULL;
    }

    return h ^ (h >> 29);
}


/*
 * Parses a record, or takes it from the cache when another sink parsed the
 * same bytes.  Returns a new reference, NULL for invalid JSON.
 */
json_t *
zt_engine_load(zt_engine_int_t *e, const char *raw, size_t len)
{
    char                *p;
    json_t              *rec, *old;
    uint64_t             h;
    zt_engine_parsed_t  *c;

    if (e->nsinks < 2) {
        return zt_record_load(raw, len);
    }

    h = zt_engine_hash(raw, len);
    c = &e->cache[h & e->cache_mask];

    pthread_mutex_lock(&e->cache_lock);

    if (c->rec && c->hash == h && c->len == len
        && memcmp(c->raw, raw, len) == 0)
    {
        rec = json_incref(c->rec);
        pthread_mutex_unlock(&e->cache_lock);
        return rec;
    }

    pthread_mutex_unlock(&e->cache_lock);

    rec = zt_record_load(raw, len);
    if (rec == NULL) {
        return NULL;
    }

    pthread_mutex_lock(&e->cache_lock);

    if (c->cap < len) {
        p = realloc(c->raw, len);
        if (p == NULL) {
            pthread_mutex_unlock(&e->cache_lock);
            return rec;
        }
        c->raw = p;
        c->cap = len;
    }

    old = c->rec;
    memcpy(c->raw, raw, len);
    c->hash = h;
    c->len = len;
    c->rec = json_incref(rec);

    json_decref(old);

    pthread_mutex_unlock(&e->cache_lock);

    return rec;
}


/* builds {"reason","record","sink","at"} and logs it */
int
zt_engine_dead(zt_engine_sink_t *s, const char *raw, size_t len,
    const char *reason)
{
    char     at[ZT_RFC3339_LEN + 1];
    char    *d;
    json_t  *o;

    zt_time_rfc3339(zt_time_now_ms(), at);

    o = json_object();
    if (o == NULL
        || json_object_set_new(o, "reason", json_string(reason)) != 0
        || json_object_set_new(o, "record", zt_engine_json_bytes(raw, len))
           != 0
        || json_object_set_new(o, "sink", json_string(s->ops->name)) != 0
        || json_object_set_new(o, "at", json_string(at)) != 0)
    {
        json_decref(o);
        zt_log_error("out of memory");
        return ZT_ERROR;
    }

    d = json_dumps(o, JSON_COMPACT);
    json_decref(o);

    if (d == NULL) {
        zt_log_error("out of memory");
        return ZT_ERROR;
    }

    s->dead[s->ndead] = d;
    s->deadlen[s->ndead] = strlen(d);
    s->ndead++;

    zt_log_warn("[sink:%s] dead-lettered a record to \"%s\": %s (%.60s%s)",
                s->ops->name, s->q->dead, reason, raw,
                len > 60 ? "..." : "");

    return ZT_OK;
}


/*
 * A JSON string of arbitrary bytes: as they are when they are UTF-8, else
 * read as Latin-1, so that each code point is one original byte and the
 * record can still be recovered exactly.
 */
static json_t *
zt_engine_json_bytes(const char *p, size_t len)
{
    char           *buf, *d;
    size_t          i;
    json_t         *j;
    unsigned char   c;

    j = json_stringn(p, len);
    if (j) {
        return j;
    }

    buf = malloc(len * 2 + 1);
    if (buf == NULL) {
        return NULL;
    }

    d = buf;
    for (i = 0; i < len; i++) {
        c = (unsigned char) p[i];

        if (c < 0x80) {
            *d++ = (char) c;

        } else {
            *d++ = (char) (0xc0 | (c >> 6));
            *d++ = (char) (0x80 | (c & 0x3f));
        }
    }

    j = json_stringn(buf, (size_t) (d - buf));
    free(buf);
    return j;
}


void
zt_engine_batch_reset(zt_engine_sink_t *s)
{
    size_t  i;

    /* records may be shared with other sinks through the parse cache */
    if (s->nitems && s->e->nsinks > 1) {
        pthread_mutex_lock(&s->e->cache_lock);
    }

    for (i = 0; i < s->nitems; i++) {
        json_decref(s->items[i].rec);
        free(s->items[i].prep);
        s->items[i].prep = NULL;
    }

    if (s->nitems && s->e->nsinks > 1) {
        pthread_mutex_unlock(&s->e->cache_lock);
    }

    for (i = 0; i < s->ndead; i++) {
        free(s->dead[i]);
    }

    s->nitems = 0;
    s->ndead = 0;
    s->pending = 0;
    s->attempt = 0;
    s->retry_at = 0;
    s->nrange = 0;
    zt_qbatch_reset(&s->b);
}


void
zt_engine_decref_all(zt_engine_int_t *e, json_t **rec, size_t n)
{
    size_t  i;

    if (n && e->nsinks > 1) {
        pthread_mutex_lock(&e->cache_lock);
    }

    for (i = 0; i < n; i++) {
        json_decref(rec[i]);
    }

    if (n && e->nsinks > 1) {
        pthread_mutex_unlock(&e->cache_lock);
    }
}
