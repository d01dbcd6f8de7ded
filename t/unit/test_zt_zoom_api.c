/*
 * Unit tests of the pure parts of the Zoom client and the camera command:
 * path encoding of meeting uuids (once normally, twice when the uuid
 * starts with '/' or contains "//"), the camera-on rule and the mapping of
 * final QOS errors to camera_fetches states.
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


int
main(void)
{
    test_encode();
    test_camera_on();
    test_status();

    return done_testing();
}
