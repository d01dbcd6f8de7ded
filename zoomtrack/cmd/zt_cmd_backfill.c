/*
 * `zoomtrack backfill --from DIR | gs://BUCKET/PREFIX[DATE/] [--to
 * sqlite|bigquery]`: loads archived raw bodies into the warehouse.  Each
 * body goes through the module's normalisation (zt_event_parse and
 * zt_event_record, so the event_id is the one the live path gave it) and
 * then through the warehouse sink's own write(), the code the drainer
 * runs.  Events the warehouse already holds are counted and skipped
 * (SQLite: by primary key; BigQuery: the day's event_ids are read once
 * per date), so a second run inserts nothing.  Prints a progress bar on a
 * terminal and a summary: read, inserted, already present, rejected with
 * the reasons.
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "zt_event.h"
#include "zt_time.h"
#include "zt_cmd.h"
#include "zt_cmd_util.h"
#include "zt_conf.h"
#include "zt_db.h"
#include "zt_fs.h"
#include "zt_http.h"
#include "zt_log.h"
#include "zt_sink.h"
#include "zt_gcs.h"
#include "zt_bq.h"
#include "zt_backfill.h"


#define ZT_BF_BATCH    500
#define ZT_BF_RETRIES  8


static void zt_bf_usage(FILE *f);
static int zt_bf_run(zt_bf_t *bf);
static int zt_bf_flush(zt_bf_t *bf);
static int zt_bf_add(zt_bf_t *bf, const char *name, const char *body,
    size_t len);
static void zt_bf_reject(zt_bf_t *bf, const char *reason);
static void zt_bf_progress(zt_bf_t *bf, int last);


static void
zt_bf_usage(FILE *f)
{
    fprintf(f,
        "usage: zoomtrack backfill [-c FILE] --from SOURCE "
        "[--to sqlite|bigquery]\n"
        "\n"
        "Loads archived raw Zoom bodies into the warehouse, through the\n"
        "same normalisation as the live path (same event_id).  SOURCE is\n"
        "a local archive (DIR with YYYY-MM-DD/ subdirectories, or one day\n"
        "directory) or gs://BUCKET/PREFIX[DATE/].  --to defaults to\n"
        "[warehouse] backend.  Events already stored are skipped, so it\n"
        "is safe to run again.  Exit 0 when every body was stored or\n"
        "rejected, 1 on a failure, 2 on bad arguments or configuration.\n");
}


int
zt_cmd_backfill(int argc, char **argv)
{
    int          i, rc;
    char         err[512];
    zt_bf_t      bf;
    const char  *path;

    static const char *const  valued[] = { "-c", "--config", "--from",
                                           "--to", NULL };

    memset(&bf, 0, sizeof(zt_bf_t));
    path = NULL;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            zt_bf_usage(stdout);
            return ZT_EXIT_OK;
        }

        if (zt_cmd_is_config(argv[i]) && i + 1 < argc) {
            path = argv[++i];

        } else if (strcmp(argv[i], "--from") == 0 && i + 1 < argc) {
            bf.from = argv[++i];

        } else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc) {
            bf.to = argv[++i];

        } else {
            zt_cmd_bad_word("backfill", argv[i], valued);
            zt_bf_usage(stderr);
            return ZT_EXIT_USAGE;
        }
    }

    if (bf.from == NULL) {
        fprintf(stderr, "zoomtrack backfill: --from is required\n\n");
        zt_bf_usage(stderr);
        return ZT_EXIT_USAGE;
    }

    bf.conf = zt_conf_load(path, err, sizeof(err));
    if (bf.conf == NULL) {
        fprintf(stderr, "zoomtrack backfill: %s\n", err);
        return ZT_EXIT_USAGE;
    }

    /* the warehouse it creates holds names: the configured modes */
    if (zt_fs_modes_init(bf.conf, err, sizeof(err)) != ZT_OK) {
        fprintf(stderr, "zoomtrack backfill: %s\n", err);
        zt_conf_free(bf.conf);
        return ZT_EXIT_USAGE;
    }

    if (bf.to == NULL) {
        bf.to = zt_conf_get(bf.conf, "warehouse", "backend");
    }

    if (strcmp(bf.to, "sqlite") == 0) {
        bf.ops = &zt_sink_warehouse;

    } else if (strcmp(bf.to, "bigquery") == 0) {
        bf.ops = &zt_sink_warehouse_bigquery;

    } else {
        fprintf(stderr, "zoomtrack backfill: --to \"%s\": sqlite or "
                "bigquery\n", bf.to);
        zt_conf_free(bf.conf);
        return ZT_EXIT_USAGE;
    }

    bf.tty = isatty(STDERR_FILENO);
    rc = zt_bf_run(&bf);

    zt_conf_free(bf.conf);
    return rc;
}


static int
zt_bf_run(zt_bf_t *bf)
{
    int     rc;
    char    err[512];
    size_t  i;

    if (zt_http_global_init() != ZT_OK
        || zt_bf_present_open(bf, err, sizeof(err)) != ZT_OK
        || bf->ops->init(bf->conf, &bf->sink) != ZT_OK)
    {
        if (err[0]) {
            fprintf(stderr, "zoomtrack backfill: %s\n", err);
        }
        zt_bf_present_close(bf);
        return ZT_EXIT_USAGE;
    }

    if (strncmp(bf->from, "gs://", 5) == 0) {
        rc = zt_bf_source_gcs(bf, zt_bf_add, err, sizeof(err));

    } else {
        rc = zt_bf_source_dir(bf, zt_bf_add, err, sizeof(err));
    }

    if (rc == ZT_OK) {
        rc = zt_bf_flush(bf);

    } else {
        fprintf(stderr, "%szoomtrack backfill: %s\n", bf->tty ? "\n" : "",
                err);
    }

    zt_bf_progress(bf, 1);

    bf->ops->exit(bf->sink);
    zt_bf_present_close(bf);

    printf("read %zu, inserted %zu, already present %zu, rejected %zu\n",
           bf->read, bf->inserted, bf->present, bf->rejected);

    for (i = 0; i < bf->nreasons; i++) {
        printf("  rejected %zu: %s\n", bf->reasons[i].n, bf->reasons[i].text);
        free(bf->reasons[i].text);
    }

    free(bf->reasons);

    return rc == ZT_OK ? ZT_EXIT_OK : ZT_EXIT_FAILURE;
}


/* one archived body: normalised into a record, queued for the next write */
static int
zt_bf_add(zt_bf_t *bf, const char *name, const char *body, size_t len)
{
    int          rc, present;
    char        *rec;
    size_t       rlen;
    json_t      *j;
    zt_event_t   ev;
    const char  *reason;
    zt_item_t   *it;

    bf->read++;
    memset(&ev, 0, sizeof(zt_event_t));

    rc = zt_event_parse((const unsigned char *) body, len, &ev, &reason);
    if (rc != ZT_OK || zt_event_is_url_validation(&ev)) {
        zt_bf_reject(bf, rc == ZT_ERROR ? "out of memory"
                         : rc == ZT_OK ? "a url_validation body" : reason);
        zt_event_free(&ev);
        zt_bf_progress(bf, 0);
        return ZT_OK;
    }

    rec = zt_event_record(&ev, (const unsigned char *) body, len,
                          zt_time_now_ms(), &rlen);
    zt_event_free(&ev);

    j = rec ? json_loadb(rec, rlen, 0, NULL) : NULL;
    if (j == NULL) {
        free(rec);
        zt_bf_reject(bf, "out of memory");
        return ZT_OK;
    }

    present = zt_bf_present(bf, j);
    if (present < 0) {
        json_decref(j);
        free(rec);
        return ZT_ERROR;
    }

    if (present) {
        bf->present++;
        json_decref(j);
        free(rec);
        zt_bf_progress(bf, 0);
        return ZT_OK;
    }

    if (zt_bf_present_mark(bf, j) != ZT_OK) {
        json_decref(j);
        free(rec);
        return ZT_ERROR;
    }

    it = &bf->items[bf->n++];
    memset(it, 0, sizeof(zt_item_t));
    it->raw = rec;
    it->len = rlen;
    it->rec = j;
    it->event_id = json_string_value(json_object_get(j, "event_id"));
    it->error = NULL;

    (void) name;

    if (bf->n == ZT_BF_BATCH) {
        return zt_bf_flush(bf);
    }

    return ZT_OK;
}


/* writes the queued records through the sink, retrying like the engine */
static int
zt_bf_flush(zt_bf_t *bf)
{
    int     rc, attempt;
    size_t  i;

    rc = ZT_OK;

    for (attempt = 0; bf->n && attempt <= ZT_BF_RETRIES; attempt++) {
        for (i = 0; i < bf->n; i++) {
            bf->items[i].error = NULL;
        }

        rc = bf->ops->write(bf->sink, bf->items, bf->n);
        if (rc == ZT_OK) {
            break;
        }

        zt_http_sleep_ms(zt_http_backoff_ms(attempt, 200, 10000, drand48()));
    }

    for (i = 0; i < bf->n; i++) {
        if (rc == ZT_OK) {
            if (bf->items[i].error) {
                zt_bf_reject(bf, bf->items[i].error);

            } else {
                bf->inserted++;
            }
        }

        json_decref(bf->items[i].rec);
        free((char *) bf->items[i].raw);
    }

    bf->n = 0;
    zt_bf_progress(bf, 0);

    if (rc != ZT_OK) {
        fprintf(stderr, "zoomtrack backfill: the warehouse kept refusing "
                "a batch; stopping (run again once it is fixed)\n");
        return ZT_ERROR;
    }

    return ZT_OK;
}


static void
zt_bf_reject(zt_bf_t *bf, const char *reason)
{
    size_t          i;
    zt_bf_reason_t  *r;

    bf->rejected++;

    for (i = 0; i < bf->nreasons; i++) {
        if (strcmp(bf->reasons[i].text, reason) == 0) {
            bf->reasons[i].n++;
            return;
        }
    }

    r = realloc(bf->reasons, (bf->nreasons + 1) * sizeof(zt_bf_reason_t));
    if (r == NULL) {
        return;
    }

    bf->reasons = r;
    r[bf->nreasons].text = strdup(reason);
    r[bf->nreasons].n = 1;
    if (r[bf->nreasons].text) {
        bf->nreasons++;
    }
}


static void
zt_bf_progress(zt_bf_t *bf, int last)
{
    int     i, w;
    size_t  done;

    if (!bf->tty || bf->total == 0) {
        return;
    }

    done = bf->read - bf->n;
    w = (int) (40 * done / bf->total);

    fprintf(stderr, "\rbackfill [");
    for (i = 0; i < 40; i++) {
        fputc(i < w ? '#' : ' ', stderr);
    }
    fprintf(stderr, "] %zu/%zu%s", done, bf->total, last ? "\n" : "");
    fflush(stderr);
}
