/*
 * zt_camera: `zoomtrack camera --date D`.  For every meeting instance of
 * day D in the warehouse it fetches Zoom's past-meeting QOS per participant
 * (Dashboard API) and stores one camera on/off sample per person per minute
 * in camera_minutes, the fetch state in camera_fetches, and the meeting's
 * pre-assigned breakout rooms in preassigned_rooms.  The command itself is
 * zt_cmd_camera() (zt_cmd.h); this header exports the pure rules for tests.
 */

#ifndef ZT_CAMERA_H
#define ZT_CAMERA_H


#include <stdint.h>

#include "zt_core.h"


/*
 * What the warehouse knows about one meeting instance, epoch ms, 0 for
 * none: its last meeting.ended, its last meeting.started or participant
 * join (main meeting or breakout room), its last meeting.* event of any
 * kind, and when its QOS was last fetched 'ok'.  For a webinar instance
 * (webinar set) the webinar.* events count instead.
 */
typedef struct {
    int64_t  ended_ts;
    int64_t  joined_ts;
    int64_t  last_ts;
    int64_t  ok_at;
    int      webinar;
} zt_camera_facts_t;

typedef enum {
    ZT_CAMERA_FETCH = 0,     /* it ended: fetch its past QOS */
    ZT_CAMERA_DONE,          /* fetched 'ok' after it ended: nothing to do */
    ZT_CAMERA_WAIT           /* not ended (yet): 'pending' */
} zt_camera_plan_e;

/*
 * Whether a meeting's QOS is to be fetched now (ms), and why, in words
 * for camera_fetches.detail and the log (why, len).  A meeting has ended
 * when its last meeting.ended is not followed by a join (Zoom sends
 * meeting.ended each time a lone host leaves, and the meeting may go on),
 * or, with no such meeting.ended, when its last event is ended_after ms
 * old or older (ended_after 0: never).  *end is the end relied on.  An
 * 'ok' fetch made after that end is DONE; one made before it (the meeting
 * went on after it was fetched) is fetched again.
 */
zt_camera_plan_e zt_camera_plan(const zt_camera_facts_t *f, int64_t now,
    int64_t ended_after, int64_t *end, char *why, size_t len);

/*
 * Zoom does not document what video_input holds while a camera is off.
 * A minute counts as camera-on when bitrate ("27.15 kbps") parses to a
 * number > 0, or when resolution ("1280*720") is non-empty, not "0*0" and
 * has no zero dimension.  Empty, missing (NULL), "0 kbps", "0*0": off.
 * Returns 1 (on) or 0 (off).
 */
int zt_camera_is_on(const char *bitrate, const char *resolution);

/*
 * What a final 4xx from the QOS API means for camera_fetches.status:
 * "pending" for 404 code 3001 (not ended / no data yet), else
 * "unavailable".  See zt_camera.c for the code list.
 */
const char *zt_camera_status_for(long http_status, long zoom_code);


#endif /* ZT_CAMERA_H */
