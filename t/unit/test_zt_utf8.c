/*
 * Unit tests of core/zt_utf8.c: RFC 3629 UTF-8, the one definition the
 * event parser and the CSV writer share (and the one jansson applies).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_utf8.h"
#include "tap.h"


static zt_utf8_rc_e
check(const char *s, size_t *off)
{
    return zt_utf8_check((const unsigned char *) s, strlen(s), off);
}


int
main(void)
{
    int           r;
    char          json[64];
    size_t        i, off;
    uint32_t      cp;
    json_t       *j;
    unsigned int  b1, b2;

    static const struct {
        const char    *s;
        zt_utf8_rc_e   rc;
        size_t         off;
    } c[] = {
        { "plain ASCII", ZT_UTF8_OK, 0 },
        { "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", ZT_UTF8_OK, 0 },
        { "\xf4\x8f\xbf\xbf", ZT_UTF8_OK, 0 },             /* U+10FFFF */
        { "\xed\x9f\xbf\xee\x80\x80", ZT_UTF8_OK, 0 },     /* around D800 */
        { "ab\xc0\x96", ZT_UTF8_OVERLONG, 2 },
        { "\xc1\xbf", ZT_UTF8_OVERLONG, 0 },
        { "\xe0\x9f\xbf", ZT_UTF8_OVERLONG, 0 },
        { "\xf0\x8f\xbf\xbf", ZT_UTF8_OVERLONG, 0 },
        { "x\xed\xa0\x80", ZT_UTF8_SURROGATE, 1 },
        { "\xed\xbf\xbf", ZT_UTF8_SURROGATE, 0 },
        { "\xf4\x90\x80\x80", ZT_UTF8_TOO_BIG, 0 },
        { "\xf5\x80\x80\x80", ZT_UTF8_TOO_BIG, 0 },
        { "\xf8\x88\x80\x80\x80", ZT_UTF8_MALFORMED, 0 },
        { "\xff", ZT_UTF8_MALFORMED, 0 },
        { "\x80", ZT_UTF8_MALFORMED, 0 },
        { "\xc3", ZT_UTF8_MALFORMED, 0 },
        { "\xe2\x82", ZT_UTF8_MALFORMED, 0 },
        { "\xe2\x82x", ZT_UTF8_MALFORMED, 0 },
    };

    for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        off = 99;
        is_int(check(c[i].s, &off), c[i].rc, "case %zu: %s", i,
               zt_utf8_reason(c[i].rc));
        if (c[i].rc != ZT_UTF8_OK) {
            is_int(off, c[i].off, "case %zu: offset", i);
        }
    }

    r = zt_utf8_decode((const unsigned char *) "\xf0\x9f\x98\x80", 4, &cp);
    ok(r == 4 && cp == 0x1f600, "decodes U+1F600 in 4 bytes");

    /* every two-byte prefix: we and jansson agree on validity */
    {
        int  disagree = 0;

        for (b1 = 0x80; b1 <= 0xff; b1++) {
            for (b2 = 0x00; b2 <= 0xff; b2 += 0x0f) {
                unsigned char  s[4] = { (unsigned char) b1,
                                        (unsigned char) b2, 0x80, 0x80 };
                int            ours;

                ours = zt_utf8_check(s, 4, NULL) == ZT_UTF8_OK;
                if (b2 < 0x20 || b2 == '"' || b2 == '\\') {
                    continue;
                }
                snprintf(json, sizeof(json), "[\"%c%c%c%c\"]", s[0], s[1],
                         s[2], s[3]);
                j = json_loads(json, 0, NULL);
                disagree += ours != (j != NULL);
                json_decref(j);
            }
        }
        is_int(disagree, 0, "zt_utf8_check agrees with jansson");
    }

    return done_testing();
}
