/*
 * zt_report: `zoomtrack report`, the daily room-journey report.  The
 * presence logic is zt_presence (the same fold as the live status); this
 * module reads a day's events through a warehouse (zt_warehouse.h), folds
 * them, joins room names and camera minutes, and builds the rows
 * (zt_report_build); writers turn the rows into CSV or JSON, and the rows
 * are stored in the warehouse's daily_reports table.
 */

#ifndef ZT_REPORT_H
#define ZT_REPORT_H


#include <stdint.h>
#include <stdio.h>

#include "zt_presence.h"
#include "zt_warehouse.h"


#define ZT_REPORT_NCOLS  25


/* the report's columns, in file order */
extern const char  *const zt_report_columns[ZT_REPORT_NCOLS];


/* one report row: formatted cells, and what it was made from */
typedef struct {
    const char                *cells[ZT_REPORT_NCOLS];  /* NULL = empty */
    const zt_journey_t        *journey;  /* the person's whole journey;
                                            NULL: on the roster, absent */
    const zt_journey_visit_t  *visit;    /* NULL: no room visit that day */
    int64_t                    ms[4];    /* meeting join, leave, room join,
                                            leave (0: none), as in cells */
} zt_report_row_t;


/*
 * A built report.  Rows are in file order (meeting start, meeting uuid,
 * name, person key, room number).  Everything is owned by the report:
 * zt_report_free() frees it.
 */
typedef struct {
    zt_report_row_t  *rows;
    size_t            nrows;
    zt_journey_t     *journeys;
    size_t            njourneys;
    size_t            people;      /* distinct person keys with a row */
    size_t            rooms;       /* distinct (meeting, room) with a row */
    size_t            meetings;    /* distinct meeting instances */
    void             *pool;        /* private: the cells' memory */
} zt_report_t;


/*
 * Reads q's day from the warehouse, folds and builds the rows; tz
 * formats the times.  Returns ZT_OK, or ZT_ERROR with a message in err.
 */
int zt_report_build(const zt_warehouse_ops_t *ops, void *wh,
    const zt_wh_query_t *q, const char *tz, zt_report_t *r, char *err,
    size_t errlen);
void zt_report_free(zt_report_t *r);

/* writers: header + rows (CSV, zt_csv_row) or an array of objects */
int zt_report_write_csv(const zt_report_t *r, FILE *f);
int zt_report_write_json(const zt_report_t *r, FILE *f);

/*
 * With [report] bucket set: uploads the file at path to
 * gs://BUCKET/reports/<name>, name being the report's local file name
 * (DAILY_REPORT_<date>.csv, or DAILY_REPORT_<date>_<meeting>.csv for
 * one meeting).  ZT_OK (also when no bucket is set) or ZT_ERROR (message
 * printed).  zt_report_gcs.c.
 */
int zt_report_upload(const zt_conf_t *conf, const char *path,
    const char *name, const char *content_type);

/* ms -> minutes with 2 decimals, rounded half up: "12.35"; out >= 32 */
void zt_report_fmt_mins(int64_t ms, char *out, size_t outlen);

/* on / (on + off) * 100 with 1 decimal, rounded half up; "" if none */
void zt_report_fmt_pct(int64_t on, int64_t off, char *out, size_t outlen);


#endif /* ZT_REPORT_H */
