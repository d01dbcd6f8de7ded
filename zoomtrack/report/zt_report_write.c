/*
 * zt_report_write: the report's writers.  The cells are formatted by
 * zt_report_build(); CSV quotes every cell (zt_csv_row), JSON is an array
 * of one object per line with numbers and booleans bare and empty cells
 * null.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "zt_core.h"
#include "zt_csv.h"
#include "zt_report.h"


/* JSON types of the columns */
#define ZT_JS_STR   0
#define ZT_JS_NUM   1
#define ZT_JS_BOOL  2


static void zt_report_json_str(FILE *f, const char *s);


const char  *const zt_report_columns[ZT_REPORT_NCOLS] = {
    "report_date", "meeting_id", "meeting_uuid", "participant_name",
    "participant_email", "meeting_join_time", "meeting_leave_time",
    "meeting_duration_mins", "room_number", "room_name", "room_uuid",
    "room_join_time", "room_leave_time", "room_duration_mins",
    "camera_on_mins", "camera_off_mins", "camera_percentage", "next_room",
    "join_time_known", "camera_status", "group", "attendance_status",
    "late", "left_early", "data_source"
};


static const int  zt_report_json_types[ZT_REPORT_NCOLS] = {
    ZT_JS_STR, ZT_JS_STR, ZT_JS_STR, ZT_JS_STR, ZT_JS_STR, ZT_JS_STR,
    ZT_JS_STR, ZT_JS_NUM, ZT_JS_NUM, ZT_JS_STR, ZT_JS_STR, ZT_JS_STR,
    ZT_JS_STR, ZT_JS_NUM, ZT_JS_NUM, ZT_JS_NUM, ZT_JS_NUM, ZT_JS_STR,
    ZT_JS_BOOL, ZT_JS_STR, ZT_JS_STR, ZT_JS_STR, ZT_JS_BOOL, ZT_JS_BOOL,
    ZT_JS_STR
};


int
zt_report_write_csv(const zt_report_t *r, FILE *f)
{
    int          i;
    size_t       k;
    const char  *cells[ZT_REPORT_NCOLS];

    if (zt_csv_row(f, zt_report_columns, ZT_REPORT_NCOLS) != ZT_OK) {
        return ZT_ERROR;
    }

    for (k = 0; k < r->nrows; k++) {
        for (i = 0; i < ZT_REPORT_NCOLS; i++) {
            cells[i] = r->rows[k].cells[i] ? r->rows[k].cells[i] : "";
        }

        if (zt_csv_row(f, cells, ZT_REPORT_NCOLS) != ZT_OK) {
            return ZT_ERROR;
        }
    }

    return ferror(f) ? ZT_ERROR : ZT_OK;
}


int
zt_report_write_json(const zt_report_t *r, FILE *f)
{
    int          i;
    size_t       k;
    const char  *c;

    fputs("[", f);

    for (k = 0; k < r->nrows; k++) {
        fputs(k ? ",\n{" : "\n{", f);

        for (i = 0; i < ZT_REPORT_NCOLS; i++) {
            fprintf(f, "%s\"%s\":", i ? "," : "", zt_report_columns[i]);

            c = r->rows[k].cells[i];

            if (c == NULL) {
                fputs("null", f);

            } else if (zt_report_json_types[i] == ZT_JS_STR) {
                zt_report_json_str(f, c);

            } else {
                fputs(c, f);
            }
        }

        fputs("}", f);
    }

    fputs(r->nrows ? "\n]\n" : "]\n", f);

    return ferror(f) ? ZT_ERROR : ZT_OK;
}


/* bytes >= 0x80 pass through: names come from JSON payloads (UTF-8) */
static void
zt_report_json_str(FILE *f, const char *s)
{
    unsigned char  c;

    fputc('"', f);

    for ( /* void */ ; *s; s++) {
        c = (unsigned char) *s;

        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc(c, f);

        } else if (c == '\n') {
            fputs("\\n", f);

        } else if (c == '\r') {
            fputs("\\r", f);

        } else if (c == '\t') {
            fputs("\\t", f);

        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", c);

        } else {
            fputc(c, f);
        }
    }

    fputc('"', f);
}


void
zt_report_fmt_mins(int64_t ms, char *out, size_t outlen)
{
    int64_t  q;

    /* hundredths of a minute, half away from zero */
    q = ms >= 0 ? (ms * 100 + 30000) / 60000 : -((-ms * 100 + 30000) / 60000);

    snprintf(out, outlen, "%s%" PRId64 ".%02" PRId64, q < 0 ? "-" : "",
             (q < 0 ? -q : q) / 100, (q < 0 ? -q : q) % 100);
}


void
zt_report_fmt_pct(int64_t on, int64_t off, char *out, size_t outlen)
{
    int64_t  q, total;

    total = on + off;

    if (total <= 0 || on < 0 || off < 0) {
        out[0] = '\0';
        return;
    }

    /* tenths of a percent, half up */
    q = (on * 2000 + total) / (2 * total);

    snprintf(out, outlen, "%" PRId64 ".%" PRId64, q / 10, q % 10);
}
