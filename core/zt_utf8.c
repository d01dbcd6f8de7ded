/*
 * RFC 3629 UTF-8 decoding and validation.  Written out rather than taken
 * from a library because the two parsers we link disagree: yajl accepts
 * overlong forms and encoded surrogates that jansson refuses.
 */

#include "zt_utf8.h"


int
zt_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t    i, need;
    uint32_t  c, min;

    c = s[0];

    if (c < 0x80) {
        *cp = c;
        return 1;
    }

    if (c < 0xc0) {
        return -ZT_UTF8_MALFORMED;         /* a stray continuation byte */

    } else if (c < 0xe0) {
        need = 1;
        min = 0x80;
        c &= 0x1f;

    } else if (c < 0xf0) {
        need = 2;
        min = 0x800;
        c &= 0x0f;

    } else if (c < 0xf8) {
        need = 3;
        min = 0x10000;
        c &= 0x07;

    } else {
        return -ZT_UTF8_MALFORMED;         /* F8..FF start nothing */
    }

    if (n <= need) {
        return -ZT_UTF8_MALFORMED;
    }

    for (i = 1; i <= need; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return -ZT_UTF8_MALFORMED;
        }
        c = (c << 6) | (s[i] & 0x3f);
    }

    if (c < min) {
        return -ZT_UTF8_OVERLONG;
    }

    if (c >= 0xd800 && c <= 0xdfff) {
        return -ZT_UTF8_SURROGATE;
    }

    if (c > 0x10ffff) {
        return -ZT_UTF8_TOO_BIG;
    }

    *cp = c;
    return (int) need + 1;
}


zt_utf8_rc_e
zt_utf8_check(const unsigned char *s, size_t n, size_t *off)
{
    int       r;
    size_t    i;
    uint32_t  cp;

    i = 0;

    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }

        r = zt_utf8_decode(s + i, n - i, &cp);
        if (r < 0) {
            if (off) {
                *off = i;
            }
            return (zt_utf8_rc_e) -r;
        }

        i += (size_t) r;
    }

    return ZT_UTF8_OK;
}


const char *
zt_utf8_reason(zt_utf8_rc_e rc)
{
    switch (rc) {
    case ZT_UTF8_OK:
        return "valid";
    case ZT_UTF8_MALFORMED:
        return "malformed sequence";
    case ZT_UTF8_OVERLONG:
        return "overlong encoding";
    case ZT_UTF8_SURROGATE:
        return "encoded surrogate";
    default:
        return "code point above U+10FFFF";
    }
}


size_t
zt_utf8_cut(const char *s, size_t n, size_t max)
{
    if (n <= max) {
        return n;
    }

    /* s[max] is the first byte left out: back off a continuation byte */
    while (max > 0 && ((unsigned char) s[max] & 0xc0) == 0x80) {
        max--;
    }

    return max;
}
