/*
 * zt_event_text: zoomtrack's one definition of text applied to a webhook
 * body before the parse: every byte RFC 3629 UTF-8 (zt_utf8.h), \u escapes
 * of surrogates paired, no \v or \f between tokens, no string left open.
 * yajl alone accepts all of these; the drainer's jansson does not.  Pure:
 * it reads the body and allocates nothing.
 */

#include <stdint.h>

#include "zt_event_int.h"
#include "zt_utf8.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif


/* bytes zt_event_text_check() looks at: quote, backslash, \v, \f, non-ASCII */
static const unsigned char  zt_text_special[256] = {
    ['"'] = 1, ['\\'] = 1, ['\v'] = 1, ['\f'] = 1,
    [0x80 ... 0xff] = 1
};


#if defined(__SSE2__)

/*
 * 16 bytes at a time: the mask of the bytes that need a look of their own
 * (non-ASCII, backslash, \v, \f) and, in *q, the mask of the quotes.  A
 * quote only toggles in_str when no backslash precedes it, so the quotes
 * of a block before its first special byte are counted by their parity:
 * the byte-by-byte scan stopped at every quote, a few bytes apart in JSON.
 */
static unsigned
zt_text_special16(const unsigned char *s, unsigned *q)
{
    __m128i  v, e;

    v = _mm_loadu_si128((const __m128i *) s);

    *q = (unsigned) _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')));

    e = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')),
                     _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\v')),
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('\f'))));

    return (unsigned) _mm_movemask_epi8(_mm_or_si128(v, e));
}

#endif


static int
zt_hex4(const unsigned char *s, size_t n, uint32_t *v)
{
    size_t   i;
    int      d;

    if (n < 4) {
        return 0;
    }

    *v = 0;
    for (i = 0; i < 4; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            d = s[i] - '0';
        } else if ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f') {
            d = (s[i] | 0x20) - 'a' + 10;
        } else {
            return 0;
        }
        *v = (*v << 4) | (uint32_t) d;
    }

    return 1;
}


/*
 * The body's text against zt_utf8.h's definition, before yajl sees it:
 * yajl takes overlong forms and encoded surrogates that jansson refuses, and
 * decodes an unpaired \uD800..\uDFFF escape into '?' or into an encoded
 * surrogate.  So every byte must be RFC 3629 UTF-8 and, inside strings, a
 * high surrogate escape must be followed by a low one and a low one must
 * follow a high one, and \u0000 is refused as jansson does; outside
 * strings, \v and \f are no white space.
 * Escapes that are not JSON at all are yajl's to refuse.
 * Returns NULL or a static reason.
 */
const char *
zt_event_text_check(const unsigned char *s, size_t n)
{
    int       r, in_str;
    size_t    i;
    uint32_t  cp, lo;
#if defined(__SSE2__)
    unsigned  m, q, f;
#endif

    static const char  *bad_utf8[] = {
        "",
        "body is not valid JSON (not UTF-8: malformed sequence)",
        "body is not valid JSON (not UTF-8: overlong encoding)",
        "body is not valid JSON (not UTF-8: encoded surrogate)",
        "body is not valid JSON (not UTF-8: above U+10FFFF)"
    };

    in_str = 0;
    i = 0;

    while (i < n) {
#if defined(__SSE2__)
        /* up to the next byte other than plain ASCII or a quote */
        while (i + 16 <= n) {
            m = zt_text_special16(s + i, &q);

            if (m) {
                f = (unsigned) __builtin_ctz(m);
                in_str ^= __builtin_parity(q & ((1u << f) - 1));
                i += f;
                break;
            }

            in_str ^= __builtin_parity(q);
            i += 16;
        }
#endif

        /* most bytes are plain ASCII: skip them by table */
        while (i < n && zt_text_special[s[i]] == 0) {
            i++;
        }

        if (i == n) {
            break;
        }

        if (s[i] >= 0x80) {
            r = zt_utf8_decode(s + i, n - i, &cp);
            if (r < 0) {
                return bad_utf8[-r];
            }
            i += (size_t) r;
            continue;
        }

        if (s[i] == '"') {
            in_str = !in_str;
            i++;
            continue;
        }

        if (s[i] != '\\' || !in_str) {
            /* yajl also skips \v and \f between tokens: not JSON white
             * space (RFC 8259), and jansson refuses them; inside a string
             * yajl refuses them itself */
            if (!in_str && (s[i] == '\v' || s[i] == '\f')) {
                return "body is not valid JSON (\\v or \\f outside a "
                       "string)";
            }
            i++;
            continue;
        }

        /* an escape: \uXXXX is checked, any other skips one character */
        if (i + 1 < n && s[i + 1] == 'u'
            && zt_hex4(s + i + 2, n - i - 2, &cp))
        {
            i += 6;

            /* jansson refuses it (JSON_ALLOW_NUL is off), and a C string
             * would end there */
            if (cp == 0) {
                return "body is not valid JSON (\\u0000 in a string)";
            }

            if (cp >= 0xdc00 && cp <= 0xdfff) {
                return "body is not valid JSON (unpaired surrogate "
                       "in a \\u escape)";
            }

            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (i + 1 >= n || s[i] != '\\' || s[i + 1] != 'u'
                    || !zt_hex4(s + i + 2, n - i - 2, &lo)
                    || lo < 0xdc00 || lo > 0xdfff)
                {
                    return "body is not valid JSON (unpaired surrogate "
                           "in a \\u escape)";
                }
                i += 6;
            }

            continue;
        }

        i += 2;
    }

    /* yajl's yajl_complete_parse() ignores a string left open after the
     * object: "{...}\"abc" */
    if (in_str) {
        return "body is not valid JSON (unterminated string)";
    }

    return NULL;
}
