/*
 * Where `zoomtrack backfill` reads from and what it skips: the local
 * archive (DIR/YYYY-MM-DD/<id>.json, or one day directory) or a bucket
 * prefix, listed first so the progress bar knows the total; and whether
 * the warehouse already holds an event (SQLite: a primary-key lookup;
 * BigQuery: one query per date for that day's event_ids, deduplicated).
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_time.h"
#include "zt_db.h"
#include "zt_http.h"
#include "zt_gcs.h"
#include "zt_bq.h"
#include "zt_backfill.h"


typedef struct {
    char   **v;
    size_t   n, cap;
} zt_bf_list_t;


static int zt_bf_push(zt_bf_list_t *l, const char *s);
static int zt_bf_gcs_name(void *data, const char *name, int is_prefix);
static void zt_bf_list_free(zt_bf_list_t *l);
static int zt_bf_cmp(const void *a, const void *b);
static int zt_bf_scan(const char *dir, const char *rel, int depth,
    zt_bf_list_t *l);
static int zt_bf_set_has(zt_bf_t *bf, const char *id);
static int zt_bf_set_add(zt_bf_t *bf, const char *id);
static int zt_bf_day(void *data, json_t *f, json_t *schema);


static int
zt_bf_push(zt_bf_list_t *l, const char *s)
{
    char  **v;

    if (l->n == l->cap) {
        v = realloc(l->v, (l->cap ? l->cap * 2 : 256) * sizeof(char *));
        if (v == NULL) {
            return ZT_ERROR;
        }
        l->v = v;
        l->cap = l->cap ? l->cap * 2 : 256;
    }

    l->v[l->n] = strdup(s);
    return l->v[l->n] ? (l->n++, ZT_OK) : ZT_ERROR;
}


static void
zt_bf_list_free(zt_bf_list_t *l)
{
    size_t  i;

    for (i = 0; i < l->n; i++) {
        free(l->v[i]);
    }
    free(l->v);
}


static int
zt_bf_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}


/* *.json files of dir, and of its subdirectories while depth > 0 */
static int
zt_bf_scan(const char *dir, const char *rel, int depth, zt_bf_list_t *l)
{
    DIR            *d;
    char            path[4096], r[4096];
    size_t          len;
    struct dirent  *de;

    d = opendir(dir);
    if (d == NULL) {
        return ZT_ERROR;
    }

    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') {
            continue;
        }

        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        snprintf(r, sizeof(r), "%s%s%s", rel, rel[0] ? "/" : "",
                 de->d_name);
        len = strlen(de->d_name);

        if (de->d_type == DT_DIR && depth > 0) {
            if (zt_bf_scan(path, r, depth - 1, l) != ZT_OK) {
                closedir(d);
                return ZT_ERROR;
            }

        } else if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0) {
            if (zt_bf_push(l, r) != ZT_OK) {
                closedir(d);
                return ZT_ERROR;
            }
        }
    }

    closedir(d);
    return ZT_OK;
}


int
zt_bf_source_dir(zt_bf_t *bf, zt_bf_add_pt add, char *err, size_t errlen)
{
    int            rc;
    FILE          *f;
    char           path[8192], *body;
    long           size;
    size_t         i;
    zt_bf_list_t   l;

    memset(&l, 0, sizeof(zt_bf_list_t));

    if (zt_bf_scan(bf->from, "", 1, &l) != ZT_OK) {
        snprintf(err, errlen, "cannot read \"%s\": %s", bf->from,
                 strerror(errno));
        zt_bf_list_free(&l);
        return ZT_ERROR;
    }

    if (l.n) {
        /* an empty archive has no array at all, which qsort may not get */
        qsort(l.v, l.n, sizeof(char *), zt_bf_cmp);
    }
    bf->total = l.n;
    rc = ZT_OK;

    for (i = 0; i < l.n && rc == ZT_OK; i++) {
        snprintf(path, sizeof(path), "%s/%s", bf->from, l.v[i]);

        f = fopen(path, "rb");
        if (f == NULL || fseek(f, 0, SEEK_END) != 0
            || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        {
            snprintf(err, errlen, "cannot read \"%s\": %s", path,
                     strerror(errno));
            if (f) {
                fclose(f);
            }
            rc = ZT_ERROR;
            break;
        }

        body = malloc((size_t) size + 1);
        if (body == NULL
            || fread(body, 1, (size_t) size, f) != (size_t) size)
        {
            snprintf(err, errlen, "cannot read \"%s\"", path);
            free(body);
            fclose(f);
            rc = ZT_ERROR;
            break;
        }

        fclose(f);
        body[size] = '\0';

        rc = add(bf, l.v[i], body, (size_t) size);
        free(body);
        if (rc != ZT_OK) {
            snprintf(err, errlen, "stopped at \"%s\"", path);
        }
    }

    zt_bf_list_free(&l);
    return rc;
}


/* zt_gcs_list_all()'s callback: the .json objects under the prefix */
static int
zt_bf_gcs_name(void *data, const char *name, int is_prefix)
{
    size_t  n;

    n = strlen(name);

    if (is_prefix || n <= 5 || strcmp(name + n - 5, ".json") != 0) {
        return ZT_OK;
    }

    return zt_bf_push(data, name);
}


int
zt_bf_source_gcs(zt_bf_t *bf, zt_bf_add_pt add, char *err, size_t errlen)
{
    int              rc;
    char             bucket[256], msg[256];
    size_t           i, n;
    zt_gcs_t        *g;
    const char      *p, *slash;
    zt_bf_list_t     l;
    zt_http_resp_t   resp;

    p = bf->from + 5;
    slash = strchr(p, '/');
    n = slash ? (size_t) (slash - p) : strlen(p);

    if (n == 0 || n >= sizeof(bucket)) {
        snprintf(err, errlen, "bad source \"%s\": gs://BUCKET/PREFIX",
                 bf->from);
        return ZT_ERROR;
    }

    memcpy(bucket, p, n);
    bucket[n] = '\0';
    p = slash ? slash + 1 : "";

    g = zt_gcs_create(bf->conf, bucket, 1, err, errlen);
    if (g == NULL) {
        return ZT_ERROR;
    }

    memset(&l, 0, sizeof(zt_bf_list_t));

    /* every page, or an error: a listing cut short is not the end */
    rc = zt_gcs_list_all(g, p, NULL, zt_bf_gcs_name, &l, err, errlen);

    bf->total = l.n;

    for (i = 0; rc == ZT_OK && i < l.n; i++) {
        rc = zt_gcs_get(g, l.v[i], &resp);

        if (rc != ZT_OK && resp.status == 404) {
            /* deleted since the listing (prune, forget): not archived */
            zt_http_resp_free(&resp);
            bf->total--;
            rc = ZT_OK;
            continue;
        }

        if (rc != ZT_OK) {
            msg[0] = '\0';
            if (resp.status) {
                zt_gcs_error_text(resp.body, resp.len, msg, sizeof(msg));
            }
            snprintf(err, errlen, "reading gs://%s/%s: %s%ld %.200s", bucket,
                     l.v[i], resp.status ? "status " : "", resp.status,
                     resp.status ? msg : resp.error);
            zt_http_resp_free(&resp);
            break;
        }

        rc = add(bf, l.v[i], resp.body ? resp.body : "", resp.len);
        zt_http_resp_free(&resp);
    }

    zt_bf_list_free(&l);
    zt_gcs_destroy(g);

    return rc;
}


int
zt_bf_present_open(zt_bf_t *bf, char *err, size_t errlen)
{
    err[0] = '\0';

    bf->tz = strdup(zt_conf_get(bf->conf, "", "timezone"));
    bf->setcap = 1024;
    bf->set = calloc(bf->setcap, sizeof(char *));

    if (bf->tz == NULL || bf->set == NULL) {
        snprintf(err, errlen, "out of memory");
        return ZT_ERROR;
    }

    if (strcmp(bf->to, "bigquery") == 0) {
        bf->bq = zt_bq_create(bf->conf, err, errlen);
        return bf->bq ? ZT_OK : ZT_ERROR;
    }

    if (zt_db_open(bf->conf, &bf->db, err, errlen) != ZT_OK) {
        return ZT_ERROR;
    }

    if (sqlite3_prepare_v2(bf->db, "SELECT 1 FROM raw_events WHERE "
                           "event_id = ?", -1, &bf->has, NULL)
        != SQLITE_OK)
    {
        snprintf(err, errlen, "%s", sqlite3_errmsg(bf->db));
        return ZT_ERROR;
    }

    return ZT_OK;
}


void
zt_bf_present_close(zt_bf_t *bf)
{
    size_t  i;

    sqlite3_finalize(bf->has);
    if (bf->db) {
        sqlite3_close(bf->db);
    }

    zt_bq_destroy(bf->bq);

    for (i = 0; i < bf->ndays; i++) {
        free(bf->days[i]);
    }

    for (i = 0; i < bf->setcap; i++) {
        free(bf->set[i]);
    }

    free(bf->days);
    free(bf->set);
    free(bf->tz);

    bf->db = NULL;
    bf->has = NULL;
    bf->bq = NULL;
    bf->days = NULL;
    bf->set = NULL;
    bf->tz = NULL;
    bf->ndays = bf->setcap = 0;
}


static size_t
zt_bf_hash(const char *s)
{
    size_t  h = 1469598103934665603ULL;

    while (*s) {
        h = (h ^ (unsigned char) *s++) * 1099511628211ULL;
    }

    return h;
}


static int
zt_bf_set_has(zt_bf_t *bf, const char *id)
{
    size_t  i;

    for (i = zt_bf_hash(id) & (bf->setcap - 1); bf->set[i];
         i = (i + 1) & (bf->setcap - 1))
    {
        if (strcmp(bf->set[i], id) == 0) {
            return 1;
        }
    }

    return 0;
}


static int
zt_bf_set_add(zt_bf_t *bf, const char *id)
{
    char    **old;
    size_t    i, j, cap;

    if (zt_bf_set_has(bf, id)) {
        return ZT_OK;
    }

    if (2 * (bf->setn + 1) > bf->setcap) {
        old = bf->set;
        cap = bf->setcap;
        bf->set = calloc(cap * 2, sizeof(char *));
        if (bf->set == NULL) {
            bf->set = old;
            return ZT_ERROR;
        }
        bf->setcap = cap * 2;

        for (j = 0; j < cap; j++) {
            if (old[j] == NULL) {
                continue;
            }
            for (i = zt_bf_hash(old[j]) & (bf->setcap - 1); bf->set[i];
                 i = (i + 1) & (bf->setcap - 1))
            {
                /* void */
            }
            bf->set[i] = old[j];
        }
        free(old);
    }

    for (i = zt_bf_hash(id) & (bf->setcap - 1); bf->set[i];
         i = (i + 1) & (bf->setcap - 1))
    {
        /* void */
    }

    bf->set[i] = strdup(id);
    if (bf->set[i] == NULL) {
        return ZT_ERROR;
    }

    bf->setn++;
    return ZT_OK;
}


static int
zt_bf_day(void *data, json_t *f, json_t *schema)
{
    const char  *id;

    id = json_string_value(json_object_get(json_array_get(f, 0), "v"));

    return id ? zt_bf_set_add(data, id) : ZT_OK;
}


int
zt_bf_present(zt_bf_t *bf, json_t *rec)
{
    int           rc;
    char          day[16], sql[1024];
    size_t        i;
    json_t       *params, *ts;
    const char   *id;
    zt_bq_err_t   e;

    id = json_string_value(json_object_get(rec, "event_id"));
    if (id == NULL) {
        return 0;
    }

    if (zt_bf_set_has(bf, id)) {
        return 1;
    }

    if (bf->has) {
        sqlite3_bind_text(bf->has, 1, id, -1, SQLITE_STATIC);
        rc = sqlite3_step(bf->has);
        sqlite3_reset(bf->has);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            fprintf(stderr, "zoomtrack backfill: %s\n",
                    sqlite3_errmsg(bf->db));
            return -1;
        }
        return rc == SQLITE_ROW;
    }

    /* BigQuery: read the event's day once */
    ts = json_object_get(rec, "event_ts");
    if (zt_time_local_date(json_integer_value(ts), bf->tz, day) != ZT_OK) {
        return 0;
    }

    for (i = 0; i < bf->ndays; i++) {
        if (strcmp(bf->days[i], day) == 0) {
            return 0;
        }
    }

    snprintf(sql, sizeof(sql), "SELECT DISTINCT event_id FROM `%s.%s."
             "raw_events` WHERE event_date = @date", zt_bq_project(bf->bq),
             zt_bq_dataset(bf->bq));

    params = json_array();
    json_array_append_new(params, zt_bq_param("date", "DATE", day));

    rc = zt_bq_query(bf->bq, sql, params, zt_bf_day, bf, &e);
    json_decref(params);

    if (rc != ZT_OK) {
        fprintf(stderr, "zoomtrack backfill: reading the event_ids of %s: "
                "%s%ld %s\n", day, e.status ? "status " : "", e.status,
                e.message);
        return -1;
    }

    bf->days = realloc(bf->days, (bf->ndays + 1) * sizeof(char *));
    if (bf->days == NULL || (bf->days[bf->ndays] = strdup(day)) == NULL) {
        return -1;
    }
    bf->ndays++;

    return zt_bf_set_has(bf, id);
}


int
zt_bf_present_mark(zt_bf_t *bf, json_t *rec)
{
    const char  *id;

    id = json_string_value(json_object_get(rec, "event_id"));

    return id ? zt_bf_set_add(bf, id) : ZT_OK;
}
