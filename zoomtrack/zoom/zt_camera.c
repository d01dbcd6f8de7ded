/*
 * zt_camera: `zoomtrack camera --date D [--meeting UUID] [-c FILE]`.
 *
 * Meetings of day D are the distinct meeting_uuid of raw_events meeting.*
 * rows whose event_ts falls in the local day (zt_time_day_bounds in the
 * configured timezone).  A meeting with a meeting.ended event is "past":
 * its QOS pages (page_size 10, next_page_token) are fetched first, then its
 * camera_minutes are replaced in one transaction together with its
 * camera_fetches row, so a rerun gives the same rows.  Others are recorded
 * as 'pending'.  Each QOS participant is mapped to the warehouse identity
 * of that meeting: participant_uuid, then user_id (participant_user_id or
 * parent_user_id), then email, then display name; else a key made by core
 * zt_person_key() from email and name.  Pre-assigned breakout rooms come
 * from GET /meetings/{meeting_id} and replace that meeting's rows.
 *
 * Final QOS answers and camera_fetches.status:
 *   2xx                                     'ok'
 *   404 code 3001 (not ended, no data yet)  'pending': try again later
 *   any other final 4xx but 401, notably
 *     400/403 code 200 (No permission / Only available for Paid account),
 *     124 (invalid token), 4700/4711 (token lacks the dashboard scopes),
 *     12702 (meeting older than a year)     'unavailable'
 *   401 after a fresh token, token request refused, or 5xx/429/transport
 *   errors after max_retries: the run stops with exit code 1.
 * An 'ok' row is never downgraded to 'pending'/'unavailable': its minutes
 * stay.
 *
 * The warehouse is reached through a store ops table (zt_camera_store.h):
 * zt_camera_sqlite.c or zt_camera_bigquery.c by [warehouse] backend; all
 * the fetching, mapping and merging is here.  A meeting's samples are
 * merged in memory (one row per person and minute, camera on if any
 * sample of that minute is on) before the store replaces its rows.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "zt_event.h"
#include "zt_time.h"
#include "zt_camera.h"
#include "zt_camera_store.h"
#include "zt_cmd.h"
#include "zt_conf.h"
#include "zt_http.h"
#include "zt_log.h"
#include "zt_zoom_api.h"


#define ZT_CAMERA_KEY_LEN    512
#define ZT_CAMERA_MAX_PAGES  10000


typedef struct {
    char    *uuid;
    char    *meeting_id;
    int      ended;
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
    json_t                *pages;         /* the meeting being fetched */
} zt_camera_t;


static void zt_camera_usage(FILE *f);
static int zt_camera_opts(int argc, char **argv, const char **date,
    const char **only, const char **path);
static const zt_camera_store_ops_t *zt_camera_ops(const zt_conf_t *conf);
static zt_conf_t *zt_camera_conf(const char *path, const char *date,
    int64_t *start, int64_t *end);
static int zt_camera_all_rooms(zt_camera_t *cam);
static int zt_camera_load_meetings(zt_camera_t *cam, const char *date,
    int64_t start, int64_t end, const char *only);
static void zt_camera_progress(zt_camera_t *cam);
static int zt_camera_meeting(zt_camera_t *cam, zt_camera_meeting_t *m);
static int zt_camera_fetch_qos(zt_camera_t *cam, const char *uuid,
    json_t *pages, zt_zoom_err_t *e);
static int zt_camera_store(zt_camera_t *cam, const char *uuid,
    json_t *pages);
static int zt_camera_store_participant(zt_camera_t *cam, const char *uuid,
    json_t *p);
static void zt_camera_rows_clear(zt_camera_t *cam);
static int zt_camera_person(zt_camera_t *cam, const char *uuid, json_t *p,
    char *key, size_t len);
static int zt_camera_set_status(zt_camera_t *cam, const char *uuid,
    const char *status, const char *detail);
static int zt_camera_rooms(zt_camera_t *cam, const char *meeting_id);
static int zt_camera_store_rooms(zt_camera_t *cam, const char *meeting_id,
    json_t *rooms);
static const char *zt_camera_str(json_t *obj, const char *key, char *buf,
    size_t len);
static void zt_camera_free(zt_camera_t *cam);


static const char  *zt_camera_match_field[4] = {
    "participant_uuid", "user_id", "email", "user_name"
};


static void
zt_camera_usage(FILE *f)
{
    fprintf(f,
        "usage: zoomtrack camera --date YYYY-MM-DD [--meeting UUID] "
        "[-c FILE]\n\n"
        "Fetches Zoom's past-meeting QOS (Dashboard API) for the meetings\n"
        "of that local day found in the warehouse and stores per-minute\n"
        "camera on/off samples (camera_minutes), the fetch state per\n"
        "meeting (camera_fetches: ok, pending, unavailable) and the\n"
        "pre-assigned breakout rooms (preassigned_rooms).  Meetings that\n"
        "have not ended stay 'pending'; rerunning is safe.\n\n"
        "  --date D        the local day (configured timezone)\n"
        "  --meeting UUID  only this meeting instance\n"
        "  -c FILE         configuration file\n"
        "  -h, --help      this text\n\n"
        "Credentials: [zoom] account_id, client_id, and the client secret\n"
        "from ZOOMTRACK_ZOOM_CLIENT_SECRET or zoom.client_secret_file.\n"
        "Exit: 0 done (pending/unavailable meetings included), 1 the Zoom\n"
        "API could not be reached or refused the credentials, 2 usage or\n"
        "configuration error.\n");
}


/* parses argv; returns -1 to go on, else the exit code */
static int
zt_camera_opts(int argc, char **argv, const char **date, const char **only,
    const char **path)
{
    int  c;

    static const struct option  opts[] = {
        { "date", required_argument, NULL, 'd' },
        { "meeting", required_argument, NULL, 'm' },
        { "config", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };

    optind = 1;
    opterr = 0;

    while ((c = getopt_long(argc, argv, "c:d:m:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            *date = optarg;
            break;
        case 'm':
            *only = optarg;
            break;
        case 'c':
            *path = optarg;
            break;
        case 'h':
            zt_camera_usage(stdout);
            return ZT_EXIT_OK;
        default:
            fprintf(stderr, "zoomtrack camera: bad option \"%s\"\n\n",
                    argv[optind - 1]);
            zt_camera_usage(stderr);
            return ZT_EXIT_USAGE;
        }
    }

    if (optind < argc) {
        fprintf(stderr, "zoomtrack camera: unexpected argument \"%s\"\n",
                argv[optind]);
        return ZT_EXIT_USAGE;
    }

    if (*date == NULL) {
        fprintf(stderr, "zoomtrack camera: --date YYYY-MM-DD is required\n");
        return ZT_EXIT_USAGE;
    }

    return -1;
}


/* the store of [warehouse] backend, or NULL */
static const zt_camera_store_ops_t *
zt_camera_ops(const zt_conf_t *conf)
{
    const char  *b;

    b = zt_conf_get(conf, "warehouse", "backend");

    if (strcmp(b, zt_camera_store_sqlite.name) == 0) {
        return &zt_camera_store_sqlite;
    }

    if (strcmp(b, zt_camera_store_bigquery.name) == 0) {
        return &zt_camera_store_bigquery;
    }

    return NULL;
}


/* loads the configuration and sets up logging; NULL: exit code 2 */
static zt_conf_t *
zt_camera_conf(const char *path, const char *date, int64_t *start,
    int64_t *end)
{
    char         err[512];
    zt_conf_t   *conf;
    const char  *tz;

    conf = zt_conf_load(path, err, sizeof(err));
    if (conf == NULL) {
        fprintf(stderr, "zoomtrack camera: %s\n", err);
        return NULL;
    }

    if (zt_camera_ops(conf) == NULL) {
        fprintf(stderr, "zoomtrack camera: warehouse.backend \"%s\" is not "
                "supported by camera\n",
                zt_conf_get(conf, "warehouse", "backend"));
        zt_conf_free(conf);
        return NULL;
    }

    if (zt_log_open(zt_conf_get(conf, "", "log_file")) != ZT_OK) {
        fprintf(stderr, "zoomtrack camera: cannot open log_file\n");
        zt_conf_free(conf);
        return NULL;
    }

    zt_log_set_level(zt_log_level_from_name(zt_conf_get(conf, "",
                                                        "log_level")));

    tz = zt_conf_get(conf, "", "timezone");

    if (zt_time_day_bounds(date, tz, start, end) != ZT_OK) {
        fprintf(stderr, "zoomtrack camera: bad --date \"%s\" or timezone "
                "\"%s\"\n", date, tz);
        zt_conf_free(conf);
        return NULL;
    }

    return conf;
}


/* the rooms of each meeting id of the day, once per id */
static int
zt_camera_all_rooms(zt_camera_t *cam)
{
    int  i, k;

    for (i = 0; i < cam->nmeetings; i++) {
        if (cam->meetings[i].meeting_id[0] == '\0') {
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


int
zt_cmd_camera(int argc, char **argv)
{
    int           i, rc;
    char          err[512];
    int64_t       start, end;
    zt_conf_t    *conf;
    const char   *date, *only, *path;
    zt_camera_t   cam;

    date = NULL;
    only = NULL;
    path = NULL;

    rc = zt_camera_opts(argc, argv, &date, &only, &path);
    if (rc >= 0) {
        return rc;
    }

    conf = zt_camera_conf(path, date, &start, &end);
    if (conf == NULL) {
        return ZT_EXIT_USAGE;
    }

    memset(&cam, 0, sizeof(zt_camera_t));

    if (zt_http_global_init() != ZT_OK) {
        fprintf(stderr, "zoomtrack camera: cannot initialise libcurl\n");
        zt_conf_free(conf);
        return ZT_EXIT_FAILURE;
    }

    rc = zt_zoom_create(conf, &cam.zoom, err, sizeof(err));
    if (rc != ZT_OK) {
        fprintf(stderr, "zoomtrack camera: %s\n", err);
        zt_conf_free(conf);
        curl_global_cleanup();
        return rc == ZT_DECLINED ? ZT_EXIT_USAGE : ZT_EXIT_FAILURE;
    }

    cam.ops = zt_camera_ops(conf);
    cam.st = cam.ops->open(conf, err, sizeof(err));
    zt_conf_free(conf);

    if (cam.st == NULL) {
        fprintf(stderr, "zoomtrack camera: %s\n", err);
        cam.failed = 1;
        goto done;
    }

    if (zt_camera_load_meetings(&cam, date, start, end, only) != ZT_OK) {
        cam.failed = 1;
        goto done;
    }

    cam.tty = isatty(2);

    for (i = 0; i < cam.nmeetings && !cam.failed; i++) {
        cam.current = i;
        zt_camera_progress(&cam);
        if (zt_camera_meeting(&cam, &cam.meetings[i]) != ZT_OK) {
            cam.failed = 1;
        }
    }

    if (!cam.failed && zt_camera_all_rooms(&cam) != ZT_OK) {
        cam.failed = 1;
    }

    if (cam.shown) {
        fputc('\n', stderr);
    }

    printf("camera %s: meetings %d (ok %d, pending %d, unavailable %d), "
           "participants %ld, minutes %ld (camera on %ld), "
           "pre-assigned room seats %ld%s\n",
           date, cam.nmeetings, cam.ok, cam.pending, cam.unavailable,
           cam.participants, cam.minutes, cam.minutes_on, cam.rooms,
           cam.failed ? ", stopped early" : "");

done:

    rc = cam.failed ? ZT_EXIT_FAILURE : ZT_EXIT_OK;

    zt_camera_free(&cam);
    curl_global_cleanup();

    return rc;
}


static void
zt_camera_free(zt_camera_t *cam)
{
    int  i;

    for (i = 0; i < cam->nmeetings; i++) {
        free(cam->meetings[i].uuid);
        free(cam->meetings[i].meeting_id);
    }

    free(cam->meetings);
    zt_camera_rows_clear(cam);
    free(cam->rows);
    if (cam->st) {
        cam->ops->close(cam->st);
    }
    zt_zoom_destroy(cam->zoom);
}


/* keeps one meeting of the day */
static int
zt_camera_add_meeting(void *data, const zt_camera_meeting_row_t *r)
{
    zt_camera_t          *cam = data;
    zt_camera_meeting_t  *m;

    m = realloc(cam->meetings,
                (cam->nmeetings + 1) * sizeof(zt_camera_meeting_t));
    if (m == NULL) {
        return ZT_ERROR;
    }

    cam->meetings = m;
    m += cam->nmeetings++;
    m->uuid = strdup(r->uuid);
    m->meeting_id = strdup(r->meeting_id);
    m->ended = r->ended;

    return m->uuid && m->meeting_id ? ZT_OK : ZT_ERROR;
}


static int
zt_camera_load_meetings(zt_camera_t *cam, const char *date, int64_t start,
    int64_t end, const char *only)
{
    if (cam->ops->meetings(cam->st, date, start, end, only,
                           zt_camera_add_meeting, cam)
        != ZT_OK)
    {
        return ZT_ERROR;
    }

    if (cam->nmeetings == 0) {
        zt_log_info("camera: no meetings in the warehouse for that day");
    }

    return ZT_OK;
}


static void
zt_camera_progress(zt_camera_t *cam)
{
    if (!cam->tty) {
        return;
    }

    fprintf(stderr, "\rcamera: meeting %d/%d, participants %ld",
            cam->current + 1, cam->nmeetings, cam->participants);
    fflush(stderr);
    cam->shown = 1;
}


static int
zt_camera_meeting(zt_camera_t *cam, zt_camera_meeting_t *m)
{
    int            rc;
    char           detail[400];
    json_t        *pages;
    const char    *status;
    zt_zoom_err_t  e;

    if (!m->ended) {
        cam->pending++;
        return zt_camera_set_status(cam, m->uuid, "pending",
                                    "meeting has not ended");
    }

    pages = json_array();
    if (pages == NULL) {
        zt_log_error("camera: out of memory");
        return ZT_ERROR;
    }

    rc = zt_camera_fetch_qos(cam, m->uuid, pages, &e);

    if (rc == ZT_OK) {
        rc = zt_camera_store(cam, m->uuid, pages);
        json_decref(pages);
        if (rc == ZT_OK) {
            cam->ok++;
        }
        return rc;
    }

    json_decref(pages);

    if (rc == ZT_DECLINED && !e.auth) {
        status = zt_camera_status_for(e.status, e.code);
        snprintf(detail, sizeof(detail), "HTTP %ld code %ld: %s", e.status,
                 e.code, e.message);
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


/* appends every QOS page of uuid to pages; ZT_OK, ZT_DECLINED, ZT_ERROR */
/* keeps one QOS page and counts its participants for the progress line */
static int
zt_camera_page(void *data, json_t *page)
{
    json_t       *parts;
    zt_camera_t  *cam = data;

    if (json_array_append(cam->pages, page) != 0) {
        return ZT_ERROR;
    }

    parts = json_object_get(page, "participants");
    if (json_is_array(parts)) {
        cam->participants += (long) json_array_size(parts);
    }
    zt_camera_progress(cam);

    return ZT_OK;
}


static int
zt_camera_fetch_qos(zt_camera_t *cam, const char *uuid, json_t *pages,
    zt_zoom_err_t *e)
{
    char  enc[ZT_ZOOM_UUID_ENC_MAX], path[2048];

    if (zt_zoom_uuid_encode(uuid, enc, sizeof(enc)) != ZT_OK) {
        memset(e, 0, sizeof(zt_zoom_err_t));
        snprintf(e->message, sizeof(e->message), "meeting uuid too long");
        return ZT_ERROR;
    }

    snprintf(path, sizeof(path), "/metrics/meetings/%s/participants/qos"
             "?type=past&page_size=10", enc);

    cam->pages = pages;

    return zt_zoom_get_pages(cam->zoom, path, ZT_CAMERA_MAX_PAGES,
                             zt_camera_page, cam, e);
}


static void
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


/* replaces the meeting's minutes and marks it 'ok' */
static int
zt_camera_store(zt_camera_t *cam, const char *uuid, json_t *pages)
{
    int      rc;
    char     detail[128];
    long     before;
    size_t   i, j, np;
    json_t  *page, *p, *parts;

    zt_camera_rows_clear(cam);
    before = cam->minutes;
    np = 0;
    rc = ZT_ERROR;

    json_array_foreach(pages, i, page) {
        parts = json_object_get(page, "participants");
        json_array_foreach(parts, j, p) {
            np++;
            if (zt_camera_store_participant(cam, uuid, p) != ZT_OK) {
                goto done;
            }
        }
    }

    zt_camera_rows_merge(cam);

    snprintf(detail, sizeof(detail), "%zu participants, %ld samples", np,
             cam->minutes - before);

    rc = cam->ops->store_minutes(cam->st, uuid, cam->rows, cam->nrows,
                                 detail);
    if (rc == ZT_OK) {
        zt_log_info("camera: meeting \"%s\": ok, %s", uuid, detail);
    }

done:

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


/* a JSON string or integer member as text ("" when absent) */
static const char *
zt_camera_str(json_t *obj, const char *key, char *buf, size_t len)
{
    json_t  *v;

    v = json_object_get(obj, key);

    if (json_is_string(v)) {
        return json_string_value(v);
    }

    if (json_is_integer(v)) {
        snprintf(buf, len, "%lld", (long long) json_integer_value(v));
        return buf;
    }

    return "";
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
        v[i] = zt_camera_str(p, zt_camera_match_field[i], num[i],
                             sizeof(num[i]));
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
