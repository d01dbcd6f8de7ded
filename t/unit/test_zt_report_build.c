/*
 * Unit tests of zoomtrack/report/zt_report_build.c through a warehouse
 * double: an in-memory zt_warehouse_ops_t, the way a BigQuery backend
 * plugs in.  The rows of a small day: a person leaving the meeting from a
 * named room (room_names by meeting id), camera minutes delivered out of
 * order, a person with no room; the writers; the rows and times handed to
 * replace_report.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_report.h"
#include "tap.h"


#define T0   1770109200000LL           /* 2026-02-03 09:00:00 UTC */
#define MIN  60000LL


typedef struct {
    const char  *type;
    int64_t      ts;
    const char  *key;
    const char  *room;
} ev_t;


static const ev_t  events[] = {
    { "meeting.started", T0, "", "" },
    { "meeting.participant_joined", T0 + MIN, "id:a", "" },
    { "meeting.participant_joined", T0 + MIN, "id:b", "" },
    { "meeting.participant_left", T0 + 5 * MIN, "id:a", "" },
    { "meeting.participant_joined", T0 + 5 * MIN + 400, "id:a", "" },
    { "meeting.participant_joined_breakout_room", T0 + 5 * MIN + 900,
      "id:a", "r1" },
    /* leaves the meeting from the room: room leave, main leave 30 ms on */
    { "meeting.participant_left_breakout_room", T0 + 15 * MIN, "id:a",
      "r1" },
    { "meeting.participant_left", T0 + 15 * MIN + 30, "id:a", "" },
    { "meeting.participant_left", T0 + 20 * MIN, "id:b", "" },
    { "meeting.ended", T0 + 30 * MIN, "", "" },
};


typedef struct {
    size_t  stored;
    size_t  replaced;
    int64_t room_join_ms;
    char    next[32];
} wh_t;


static wh_t  wh;


static void *
wh_open(const zt_conf_t *conf, char *err, size_t errlen)
{
    return &wh;
}


static int
wh_events(void *w, const zt_wh_query_t *q, zt_wh_event_pt cb, void *data)
{
    size_t               i;
    zt_presence_event_t  e;

    /* newest first: the order must not matter */
    for (i = sizeof(events) / sizeof(events[0]); i-- > 0; /* void */) {
        memset(&e, 0, sizeof(e));
        e.event_type = events[i].type;
        e.meeting_uuid = "m==";
        e.meeting_id = "555";
        e.person_key = events[i].key;
        e.participant_id = "";
        e.registrant_id = "";
        e.participant_name = strcmp(events[i].key, "id:a") == 0 ? "Ann"
                             : events[i].key[0] ? "Ben" : "";
        e.participant_email = "";
        e.breakout_room_uuid = events[i].room;
        e.event_ts = events[i].ts;

        if (cb(data, &e) != ZT_OK) {
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


static int
wh_camera(void *w, const char *meeting_uuid, char *status, size_t len,
    zt_wh_camera_pt cb, void *data)
{
    int64_t  t;

    snprintf(status, len, "ok");

    /* out of order: Ben first, then Ann's minutes backwards */
    for (t = T0 + MIN; t < T0 + 20 * MIN; t += MIN) {
        if (cb(data, "id:b", t, 1) != ZT_OK) {
            return ZT_ERROR;
        }
    }

    for (t = T0 + 14 * MIN; t >= T0 + MIN; t -= MIN) {
        if (cb(data, "id:a", t, t < T0 + 10 * MIN) != ZT_OK) {
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


static int
wh_room_names(void *w, const char *meeting_uuid, const char *meeting_id,
    zt_wh_room_name_pt cb, void *data)
{
    return strcmp(meeting_id, "555") == 0 ? cb(data, "r1", "Blue", 0)
                                          : ZT_OK;
}


static int
wh_preassigned(void *w, const char *meeting_id, zt_wh_preassigned_pt cb,
    void *data)
{
    return ZT_OK;
}


static int
wh_replace(void *w, const zt_wh_query_t *q, const zt_wh_row_t *rows,
    size_t n)
{
    size_t  i;

    wh.replaced++;
    wh.stored = n;

    for (i = 0; i < n; i++) {
        if (rows[i].cells[10]) {
            wh.room_join_ms = rows[i].room_join_ms;
            snprintf(wh.next, sizeof(wh.next), "%s", rows[i].cells[17]);
        }
    }

    return ZT_OK;
}


static const char *
wh_errmsg(void *w)
{
    return "";
}


static void
wh_close(void *w)
{
}


static const zt_warehouse_ops_t  double_ops = {
    "double", wh_open, wh_events, wh_camera, wh_room_names, wh_preassigned,
    wh_replace, wh_errmsg, wh_close, NULL
};


/* the writer's output as a malloc()ed string */
static char *
written(const zt_report_t *r, int json)
{
    FILE    *f;
    char    *buf;
    size_t   len;

    buf = NULL;
    f = open_memstream(&buf, &len);
    if (json) {
        zt_report_write_json(r, f);

    } else {
        zt_report_write_csv(r, f);
    }
    fclose(f);
    return buf;
}


int
main(void)
{
    char           err[256], *s;
    void          *w;
    size_t         i;
    zt_report_t    r;
    zt_wh_row_t    rows[8];
    zt_wh_query_t  q;

    memset(&q, 0, sizeof(q));
    q.report_date = "2026-02-03";
    q.day_start = 1770076800000LL;
    q.day_end = q.day_start + 86400000LL;

    w = double_ops.open(NULL, err, sizeof(err));

    ok(zt_report_build(&double_ops, w, &q, "UTC", &r, err, sizeof(err))
       == ZT_OK, "build through the double");
    is_int(r.nrows, 2, "two rows: Ann's visit, Ben without a room");
    is_int(r.people, 2, "summary: 2 people");
    is_int(r.rooms, 1, "summary: 1 room");
    is_int(r.meetings, 1, "summary: 1 meeting");

    if (r.nrows == 2) {
        is_str(r.rows[0].cells[3], "Ann", "rows sorted by name");
        is_str(r.rows[0].cells[9], "Blue", "room named by the meeting id");
        is_str(r.rows[0].cells[17], "Left meeting",
               "a room leave and its main leave: Left meeting");
        is_str(r.rows[0].cells[6], "2026-02-03 09:15:00",
               "the presence ends at the main leave");
        is_str(r.rows[0].cells[14], "4.00",
               "camera minutes in the visit, read out of order: on");
        is_str(r.rows[0].cells[15], "5.00", "... and off");
        is_str(r.rows[0].cells[16], "44.4", "... and the percentage");
        ok(r.rows[0].visit && r.rows[0].journey
           && strcmp(r.rows[0].journey->key, "id:a") == 0,
           "a row points to its journey and visit");
        ok(r.rows[1].visit == NULL && r.rows[1].cells[8] == NULL
           && r.rows[1].cells[17] == NULL,
           "no room: room cells are NULL");
        is_str(r.rows[1].cells[14], "19.00",
               "no room: camera over the whole presence");
        is_str(r.rows[1].cells[7], "19.00", "duration");
    }

    s = written(&r, 0);
    ok(strstr(s, "\"Ann\",\"\",\"2026-02-03 09:01:00\"") != NULL
       && strncmp(s, "\"report_date\",", 14) == 0,
       "CSV: header and quoted cells");
    free(s);

    s = written(&r, 1);
    ok(strstr(s, "\"room_number\":null") != NULL
       && strstr(s, "\"join_time_known\":true") != NULL
       && strstr(s, "\"meeting_duration_mins\":14.00") != NULL,
       "JSON: null, booleans and numbers bare");
    free(s);

    if (r.nrows <= 8) {
        for (i = 0; i < r.nrows; i++) {
            rows[i].cells = r.rows[i].cells;
            rows[i].join_ms = r.rows[i].ms[0];
            rows[i].leave_ms = r.rows[i].ms[1];
            rows[i].room_join_ms = r.rows[i].ms[2];
            rows[i].room_leave_ms = r.rows[i].ms[3];
        }
        double_ops.replace_report(w, &q, rows, r.nrows);
    }

    ok(wh.stored == 2 && wh.room_join_ms == T0 + 5 * MIN + 900
       && strcmp(wh.next, "Left meeting") == 0,
       "replace_report gets the cells and the times in ms");

    zt_report_free(&r);
    double_ops.close(w);

    q.meeting = "other";
    ok(zt_report_build(&double_ops, w, &q, "UTC", &r, err, sizeof(err))
       == ZT_OK && r.nrows == 0, "another meeting: no rows");
    zt_report_free(&r);

    return done_testing();
}
