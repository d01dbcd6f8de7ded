/*
 * zt_report_html: the daily report as one self-contained HTML file
 * (`zoomtrack report --format html`): per meeting an inline SVG timeline
 * and room summaries, then the full table.  No script, no external file.
 */

#ifndef ZT_REPORT_HTML_H
#define ZT_REPORT_HTML_H


#include <stdio.h>

#include "zt_report.h"


/*
 * Writes r, built for the local day date ("YYYY-MM-DD") in tz, as HTML to
 * f.  Returns ZT_OK, or ZT_ERROR for a bad date or a write error.
 */
int zt_report_write_html(const zt_report_t *r, FILE *f, const char *date,
    const char *tz);


#endif /* ZT_REPORT_HTML_H */
