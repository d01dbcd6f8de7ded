/*
 * `zoomtrack attendance --from D1 --to D2 [--meeting ID] [--format
 * csv|json|html] [--out FILE]`: one row per person over a period — sessions
 * held, attended, minutes, share of meeting time, times late, times left
 * early — from the same presence engine, identity rule, time zone and
 * roster rules as the daily report (zt_attendance_meeting.h).  A session is
 * a meeting instance that started (meeting.started, else its first event)
 * within the period.  The HTML form adds a person x session grid.
 *
 * Who frees what: the period's fold (zt_presence_t), the rosters and the
 * people table live until the end of zt_cmd_attendance(); the journeys
 * only while the sessions are judged.  The table is written by
 * zt_cmd_attendance_write.c.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_core.h"
#include "zt_time.h"
#include "zt_cmd_attendance_int.h"
#include "zt_roster_conf.h"
#include "zt_cmd.h"
#include "zt_cmd_util.h"
#include "zt_fs.h"
#include "zt_log.h"
#include "zt_warehouse.h"


/* one warehouse query per day: a longer period is refused, not cut */
#define ZT_ATT_MAX_DAYS  1000


/* the command line; the strings point into argv */
typedef struct {
    const char  *path;
    const char  *from;
    const char  *to;
    const char  *meeting;
    const char  *format;
    const char  *out;
} zt_att_args_t;


static int zt_att_args(int argc, char **argv, zt_att_args_t *a);
static int zt_att_output(const zt_att_run_t *run, const zt_att_args_t *a);
static int zt_att_sessions(zt_att_run_t *run, zt_roster_conf_t *rosters,
    const zt_att_rules_t *rules);
static void zt_att_run_free(zt_att_run_t *run);
static int zt_att_fold(void *data, const zt_presence_event_t *ev);
static int zt_att_mtg_cmp(const void *a, const void *b);
static int zt_att_read(const zt_conf_t *conf, const char *from,
    const char *to, const char *meeting, zt_att_run_t *run);
static int zt_att_fold_days(const zt_warehouse_ops_t *ops, void *wh,
    const char *from, const char *to, const char *meeting,
    zt_att_run_t *run);
static void zt_att_keep_sessions(zt_att_run_t *run, const char *meeting,
    int64_t start, int64_t end);
static int zt_att_session(zt_att_run_t *run, const zt_roster_t *roster,
    const zt_att_rules_t *rules, const zt_journey_t *const *j, size_t n,
    size_t s);
static zt_att_person_t *zt_att_person(zt_att_run_t *run, const char *id,
    const char *name, const char *email, const char *group);
static void zt_att_report(void *data, const char *msg);


static void
zt_att_usage(FILE *f)
{
    fprintf(f,
        "usage: zoomtrack attendance --from D1 --to D2 [--meeting ID]\n"
        "                            [--format csv|json|html] [--out FILE]"
        " [-c FILE]\n\n"
        "One row per person over the period: sessions held, sessions\n"
        "attended, total minutes, share of meeting time, times late and\n"
        "left early, by the daily report's rules ([roster] in the config).\n"
        "Without a roster each identity is a row and nobody is absent.\n\n"
        "  --from D1, --to D2  the local days (configured timezone),\n"
        "                      both included, at most 1000 days\n"
        "  --meeting ID        only this meeting id or meeting uuid\n"
        "  --format F          csv (default), json, or html (adds a\n"
        "                      person x session grid)\n"
        "  --out FILE          output file (owner-only, or [drain]\n"
        "                      file_mode); default or \"-\": stdout\n"
        "  -c FILE             configuration file\n"
        "  -h, --help          this text\n\n"
        "Exit: 0 done, 1 the warehouse failed, 2 usage or configuration "
        "(a bad roster row included).\n");
}


/* parses argv; returns -1 to go on, else the exit code */
static int
zt_att_args(int argc, char **argv, zt_att_args_t *a)
{
    int  c;

    static const struct option  opts[] = {
        { "from", required_argument, NULL, 'f' },
        { "to", required_argument, NULL, 't' },
        { "meeting", required_argument, NULL, 'm' },
        { "format", required_argument, NULL, 'F' },
        { "out", required_argument, NULL, 'o' },
        { "config", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };

    a->path = a->from = a->to = a->meeting = a->out = NULL;
    a->format = "csv";
    optind = 1;
    opterr = 0;

    while ((c = getopt_long(argc, argv, ":c:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f': a->from = optarg; break;
        case 't': a->to = optarg; break;
        case 'm': a->meeting = optarg; break;
        case 'F': a->format = optarg; break;
        case 'o': a->out = optarg; break;
        case 'c': a->path = optarg; break;
        case 'h': zt_att_usage(stdout); return ZT_EXIT_OK;
        default:
            zt_cmd_bad_option("attendance", c, argv);
            zt_att_usage(stderr);
            return ZT_EXIT_USAGE;
        }
    }

    if (optind < argc || a->from == NULL || a->to == NULL
        || strcmp(a->from, a->to) > 0
        || (strcmp(a->format, "csv") != 0 && strcmp(a->format, "json") != 0
            && strcmp(a->format, "html") != 0))
    {
        fprintf(stderr, "zoomtrack attendance: --from D1 --to D2 (D1 <= "
                "D2) are required; --format is csv, json or html\n");
        return ZT_EXIT_USAGE;
    }

    return -1;
}


int
zt_cmd_attendance(int argc, char **argv)
{
    int                 rc;
    char                err[512];
    zt_conf_t          *conf;
    zt_att_run_t        run;
    zt_att_args_t       a;
    zt_att_opts_t       att;
    zt_roster_conf_t   *rosters;

    rc = zt_att_args(argc, argv, &a);
    if (rc >= 0) {
        return rc;
    }

    conf = zt_cmd_conf("attendance", a.path);
    if (conf == NULL) {
        return ZT_EXIT_USAGE;
    }

    memset(&run, 0, sizeof(run));

    rosters = zt_roster_conf_create(conf, &att, err, sizeof(err));
    if (rosters == NULL) {
        fprintf(stderr, "zoomtrack attendance: %s\n", err);
        rc = ZT_EXIT_USAGE;
        goto done;
    }

    if (zt_att_read(conf, a.from, a.to, a.meeting, &run) != ZT_OK) {
        rc = run.oom ? ZT_EXIT_FAILURE : ZT_EXIT_USAGE;
        goto done;
    }

    rc = zt_att_sessions(&run, rosters, &att.rules);
    if (rc != ZT_OK) {
        goto done;
    }

    rc = zt_att_output(&run, &a);
    if (rc != ZT_EXIT_OK) {
        goto done;
    }

    fprintf(a.out && strcmp(a.out, "-") != 0 ? stdout : stderr,
            "attendance %s..%s: %zu session(s), %zu people\n", a.from, a.to,
            run.nsessions, run.npeople);

done:

    zt_att_run_free(&run);
    zt_roster_conf_free(rosters);
    zt_conf_free(conf);

    return rc;
}


/*
 * The table to stdout, or to --out as the report writes its file: built
 * in memory, then zt_fs_replace() (owner-only unless [drain] file_mode
 * widens it, a temp file renamed over the path, so never through a
 * symlink nor keeping an old file's mode; a FIFO or /dev/null written as
 * it is).  ZT_EXIT_OK or ZT_EXIT_FAILURE.
 */
static int
zt_att_output(const zt_att_run_t *run, const zt_att_args_t *a)
{
    int     rc;
    FILE   *f;
    char   *buf;
    size_t  len;

    if (a->out == NULL || strcmp(a->out, "-") == 0) {
        if (zt_att_write(run, a->format, stdout) != ZT_OK
            || fflush(stdout) != 0)
        {
            fprintf(stderr, "zoomtrack attendance: cannot write stdout\n");
            return ZT_EXIT_FAILURE;
        }
        return ZT_EXIT_OK;
    }

    buf = NULL;
    len = 0;

    f = open_memstream(&buf, &len);
    if (f == NULL) {
        fprintf(stderr, "zoomtrack attendance: out of memory\n");
        return ZT_EXIT_FAILURE;
    }

    rc = zt_att_write(run, a->format, f);

    if (fclose(f) != 0 || rc != ZT_OK) {
        fprintf(stderr, "zoomtrack attendance: out of memory\n");
        free(buf);
        return ZT_EXIT_FAILURE;
    }

    rc = zt_fs_replace(a->out, buf, len, (mode_t) zt_fs_file_mode());
    if (rc != ZT_OK) {
        fprintf(stderr, "zoomtrack attendance: cannot write \"%s\": %s\n",
                a->out, strerror(errno));
    }

    free(buf);

    return rc == ZT_OK ? ZT_EXIT_OK : ZT_EXIT_FAILURE;
}


/*
 * Every session through its meeting's roster (zt_att_session).  ZT_OK,
 * else the exit code: ZT_EXIT_USAGE for a bad roster, ZT_EXIT_FAILURE.
 * The period's journeys live only while this runs.
 */
static int
zt_att_sessions(zt_att_run_t *run, zt_roster_conf_t *rosters,
    const zt_att_rules_t *rules)
{
    int                   rc, failed;
    char                  err[512];
    size_t                i, k, nj, s;
    zt_journey_t         *js;
    const zt_roster_t    *roster;
    const zt_journey_t  **mine;

    rc = ZT_EXIT_FAILURE;
    js = NULL;
    nj = 0;
    mine = NULL;

    if (zt_presence_journeys(run->p, NULL, &js, &nj) != ZT_OK
        || (mine = calloc(nj ? nj : 1, sizeof(zt_journey_t *))) == NULL)
    {
        goto done;
    }

    for (s = 0; s < run->nm; s++) {
        for (i = 0, k = 0; i < nj; i++) {
            if (strcmp(js[i].meeting_uuid, run->m[s].uuid) == 0) {
                mine[k++] = &js[i];
            }
        }

        failed = 0;
        roster = zt_roster_conf_get(rosters, run->m[s].id, &failed, err,
                                    sizeof(err));
        if (failed) {
            fprintf(stderr, "zoomtrack attendance: %s\n", err);
            rc = ZT_EXIT_USAGE;
            goto done;
        }

        if (zt_att_session(run, roster, rules, mine, k, s) != ZT_OK) {
            goto done;
        }
    }

    rc = ZT_OK;

done:

    free(mine);
    zt_presence_journeys_free(js, nj);

    return rc;
}


static void
zt_att_run_free(zt_att_run_t *run)
{
    size_t  i;

    for (i = 0; i < run->npeople; i++) {
        free(run->people[i].id);
        free(run->people[i].name);
        free(run->people[i].email);
        free(run->people[i].group);
        free(run->people[i].cells);
    }
    free(run->people);

    for (i = 0; i < run->nm; i++) {
        free(run->m[i].uuid);
        free(run->m[i].id);
    }
    free(run->m);

    zt_presence_free(run->p);
    zt_meeting_bounds_free(run->bounds);
}


/* folds the period day by day (folding is idempotent: overlaps are fine) */
static int
zt_att_read(const zt_conf_t *conf, const char *from, const char *to,
    const char *meeting, zt_att_run_t *run)
{
    int                        rc;
    char                       err[512];
    int64_t                    start, end, first, days;
    void                      *wh;
    const zt_warehouse_ops_t  *ops;

    run->tz = zt_conf_get(conf, "", "timezone");

    if (zt_cmd_day("attendance", conf, from, &start, &end) != ZT_OK
        || zt_cmd_day("attendance", conf, to, &first, &end) != ZT_OK)
    {
        return ZT_ERROR;
    }

    /* local days: 23 or 25 hours at a DST change, hence the rounding */
    days = (end - start + 43200000) / 86400000;
    if (days > ZT_ATT_MAX_DAYS) {
        fprintf(stderr, "zoomtrack attendance: --from %s --to %s is %lld "
                "days; at most %d in one run: split the period\n", from, to,
                (long long) days, ZT_ATT_MAX_DAYS);
        return ZT_ERROR;
    }

    run->p = zt_presence_create();
    run->bounds = zt_meeting_bounds_create();
    ops = zt_warehouse_for(conf);
    if (ops == NULL) {
        fprintf(stderr, "zoomtrack attendance: warehouse.backend \"%s\" is "
                "not supported\n", zt_conf_get(conf, "warehouse", "backend"));
        return ZT_ERROR;
    }

    wh = run->p && run->bounds ? ops->open(conf, err, sizeof(err)) : NULL;

    if (wh == NULL) {
        run->oom = 1;
        fprintf(stderr, "zoomtrack attendance: %s\n",
                run->p && run->bounds ? err : "out of memory");
        return ZT_ERROR;
    }

    rc = zt_att_fold_days(ops, wh, from, to, meeting, run);

    if (rc != ZT_OK) {
        run->oom = 1;
        fprintf(stderr, "zoomtrack attendance: reading the warehouse: %s\n",
                ops->errmsg(wh));
    }

    ops->close(wh);

    if (rc != ZT_OK) {
        return ZT_ERROR;
    }

    zt_att_keep_sessions(run, meeting, start, end);

    return ZT_OK;
}


/* one warehouse query per local day from..to; ZT_OK or the query's rc */
static int
zt_att_fold_days(const zt_warehouse_ops_t *ops, void *wh, const char *from,
    const char *to, const char *meeting, zt_att_run_t *run)
{
    int            rc, days;
    char           day[16];
    zt_wh_query_t  q;

    memset(&q, 0, sizeof(q));
    q.meeting = meeting;
    rc = ZT_OK;
    snprintf(day, sizeof(day), "%s", from);

    for (days = 0; rc == ZT_OK && days < ZT_ATT_MAX_DAYS; days++) {
        q.report_date = day;
        if (zt_time_day_bounds(day, run->tz, &q.day_start, &q.day_end)
            != ZT_OK)
        {
            break;
        }

        rc = ops->events(wh, &q, zt_att_fold, run);

        if (strcmp(day, to) >= 0) {
            break;
        }

        /* the next local day starts where this one ends */
        zt_time_local_date(q.day_end, run->tz, day);
    }

    return rc;
}


/*
 * Sessions: the instances with presence that started (meeting.started,
 * else their first event) in [start, end) and match --meeting, in start
 * order; the others are dropped from run->m.
 */
static void
zt_att_keep_sessions(zt_att_run_t *run, const char *meeting, int64_t start,
    int64_t end)
{
    size_t                      i, n;
    int64_t                     first, last;
    zt_att_mtg_t               *m;
    zt_presence_meeting_info_t  info;

    n = zt_presence_nmeetings(run->p);
    for (i = 0; i < n; i++) {
        zt_presence_meeting_info(run->p, i, &info);

        for (m = run->m; m < run->m + run->nm; m++) {
            if (strcmp(m->uuid, info.uuid) == 0) {
                break;
            }
        }

        if (m == run->m + run->nm) {
            continue;                       /* no presence: not a session */
        }

        zt_meeting_bounds_get(run->bounds, m->uuid, &first, &last);
        first = first ? first : info.first_ts;
        m->first = first;
        if (first < start || first >= end
            || (meeting && strcmp(meeting, m->uuid) != 0
                && strcmp(meeting, m->id) != 0))
        {
            free(m->uuid);
            free(m->id);
            *m = run->m[--run->nm];
        }
    }

    qsort(run->m, run->nm, sizeof(zt_att_mtg_t), zt_att_mtg_cmp);
}


static int
zt_att_mtg_cmp(const void *a, const void *b)
{
    const zt_att_mtg_t  *x = a, *y = b;

    if (x->first != y->first) {
        return x->first < y->first ? -1 : 1;
    }

    return strcmp(x->uuid, y->uuid);
}


/* folds an event and notes its meeting's start and end */
static int
zt_att_fold(void *data, const zt_presence_event_t *ev)
{
    size_t         i;
    zt_att_run_t  *run = data;
    zt_att_mtg_t  *m;

    if (zt_presence_fold_event(run->p, ev) == ZT_ERROR) {
        return ZT_ERROR;
    }

    if (ev->meeting_uuid[0] == '\0') {
        return ZT_OK;
    }

    for (i = 0; i < run->nm; i++) {
        if (strcmp(run->m[i].uuid, ev->meeting_uuid) == 0) {
            break;
        }
    }

    if (i == run->nm) {
        m = realloc(run->m, (run->nm + 1) * sizeof(zt_att_mtg_t));
        if (m == NULL) {
            return ZT_ERROR;
        }
        run->m = m;
        m = &run->m[run->nm++];
        memset(m, 0, sizeof(zt_att_mtg_t));
        m->uuid = strdup(ev->meeting_uuid);
        m->id = strdup(ev->meeting_id);
        if (m->uuid == NULL || m->id == NULL) {
            return ZT_ERROR;
        }
    }

    return zt_meeting_bounds_note(run->bounds, ev);
}


static int
zt_att_session(zt_att_run_t *run, const zt_roster_t *roster,
    const zt_att_rules_t *rules, const zt_journey_t *const *j, size_t n,
    size_t s)
{
    char                   id[600], letter;
    size_t                 i, k;
    zt_att_t              *a;
    zt_att_person_t       *p;
    zt_att_meeting_t       am;
    const zt_roster_person_t  *rp;

    if (zt_att_meeting(roster, rules, run->bounds, j, n, zt_att_report,
                       NULL, &am)
        != ZT_OK)
    {
        return ZT_ERROR;
    }

    run->nsessions++;

    /* roster people and guests: the absent first, then each journey */
    for (i = 0; i < am.nabsent + n; i++) {
        if (i < am.nabsent) {
            rp = &roster->people[am.absent[i]];
            a = &am.absent_att;
        } else {
            k = i - am.nabsent;
            rp = am.match[k] >= 0 ? &roster->people[am.match[k]] : NULL;
            a = &am.att[k];
        }

        if (rp) {
            snprintf(id, sizeof(id), "r:%s", rp->email[0] ? rp->email
                                                          : rp->name_key);
            p = zt_att_person(run, id, rp->name, rp->email, rp->group);
        } else {
            k = i - am.nabsent;
            snprintf(id, sizeof(id), "g:%s", j[k]->key);
            p = zt_att_person(run, id, j[k]->name, j[k]->email, "");
        }

        if (p == NULL) {
            zt_att_meeting_free(&am);
            return ZT_ERROR;
        }

        /* one roster person's identities are counted once per session */
        if (p->cells[s] != '.' && p->cells[s] != '\0') {
            continue;
        }

        letter = a->status == ZT_ATT_ABSENT ? 'A'
                 : a->status == ZT_ATT_PARTIAL ? 'p'
                 : a->status == ZT_ATT_GUEST ? 'G' : 'P';
        p->cells[s] = letter;
        p->held++;
        p->meeting_ms += am.rules.end - am.rules.start;

        if (a->status != ZT_ATT_ABSENT) {
            p->attended++;
            p->present_ms += a->present_ms;
            p->late += a->late;
            p->early += a->left_early;
        }
    }

    zt_att_meeting_free(&am);

    return ZT_OK;
}


static zt_att_person_t *
zt_att_person(zt_att_run_t *run, const char *id, const char *name,
    const char *email, const char *group)
{
    size_t            i;
    zt_att_person_t  *p;

    for (i = 0; i < run->npeople; i++) {
        if (strcmp(run->people[i].id, id) == 0) {
            return &run->people[i];
        }
    }

    p = realloc(run->people, (run->npeople + 1) * sizeof(zt_att_person_t));
    if (p == NULL) {
        return NULL;
    }

    run->people = p;
    p = &run->people[run->npeople++];
    memset(p, 0, sizeof(zt_att_person_t));

    p->id = strdup(id);
    p->name = strdup(name ? name : "");
    p->email = strdup(email ? email : "");
    p->group = strdup(group ? group : "");
    p->cells = malloc(run->nm + 1);

    if (p->id == NULL || p->name == NULL || p->email == NULL
        || p->group == NULL || p->cells == NULL)
    {
        return NULL;
    }

    memset(p->cells, '.', run->nm);
    p->cells[run->nm] = '\0';

    return p;
}


static void
zt_att_report(void *data, const char *msg)
{
    fprintf(stderr, "zoomtrack attendance: roster: %s\n", msg);
}
