/*
 * zt_camera: `zoomtrack camera --date D [--meeting UUID] [--new-only]
 * [-c FILE]`.
 *
 * Meetings of day D are the distinct meeting_uuid of raw_events meeting.*
 * (or webinar.*: a webinar instance, its QOS under /metrics/webinars)
 * rows whose event_ts falls in the local day (zt_time_day_bounds in the
 * configured timezone).  zt_camera_plan() decides, from the meeting's
 * events and its camera_fetches, whether it has ended:
 *   - its last meeting.ended is not followed by a join or meeting.started
 *     (Zoom sends meeting.ended each time a lone host leaves, and the
 *     meeting may go on: then only a later meeting.ended ends it);
 *   - or, without such a meeting.ended (lost: Zoom sometimes never sends
 *     it), its last event is [camera] ended_after_mins old: presumed ended.
 * An ended meeting is "past": its QOS pages (page_size 10,
 * next_page_token) are fetched first, then its camera_minutes are replaced
 * in one transaction together with its camera_fetches row, so a rerun
 * gives the same rows.  Each run fetches every ended meeting again (Zoom
 * does not say when its past data is complete); with --new-only a meeting
 * already fetched 'ok' after that end is skipped, one fetched before it
 * (it went on after an early meeting.ended) is not.  Others are recorded
 * as 'pending', the reason in camera_fetches.detail and the log.  A
 * presumed-ended meeting that is still running gets 404 code 3001 from
 * Zoom: 'pending', asked again by the next run.  Each QOS participant is
 * mapped to the warehouse identity of that meeting: participant_uuid, then
 * user_id (participant_user_id or parent_user_id), then email, then
 * display name, the strongest key of the rows that match
 * (zt_person_key_rank: Zoom blanks ids in room events, and the report
 * shows a participant under the key of their main-room events); else a
 * key made by core zt_person_key() from email and name.
 * Pre-assigned breakout rooms come from GET /meetings/{meeting_id} and
 * replace that meeting's rows.
 *
 * Final QOS answers and camera_fetches.status:
 *   2xx                                     'ok'
 *   2xx without a sample (no participant, empty user_qos), less than
 *     24 h after the end (zt_camera_qos.c)  'pending': Zoom's data is
 *     not ready yet; after that 'ok' with nothing
 *   404 code 3001 (not ended, no data yet)  'pending': try again later
 *     (also for a meeting presumed ended: still running, or unknown)
 *   any other final 4xx but 401, notably
 *     400/403 code 200 (No permission / Only available for Paid account),
 *     124 (invalid token), 4700/4711 (token lacks the dashboard scopes),
 *     12702 (meeting older than a year)     'unavailable'
 *   401 after a fresh token, 401 code 4700 (the app lacks a scope: no
 *   new token), token request refused, or 5xx/429/transport errors after
 *   max_retries: the run stops with exit code 1.
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
 * the day's meetings, when a meeting has ended (zt_camera_plan) and the
 * summary line.  One meeting's QOS is zt_camera_qos.c, the pre-assigned
 * rooms zt_camera_rooms.c.
 */

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zt_time.h"
#include "zt_camera_int.h"
#include "zt_cmd.h"
#include "zt_cmd_util.h"
#include "zt_conf.h"
#include "zt_http.h"
#include "zt_log.h"
#include "zt_zoom_api.h"


static void zt_camera_usage(FILE *f);
static int zt_camera_opts(int argc, char **argv, const char **date,
    const char **only, const char **path, int *new_only);
static const zt_camera_store_ops_t *zt_camera_ops(const zt_conf_t *conf);
static zt_conf_t *zt_camera_conf(const char *path, const char *date,
    int64_t *start, int64_t *end, int64_t *ended_after);
static int zt_camera_load_meetings(zt_camera_t *cam, const char *date,
    int64_t start, int64_t end, const char *only);
static void zt_camera_free(zt_camera_t *cam);


static void
zt_camera_usage(FILE *f)
{
    fprintf(f,
        "usage: zoomtrack camera --date YYYY-MM-DD [--meeting UUID] "
        "[--new-only] [-c FILE]\n\n"
        "Fetches Zoom's past-meeting QOS (Dashboard API) for the meetings\n"
        "of that local day found in the warehouse and stores per-minute\n"
        "camera on/off samples (camera_minutes), the fetch state per\n"
        "meeting (camera_fetches: ok, pending, unavailable) and the\n"
        "pre-assigned breakout rooms (preassigned_rooms).  A meeting has\n"
        "ended at its last meeting.ended, or, without one, [camera]\n"
        "ended_after_mins after its last event; others stay 'pending'\n"
        "(the reason in camera_fetches.detail and the log).  Rerunning\n"
        "is safe: each run fetches every ended meeting again.\n\n"
        "  --date D        the local day (configured timezone)\n"
        "  --meeting UUID  only this meeting instance\n"
        "  --new-only      skip meetings fetched 'ok' after they ended\n"
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
    const char **path, int *new_only)
{
    int  c;

    static const struct option  opts[] = {
        { "date", required_argument, NULL, 'd' },
        { "meeting", required_argument, NULL, 'm' },
        { "new-only", no_argument, NULL, 'n' },
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
        case 'n':
            *new_only = 1;
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
    int64_t *end, int64_t *ended_after)
{
    char         err[512];
    int64_t      mins;
    zt_conf_t   *conf;
    const char  *tz;

    /* the warehouse it may create holds names: the configured modes */
    conf = zt_cmd_conf("camera", path);
    if (conf == NULL) {
        return NULL;
    }

    if (zt_conf_get_num(conf, "camera", "ended_after_mins", &mins, err,
                        sizeof(err))
        != ZT_OK)
    {
        fprintf(stderr, "zoomtrack camera: %s\n", err);
        zt_conf_free(conf);
        return NULL;
    }

    *ended_after = mins * 60000;

    if (zt_camera_ops(conf) == NULL) {
        fprintf(stderr, "zoomtrack camera: warehouse.backend \"%s\" is not "
                "supported by camera\n",
                zt_conf_get(conf, "warehouse", "backend"));
        zt_conf_free(conf);
        return NULL;
    }

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
    int           i, rc, new_only;
    char          err[512];
    int64_t       start, end, ended_after;
    zt_conf_t    *conf;
    const char   *date, *only, *path;
    zt_camera_t   cam;

    date = NULL;
    only = NULL;
    path = NULL;
    new_only = 0;

    rc = zt_camera_opts(argc, argv, &date, &only, &path, &new_only);
    if (rc >= 0) {
        return rc;
    }

    conf = zt_camera_conf(path, date, &start, &end, &ended_after);
    if (conf == NULL) {
        return ZT_EXIT_USAGE;
    }

    memset(&cam, 0, sizeof(zt_camera_t));
    cam.new_only = new_only;
    cam.ended_after = ended_after;
    cam.now = zt_time_now_ms();

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
    m->facts = r->facts;

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



/* "2026-11-20T10:00:00Z": a time in camera_fetches.detail, UTC */
static void
zt_camera_time(int64_t ms, char *out)
{
    zt_time_rfc3339(ms - ms % 1000, out);
    strcpy(out + 19, "Z");
}


/* appends to the string in buf (len bytes), cut short if need be */
static void
zt_camera_cat(char *buf, size_t len, const char *fmt, ...)
{
    size_t   n;
    va_list  ap;

    n = strlen(buf);

    va_start(ap, fmt);
    vsnprintf(buf + n, len - n, fmt, ap);
    va_end(ap);
}


zt_camera_plan_e
zt_camera_plan(const zt_camera_facts_t *f, int64_t now, int64_t ended_after,
    int64_t *end, char *why, size_t len)
{
    char         ended[ZT_RFC3339_LEN + 1], last[ZT_RFC3339_LEN + 1],
                 at[ZT_RFC3339_LEN + 1];
    const char  *ev;

    ev = f->webinar ? "webinar.ended" : "meeting.ended";

    zt_camera_time(f->ended_ts, ended);
    zt_camera_time(f->last_ts, last);
    why[0] = '\0';

    if (f->ended_ts > 0 && f->ended_ts >= f->joined_ts) {
        *end = f->ended_ts;
        zt_camera_cat(why, len, "ended at %s (%s)", ended, ev);

    } else if (ended_after > 0 && now - f->last_ts >= ended_after) {
        *end = f->last_ts;
        zt_camera_cat(why, len, "no %s%s: presumed ended at its last "
                      "event, %s, %lld min ago (camera.ended_after_mins"
                      " %lld)", ev, f->ended_ts ? " after its last join" : "",
                      last, (long long) ((now - f->last_ts) / 60000),
                      (long long) (ended_after / 60000));

    } else {
        *end = 0;

        if (f->ended_ts) {
            zt_camera_cat(why, len, "meeting has not ended: it went on "
                          "after its %s at %s", ev, ended);
        } else {
            zt_camera_cat(why, len, "meeting has not ended: no %s yet", ev);
        }

        if (ended_after == 0) {
            zt_camera_cat(why, len, " (camera.ended_after_mins = 0: none "
                          "is presumed)");
        } else {
            zt_camera_time(f->last_ts + ended_after, at);
            zt_camera_cat(why, len, "; presumed ended at %s, %lld min "
                          "after its last event, unless more come", at,
                          (long long) (ended_after / 60000));
        }

        if (f->ok_at > 0) {
            zt_camera_time(f->ok_at, at);
            zt_camera_cat(why, len, "; its QOS fetched at %s is fetched "
                          "again then", at);
        }

        return ZT_CAMERA_WAIT;
    }

    if (f->ok_at > 0 && f->ok_at >= *end) {
        zt_camera_time(f->ok_at, at);
        zt_camera_cat(why, len, "; fetched at %s, after that", at);
        return ZT_CAMERA_DONE;
    }

    if (f->ok_at > 0) {
        zt_camera_time(f->ok_at, at);
        zt_camera_cat(why, len, "; its QOS fetched at %s, before that, is "
                      "fetched again", at);
    }

    return ZT_CAMERA_FETCH;
}
