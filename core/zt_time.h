/*
 * Time helpers: RFC 3339 in UTC, Zoom's ISO 8601 times, and local wall-clock
 * formatting in a named IANA time zone.
 */

#ifndef ZT_TIME_H
#define ZT_TIME_H


#include "zt_core.h"


#define ZT_RFC3339_LEN  24            /* 2021-07-13T21:44:51.572Z */


/* "YYYY-MM-DDTHH:MM:SS.mmmZ"; out needs ZT_RFC3339_LEN + 1 bytes */
void zt_time_rfc3339(int64_t ms, char *out);

/* parses "YYYY-MM-DDTHH:MM:SS[.fff]Z"; returns ms or -1 */
int64_t zt_time_parse_iso(const char *s);

/*
 * Formats ms in time zone tz (e.g. "Europe/Istanbul"; NULL or "" = UTC)
 * with strftime fmt.  Switches the process TZ when tz differs from the last
 * call, so it is not thread-safe.  Returns ZT_OK or ZT_ERROR.
 */
int zt_time_format_tz(int64_t ms, const char *tz, const char *fmt, char *out,
    size_t outlen);

/* the local date "YYYY-MM-DD" of ms in tz; out needs 11 bytes */
int zt_time_local_date(int64_t ms, const char *tz, char *out);

/*
 * [start, end) in ms of the local day "YYYY-MM-DD" in tz, correct across
 * DST changes.  Returns ZT_OK or ZT_ERROR for a malformed date.
 */
int zt_time_day_bounds(const char *date, const char *tz, int64_t *start,
    int64_t *end);

int64_t zt_time_now_ms(void);

/* ms on CLOCK_MONOTONIC: for deadlines and backoff, which the wall clock
 * stepping must not stretch or cut short */
int64_t zt_time_monotonic_ms(void);

/*
 * Whether ms is a plausible event time in ms since the epoch: from
 * 2000-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z.  Below it are values in
 * seconds (or junk), above it microseconds and what RFC 3339 cannot write.
 */
#define ZT_TIME_MIN_MS  946684800000LL
#define ZT_TIME_MAX_MS  253402300799999LL

int zt_time_plausible_ms(int64_t ms);


#endif /* ZT_TIME_H */
