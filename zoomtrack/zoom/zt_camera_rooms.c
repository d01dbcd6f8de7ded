/*
 * zt_camera_rooms: the pre-assigned breakout rooms of the day's meetings
 * for `zoomtrack camera`: GET /meetings/{meeting_id} once per meeting id,
 * settings.breakout_room.rooms[].participants (emails, lower-cased)
 * replacing that meeting id's preassigned_rooms.  A meeting Zoom will not
 * show (deleted, another user's) has no rooms and is no failure.  The
 * seats are freed here once the store has them.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_camera_int.h"
#include "zt_log.h"
#include "zt_zoom_api.h"


static int zt_camera_rooms(zt_camera_t *cam, const char *meeting_id);
static int zt_camera_store_rooms(zt_camera_t *cam, const char *meeting_id,
    json_t *rooms);


/* the rooms of each meeting id of the day, once per id */
int
zt_camera_all_rooms(zt_camera_t *cam)
{
    int  i, k;

    for (i = 0; i < cam->nmeetings; i++) {
        /* a webinar has no breakout rooms, and /meetings does not know it */
        if (cam->meetings[i].meeting_id[0] == '\0'
            || cam->meetings[i].facts.webinar)
        {
            continue;
        }

        for (k = 0; k < i; k++) {
            if (strcmp(cam->meetings[k].meeting_id,
                       cam->meetings[i].meeting_id) == 0)
            {
                break;
            }
        }

        if (k == i && zt_camera_rooms(cam, cam->meetings[i].meeting_id)
                      != ZT_OK)
        {
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


static int
zt_camera_rooms(zt_camera_t *cam, const char *meeting_id)
{
    int            rc;
    char           enc[256], path[320];
    json_t        *j, *rooms;
    zt_zoom_err_t  e;

    if (zt_zoom_url_encode(meeting_id, enc, sizeof(enc)) != ZT_OK) {
        zt_log_warn("camera: meeting id \"%s\" too long", meeting_id);
        return ZT_OK;
    }

    snprintf(path, sizeof(path), "/meetings/%s", enc);

    rc = zt_zoom_get(cam->zoom, path, &j, &e);

    if (rc == ZT_DECLINED && !e.auth) {
        /* deleted meetings, other users' meetings: no names, not fatal */
        zt_log_info("camera: meeting %s: no pre-assigned rooms: HTTP %ld "
                    "code %ld: %s", meeting_id, e.status, e.code, e.message);
        return ZT_OK;
    }

    if (rc != ZT_OK) {
        zt_log_error("camera: meeting %s: settings not fetched: %s%s",
                     meeting_id, e.auth ? "authentication failed: " : "",
                     e.message);
        return ZT_ERROR;
    }

    rooms = json_object_get(json_object_get(json_object_get(j, "settings"),
                                            "breakout_room"), "rooms");

    rc = zt_camera_store_rooms(cam, meeting_id, rooms);

    json_decref(j);

    return rc;
}


static int
zt_camera_store_rooms(zt_camera_t *cam, const char *meeting_id,
    json_t *rooms)
{
    int                rc;
    char              *s;
    size_t             i, k, n, cap;
    json_t            *room, *email;
    const char        *name, *em;
    zt_camera_seat_t  *seats, *t;

    seats = NULL;
    n = 0;
    cap = 0;
    rc = ZT_ERROR;

    json_array_foreach(rooms, i, room) {
        name = json_string_value(json_object_get(room, "name"));
        if (name == NULL) {
            continue;
        }

        json_array_foreach(json_object_get(room, "participants"), k, email) {
            em = json_string_value(email);
            if (em == NULL || em[0] == '\0') {
                continue;
            }

            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                t = realloc(seats, cap * sizeof(zt_camera_seat_t));
                if (t == NULL) {
                    goto nomem;
                }
                seats = t;
            }

            seats[n].room_name = name;
            seats[n].email = strdup(em);
            if (seats[n].email == NULL) {
                goto nomem;
            }
            for (s = seats[n].email; *s; s++) {
                if (*s >= 'A' && *s <= 'Z') {
                    *s = (char) (*s - 'A' + 'a');
                }
            }
            n++;
        }
    }

    /* the store logs its own failure */
    rc = cam->ops->store_rooms(cam->st, meeting_id, seats, n);
    if (rc == ZT_OK) {
        cam->rooms += (long) n;
    }

    goto done;

nomem:

    zt_log_error("camera: out of memory");

done:

    for (i = 0; i < n; i++) {
        free(seats[i].email);
    }

    free(seats);

    return rc;
}
