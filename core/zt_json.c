/*
 * zt_json: JSON string escaping, the one rule for every JSON text zoomtrack
 * writes by hand (the queue record, BigQuery's insertAll rows): '"', '\\'
 * and control characters are escaped, everything else (UTF-8 included)
 * passes through as it is.  The caller has checked the bytes are UTF-8.
 */

#include <string.h>

#include "zt_json.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif


/*
 * JSON string escapes: 0 passes through, a letter is a short escape, 'u' is
 * \u00XX.  Bodies are mostly plain text, so runs of plain bytes are found
 * with this table and copied whole.
 */
static const unsigned char  zt_json_esc[256] = {
    [0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u',
    [0x05] = 'u', [0x06] = 'u', [0x07] = 'u', [0x08] = 'b', [0x09] = 't',
    [0x0a] = 'n', [0x0b] = 'u', [0x0c] = 'f', [0x0d] = 'r', [0x0e] = 'u',
    [0x0f] = 'u', [0x10] = 'u', [0x11] = 'u', [0x12] = 'u', [0x13] = 'u',
    [0x14] = 'u', [0x15] = 'u', [0x16] = 'u', [0x17] = 'u', [0x18] = 'u',
    [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u', [0x1d] = 'u',
    [0x1e] = 'u', [0x1f] = 'u', ['"'] = '"', ['\\'] = '\\',
};


#if defined(__SSE2__)

/*
 * raw_payload is most of a record, and a JSON body has a quote every few
 * bytes, so the byte-by-byte table scan cost more than the rest of the
 * record (bench/webhook's worker profile): 16 bytes at a time, a bit mask
 * of the bytes that need an escape (< 0x20, '"', '\\').  *ctl gets the
 * mask of the control characters alone (their escape is 6 bytes long).
 */
static unsigned
zt_json_special16(const unsigned char *s, unsigned *ctl)
{
    __m128i  v, c;

    v = _mm_loadu_si128((const __m128i *) s);
    c = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1f)),
                       _mm_set1_epi8(0x1f));

    *ctl = (unsigned) _mm_movemask_epi8(c);

    return *ctl
           | (unsigned) _mm_movemask_epi8(
                 _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                              _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
}

#endif


size_t
zt_json_escaped_len(const unsigned char *s, size_t n)
{
    size_t    i, len;
#if defined(__SSE2__)
    size_t    k;
    __m128i   v, c, acc, sum, zero;
#endif

    len = n;
    i = 0;

#if defined(__SSE2__)
    /*
     * per byte lane, the number of extra bytes of its escapes: 1 for a
     * quote or a backslash, 5 for a control character; a lane gains at
     * most 5 per block, so the byte counters are summed every 50 blocks
     * (a bit loop per escape cost as much as the escape itself)
     */
    zero = _mm_setzero_si128();
    sum = zero;

    while (i + 16 <= n) {
        acc = zero;

        for (k = 0; k < 50 && i + 16 <= n; k++, i += 16) {
            v = _mm_loadu_si128((const __m128i *) (s + i));
            c = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1f)),
                               _mm_set1_epi8(0x1f));
            acc = _mm_add_epi8(acc, _mm_and_si128(c, _mm_set1_epi8(5)));
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
        }

        sum = _mm_add_epi64(sum, _mm_sad_epu8(acc, zero));
    }

    len += (size_t) _mm_cvtsi128_si64(sum)
           + (size_t) _mm_cvtsi128_si64(_mm_unpackhi_epi64(sum, sum));
#endif

    for ( /* void */ ; i < n; i++) {
        if (zt_json_esc[s[i]]) {
            len += zt_json_esc[s[i]] == 'u' ? 5 : 1;
        }
    }

    return len;
}


/* the escape of c: 2 or 6 bytes */
static inline char *
zt_json_escape1(char *d, unsigned char c)
{
    unsigned char      e;
    static const char  hex[] = "0123456789abcdef";

    e = zt_json_esc[c];
    d[0] = '\\';

    if (e == 'u') {
        memcpy(d + 1, "u00", 3);
        d[4] = hex[c >> 4];
        d[5] = hex[c & 0x0f];
        return d + 6;
    }

    d[1] = (char) e;

    return d + 2;
}


char *
zt_json_escape(char *d, const unsigned char *s, size_t n)
{
    size_t    i, run;
#if defined(__SSE2__)
    unsigned  m, ctl, at, from;

    i = 0;

    /*
     * While 32 bytes or more remain, the plain bytes before each escape
     * (and after the last one) are copied with one 16-byte store whatever
     * their number: a store at d never reaches beyond what the bytes from
     * s + i + from on will be written as (each byte is at least one byte
     * of output), so what it writes past the run is written over later,
     * and the caller's buffer is never overrun.  A memcpy() of a variable
     * length per escape cost more than the escape (a JSON body has a
     * quote every few bytes).
     */
    for ( /* void */ ; i + 32 <= n; i += 16) {
        m = zt_json_special16(s + i, &ctl);

        from = 0;

        for ( /* void */ ; m; m &= m - 1) {
            at = (unsigned) __builtin_ctz(m);
            _mm_storeu_si128((__m128i *) d,
                _mm_loadu_si128((const __m128i *) (s + i + from)));
            d = zt_json_escape1(d + (at - from), s[i + at]);
            from = at + 1;
        }

        _mm_storeu_si128((__m128i *) d,
                         _mm_loadu_si128((const __m128i *) (s + i + from)));
        d += 16 - from;
    }

    for ( /* void */ ; i + 16 <= n; i += 16) {
        m = zt_json_special16(s + i, &ctl);

        if (m == 0) {
            memcpy(d, s + i, 16);
            d += 16;
            continue;
        }

        from = 0;

        do {
            at = (unsigned) __builtin_ctz(m);
            memcpy(d, s + i + from, at - from);
            d = zt_json_escape1(d + (at - from), s[i + at]);
            from = at + 1;
            m &= m - 1;
        } while (m);

        memcpy(d, s + i + from, 16 - from);
        d += 16 - from;
    }
#else
    i = 0;
#endif

    while (i < n) {
        run = i;
        while (run < n && zt_json_esc[s[run]] == 0) {
            run++;
        }

        memcpy(d, s + i, run - i);
        d += run - i;
        i = run;

        if (i == n) {
            break;
        }

        d = zt_json_escape1(d, s[i]);
        i++;
    }

    return d;
}
