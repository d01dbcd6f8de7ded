/*
 * CSV cells for files that people open in spreadsheets.  Every cell is
 * quoted (as Lookout's pandas quoting=1 did) and quotes are doubled.
 *
 * Formula injection (OWASP "CSV injection"): a free-text cell (ZT_CSV_TEXT:
 * display names, emails, room names, topics: whatever a meeting participant
 * can choose) gets a leading apostrophe when a spreadsheet could read it as
 * a formula: when it starts with TAB or CR, or when its first character
 * after any leading white space, control or invisible formatting characters
 * is = + - @, one of their full-width forms U+FF1D U+FF0B U+FF0D U+FF20,
 * small forms U+FE66 U+FE62 U+FE63 U+FE6B, or U+2212 MINUS SIGN.  A cell
 * that is a plain number ("-2", "+1.5", "1e3") is never changed.  A cell
 * that itself begins with an apostrophe followed by any of that (numbers
 * included) gets one more, so removing the first apostrophe of a cell that
 * has one before such a start (web/board's unneutral()) always gives the
 * value back.
 *
 * An identifier cell (ZT_CSV_ID: uuids, ids, dates and times, durations,
 * values we generate) is written as it is, so a base64 uuid starting with
 * "+" or a negative number survives.  Only if it does not look like one
 * (a character outside letters, digits, space and + - / = _ . : @) is it
 * treated as free text, so mislabelling a cell cannot open a hole.
 */

#ifndef ZT_CSV_H
#define ZT_CSV_H


#include <stdio.h>

#include "zt_core.h"


typedef enum {
    ZT_CSV_TEXT = 0,
    ZT_CSV_ID
} zt_csv_kind_e;


/* writes one quoted cell (no separator); returns ZT_OK or ZT_ERROR */
int zt_csv_cell_kind(FILE *f, const char *s, zt_csv_kind_e kind);

/*
 * Writes the cells separated by commas, then "\n"; NULL cells are empty.
 * kinds[i] is the kind of cells[i]; kinds NULL means every cell is text.
 */
int zt_csv_row_kinds(FILE *f, const char *const *cells,
    const zt_csv_kind_e *kinds, size_t n);

/* 1 when s, written as a cell of that kind, gets the apostrophe */
int zt_csv_neutralised(const char *s, zt_csv_kind_e kind);

/* the first API, kept for callers that do not say: every cell is text */
int zt_csv_cell(FILE *f, const char *s);
int zt_csv_row(FILE *f, const char *const *cells, size_t n);


#endif /* ZT_CSV_H */
