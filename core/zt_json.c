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
    unsigned  m, ctl;
#endif

    len = n;
    i = 0;

#if defined(__SSE2__)
    for ( /* void */ ; i + 16 <= n; i += 16) {
        m = zt_json_special16(s + i, &ctl);

        /* a few bits per block: no popcnt in the baseline x86-64 ISA */
        for ( /* void */ ; m; m &= m - 1) {
            len++;
        }

        for ( /* void */ ; ctl; ctl &= ctl - 1) {
            len += 4;
        }
    }
#endif

    for ( /* void */ ; i < n; i++) {
        if (zt_json_esc[s[i]]) {
            len += zt_json_esc[s[i]] == 'u' ? 5 : 1;
        }
    }

    return len;
}


/* the escape of s[0]: 2 or 6 bytes */
static char *
zt_json_escape1(char *d, unsigned char c)
{
    unsigned char      e;
    static const char  hex[] = "0123456789abcdef";

    e = zt_json_esc[c];
    *d++ = '\\';

    if (e == 'u') {
        memcpy(d, "u00", 3);
        d[3] = hex[c >> 4];
        d[4] = hex[c & 0x0f];
        return d + 5;
    }

    *d++ = (char) e;

    return d;
}


char *
zt_json_escape(char *d, const unsigned char *s, size_t n)
{
    size_t    i, run;
#if defined(__SSE2__)
    unsigned  m, ctl, at, from;

    i = 0;

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
