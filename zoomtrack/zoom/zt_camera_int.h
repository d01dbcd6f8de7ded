/*
 * zt_camera_int: the state of one `zoomtrack camera` run, shared by its
 * files: the command (zt_camera.c), one meeting's QOS fetched, mapped and
 * stored (zt_camera_qos.c) and the pre-assigned breakout rooms
 * (zt_camera_rooms.c).  Not for use outside zoomtrack/zoom.
 *
 * Who frees what: the command owns the zt_camera_t and frees it at the
 * end (the meetings, the rows' buffer, the store, the Zoom client); a
 * meeting's rows are freed by zt_camera_rows_clear() as soon as the store
 * has them.
 */

#ifndef ZT_CAMERA_INT_H
#define ZT_CAMERA_INT_H


#include <jansson.h>

#include "zt_camera_store.h"
#include "zt_zoom_api.h"


typedef struct {
    char               *uuid;
    char               *meeting_id;
    zt_camera_facts_t   facts;
} zt_camera_meeting_t;


typedef struct {
    const zt_camera_store_ops_t  *ops;
    void                  *st;
    zt_zoom_t             *zoom;
    zt_camera_minute_t    *rows;          /* the meeting being stored */
    size_t                 nrows;
    size_t                 rows_cap;
    zt_camera_meeting_t   *meetings;
    int                    nmeetings;
    int                    tty;
    int                    new_only;      /* --new-only: skip done ones */
    int64_t                now;
    int64_t                ended_after;   /* [camera] ended_after_mins */
    int                    current;       /* meeting being fetched */
    int                    shown;
    int                    failed;
    /* counters for the summary */
    int                    ok;
    int                    pending;
    int                    unavailable;
    long                   participants;
    long                   minutes;
    long                   minutes_on;
    long                   rooms;
    /* the meeting being fetched */
    const char            *meeting_uuid;
    long                   meeting_participants;
    long                   meeting_minutes;   /* minutes before it */
    long                   meeting_minutes_on;  /* camera-on ones */
} zt_camera_t;


/* the \r progress line on a terminal (stderr) */
void zt_camera_progress(zt_camera_t *cam);

/*
 * One meeting: its QOS fetched and stored ('ok'), or its fetch state
 * recorded ('pending', 'unavailable').  ZT_ERROR stops the run (logged).
 */
int zt_camera_meeting(zt_camera_t *cam, zt_camera_meeting_t *m);
void zt_camera_rows_clear(zt_camera_t *cam);

/* the pre-assigned rooms of each meeting id of the day, once per id */
int zt_camera_all_rooms(zt_camera_t *cam);


#endif /* ZT_CAMERA_INT_H */
