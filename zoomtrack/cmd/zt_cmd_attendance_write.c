/*
 * zt_cmd_attendance_write: the table `zoomtrack attendance` prints, one
 * row per person sorted by group, name and id: CSV (free text quoted and
 * neutralised, zt_csv.h), JSON, or an HTML page that adds the person x
 * session grid (every text escaped).  Writes to the caller's stream and
 * allocates nothing that outlives a call.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "zt_core.h"
#include "zt_csv.h"
#include "zt_time.h"
#include "zt_cmd_attendance_int.h"


static int zt_att_person_cmp(const void *a, const void *b);
static void zt_att_cells(const zt_att_person_t *p, char num[6][32]);
static void zt_att_html_text(FILE *f, const char *s);
static void zt_att_write_html(const zt_att_run_t *run, FILE *f);


static const char  *zt_att_columns[] = {
    "participant_name", "participant_email", "group", "sessions_held",
    "sessions_attended", "total_minutes", "attendance_pct", "times_late",
    "times_left_early"
};


/* name, email and group are free text, the figures are not */
static const zt_csv_kind_e  zt_att_csv_kinds[9] = {
    ZT_CSV_TEXT, ZT_CSV_TEXT, ZT_CSV_TEXT, ZT_CSV_ID, ZT_CSV_ID, ZT_CSV_ID,
    ZT_CSV_ID, ZT_CSV_ID, ZT_CSV_ID
};


static int
zt_att_person_cmp(const void *a, const void *b)
{
    const zt_att_person_t  *x = a, *y = b;
    int                     c;

    c = strcmp(x->group, y->group);
    if (c == 0) {
        c = strcasecmp(x->name, y->name);
    }

    return c ? c : strcmp(x->id, y->id);
}


/* the summary cells of one person (minutes and share with 1 decimal) */
static void
zt_att_cells(const zt_att_person_t *p, char num[6][32])
{
    snprintf(num[0], 32, "%zu", p->held);
    snprintf(num[1], 32, "%zu", p->attended);
    snprintf(num[2], 32, "%.1f", (double) p->present_ms / 60000.0);
    if (p->meeting_ms > 0) {
        snprintf(num[3], 32, "%.1f",
                 (double) p->present_ms * 100.0 / (double) p->meeting_ms);
    } else {
        num[3][0] = '\0';
    }
    snprintf(num[4], 32, "%zu", p->late);
    snprintf(num[5], 32, "%zu", p->early);
}


/* text as HTML: the five characters that matter escaped */
static void
zt_att_html_text(FILE *f, const char *s)
{
    for ( ; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}


static void
zt_att_write_html(const zt_att_run_t *run, FILE *f)
{
    char         num[6][32], day[16];
    size_t       i, s;
    const char  *cls, *label;

    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width\">"
          "<title>Attendance</title><style>"
          "body{font:14px system-ui,sans-serif;margin:1.5em;color:#111}"
          "table{border-collapse:collapse}th,td{border:1px solid #ccc;"
          "padding:.3em .5em;text-align:left}td.n{text-align:right}"
          "td.s{text-align:center;font-weight:600}"
          ".P{background:#b7e4c7}.p{background:#ffe8a3}.A{background:#f4b6b6}"
          ".G{background:#cfe2ff}.x{color:#999}"
          "</style></head><body><main><h1>Attendance</h1>"
          "<p>P present, p partial, A absent, G guest, &middot; not "
          "expected.</p><table><thead><tr><th scope=\"col\">Name</th>"
          "<th scope=\"col\">Group</th><th scope=\"col\">Held</th>"
          "<th scope=\"col\">Attended</th><th scope=\"col\">Minutes</th>"
          "<th scope=\"col\">% of meeting time</th><th scope=\"col\">Late"
          "</th><th scope=\"col\">Left early</th>", f);

    for (s = 0; s < run->nm; s++) {
        zt_time_local_date(run->m[s].first, run->tz, day);
        fputs("<th scope=\"col\">", f);
        zt_att_html_text(f, day);
        fputs("<br>", f);
        zt_att_html_text(f, run->m[s].id);
        fputs("</th>", f);
    }

    fputs("</tr></thead><tbody>\n", f);

    for (i = 0; i < run->npeople; i++) {
        zt_att_cells(&run->people[i], num);
        fputs("<tr><th scope=\"row\">", f);
        zt_att_html_text(f, run->people[i].name);
        fputs("</th><td>", f);
        zt_att_html_text(f, run->people[i].group);
        fprintf(f, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                "<td class=\"n\">%s</td><td class=\"n\">%s</td>"
                "<td class=\"n\">%s</td><td class=\"n\">%s</td>",
                num[0], num[1], num[2], num[3], num[4], num[5]);

        for (s = 0; s < run->nm; s++) {
            switch (run->people[i].cells[s]) {
            case 'P': cls = "P"; label = "present"; break;
            case 'p': cls = "p"; label = "partial"; break;
            case 'A': cls = "A"; label = "absent"; break;
            case 'G': cls = "G"; label = "guest"; break;
            default: cls = "x"; label = "not expected";
            }
            fprintf(f, "<td class=\"s %s\" title=\"%s\">%c</td>", cls, label,
                    run->people[i].cells[s] == '.'
                    ? '-' : run->people[i].cells[s]);
        }

        fputs("</tr>\n", f);
    }

    fputs("</tbody></table></main></body></html>\n", f);
}


int
zt_att_write(const zt_att_run_t *run, const char *format, FILE *f)
{
    char         num[6][32];
    size_t       i;
    json_t      *a, *o;
    const char  *cells[9];

    qsort(run->people, run->npeople, sizeof(zt_att_person_t),
          zt_att_person_cmp);

    if (strcmp(format, "html") == 0) {
        zt_att_write_html(run, f);
        return ferror(f) ? ZT_ERROR : ZT_OK;
    }

    if (strcmp(format, "json") == 0) {
        a = json_array();
        for (i = 0; a && i < run->npeople; i++) {
            zt_att_cells(&run->people[i], num);
            o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:I, s:I}",
                          zt_att_columns[0], run->people[i].name,
                          zt_att_columns[1], run->people[i].email,
                          zt_att_columns[2], run->people[i].group,
                          zt_att_columns[3], (json_int_t) run->people[i].held,
                          zt_att_columns[4],
                          (json_int_t) run->people[i].attended,
                          zt_att_columns[5], num[2], zt_att_columns[6],
                          num[3], zt_att_columns[7],
                          (json_int_t) run->people[i].late,
                          zt_att_columns[8],
                          (json_int_t) run->people[i].early);
            if (o == NULL || json_array_append_new(a, o) != 0) {
                json_decref(a);
                return ZT_ERROR;
            }
        }
        i = a && json_dumpf(a, f, JSON_INDENT(2)) == 0;
        fputc('\n', f);
        json_decref(a);
        return i ? ZT_OK : ZT_ERROR;
    }

    if (zt_csv_row(f, zt_att_columns, 9) != ZT_OK) {
        return ZT_ERROR;
    }

    for (i = 0; i < run->npeople; i++) {
        zt_att_cells(&run->people[i], num);
        cells[0] = run->people[i].name;
        cells[1] = run->people[i].email;
        cells[2] = run->people[i].group;
        cells[3] = num[0];
        cells[4] = num[1];
        cells[5] = num[2];
        cells[6] = num[3];
        cells[7] = num[4];
        cells[8] = num[5];

        if (zt_csv_row_kinds(f, cells, zt_att_csv_kinds, 9) != ZT_OK) {
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}
