/*
 * CSV cells for files that people open in spreadsheets: RFC 4180 quoting,
 * and cells starting with = + - @ TAB or CR prefixed with a quote so that
 * attacker-controlled names cannot run as formulas.
 */

#ifndef ZT_CSV_H
#define ZT_CSV_H


#include <stdio.h>

#include "zt_core.h"


/* writes one cell (no separator); returns ZT_OK or ZT_ERROR */
int zt_csv_cell(FILE *f, const char *s);

/* writes cells separated by commas and a CRLF-free "\n" line end */
int zt_csv_row(FILE *f, const char *const *cells, size_t n);


#endif /* ZT_CSV_H */
