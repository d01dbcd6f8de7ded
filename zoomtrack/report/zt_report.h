/*
 * zt_report: `zoomtrack report`, the daily room-journey report.  The logic
 * (presence, room visits, names, camera minutes) is sql/sqlite/
 * daily_report.sql, which returns ms values; this file computes the local
 * day bounds, runs it, formats times in the configured time zone and writes
 * CSV (zt_csv_row) or JSON.
 */

#ifndef ZT_REPORT_H
#define ZT_REPORT_H


#include <stdint.h>


#define ZT_REPORT_NCOLS  20


/* the report's columns, in file order */
extern const char  *const zt_report_columns[ZT_REPORT_NCOLS];

/* ms -> minutes with 2 decimals, rounded half up: "12.35"; out >= 32 */
void zt_report_fmt_mins(int64_t ms, char *out, size_t outlen);

/* on / (on + off) * 100 with 1 decimal, rounded half up; "" if none */
void zt_report_fmt_pct(int64_t on, int64_t off, char *out, size_t outlen);


#endif /* ZT_REPORT_H */
