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


/* a [retention] key: 0 = keep forever; -1 = not a number of days */
static int64_t
zt_prune_days(const zt_conf_t *conf, const char *key)
{
    char        *end;
    long long    v;
    const char  *s;

    s = zt_conf_get(conf, "retention", key);
    if (s[0] == '\0') {
        return 0;
    }

    v = strtoll(s, &end, 10);

    return (*end != '\0' || v < 1 || v > 100000) ? -1 : (int64_t) v;
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


int
zt_cmd_prune(int argc, char **argv)
{
    int                c, dry, rc;
    char               err[512], dir[4096], cut_raw[16], cut_wh[16];
    char               cut_rep[16];
    int64_t            raw, wh, rep, now;
    zt_conf_t         *conf;
    zt_store_t         st;
    zt_prune_cut_t     cut;
    const char        *path, *tz;
    zt_prune_count_t   a, w, r;

    static const struct option  opts[] = {
        { "dry-run", no_argument, NULL, 'n' },
        { "config", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };

    path = NULL;
    dry = 0;
    optind = 1;
    opterr = 0;

    while ((c = getopt_long(argc, argv, "c:nh", opts, NULL)) != -1) {
        switch (c) {
        case 'n': dry = 1; break;
        case 'c': path = optarg; break;
        case 'h': zt_prune_usage(stdout); return ZT_EXIT_OK;
        default:
            zt_prune_usage(stderr);
            return ZT_EXIT_USAGE;
        }
    }

    if (optind < argc) {
        fprintf(stderr, "zoomtrack prune: unexpected argument \"%s\"\n",
                argv[optind]);
        return ZT_EXIT_USAGE;
    }

    conf = zt_cmd_conf("prune", path);
    if (conf == NULL) {
        return ZT_EXIT_USAGE;
    }

    raw = zt_prune_days(conf, "raw_days");
    wh = zt_prune_days(conf, "warehouse_days");
    rep = zt_prune_days(conf, "reports_days");
    tz = zt_conf_get(conf, "", "timezone");
    now = zt_time_now_ms();

    if (raw < 0 || wh < 0 || rep < 0
        || zt_retention_cutoff(tz, now, raw, cut_raw) != ZT_OK
        || zt_retention_cutoff(tz, now, wh, cut_wh) != ZT_OK
        || zt_retention_cutoff(tz, now, rep, cut_rep) != ZT_OK)
    {
        fprintf(stderr, "zoomtrack prune: retention.raw_days, "
                "warehouse_days and reports_days take a number of days "
                "(1..100000) or nothing; timezone \"%s\" must be known\n",
                tz);
        zt_conf_free(conf);
        return ZT_EXIT_USAGE;
    }

    memset(&a, 0, sizeof(a));
    memset(&w, 0, sizeof(w));
    memset(&r, 0, sizeof(r));
    cut.tz = tz;
    cut.archive = raw ? cut_raw : NULL;
    cut.warehouse = wh ? cut_wh : NULL;
    cut.reports = rep ? cut_rep : NULL;
    rc = ZT_EXIT_OK;

    if (raw) {
        if (zt_store_archive_open(conf, &st, err, sizeof(err)) != ZT_OK) {
            fprintf(stderr, "zoomtrack prune: archive: %s\n", err);
            rc = ZT_EXIT_FAILURE;

        } else {
            if (st.ops->prune(&st, &cut, dry, &a, NULL) != ZT_OK) {
                rc = ZT_EXIT_FAILURE;
            }
            zt_store_close(&st);
        }
    }

    if (rep && (zt_conf_get_path(conf, "report", "dir", "reports", dir,
                                 sizeof(dir)) != ZT_OK
                || zt_prune_report_files(dir, cut_rep, dry, &r) != ZT_OK))
    {
        rc = ZT_EXIT_FAILURE;
    }

    if (wh || rep) {
        if (zt_store_warehouse_open(conf, &st, err, sizeof(err)) != ZT_OK) {
            fprintf(stderr, "zoomtrack prune: warehouse: %s\n", err);
            rc = ZT_EXIT_FAILURE;

        } else {
            if (st.ops->prune(&st, &cut, dry, &w, &r) != ZT_OK) {
                rc = ZT_EXIT_FAILURE;
            }
            zt_store_close(&st);
        }
    }

    printf("prune%s: archive before %s: %llu file(s) in %llu day(s); "
           "warehouse before %s: %llu row(s); reports before %s: %llu "
           "file(s), %llu row(s)\n", dry ? " (dry run)" : "",
           raw ? cut_raw : "-", (unsigned long long) a.files,
           (unsigned long long) a.days, wh ? cut_wh : "-",
           (unsigned long long) w.rows, rep ? cut_rep : "-",
           (unsigned long long) r.files, (unsigned long long) r.rows);

    if (w.held || r.held) {
        printf("prune: %llu warehouse row(s) and %llu report row(s) still "
               "in BigQuery's streaming buffer: run again later\n",
               (unsigned long long) w.held, (unsigned long long) r.held);
    }

    zt_log_info("prune: %llu archive file(s), %llu warehouse row(s), "
                "%llu report file(s), %llu report row(s)%s",
                (unsigned long long) a.files, (unsigned long long) w.rows,
                (unsigned long long) r.files, (unsigned long long) r.rows,
                dry ? " (dry run)" : "");

    zt_conf_free(conf);

    return rc;
}
