/*
 * zt_forget_redis: the person's records out of Redis (zt_forget.h).  Every
 * enabled sink's queue, its processing lists (any consumer) and its
 * dead-letter list are read whole; each matching record is removed with
 * LREM of its exact bytes, so a record a drainer moved meanwhile is simply
 * not found (run forget again once the drainer stored it: the warehouse and
 * archive steps then remove it).  The status and chat sinks keep their
 * state in memory (and in files the running drainer owns), so each gets a
 * control record on its queue naming the person's keys, never names or
 * emails; the module never writes a "control" member, so no webhook can
 * forge one.  BGREWRITEAOF then drops the removed records from the AOF.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "zt_core.h"
#include "zt_time.h"
#include "zt_forget.h"
#include "zt_queue.h"
#include "zt_sink.h"


static int zt_forget_list(redisContext *r, const char *key,
    const zt_forget_who_t *w, int dry_run, zt_forget_count_t *c);
static int zt_forget_record_matches(const zt_forget_who_t *w,
    const char *raw, size_t len);
static int zt_forget_queue(redisContext *r, const char *queue,
    const zt_forget_who_t *w, int dry_run, zt_forget_count_t *c);
static int zt_forget_tell_sink(redisContext *r, const char *queue,
    const zt_forget_who_t *w);


int
zt_forget_redis(const zt_conf_t *conf, const zt_forget_who_t *w,
    int dry_run, zt_forget_count_t *c)
{
    int                     rc, enabled;
    char                    err[256];
    size_t                  i, k;
    const char             *q, *seen[16];
    redisContext           *r;
    redisReply             *rep;
    zt_redis_conf_t         rc_conf;
    const zt_sink_entry_t  *row;

    if (zt_redis_conf_init(&rc_conf, conf, err, sizeof(err)) != ZT_OK) {
        fprintf(stderr, "zoomtrack forget: %s\n", err);
        return ZT_ERROR;
    }

    r = zt_redis_connect(&rc_conf, err, sizeof(err));
    zt_redis_conf_free(&rc_conf);

    if (r == NULL) {
        fprintf(stderr, "zoomtrack forget: redis: %s\n", err);
        return ZT_ERROR;
    }

    rc = ZT_OK;
    k = 0;

    for (row = zt_sinks; row->section && rc == ZT_OK; row++) {
        if (zt_conf_get_bool(conf, row->section, "enabled", &enabled)
            != ZT_OK || !enabled)
        {
            continue;
        }

        q = zt_conf_get(conf, row->section, "queue");

        for (i = 0; i < k && strcmp(seen[i], q) != 0; i++) { /* void */ }

        if (i < k || k == sizeof(seen) / sizeof(seen[0])) {
            continue;                       /* two backends, one queue */
        }

        seen[k++] = q;
        rc = zt_forget_queue(r, q, w, dry_run, c);

        /* the sinks that keep people in a state of their own */
        if (rc == ZT_OK && !dry_run
            && (strcmp(row->section, "status") == 0
                || strcmp(row->section, "chat") == 0))
        {
            rc = zt_forget_tell_sink(r, q, w);
        }
    }

    if (rc == ZT_OK && !dry_run) {
        rep = redisCommand(r, "BGREWRITEAOF");
        if (rep == NULL || (rep->type == REDIS_REPLY_ERROR
                            && strstr(rep->str, "in progress") == NULL))
        {
            fprintf(stderr, "zoomtrack forget: redis BGREWRITEAOF: %s\n",
                    rep ? rep->str : r->errstr);
        }
        freeReplyObject(rep);
    }

    redisFree(r);

    return rc;
}


/* the queue, its dead letters and every consumer's processing list */
static int
zt_forget_queue(redisContext *r, const char *queue, const zt_forget_who_t *w,
    int dry_run, zt_forget_count_t *c)
{
    int          rc;
    char         key[1024], cursor[32];
    size_t       i;
    redisReply  *rep;

    snprintf(key, sizeof(key), "%s:dead", queue);

    if (zt_forget_list(r, queue, w, dry_run, c) != ZT_OK
        || zt_forget_list(r, key, w, dry_run, c) != ZT_OK)
    {
        return ZT_ERROR;
    }

    snprintf(key, sizeof(key), "%s:processing:*", queue);
    snprintf(cursor, sizeof(cursor), "0");
    rc = ZT_OK;

    do {
        rep = redisCommand(r, "SCAN %s MATCH %s COUNT 1000", cursor, key);
        if (rep == NULL || rep->type != REDIS_REPLY_ARRAY
            || rep->elements != 2)
        {
            freeReplyObject(rep);
            return ZT_ERROR;
        }

        snprintf(cursor, sizeof(cursor), "%s", rep->element[0]->str);

        for (i = 0; i < rep->element[1]->elements && rc == ZT_OK; i++) {
            rc = zt_forget_list(r, rep->element[1]->element[i]->str, w,
                                dry_run, c);
        }

        freeReplyObject(rep);

    } while (rc == ZT_OK && strcmp(cursor, "0") != 0);

    return rc;
}


static int
zt_forget_list(redisContext *r, const char *key, const zt_forget_who_t *w,
    int dry_run, zt_forget_count_t *c)
{
    size_t       i;
    redisReply  *rep, *del;

    rep = redisCommand(r, "LRANGE %s 0 -1", key);
    if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
        fprintf(stderr, "zoomtrack forget: redis LRANGE %s: %s\n", key,
                rep && rep->type == REDIS_REPLY_ERROR ? rep->str
                                                      : r->errstr);
        freeReplyObject(rep);
        return ZT_ERROR;
    }

    for (i = 0; i < rep->elements; i++) {
        if (!zt_forget_record_matches(w, rep->element[i]->str,
                                      rep->element[i]->len))
        {
            continue;
        }

        c->found++;

        if (dry_run) {
            continue;
        }

        del = redisCommand(r, "LREM %s 1 %b", key, rep->element[i]->str,
                           rep->element[i]->len);
        if (del && del->type == REDIS_REPLY_INTEGER) {
            c->removed += (uint64_t) del->integer;
        }
        freeReplyObject(del);
    }

    freeReplyObject(rep);

    return ZT_OK;
}


/* a queue record, or a dead letter {reason, sink, record, at} */
static int
zt_forget_record_matches(const zt_forget_who_t *w, const char *raw,
    size_t len)
{
    int          hit;
    json_t      *rec, *inner;
    const char  *s;

#define ZT_F(k)  (json_string_value(json_object_get(rec, k))                \
                  ? json_string_value(json_object_get(rec, k)) : "")

    rec = json_loadb(raw, len, 0, NULL);
    if (rec == NULL) {
        return 0;
    }

    s = json_string_value(json_object_get(rec, "record"));
    if (s && json_object_get(rec, "reason")) {
        inner = json_loads(s, 0, NULL);
        json_decref(rec);
        rec = inner;
        if (rec == NULL) {
            return 0;
        }
    }

    hit = zt_forget_matches(w, ZT_F("participant_id"),
                            ZT_F("participant_user_id"),
                            ZT_F("registrant_id"), ZT_F("participant_email"),
                            ZT_F("participant_name"));

#undef ZT_F

    json_decref(rec);

    return hit;
}


static int
zt_forget_tell_sink(redisContext *r, const char *queue,
    const zt_forget_who_t *w)
{
    int          rc;
    char        *text, id[64];
    size_t       i;
    json_t      *ctl, *keys;
    redisReply  *rep;

    keys = json_array();
    for (i = 0; keys && i < w->nkeys; i++) {
        json_array_append_new(keys, json_string(w->keys[i]));
    }

    snprintf(id, sizeof(id), "forget-%lld",
             (long long) zt_time_now_ms());

    ctl = json_pack("{s:s, s:s, s:o}", "control", "forget", "event_id", id,
                    "person_keys", keys);
    text = ctl ? json_dumps(ctl, JSON_COMPACT) : NULL;
    json_decref(ctl);

    if (text == NULL) {
        return ZT_ERROR;
    }

    rep = redisCommand(r, "LPUSH %s %s", queue, text);
    rc = (rep && rep->type == REDIS_REPLY_INTEGER) ? ZT_OK : ZT_ERROR;
    freeReplyObject(rep);
    free(text);

    return rc;
}
