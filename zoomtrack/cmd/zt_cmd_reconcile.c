/*
 * `zoomtrack reconcile --date D [--meeting UUID]`: for every meeting
 * instance of the local day D in the warehouse, asks Zoom's Report API for
 * its participant sessions and stores the joins and leaves the webhooks
 * never delivered (rules in zt_reconcile.h).  Reading goes through the
 * report's warehouse interface and writing through the warehouse sink of
 * the configured backend, so reconciled events are normalised and stored
 * exactly like the module's, marked source = report_api.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_event.h"
#include "zt_time.h"
#include "zt_http.h"
#include "zt_cmd.h"
#include "zt_cmd_util.h"
#include "zt_camera.h"
#include "zt_log.h"
#include "zt_reconcile.h"
#include "zt_sink.h"
#include "zt_warehouse.h"
#include "zt_zoom_api.h"


#define ZT_RECONCILE_MAX_PAGES  1000


typedef struct {
    char                 *uuid;
    char                 *id;
    int                   webinar;     /* its events are webinar.* */
    zt_reconcile_mark_t  *marks;
    size_t                nmarks;
} zt_rc_meeting_t;


typedef struct {
    zt_rc_meeting_t        *m;
    size_t                  n;
    const char             *only;
    int                     oom;
} zt_rc_day_t;


typedef struct {
    const zt_sink_t        *ops;
    void                   *ctx;
    zt_reconcile_counts_t   total;
    size_t                  ok, pending, unavailable, stored, rejected;
} zt_rc_run_t;


static void zt_rc_usage(FILE *f);
static int zt_rc_args(int argc, char **argv, const char **date,
    const char **only, const char **path);
static void zt_rc_summary(const char *date, const zt_rc_day_t *day,
    const zt_rc_run_t *run);
static int zt_rc_event(void *data, const zt_presence_event_t *ev);
static int zt_rc_read_day(const zt_conf_t *conf, const zt_wh_query_t *q,
    zt_rc_day_t *day);
static const zt_sink_t *zt_rc_sink(const zt_conf_t *conf);
static int zt_rc_meeting(zt_rc_run_t *run, zt_zoom_t *zoom,
    zt_rc_meeting_t *m);
static int zt_rc_fetch(zt_zoom_t *zoom, const zt_rc_meeting_t *m,
    json_t *sessions, zt_zoom_err_t *e);
static int zt_rc_store(zt_rc_run_t *run, json_t *bodies);
static void zt_rc_day_free(zt_rc_day_t *day);


/* parses argv; returns -1 to go on, else the exit code */
static int
zt_rc_args(int argc, char **argv, const char **date, const char **only,
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

    *date = NULL;
    *only = NULL;
    *path = NULL;
    optind = 1;
    opterr = 0;

    while ((c = getopt_long(argc, argv, ":c:d:m:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': *date = optarg; break;
        case 'm': *only = optarg; break;
        case 'c': *path = optarg; break;
        case 'h': zt_rc_usage(stdout); return ZT_EXIT_OK;
        default:
            zt_cmd_bad_option("reconcile", c, argv);
            zt_rc_usage(stderr);
            return ZT_EXIT_USAGE;
        }
    }

    if (optind < argc || *date == NULL) {
        fprintf(stderr, "zoomtrack reconcile: --date YYYY-MM-DD is required"
                " and nothing else may follow\n");
        return ZT_EXIT_USAGE;
    }

    return -1;
}


int
zt_cmd_reconcile(int argc, char **argv)
{
    int             rc;
    char            err[512];
    size_t          i;
    zt_conf_t      *conf;
    zt_zoom_t      *zoom;
    const char     *date, *path;
    zt_rc_day_t     day;
    zt_rc_run_t     run;
    zt_wh_query_t   q;

    memset(&q, 0, sizeof(q));
    memset(&day, 0, sizeof(day));
    memset(&run, 0, sizeof(run));

    rc = zt_rc_args(argc, argv, &date, &day.only, &path);
    if (rc >= 0) {
        return rc;
    }

    conf = zt_cmd_conf("reconcile", path);
    if (conf == NULL) {
        return ZT_EXIT_USAGE;
    }

    q.report_date = date;
    q.meeting = day.only;

    if (zt_cmd_day("reconcile", conf, date, &q.day_start, &q.day_end)
        != ZT_OK)
    {
        zt_conf_free(conf);
        return ZT_EXIT_USAGE;
    }

    run.ops = zt_rc_sink(conf);
    if (run.ops == NULL) {
        zt_conf_free(conf);
        return ZT_EXIT_USAGE;
    }

    /* libcurl's global state, and the backoff's jitter seeded: runs that
     * meet the same limit must not retry in step */
    if (zt_http_global_init() != ZT_OK) {
        fprintf(stderr, "zoomtrack reconcile: cannot initialise libcurl\n");
        zt_conf_free(conf);
        return ZT_EXIT_FAILURE;
    }

    rc = zt_zoom_create(conf, &zoom, err, sizeof(err));
    if (rc != ZT_OK) {
        fprintf(stderr, "zoomtrack reconcile: %s\n", err);
        zt_conf_free(conf);
        curl_global_cleanup();
        return rc == ZT_DECLINED ? ZT_EXIT_USAGE : ZT_EXIT_FAILURE;
    }

    rc = ZT_EXIT_FAILURE;

    if (zt_rc_read_day(conf, &q, &day) != ZT_OK
        || run.ops->init(conf, &run.ctx) != ZT_OK)
    {
        goto done;
    }

    for (i = 0; i < day.n; i++) {
        if (zt_rc_meeting(&run, zoom, &day.m[i]) != ZT_OK) {
            goto done;
        }
    }

    zt_rc_summary(date, &day, &run);

    rc = ZT_EXIT_OK;

done:

    if (run.ctx) {
        run.ops->exit(run.ctx);
    }

    zt_rc_day_free(&day);
    zt_zoom_destroy(zoom);
    zt_conf_free(conf);
    curl_global_cleanup();

    return rc;
}


static void
zt_rc_summary(const char *date, const zt_rc_day_t *day,
    const zt_rc_run_t *run)
{
    printf("reconcile %s: %zu meeting(s): %zu reconciled, %zu pending, "
           "%zu unavailable; %zu session(s) from Zoom, %zu already known, "
           "%zu join(s) and %zu leave(s) added, %zu skipped\n",
           date, day->n, run->ok, run->pending, run->unavailable,
           run->total.sessions, run->total.known, run->total.joins_added,
           run->total.leaves_added, run->total.skipped + run->rejected);
}


static void
zt_rc_usage(FILE *f)
{
    fprintf(f,
        "usage: zoomtrack reconcile --date YYYY-MM-DD [--meeting UUID] "
        "[-c FILE]\n\n"
        "Asks Zoom's Report API (GET /report/meetings/{uuid}/participants,\n"
        "for a webinar /report/webinars/{uuid}/participants) for the\n"
        "sessions of every meeting instance of that local day in\n"
        "the warehouse and adds the joins and leaves the webhooks missed,\n"
        "as events with source = report_api.  The Report API knows no\n"
        "breakout rooms: what it fills is presence in the main meeting.\n"
        "Rerunning adds nothing.  Needs a Pro plan or higher and the scope\n"
        "report:read:admin; without them meetings are reported as\n"
        "unavailable, not as errors.\n\n"
        "  --date D        the local day (configured timezone)\n"
        "  --meeting UUID  only this meeting instance (uuid or id)\n"
        "  -c FILE         configuration file\n"
        "  -h, --help      this text\n\n"
        "Exit: 0 done, 1 Zoom or the warehouse failed, 2 usage or "
        "configuration.\n");
}


/* the warehouse sink of the configured backend, from the sink table */
static const zt_sink_t *
zt_rc_sink(const zt_conf_t *conf)
{
    const char             *backend;
    const zt_sink_entry_t  *row;

    backend = zt_conf_get(conf, "warehouse", "backend");

    for (row = zt_sinks; row->section; row++) {
        if (strcmp(row->section, "warehouse") == 0
            && strcmp(row->backend, backend) == 0)
        {
            return row->ops;
        }
    }

    fprintf(stderr, "zoomtrack reconcile: warehouse.backend \"%s\" is not "
            "supported by this binary\n", backend);

    return NULL;
}


static int
zt_rc_read_day(const zt_conf_t *conf, const zt_wh_query_t *q,
    zt_rc_day_t *day)
{
    int                        rc;
    char                       err[512];
    void                      *wh;
    const zt_warehouse_ops_t  *ops;

    ops = zt_warehouse_for(conf);
    wh = ops ? ops->open(conf, err, sizeof(err)) : NULL;

    if (wh == NULL) {
        zt_log_error("reconcile: %s", ops ? err : "no warehouse backend");
        return ZT_ERROR;
    }

    rc = ops->events(wh, q, zt_rc_event, day);

    if (rc != ZT_OK) {
        zt_log_error("reconcile: reading the warehouse: %s",
                     day->oom ? "out of memory" : ops->errmsg(wh));
    }

    ops->close(wh);

    return rc;
}


/*
 * Collects, per meeting instance, the main-meeting joins and leaves and
 * the meeting ends: what a Report API session is checked against.
 */
static int
zt_rc_event(void *data, const zt_presence_event_t *ev)
{
    char                  key[512];
    int                   join, end;
    size_t                i;
    zt_rc_day_t          *day = data;
    zt_rc_meeting_t      *m;
    zt_reconcile_mark_t  *mk;

    if (ev->meeting_uuid[0] == '\0'
        || (day->only && strcmp(day->only, ev->meeting_uuid) != 0
            && strcmp(day->only, ev->meeting_id) != 0))
    {
        return ZT_OK;
    }

    for (i = 0; i < day->n; i++) {
        if (strcmp(day->m[i].uuid, ev->meeting_uuid) == 0) {
            break;
        }
    }

    if (i == day->n) {
        m = realloc(day->m, (day->n + 1) * sizeof(zt_rc_meeting_t));
        if (m == NULL) {
            goto oom;
        }
        day->m = m;
        m = &day->m[day->n++];
        memset(m, 0, sizeof(zt_rc_meeting_t));
        m->uuid = strdup(ev->meeting_uuid);
        m->id = strdup(ev->meeting_id);
        if (m->uuid == NULL || m->id == NULL) {
            goto oom;
        }
    }

    m = &day->m[i];

    /* a webinar has its own report endpoint and its own events */
    if (strncmp(ev->event_type, "webinar.", 8) == 0) {
        m->webinar = 1;
    }

    join = strcmp(ev->event_type, "meeting.participant_joined") == 0
           || strcmp(ev->event_type, "webinar.participant_joined") == 0;
    end = strcmp(ev->event_type, "meeting.ended") == 0
          || strcmp(ev->event_type, "webinar.ended") == 0;

    if (!join && !end
        && strcmp(ev->event_type, "meeting.participant_left") != 0
        && strcmp(ev->event_type, "webinar.participant_left") != 0)
    {
        return ZT_OK;
    }

    mk = realloc(m->marks, (m->nmarks + 1) * sizeof(zt_reconcile_mark_t));
    if (mk == NULL) {
        goto oom;
    }

    m->marks = mk;
    mk = &m->marks[m->nmarks];
    mk->ts = ev->event_ts;
    mk->join = join;
    mk->person_key = NULL;
    mk->name = NULL;

    if (!end) {
        if (ev->person_key) {
            mk->person_key = strdup(ev->person_key);
        } else {
            zt_person_key(ev->participant_id, ev->registrant_id,
                          ev->participant_email, ev->participant_name, key,
                          sizeof(key));
            mk->person_key = strdup(key);
        }

        /* a session known by its name alone is looked up by it */
        mk->name = strdup(ev->participant_name);

        if (mk->person_key == NULL || mk->name == NULL) {
            free((char *) mk->person_key);
            free((char *) mk->name);
            goto oom;
        }
    }

    m->nmarks++;

    return ZT_OK;

oom:

    day->oom = 1;
    return ZT_ERROR;
}


static int
zt_rc_meeting(zt_rc_run_t *run, zt_zoom_t *zoom, zt_rc_meeting_t *m)
{
    int                       rc;
    json_t                   *sessions, *bodies;
    const char               *state;
    zt_zoom_err_t             e;
    zt_reconcile_counts_t     c;
    zt_reconcile_instance_t   in;

    sessions = json_array();
    bodies = json_array();
    memset(&e, 0, sizeof(e));
    memset(&c, 0, sizeof(c));

    if (sessions == NULL || bodies == NULL) {
        json_decref(sessions);
        json_decref(bodies);
        return ZT_ERROR;
    }

    rc = zt_rc_fetch(zoom, m, sessions, &e);

    if (rc == ZT_DECLINED && !e.auth) {
        state = zt_camera_status_for(e.status, e.code);
        printf("  %s: %s (Zoom: HTTP %ld, code %ld: %s)\n", m->uuid, state,
               e.status, e.code, e.message);
        if (strcmp(state, "pending") == 0) {
            run->pending++;
        } else {
            run->unavailable++;
        }
        rc = ZT_OK;
        goto done;
    }

    if (rc != ZT_OK) {
        zt_log_error("reconcile: %s: %s", m->uuid, e.message);
        fprintf(stderr, "zoomtrack reconcile: %s: %s\n", m->uuid,
                e.message);
        rc = ZT_ERROR;
        goto done;
    }

    in.id = m->id;
    in.uuid = m->uuid;
    in.webinar = m->webinar;

    rc = zt_reconcile_plan(m->marks, m->nmarks, sessions, &in, bodies, &c);
    if (rc == ZT_OK) {
        rc = zt_rc_store(run, bodies);
    }

    if (rc == ZT_OK) {
        run->ok++;
        run->total.sessions += c.sessions;
        run->total.known += c.known;
        run->total.joins_added += c.joins_added;
        run->total.leaves_added += c.leaves_added;
        run->total.skipped += c.skipped;
        printf("  %s: %zu session(s), %zu join(s) and %zu leave(s) "
               "added\n", m->uuid, c.sessions, c.joins_added,
               c.leaves_added);
    }

done:

    json_decref(sessions);
    json_decref(bodies);

    return rc;
}


/*
 * Appends a Report API page's participants[] to the sessions; no page:
 * Zoom's pages start over, the sessions so far are forgotten.
 */
static int
zt_rc_page(void *data, json_t *page)
{
    json_t  *parts;

    if (page == NULL) {
        return json_array_clear(data) == 0 ? ZT_OK : ZT_ERROR;
    }

    parts = json_object_get(page, "participants");

    return (parts == NULL || json_array_extend(data, parts) == 0)
           ? ZT_OK : ZT_ERROR;
}


/*
 * Every participants[] entry of every page; returns as zt_zoom_get().  A
 * webinar's sessions are in the webinar report: the meetings one does not
 * know it (404 code 3001).
 */
static int
zt_rc_fetch(zt_zoom_t *zoom, const zt_rc_meeting_t *m, json_t *sessions,
    zt_zoom_err_t *e)
{
    char  enc[ZT_ZOOM_UUID_ENC_MAX], path[2048];

    if (zt_zoom_uuid_encode(m->uuid, enc, sizeof(enc)) != ZT_OK) {
        snprintf(e->message, sizeof(e->message), "meeting uuid too long");
        return ZT_ERROR;
    }

    /* registrant_id only comes when asked for, and it is the one stable
     * identity of a registered external attendee */
    snprintf(path, sizeof(path), "/report/%s/%s/participants"
             "?page_size=300&include_fields=registrant_id",
             m->webinar ? "webinars" : "meetings", enc);

    return zt_zoom_get_pages(zoom, path, ZT_RECONCILE_MAX_PAGES, zt_rc_page,
                             sessions, e);
}


/*
 * Normalises each body as the module does and hands the records to the
 * warehouse sink in one batch.  The sink is idempotent on event_id, so a
 * rerun stores nothing new.
 */
static int
zt_rc_store(zt_rc_run_t *run, json_t *bodies)
{
    int          rc;
    char        *body, *rec;
    size_t       i, n, len, rlen;
    json_t      *b, *obj;
    zt_item_t   *items;
    zt_event_t   ev;
    const char  *reason;

    n = json_array_size(bodies);
    if (n == 0) {
        return ZT_OK;
    }

    items = calloc(n, sizeof(zt_item_t));
    if (items == NULL) {
        return ZT_ERROR;
    }

    rc = ZT_OK;

    json_array_foreach(bodies, i, b) {
        body = json_dumps(b, JSON_COMPACT);
        memset(&ev, 0, sizeof(ev));
        rec = NULL;

        if (body != NULL) {
            len = strlen(body);
            if (zt_event_parse((const unsigned char *) body, len, &ev,
                               &reason) == ZT_OK)
            {
                rec = zt_event_record(&ev, (const unsigned char *) body,
                                      len, zt_time_now_ms(), &rlen);
            }
        }

        obj = rec ? json_loads(rec, 0, NULL) : NULL;
        zt_event_free(&ev);
        free(body);

        /* the item's raw is the record, as if read from Redis */
        items[i].raw = rec;
        items[i].len = rec ? rlen : 0;

        if (obj == NULL
            || json_object_set_new(obj, "source", json_string("report_api"))
               != 0)
        {
            json_decref(obj);
            rc = ZT_ERROR;
            break;
        }

        items[i].rec = obj;
        items[i].event_id = json_string_value(json_object_get(obj,
                                                              "event_id"));
    }

    if (rc == ZT_OK) {
        rc = run->ops->write(run->ctx, items, n);
        if (rc != ZT_OK) {
            zt_log_error("reconcile: the warehouse did not take the "
                         "events (see above)");
            rc = ZT_ERROR;
        }
    }

    for (i = 0; i < n; i++) {
        if (rc == ZT_OK && items[i].error) {
            zt_log_warn("reconcile: an event was refused: %s",
                        items[i].error);
            run->rejected++;
        } else if (rc == ZT_OK) {
            run->stored++;
        }
        json_decref(items[i].rec);
        free((char *) items[i].raw);
    }

    free(items);

    return rc;
}


static void
zt_rc_day_free(zt_rc_day_t *day)
{
    size_t  i, k;

    for (i = 0; i < day->n; i++) {
        for (k = 0; k < day->m[i].nmarks; k++) {
            free((char *) day->m[i].marks[k].person_key);
            free((char *) day->m[i].marks[k].name);
        }
        free(day->m[i].marks);
        free(day->m[i].uuid);
        free(day->m[i].id);
    }

    free(day->m);
}

