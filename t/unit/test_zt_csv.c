/*
 * Unit tests of core/zt_csv.c: formula neutralisation of free-text cells
 * after leading white space and control characters, full-width and small
 * forms of the formula starters, and identifier and number cells written
 * as they are (issue 8, "Hardening").  The first half goes through the
 * first API (zt_csv_row: every cell is text), which callers still use.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_csv.h"
#include "tap.h"


static char *
row(const char *const *cells, const zt_csv_kind_e *kinds, size_t n)
{
    FILE    *f;
    char    *buf = NULL;
    size_t   len = 0;

    f = open_memstream(&buf, &len);
    if (kinds) {
        zt_csv_row_kinds(f, cells, kinds, n);
    } else {
        zt_csv_row(f, cells, n);
    }
    fclose(f);
    return buf;
}


/* the cell as written: one quoted cell and a newline */
static char *
cell(const char *s, zt_csv_kind_e kind)
{
    const char  *cells[1];

    cells[0] = s;
    return row(cells, &kind, 1);
}


static void
check(const char *in, zt_csv_kind_e kind, int neutralised, const char *what)
{
    char    *out, want[512];
    size_t   i, o;

    o = 0;
    want[o++] = '"';
    if (neutralised) {
        want[o++] = '\'';
    }
    for (i = 0; in[i] && o < sizeof(want) - 4; i++) {
        if (in[i] == '"') {
            want[o++] = '"';
        }
        want[o++] = in[i];
    }
    want[o++] = '"';
    want[o++] = '\n';
    want[o] = '\0';

    out = cell(in, kind);
    is_str(out, want, "%s %s", what,
           neutralised ? "neutralised" : "untouched");
    free(out);
    is_int(zt_csv_neutralised(in, kind), neutralised,
           "%s: zt_csv_neutralised agrees", what);
}


static void
test_text_first_api(void)
{
    char  *out;

    /* before: only the first byte was looked at */
    const char  *evil[] = { " =cmd|' /C calc'!A0", "\n=cmd", "\xef\xbc\x9d"
                            "cmd", "  \t+SUM(A1)", "\xc2\xa0-2+3" };

    out = row(evil, NULL, 5);
    is_str(out, "\"' =cmd|' /C calc'!A0\",\"'\n=cmd\",\"'\xef\xbc\x9d"
           "cmd\",\"'  \t+SUM(A1)\",\"'\xc2\xa0-2+3\"\n",
           "zt_csv_row: starters after white space and full width "
           "neutralised");
    free(out);
}


static void
test_text(void)
{
    check("=1+1", ZT_CSV_TEXT, 1, "=");
    check("+1-2", ZT_CSV_TEXT, 1, "+ expression");
    check("-cmd", ZT_CSV_TEXT, 1, "-");
    check("@SUM(A1)", ZT_CSV_TEXT, 1, "@");
    check("\tx", ZT_CSV_TEXT, 1, "leading TAB (OWASP)");
    check("\rx", ZT_CSV_TEXT, 1, "leading CR (OWASP)");
    check(" =cmd", ZT_CSV_TEXT, 1, "space then =");
    check("\n=cmd", ZT_CSV_TEXT, 1, "newline then =");
    check("\x01\x1f=cmd", ZT_CSV_TEXT, 1, "controls then =");
    check("\x7f@x", ZT_CSV_TEXT, 1, "DEL then @");
    check("\xef\xbc\x9d" "cmd", ZT_CSV_TEXT, 1, "full-width =");
    check("\xef\xbc\x8b" "1", ZT_CSV_TEXT, 1, "full-width +");
    check("\xef\xbc\x8d" "1", ZT_CSV_TEXT, 1, "full-width -");
    check("\xef\xbc\xa0" "x", ZT_CSV_TEXT, 1, "full-width @");
    check("\xef\xb9\xa6" "x", ZT_CSV_TEXT, 1, "small =");
    check("\xef\xb9\xa2" "x", ZT_CSV_TEXT, 1, "small +");
    check("\xef\xb9\xa3" "x", ZT_CSV_TEXT, 1, "small -");
    check("\xef\xb9\xab" "x", ZT_CSV_TEXT, 1, "small @");
    check("\xe2\x88\x92" "x", ZT_CSV_TEXT, 1, "minus sign");
    check("\xc2\xa0=x", ZT_CSV_TEXT, 1, "NBSP then =");
    check("\xe3\x80\x80\xef\xbc\x9dx", ZT_CSV_TEXT, 1,
          "ideographic space then full-width =");
    check("\xef\xbb\xbf=x", ZT_CSV_TEXT, 1, "BOM then =");
    check("\xe2\x80\x8b=x", ZT_CSV_TEXT, 1, "zero-width space then =");
    check("\xe2\x81\xa6=x", ZT_CSV_TEXT, 1, "left-to-right isolate then =");
    check("\xe2\x81\xa9@x", ZT_CSV_TEXT, 1, "pop directional isolate then @");
    check("\xe2\x81\xaf-x", ZT_CSV_TEXT, 1, "nominal digit shapes then -");

    check("Jill Chill", ZT_CSV_TEXT, 0, "a name");
    check("a=b", ZT_CSV_TEXT, 0, "inner =");
    check("Ali \"the\" =", ZT_CSV_TEXT, 0, "quotes, = at the end");
    check("\xc3\x89milie", ZT_CSV_TEXT, 0, "accented name");
    check("  Jill", ZT_CSV_TEXT, 0, "leading spaces, then a letter");
    check("\xc0=x", ZT_CSV_TEXT, 0, "malformed byte ends the scan");
    check("", ZT_CSV_TEXT, 0, "empty");
    check("   ", ZT_CSV_TEXT, 0, "only spaces");

    /* numbers are data, not formulas: never changed, whatever the kind */
    check("-2", ZT_CSV_TEXT, 0, "negative number");
    check("+1", ZT_CSV_TEXT, 0, "signed number");
    check("-12.50", ZT_CSV_TEXT, 0, "negative decimal");
    check("-1e3", ZT_CSV_TEXT, 0, "exponent");
    check("-", ZT_CSV_TEXT, 1, "a lone minus is no number");
    check("-1.", ZT_CSV_TEXT, 0, "no digits after the point");
    check("-.5", ZT_CSV_TEXT, 0, "no digits before the point");
    check("-.", ZT_CSV_TEXT, 1, "a point is no number");
    check("-1e", ZT_CSV_TEXT, 1, "no exponent digits");
    check(" -2", ZT_CSV_TEXT, 1, "a number after a space is not one");

    /* a value's own leading ' is kept apart from ours: taking one ' off
     * (web/board's unneutral()) gives the value back */
    check("'=x", ZT_CSV_TEXT, 1, "its own ' before =");
    check("'-2", ZT_CSV_TEXT, 1, "its own ' before a number");
    check("' +1 555 0100", ZT_CSV_TEXT, 1, "its own ' before blanks and +");
    check("'\tx", ZT_CSV_TEXT, 1, "its own ' before a TAB");
    check("'+AbC", ZT_CSV_ID, 1, "an \"id\" with its own ' before +");
    check("'Jill", ZT_CSV_TEXT, 0, "its own ' before a letter");
    check("O'Brien", ZT_CSV_TEXT, 0, "an inner '");
    check("'", ZT_CSV_TEXT, 0, "a lone '");
}


static void
test_ids(void)
{
    char  *out;

    static const char  *cells[] = {
        "+AbC/dE==", "-2", "2026-02-03 09:00:00", "Jill", "=HYPERLINK(1)"
    };
    static const zt_csv_kind_e  kinds[] = {
        ZT_CSV_ID, ZT_CSV_ID, ZT_CSV_ID, ZT_CSV_TEXT, ZT_CSV_ID
    };

    check("+AbC/dE==", ZT_CSV_ID, 0, "base64 uuid starting with +");
    check("-Xy_z.9", ZT_CSV_ID, 0, "id starting with -");
    check("@bot:1", ZT_CSV_ID, 0, "id starting with @");
    check("=abc", ZT_CSV_ID, 0, "id starting with = (no call possible)");
    check("-5", ZT_CSV_ID, 0, "negative number");
    check("30.00", ZT_CSV_ID, 0, "minutes");
    check("2026-02-03 09:00:00", ZT_CSV_ID, 0, "local time");

    /* a cell labelled wrongly is still safe */
    check("=HYPERLINK(\"http://x\")", ZT_CSV_ID, 1,
          "an \"id\" with a call in it");
    check("-cmd|' /C calc'!A0", ZT_CSV_ID, 1, "an \"id\" with DDE in it");
    check("\xef\xbc\x9dx", ZT_CSV_ID, 1, "an \"id\" with full-width =");
    check(" =x\t", ZT_CSV_ID, 1, "an \"id\" with a TAB");

    out = row(cells, kinds, 5);
    is_str(out, "\"+AbC/dE==\",\"-2\",\"2026-02-03 09:00:00\",\"Jill\","
           "\"'=HYPERLINK(1)\"\n", "zt_csv_row_kinds: per-cell kinds");
    free(out);

    out = row(cells, NULL, 2);
    is_str(out, "\"'+AbC/dE==\",\"-2\"\n",
           "zt_csv_row: every cell is text (callers must pass kinds)");
    free(out);

    is_int(zt_csv_neutralised(NULL, ZT_CSV_TEXT), 0, "NULL cell");
}


int
main(void)
{
    test_text_first_api();
    test_text();
    test_ids();
    return done_testing();
}
