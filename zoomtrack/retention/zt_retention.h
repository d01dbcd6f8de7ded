/*
 * zt_retention: what `zoomtrack prune` deletes and how.  Every store keeps
 * data by the event's local date in `timezone` (the archive's day folders,
 * raw_events.event_date, the report's date), so one rule serves them all:
 * with [retention] X_days = N, a date D is deleted when D is before today
 * minus N days (today counts as day 0; N = 0 or empty keeps everything).
 * Each function is idempotent and safe while the drainer runs: it touches
 * only dates the drainer no longer writes, and SQLite deletes are ordinary
 * transactions under the warehouse's busy timeout.
 */

#ifndef ZT_RETENTION_H
#define ZT_RETENTION_H


#include <stdint.h>

#include <sqlite3.h>


typedef struct {
    uint64_t  days;          /* day folders or dates touched */
    uint64_t  files;         /* files removed */
    uint64_t  rows;          /* rows deleted */
    uint64_t  held;          /* rows BigQuery would not delete yet */
} zt_prune_count_t;


/*
 * The first date kept: today (the local date of now_ms in tz) minus days,
 * as YYYY-MM-DD into out (>= 11 bytes).  Returns ZT_OK, or ZT_ERROR for an
 * unknown zone.
 */
int zt_retention_cutoff(const char *tz, int64_t now_ms, int64_t days,
    char *out);

/* 1 when name is a date YYYY-MM-DD (the archive's folder names) */
int zt_retention_is_date(const char *name, size_t len);

/*
 * Removes DIR/D/ for every date folder D < cutoff (files, then the folder);
 * dry_run only counts.  ZT_OK or ZT_ERROR (a message on stderr).
 */
int zt_prune_archive_dir(const char *dir, const char *cutoff, int dry_run,
    zt_prune_count_t *c);

/*
 * Removes DIR/DAILY_REPORT_<D>.*, DAILY_REPORT_<D>_<meeting>.* and
 * ATTENDANCE_* files dated before cutoff.
 */
int zt_prune_report_files(const char *dir, const char *cutoff, int dry_run,
    zt_prune_count_t *c);

/*
 * Deletes the warehouse rows of dates before cutoff: raw_events by
 * event_date, and camera minutes and fetch states of meeting instances
 * with no event left (warehouse_cutoff); daily_reports by report_date
 * (reports_cutoff).  NULL cutoffs skip their tables.  One transaction.
 */
int zt_prune_sqlite(sqlite3 *db, const char *tz, const char *warehouse_cutoff,
    const char *reports_cutoff, int dry_run, zt_prune_count_t *wh,
    zt_prune_count_t *rep);


#endif /* ZT_RETENTION_H */
