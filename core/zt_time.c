/*
 * Time helpers.  Zoom sends event_ts in ms and participant times as ISO 8601
 * UTC; people read local wall-clock times.  Local conversions go through the
 * C library's zoneinfo support (TZ + localtime_r/mktime), so any IANA zone
 * installed under /usr/share/zoneinfo works, DST included.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>

#include "zt_time.h"


/* days since 1970-01-01 to a civil date (Howard Hinnant's algorithm) */
static void
zt_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    int64_t  era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;

    *d = (int) (doy - (153 * mp + 2) / 5 + 1);
    *m = (int) (mp < 10 ? mp + 3 : mp - 9);
    *y = (int) (yoe + era * 400 + (*m <= 2));
}


static void
zt_put2(char *p, int v)
{
    p[0] = (char) ('0' + v / 10);
    p[1] = (char) ('0' + v % 10);
}


/* called twice per webhook request: no strftime, no time zone lookups */
void
zt_time_rfc3339(int64_t ms, char *out)
{
    int      y, mo, d;
    int64_t  days, rem;

    days = ms / 86400000;
    rem = ms % 86400000;
    if (rem < 0) {
        rem += 86400000;
        days--;
    }

    zt_civil_from_days(days, &y, &mo, &d);

    if (y < 0 || y > 9999) {
        /* outside what RFC 3339 can write */
        strcpy(out, y < 0 ? "0000-01-01T00:00:00.000Z"
                          : "9999-12-31T23:59:59.999Z");
        return;
    }

    out[0] = (char) ('0' + y / 1000);
    out[1] = (char) ('0' + y / 100 % 10);
    zt_put2(out + 2, y % 100);
    out[4] = '-';
    zt_put2(out + 5, mo);
    out[7] = '-';
    zt_put2(out + 8, d);
    out[10] = 'T';
    zt_put2(out + 11, (int) (rem / 3600000));
    out[13] = ':';
    zt_put2(out + 14, (int) (rem / 60000 % 60));
    out[16] = ':';
    zt_put2(out + 17, (int) (rem / 1000 % 60));
    out[19] = '.';
    out[20] = (char) ('0' + rem % 1000 / 100);
    zt_put2(out + 21, (int) (rem % 100));
    out[23] = 'Z';
    out[24] = '\0';
}


static int
zt_digits(const char *s, int n, int *out)
{
    int  i, v;

    v = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }

    *out = v;
    return 0;
}


int64_t
zt_time_parse_iso(const char *s)
{
    int        y, mo, d, h, mi, sec, ms, n;
    time_t     t;
    struct tm  tm;

    if (s == NULL || strlen(s) < 20
        || zt_digits(s, 4, &y) || s[4] != '-'
        || zt_digits(s + 5, 2, &mo) || s[7] != '-'
        || zt_digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != ' ')
        || zt_digits(s + 11, 2, &h) || s[13] != ':'
        || zt_digits(s + 14, 2, &mi) || s[16] != ':'
        || zt_digits(s + 17, 2, &sec))
    {
        return -1;
    }

    s += 19;
    ms = 0;

    if (*s == '.') {
        s++;
        for (n = 0; *s >= '0' && *s <= '9'; s++, n++) {
            if (n < 3) {
                ms = ms * 10 + (*s - '0');
            }
        }
        if (n == 0) {
            return -1;
        }
        for (; n < 3; n++) {
            ms *= 10;
        }
    }

    if (strcmp(s, "Z") != 0 && strcmp(s, "+00:00") != 0) {
        return -1;
    }

    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59
        || sec > 60)
    {
        return -1;
    }

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;

    t = timegm(&tm);

    /* timegm normalises 2026-02-31 into March: refuse such dates */
    if (gmtime_r(&t, &tm) == NULL || tm.tm_mday != d) {
        return -1;
    }

    return (int64_t) t * 1000 + ms;
}


/* makes tz the process time zone; a no-op when it already is */
static int
zt_time_use_tz(const char *tz)
{
    static char  current[256] = "\x01";
    char         path[300];
    FILE        *f;

    if (tz == NULL || tz[0] == '\0') {
        tz = "UTC";
    }

    if (strcmp(tz, current) == 0) {
        return ZT_OK;
    }

    if (strlen(tz) >= sizeof(current) || strstr(tz, "..")) {
        return ZT_ERROR;
    }

    /* glibc silently falls back to UTC for an unknown zone: refuse it */
    if (strcmp(tz, "UTC") != 0) {
        snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
        f = fopen(path, "r");
        if (f == NULL) {
            return ZT_ERROR;
        }
        fclose(f);
    }

    if (setenv("TZ", tz, 1) != 0) {
        return ZT_ERROR;
    }

    tzset();
    strcpy(current, tz);

    return ZT_OK;
}


int
zt_time_format_tz(int64_t ms, const char *tz, const char *fmt, char *out,
    size_t outlen)
{
    time_t     sec;
    struct tm  tm;

    if (zt_time_use_tz(tz) != ZT_OK) {
        return ZT_ERROR;
    }

    sec = (time_t) (ms >= 0 ? ms / 1000 : (ms - 999) / 1000);

    if (localtime_r(&sec, &tm) == NULL) {
        return ZT_ERROR;
    }

    if (strftime(out, outlen, fmt, &tm) == 0) {
        return ZT_ERROR;
    }

    return ZT_OK;
}


int
zt_time_local_date(int64_t ms, const char *tz, char *out)
{
    return zt_time_format_tz(ms, tz, "%Y-%m-%d", out, 11);
}


/* the first instant (s) whose local date is y-m-d, assuming it exists */
static int
zt_time_local_midnight(int y, int m, int d, int64_t *out)
{
    time_t     t;
    struct tm  tm;

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_isdst = -1;

    t = mktime(&tm);
    if (t == (time_t) -1) {
        return ZT_ERROR;
    }

    /*
     * where midnight does not exist (a DST jump at 00:00) mktime moves
     * forward; where it is ambiguous it may pick the later one: step back
     * an hour at a time while the local date is still d
     */
    for ( ;; ) {
        time_t     prev = t - 3600;
        struct tm  p;

        localtime_r(&prev, &p);
        if (p.tm_mday != d || p.tm_mon != m - 1) {
            break;
        }
        t = prev;
    }

    *out = (int64_t) t;
    return ZT_OK;
}


int
zt_time_day_bounds(const char *date, const char *tz, int64_t *start,
    int64_t *end)
{
    int        y, m, d;
    int64_t    s, e;
    time_t     t;
    struct tm  tm;

    if (date == NULL || strlen(date) != 10
        || zt_digits(date, 4, &y) || date[4] != '-'
        || zt_digits(date + 5, 2, &m) || date[7] != '-'
        || zt_digits(date + 8, 2, &d)
        || m < 1 || m > 12 || d < 1 || d > 31)
    {
        return ZT_ERROR;
    }

    /* reject dates like 2026-02-30 that mktime would normalise */
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = 12;
    t = timegm(&tm);
    gmtime_r(&t, &tm);
    if (tm.tm_mday != d) {
        return ZT_ERROR;
    }

    if (zt_time_use_tz(tz) != ZT_OK) {
        return ZT_ERROR;
    }

    if (zt_time_local_midnight(y, m, d, &s) != ZT_OK) {
        return ZT_ERROR;
    }

    /* the next day's midnight: mktime normalises day 32 and the like */
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d + 1;
    tm.tm_hour = 12;
    t = timegm(&tm);
    gmtime_r(&t, &tm);

    if (zt_time_local_midnight(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                               &e) != ZT_OK)
    {
        return ZT_ERROR;
    }

    *start = s * 1000;
    *end = e * 1000;

    return ZT_OK;
}


int64_t
zt_time_now_ms(void)
{
    struct timeval  tv;

    gettimeofday(&tv, NULL);
    return (int64_t) tv.tv_sec * 1000 + tv.tv_usec / 1000;
}


int64_t
zt_time_monotonic_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


int
zt_time_plausible_ms(int64_t ms)
{
    return ms >= ZT_TIME_MIN_MS && ms <= ZT_TIME_MAX_MS;
}
