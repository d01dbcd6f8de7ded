/*
 * zt_store_gcs: the archive on Cloud Storage, for prune and forget
 * (zt_store.h).  Objects are PREFIX/YYYY-MM-DD/<event_id>.json
 * (zt_archive_object()), so the date "folders" are the listing's common
 * prefixes under PREFIX/ with delimiter "/".  Deletes are one request
 * each and a 404 counts as done, so a rerun, or two runs at once, end in
 * the same state.  Object names reach the terminal, never bodies.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_core.h"
#include "zt_event.h"
#include "zt_gcs.h"
#include "zt_store.h"


typedef struct {
    char    **v;
    size_t    n;
    size_t    cap;
    size_t    skip;           /* strlen(PREFIX/) */
    int       dates;          /* 1: keep only date folders, as dates */
    int       bodies;         /* 1: keep only PREFIX/D/<x> objects */
} zt_store_names_t;


typedef struct {
    zt_gcs_t  *gcs;
    char       prefix[1024];  /* "raw/" or "" */
} zt_store_gcs_t;


static int zt_store_gcs_collect(void *data, const char *name,
    int is_prefix);
static void zt_store_names_free(zt_store_names_t *l);
static int zt_store_gcs_remove(zt_store_gcs_t *g, const char *name,
    const char *cmd);
static const char *zt_store_gcs_why(const zt_http_resp_t *resp, char *buf,
    size_t len);


static int
zt_store_gcs_prune(zt_store_t *s, const zt_prune_cut_t *cut, int dry_run,
    zt_prune_count_t *c, zt_prune_count_t *rep)
{
    int                rc, day_rc;
    char               err[512], folder[1100];
    size_t             i, j;
    zt_store_gcs_t    *g = s->ctx;
    zt_store_names_t   days, objs;

    if (cut->archive == NULL) {
        return ZT_OK;
    }

    memset(&days, 0, sizeof(days));
    days.skip = strlen(g->prefix);
    days.dates = 1;

    rc = zt_gcs_list_all(g->gcs, g->prefix, "/", zt_store_gcs_collect,
                         &days, err, sizeof(err));
    if (rc != ZT_OK) {
        fprintf(stderr, "zoomtrack prune: archive: %s\n", err);
        zt_store_names_free(&days);
        return ZT_ERROR;
    }

    for (i = 0; i < days.n; i++) {
        if (strcmp(days.v[i], cut->archive) >= 0) {
            continue;
        }

        snprintf(folder, sizeof(folder), "%s%s/", g->prefix, days.v[i]);
        memset(&objs, 0, sizeof(objs));

        if (zt_gcs_list_all(g->gcs, folder, NULL, zt_store_gcs_collect,
                            &objs, err, sizeof(err))
            != ZT_OK)
        {
            fprintf(stderr, "zoomtrack prune: archive: %s\n", err);
            zt_store_names_free(&objs);
            rc = ZT_ERROR;
            continue;
        }

        day_rc = ZT_OK;

        for (j = 0; j < objs.n; j++) {
            if (!dry_run
                && zt_store_gcs_remove(g, objs.v[j], "prune") != ZT_OK)
            {
                day_rc = ZT_ERROR;
                continue;
            }
            c->files++;
        }

        if (day_rc == ZT_OK) {
            c->days++;
        } else {
            rc = ZT_ERROR;
        }

        zt_store_names_free(&objs);
    }

    zt_store_names_free(&days);

    return rc;
}


/* every archived body under PREFIX: read, match, delete */
static int
zt_store_gcs_forget(zt_store_t *s, const zt_forget_who_t *w, int dry_run,
    zt_forget_count_t *c)
{
    int                rc, hit;
    char               err[512], why[320];
    size_t             i;
    zt_event_t         ev;
    const char        *reason;
    zt_store_gcs_t    *g = s->ctx;
    zt_http_resp_t     resp;
    zt_store_names_t   objs;

    memset(&objs, 0, sizeof(objs));
    objs.skip = strlen(g->prefix);
    objs.bodies = 1;

    rc = zt_gcs_list_all(g->gcs, g->prefix, NULL, zt_store_gcs_collect,
                         &objs, err, sizeof(err));
    if (rc != ZT_OK) {
        fprintf(stderr, "zoomtrack forget: archive: %s\n", err);
        zt_store_names_free(&objs);
        return ZT_ERROR;
    }

    for (i = 0; i < objs.n; i++) {
        if (zt_gcs_get(g->gcs, objs.v[i], &resp) != ZT_OK) {
            if (resp.status != 404) {         /* 404: pruned meanwhile */
                fprintf(stderr, "zoomtrack forget: archive: reading "
                        "gs://%s/%s: %s\n", zt_gcs_bucket(g->gcs),
                        objs.v[i], zt_store_gcs_why(&resp, why, sizeof(why)));
                rc = ZT_ERROR;
            }
            zt_http_resp_free(&resp);
            continue;
        }

        memset(&ev, 0, sizeof(ev));
        hit = resp.body
              && zt_event_parse((const unsigned char *) resp.body, resp.len,
                                &ev, &reason) == ZT_OK
              && zt_forget_matches(w, ev.participant_id,
                                   ev.participant_user_id, ev.registrant_id,
                                   ev.participant_email, ev.participant_name);
        zt_event_free(&ev);
        zt_http_resp_free(&resp);

        if (!hit) {
            continue;
        }

        c->found++;

        if (dry_run) {
            continue;
        }

        if (zt_store_gcs_remove(g, objs.v[i], "forget") != ZT_OK) {
            rc = ZT_ERROR;
            continue;
        }

        c->removed++;
    }

    zt_store_names_free(&objs);

    return rc;
}


static int
zt_store_gcs_remove(zt_store_gcs_t *g, const char *name, const char *cmd)
{
    int             rc;
    char            why[320];
    zt_http_resp_t  resp;

    rc = zt_gcs_delete(g->gcs, name, &resp);

    if (rc != ZT_OK) {
        fprintf(stderr, "zoomtrack %s: archive: cannot delete gs://%s/%s: "
                "%s%s%s\n", cmd, zt_gcs_bucket(g->gcs), name,
                zt_store_gcs_why(&resp, why, sizeof(why)),
                resp.status == 403 ? "; " : "",
                resp.status == 403 ? ZT_GCS_DELETE_ROLE : "");
    }

    zt_http_resp_free(&resp);

    return rc == ZT_OK ? ZT_OK : ZT_ERROR;
}


/*
 * Why a Cloud Storage call failed: "status N" and Cloud Storage's own
 * message (which names the object and the permission, never the token),
 * or the transport error when no answer came.
 */
static const char *
zt_store_gcs_why(const zt_http_resp_t *resp, char *buf, size_t len)
{
    char  msg[256];

    if (resp->status == 0) {
        snprintf(buf, len, "%.200s", resp->error);
        return buf;
    }

    zt_gcs_error_text(resp->body, resp->len, msg, sizeof(msg));
    snprintf(buf, len, "status %ld%s%.250s", resp->status, msg[0] ? " " : "",
             msg);

    return buf;
}


static void
zt_store_gcs_close(zt_store_t *s)
{
    zt_store_gcs_t  *g = s->ctx;

    if (g) {
        zt_gcs_destroy(g->gcs);
        free(g);
    }
}


static const zt_store_ops_t  zt_store_gcs_ops = {
    "gcs", zt_store_gcs_prune, NULL, zt_store_gcs_forget, zt_store_gcs_close
};


int
zt_store_gcs_open(const zt_conf_t *conf, zt_store_t *s, char *err,
    size_t errlen)
{
    size_t           len;
    const char      *prefix, *bucket;
    zt_store_gcs_t  *g;

    g = calloc(1, sizeof(zt_store_gcs_t));
    if (g == NULL) {
        snprintf(err, errlen, "out of memory");
        return ZT_ERROR;
    }

    /* "raw/", "raw" and "" as zt_archive_object() reads them */
    prefix = zt_conf_get(conf, "archive", "prefix");
    len = strlen(prefix);
    while (len && prefix[len - 1] == '/') {
        len--;
    }

    if (len + 2 > sizeof(g->prefix)) {
        snprintf(err, errlen, "archive.prefix is too long");
        free(g);
        return ZT_ERROR;
    }

    snprintf(g->prefix, sizeof(g->prefix), "%.*s%s", (int) len, prefix,
             len ? "/" : "");

    bucket = zt_conf_get(conf, "archive", "bucket");
    g->gcs = zt_gcs_create(conf, bucket, 1, err, errlen);
    if (g->gcs == NULL) {
        free(g);
        return ZT_ERROR;
    }

    s->ops = &zt_store_gcs_ops;
    s->ctx = g;
    snprintf(s->where, sizeof(s->where), "gs://%s/%s", bucket, g->prefix);

    return ZT_OK;
}


/*
 * A listing callback: with l->dates, common prefixes PREFIX/D/ keep D when
 * it is a date; with l->bodies, object names PREFIX/D/<x> under a date D;
 * else every object name (one day folder's listing).
 */
static int
zt_store_gcs_collect(void *data, const char *name, int is_prefix)
{
    char              **v;
    size_t              n;
    const char         *rest;
    zt_store_names_t   *l = data;

    if (strlen(name) < l->skip) {
        return ZT_OK;
    }

    rest = name + l->skip;
    n = strlen(rest);

    if (l->dates) {
        if (!is_prefix || n != 11 || !zt_retention_is_date(rest, 10)) {
            return ZT_OK;
        }
        n = 10;

    } else {
        /* forget: only bodies laid out as the archive writes them */
        if (is_prefix
            || (l->bodies && (n < 12 || rest[10] != '/'
                              || !zt_retention_is_date(rest, 10))))
        {
            return ZT_OK;
        }
        rest = name;
        n = strlen(name);
    }

    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        v = realloc(l->v, l->cap * sizeof(char *));
        if (v == NULL) {
            return ZT_ERROR;
        }
        l->v = v;
    }

    l->v[l->n] = strndup(rest, n);
    if (l->v[l->n] == NULL) {
        return ZT_ERROR;
    }
    l->n++;

    return ZT_OK;
}


static void
zt_store_names_free(zt_store_names_t *l)
{
    size_t  i;

    for (i = 0; i < l->n; i++) {
        free(l->v[i]);
    }

    free(l->v);
    memset(l, 0, sizeof(zt_store_names_t));
}
