/*
 * zt_json: JSON string escaping, the one rule for every JSON text zoomtrack
 * writes by hand (the queue record, BigQuery's insertAll rows): '"', '\\'
 * and control characters are escaped, everything else (UTF-8 included)
 * passes through as it is.  The caller has checked the bytes are UTF-8.
 */

#include <string.h>

#include "zt_json.h"


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


size_t
zt_json_escaped_len(const unsigned char *s, size_t n)
{
    size_t  i, len;

    len = n;
    for (i = 0; i < n; i++) {
        if (zt_json_esc[s[i]]) {
            len += zt_json_esc[s[i]] == 'u' ? 5 : 1;
        }
    }

    return len;
}


char *
zt_json_escape(char *d, const unsigned char *s, size_t n)
{
    size_t             i, run;
    unsigned char      e;
    static const char  hex[] = "0123456789abcdef";

    i = 0;
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

        e = zt_json_esc[s[i]];
        *d++ = '\\';

        if (e == 'u') {
            memcpy(d, "u00", 3);
            d[3] = hex[s[i] >> 4];
            d[4] = hex[s[i] & 0x0f];
            d += 5;

        } else {
            *d++ = (char) e;
        }

        i++;
    }

    return d;
}
