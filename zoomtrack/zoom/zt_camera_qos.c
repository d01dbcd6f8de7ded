/*
 * zt_camera_qos: one meeting of `zoomtrack camera` (see zt_camera.c for
 * the rules): its QOS pages fetched, each QOS participant mapped to the
 * warehouse identity (participant_uuid, user id, email, display name, else
 * zt_person_key()), the samples merged to one row per person and minute
 * (camera on if any sample is) and stored with the meeting's 'ok'; or the
 * final 4xx recorded as 'pending' or 'unavailable'.  Each page becomes
 * rows as it arrives (a page holds ten people's samples of every minute,
 * kilobytes each; a row is a key and a minute), so memory follows the
 * rows, not the pages; the rows are stored only once every page came, and
 * freed by zt_camera_rows_clear().
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_event.h"
#include "zt_time.h"
#include "zt_camera.h"
#include "zt_camera_int.h"
#include "zt_log.h"
#include "zt_record.h"
#include "zt_zoom_api.h"


#define ZT_CAMERA_KEY_LEN    512
#define ZT_CAMERA_MAX_PAGES  10000
/*
 * How long after its end a meeting whose past QOS has no sample stays
 * 'pending' (zoom-api.md 3.3: when that data is complete is not known).
 * zoomtrack-daily fetches a day again on the next day's run, about a day
 * later; that run, the last one that asks by itself, takes what there is.
 */
#define ZT_CAMERA_EMPTY_WAIT_MS  (24 * 3600 * 1000LL)


static int zt_camera_fetch_qos(zt_camera_t *cam,
    const zt_camera_meeting_t *m, zt_zoom_err_t *e);
static int zt_camera_empty(zt_camera_t *cam, const zt_camera_meeting_t *m,
    int64_t end);
static int zt_camera_store(zt_camera_t *cam, const char *uuid);
static int zt_camera_store_participant(zt_camera_t *cam, const char *uuid,
    json_t *p);
static int zt_camera_person(zt_camera_t *cam, const char *uuid, json_t *p,
    char *key, size_t len);
static int zt_camera_set_status(zt_camera_t *cam, const char *uuid,
    const char *status, const char *detail);


static const char  *zt_camera_match_field[4] = {
    "participant_uuid", "user_id", "email", "user_name"
};


int
zt_camera_meeting(zt_camera_t *cam, zt_camera_meeting_t *m)
{
    int                 rc;
    char                why[400], detail[1024];
    int64_t             end;
    const char         *status;
    zt_zoom_err_t       e;
    zt_camera_facts_t   f;
    zt_camera_plan_e    plan;

    f = m->facts;
    /* an 'ok' fetch counts only with --new-only: a rerun fetches again */
    if (!cam->new_only) {
        f.ok_at = 0;
    }

    plan = zt_camera_plan(&f, cam->now, cam->ended_after, &end, why,
                          sizeof(why));

    if (plan == ZT_CAMERA_DONE) {
        cam->ok++;
        zt_log_info("camera: meeting \"%s\": ok, not fetched again: %s",
                    m->uuid, why);
        return ZT_OK;
    }

    if (plan == ZT_CAMERA_WAIT) {
        cam->pending++;
        zt_log_info("camera: meeting \"%s\": pending: %s", m->uuid, why);

        /* an 'ok' is never downgraded: its minutes stay until refetched */
        return f.ok_at ? ZT_OK
                       : zt_camera_set_status(cam, m->uuid, "pending", why);
    }

    if (end != f.ended_ts || f.ok_at) {
        zt_log_info("camera: meeting \"%s\": %s: fetching its past QOS",
                    m->uuid, why);
    }

    zt_camera_rows_clear(cam);
    cam->meeting_uuid = m->uuid;
    cam->meeting_participants = 0;
    cam->meeting_minutes = cam->minutes;
    cam->meeting_minutes_on = cam->minutes_on;

    rc = zt_camera_fetch_qos(cam, m, &e);

    if (rc == ZT_OK && cam->nrows == 0
        && cam->now - end < ZT_CAMERA_EMPTY_WAIT_MS)
    {
        return zt_camera_empty(cam, m, end);
    }

    if (rc == ZT_OK) {
        rc = zt_camera_store(cam, m->uuid);
        if (rc == ZT_OK) {
            cam->ok++;
        }
        return rc;
    }

    zt_camera_rows_clear(cam);

    if (rc == ZT_DECLINED && !e.auth) {
        status = zt_camera_status_for(e.status, e.code);
        snprintf(detail, sizeof(detail), "HTTP %ld code %ld: %s", e.status,
                 e.code, e.message);

        /* Zoom's 3001 for a live meeting: the presumed end was wrong */
        if (status[0] == 'p' && end != f.ended_ts) {
            snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
                     " (%s; still running, or its data is not ready yet)",
                     why);
        }

        zt_log_info("camera: meeting \"%s\": %s (%s)", m->uuid, status,
                    detail);
        if (status[0] == 'p') {
            cam->pending++;
        } else {
            cam->unavailable++;
        }
        return zt_camera_set_status(cam, m->uuid, status, detail);
    }

    zt_log_error("camera: meeting \"%s\": QOS not fetched: %s%s", m->uuid,
                 e.auth ? "authentication failed: " : "", e.message);

    return ZT_ERROR;
}


/*
 * One QOS page made rows, its participants counted for the progress line;
 * no page: Zoom's pages start over, the meeting's rows and counts so far
 * are forgotten.
 */
static int
zt_camera_page(void *data, json_t *page)
{
    size_t        i;
    json_t       *parts, *p;
    zt_camera_t  *cam = data;

    if (page == NULL) {
        zt_camera_rows_clear(cam);
        cam->participants -= cam->meeting_participants;
        cam->meeting_participants = 0;
        cam->minutes = cam->meeting_minutes;
        cam->minutes_on = cam->meeting_minutes_on;
        return ZT_OK;
    }

    parts = json_object_get(page, "participants");

    json_array_foreach(parts, i, p) {
        cam->participants++;
        cam->meeting_participants++;

        if (zt_camera_store_participant(cam, cam->meeting_uuid, p)
            != ZT_OK)
        {
            return ZT_ERROR;
        }
    }

    zt_camera_progress(cam);

    return ZT_OK;
}


/*
 * Every QOS page of the meeting made rows; ZT_OK, ZT_DECLINED, ZT_ERROR.
 * A webinar's QOS is under /metrics/webinars: the meetings one does not
 * know it (404 code 3001).
 */
static int
zt_camera_fetch_qos(zt_camera_t *cam, const zt_camera_meeting_t *m,
    zt_zoom_err_t *e)
{
    char  enc[ZT_ZOOM_UUID_ENC_MAX], path[2048];

    if (zt_zoom_uuid_encode(m->uuid, enc, sizeof(enc)) != ZT_OK) {
        memset(e, 0, sizeof(zt_zoom_err_t));
        snprintf(e->message, sizeof(e->message), "meeting uuid too long");
        return ZT_ERROR;
    }

    snprintf(path, sizeof(path), "/metrics/%s/%s/participants/qos"
             "?type=past&page_size=10",
             m->facts.webinar ? "webinars" : "meetings", enc);

    return zt_zoom_get_pages(cam->zoom, path, ZT_CAMERA_MAX_PAGES,
                             zt_camera_page, cam, e);
}


/*
 * Zoom answered with no sample (no participant, or empty user_qos) soon
 * after the end: not data yet, so 'pending' and asked again by the next
 * run, --new-only included.  An earlier 'ok' keeps its minutes.
 */
static int
zt_camera_empty(zt_camera_t *cam, const zt_camera_meeting_t *m, int64_t end)
{
    char  detail[256];

    snprintf(detail, sizeof(detail), "Zoom's past QOS has no samples yet, "
             "%lld min after the end; asked again until %d h after it",
             (long long) ((cam->now - end) / 60000),
             (int) (ZT_CAMERA_EMPTY_WAIT_MS / 3600000));

    zt_log_info("camera: meeting \"%s\": pending: %s", m->uuid, detail);
    cam->pending++;

    return m->facts.ok_at ? ZT_OK
                          : zt_camera_set_status(cam, m->uuid, "pending",
                                                 detail);
}


void
zt_camera_rows_clear(zt_camera_t *cam)
{
    size_t  i;

    for (i = 0; i < cam->nrows; i++) {
        free(cam->rows[i].person_key);
    }

    cam->nrows = 0;
}


static int
zt_camera_row_cmp(const void *a, const void *b)
{
    int                        c;
    const zt_camera_minute_t  *x = a, *y = b;

    c = strcmp(x->person_key, y->person_key);
    if (c != 0) {
        return c;
    }

    return x->minute_ts < y->minute_ts ? -1 : x->minute_ts > y->minute_ts;
}


/* sorts the rows and merges a person's minute: on if any sample is on */
static void
zt_camera_rows_merge(zt_camera_t *cam)
{
    size_t               i, n;
    zt_camera_minute_t  *r = cam->rows;

    if (cam->nrows == 0) {
        return;
    }

    qsort(r, cam->nrows, sizeof(zt_camera_minute_t), zt_camera_row_cmp);

    n = 1;

    for (i = 1; i < cam->nrows; i++) {
        if (zt_camera_row_cmp(&r[n - 1], &r[i]) == 0) {
            if (r[i].camera_on > r[n - 1].camera_on) {
                r[n - 1].camera_on = r[i].camera_on;
            }
            free(r[i].person_key);
            continue;
        }
        r[n++] = r[i];
    }

    cam->nrows = n;
}


/* replaces the meeting's minutes with the rows and marks it 'ok' */
static int
zt_camera_store(zt_camera_t *cam, const char *uuid)
{
    int   rc;
    char  detail[128];

    zt_camera_rows_merge(cam);

    snprintf(detail, sizeof(detail), "%ld participants, %ld samples",
             cam->meeting_participants, cam->minutes - cam->meeting_minutes);

    rc = cam->ops->store_minutes(cam->st, uuid, cam->rows, cam->nrows,
                                 detail);
    if (rc == ZT_OK) {
        zt_log_info("camera: meeting \"%s\": ok, %s", uuid, detail);
    }

    zt_camera_rows_clear(cam);

    return rc;
}


static int
zt_camera_add_row(zt_camera_t *cam, const char *key, int64_t minute, int on)
{
    size_t               cap;
    zt_camera_minute_t  *r;

    if (cam->nrows == cam->rows_cap) {
        cap = cam->rows_cap ? cam->rows_cap * 2 : 256;
        r = realloc(cam->rows, cap * sizeof(zt_camera_minute_t));
        if (r == NULL) {
            return ZT_ERROR;
        }
        cam->rows = r;
        cam->rows_cap = cap;
    }

    r = &cam->rows[cam->nrows];
    r->person_key = strdup(key);
    if (r->person_key == NULL) {
        return ZT_ERROR;
    }
    r->minute_ts = minute;
    r->camera_on = on;
    cam->nrows++;

    return ZT_OK;
}


static int
zt_camera_store_participant(zt_camera_t *cam, const char *uuid, json_t *p)
{
    int          on;
    char         key[ZT_CAMERA_KEY_LEN];
    size_t       i;
    json_t      *q, *vi;
    int64_t      ts;
    const char  *dt;

    if (zt_camera_person(cam, uuid, p, key, sizeof(key)) != ZT_OK) {
        return ZT_ERROR;
    }

    json_array_foreach(json_object_get(p, "user_qos"), i, q) {
        dt = json_string_value(json_object_get(q, "date_time"));
        ts = dt ? zt_time_parse_iso(dt) : -1;
        if (ts < 0) {
            zt_log_warn("camera: meeting \"%s\": QOS sample without a "
                        "valid date_time, skipped", uuid);
            continue;
        }

        vi = json_object_get(q, "video_input");
        on = zt_camera_is_on(
                 json_string_value(json_object_get(vi, "bitrate")),
                 json_string_value(json_object_get(vi, "resolution")));

        if (zt_camera_add_row(cam, key, ts - ts % 60000, on) != ZT_OK) {
            zt_log_error("camera: out of memory");
            return ZT_ERROR;
        }

        cam->minutes++;
        cam->minutes_on += on;
    }

    return ZT_OK;
}


/* the participant's warehouse person_key; ZT_ERROR if unreadable */
static int
zt_camera_person(zt_camera_t *cam, const char *uuid, json_t *p, char *key,
    size_t len)
{
    int          i, rc;
    char         num[ZT_CAMERA_NMATCH][32];
    const char  *v[ZT_CAMERA_NMATCH];

    for (i = 0; i < ZT_CAMERA_NMATCH; i++) {
        v[i] = zt_record_text(p, zt_camera_match_field[i], num[i],
                              sizeof(num[i]), NULL);
    }

    for (i = 0; i < ZT_CAMERA_NMATCH; i++) {
        if (v[i][0] == '\0') {
            continue;
        }

        rc = cam->ops->person(cam->st, uuid, i, v[i], key, len);
        if (rc != ZT_DECLINED) {
            return rc;
        }
    }

    zt_person_key("", "", v[2], v[3], key, len);

    zt_log_debug("camera: meeting \"%s\": QOS participant not in the "
                 "warehouse, keyed as \"%s\"", uuid, key);

    return ZT_OK;
}


static int
zt_camera_set_status(zt_camera_t *cam, const char *uuid, const char *status,
    const char *detail)
{
    return cam->ops->set_status(cam->st, uuid, status, detail);
}


int
zt_camera_is_on(const char *bitrate, const char *resolution)
{
    char    *end;
    long     w, h;
    double   kbps;

    if (bitrate && bitrate[0]) {
        kbps = strtod(bitrate, &end);
        if (end != bitrate && kbps > 0) {
            return 1;
        }
    }

    if (resolution == NULL || resolution[0] == '\0'
        || strcmp(resolution, "0*0") == 0)
    {
        return 0;
    }

    /* "W*H" (Zoom) or "WxH": a zero dimension means no picture */
    w = strtol(resolution, &end, 10);
    if (end != resolution && (*end == '*' || *end == 'x')) {
        h = strtol(end + 1, NULL, 10);
        return w > 0 && h > 0;
    }

    return 1;
}


const char *
zt_camera_status_for(long http_status, long zoom_code)
{
    if (http_status == 404 && zoom_code == 3001) {
        return "pending";
    }

    return "unavailable";
}
