/*
 * Unit tests of zoomtrack/report/zt_report_html.c on a hand-built report:
 * one band per visit and grey stretches between them, clipping to the day,
 * room summaries (visitors counted once, average per visitor, camera %),
 * the full table, escaping of every value, long names cut at a character
 * boundary, and an empty day.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_report.h"
#include "zt_report_html.h"
#include "tap.h"


#define T0     1769418000000LL        /* 2026-01-26 09:00:00 UTC */
#define MIN    60000LL
#define DAY    "2026-01-26"


static size_t
count(const char *hay, const char *needle)
{
    size_t       n;
    const char  *p;

    for (n = 0, p = hay; (p = strstr(p, needle)) != NULL; p++) {
        n++;
    }

    return n;
}


static void
set(zt_report_row_t *row, const char *col, const char *v)
{
    int  i;

    for (i = 0; i < ZT_REPORT_NCOLS; i++) {
        if (strcmp(zt_report_columns[i], col) == 0) {
            row->cells[i] = v;
        }
    }
}


static char *
render(const zt_report_t *r)
{
    char    *buf;
    size_t   len;
    FILE    *f;

    f = open_memstream(&buf, &len);
    if (zt_report_write_html(r, f, DAY, "Europe/Istanbul") != ZT_OK) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    return buf;
}


int
main(void)
{
    char                *h;
    char                 longname[200];
    size_t               i;
    zt_report_t          r;
    zt_report_row_t      rows[4];
    zt_journey_t         j[2];
    zt_journey_span_t    sa[2], sb[1];
    zt_journey_visit_t   va[2], vb[1];

    memset(&r, 0, sizeof(r));
    memset(rows, 0, sizeof(rows));
    memset(j, 0, sizeof(j));
    memset(va, 0, sizeof(va));
    memset(vb, 0, sizeof(vb));

    /* A: 09:00-10:00 with Room-1 09:10-09:20 and Room-2 09:30-09:40, and
     * again from 23:50 local until after midnight (clipped to the day) */
    sa[0].start = T0;
    sa[0].end = T0 + 60 * MIN;
    sa[1].start = T0 + 710 * MIN;
    sa[1].end = T0 + 740 * MIN;
    va[0].room_uuid = "r1";
    va[0].start = T0 + 10 * MIN;
    va[0].end = T0 + 20 * MIN;
    va[1].room_uuid = "r2";
    va[1].start = T0 + 30 * MIN;
    va[1].end = T0 + 40 * MIN;
    j[0].name = "<b>Ann</b> & \"co\"";
    j[0].spans = sa;
    j[0].nspans = 2;
    j[0].visits = va;
    j[0].nvisits = 2;

    /* B: a long name; Room-1 twice would be two rows, once here */
    for (i = 0; i < 60; i++) {
        memcpy(longname + 2 * i, "\xc5\x9f", 2);
    }
    longname[120] = '\0';
    sb[0].start = T0 + 5 * MIN;
    sb[0].end = T0 + 50 * MIN;
    vb[0].room_uuid = "r1";
    vb[0].start = T0 + 12 * MIN;
    vb[0].end = T0 + 22 * MIN;
    j[1].name = longname;
    j[1].spans = sb;
    j[1].nspans = 1;
    j[1].visits = vb;
    j[1].nvisits = 1;

    for (i = 0; i < 3; i++) {
        set(&rows[i], "report_date", DAY);
        set(&rows[i], "meeting_id", "555");
        set(&rows[i], "meeting_uuid", "u==");
    }
    rows[0].journey = &j[0];
    rows[0].visit = &va[0];
    set(&rows[0], "participant_name", j[0].name);
    set(&rows[0], "room_name", "Group <A>");
    set(&rows[0], "room_uuid", "r1");
    set(&rows[0], "room_duration_mins", "10.00");
    set(&rows[0], "camera_on_mins", "6.00");
    set(&rows[0], "camera_off_mins", "2.00");
    rows[1].journey = &j[0];
    rows[1].visit = &va[1];
    set(&rows[1], "participant_name", j[0].name);
    set(&rows[1], "room_name", "Room-2");
    set(&rows[1], "room_uuid", "r2");
    set(&rows[1], "room_duration_mins", "10.00");
    rows[2].journey = &j[1];
    rows[2].visit = &vb[0];
    set(&rows[2], "participant_name", longname);
    set(&rows[2], "room_name", "Group <A>");
    set(&rows[2], "room_uuid", "r1");
    set(&rows[2], "room_duration_mins", "10.00");
    set(&rows[2], "camera_on_mins", "2.00");
    set(&rows[2], "camera_off_mins", "6.00");

    r.rows = rows;
    r.nrows = 3;
    r.people = 2;
    r.rooms = 2;
    r.meetings = 1;

    h = render(&r);
    ok(h != NULL, "renders");
    if (h == NULL) {
        return done_testing();
    }

    ok(strncmp(h, "<!doctype html>", 15) == 0, "a document");
    ok(strstr(h, "<script") == NULL && strstr(h, " src=") == NULL
       && strstr(h, " href=") == NULL, "no script, nothing fetched");
    ok(strstr(h, "<b>") == NULL && strstr(h, "<A>") == NULL,
       "no value becomes markup");
    ok(strstr(h, "&lt;b&gt;Ann&lt;/b&gt; &amp; &quot;co&quot;") != NULL,
       "names escaped");
    ok(strstr(h, "Group &lt;A&gt;") != NULL, "room names escaped");
    is_int(count(h, "<rect class=\"b visit\""), 3, "one band per visit");
    /* A: 09:00-09:10, 09:20-09:30, 09:40-10:00, 23:50-24:00; B: 2 */
    is_int(count(h, "<rect class=\"b main\""), 6,
           "grey main-room stretches around the visits");
    ok(strstr(h, "· Group &lt;A&gt; · 12:10:00 – 12:20:00 (10.0 min)")
       != NULL, "a band's title: room and exact local times");
    ok(strstr(h, "Main room · 23:50:00 – 00:00:00 (10.0 min)") != NULL,
       "the night stretch is clipped at the local midnight");
    ok(strstr(h, "<td class=\"n\">2</td><td class=\"n\">2</td>"
              "<td class=\"n\">20.00</td><td class=\"n\">10.00</td>"
              "<td class=\"n\">50.0 %</td>") != NULL,
       "room summary: 2 visitors, 2 visits, 20 min, 10 per visitor, 50 %%");
    ok(strstr(h, "<td class=\"n\">1</td><td class=\"n\">1</td>"
              "<td class=\"n\">10.00</td><td class=\"n\">10.00</td>"
              "<td class=\"n\">—</td>") != NULL,
       "room summary without camera samples: a dash");
    is_int(count(h, "<tr><td>" DAY "</td>"), 3, "the full table: 3 rows");
    is_int(count(h, "<th scope=\"col\""), ZT_REPORT_NCOLS + 6,
           "every column (and the room table's 6)");
    ok(strstr(h, "\xc5\x9f\xe2\x80\xa6</text>") != NULL,
       "a long name is cut after a whole character, with an ellipsis");

    free(h);

    r.nrows = 0;
    h = render(&r);
    ok(h && strstr(h, "No meeting on this day.") != NULL, "an empty day");
    free(h);

    ok(zt_report_write_html(&r, stdout, "2026-13-45", "UTC") == ZT_ERROR,
       "a bad date is an error");

    return done_testing();
}
