/*
 * zt_report: `zoomtrack report --date D`.  Computes [start, end) of the
 * local day D in the configured time zone, builds the rows from the
 * warehouse (zt_report_build: the events folded by zt_presence, the live
 * status's engine), writes them as CSV or JSON to a temporary file renamed
 * into place, and replaces the day's (or with --meeting, that meeting's)
 * rows of the warehouse's daily_reports table.  Prints a one-line summary
 * on stdout.  A --meeting run has a file of its own,
 * DAILY_REPORT_<D>_<meeting>.<ext>, so it never replaces the day's.
 */

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "zt_core.h"
#include "zt_time.h"
#include "zt_cmd.h"
#include "zt_cmd_util.h"
#include "zt_conf.h"
#include "zt_fs.h"
#include "zt_report.h"
#include "zt_roster_conf.h"
#include "zt_report_html.h"
#include "zt_warehouse.h"


#define ZT_REPORT_CSV   0
#define ZT_REPORT_JSON  1
#define ZT_REPORT_HTML  2

/* longest --meeting in a file name: a uuid is 24, an id 11 characters */
#define ZT_REPORT_MEETING_MAX  128


typedef struct {
    const char   *date;
    const char   *meeting;
    const char   *out;
    const char   *conf_path;
    int           format;
} zt_report_opts_t;


static void zt_report_usage(FILE *f);
static int zt_report_args(int argc, char **argv, zt_report_opts_t *o);
static int zt_report_run(const zt_conf_t *conf, const zt_report_opts_t *o);
static int zt_report_name(const zt_report_opts_t *o, char *name,
    size_t len);
static int zt_report_target(const zt_conf_t *conf, const zt_report_opts_t *o,
    const char *name, char *path, size_t len);
static int zt_report_output(const zt_report_t *r, const zt_report_opts_t *o,
    const char *target, const char *tz);
static int zt_report_write(const zt_report_t *r, const zt_report_opts_t *o,
    const char *tz, FILE *f);
static int zt_report_store(const zt_warehouse_ops_t *ops, void *wh,
    const zt_wh_query_t *q, const zt_report_t *r);


static void
zt_report_usage(FILE *f)
{
    fprintf(f,
        "usage: zoomtrack report --date YYYY-MM-DD [--meeting ID]\n"
        "                        [--format csv|json|html] [--out FILE] "
        "[-c FILE]\n\n"
        "Writes the room-journey report of one local day (timezone from the\n"
        "configuration) from the warehouse (SQLite or BigQuery): one row\n"
        "per person, meeting instance and breakout-room visit.\n\n"
        "  --date D       the local date to report (required)\n"
        "  --meeting ID   only this meeting id or meeting uuid (its own\n"
        "                 file: DAILY_REPORT_<D>_<ID>.csv; exit 2 when it\n"
        "                 has no events that day)\n"
        "  --format F     csv (default), json (an array of row objects) or\n"
        "                 html (one self-contained page: timelines, rooms,\n"
        "                 the full table)\n"
        "  --out FILE     output file, \"-\" for stdout (default\n"
        "                 [report] dir/DAILY_REPORT_<D>.csv, .json or .html)\n"
        "  -c FILE        configuration file\n\n"
        "Times are local \"YYYY-MM-DD HH:MM:SS\"; durations are minutes\n"
        "with 2 decimals; camera cells are empty unless camera_status is\n"
        "ok.  A summary line goes to stdout (stderr with --out -).\n");
}


int
zt_cmd_report(int argc, char **argv)
{
    int                rc;
    zt_conf_t         *conf;
    zt_report_opts_t   o;

    rc = zt_report_args(argc, argv, &o);
    if (rc != ZT_OK) {
        return rc == ZT_DECLINED ? ZT_EXIT_OK : ZT_EXIT_USAGE;
    }

    /*
     * one thread, one connection: no SQLite mutexes and no allocation
     * statistics (a mutex per malloc); fails harmlessly if SQLite was
     * already initialised
     */
    (void) sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
    (void) sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);

    /*
     * as every subcommand: reports name participants, so owner-only unless
     * [drain] widens it; log_file and log_level as configured
     */
    conf = zt_cmd_conf("report", o.conf_path);
    if (conf == NULL) {
        return ZT_EXIT_USAGE;
    }

    rc = zt_report_run(conf, &o);

    zt_conf_free(conf);
    return rc;
}


/* ZT_OK, ZT_DECLINED after --help, ZT_ERROR on bad arguments */
static int
zt_report_args(int argc, char **argv, zt_report_opts_t *o)
{
    int  c;

    static const struct option  longopts[] = {
        { "date", required_argument, NULL, 'd' },
        { "meeting", required_argument, NULL, 'm' },
        { "format", required_argument, NULL, 'f' },
        { "out", required_argument, NULL, 'o' },
        { "config", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };

    memset(o, 0, sizeof(zt_report_opts_t));
    o->format = ZT_REPORT_CSV;

    optind = 1;
    opterr = 0;

    while ((c = getopt_long(argc, argv, ":c:h", longopts, NULL)) != -1) {
        switch (c) {

        case 'd':
            o->date = optarg;
            break;

        case 'm':
            o->meeting = optarg;
            break;

        case 'f':
            if (strcmp(optarg, "csv") == 0) {
                o->format = ZT_REPORT_CSV;

            } else if (strcmp(optarg, "json") == 0) {
                o->format = ZT_REPORT_JSON;

            } else if (strcmp(optarg, "html") == 0) {
                o->format = ZT_REPORT_HTML;

            } else {
                fprintf(stderr, "zoomtrack report: unknown format \"%s\" "
                        "(csv, json or html)\n", optarg);
                return ZT_ERROR;
            }
            break;

        case 'o':
            o->out = optarg;
            break;

        case 'c':
            o->conf_path = optarg;
            break;

        case 'h':
            zt_report_usage(stdout);
            return ZT_DECLINED;

        default:
            zt_cmd_bad_option("report", c, argv);
            zt_report_usage(stderr);
            return ZT_ERROR;
        }
    }

    if (optind < argc) {
        fprintf(stderr, "zoomtrack report: unexpected argument \"%s\"\n",
                argv[optind]);
        return ZT_ERROR;
    }

    if (o->date == NULL) {
        fprintf(stderr, "zoomtrack report: --date YYYY-MM-DD is required\n");
        return ZT_ERROR;
    }

    return ZT_OK;
}


static int
zt_report_run(const zt_conf_t *conf, const zt_report_opts_t *o)
{
    int                        rc;
    char                       target[4096], name[256], err[512];
    void                      *wh;
    const char                *tz;
    zt_report_t                r;
    zt_wh_query_t              q;
    zt_att_opts_t              att;
    zt_roster_conf_t          *rosters;
    const zt_warehouse_ops_t  *ops;

    tz = zt_conf_get(conf, "", "timezone");

    memset(&q, 0, sizeof(zt_wh_query_t));
    q.report_date = o->date;
    q.meeting = o->meeting;

    if (zt_time_day_bounds(o->date, tz, &q.day_start, &q.day_end) != ZT_OK) {
        fprintf(stderr, "zoomtrack report: bad date \"%s\" or time zone "
                "\"%s\"\n", o->date, tz);
        return ZT_EXIT_USAGE;
    }

    rc = zt_report_name(o, name, sizeof(name));
    if (rc == ZT_EXIT_OK) {
        rc = zt_report_target(conf, o, name, target, sizeof(target));
    }

    if (rc != ZT_EXIT_OK) {
        return rc;
    }

    rosters = zt_roster_conf_create(conf, &att, err, sizeof(err));
    if (rosters == NULL) {
        fprintf(stderr, "zoomtrack report: %s\n", err);
        return ZT_EXIT_USAGE;
    }
    q.att = &att;

    ops = zt_warehouse_for(conf);
    if (ops == NULL) {
        fprintf(stderr, "zoomtrack report: warehouse.backend \"%s\" is not "
                "supported\n", zt_conf_get(conf, "warehouse", "backend"));
        zt_roster_conf_free(rosters);
        return ZT_EXIT_USAGE;
    }

    wh = ops->open(conf, err, sizeof(err));
    if (wh == NULL) {
        fprintf(stderr, "zoomtrack report: %s\n", err);
        zt_roster_conf_free(rosters);
        return ZT_EXIT_FAILURE;
    }

    rc = zt_report_build(ops, wh, &q, tz, &r, err, sizeof(err));
    if (rc != ZT_OK) {
        fprintf(stderr, "zoomtrack report: %s\n", err);

    } else if (o->meeting && r.nrows == 0) {
        /* most likely a mistyped id or date: say so, write nothing */
        fprintf(stderr, "zoomtrack report: --meeting \"%s\": no events of "
                "that meeting on %s (%s); nothing written\n", o->meeting,
                o->date, tz[0] ? tz : "UTC");
        rc = ZT_DECLINED;

    } else {
        rc = zt_report_output(&r, o, target, tz);
    }

    if (rc == ZT_OK) {
        rc = zt_report_store(ops, wh, &q, &r);
    }

    if (rc == ZT_OK) {
        rc = zt_report_upload(conf, target, name,
                              o->format == ZT_REPORT_JSON ? "application/json"
                              : o->format == ZT_REPORT_HTML ? "text/html"
                              : "text/csv");
    }

    ops->close(wh);

    if (rc == ZT_OK) {
        fprintf(strcmp(target, "-") == 0 ? stderr : stdout,
                "report %s (%s): %zu people, %zu rooms, %zu meetings, "
                "%zu rows -> %s\n",
                o->date, tz[0] ? tz : "UTC", r.people, r.rooms, r.meetings,
                r.nrows, target);
    }

    zt_report_free(&r);

    if (rc != ZT_OK && zt_roster_conf_failed(rosters)) {
        rc = ZT_DECLINED;               /* a roster row: the user's to fix */
    }

    zt_roster_conf_free(rosters);

    return rc == ZT_OK ? ZT_EXIT_OK
           : rc == ZT_DECLINED ? ZT_EXIT_USAGE : ZT_EXIT_FAILURE;
}


/*
 * The report's file name, locally and in the bucket:
 * DAILY_REPORT_<date>.<ext>, with --meeting DAILY_REPORT_<date>_<meeting>
 * .<ext> so that one meeting's run never replaces the whole day's file.
 * A uuid may hold '/', '+' and '=': every character but a letter, digit,
 * '-' or '_' becomes '_'.
 */
static int
zt_report_name(const zt_report_opts_t *o, char *name, size_t len)
{
    char        *p;
    size_t       n;
    const char  *ext, *m;

    ext = o->format == ZT_REPORT_JSON ? "json"
          : o->format == ZT_REPORT_HTML ? "html" : "csv";

    if (o->meeting == NULL) {
        snprintf(name, len, "DAILY_REPORT_%s.%s", o->date, ext);
        return ZT_EXIT_OK;
    }

    n = strlen(o->meeting);
    if (n == 0 || n > ZT_REPORT_MEETING_MAX) {
        fprintf(stderr, "zoomtrack report: --meeting \"%s\": a meeting id "
                "or uuid of 1 to %d characters\n", o->meeting,
                ZT_REPORT_MEETING_MAX);
        return ZT_EXIT_USAGE;
    }

    n = (size_t) snprintf(name, len, "DAILY_REPORT_%s_", o->date);

    /* room for the meeting, its '.' and the longest extension */
    if (n + ZT_REPORT_MEETING_MAX + sizeof(".html") > len) {
        fprintf(stderr, "zoomtrack report: --date is too long\n");
        return ZT_EXIT_USAGE;
    }

    for (p = name + n, m = o->meeting; *m; p++, m++) {
        *p = isalnum((unsigned char) *m) || *m == '-' || *m == '_' ? *m : '_';
    }

    snprintf(p, len - (size_t) (p - name), ".%s", ext);

    return ZT_EXIT_OK;
}


/* the output file: --out, else [report] dir/<name> */
static int
zt_report_target(const zt_conf_t *conf, const zt_report_opts_t *o,
    const char *name, char *path, size_t len)
{
    char  dir[4096];

    if (o->out) {
        if ((size_t) snprintf(path, len, "%s", o->out) >= len) {
            fprintf(stderr, "zoomtrack report: --out is too long\n");
            return ZT_EXIT_USAGE;
        }
        return ZT_EXIT_OK;
    }

    if (zt_conf_get_path(conf, "report", "dir", "reports", dir, sizeof(dir))
        != ZT_OK
        || (size_t) snprintf(path, len, "%s/%s", dir, name) >= len)
    {
        fprintf(stderr, "zoomtrack report: report.dir is too long\n");
        return ZT_EXIT_USAGE;
    }

    if (zt_fs_mkdirs(dir, ZT_FS_PATH, NULL, 0) != ZT_OK) {
        fprintf(stderr, "zoomtrack report: cannot create \"%s\": %s\n",
                dir, strerror(errno));
        return ZT_EXIT_FAILURE;
    }

    return ZT_EXIT_OK;
}


/* writes the file: a temporary renamed into place, or stdout */
static int
zt_report_output(const zt_report_t *r, const zt_report_opts_t *o,
    const char *target, const char *tz)
{
    int    rc;
    char   tmp[4096 + 8];
    FILE  *f;

    /* /dev/null, a FIFO: written as they are, never renamed over */
    if (strcmp(target, "-") != 0 && zt_fs_special(target)) {
        f = fopen(target, "w");
        rc = f ? zt_report_write(r, o, tz, f) : ZT_ERROR;
        if (f == NULL || fclose(f) != 0 || rc != ZT_OK) {
            fprintf(stderr, "zoomtrack report: cannot write \"%s\": %s\n",
                    target, strerror(errno));
            return ZT_ERROR;
        }
        return ZT_OK;
    }

    if (strcmp(target, "-") == 0) {
        rc = zt_report_write(r, o, tz, stdout);
        if (rc != ZT_OK || fflush(stdout) != 0) {
            fprintf(stderr, "zoomtrack report: cannot write stdout\n");
            return ZT_ERROR;
        }
        return ZT_OK;
    }

    snprintf(tmp, sizeof(tmp), "%s.tmp", target);

    f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "zoomtrack report: cannot write \"%s\": %s\n", tmp,
                strerror(errno));
        return ZT_ERROR;
    }

    rc = zt_report_write(r, o, tz, f);

    if (fclose(f) != 0 || rc != ZT_OK) {
        fprintf(stderr, "zoomtrack report: cannot write \"%s\": %s\n", tmp,
                strerror(errno));
        (void) remove(tmp);
        return ZT_ERROR;
    }

    if (rename(tmp, target) != 0) {
        fprintf(stderr, "zoomtrack report: cannot rename \"%s\": %s\n", tmp,
                strerror(errno));
        (void) remove(tmp);
        return ZT_ERROR;
    }

    return ZT_OK;
}


static int
zt_report_write(const zt_report_t *r, const zt_report_opts_t *o,
    const char *tz, FILE *f)
{
    switch (o->format) {
    case ZT_REPORT_JSON:
        return zt_report_write_json(r, f);
    case ZT_REPORT_HTML:
        return zt_report_write_html(r, f, o->date, tz);
    default:
        return zt_report_write_csv(r, f);
    }
}


/* the rows into the warehouse's daily_reports, replacing the day's */
static int
zt_report_store(const zt_warehouse_ops_t *ops, void *wh,
    const zt_wh_query_t *q, const zt_report_t *r)
{
    int           rc;
    size_t        i;
    zt_wh_row_t  *rows;

    rows = malloc((r->nrows ? r->nrows : 1) * sizeof(zt_wh_row_t));
    if (rows == NULL) {
        fprintf(stderr, "zoomtrack report: out of memory\n");
        return ZT_ERROR;
    }

    for (i = 0; i < r->nrows; i++) {
        rows[i].cells = r->rows[i].cells;
        rows[i].join_ms = r->rows[i].ms[0];
        rows[i].leave_ms = r->rows[i].ms[1];
        rows[i].room_join_ms = r->rows[i].ms[2];
        rows[i].room_leave_ms = r->rows[i].ms[3];
    }

    rc = ops->replace_report(wh, q, rows, r->nrows);
    if (rc != ZT_OK) {
        fprintf(stderr, "zoomtrack report: %s\n", ops->errmsg(wh));
    }

    free(rows);
    return rc;
}
