/*
 * zt_report_html: `zoomtrack report --format html`, the day's report as one
 * self-contained HTML file an organiser can mail or open: per meeting, the
 * timeline as inline SVG (one row per person, a coloured band per room
 * visit, grey for the main room; each band's <title> gives its exact
 * times, so hovering works without JavaScript), a summary per room
 * (visitors, visits, total and average time, camera on %), then the full
 * table with every column of the CSV.  No script, no external resource.
 *
 * Everything comes from the built report: the cells for the table and the
 * room summaries, the journeys behind the rows (clipped to the day, as the
 * rows are) for the timeline.  Every value is HTML-escaped.
 */

#include <stdlib.h>
#include <string.h>

#include "zt_time.h"
#include "zt_report.h"
#include "zt_report_html.h"


#define ZT_HTML_W       1000     /* SVG user units */
#define ZT_HTML_LABEL   190
#define ZT_HTML_ROW     22
#define ZT_HTML_AXIS    26
#define ZT_HTML_NPAL    10
#define ZT_HTML_RIGHT   30       /* room for the last tick's label */
#define ZT_HTML_NAME    28       /* characters of a name in the SVG */


typedef struct {
    const char  *uuid;
    const char  *name;
    int64_t      first;          /* first visit start that day */
    size_t       visitors;
    size_t       visits;
    double       mins;
    double       cam_on;
    double       cam_off;
} zt_html_room_t;


typedef struct {
    FILE                *f;
    const zt_report_t   *r;
    const char          *tz;
    int64_t              day_from;
    int64_t              day_to;
    zt_html_room_t      *rooms;     /* of the meeting being written */
    size_t               nrooms;
} zt_html_t;


static int zt_html_col(const char *name);
static const char *zt_html_cell(const zt_report_row_t *row,
    const char *name);
static void zt_html_esc(FILE *f, const char *s);
static void zt_html_esc_cut(FILE *f, const char *s, size_t max);
static void zt_html_head(zt_html_t *h, const char *date);
static int zt_html_meeting(zt_html_t *h, size_t k0, size_t k1);
static int zt_html_collect_rooms(zt_html_t *h, size_t k0, size_t k1);
static int zt_html_room_of(const zt_html_t *h, const char *uuid);
static void zt_html_timeline(zt_html_t *h, size_t k0, size_t k1);
static void zt_html_person(zt_html_t *h, const zt_journey_t *j, double y,
    int64_t from, int64_t to);
static void zt_html_band(zt_html_t *h, const char *who, int room, double y,
    int64_t s, int64_t e, int64_t from, int64_t to);
static void zt_html_rooms(zt_html_t *h);
static void zt_html_table(zt_html_t *h);
static void zt_html_clock(const zt_html_t *h, int64_t ms, int secs,
    char *out, size_t len);


static const char  *zt_html_palette[ZT_HTML_NPAL] = {
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1",
    "#76b7b2", "#edc948", "#9c755f", "#ff9da7", "#86bcb6"
};


static const int  zt_html_steps[] = { 1, 2, 5, 10, 15, 30, 60, 120, 180, 360 };


static const char  zt_html_css[] =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,"
    "'DejaVu Sans',sans-serif;color:#1b1f24;background:#fff;margin:0;"
    "padding:1.5rem;max-width:1200px}"
    "h1{font-size:1.5rem;margin:0 0 .2rem}"
    "h2{font-size:1.2rem;margin:2rem 0 .2rem;overflow-wrap:anywhere}"
    "h3{font-size:1rem;margin:1.2rem 0 .4rem}"
    ".meta{color:#555d66;margin:0 0 .8rem}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;padding:.25rem .6rem .25rem 0;"
    "border-bottom:1px solid #e3e6ea;vertical-align:top}"
    "thead th{font-size:.78rem;text-transform:uppercase;letter-spacing:.04em;"
    "color:#555d66;border-bottom:1px solid #c9ced5}"
    ".n{text-align:right;font-variant-numeric:tabular-nums}"
    ".wide{overflow-x:auto}"
    ".full td,.full th{font-size:.82rem;white-space:nowrap}"
    ".legend{list-style:none;display:flex;flex-wrap:wrap;gap:.3rem 1rem;"
    "padding:0;margin:.3rem 0}"
    ".legend li{display:flex;align-items:center;gap:.35rem}"
    ".sw{display:inline-block;width:1.1rem;height:.8rem;border-radius:3px}"
    "svg{display:block;width:100%;height:auto;font-size:11px}"
    "svg .who{fill:#1b1f24;font-size:12px}"
    "svg .tick{fill:#555d66}svg .grid{stroke:#e3e6ea}"
    "svg .stripe{fill:#f3f5f7}svg .main{fill:#b4bac2}"
    "svg rect.b{stroke:#fff;stroke-width:1}"
    "footer{margin-top:2rem;color:#555d66;font-size:.85rem}"
    "@media print{body{padding:0}.wide{overflow:visible}}";


int
zt_report_write_html(const zt_report_t *r, FILE *f, const char *date,
    const char *tz)
{
    size_t      k0, k1;
    zt_html_t   h;

    memset(&h, 0, sizeof(zt_html_t));
    h.f = f;
    h.r = r;
    h.tz = tz;

    if (zt_time_day_bounds(date, tz, &h.day_from, &h.day_to) != ZT_OK) {
        return ZT_ERROR;
    }

    zt_html_head(&h, date);

    if (r->nrows == 0) {
        fputs("<p>No meeting on this day.</p>\n", f);
    }

    /* rows are grouped by meeting (file order) */
    for (k0 = 0; k0 < r->nrows; k0 = k1) {
        for (k1 = k0 + 1; k1 < r->nrows; k1++) {
            if (strcmp(zt_html_cell(&r->rows[k1], "meeting_uuid"),
                       zt_html_cell(&r->rows[k0], "meeting_uuid")) != 0)
            {
                break;
            }
        }

        if (zt_html_meeting(&h, k0, k1) != ZT_OK) {
            return ZT_ERROR;
        }
    }

    zt_html_table(&h);

    fputs("<footer>Made by zoomtrack report. Times are local "
          "(", f);
    zt_html_esc(f, tz && *tz ? tz : "UTC");
    fputs("); minutes have 2 decimals; camera minutes come from Zoom's "
          "QOS data.</footer>\n</main>\n</body>\n</html>\n", f);

    return ferror(f) ? ZT_ERROR : ZT_OK;
}


static void
zt_html_head(zt_html_t *h, const char *date)
{
    FILE  *f = h->f;

    fputs("<!doctype html>\n<html lang=\"en\">\n<head>\n"
          "<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, "
          "initial-scale=1\">\n<title>Room journeys ", f);
    zt_html_esc(f, date);
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n"
            "<h1>Room journeys of ", zt_html_css);
    zt_html_esc(f, date);
    fprintf(f, "</h1>\n<p class=\"meta\">%zu people, %zu rooms, %zu "
            "meetings, %zu rows</p>\n", h->r->people, h->r->rooms,
            h->r->meetings, h->r->nrows);
}


/* one meeting: heading, timeline, room summaries */
static int
zt_html_meeting(zt_html_t *h, size_t k0, size_t k1)
{
    FILE                   *f = h->f;
    const zt_report_row_t  *row = &h->r->rows[k0];
    size_t                  k, people;

    if (zt_html_collect_rooms(h, k0, k1) != ZT_OK) {
        return ZT_ERROR;
    }

    people = 0;
    for (k = k0; k < k1; k++) {
        if (h->r->rows[k].journey
            && (k == k0
                || h->r->rows[k].journey != h->r->rows[k - 1].journey))
        {
            people++;                   /* the absent have no journey */
        }
    }

    fputs("<section>\n<h2>Meeting ", f);
    zt_html_esc(f, zt_html_cell(row, "meeting_id"));
    fputs("</h2>\n<p class=\"meta\">instance ", f);
    zt_html_esc(f, zt_html_cell(row, "meeting_uuid"));
    fprintf(f, " · %zu people · %zu rooms</p>\n", people, h->nrooms);

    zt_html_timeline(h, k0, k1);
    zt_html_rooms(h);

    fputs("</section>\n", f);

    free(h->rooms);
    h->rooms = NULL;
    h->nrooms = 0;

    return ZT_OK;
}


static int
zt_html_room_cmp(const void *a, const void *b)
{
    const zt_html_room_t  *x = a, *y = b;

    return x->first < y->first ? -1 : x->first > y->first;
}


/* the meeting's rooms from its rows, in order of first entry */
static int
zt_html_collect_rooms(zt_html_t *h, size_t k0, size_t k1)
{
    int                     i;
    size_t                  k;
    const char             *uuid;
    zt_html_room_t         *rm;
    const zt_report_row_t  *row;

    h->rooms = calloc(k1 - k0 + 1, sizeof(zt_html_room_t));
    if (h->rooms == NULL) {
        return ZT_ERROR;
    }

    for (k = k0; k < k1; k++) {
        row = &h->r->rows[k];
        uuid = zt_html_cell(row, "room_uuid");
        if (row->visit == NULL || *uuid == '\0') {
            continue;
        }

        i = zt_html_room_of(h, uuid);
        if (i < 0) {
            i = (int) h->nrooms++;
            h->rooms[i].uuid = uuid;
            h->rooms[i].name = zt_html_cell(row, "room_name");
            h->rooms[i].first = row->visit->start;
        }

        rm = &h->rooms[i];
        if (row->visit->start < rm->first) {
            rm->first = row->visit->start;
        }

        /* rows of one person are adjacent: count them once per room */
        if (!(k > k0 && h->r->rows[k - 1].journey == row->journey
              && strcmp(zt_html_cell(&h->r->rows[k - 1], "room_uuid"),
                        uuid) == 0))
        {
            size_t  p;
            int     seen = 0;

            for (p = k0; p < k && !seen; p++) {
                seen = h->r->rows[p].journey == row->journey
                       && strcmp(zt_html_cell(&h->r->rows[p], "room_uuid"),
                                 uuid) == 0;
            }
            rm->visitors += !seen;
        }

        rm->visits++;
        rm->mins += strtod(zt_html_cell(row, "room_duration_mins"), NULL);
        rm->cam_on += strtod(zt_html_cell(row, "camera_on_mins"), NULL);
        rm->cam_off += strtod(zt_html_cell(row, "camera_off_mins"), NULL);
    }

    qsort(h->rooms, h->nrooms, sizeof(zt_html_room_t), zt_html_room_cmp);

    return ZT_OK;
}


static int
zt_html_room_of(const zt_html_t *h, const char *uuid)
{
    size_t  i;

    for (i = 0; i < h->nrooms; i++) {
        if (strcmp(h->rooms[i].uuid, uuid) == 0) {
            return (int) i;
        }
    }

    return -1;
}


/* the SVG: axis, one row per person, legend */
static void
zt_html_timeline(zt_html_t *h, size_t k0, size_t k1)
{
    char                 t[64];
    FILE                *f = h->f;
    size_t               k, i, n;
    int64_t              from, to, cs, ce, step, tick;
    double               height, x;
    const zt_journey_t  *j;

    from = INT64_MAX;
    to = INT64_MIN;
    n = 0;

    for (k = k0; k < k1; k++) {
        j = h->r->rows[k].journey;
        if (j == NULL || (k > k0 && j == h->r->rows[k - 1].journey)) {
            continue;
        }
        n++;
        for (i = 0; i < j->nspans; i++) {
            if (zt_presence_clip(j->spans[i].start, j->spans[i].end,
                                 h->day_from, h->day_to, &cs, &ce))
            {
                from = cs < from ? cs : from;
                to = ce > to ? ce : to;
            }
        }
    }

    if (from >= to) {
        return;
    }

    height = ZT_HTML_AXIS + n * ZT_HTML_ROW + 8;

    fputs("<h3>Timeline</h3>\n<ul class=\"legend\"><li><span class=\"sw\" "
          "style=\"background:#b4bac2\"></span>Main room</li>", f);
    for (i = 0; i < h->nrooms; i++) {
        fprintf(f, "<li><span class=\"sw\" style=\"background:%s\"></span>",
                zt_html_palette[i % ZT_HTML_NPAL]);
        zt_html_esc(f, h->rooms[i].name);
        fputs("</li>", f);
    }

    fprintf(f, "</ul>\n<div class=\"wide\"><svg xmlns=\"http://www.w3.org/"
            "2000/svg\" viewBox=\"0 0 %d %.0f\" role=\"img\" "
            "aria-label=\"Timeline: one row per person, a coloured band per "
            "room visit, grey for the main room\">\n", ZT_HTML_W, height);

    /* at most about 10 ticks, on round minutes */
    for (i = 0; i < sizeof(zt_html_steps) / sizeof(zt_html_steps[0]); i++) {
        step = zt_html_steps[i] * 60000;
        if ((to - from) / step <= 10) {
            break;
        }
    }

    for (tick = (from + step - 1) / step * step; tick <= to; tick += step) {
        x = ZT_HTML_LABEL + (double) (tick - from) / (double) (to - from)
            * (ZT_HTML_W - ZT_HTML_LABEL - ZT_HTML_RIGHT);
        zt_html_clock(h, tick, 0, t, sizeof(t));
        fprintf(f, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" "
                "y2=\"%.0f\"/><text class=\"tick\" x=\"%.1f\" y=\"14\" "
                "text-anchor=\"middle\">%s</text>\n", x, x,
                ZT_HTML_AXIS - 6, height - 8, x, t);
    }

    n = 0;
    for (k = k0; k < k1; k++) {
        j = h->r->rows[k].journey;
        if (j == NULL || (k > k0 && j == h->r->rows[k - 1].journey)) {
            continue;
        }
        zt_html_person(h, j, ZT_HTML_AXIS + n * ZT_HTML_ROW, from, to);
        n++;
    }

    fputs("</svg></div>\n", f);
}


/* one person's row: main-room stretches and visits within each interval */
static void
zt_html_person(zt_html_t *h, const zt_journey_t *j, double y, int64_t from,
    int64_t to)
{
    int                        room;
    FILE                      *f = h->f;
    size_t                     i, v;
    int64_t                    s, e, at, vs, ve;
    const zt_journey_visit_t  *vi;

    if (((size_t) (y - ZT_HTML_AXIS) / ZT_HTML_ROW) % 2) {
        fprintf(f, "<rect class=\"stripe\" x=\"0\" y=\"%.0f\" width=\"%d\" "
                "height=\"%d\"/>", y, ZT_HTML_W, ZT_HTML_ROW);
    }

    fprintf(f, "<text class=\"who\" x=\"%d\" y=\"%.0f\" "
            "text-anchor=\"end\">", ZT_HTML_LABEL - 8, y + 15);
    zt_html_esc_cut(f, j->name, ZT_HTML_NAME);
    fputs("</text>\n", f);

    for (i = 0; i < j->nspans; i++) {
        if (!zt_presence_clip(j->spans[i].start, j->spans[i].end,
                              h->day_from, h->day_to, &s, &e))
        {
            continue;
        }

        at = s;
        for (v = 0; v < j->nvisits; v++) {
            vi = &j->visits[v];
            if (!zt_presence_clip(vi->start, vi->end, s, e, &vs, &ve)
                || ve < at)
            {
                continue;
            }

            if (vs > at) {
                zt_html_band(h, j->name, -1, y, at, vs, from, to);
            }

            room = vi->room_uuid ? zt_html_room_of(h, vi->room_uuid) : -1;
            zt_html_band(h, j->name, room < 0 ? -2 : room, y, vs, ve, from,
                         to);
            at = ve > at ? ve : at;
        }

        if (e > at) {
            zt_html_band(h, j->name, -1, y, at, e, from, to);
        }
    }
}


/* room -1: the main room; -2: a room without a report row (not named) */
static void
zt_html_band(zt_html_t *h, const char *who, int room, double y, int64_t s,
    int64_t e, int64_t from, int64_t to)
{
    char         a[64], b[64];
    FILE        *f = h->f;
    double       x0, x1, span;
    const char  *name;

    span = (double) (ZT_HTML_W - ZT_HTML_LABEL - ZT_HTML_RIGHT);
    x0 = ZT_HTML_LABEL + (double) (s - from) / (double) (to - from) * span;
    x1 = ZT_HTML_LABEL + (double) (e - from) / (double) (to - from) * span;
    if (x1 - x0 < 1.5) {
        x1 = x0 + 1.5;
    }

    name = room >= 0 ? h->rooms[room].name
           : room == -1 ? "Main room" : "Breakout room";

    if (room == -1) {
        fprintf(f, "<rect class=\"b main\" x=\"%.1f\" y=\"%.0f\" "
                "width=\"%.1f\" height=\"%d\" rx=\"3\">", x0, y + 4, x1 - x0,
                ZT_HTML_ROW - 8);
    } else {
        fprintf(f, "<rect class=\"b visit\" fill=\"%s\" x=\"%.1f\" "
                "y=\"%.0f\" width=\"%.1f\" height=\"%d\" rx=\"3\">",
                room >= 0 ? zt_html_palette[room % ZT_HTML_NPAL] : "#666",
                x0, y + 4, x1 - x0, ZT_HTML_ROW - 8);
    }

    zt_html_clock(h, s, 1, a, sizeof(a));
    zt_html_clock(h, e, 1, b, sizeof(b));

    fputs("<title>", f);
    zt_html_esc(f, who);
    fputs(" · ", f);
    zt_html_esc(f, name);
    fprintf(f, " · %s – %s (%.1f min)</title></rect>\n", a, b,
            (double) (e - s) / 60000.0);
}


static void
zt_html_rooms(zt_html_t *h)
{
    FILE    *f = h->f;
    size_t   i;

    if (h->nrooms == 0) {
        fputs("<p>Nobody went into a breakout room.</p>\n", f);
        return;
    }

    fputs("<h3>Rooms</h3>\n<div class=\"wide\"><table class=\"rooms\">\n"
          "<thead><tr><th scope=\"col\">Room</th>"
          "<th scope=\"col\" class=\"n\">Visitors</th>"
          "<th scope=\"col\" class=\"n\">Visits</th>"
          "<th scope=\"col\" class=\"n\">Total min</th>"
          "<th scope=\"col\" class=\"n\">Average min per visitor</th>"
          "<th scope=\"col\" class=\"n\">Camera on</th></tr></thead>\n"
          "<tbody>\n", f);

    for (i = 0; i < h->nrooms; i++) {
        const zt_html_room_t  *rm = &h->rooms[i];

        fprintf(f, "<tr><th scope=\"row\"><span class=\"sw\" "
                "style=\"background:%s\"></span> ",
                zt_html_palette[i % ZT_HTML_NPAL]);
        zt_html_esc(f, rm->name);
        fprintf(f, "</th><td class=\"n\">%zu</td><td class=\"n\">%zu</td>"
                "<td class=\"n\">%.2f</td><td class=\"n\">%.2f</td>",
                rm->visitors, rm->visits, rm->mins,
                rm->visitors ? rm->mins / (double) rm->visitors : 0.0);

        if (rm->cam_on + rm->cam_off > 0) {
            fprintf(f, "<td class=\"n\">%.1f %%</td></tr>\n",
                    rm->cam_on * 100.0 / (rm->cam_on + rm->cam_off));
        } else {
            fputs("<td class=\"n\">—</td></tr>\n", f);
        }
    }

    fputs("</tbody>\n</table></div>\n", f);
}


/* every row and column of the CSV */
static void
zt_html_table(zt_html_t *h)
{
    FILE        *f = h->f;
    size_t       k, i;
    const char  *c;

    fputs("<section>\n<h2>All rows</h2>\n<div class=\"wide\">"
          "<table class=\"full\">\n<thead><tr>", f);
    for (i = 0; i < ZT_REPORT_NCOLS; i++) {
        fputs("<th scope=\"col\">", f);
        zt_html_esc(f, zt_report_columns[i]);
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);

    for (k = 0; k < h->r->nrows; k++) {
        fputs("<tr>", f);
        for (i = 0; i < ZT_REPORT_NCOLS; i++) {
            c = h->r->rows[k].cells[i];
            fputs(i == 3 ? "<th scope=\"row\">" : "<td>", f);
            zt_html_esc(f, c ? c : "");
            fputs(i == 3 ? "</th>" : "</td>", f);
        }
        fputs("</tr>\n", f);
    }

    fputs("</tbody>\n</table></div>\n</section>\n", f);
}


static void
zt_html_clock(const zt_html_t *h, int64_t ms, int secs, char *out,
    size_t len)
{
    if (zt_time_format_tz(ms, h->tz, secs ? "%H:%M:%S" : "%H:%M", out, len)
        != ZT_OK)
    {
        snprintf(out, len, "?");
    }
}


static int
zt_html_col(const char *name)
{
    int  i;

    for (i = 0; i < ZT_REPORT_NCOLS; i++) {
        if (strcmp(zt_report_columns[i], name) == 0) {
            return i;
        }
    }

    return -1;
}


/* a row's cell by column name; "" when empty or unknown */
static const char *
zt_html_cell(const zt_report_row_t *row, const char *name)
{
    int  i;

    i = zt_html_col(name);

    return i >= 0 && row->cells[i] ? row->cells[i] : "";
}


static void
zt_html_esc(FILE *f, const char *s)
{
    for ( ; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}


/* at most max characters (UTF-8 code points) of s, "..." when cut */
static void
zt_html_esc_cut(FILE *f, const char *s, size_t max)
{
    char    buf[512];
    size_t  i, n;

    for (i = 0, n = 0; s[i]; i++) {
        n += ((unsigned char) s[i] & 0xc0) != 0x80;
    }

    if (n <= max || max < 2) {
        zt_html_esc(f, s);
        return;
    }

    /* the first max - 1 characters, then the ellipsis */
    for (i = 0, n = 0; s[i] && i < sizeof(buf) - 4; i++) {
        if (((unsigned char) s[i] & 0xc0) != 0x80 && n++ == max - 1) {
            break;
        }
        buf[i] = s[i];
    }

    memcpy(buf + i, "\xe2\x80\xa6", 4);
    zt_html_esc(f, buf);
}
