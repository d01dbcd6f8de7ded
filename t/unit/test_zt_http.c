/*
 * Unit tests of zoomtrack/lib/zt_http.c: status classification (STYLE.md 3.5),
 * Retry-After parsing (delta seconds, HTTP-date in its three forms, ISO
 * 8601 as Zoom sends it, junk) and the capped exponential backoff bounds.
 */

#include <stdio.h>
#include <string.h>

#include "zt_http.h"
#include "tap.h"


/* 2020-05-31T00:00:00Z */
#define T0  1590883200000LL


static void
test_classify(void)
{
    is_int(zt_http_classify(200), ZT_OK, "200 is ok");
    is_int(zt_http_classify(204), ZT_OK, "204 is ok");
    is_int(zt_http_classify(299), ZT_OK, "299 is ok");
    is_int(zt_http_classify(400), ZT_ERROR, "400 is an error");
    is_int(zt_http_classify(401), ZT_ERROR, "401 is an error");
    is_int(zt_http_classify(403), ZT_ERROR, "403 is an error");
    is_int(zt_http_classify(404), ZT_ERROR, "404 is an error");
    is_int(zt_http_classify(408), ZT_RETRY, "408 is retried");
    is_int(zt_http_classify(429), ZT_RETRY, "429 is retried");
    is_int(zt_http_classify(499), ZT_ERROR, "499 is an error");
    is_int(zt_http_classify(500), ZT_RETRY, "500 is retried");
    is_int(zt_http_classify(503), ZT_RETRY, "503 is retried");
    is_int(zt_http_classify(0), ZT_RETRY, "transport error is retried");
    is_int(zt_http_classify(302), ZT_RETRY, "unexpected 3xx is retried");
}


static void
test_retry_after(void)
{
    int64_t  d;

    d = -1;
    is_int(zt_http_retry_after("2", T0, &d), ZT_OK, "seconds parse");
    is_int(d, 2000, "2 s");

    d = -1;
    is_int(zt_http_retry_after(" 0 ", T0, &d), ZT_OK, "0 with spaces");
    is_int(d, 0, "0 s");

    is_int(zt_http_retry_after("120", T0, &d), ZT_OK, "120 parses");
    is_int(d, 120000, "120 s");

    is_int(zt_http_retry_after("Sun, 31 May 2020 00:00:05 GMT", T0, &d),
           ZT_OK, "IMF-fixdate parses");
    is_int(d, 5000, "IMF-fixdate 5 s ahead");

    is_int(zt_http_retry_after("Sunday, 31-May-20 00:01:00 GMT", T0, &d),
           ZT_OK, "RFC 850 date parses");
    is_int(d, 60000, "RFC 850 date 60 s ahead");

    is_int(zt_http_retry_after("Sun May 31 00:00:03 2020", T0, &d),
           ZT_OK, "asctime date parses");
    is_int(d, 3000, "asctime 3 s ahead");

    is_int(zt_http_retry_after("2020-05-31T00:00:10Z", T0, &d), ZT_OK,
           "ISO 8601 parses (Zoom's documented form)");
    is_int(d, 10000, "ISO 10 s ahead");

    is_int(zt_http_retry_after("2020-05-31T00:00:01.500Z", T0, &d), ZT_OK,
           "ISO with ms parses");
    is_int(d, 1500, "ISO 1.5 s ahead");

    is_int(zt_http_retry_after("2020-05-30T23:59:00Z", T0, &d), ZT_OK,
           "ISO in the past parses");
    is_int(d, 0, "a past date means no wait");

    is_int(zt_http_retry_after("Sat, 30 May 2020 00:00:00 GMT", T0, &d),
           ZT_OK, "HTTP-date in the past parses");
    is_int(d, 0, "a past HTTP-date means no wait");

    is_int(zt_http_retry_after("", T0, &d), ZT_DECLINED, "empty declined");
    is_int(zt_http_retry_after("soon", T0, &d), ZT_DECLINED,
           "junk declined");
    is_int(zt_http_retry_after("-5", T0, &d), ZT_DECLINED,
           "negative declined");
    is_int(zt_http_retry_after("1.5", T0, &d), ZT_DECLINED,
           "fractional seconds declined");
    is_int(zt_http_retry_after("99999999999", T0, &d), ZT_DECLINED,
           "absurd seconds declined");
    is_int(zt_http_retry_after("2020-13-45T00:00:00Z", T0, &d), ZT_DECLINED,
           "bad ISO date declined");
}


static void
test_backoff(void)
{
    int      a, bad;
    double   r;
    int64_t  d, cap;

    is_int(zt_http_backoff_ms(0, 500, 30000, 0.0), 250, "attempt 0 low");
    is_int(zt_http_backoff_ms(0, 500, 30000, 0.999999), 499,
           "attempt 0 high");
    is_int(zt_http_backoff_ms(1, 500, 30000, 0.0), 500, "attempt 1 low");
    is_int(zt_http_backoff_ms(3, 500, 30000, 0.0), 2000, "attempt 3 low");
    is_int(zt_http_backoff_ms(20, 500, 30000, 0.0), 15000,
           "capped: low end is cap/2");
    is_int(zt_http_backoff_ms(62, 500, 30000, 0.5), 22500,
           "huge attempt stays capped");
    is_int(zt_http_backoff_ms(-3, 500, 30000, 0.0), 250,
           "negative attempt is attempt 0");

    bad = 0;
    for (a = 0; a < 12; a++) {
        cap = 500LL << a;
        if (cap > 30000) {
            cap = 30000;
        }
        for (r = 0; r < 1; r += 0.01) {
            d = zt_http_backoff_ms(a, 500, 30000, r);
            if (d < cap / 2 || d > cap) {
                bad++;
            }
        }
    }
    is_int(bad, 0, "backoff always within [d/2, d]");
}


int
main(void)
{
    test_classify();
    test_retry_after();
    test_backoff();

    return done_testing();
}
