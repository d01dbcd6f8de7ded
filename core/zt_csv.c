/*
 * CSV output with formula-injection neutralisation.
 */

#include <string.h>

#include "zt_csv.h"


int
zt_csv_cell(FILE *f, const char *s)
{
    const char  *p;

    if (s == NULL) {
        s = "";
    }

    if (fputc('"', f) == EOF) {
        return ZT_ERROR;
    }

    if (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@'
        || s[0] == '\t' || s[0] == '\r')
    {
        if (fputc('\'', f) == EOF) {
            return ZT_ERROR;
        }
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
zt_csv_row(FILE *f, const char *const *cells, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (i && fputc(',', f) == EOF) {
            return ZT_ERROR;
        }
        if (zt_csv_cell(f, cells[i]) != ZT_OK) {
            return ZT_ERROR;
        }
    }

    return fputc('\n', f) == EOF ? ZT_ERROR : ZT_OK;
}
