/*
 * UTF-8 as RFC 3629 defines it, the one definition zoomtrack applies
 * everywhere: a code point is written in its shortest form (no overlongs
 * such as C0 96), never as a UTF-16 surrogate (U+D800..U+DFFF) and never
 * above U+10FFFF.  This is exactly what jansson accepts, so whatever the
 * module's edge lets through, the drainer can read.
 */

#ifndef ZT_UTF8_H
#define ZT_UTF8_H


#include "zt_core.h"


typedef enum {
    ZT_UTF8_OK = 0,
    ZT_UTF8_MALFORMED,       /* bad lead byte, missing continuation, cut */
    ZT_UTF8_OVERLONG,        /* a longer form than needed, e.g. C0 96 */
    ZT_UTF8_SURROGATE,       /* U+D800..U+DFFF encoded as UTF-8 */
    ZT_UTF8_TOO_BIG          /* above U+10FFFF */
} zt_utf8_rc_e;


/*
 * Decodes the sequence at s (n > 0 bytes available).  Returns its length
 * (1..4) and sets *cp, or minus a zt_utf8_rc_e when it is not valid.
 */
int zt_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/*
 * Checks n bytes.  Returns ZT_UTF8_OK, or the first problem with its
 * offset in *off (when off is not NULL).
 */
zt_utf8_rc_e zt_utf8_check(const unsigned char *s, size_t n, size_t *off);

/*
 * The longest prefix of the n bytes at s that is at most max bytes and
 * does not end inside a character: where a valid string may be cut to fit
 * and stay valid.
 */
size_t zt_utf8_cut(const char *s, size_t n, size_t max);

/* "overlong encoding" and the like; static */
const char *zt_utf8_reason(zt_utf8_rc_e rc);


#endif /* ZT_UTF8_H */
