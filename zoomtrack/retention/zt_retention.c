/*
 * zt_retention: pruning by local date (rules in zt_retention.h).
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zt_core.h"
#include "zt_time.h"
#include "zt_retention.h"


static int zt_prune_dir_files(const char *path, int dry_run,
    zt_prune_count_t *c);
static int zt_prune_exec(sqlite3 *db, const char *sql, const char *arg,
    int64_t num, int dry_run, uint64_t *rows);


int
zt_retention_cutoff(const char *tz, int64_t now_ms, int64_t days, char *out)
{
    int        y, m, d;
    char       today[16];
    time_t     t;
    struct tm  tm;

    if (zt_time_local_date(now_ms, tz, today) != ZT_OK
        || sscanf(today, "%d-%d-%d", &y, &m, &d) != 3)
    {
        return ZT_ERROR;
    }

    /* calendar arithmetic at noon UTC: no zone or DST can shift the day */
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d - (int) days;
    tm.tm_hour = 12;

    t = timegm(&tm);
    if (t == (time_t) -1 || gmtime_r(&t, &tm) == NULL) {
        return ZT_ERROR;
    }

    if (strftime(out, 11, "%Y-%m-%d", &tm) != 10) {
        return ZT_ERROR;
    }

    return ZT_OK;
}


int
zt_retention_is_date(const char *s, size_t len)
{
    size_t  i;

    if (len != 10 || s[4] != '-' || s[7] != '-') {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) {
            return 0;
        }
    }

    return 1;
}


int
zt_prune_archive_dir(const char *dir, const char *cutoff, int dry_run,
    zt_prune_count_t *c)
{
    int             rc;
    DIR            *d;
    char            path[4096];
    struct dirent  *de;

    d = opendir(dir);
    if (d == NULL) {
        if (errno == ENOENT) {
            return ZT_OK;                   /* nothing archived yet */
        }
        fprintf(stderr, "zoomtrack prune: cannot read \"%s\": %s\n", dir,
                strerror(errno));
        return ZT_ERROR;
    }

    rc = ZT_OK;

    while ((de = readdir(d)) != NULL) {
        if (!zt_retention_is_date(de->d_name, strlen(de->d_name))
            || strcmp(de->d_name, cutoff) >= 0)
        {
            continue;
        }

        if ((size_t) snprintf(path, sizeof(path), "%s/%s", dir, de->d_name)
            >= sizeof(path))
        {
            rc = ZT_ERROR;
            continue;
        }

        if (zt_prune_dir_files(path, dry_run, c) != ZT_OK) {
            rc = ZT_ERROR;
            continue;
        }

        c->days++;

        if (!dry_run && rmdir(path) != 0 && errno != ENOENT) {
            fprintf(stderr, "zoomtrack prune: cannot remove \"%s\": %s\n",
                    path, strerror(errno));
            rc = ZT_ERROR;
        }
    }

    closedir(d);

    return rc;
}


int
zt_prune_report_files(const char *dir, const char *cutoff, int dry_run,
    zt_prune_count_t *c)
{
    int             rc;
    DIR            *d;
    char            path[4096];
    const char     *date;
    struct dirent  *de;

    static const char  *prefixes[] = { "DAILY_REPORT_", "ATTENDANCE_" };
    size_t              i, n, k;

    d = opendir(dir);
    if (d == NULL) {
        return errno == ENOENT ? ZT_OK : ZT_ERROR;
    }

    rc = ZT_OK;

    while ((de = readdir(d)) != NULL) {
        date = NULL;
        k = 0;

        for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
            n = strlen(prefixes[i]);
            if (strncmp(de->d_name, prefixes[i], n) == 0) {
                date = de->d_name + n;
                k = i;
            }
        }

        /*
         * ATTENDANCE_<from>_<to>: its last date decides;
         * DAILY_REPORT_<D>_<meeting> (report --meeting): its date
         */
        if (date && k == 1 && strlen(date) >= 21 && date[10] == '_') {
            date += 11;
        }

        if (date == NULL || strlen(date) < 10
            || !zt_retention_is_date(date, 10)
            || strncmp(date, cutoff, 10) >= 0)
        {
            continue;
        }

        if ((size_t) snprintf(path, sizeof(path), "%s/%s", dir, de->d_name)
            >= sizeof(path))
        {
            rc = ZT_ERROR;
            continue;
        }

        if (!dry_run && unlink(path) != 0 && errno != ENOENT) {
            fprintf(stderr, "zoomtrack prune: cannot remove \"%s\": %s\n",
                    path, strerror(errno));
            rc = ZT_ERROR;
            continue;
        }

        c->files++;
    }

    closedir(d);

    return rc;
}


int
zt_prune_sqlite(sqlite3 *db, const char *tz, const char *warehouse_cutoff,
    const char *reports_cutoff, int dry_run, zt_prune_count_t *wh,
    zt_prune_count_t *rep)
{
    int      rc;
    int64_t  start, end;

    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "zoomtrack prune: warehouse: %s\n",
                sqlite3_errmsg(db));
        return ZT_ERROR;
    }

    rc = ZT_OK;

    if (warehouse_cutoff) {
        /* camera minutes by their own time: the cutoff day's first ms */
        if (zt_time_day_bounds(warehouse_cutoff, tz, &start, &end)
            != ZT_OK)
        {
            start = 0;
        }

        rc = zt_prune_exec(db, "raw_events WHERE event_date < ?1",
                           warehouse_cutoff, 0, dry_run, &wh->rows);

        if (rc == ZT_OK) {
            rc = zt_prune_exec(db, "camera_minutes WHERE minute_ts < ?2",
                               NULL, start, dry_run, &wh->rows);
        }

        if (rc == ZT_OK) {
            /* no kept event or minute refers to it: by the cutoffs, so
             * a dry run counts what the deletes above would orphan */
            rc = zt_prune_exec(db, "camera_fetches WHERE NOT EXISTS "
                               "(SELECT 1 FROM raw_events r WHERE "
                               "r.meeting_uuid = camera_fetches.meeting_uuid"
                               " AND r.event_date >= ?1)"
                               " AND NOT EXISTS (SELECT 1 FROM camera_minutes"
                               " m WHERE m.meeting_uuid = "
                               "camera_fetches.meeting_uuid"
                               " AND m.minute_ts >= ?2)",
                               warehouse_cutoff, start, dry_run, &wh->rows);
        }
    }

    if (rc == ZT_OK && reports_cutoff) {
        rc = zt_prune_exec(db, "daily_reports WHERE report_date < ?1",
                           reports_cutoff, 0, dry_run, &rep->rows);
    }

    if (sqlite3_exec(db, rc == ZT_OK && !dry_run ? "COMMIT" : "ROLLBACK",
                     NULL, NULL, NULL)
        != SQLITE_OK)
    {
        rc = ZT_ERROR;
    }

    if (rc != ZT_OK) {
        fprintf(stderr, "zoomtrack prune: warehouse: %s\n",
                sqlite3_errmsg(db));
    }

    return rc;
}


/* "DELETE FROM <what>" (or, dry, the count of it); ?1 text, ?2 integer */
static int
zt_prune_exec(sqlite3 *db, const char *what, const char *arg, int64_t num,
    int dry_run, uint64_t *rows)
{
    int            rc;
    char           sql[1024];
    sqlite3_stmt  *st;

    snprintf(sql, sizeof(sql), "%s %s", dry_run ? "SELECT count(*) FROM"
                                                : "DELETE FROM", what);

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        return ZT_ERROR;
    }

    if (arg && sqlite3_bind_parameter_index(st, "?1") > 0) {
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    }

    if (sqlite3_bind_parameter_index(st, "?2") > 0) {
        sqlite3_bind_int64(st, 2, num);
    }

    rc = sqlite3_step(st);

    if (dry_run && rc == SQLITE_ROW) {
        *rows += (uint64_t) sqlite3_column_int64(st, 0);
        rc = SQLITE_DONE;

    } else if (rc == SQLITE_DONE) {
        *rows += (uint64_t) sqlite3_changes(db);
    }

    sqlite3_finalize(st);

    return rc == SQLITE_DONE ? ZT_OK : ZT_ERROR;
}


/* removes every file of a day folder */
static int
zt_prune_dir_files(const char *path, int dry_run, zt_prune_count_t *c)
{
    int             rc;
    DIR            *d;
    char            file[4096];
    struct dirent  *de;

    d = opendir(path);
    if (d == NULL) {
        fprintf(stderr, "zoomtrack prune: cannot read \"%s\": %s\n", path,
                strerror(errno));
        return ZT_ERROR;
    }

    rc = ZT_OK;

    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }

        if ((size_t) snprintf(file, sizeof(file), "%s/%s", path, de->d_name)
            >= sizeof(file))
        {
            rc = ZT_ERROR;
            continue;
        }

        if (!dry_run && unlink(file) != 0 && errno != ENOENT) {
            fprintf(stderr, "zoomtrack prune: cannot remove \"%s\": %s\n",
                    file, strerror(errno));
            rc = ZT_ERROR;
            continue;
        }

        c->files++;
    }

    closedir(d);

    return rc;
}
