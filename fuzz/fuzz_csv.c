/*
 * Fuzz target: CSV cells (core/zt_csv.c).  Byte 0 picks the kind, the rest
 * is the cell (up to its first NUL, as C strings go).
 *
 * Invariants: the cell comes out quoted, and unquoting it gives the input
 * back, with one leading apostrophe exactly when zt_csv_neutralised() says
 * so; a text cell whose first significant character (after white space
 * and controls) is a formula starter is always neutralised unless it is a
 * plain number; an identifier cell is either untouched or judged as text.
 */

#include <string.h>

#include "fuzz.h"
#include "zt_csv.h"
#include "zt_utf8.h"


/* the first character after blanks is a starter (a simpler, ASCII-only
 * and full-width-only restatement of the rule, to check the code) */
static int
fuzz_starts_formula(const char *s)
{
    while (*s && (unsigned char) *s <= 0x20) {
        s++;
    }

    return *s == '=' || *s == '+' || *s == '-' || *s == '@'
           || strncmp(s, "\xef\xbc\x9d", 3) == 0
           || strncmp(s, "\xef\xbc\x8b", 3) == 0
           || strncmp(s, "\xef\xbc\x8d", 3) == 0
           || strncmp(s, "\xef\xbc\xa0", 3) == 0;
}


static int
fuzz_is_number(const char *s)
{
    char  *end;

    if (*s == '\0' || (unsigned char) *s <= 0x20) {
        return 0;
    }

    strtod(s, &end);
    return *end == '\0' && strpbrk(s, "xXnNiIpP") == NULL;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int             neut;
    char           *s, *out, *p, *back;
    FILE           *f;
    size_t          len, o;
    zt_csv_kind_e   kind;

    if (size < 1) {
        return 0;
    }

    kind = data[0] & 1 ? ZT_CSV_ID : ZT_CSV_TEXT;

    s = malloc(size);
    FUZZ_CHECK(s != NULL, "memory");
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';

    out = NULL;
    len = 0;
    f = open_memstream(&out, &len);
    FUZZ_CHECK(f != NULL, "memstream");
    FUZZ_CHECK(zt_csv_cell_kind(f, s, kind) == ZT_OK, "cell written");
    fclose(f);

    neut = zt_csv_neutralised(s, kind);
    FUZZ_CHECK(neut == zt_csv_neutralised(s, kind), "deterministic");

    /* unquote */
    FUZZ_CHECK(len >= 2 && out[0] == '"' && out[len - 1] == '"', "quoted");
    back = malloc(len);
    FUZZ_CHECK(back != NULL, "memory");
    o = 0;
    for (p = out + 1; p < out + len - 1; p++) {
        if (*p == '"') {
            p++;
            FUZZ_CHECK(p < out + len - 1 && *p == '"', "quotes doubled");
        }
        back[o++] = *p;
    }
    back[o] = '\0';

    if (neut) {
        FUZZ_CHECK(back[0] == '\'' && strcmp(back + 1, s) == 0,
                   "apostrophe + the cell");
    } else {
        FUZZ_CHECK(strcmp(back, s) == 0, "the cell as it is");
    }

    if (fuzz_starts_formula(s) && !fuzz_is_number(s)) {
        if (kind == ZT_CSV_TEXT) {
            FUZZ_CHECK(neut, "a formula in a text cell is neutralised");
        } else if (!neut) {
            FUZZ_CHECK(strpbrk(s, "(|!\"'\t\r\n,;&") == NULL,
                       "an id cell left alone has no call or DDE in it");
        }
    }

    if (fuzz_is_number(s) && strspn(s, "+-.0123456789eE") == strlen(s)) {
        FUZZ_CHECK(!neut, "numbers are never changed");
    }

    free(back);
    free(out);
    free(s);

    return 0;
}
