/*
 * zt_record: the drainer's parse of a queue record (see zt_record.h).
 *
 * jansson's own parser reads its input one character at a time through a
 * callback, and a record is mostly one long string (the webhook body in
 * raw_payload): a profile of the status sink put 60% of its CPU there.
 * The reader here scans strings in runs, checks UTF-8 as it goes (with
 * core/zt_utf8.c, whose rules are jansson's), and builds the same object
 * with jansson's constructors.  It accepts a subset of JSON exactly as
 * jansson reads it -- an object of strings, integers, true, false and
 * null -- and declines anything else, which then goes to json_loadb():
 * never a different answer, only sometimes a slower one.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_record.h"
#include "zt_utf8.h"


typedef struct {
    const unsigned char  *p;
    const unsigned char  *end;
    char                 *buf;       /* unescaped strings; ours to free */
    size_t                cap;
} zt_rd_t;


static int zt_rd_value(zt_rd_t *r, json_t **v);
static int zt_rd_string(zt_rd_t *r, const char **s, size_t *n);
static int zt_rd_unescape(zt_rd_t *r, const unsigned char *start,
    const unsigned char *q, const char **s, size_t *n);
static int zt_rd_integer(zt_rd_t *r, json_t **v);
static int zt_rd_literal(zt_rd_t *r, json_t **v);
static int zt_rd_hex4(const unsigned char *p, uint32_t *cp);


/* 1: ends a run of plain string bytes ('"', '\\', a control character) */
static const unsigned char  zt_rd_special[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1,
    [0x06] = 1, [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1,
    [0x0c] = 1, [0x0d] = 1, [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1,
    [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1,
    [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1,
    [0x1e] = 1, [0x1f] = 1, ['"'] = 1, ['\\'] = 1,
};


#define zt_rd_ws(r)                                                          \
    while ((r)->p < (r)->end && (*(r)->p == ' ' || *(r)->p == '\t'           \
                                 || *(r)->p == '\n' || *(r)->p == '\r'))     \
    {                                                                        \
        (r)->p++;                                                            \
    }


json_t *
zt_record_load(const char *raw, size_t len)
{
    json_t  *rec;

    rec = zt_record_load_flat(raw, len);

    return rec ? rec : json_loadb(raw, len, 0, NULL);
}


json_t *
zt_record_load_flat(const char *raw, size_t len)
{
    int          ok;
    char        *kcopy;
    size_t       klen;
    json_t      *obj, *v;
    zt_rd_t      r;
    const char  *key;

    r.p = (const unsigned char *) raw;
    r.end = r.p + len;
    r.buf = NULL;
    r.cap = 0;

    zt_rd_ws(&r);
    if (r.p == r.end || *r.p != '{') {
        return NULL;
    }
    r.p++;

    obj = json_object();
    if (obj == NULL) {
        return NULL;
    }

    zt_rd_ws(&r);

    if (r.p < r.end && *r.p == '}') {
        r.p++;
        goto done;
    }

    for ( ;; ) {
        if (r.p == r.end || *r.p != '"'
            || zt_rd_string(&r, &key, &klen) != 0)
        {
            goto decline;
        }

        /* a key with escapes sits in r.buf, which the value reuses */
        kcopy = NULL;
        if (key == r.buf) {
            kcopy = strndup(key, klen);
            if (kcopy == NULL) {
                goto decline;
            }
            key = kcopy;
        }

        zt_rd_ws(&r);
        ok = (r.p < r.end && *r.p++ == ':');
        zt_rd_ws(&r);

        ok = ok && zt_rd_value(&r, &v) == 0
             && json_object_setn_new_nocheck(obj, key, klen, v) == 0;

        free(kcopy);

        if (!ok) {
            goto decline;
        }

        zt_rd_ws(&r);
        if (r.p == r.end) {
            goto decline;
        }

        if (*r.p == '}') {
            r.p++;
            break;
        }

        if (*r.p++ != ',') {
            goto decline;
        }
        zt_rd_ws(&r);
    }

done:

    zt_rd_ws(&r);
    if (r.p != r.end) {
        goto decline;
    }

    free(r.buf);
    return obj;

decline:

    free(r.buf);
    json_decref(obj);
    return NULL;
}


/* a value that sits in a flat record; *v is a new reference */
static int
zt_rd_value(zt_rd_t *r, json_t **v)
{
    size_t       n;
    const char  *s;

    if (r->p == r->end) {
        return -1;
    }

    if (*r->p == '"') {
        if (zt_rd_string(r, &s, &n) != 0) {
            return -1;
        }

        *v = json_stringn_nocheck(s, n);
        return *v ? 0 : -1;
    }

    if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) {
        return zt_rd_integer(r, v);
    }

    return zt_rd_literal(r, v);
}


/*
 * The string that starts at the quote r->p, as UTF-8: *s points into the
 * record when it has no escapes, else into r->buf, valid until the next
 * string.  Control characters and invalid UTF-8 decline, as jansson
 * refuses them.
 */
static int
zt_rd_string(zt_rd_t *r, const char **s, size_t *n)
{
    int                   k;
    uint32_t              cp;
    const unsigned char  *start, *q;

    start = r->p + 1;
    q = start;

    while (q < r->end) {
        if (*q < 0x80) {
            if (zt_rd_special[*q]) {
                break;
            }
            q++;
            continue;
        }

        k = zt_utf8_decode(q, (size_t) (r->end - q), &cp);
        if (k < 0) {
            return -1;
        }
        q += k;
    }

    if (q == r->end || *q < 0x20) {
        return -1;
    }

    if (*q == '"') {
        *s = (const char *) start;
        *n = (size_t) (q - start);
        r->p = q + 1;
        return 0;
    }

    return zt_rd_unescape(r, start, q, s, n);
}


/*
 * The rest of a string with escapes, from the first backslash q on, into
 * r->buf.  \u escapes of NUL or of a UTF-16 surrogate decline: jansson
 * refuses the first and pairs the second, which is its business.
 */
static int
zt_rd_unescape(zt_rd_t *r, const unsigned char *start,
    const unsigned char *q, const char **s, size_t *n)
{
    char                 *d, *p;
    size_t                need;
    uint32_t              cp;
    const unsigned char  *run;

    /* an escape is never shorter than what it stands for */
    need = (size_t) (r->end - start);
    if (need > r->cap) {
        p = realloc(r->buf, need);
        if (p == NULL) {
            return -1;
        }
        r->buf = p;
        r->cap = need;
    }

    d = r->buf;
    memcpy(d, start, (size_t) (q - start));
    d += q - start;

    for ( ;; ) {
        run = q;
        while (q < r->end && !zt_rd_special[*q]) {
            q++;
        }

        memcpy(d, run, (size_t) (q - run));
        d += q - run;

        if (q == r->end || *q < 0x20) {
            return -1;
        }

        if (*q == '"') {
            break;
        }

        /* a backslash */
        if (r->end - q < 2) {
            return -1;
        }

        switch (q[1]) {
        case '"': case '\\': case '/':
            *d++ = (char) q[1];
            break;
        case 'b': *d++ = '\b'; break;
        case 'f': *d++ = '\f'; break;
        case 'n': *d++ = '\n'; break;
        case 'r': *d++ = '\r'; break;
        case 't': *d++ = '\t'; break;

        case 'u':
            if (r->end - q < 6 || zt_rd_hex4(q + 2, &cp) != 0
                || cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
            {
                return -1;
            }

            if (cp < 0x80) {
                *d++ = (char) cp;

            } else if (cp < 0x800) {
                *d++ = (char) (0xc0 | (cp >> 6));
                *d++ = (char) (0x80 | (cp & 0x3f));

            } else {
                *d++ = (char) (0xe0 | (cp >> 12));
                *d++ = (char) (0x80 | ((cp >> 6) & 0x3f));
                *d++ = (char) (0x80 | (cp & 0x3f));
            }

            q += 4;
            break;

        default:
            return -1;
        }

        q += 2;
    }

    /* raw bytes between escapes must still be UTF-8 on their own: an
     * escape writes whole sequences, so checking the result is the same */
    *n = (size_t) (d - r->buf);
    if (zt_utf8_check((const unsigned char *) r->buf, *n, NULL)
        != ZT_UTF8_OK)
    {
        return -1;
    }

    *s = r->buf;
    r->p = q + 1;

    return 0;
}


static int
zt_rd_hex4(const unsigned char *p, uint32_t *cp)
{
    int  i, h;

    *cp = 0;

    for (i = 0; i < 4; i++) {
        if (p[i] >= '0' && p[i] <= '9') {
            h = p[i] - '0';
        } else if (p[i] >= 'a' && p[i] <= 'f') {
            h = p[i] - 'a' + 10;
        } else if (p[i] >= 'A' && p[i] <= 'F') {
            h = p[i] - 'A' + 10;
        } else {
            return -1;
        }
        *cp = (*cp << 4) | (uint32_t) h;
    }

    return 0;
}


/*
 * -?(0|[1-9][0-9]*) of at most 18 digits, which no int64 overflows;
 * fractions, exponents and longer numbers decline.
 */
static int
zt_rd_integer(zt_rd_t *r, json_t **v)
{
    int                   neg, digits;
    int64_t               x;
    const unsigned char  *q;

    q = r->p;
    neg = (*q == '-');
    q += neg;

    x = 0;
    digits = 0;

    while (q < r->end && *q >= '0' && *q <= '9') {
        if (++digits > 18) {
            return -1;
        }
        x = x * 10 + (*q - '0');
        q++;
    }

    if (digits == 0 || (digits > 1 && r->p[neg] == '0'))
    {
        return -1;
    }

    if (q < r->end && (*q == '.' || *q == 'e' || *q == 'E')) {
        return -1;
    }

    r->p = q;

    *v = json_integer(neg ? -x : x);
    return *v ? 0 : -1;
}


static int
zt_rd_literal(zt_rd_t *r, json_t **v)
{
    size_t  left;

    left = (size_t) (r->end - r->p);

    if (left >= 4 && memcmp(r->p, "true", 4) == 0) {
        r->p += 4;
        *v = json_true();

    } else if (left >= 5 && memcmp(r->p, "false", 5) == 0) {
        r->p += 5;
        *v = json_false();

    } else if (left >= 4 && memcmp(r->p, "null", 4) == 0) {
        r->p += 4;
        *v = json_null();

    } else {
        return -1;
    }

    /* "truex" is one bad token to jansson */
    if (r->p < r->end && ((*r->p >= 'a' && *r->p <= 'z')
                          || (*r->p >= 'A' && *r->p <= 'Z')))
    {
        json_decref(*v);
        return -1;
    }

    return 0;
}


const char *
zt_record_text(json_t *obj, const char *key, char *buf, size_t buflen,
    size_t *len)
{
    int          n;
    json_t      *v;
    const char  *t;

    v = json_object_get(obj, key);
    t = "";
    n = 0;

    if (json_is_string(v)) {
        t = json_string_value(v);
        n = (int) json_string_length(v);

    } else if (json_is_integer(v) && buflen) {
        n = snprintf(buf, buflen, "%" JSON_INTEGER_FORMAT,
                     json_integer_value(v));
        t = buf;
    }

    if (len) {
        *len = n > 0 ? (size_t) n : 0;
    }

    return t;
}
