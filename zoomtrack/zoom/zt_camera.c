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
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "zt_event.h"
#include "zt_time.h"
#include "zt_camera.h"
#include "zt_cmd.h"
#include "zt_conf.h"
#include "zt_db.h"
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
    sqlite3               *db;
    zt_zoom_t             *zoom;
    sqlite3_stmt          *match[4];
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
} zt_camera_t;


static void zt_camera_usage(FILE *f);
static int zt_camera_opts(int argc, char **argv, const char **date,
    const char **only, const char **path);
static zt_conf_t *zt_camera_conf(const char *path, const char *date,
    int64_t *start, int64_t *end);
static int zt_camera_all_rooms(zt_camera_t *cam);
static int zt_camera_load_meetings(zt_camera_t *cam, int64_t start,
    int64_t end, const char *only);
static void zt_camera_progress(zt_camera_t *cam);
static int zt_camera_meeting(zt_camera_t *cam, zt_camera_meeting_t *m);
static int zt_camera_fetch_qos(zt_camera_t *cam, const char *uuid,
    json_t *pages, zt_zoom_err_t *e);
static int zt_camera_store(zt_camera_t *cam, const char *uuid,
    json_t *pages);
static int zt_camera_store_participant(zt_camera_t *cam, const char *uuid,
    json_t *p, sqlite3_stmt *ins);
static void zt_camera_person(zt_camera_t *cam, const char *uuid, json_t *p,
    char *key, size_t len);
static int zt_camera_set_status(zt_camera_t *cam, const char *uuid,
    const char *status, const char *detail);
static int zt_camera_rooms(zt_camera_t *cam, const char *meeting_id);
static int zt_camera_store_rooms(zt_camera_t *cam, const char *meeting_id,
    json_t *rooms);
static int zt_camera_exec(zt_camera_t *cam, const char *sql);
static const char *zt_camera_str(json_t *obj, const char *key, char *buf,
    size_t len);
static void zt_camera_free(zt_camera_t *cam);


static const char  *zt_camera_match_sql[4] = {
    "SELECT person_key FROM raw_events WHERE meeting_uuid = ?1"
    " AND participant_uuid = ?2 AND person_key <> '' LIMIT 1",

    "SELECT person_key FROM raw_events WHERE meeting_uuid = ?1"
    " AND (participant_user_id = ?2 OR parent_user_id = ?2)"
    " AND person_key <> '' LIMIT 1",

    "SELECT person_key FROM raw_events WHERE meeting_uuid = ?1"
    " AND lower(participant_email) = lower(?2) AND person_key <> ''"
    " LIMIT 1",

    "SELECT person_key FROM raw_events WHERE meeting_uuid = ?1"
    " AND participant_name = ?2 AND person_key <> '' LIMIT 1",
};

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

    /* camera reads and writes the SQLite warehouse only, for now */
    if (strcmp(zt_conf_get(conf, "warehouse", "backend"), "sqlite") != 0) {
        fprintf(stderr, "zoomtrack camera: warehouse.backend \"%s\" is not "
                "supported by camera yet (it needs the SQLite warehouse)\n",
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

    rc = zt_db_open(conf, &cam.db, err, sizeof(err));
    zt_conf_free(conf);

    if (rc != ZT_OK) {
        fprintf(stderr, "zoomtrack camera: %s\n", err);
        cam.failed = 1;
        goto done;
    }

    for (i = 0; i < 4; i++) {
        if (sqlite3_prepare_v2(cam.db, zt_camera_match_sql[i], -1,
                               &cam.match[i], NULL)
            != SQLITE_OK)
        {
            zt_log_error("camera: %s", sqlite3_errmsg(cam.db));
            cam.failed = 1;
            goto done;
        }
    }

    if (zt_camera_load_meetings(&cam, start, end, only) != ZT_OK) {
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

    for (i = 0; i < 4; i++) {
        sqlite3_finalize(cam->match[i]);
    }

    for (i = 0; i < cam->nmeetings; i++) {
        free(cam->meetings[i].uuid);
        free(cam->meetings[i].meeting_id);
    }

    free(cam->meetings);
    sqlite3_close(cam->db);
    zt_zoom_destroy(cam->zoom);
}


static int
zt_camera_load_meetings(zt_camera_t *cam, int64_t start, int64_t end,
    const char *only)
{
    int                   rc, n;
    sqlite3_stmt         *st;
    zt_camera_meeting_t  *m;

    static const char  sql[] =
        "SELECT r.meeting_uuid, max(r.meeting_id),"
        " EXISTS (SELECT 1 FROM raw_events e"
        "  WHERE e.meeting_uuid = r.meeting_uuid"
        "  AND e.event_type = 'meeting.ended')"
        " FROM raw_events r"
        " WHERE r.event_ts >= ?1 AND r.event_ts < ?2"
        " AND r.meeting_uuid <> '' AND r.event_type LIKE 'meeting.%'"
        " AND (?3 IS NULL OR r.meeting_uuid = ?3)"
        " GROUP BY r.meeting_uuid ORDER BY min(r.event_ts), r.meeting_uuid";

    if (sqlite3_prepare_v2(cam->db, sql, -1, &st, NULL) != SQLITE_OK) {
        zt_log_error("camera: %s", sqlite3_errmsg(cam->db));
        return ZT_ERROR;
    }

    sqlite3_bind_int64(st, 1, start);
    sqlite3_bind_int64(st, 2, end);
    if (only) {
        sqlite3_bind_text(st, 3, only, -1, SQLITE_STATIC);
    }

    n = 0;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        m = realloc(cam->meetings, (n + 1) * sizeof(zt_camera_meeting_t));
        if (m == NULL) {
            break;
        }
        cam->meetings = m;
        m += n;
        m->uuid = strdup((const char *) sqlite3_column_text(st, 0));
        m->meeting_id = strdup(sqlite3_column_text(st, 1)
                               ? (const char *) sqlite3_column_text(st, 1)
                               : "");
        m->ended = sqlite3_column_int(st, 2);
        cam->nmeetings = ++n;
        if (m->uuid == NULL || m->meeting_id == NULL) {
            rc = SQLITE_NOMEM;
            break;
        }
    }

    sqlite3_finalize(st);

    if (rc != SQLITE_DONE) {
        zt_log_error("camera: reading meetings: %s",
                     rc == SQLITE_NOMEM || rc == SQLITE_ROW
                     ? "out of memory" : sqlite3_errmsg(cam->db));
        return ZT_ERROR;
    }

    if (n == 0) {
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
static int
zt_camera_fetch_qos(zt_camera_t *cam, const char *uuid, json_t *pages,
    zt_zoom_err_t *e)
{
    int          rc, n;
    char         enc[ZT_ZOOM_UUID_ENC_MAX], tok[1024], path[2048];
    json_t      *page, *parts;
    const char  *next;

    if (zt_zoom_uuid_encode(uuid, enc, sizeof(enc)) != ZT_OK) {
        memset(e, 0, sizeof(zt_zoom_err_t));
        snprintf(e->message, sizeof(e->message), "meeting uuid too long");
        return ZT_ERROR;
    }

    tok[0] = '\0';

    for (n = 0; n < ZT_CAMERA_MAX_PAGES; n++) {
        snprintf(path, sizeof(path), "/metrics/meetings/%s/participants/qos"
                 "?type=past&page_size=10%s%s", enc,
                 tok[0] ? "&next_page_token=" : "", tok);

        rc = zt_zoom_get(cam->zoom, path, &page, e);
        if (rc != ZT_OK) {
            return rc;
        }

        json_array_append_new(pages, page);

        parts = json_object_get(page, "participants");
        if (json_is_array(parts)) {
            cam->participants += (long) json_array_size(parts);
        }
        zt_camera_progress(cam);

        next = json_string_value(json_object_get(page, "next_page_token"));
        if (next == NULL || next[0] == '\0') {
            return ZT_OK;
        }

        if (zt_zoom_url_encode(next, tok, sizeof(tok)) != ZT_OK) {
            snprintf(e->message, sizeof(e->message),
                     "next_page_token too long");
            return ZT_ERROR;
        }
    }

    snprintf(e->message, sizeof(e->message), "more than %d QOS pages",
             ZT_CAMERA_MAX_PAGES);

    return ZT_ERROR;
}


static int
zt_camera_exec(zt_camera_t *cam, const char *sql)
{
    char  *msg;

    if (sqlite3_exec(cam->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        zt_log_error("camera: warehouse: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return ZT_ERROR;
    }

    return ZT_OK;
}


/* replaces the meeting's minutes and marks it 'ok', in one transaction */
static int
zt_camera_store(zt_camera_t *cam, const char *uuid, json_t *pages)
{
    int            rc;
    char           detail[128];
    long           before;
    size_t         i, j, np;
    json_t        *page, *p, *parts;
    sqlite3_stmt  *del, *ins;

    if (zt_camera_exec(cam, "BEGIN IMMEDIATE") != ZT_OK) {
        return ZT_ERROR;
    }

    del = NULL;
    ins = NULL;
    rc = ZT_ERROR;

    if (sqlite3_prepare_v2(cam->db,
            "DELETE FROM camera_minutes WHERE meeting_uuid = ?1", -1, &del,
            NULL) != SQLITE_OK
        || sqlite3_prepare_v2(cam->db,
            "INSERT INTO camera_minutes (meeting_uuid, person_key,"
            " minute_ts, camera_on) VALUES (?1, ?2, ?3, ?4)"
            " ON CONFLICT (meeting_uuid, person_key, minute_ts)"
            " DO UPDATE SET camera_on = max(camera_on, excluded.camera_on)",
            -1, &ins, NULL) != SQLITE_OK)
    {
        zt_log_error("camera: warehouse: %s", sqlite3_errmsg(cam->db));
        goto rollback;
    }

    sqlite3_bind_text(del, 1, uuid, -1, SQLITE_STATIC);
    if (sqlite3_step(del) != SQLITE_DONE) {
        zt_log_error("camera: warehouse: %s", sqlite3_errmsg(cam->db));
        goto rollback;
    }

    before = cam->minutes;
    np = 0;

    json_array_foreach(pages, i, page) {
        parts = json_object_get(page, "participants");
        json_array_foreach(parts, j, p) {
            np++;
            if (zt_camera_store_participant(cam, uuid, p, ins) != ZT_OK) {
                goto rollback;
            }
        }
    }

    snprintf(detail, sizeof(detail), "%zu participants, %ld samples", np,
             cam->minutes - before);

    if (zt_camera_set_status(cam, uuid, "ok", detail) != ZT_OK) {
        goto rollback;
    }

    rc = zt_camera_exec(cam, "COMMIT");
    if (rc == ZT_OK) {
        zt_log_info("camera: meeting \"%s\": ok, %s", uuid, detail);
        goto done;
    }

rollback:

    sqlite3_exec(cam->db, "ROLLBACK", NULL, NULL, NULL);
    rc = ZT_ERROR;

done:

    sqlite3_finalize(del);
    sqlite3_finalize(ins);

    return rc;
}


static int
zt_camera_store_participant(zt_camera_t *cam, const char *uuid, json_t *p,
    sqlite3_stmt *ins)
{
    int          on;
    char         key[ZT_CAMERA_KEY_LEN];
    size_t       i;
    json_t      *q, *vi;
    int64_t      ts;
    const char  *dt;

    zt_camera_person(cam, uuid, p, key, sizeof(key));

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

        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, uuid, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 3, ts - ts % 60000);
        sqlite3_bind_int(ins, 4, on);

        if (sqlite3_step(ins) != SQLITE_DONE) {
            zt_log_error("camera: warehouse: %s", sqlite3_errmsg(cam->db));
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


static void
zt_camera_person(zt_camera_t *cam, const char *uuid, json_t *p, char *key,
    size_t len)
{
    int            i;
    char           num[4][32];
    const char    *v[4];
    sqlite3_stmt  *st;

    for (i = 0; i < 4; i++) {
        v[i] = zt_camera_str(p, zt_camera_match_field[i], num[i],
                             sizeof(num[i]));
    }

    for (i = 0; i < 4; i++) {
        if (v[i][0] == '\0') {
            continue;
        }

        st = cam->match[i];
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, v[i], -1, SQLITE_STATIC);

        if (sqlite3_step(st) == SQLITE_ROW) {
            snprintf(key, len, "%s", sqlite3_column_text(st, 0));
            sqlite3_reset(st);
            return;
        }

        sqlite3_reset(st);
    }

    zt_person_key("", "", v[2], v[3], key, len);

    zt_log_debug("camera: meeting \"%s\": QOS participant not in the "
                 "warehouse, keyed as \"%s\"", uuid, key);
}


static int
zt_camera_set_status(zt_camera_t *cam, const char *uuid, const char *status,
    const char *detail)
{
    int            rc;
    char           now[ZT_RFC3339_LEN + 1];
    sqlite3_stmt  *st;

    /* an 'ok' fetch is only ever replaced by a newer 'ok' */
    static const char  sql[] =
        "INSERT INTO camera_fetches (meeting_uuid, status, detail,"
        " fetched_at) VALUES (?1, ?2, ?3, ?4)"
        " ON CONFLICT (meeting_uuid) DO UPDATE SET status = excluded.status,"
        " detail = excluded.detail, fetched_at = excluded.fetched_at"
        " WHERE camera_fetches.status <> 'ok' OR excluded.status = 'ok'";

    if (sqlite3_prepare_v2(cam->db, sql, -1, &st, NULL) != SQLITE_OK) {
        zt_log_error("camera: warehouse: %s", sqlite3_errmsg(cam->db));
        return ZT_ERROR;
    }

    zt_time_rfc3339(zt_time_now_ms(), now);

    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, detail, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);

    rc = sqlite3_step(st);
    sqlite3_finalize(st);

    if (rc != SQLITE_DONE) {
        zt_log_error("camera: warehouse: %s", sqlite3_errmsg(cam->db));
        return ZT_ERROR;
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
    int            rc;
    char           now[ZT_RFC3339_LEN + 1], *lc, *s;
    size_t         i, k;
    json_t        *room, *email;
    const char    *name, *em;
    sqlite3_stmt  *del, *ins;

    if (zt_camera_exec(cam, "BEGIN IMMEDIATE") != ZT_OK) {
        return ZT_ERROR;
    }

    del = NULL;
    ins = NULL;
    rc = ZT_ERROR;

    if (sqlite3_prepare_v2(cam->db,
            "DELETE FROM preassigned_rooms WHERE meeting_id = ?1", -1, &del,
            NULL) != SQLITE_OK
        || sqlite3_prepare_v2(cam->db,
            "INSERT OR REPLACE INTO preassigned_rooms (meeting_id,"
            " room_name, email, fetched_at) VALUES (?1, ?2, ?3, ?4)",
            -1, &ins, NULL) != SQLITE_OK)
    {
        zt_log_error("camera: warehouse: %s", sqlite3_errmsg(cam->db));
        goto rollback;
    }

    sqlite3_bind_text(del, 1, meeting_id, -1, SQLITE_STATIC);
    if (sqlite3_step(del) != SQLITE_DONE) {
        zt_log_error("camera: warehouse: %s", sqlite3_errmsg(cam->db));
        goto rollback;
    }

    zt_time_rfc3339(zt_time_now_ms(), now);

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

            lc = strdup(em);
            if (lc == NULL) {
                goto rollback;
            }
            for (s = lc; *s; s++) {
                if (*s >= 'A' && *s <= 'Z') {
                    *s = (char) (*s - 'A' + 'a');
                }
            }

            sqlite3_reset(ins);
            sqlite3_bind_text(ins, 1, meeting_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 2, name, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 3, lc, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ins, 4, now, -1, SQLITE_STATIC);
            free(lc);

            if (sqlite3_step(ins) != SQLITE_DONE) {
                zt_log_error("camera: warehouse: %s",
                             sqlite3_errmsg(cam->db));
                goto rollback;
            }

            cam->rooms++;
        }
    }

    if (zt_camera_exec(cam, "COMMIT") == ZT_OK) {
        rc = ZT_OK;
        goto done;
    }

rollback:

    sqlite3_exec(cam->db, "ROLLBACK", NULL, NULL, NULL);
    rc = ZT_ERROR;

done:

    sqlite3_finalize(del);
    sqlite3_finalize(ins);

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
