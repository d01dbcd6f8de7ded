/*
 * `zoomtrack prune -c FILE [--dry-run]`: deletes what [retention] says is
 * older than kept (rules in zt_retention.h), from the archive, the
 * warehouse and the reports, while the drainer keeps running.  Meant for a
 * daily timer; rerunning deletes nothing more.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_time.h"
#include "zt_cmd.h"
#include "zt_cmd_util.h"
#include "zt_log.h"
#include "zt_store.h"


/* one run: the cut-off dates (cut points into them) and the counts */
typedef struct {
    zt_prune_cut_t    cut;
    char              raw[16];
    char              wh[16];
    char              rep[16];
    zt_prune_count_t  a;                /* archive */
    zt_prune_count_t  w;                /* warehouse */
    zt_prune_count_t  r;                /* reports: files and rows */
} zt_prune_run_t;


static int zt_prune_args(int argc, char **argv, int *dry,
    const char **path);
static int zt_prune_cutoffs(const zt_conf_t *conf, zt_prune_run_t *run);
static int zt_prune_stores(const zt_conf_t *conf, zt_prune_run_t *run,
    int dry);
static void zt_prune_summary(const zt_prune_run_t *run, int dry);


/* a [retention] key: 0 = keep forever (empty); ZT_ERROR: err says why */
static int
zt_prune_days(const zt_conf_t *conf, const char *key, int64_t *days,
    char *err, size_t errlen)
{
    if (zt_conf_get(conf, "retention", key)[0] == '\0') {
        *days = 0;
        return ZT_OK;
    }

    return zt_conf_get_num(conf, "retention", key, days, err, errlen);
}


static void
zt_prune_usage(FILE *f)
{
    fprintf(f,
        "usage: zoomtrack prune [-c FILE] [--dry-run]\n\n"
        "Deletes data older than [retention] keeps, by the event's local\n"
        "date: archive day folders (raw_days), warehouse rows and camera\n"
        "minutes (warehouse_days), report files and daily_reports rows\n"
        "(reports_days).  A date D goes when D is before today minus N\n"
        "days; an empty key keeps everything.  Safe while the drainer\n"
        "runs; rerunning deletes nothing more.  A GCS archive loses the\n"
        "objects of those dates, a BigQuery warehouse its rows by DML\n"
        "(rows still in the streaming buffer: run again later).\n\n"
        "  --dry-run   count what would go, delete nothing\n"
        "  -c FILE     configuration file\n"
        "  -h, --help  this text\n\n"
        "Exit: 0 done, 1 something could not be deleted, 2 usage or "
        "configuration.\n");
}


/* parses argv; returns -1 to go on, else the exit code */
static int
zt_prune_args(int argc, char **argv, int *dry, const char **path)
{
    int  c;

    static const struct option  opts[] = {
        { "dry-run", no_argument, NULL, 'n' },
        { "config", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };

    *dry = 0;
    *path = NULL;
    optind = 1;
    opterr = 0;

    while ((c = getopt_long(argc, argv, ":c:nh", opts, NULL)) != -1) {
        switch (c) {
        case 'n': *dry = 1; break;
        case 'c': *path = optarg; break;
        case 'h': zt_prune_usage(stdout); return ZT_EXIT_OK;
        default:
            zt_cmd_bad_option("prune", c, argv);
            zt_prune_usage(stderr);
            return ZT_EXIT_USAGE;
        }
    }

    if (optind < argc) {
        fprintf(stderr, "zoomtrack prune: unexpected argument \"%s\"\n",
                argv[optind]);
        return ZT_EXIT_USAGE;
    }

    return -1;
}


int
zt_cmd_prune(int argc, char **argv)
{
    int              dry, rc;
    zt_conf_t       *conf;
    const char      *path;
    zt_prune_run_t   run;

    rc = zt_prune_args(argc, argv, &dry, &path);
    if (rc >= 0) {
        return rc;
    }

    conf = zt_cmd_conf("prune", path);
    if (conf == NULL) {
        return ZT_EXIT_USAGE;
    }

    memset(&run, 0, sizeof(run));

    if (zt_prune_cutoffs(conf, &run) != ZT_OK) {
        zt_conf_free(conf);
        return ZT_EXIT_USAGE;
    }

    rc = zt_prune_stores(conf, &run, dry) == ZT_OK ? ZT_EXIT_OK
                                                   : ZT_EXIT_FAILURE;

    zt_prune_summary(&run, dry);

    zt_conf_free(conf);

    return rc;
}


/* the cut-off date of each kind [retention] limits; ZT_ERROR: said why */
static int
zt_prune_cutoffs(const zt_conf_t *conf, zt_prune_run_t *run)
{
    char         err[256];
    int64_t      days[3], now;
    size_t       i;
    const char  *tz;
    char        *cut[3];

    static const char  *keys[3] = { "raw_days", "warehouse_days",
                                    "reports_days" };

    cut[0] = run->raw;
    cut[1] = run->wh;
    cut[2] = run->rep;
    tz = zt_conf_get(conf, "", "timezone");
    now = zt_time_now_ms();

    /* the key at fault by name, as every configuration error is */
    for (i = 0; i < 3; i++) {
        if (zt_prune_days(conf, keys[i], &days[i], err, sizeof(err))
            != ZT_OK)
        {
            fprintf(stderr, "zoomtrack prune: %s (a number of days), or "
                    "empty to keep everything\n", err);
            return ZT_ERROR;
        }
    }

    for (i = 0; i < 3; i++) {
        if (zt_retention_cutoff(tz, now, days[i], cut[i]) != ZT_OK) {
            fprintf(stderr, "zoomtrack prune: timezone \"%s\": not a time "
                    "zone this machine knows (an IANA name such as "
                    "Europe/Paris)\n", tz);
            return ZT_ERROR;
        }
    }

    run->cut.tz = tz;
    run->cut.archive = days[0] ? run->raw : NULL;
    run->cut.warehouse = days[1] ? run->wh : NULL;
    run->cut.reports = days[2] ? run->rep : NULL;

    return ZT_OK;
}


/*
 * Prunes the archive, the report files, then the warehouse (its rows and
 * daily_reports), each step run even after one failed; ZT_ERROR when any
 * did.
 */
static int
zt_prune_stores(const zt_conf_t *conf, zt_prune_run_t *run, int dry)
{
    int                    rc;
    char                   err[512], dir[4096];
    zt_store_t             st;
    const zt_prune_cut_t  *cut;

    cut = &run->cut;
    rc = ZT_OK;

    if (cut->archive) {
        if (zt_store_archive_open(conf, &st, err, sizeof(err)) != ZT_OK) {
            fprintf(stderr, "zoomtrack prune: archive: %s\n", err);
            rc = ZT_ERROR;

        } else {
            if (st.ops->prune(&st, cut, dry, &run->a, NULL) != ZT_OK) {
                rc = ZT_ERROR;
            }
            zt_store_close(&st);
        }
    }

    if (cut->reports
        && (zt_conf_get_path(conf, "report", "dir", "reports", dir,
                             sizeof(dir)) != ZT_OK
            || zt_prune_report_files(dir, cut->reports, dry, &run->r)
               != ZT_OK))
    {
        rc = ZT_ERROR;
    }

    if (cut->warehouse || cut->reports) {
        if (zt_store_warehouse_open(conf, &st, err, sizeof(err)) != ZT_OK) {
            fprintf(stderr, "zoomtrack prune: warehouse: %s\n", err);
            rc = ZT_ERROR;

        } else {
            if (st.ops->prune(&st, cut, dry, &run->w, &run->r) != ZT_OK) {
                rc = ZT_ERROR;
            }
            zt_store_close(&st);
        }
    }

    return rc;
}


/* the counts on stdout and in the log */
static void
zt_prune_summary(const zt_prune_run_t *run, int dry)
{
    const zt_prune_count_t  *a, *w, *r;

    a = &run->a;
    w = &run->w;
    r = &run->r;

    /* a kind without its [retention] key is kept: say so, not "before -" */
    printf("prune%s: ", dry ? " (dry run)" : "");

    if (run->cut.archive) {
        printf("archive before %s: %llu file(s) in %llu day(s); ",
               run->cut.archive, (unsigned long long) a->files,
               (unsigned long long) a->days);
    } else {
        printf("archive kept (raw_days empty); ");
    }

    if (run->cut.warehouse) {
        printf("warehouse before %s: %llu row(s); ", run->cut.warehouse,
               (unsigned long long) w->rows);
    } else {
        printf("warehouse kept (warehouse_days empty); ");
    }

    if (run->cut.reports) {
        printf("reports before %s: %llu file(s), %llu row(s)\n",
               run->cut.reports, (unsigned long long) r->files,
               (unsigned long long) r->rows);
    } else {
        printf("reports kept (reports_days empty)\n");
    }

    if (w->held || r->held) {
        printf("prune: %llu warehouse row(s) and %llu report row(s) still "
               "in BigQuery's streaming buffer: run again later\n",
               (unsigned long long) w->held, (unsigned long long) r->held);
    }

    zt_log_info("prune: %llu archive file(s), %llu warehouse row(s), "
                "%llu report file(s), %llu report row(s)%s",
                (unsigned long long) a->files, (unsigned long long) w->rows,
                (unsigned long long) r->files, (unsigned long long) r->rows,
                dry ? " (dry run)" : "");
}
