/*
 * CSV cells for files that people open in spreadsheets.  Every cell is
 * quoted (as Lookout's pandas quoting=1 did), quotes are doubled, and a cell
 * starting with = + - @ TAB or CR gets a leading apostrophe so that an
 * attacker-chosen display name cannot run as a formula (OWASP's advice for
 * CSV injection).
 */

#ifndef ZT_CSV_H
#define ZT_CSV_H


#include <stdio.h>

#include "zt_core.h"


/* writes one quoted cell (no separator); returns ZT_OK or ZT_ERROR */
int zt_csv_cell(FILE *f, const char *s);

/* writes the cells separated by commas, then "\n"; NULL cells are empty */
int zt_csv_row(FILE *f, const char *const *cells, size_t n);


#endif /* ZT_CSV_H */
