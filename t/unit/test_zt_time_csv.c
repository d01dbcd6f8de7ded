/*
 * Unit tests of core/zt_time.c (RFC 3339, ISO parsing, local dates and day
 * bounds across DST and midnight) and core/zt_csv.c (quoting and
 * formula-injection neutralisation).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zt_time.h"
#include "zt_csv.h"
#include "tap.h"


static void
test_time(void)
{
    char     buf[64];
    int64_t  s, e;

    zt_time_rfc3339(1626230691572LL, buf);
    is_str(buf, "2021-07-14T02:44:51.572Z", "rfc3339 with ms");
    zt_time_rfc3339(0, buf);
    is_str(buf, "1970-01-01T00:00:00.000Z", "epoch");
    zt_time_rfc3339(951782400007LL, buf);
    is_str(buf, "2000-02-29T00:00:00.007Z", "leap day of a century year");
    zt_time_rfc3339(4107542399999LL, buf);
    is_str(buf, "2100-02-28T23:59:59.999Z", "2100 is not a leap year");
    zt_time_rfc3339(-1, buf);
    is_str(buf, "1969-12-31T23:59:59.999Z", "before the epoch");
    {
        /* against gmtime_r over a spread of instants */
        int        k, bad = 0;
        char       want[32];
        time_t     t;
        struct tm  tm;

        for (k = 0; k < 20000; k++) {
            t = (time_t) k * 7919 * 37 + 12345;     /* to 2155 */
            gmtime_r(&t, &tm);
            strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S.000Z", &tm);
            zt_time_rfc3339((int64_t) t * 1000, buf);
            bad += strcmp(buf, want) != 0;
        }
        is_int(bad, 0, "rfc3339 agrees with gmtime_r on 20000 instants");
    }

    is_int(zt_time_parse_iso("2021-07-13T21:44:51Z"), 1626212691000LL,
           "ISO seconds");
    is_int(zt_time_parse_iso("2021-07-13T21:44:51.5Z"), 1626212691500LL,
           "ISO fraction");
    is_int(zt_time_parse_iso("2021-07-13T21:44:51+00:00"), 1626212691000LL,
           "ISO +00:00");
    is_int(zt_time_parse_iso("2021-07-13 21:44"), -1, "truncated rejected");
    is_int(zt_time_parse_iso("2021-13-13T21:44:51Z"), -1, "month 13");
    is_int(zt_time_parse_iso(NULL), -1, "NULL");
    is_int(zt_time_parse_iso("2026-02-31T10:00:00Z"), -1,
           "impossible date refused, not normalised");

    /* 2026-02-03 21:30 UTC is 2026-02-04 00:30 in Istanbul (UTC+3) */
    ok(zt_time_local_date(1770154200000LL, "Europe/Istanbul", buf) == ZT_OK
       && strcmp(buf, "2026-02-04") == 0, "Istanbul date after midnight");
    ok(zt_time_local_date(1770154200000LL, "UTC", buf) == ZT_OK
       && strcmp(buf, "2026-02-03") == 0, "UTC date");
    zt_time_format_tz(1770154200000LL, "Europe/Istanbul",
                      "%Y-%m-%d %H:%M:%S", buf, sizeof(buf));
    is_str(buf, "2026-02-04 00:30:00", "Istanbul wall clock");
    zt_time_format_tz(1770154200000LL, "", "%H:%M", buf, sizeof(buf));
    is_str(buf, "21:30", "empty zone is UTC");
    is_int(zt_time_format_tz(0, "Mars/Olympus", "%H", buf, sizeof(buf)),
           ZT_ERROR, "unknown zone refused (not silently UTC)");
    is_int(zt_time_format_tz(0, "../../etc/passwd", "%H", buf, sizeof(buf)),
           ZT_ERROR, "path tricks refused");

    ok(zt_time_day_bounds("2026-02-04", "Europe/Istanbul", &s, &e) == ZT_OK,
       "Istanbul day bounds");
    is_int(s, 1770152400000LL, "starts at 21:00 UTC the day before");
    is_int(e - s, 86400000LL, "24 hours");

    /* New York spring forward: 2026-03-08 has 23 hours */
    ok(zt_time_day_bounds("2026-03-08", "America/New_York", &s, &e) == ZT_OK,
       "DST day bounds");
    is_int(e - s, 23 * 3600000LL, "spring-forward day is 23 h");
    zt_time_day_bounds("2026-11-01", "America/New_York", &s, &e);
    is_int(e - s, 25 * 3600000LL, "fall-back day is 25 h");

    /* a zone whose DST starts at midnight: 2014-03-30 Amman? use Havana */
    ok(zt_time_day_bounds("2026-03-08", "America/Havana", &s, &e) == ZT_OK,
       "midnight DST jump handled");
    zt_time_format_tz(s, "America/Havana", "%Y-%m-%d", buf, sizeof(buf));
    is_str(buf, "2026-03-08", "day start is on that date");
    zt_time_format_tz(s - 1000, "America/Havana", "%Y-%m-%d", buf,
                      sizeof(buf));
    is_str(buf, "2026-03-07", "a second earlier is the day before");

    is_int(zt_time_day_bounds("2026-02-30", "UTC", &s, &e), ZT_ERROR,
           "2026-02-30 refused");
    is_int(zt_time_day_bounds("2026-2-3", "UTC", &s, &e), ZT_ERROR,
           "short date refused");
    is_int(zt_time_day_bounds("2026-02-03", "Nowhere/Land", &s, &e),
           ZT_ERROR, "bad zone refused");
    ok(zt_time_now_ms() > 1700000000000LL, "now is plausible");
}


static char *
csv(const char *const *cells, size_t n)
{
    FILE    *f;
    char    *buf = NULL;
    size_t   len = 0;

    f = open_memstream(&buf, &len);
    zt_csv_row(f, cells, n);
    fclose(f);
    return buf;
}


static void
test_csv(void)
{
    char  *out;

    const char  *plain[] = { "Jill Chill", "online", NULL };
    const char  *quotes[] = { "say \"hi\"", "a,b", "line\nbreak" };
    const char  *evil[] = { "=cmd|' /C calc'!A0", "+1-1", "-2+cmd", "@SUM(A1)",
                            "\tx", "\rx", "a=b" };

    out = csv(plain, 3);
    is_str(out, "\"Jill Chill\",\"online\",\"\"\n", "every cell quoted");
    free(out);

    out = csv(quotes, 3);
    is_str(out, "\"say \"\"hi\"\"\",\"a,b\",\"line\nbreak\"\n",
           "quotes doubled, commas and newlines enclosed");
    free(out);

    out = csv(evil, 7);
    is_str(out, "\"'=cmd|' /C calc'!A0\",\"'+1-1\",\"'-2+cmd\","
           "\"'@SUM(A1)\","
           "\"'\tx\",\"'\rx\",\"a=b\"\n",
           "formula starters neutralised, inner = left alone (plain "
           "numbers are not formulas: t/unit/test_zt_csv.c)");
    free(out);
}


int
main(void)
{
    test_time();
    test_csv();
    return done_testing();
}
