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
 * the fetching, mapping and merging is written once (zt_camera_qos.c,
 * zt_camera_rooms.c).  A meeting's samples are merged in memory (one row
 * per person and minute, camera on if any sample of that minute is on)
 * before the store replaces its rows.
 *
 * This file is the command: its options, the configuration and store,
 * the day's meetings and the summary line.  One meeting's QOS is
 * zt_camera_qos.c, the pre-assigned rooms zt_camera_rooms.c.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zt_time.h"
#include "zt_camera_int.h"
#include "zt_cmd.h"
#include "zt_cmd_util.h"
#include "zt_conf.h"
#include "zt_fs.h"
#include "zt_http.h"
#include "zt_log.h"
#include "zt_zoom_api.h"


static void zt_camera_usage(FILE *f);
static int zt_camera_opts(int argc, char **argv, const char **date,
    const char **only, const char **path);
static const zt_camera_store_ops_t *zt_camera_ops(const zt_conf_t *conf);
static zt_conf_t *zt_camera_conf(const char *path, const char *date,
    int64_t *start, int64_t *end);
static int zt_camera_load_meetings(zt_camera_t *cam, const char *date,
    int64_t start, int64_t end, const char *only);
static void zt_camera_free(zt_camera_t *cam);


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

    while ((c = getopt_long(argc, argv, ":c:d:m:h", opts, NULL)) != -1) {
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
            zt_cmd_bad_option("camera", c, argv);
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

    /* the warehouse it may create holds names: the configured modes */
    if (zt_fs_modes_init(conf, err, sizeof(err)) != ZT_OK) {
        fprintf(stderr, "zoomtrack camera: %s\n", err);
        zt_conf_free(conf);
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


void
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
