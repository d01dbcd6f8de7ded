/*
 * zt_report: `zoomtrack report --date D`.  Computes [start, end) of the
 * local day D in the configured time zone, runs the embedded
 * daily_report.sql on the warehouse, formats its ms values (times as local
 * "YYYY-MM-DD HH:MM:SS", durations as minutes with 2 decimals) and writes
 * the rows as CSV or JSON to a temporary file renamed into place.  Prints a
 * one-line summary on stdout.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "zt_core.h"
#include "zt_csv.h"
#include "zt_time.h"
#include "zt_cmd.h"
#include "zt_conf.h"
#include "zt_db.h"
#include "zt_fs.h"
#include "zt_report.h"
#include "zt_sql.h"


#define ZT_REPORT_CSV   0
#define ZT_REPORT_JSON  1

/* JSON types of the columns */
#define ZT_JS_STR   0
#define ZT_JS_NUM   1
#define ZT_JS_BOOL  2

/* report columns the code refers to (zt_report_columns[]) */
#define ZT_COL_MEETING_UUID  2
#define ZT_COL_ROOM_UUID     10
#define ZT_COL_CAM_ON        14
#define ZT_COL_CAM_OFF       15
#define ZT_COL_CAM_PCT       16

/* columns of daily_report.sql's result */
enum {
    ZT_Q_DATE = 0, ZT_Q_MEETING_ID, ZT_Q_MEETING_UUID, ZT_Q_NAME, ZT_Q_EMAIL,
    ZT_Q_JOIN, ZT_Q_LEAVE, ZT_Q_DURATION, ZT_Q_ROOM_NUMBER, ZT_Q_ROOM_NAME,
    ZT_Q_ROOM_UUID, ZT_Q_ROOM_JOIN, ZT_Q_ROOM_LEAVE, ZT_Q_ROOM_DURATION,
    ZT_Q_CAM_ON, ZT_Q_CAM_OFF, ZT_Q_NEXT_ROOM, ZT_Q_JOIN_KNOWN,
    ZT_Q_CAM_STATUS, ZT_Q_PERSON_KEY, ZT_Q_NCOLS
};


typedef struct {
    char   **v;
    size_t   n;
    size_t   cap;
} zt_strset_t;


typedef struct {
    const char   *date;
    const char   *meeting;
    const char   *out;
    const char   *conf_path;
    int           format;
} zt_report_opts_t;


typedef struct {
    FILE         *f;
    const char   *tz;
    int           format;
    uint64_t      rows;
    zt_strset_t   people;
    zt_strset_t   rooms;
    zt_strset_t   meetings;
} zt_report_ctx_t;


static void zt_report_usage(FILE *f);
static int zt_report_args(int argc, char **argv, zt_report_opts_t *o);
static int zt_report_run(const zt_conf_t *conf, const zt_report_opts_t *o);
static int zt_report_target(const zt_conf_t *conf, const zt_report_opts_t *o,
    char *path, size_t len);
static int zt_report_query(sqlite3 *db, const zt_report_opts_t *o,
    int64_t start, int64_t end, zt_report_ctx_t *ctx);
static int zt_report_row(zt_report_ctx_t *ctx, sqlite3_stmt *stmt);
static int zt_report_json_row(FILE *f, const char *const *cells,
    const int *null, uint64_t n);
static void zt_report_json_str(FILE *f, const char *s);
static int zt_strset_add(zt_strset_t *set, const char *a, const char *b);
static size_t zt_strset_count(zt_strset_t *set);
static void zt_strset_free(zt_strset_t *set);


const char  *const zt_report_columns[ZT_REPORT_NCOLS] = {
    "report_date", "meeting_id", "meeting_uuid", "participant_name",
    "participant_email", "meeting_join_time", "meeting_leave_time",
    "meeting_duration_mins", "room_number", "room_name", "room_uuid",
    "room_join_time", "room_leave_time", "room_duration_mins",
    "camera_on_mins", "camera_off_mins", "camera_percentage", "next_room",
    "join_time_known", "camera_status"
};


static const int  zt_report_json_types[ZT_REPORT_NCOLS] = {
    ZT_JS_STR, ZT_JS_STR, ZT_JS_STR, ZT_JS_STR, ZT_JS_STR, ZT_JS_STR,
    ZT_JS_STR, ZT_JS_NUM, ZT_JS_NUM, ZT_JS_STR, ZT_JS_STR, ZT_JS_STR,
    ZT_JS_STR, ZT_JS_NUM, ZT_JS_NUM, ZT_JS_NUM, ZT_JS_NUM, ZT_JS_STR,
    ZT_JS_BOOL, ZT_JS_STR
};


static void
zt_report_usage(FILE *f)
{
    fprintf(f,
        "usage: zoomtrack report --date YYYY-MM-DD [--meeting ID]\n"
        "                        [--format csv|json] [--out FILE] "
        "[-c FILE]\n\n"
        "Writes the room-journey report of one local day (timezone from the\n"
        "configuration) from the SQLite warehouse: one row per person,\n"
        "meeting instance and breakout-room visit.\n\n"
        "  --date D       the local date to report (required)\n"
        "  --meeting ID   only this meeting id or meeting uuid\n"
        "  --format F     csv (default) or json (an array of row objects)\n"
        "  --out FILE     output file, \"-\" for stdout (default\n"
        "                 [report] dir/DAILY_REPORT_<D>.csv or .json)\n"
        "  -c FILE        configuration file\n\n"
        "Times are local \"YYYY-MM-DD HH:MM:SS\"; durations are minutes\n"
        "with 2 decimals; camera cells are empty unless camera_status is\n"
        "ok.  A summary line goes to stdout (stderr with --out -).\n");
}


int
zt_cmd_report(int argc, char **argv)
{
    int                rc;
    char               err[512];
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

    conf = zt_conf_load(o.conf_path, err, sizeof(err));
    if (conf == NULL) {
        fprintf(stderr, "zoomtrack report: %s\n", err);
        return ZT_EXIT_USAGE;
    }

    /* reports name participants: owner-only unless [drain] widens it */
    if (zt_fs_modes_init(conf, err, sizeof(err)) != ZT_OK) {
        fprintf(stderr, "zoomtrack report: %s\n", err);
        zt_conf_free(conf);
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

    while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
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

            } else {
                fprintf(stderr, "zoomtrack report: unknown format \"%s\" "
                        "(csv or json)\n", optarg);
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
            fprintf(stderr, "zoomtrack report: bad option \"%s\"\n\n",
                    argv[optind - 1]);
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
    int               rc, exit_code;
    char              target[4096], tmp[4096 + 8], err[512];
    int64_t           start, end;
    sqlite3          *db;
    const char       *tz;
    zt_report_ctx_t   ctx;

    tz = zt_conf_get(conf, "", "timezone");

    if (zt_time_day_bounds(o->date, tz, &start, &end) != ZT_OK) {
        fprintf(stderr, "zoomtrack report: bad date \"%s\" or time zone "
                "\"%s\"\n", o->date, tz);
        return ZT_EXIT_USAGE;
    }

    rc = zt_report_target(conf, o, target, sizeof(target));
    if (rc != ZT_EXIT_OK) {
        return rc;
    }

    if (zt_db_open(conf, &db, err, sizeof(err)) != ZT_OK) {
        fprintf(stderr, "zoomtrack report: %s\n", err);
        return ZT_EXIT_FAILURE;
    }

    memset(&ctx, 0, sizeof(zt_report_ctx_t));
    ctx.tz = tz;
    ctx.format = o->format;

    if (strcmp(target, "-") == 0) {
        ctx.f = stdout;

    } else {
        snprintf(tmp, sizeof(tmp), "%s.tmp", target);
        ctx.f = fopen(tmp, "w");
        if (ctx.f == NULL) {
            fprintf(stderr, "zoomtrack report: cannot write \"%s\": %s\n",
                    tmp, strerror(errno));
            sqlite3_close(db);
            return ZT_EXIT_FAILURE;
        }
    }

    rc = zt_report_query(db, o, start, end, &ctx);

    sqlite3_close(db);

    if (ctx.f != stdout) {
        if (fclose(ctx.f) != 0 && rc == ZT_OK) {
            fprintf(stderr, "zoomtrack report: cannot write \"%s\": %s\n",
                    tmp, strerror(errno));
            rc = ZT_ERROR;
        }

        if (rc == ZT_OK && rename(tmp, target) != 0) {
            fprintf(stderr, "zoomtrack report: cannot rename \"%s\": %s\n",
                    tmp, strerror(errno));
            rc = ZT_ERROR;
        }

        if (rc != ZT_OK) {
            (void) remove(tmp);
        }

    } else if (fflush(stdout) != 0) {
        rc = ZT_ERROR;
    }

    exit_code = ZT_EXIT_FAILURE;

    if (rc == ZT_OK) {
        fprintf(ctx.f == stdout ? stderr : stdout,
                "report %s (%s): %zu people, %zu rooms, %zu meetings, "
                "%" PRIu64 " rows -> %s\n",
                o->date, tz[0] ? tz : "UTC", zt_strset_count(&ctx.people),
                zt_strset_count(&ctx.rooms), zt_strset_count(&ctx.meetings),
                ctx.rows, target);
        exit_code = ZT_EXIT_OK;
    }

    zt_strset_free(&ctx.people);
    zt_strset_free(&ctx.rooms);
    zt_strset_free(&ctx.meetings);

    return exit_code;
}


/* the output file: --out, else [report] dir/DAILY_REPORT_<date>.<ext> */
static int
zt_report_target(const zt_conf_t *conf, const zt_report_opts_t *o,
    char *path, size_t len)
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
        || (size_t) snprintf(path, len, "%s/DAILY_REPORT_%s.%s", dir, o->date,
                             o->format == ZT_REPORT_JSON ? "json" : "csv")
           >= len)
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


static int
zt_report_query(sqlite3 *db, const zt_report_opts_t *o, int64_t start,
    int64_t end, zt_report_ctx_t *ctx)
{
    int            rc;
    const char    *sql;
    sqlite3_stmt  *stmt;

    sql = zt_sql_get("daily_report.sql");
    if (sql == NULL) {
        fprintf(stderr, "zoomtrack report: daily_report.sql not built in\n");
        return ZT_ERROR;
    }

    /* the query sorts and materialises: keep that in memory (64 MB cache) */
    if (sqlite3_exec(db, "PRAGMA temp_store = MEMORY;"
                     "PRAGMA cache_size = -65536", NULL, NULL, NULL)
        != SQLITE_OK)
    {
        fprintf(stderr, "zoomtrack report: %s\n", sqlite3_errmsg(db));
        return ZT_ERROR;
    }

    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        fprintf(stderr, "zoomtrack report: daily_report.sql: %s\n",
                sqlite3_errmsg(db));
        return ZT_ERROR;
    }

    if (sqlite3_column_count(stmt) != ZT_Q_NCOLS) {
        fprintf(stderr, "zoomtrack report: daily_report.sql returns %d "
                "columns, expected %d\n", sqlite3_column_count(stmt),
                ZT_Q_NCOLS);
        sqlite3_finalize(stmt);
        return ZT_ERROR;
    }

    sqlite3_bind_text(stmt, sqlite3_bind_parameter_index(stmt,
                      ":report_date"), o->date, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, sqlite3_bind_parameter_index(stmt,
                       ":day_start_ms"), start);
    sqlite3_bind_int64(stmt, sqlite3_bind_parameter_index(stmt,
                       ":day_end_ms"), end);
    sqlite3_bind_text(stmt, sqlite3_bind_parameter_index(stmt, ":meeting"),
                      o->meeting ? o->meeting : "", -1, SQLITE_STATIC);

    if (ctx->format == ZT_REPORT_CSV) {
        if (zt_csv_row(ctx->f, zt_report_columns, ZT_REPORT_NCOLS)
            != ZT_OK)
        {
            sqlite3_finalize(stmt);
            return ZT_ERROR;
        }

    } else {
        fputs("[", ctx->f);
    }

    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (zt_report_row(ctx, stmt) != ZT_OK) {
            fprintf(stderr, "zoomtrack report: cannot write a row\n");
            sqlite3_finalize(stmt);
            return ZT_ERROR;
        }
    }

    if (rc != SQLITE_DONE) {
        fprintf(stderr, "zoomtrack report: query failed: %s\n",
                sqlite3_errmsg(db));
        sqlite3_finalize(stmt);
        return ZT_ERROR;
    }

    sqlite3_finalize(stmt);

    if (ctx->format == ZT_REPORT_JSON) {
        fputs(ctx->rows ? "\n]\n" : "]\n", ctx->f);
    }

    return ferror(ctx->f) ? ZT_ERROR : ZT_OK;
}


/* formats one result row into the report's cells and writes it */
static int
zt_report_row(zt_report_ctx_t *ctx, sqlite3_stmt *stmt)
{
    int           i, q, null[ZT_REPORT_NCOLS];
    char          buf[ZT_REPORT_NCOLS][64];
    const char   *cells[ZT_REPORT_NCOLS], *s;

    /* output column -> query column; -1: computed */
    static const int  src[ZT_REPORT_NCOLS] = {
        ZT_Q_DATE, ZT_Q_MEETING_ID, ZT_Q_MEETING_UUID, ZT_Q_NAME, ZT_Q_EMAIL,
        ZT_Q_JOIN, ZT_Q_LEAVE, ZT_Q_DURATION, ZT_Q_ROOM_NUMBER,
        ZT_Q_ROOM_NAME, ZT_Q_ROOM_UUID, ZT_Q_ROOM_JOIN, ZT_Q_ROOM_LEAVE,
        ZT_Q_ROOM_DURATION, ZT_Q_CAM_ON, ZT_Q_CAM_OFF, -1, ZT_Q_NEXT_ROOM,
        ZT_Q_JOIN_KNOWN, ZT_Q_CAM_STATUS
    };

    for (i = 0; i < ZT_REPORT_NCOLS; i++) {
        q = src[i];
        buf[i][0] = '\0';
        cells[i] = buf[i];
        null[i] = q < 0 || sqlite3_column_type(stmt, q) == SQLITE_NULL;

        if (null[i]) {
            continue;
        }

        switch (q) {

        case ZT_Q_JOIN:
        case ZT_Q_LEAVE:
        case ZT_Q_ROOM_JOIN:
        case ZT_Q_ROOM_LEAVE:
            if (zt_time_format_tz(sqlite3_column_int64(stmt, q), ctx->tz,
                                  "%Y-%m-%d %H:%M:%S", buf[i], sizeof(buf[i]))
                != ZT_OK)
            {
                return ZT_ERROR;
            }
            break;

        case ZT_Q_DURATION:
        case ZT_Q_ROOM_DURATION:
            zt_report_fmt_mins(sqlite3_column_int64(stmt, q), buf[i],
                               sizeof(buf[i]));
            break;

        case ZT_Q_CAM_ON:
        case ZT_Q_CAM_OFF:
            zt_report_fmt_mins(sqlite3_column_int64(stmt, q) * 60000, buf[i],
                               sizeof(buf[i]));
            break;

        case ZT_Q_ROOM_NUMBER:
            snprintf(buf[i], sizeof(buf[i]), "%lld",
                     (long long) sqlite3_column_int64(stmt, q));
            break;

        case ZT_Q_JOIN_KNOWN:
            cells[i] = sqlite3_column_int(stmt, q) ? "true" : "false";
            break;

        default:
            s = (const char *) sqlite3_column_text(stmt, q);
            cells[i] = s ? s : "";
            break;
        }
    }

    if (!null[ZT_COL_CAM_ON] && !null[ZT_COL_CAM_OFF]) {
        zt_report_fmt_pct(sqlite3_column_int64(stmt, ZT_Q_CAM_ON),
                          sqlite3_column_int64(stmt, ZT_Q_CAM_OFF),
                          buf[ZT_COL_CAM_PCT], sizeof(buf[ZT_COL_CAM_PCT]));
        null[ZT_COL_CAM_PCT] = buf[ZT_COL_CAM_PCT][0] == '\0';
    }

    if (zt_strset_add(&ctx->people,
                      (const char *) sqlite3_column_text(stmt,
                                                         ZT_Q_PERSON_KEY),
                      NULL)
        != ZT_OK
        || zt_strset_add(&ctx->meetings, cells[ZT_COL_MEETING_UUID], NULL)
           != ZT_OK
        || (!null[ZT_COL_ROOM_UUID]
            && zt_strset_add(&ctx->rooms, cells[ZT_COL_MEETING_UUID],
                             cells[ZT_COL_ROOM_UUID])
               != ZT_OK))
    {
        return ZT_ERROR;
    }

    ctx->rows++;

    if (ctx->format == ZT_REPORT_JSON) {
        return zt_report_json_row(ctx->f, cells, null, ctx->rows);
    }

    return zt_csv_row(ctx->f, cells, ZT_REPORT_NCOLS);
}


/* one object per line; NULL cells are null, numbers and booleans bare */
static int
zt_report_json_row(FILE *f, const char *const *cells, const int *null,
    uint64_t n)
{
    int  i;

    fputs(n > 1 ? ",\n{" : "\n{", f);

    for (i = 0; i < ZT_REPORT_NCOLS; i++) {
        fprintf(f, "%s\"%s\":", i ? "," : "", zt_report_columns[i]);

        if (null[i]) {
            fputs("null", f);

        } else if (zt_report_json_types[i] == ZT_JS_STR) {
            zt_report_json_str(f, cells[i]);

        } else {
            fputs(cells[i], f);
        }
    }

    fputs("}", f);

    return ferror(f) ? ZT_ERROR : ZT_OK;
}


/* bytes >= 0x80 pass through: names come from JSON payloads (UTF-8) */
static void
zt_report_json_str(FILE *f, const char *s)
{
    unsigned char  c;

    fputc('"', f);

    for ( /* void */ ; *s; s++) {
        c = (unsigned char) *s;

        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc(c, f);

        } else if (c == '\n') {
            fputs("\\n", f);

        } else if (c == '\r') {
            fputs("\\r", f);

        } else if (c == '\t') {
            fputs("\\t", f);

        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", c);

        } else {
            fputc(c, f);
        }
    }

    fputc('"', f);
}


void
zt_report_fmt_mins(int64_t ms, char *out, size_t outlen)
{
    int64_t  q;

    /* hundredths of a minute, half away from zero */
    q = ms >= 0 ? (ms * 100 + 30000) / 60000 : -((-ms * 100 + 30000) / 60000);

    snprintf(out, outlen, "%s%" PRId64 ".%02" PRId64, q < 0 ? "-" : "",
             (q < 0 ? -q : q) / 100, (q < 0 ? -q : q) % 100);
}


void
zt_report_fmt_pct(int64_t on, int64_t off, char *out, size_t outlen)
{
    int64_t  q, total;

    total = on + off;

    if (total <= 0 || on < 0 || off < 0) {
        out[0] = '\0';
        return;
    }

    /* tenths of a percent, half up */
    q = (on * 2000 + total) / (2 * total);

    snprintf(out, outlen, "%" PRId64 ".%" PRId64, q / 10, q % 10);
}


/* adds "a\nb" (or a); the set is sorted and counted at the end */
static int
zt_strset_add(zt_strset_t *set, const char *a, const char *b)
{
    char    *s, **v;
    size_t   la, lb, cap;

    if (a == NULL) {
        a = "";
    }

    if (set->n && strcmp(set->v[set->n - 1], a) == 0 && b == NULL) {
        return ZT_OK;   /* rows come grouped: skip the common repeat */
    }

    if (set->n == set->cap) {
        cap = set->cap ? set->cap * 2 : 64;
        v = realloc(set->v, cap * sizeof(char *));
        if (v == NULL) {
            return ZT_ERROR;
        }
        set->v = v;
        set->cap = cap;
    }

    la = strlen(a);
    lb = b ? strlen(b) + 1 : 0;

    s = malloc(la + lb + 1);
    if (s == NULL) {
        return ZT_ERROR;
    }

    memcpy(s, a, la);
    if (b) {
        s[la] = '\n';
        memcpy(s + la + 1, b, lb - 1);
    }
    s[la + lb] = '\0';

    set->v[set->n++] = s;

    return ZT_OK;
}


static int
zt_strset_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}


static size_t
zt_strset_count(zt_strset_t *set)
{
    size_t  i, n;

    if (set->n == 0) {
        return 0;
    }

    qsort(set->v, set->n, sizeof(char *), zt_strset_cmp);

    for (i = 1, n = 1; i < set->n; i++) {
        if (strcmp(set->v[i], set->v[i - 1]) != 0) {
            n++;
        }
    }

    return n;
}


static void
zt_strset_free(zt_strset_t *set)
{
    size_t  i;

    for (i = 0; i < set->n; i++) {
        free(set->v[i]);
    }

    free(set->v);
}
