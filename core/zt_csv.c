/*
 * CSV output with formula-injection neutralisation (rules in zt_csv.h).
 * Only the start of a cell matters to a spreadsheet, so only the start is
 * decoded, as UTF-8; a malformed sequence there ends the skipping and is
 * not a formula starter.
 */

#include <string.h>

#include "zt_csv.h"
#include "zt_utf8.h"


/* white space and invisible characters a spreadsheet may skip or trim */
static int
zt_csv_blank(uint32_t c)
{
    return c <= 0x20 || c == 0x7f
           || (c >= 0x80 && c <= 0xa0)          /* C1 controls, NBSP */
           || c == 0xad                         /* soft hyphen */
           || c == 0x1680 || c == 0x180e
           || (c >= 0x2000 && c <= 0x200f)      /* spaces, ZWSP, marks */
           || (c >= 0x2028 && c <= 0x202f)
           || (c >= 0x205f && c <= 0x206f)      /* and bidi isolates */
           || c == 0x3000 || c == 0xfeff;
}


static int
zt_csv_starter(uint32_t c)
{
    switch (c) {
    case '=': case '+': case '-': case '@':
    case 0xff1d: case 0xff0b: case 0xff0d: case 0xff20:   /* full width */
    case 0xfe66: case 0xfe62: case 0xfe63: case 0xfe6b:   /* small forms */
    case 0x2212:                                          /* minus sign */
        return 1;
    default:
        return 0;
    }
}


/* [+-](digits[.[digits]] | .digits)[(e|E)[+-]digits], nothing else */
static int
zt_csv_number(const char *s)
{
    size_t  d, f;

    if (*s == '+' || *s == '-') {
        s++;
    }

    for (d = 0; *s >= '0' && *s <= '9'; s++, d++) { /* void */ }

    f = 0;
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++, f++) { /* void */ }
    }

    if (d + f == 0) {
        return 0;
    }

    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-') {
            s++;
        }
        for (d = 0; *s >= '0' && *s <= '9'; s++, d++) { /* void */ }
        if (d == 0) {
            return 0;
        }
    }

    return *s == '\0';
}


static int zt_csv_formula(const char *s);


static int
zt_csv_identifier(const char *s)
{
    static const char  extra[] = " +-/=_.:@";

    for ( /* void */ ; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')
              || (*s >= '0' && *s <= '9') || strchr(extra, *s)))
        {
            return 0;
        }
    }

    return 1;
}


int
zt_csv_neutralised(const char *s, zt_csv_kind_e kind)
{
    if (s == NULL || s[0] == '\0') {
        return 0;
    }

    /*
     * A cell of its own that begins with ' and then what the rule
     * neutralises, numbers included, would read back (web/board's
     * unneutral()) as if the ' were ours: it gets one too, so taking the
     * first ' off always gives the value back.
     */
    if (s[0] == '\'' && zt_csv_formula(s + 1)) {
        return 1;
    }

    if (zt_csv_number(s)) {
        return 0;
    }

    if (kind == ZT_CSV_ID && zt_csv_identifier(s)) {
        return 0;
    }

    return zt_csv_formula(s);
}


/* TAB or CR first, or a starter after blanks: what a spreadsheet runs */
static int
zt_csv_formula(const char *s)
{
    int                   r;
    size_t                n;
    uint32_t              c;
    const unsigned char  *p;

    if (s[0] == '\t' || s[0] == '\r') {
        return 1;
    }

    p = (const unsigned char *) s;
    n = strlen(s);

    while (n) {
        r = zt_utf8_decode(p, n, &c);
        if (r < 0) {
            return 0;
        }

        if (zt_csv_starter(c)) {
            return 1;
        }

        if (!zt_csv_blank(c)) {
            return 0;
        }

        p += r;
        n -= (size_t) r;
    }

    return 0;
}


int
zt_csv_cell_kind(FILE *f, const char *s, zt_csv_kind_e kind)
{
    const char  *p;

    if (s == NULL) {
        s = "";
    }

    if (fputc('"', f) == EOF) {
        return ZT_ERROR;
    }

    if (zt_csv_neutralised(s, kind) && fputc('\'', f) == EOF) {
        return ZT_ERROR;
    }

    for (p = s; *p; p++) {
        if (*p == '"' && fputc('"', f) == EOF) {
            return ZT_ERROR;
        }
        if (fputc(*p, f) == EOF) {
            return ZT_ERROR;
        }
    }

    return fputc('"', f) == EOF ? ZT_ERROR : ZT_OK;
}


int
zt_csv_row_kinds(FILE *f, const char *const *cells,
    const zt_csv_kind_e *kinds, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (i && fputc(',', f) == EOF) {
            return ZT_ERROR;
        }
        if (zt_csv_cell_kind(f, cells[i], kinds ? kinds[i] : ZT_CSV_TEXT)
            != ZT_OK)
        {
            return ZT_ERROR;
        }
    }

    return fputc('\n', f) == EOF ? ZT_ERROR : ZT_OK;
}


int
zt_csv_cell(FILE *f, const char *s)
{
    return zt_csv_cell_kind(f, s, ZT_CSV_TEXT);
}


int
zt_csv_row(FILE *f, const char *const *cells, size_t n)
{
    return zt_csv_row_kinds(f, cells, NULL, n);
}
