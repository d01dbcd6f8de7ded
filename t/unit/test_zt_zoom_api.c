/*
 * Unit tests of the pure parts of the Zoom client and the camera command:
 * path encoding of meeting uuids (once normally, twice when the uuid
 * starts with '/' or contains "//"), the camera-on rule, the mapping of
 * final QOS errors to camera_fetches states and when a meeting has ended
 * (zt_camera_plan: a lost or non-final meeting.ended).
 */

#include <stdio.h>
#include <string.h>

#include "zt_camera.h"
#include "zt_zoom_api.h"
#include "tap.h"


static void
test_encode(void)
{
    char  out[ZT_ZOOM_UUID_ENC_MAX];

    is_int(zt_zoom_uuid_encode("aB3-_.~z", out, sizeof(out)), ZT_OK,
           "plain uuid");
    is_str(out, "aB3-_.~z", "unreserved characters stay");

    zt_zoom_uuid_encode("4444AAAiAAAAAiAiAiiAii==", out, sizeof(out));
    is_str(out, "4444AAAiAAAAAiAiAiiAii%3D%3D", "'=' encoded once");

    zt_zoom_uuid_encode("Zx7+Ab/Cd9==", out, sizeof(out));
    is_str(out, "Zx7%2BAb%2FCd9%3D%3D",
           "'+' and a single inner '/' encoded once");

    zt_zoom_uuid_encode("/pfVhQWoSQmUs6ZOwFD4kw==", out, sizeof(out));
    is_str(out, "%252FpfVhQWoSQmUs6ZOwFD4kw%253D%253D",
           "leading '/' → double-encoded");

    zt_zoom_uuid_encode("4M3a//Yk+Tq==", out, sizeof(out));
    is_str(out, "4M3a%252F%252FYk%252BTq%253D%253D",
           "inner '//' → double-encoded");

    zt_zoom_uuid_encode("/", out, sizeof(out));
    is_str(out, "%252F", "just '/'");

    zt_zoom_uuid_encode("", out, sizeof(out));
    is_str(out, "", "empty uuid");

    is_int(zt_zoom_uuid_encode("/abc", out, 6), ZT_ERROR,
           "too small a buffer is an error");
    is_int(zt_zoom_uuid_encode("abc", out, 3), ZT_ERROR,
           "no room for the NUL is an error");
    is_int(zt_zoom_uuid_encode("abc", out, 4), ZT_OK, "exact fit");

    zt_zoom_url_encode("a b&c=d", out, sizeof(out));
    is_str(out, "a%20b%26c%3Dd", "url_encode of a query value");
}


static void
test_camera_on(void)
{
    is_int(zt_camera_is_on("27.15 kbps", "1280*720"), 1, "sample: on");
    is_int(zt_camera_is_on("27.15 kbps", ""), 1, "bitrate alone: on");
    is_int(zt_camera_is_on("", "640*360"), 1, "resolution alone: on");
    is_int(zt_camera_is_on(NULL, "640*360"), 1, "no bitrate, resolution");
    is_int(zt_camera_is_on("0 kbps", "0*0"), 0, "0 kbps, 0*0: off");
    is_int(zt_camera_is_on("0.00 kbps", ""), 0, "0.00 kbps: off");
    is_int(zt_camera_is_on("", ""), 0, "empty strings: off");
    is_int(zt_camera_is_on(NULL, NULL), 0, "missing video_input: off");
    is_int(zt_camera_is_on("kbps", NULL), 0, "no number: off");
    is_int(zt_camera_is_on("-", "0*0"), 0, "dash: off");
    is_int(zt_camera_is_on("0 kbps", "0*720"), 0, "zero width: off");
    is_int(zt_camera_is_on("0 kbps", "1280x720"), 1, "WxH form: on");
    is_int(zt_camera_is_on("0.01 kbps", "0*0"), 1, "tiny bitrate: on");
}


static void
test_status(void)
{
    is_str(zt_camera_status_for(404, 3001), "pending",
           "404 3001: pending");
    is_str(zt_camera_status_for(400, 200), "unavailable",
           "400 200 No permission: unavailable");
    is_str(zt_camera_status_for(403, 200), "unavailable",
           "403 200 paid only: unavailable");
    is_str(zt_camera_status_for(400, 4711), "unavailable",
           "400 4711 scopes: unavailable");
    is_str(zt_camera_status_for(400, 124), "unavailable",
           "400 124: unavailable");
    is_str(zt_camera_status_for(400, 12702), "unavailable",
           "400 12702 a year ago: unavailable");
    is_str(zt_camera_status_for(404, 1001), "unavailable",
           "other 404: unavailable");
}


#define MIN   60000LL
#define T0    1795168800000LL         /* 2026-11-20T10:00:00Z */


static zt_camera_plan_e
plan(int64_t ended, int64_t joined, int64_t last, int64_t ok_at, int64_t now,
    int64_t after, int64_t *end, char *why)
{
    zt_camera_facts_t  f;

    memset(&f, 0, sizeof(f));
    f.ended_ts = ended;
    f.joined_ts = joined;
    f.last_ts = last;
    f.ok_at = ok_at;

    *end = -1;

    return zt_camera_plan(&f, now, after, end, why, 400);
}


static void
test_plan(void)
{
    char     why[400], tiny[16];
    int64_t  end, now;

    zt_camera_facts_t  f = { T0 + 60 * MIN, T0, T0 + 61 * MIN, 0, 0 };

    now = T0 + 24 * 60 * MIN;

    is_int(plan(T0 + 60 * MIN, T0, T0 + 61 * MIN, 0, now, 180 * MIN, &end,
                why), ZT_CAMERA_FETCH, "meeting.ended after the joins");
    is_int((int) (end == T0 + 60 * MIN), 1, "... its end is meeting.ended");
    is_str(why, "ended at 2026-11-20T11:00:00Z (meeting.ended)",
           "... said so");

    is_int(plan(T0 + MIN, T0, T0 + MIN, 0, T0 + 2 * MIN, 180 * MIN, &end,
                why), ZT_CAMERA_FETCH, "ended a minute ago: fetched");

    is_int(plan(T0 + 60 * MIN, T0 + 60 * MIN, T0 + 60 * MIN, 0, now,
                180 * MIN, &end, why),
           ZT_CAMERA_FETCH, "a join at the very end does not resume it");

    is_int(plan(T0 + 20 * MIN, T0 + 40 * MIN, T0 + 60 * MIN, 0,
                T0 + 70 * MIN, 180 * MIN, &end, why),
           ZT_CAMERA_WAIT, "a join after meeting.ended: went on, waits");
    is_str(why, "meeting has not ended: it went on after its meeting.ended "
           "at 2026-11-20T10:20:00Z; presumed ended at "
           "2026-11-20T14:00:00Z, 180 min after its last event, unless "
           "more come", "... said so");

    is_int(plan(0, T0, T0 + 30 * MIN, 0, T0 + 209 * MIN, 180 * MIN, &end,
                why), ZT_CAMERA_WAIT, "no meeting.ended, 179 min: waits");
    is_int(plan(0, T0, T0 + 30 * MIN, 0, T0 + 210 * MIN, 180 * MIN, &end,
                why), ZT_CAMERA_FETCH, "no meeting.ended, 180 min: fetched");
    is_int((int) (end == T0 + 30 * MIN), 1, "... its end: the last event");
    is_str(why, "no meeting.ended: presumed ended at its last event, "
           "2026-11-20T10:30:00Z, 180 min ago (camera.ended_after_mins 180)",
           "... said so");

    is_int(plan(0, T0, T0 + 30 * MIN, 0, now + 9999 * MIN, 0, &end, why),
           ZT_CAMERA_WAIT, "ended_after 0: never presumed");
    is_str(why, "meeting has not ended: no meeting.ended yet "
           "(camera.ended_after_mins = 0: none is presumed)", "... said so");

    is_int(plan(T0 + 60 * MIN, T0, T0 + 61 * MIN, T0 + 90 * MIN, now,
                180 * MIN, &end, why),
           ZT_CAMERA_DONE, "fetched 'ok' after its end: done");
    is_int(plan(T0 + 60 * MIN, T0, T0 + 61 * MIN, T0 + 60 * MIN, now,
                180 * MIN, &end, why),
           ZT_CAMERA_DONE, "... also at its end");
    is_int(plan(0, T0, T0 + 30 * MIN, T0 + 300 * MIN, now, 180 * MIN, &end,
                why), ZT_CAMERA_DONE, "presumed end fetched: done");
    is_int(plan(T0 + 30 * MIN + 5000, T0, T0 + 30 * MIN + 5000,
                T0 + 300 * MIN, now, 180 * MIN, &end, why),
           ZT_CAMERA_DONE, "... a late meeting.ended changes nothing");

    is_int(plan(T0 + 20 * MIN, T0 + 40 * MIN, T0 + 60 * MIN, T0 + 25 * MIN,
                now, 180 * MIN, &end, why),
           ZT_CAMERA_FETCH, "fetched before it went on: fetched again");
    is_int(plan(T0 + 90 * MIN, T0 + 40 * MIN, T0 + 90 * MIN, T0 + 25 * MIN,
                now, 180 * MIN, &end, why),
           ZT_CAMERA_FETCH, "... also at its final meeting.ended");
    is_int(plan(T0 + 20 * MIN, T0 + 40 * MIN, T0 + 60 * MIN, T0 + 25 * MIN,
                T0 + 70 * MIN, 180 * MIN, &end, why),
           ZT_CAMERA_WAIT, "... waits while it may still run");
    ok(strstr(why, "its QOS fetched at 2026-11-20T10:25:00Z is fetched "
              "again then") != NULL, "... said so");

    /* a short buffer: cut, terminated */
    is_int(zt_camera_plan(&f, now, 180 * MIN, &end, tiny, sizeof(tiny)),
           ZT_CAMERA_FETCH, "short buffer");
    is_str(tiny, "ended at 2026-1", "... the reason cut short");
}


int
main(void)
{
    test_encode();
    test_camera_on();
    test_status();
    test_plan();

    return done_testing();
}
