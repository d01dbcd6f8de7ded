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


#include "zt_core.h"


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
