/*
 * zt_report_build: the report's rows.  Folds the day's events from the
 * warehouse with zt_presence (the live status's engine), clips every
 * person's journey to the local day, and adds what is not presence: room
 * names (room_names for the instance, then for the meeting id, then the
 * pre-assigned room most of its visitors were assigned to, mutual best,
 * then Room-N) and camera minutes.  Rows are formatted cells; the writers
 * (zt_report_write.c) and the warehouse's daily_reports take them as they
 * are.
 *
 * Who frees what: everything a zt_report_t points to (rows, cells,
 * journeys and the fold behind them) is freed by zt_report_free().
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_core.h"
#include "zt_time.h"
#include "zt_report_int.h"


/* the rows being built */
typedef struct {
    zt_report_t          *r;
    size_t                cap;
    const zt_wh_query_t  *q;
    const char           *tz;
} zt_report_out_t;


static int zt_report_fold_cb(void *data, const zt_presence_event_t *ev);
static int zt_report_reconciled_cb(void *data, const char *uuid,
    const char *key);
static zt_report_row_t *zt_report_new_row(zt_report_out_t *out);
static int zt_report_absent(zt_report_out_t *out, zt_report_mtg_t *mt);
static int zt_report_journey_cmp(const void *a, const void *b);
static int zt_report_meeting(const zt_warehouse_ops_t *ops, void *wh,
    zt_report_out_t *out, zt_journey_t *j, size_t n, char *err,
    size_t errlen);
static int zt_report_cam_cb(void *data, const char *key, int64_t ts,
    int on);
static int zt_report_person(zt_report_out_t *out, zt_report_mtg_t *mt,
    const zt_journey_t *j);
static int zt_report_add_row(zt_report_out_t *out, zt_report_mtg_t *mt,
    const zt_journey_t *j, const zt_journey_visit_t *v,
    const int64_t *pres, int64_t cs, int64_t ce, unsigned no,
    const zt_cam_t *cam, size_t ncam);
static void zt_report_visit_cells(zt_report_out_t *out, zt_report_mtg_t *mt,
    zt_report_row_t *row, const zt_journey_visit_t *v, int64_t cs,
    int64_t ce, unsigned no);
static int zt_report_cam_cells(zt_report_out_t *out, zt_report_mtg_t *mt,
    zt_report_row_t *row, const zt_journey_t *j,
    const zt_journey_visit_t *v, int64_t cs, int64_t ce, const zt_cam_t *cam,
    size_t ncam);
static void zt_report_cam_count(const zt_cam_t *cam, size_t n, int64_t from,
    int64_t to, int64_t *on, int64_t *off);
static char *zt_report_time(zt_report_out_t *out, zt_report_mtg_t *mt,
    int64_t ms);
static char *zt_report_mins(zt_report_mtg_t *mt, int64_t ms);
static int zt_report_count(zt_report_t *r);
static int zt_report_strcmp(const void *a, const void *b);
static int zt_report_cam_cmp(const void *a, const void *b);


int
zt_report_build(const zt_warehouse_ops_t *ops, void *wh,
    const zt_wh_query_t *q, const char *tz, zt_report_t *r, char *err,
    size_t errlen)
{
    size_t             i, k;
    zt_report_out_t    out;
    zt_report_priv_t  *priv;

    memset(r, 0, sizeof(zt_report_t));

    priv = calloc(1, sizeof(zt_report_priv_t));
    if (priv == NULL) {
        snprintf(err, errlen, "out of memory");
        return ZT_ERROR;
    }
    r->pool = priv;

    priv->p = zt_presence_create();
    priv->bounds = zt_meeting_bounds_create();
    if (priv->p == NULL || priv->bounds == NULL) {
        snprintf(err, errlen, "out of memory");
        return ZT_ERROR;
    }

    if (ops->events(wh, q, zt_report_fold_cb, priv) != ZT_OK) {
        snprintf(err, errlen, "reading events: %s", ops->errmsg(wh));
        return ZT_ERROR;
    }

    if (ops->reconciled
        && ops->reconciled(wh, q, zt_report_reconciled_cb, priv) != ZT_OK)
    {
        snprintf(err, errlen, "reading reconciled events: %s",
                 ops->errmsg(wh));
        return ZT_ERROR;
    }

    if (priv->nreconciled) {
        qsort(priv->reconciled, priv->nreconciled, sizeof(char *),
              zt_report_strcmp);
    }

    if (zt_presence_journeys(priv->p, q->meeting, &r->journeys,
                             &r->njourneys) != ZT_OK)
    {
        snprintf(err, errlen, "out of memory");
        return ZT_ERROR;
    }

    /* file order: meeting start, meeting uuid, name, person key */
    qsort(r->journeys, r->njourneys, sizeof(zt_journey_t),
          zt_report_journey_cmp);

    out.r = r;
    out.cap = 0;
    out.q = q;
    out.tz = tz;

    for (i = 0; i < r->njourneys; i = k) {
        for (k = i + 1; k < r->njourneys
                        && r->journeys[k].meeting_uuid
                           == r->journeys[i].meeting_uuid;
             k++)
        {
            /* void: one meeting's journeys */
        }

        if (zt_report_meeting(ops, wh, &out, &r->journeys[i], k - i, err,
                              errlen) != ZT_OK)
        {
            return ZT_ERROR;
        }
    }

    if (zt_report_count(r) != ZT_OK) {
        snprintf(err, errlen, "out of memory");
        return ZT_ERROR;
    }

    return ZT_OK;
}


void
zt_report_free(zt_report_t *r)
{
    zt_report_priv_t  *priv;

    priv = r->pool;

    free(r->rows);
    zt_presence_journeys_free(r->journeys, r->njourneys);

    if (priv) {
        zt_pool_free(priv);
        zt_presence_free(priv->p);
        zt_meeting_bounds_free(priv->bounds);
        free(priv->reconciled);         /* the strings are pooled */
        free(priv);
    }

    memset(r, 0, sizeof(zt_report_t));
}


static int
zt_report_fold_cb(void *data, const zt_presence_event_t *ev)
{
    zt_report_priv_t  *priv = data;

    if (zt_presence_fold_event(priv->p, ev) == ZT_ERROR) {
        return ZT_ERROR;
    }

    return zt_meeting_bounds_note(priv->bounds, ev);
}


static int
zt_report_reconciled_cb(void *data, const char *uuid, const char *key)
{
    char              *s, **v;
    size_t             cap;
    zt_report_priv_t  *priv = data;

    if (priv->nreconciled == priv->capreconciled) {
        cap = priv->capreconciled ? priv->capreconciled * 2 : 64;
        v = realloc(priv->reconciled, cap * sizeof(char *));
        if (v == NULL) {
            return ZT_ERROR;
        }
        priv->reconciled = v;
        priv->capreconciled = cap;
    }

    s = zt_pool_alloc(priv, strlen(uuid) + strlen(key) + 2);
    if (s == NULL) {
        return ZT_ERROR;
    }

    sprintf(s, "%s\n%s", uuid, key);
    priv->reconciled[priv->nreconciled++] = s;

    return ZT_OK;
}


/*
 * Journeys of one meeting share its strings, so the uuid pointer groups
 * them; meetings are ordered by their first event, then uuid.
 */
static int
zt_report_journey_cmp(const void *a, const void *b)
{
    int                  rc;
    const zt_journey_t  *x = a, *y = b;

    if (x->meeting_uuid != y->meeting_uuid) {
        if (x->meeting_start != y->meeting_start) {
            return x->meeting_start < y->meeting_start ? -1 : 1;
        }

        return strcmp(x->meeting_uuid, y->meeting_uuid);
    }

    rc = strcmp(x->name, y->name);
    if (rc) {
        return rc;
    }

    return strcmp(x->key, y->key);
}


static int
zt_report_meeting(const zt_warehouse_ops_t *ops, void *wh,
    zt_report_out_t *out, zt_journey_t *j, size_t n, char *err,
    size_t errlen)
{
    int              rc;
    size_t           i;
    zt_report_mtg_t  mt;

    memset(&mt, 0, sizeof(zt_report_mtg_t));
    mt.priv = out->r->pool;

    rc = ZT_ERROR;

    if (ops->camera(wh, j->meeting_uuid, mt.status, sizeof(mt.status),
                    zt_report_cam_cb, &mt) != ZT_OK
        || zt_report_rooms(&mt, j, n) != ZT_OK
        || ops->room_names(wh, j->meeting_uuid, j->meeting_id,
                           zt_report_room_name_cb, &mt) != ZT_OK
        || ops->preassigned(wh, j->meeting_id, zt_report_pa_cb, &mt)
           != ZT_OK)
    {
        snprintf(err, errlen, "meeting \"%s\": %s", j->meeting_uuid,
                 ops->errmsg(wh));
        goto done;
    }

    for (i = 1; i < mt.ncams; i++) {
        if (zt_report_cam_cmp(&mt.cams[i - 1], &mt.cams[i]) > 0) {
            qsort(mt.cams, mt.ncams, sizeof(zt_cam_t), zt_report_cam_cmp);
            break;
        }
    }

    if (mt.npa) {
        qsort(mt.pa, mt.npa, sizeof(zt_pa_t), zt_report_pa_cmp);
    }

    if (zt_report_infer(&mt, j, n) != ZT_OK) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }

    if (zt_report_att_meeting(&mt, out->q, j, n, err, errlen) != ZT_OK) {
        goto done;
    }

    for (i = 0; i < n; i++) {
        if (zt_report_person(out, &mt, &j[i]) != ZT_OK) {
            snprintf(err, errlen, "out of memory or bad time zone");
            goto done;
        }
    }

    if (zt_report_absent(out, &mt) != ZT_OK) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }

    rc = ZT_OK;

done:

    zt_att_meeting_free(&mt.am);
    free(mt.cams);
    free(mt.rooms);
    free(mt.pa);
    free(mt.votes);

    return rc;
}


static int
zt_report_cam_cb(void *data, const char *key, int64_t ts, int on)
{
    zt_cam_t         *c;
    zt_report_mtg_t  *mt = data;

    if (mt->ncams == mt->capcams) {
        mt->capcams = mt->capcams ? mt->capcams * 2 : 1024;
        c = realloc(mt->cams, mt->capcams * sizeof(zt_cam_t));
        if (c == NULL) {
            return ZT_ERROR;
        }
        mt->cams = c;
    }

    c = &mt->cams[mt->ncams];

    /* rows come by key: a person's minutes share one copy of the key */
    if (mt->ncams && strcmp(c[-1].key, key) == 0) {
        c->key = c[-1].key;

    } else {
        c->key = zt_pool_strdup(mt->priv, key);
        if (c->key == NULL) {
            return ZT_ERROR;
        }
    }

    c->ts = ts;
    c->on = on;
    mt->ncams++;

    return ZT_OK;
}


static int
zt_report_cam_cmp(const void *a, const void *b)
{
    int              rc;
    const zt_cam_t  *x = a, *y = b;

    rc = strcmp(x->key, y->key);
    if (rc) {
        return rc;
    }

    return x->ts < y->ts ? -1 : x->ts > y->ts;
}


/* the person's rows of the day: one per room visit, or one without room */
static int
zt_report_person(zt_report_out_t *out, zt_report_mtg_t *mt,
    const zt_journey_t *j)
{
    int                        any;
    size_t                     i, lo, hi, mid;
    int64_t                    cs, ce, pres[3];
    unsigned                   no;
    const zt_journey_visit_t  *v;

    any = 0;
    pres[0] = INT64_MAX;
    pres[1] = INT64_MIN;
    pres[2] = 0;

    for (i = 0; i < j->nspans; i++) {
        if (zt_presence_clip(j->spans[i].start, j->spans[i].end,
                             out->q->day_start, out->q->day_end, &cs, &ce))
        {
            any = 1;
            pres[0] = cs < pres[0] ? cs : pres[0];
            pres[1] = ce > pres[1] ? ce : pres[1];
            pres[2] += ce - cs;
        }
    }

    if (!any) {
        return ZT_OK;           /* not present that day */
    }

    /* the person's camera minutes: [lo, hi) */
    lo = 0;
    hi = mt->ncams;
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (strcmp(mt->cams[mid].key, j->key) < 0) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    for (hi = lo; hi < mt->ncams && strcmp(mt->cams[hi].key, j->key) == 0;
         hi++)
    {
        /* void */
    }

    no = 0;

    for (i = 0; i < j->nvisits; i++) {
        v = &j->visits[i];

        if (!zt_presence_clip(v->start, v->end, out->q->day_start,
                              out->q->day_end, &cs, &ce))
        {
            continue;
        }

        if (zt_report_add_row(out, mt, j, v, pres, cs, ce, ++no,
                              mt->cams ? mt->cams + lo : NULL, hi - lo)
            != ZT_OK)
        {
            return ZT_ERROR;
        }
    }

    if (no) {
        return ZT_OK;
    }

    return zt_report_add_row(out, mt, j, NULL, pres, 0, 0, 0,
                             mt->cams ? mt->cams + lo : NULL, hi - lo);
}


/*
 * One row.  pres: the day's first join, last leave and presence ms; v
 * with its clipped [cs, ce] and number no, or NULL; cam: the person's
 * minutes.
 */
static int
zt_report_add_row(zt_report_out_t *out, zt_report_mtg_t *mt,
    const zt_journey_t *j, const zt_journey_visit_t *v,
    const int64_t *pres, int64_t cs, int64_t ce, unsigned no,
    const zt_cam_t *cam, size_t ncam)
{
    size_t            i;
    zt_report_t      *r;
    zt_report_row_t  *row;

    r = out->r;

    row = zt_report_new_row(out);
    if (row == NULL) {
        return ZT_ERROR;
    }

    row->journey = j;
    row->visit = v;

    row->cells[0] = out->q->report_date;
    row->cells[1] = j->meeting_id;
    row->cells[2] = j->meeting_uuid;
    row->cells[3] = j->name;
    row->cells[4] = j->email;
    row->cells[5] = zt_report_time(out, mt, pres[0]);
    row->cells[6] = zt_report_time(out, mt, pres[1]);
    row->cells[7] = zt_report_mins(mt, pres[2]);
    row->ms[0] = pres[0];
    row->ms[1] = pres[1];

    if (v) {
        zt_report_visit_cells(out, mt, row, v, cs, ce, no);
    }

    if (strcmp(mt->status, "ok") == 0
        && zt_report_cam_cells(out, mt, row, j, v, cs, ce, cam, ncam)
           != ZT_OK)
    {
        return ZT_ERROR;
    }

    row->cells[18] = j->join_time_known ? "true" : "false";
    row->cells[19] = zt_pool_strdup(mt->priv, mt->status);
    zt_report_att_cells(mt, j, row->cells);

    for (i = 5; i < 8; i++) {
        if (row->cells[i] == NULL) {
            return ZT_ERROR;
        }
    }

    if (row->cells[19] == NULL
        || (v && (row->cells[8] == NULL || row->cells[11] == NULL
                  || row->cells[12] == NULL || row->cells[13] == NULL)))
    {
        return ZT_ERROR;
    }

    r->nrows++;
    return ZT_OK;
}


/*
 * A visit row's room columns: the visit's number, the room's name and
 * uuid, the clipped join and leave and their minutes, where it went next.
 * A cell left NULL by an allocation failure is the caller's to check.
 */
static void
zt_report_visit_cells(zt_report_out_t *out, zt_report_mtg_t *mt,
    zt_report_row_t *row, const zt_journey_visit_t *v, int64_t cs,
    int64_t ce, unsigned no)
{
    char         buf[64];
    zt_rname_t  *rn;

    snprintf(buf, sizeof(buf), "%u", no);
    row->cells[8] = zt_pool_strdup(mt->priv, buf);
    rn = zt_report_room(mt, v->room_uuid);
    row->cells[9] = rn ? rn->name : NULL;
    row->cells[10] = v->room_uuid;
    row->cells[11] = zt_report_time(out, mt, cs);
    row->cells[12] = zt_report_time(out, mt, ce);
    row->cells[13] = zt_report_mins(mt, ce - cs);
    row->ms[2] = cs;
    row->ms[3] = ce;

    if (v->next == ZT_NEXT_ROOM) {
        rn = zt_report_room(mt, v->next_room_uuid);
        row->cells[17] = rn ? rn->name : NULL;

    } else {
        row->cells[17] = v->next == ZT_NEXT_MAIN ? "Main room"
                                                 : "Left meeting";
    }
}


/*
 * The camera columns (for a meeting whose fetch state is "ok"): minutes
 * on and off and the share on, over the visit [cs, ce], or without a
 * visit over every presence interval of the day.  ZT_ERROR when out of
 * memory.
 */
static int
zt_report_cam_cells(zt_report_out_t *out, zt_report_mtg_t *mt,
    zt_report_row_t *row, const zt_journey_t *j,
    const zt_journey_visit_t *v, int64_t cs, int64_t ce, const zt_cam_t *cam,
    size_t ncam)
{
    char     buf[64];
    size_t   i;
    int64_t  on, off, a, b, s, e;

    on = 0;
    off = 0;

    if (v) {
        zt_report_cam_count(cam, ncam, cs, ce, &on, &off);

    } else {
        /* no room that day: the minutes of every presence interval */
        for (i = 0; i < j->nspans; i++) {
            s = j->spans[i].start;
            e = j->spans[i].end;
            if (zt_presence_clip(s, e, out->q->day_start, out->q->day_end,
                                 &s, &e))
            {
                zt_report_cam_count(cam, ncam, s, e, &a, &b);
                on += a;
                off += b;
            }
        }
    }

    row->cells[14] = zt_report_mins(mt, on * 60000);
    row->cells[15] = zt_report_mins(mt, off * 60000);
    zt_report_fmt_pct(on, off, buf, sizeof(buf));
    row->cells[16] = buf[0] ? zt_pool_strdup(mt->priv, buf) : NULL;

    if (row->cells[14] == NULL || row->cells[15] == NULL
        || (buf[0] && row->cells[16] == NULL))
    {
        return ZT_ERROR;
    }

    return ZT_OK;
}


/* a zeroed row at the end of the rows (not counted until filled) */
static zt_report_row_t *
zt_report_new_row(zt_report_out_t *out)
{
    size_t            cap;
    zt_report_t      *r = out->r;
    zt_report_row_t  *row;

    if (r->nrows == out->cap) {
        cap = out->cap ? out->cap * 2 : 256;
        row = realloc(r->rows, cap * sizeof(zt_report_row_t));
        if (row == NULL) {
            return NULL;
        }
        r->rows = row;
        out->cap = cap;
    }

    row = &r->rows[r->nrows];
    memset(row, 0, sizeof(zt_report_row_t));

    return row;
}


/*
 * The roster people of the meeting who never joined: one row each, with
 * the meeting and the person but no times.
 */
static int
zt_report_absent(zt_report_out_t *out, zt_report_mtg_t *mt)
{
    size_t                     i;
    zt_report_row_t           *row;

    for (i = 0; i < mt->am.nabsent; i++) {
        row = zt_report_new_row(out);
        if (row == NULL) {
            return ZT_ERROR;
        }

        row->cells[0] = out->q->report_date;
        row->cells[1] = mt->j0->meeting_id;
        row->cells[2] = mt->j0->meeting_uuid;
        zt_report_att_absent_cells(mt, mt->am.absent[i], row->cells);
        out->r->nrows++;
    }

    return ZT_OK;
}


/* camera samples (minute starts) in [from, to) */
static void
zt_report_cam_count(const zt_cam_t *cam, size_t n, int64_t from,
    int64_t to, int64_t *on, int64_t *off)
{
    size_t  lo, hi, mid;

    *on = 0;
    *off = 0;

    lo = 0;
    hi = n;
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (cam[mid].ts < from) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    for ( /* void */ ; lo < n && cam[lo].ts < to; lo++) {
        if (cam[lo].on) {
            (*on)++;

        } else {
            (*off)++;
        }
    }
}


static char *
zt_report_time(zt_report_out_t *out, zt_report_mtg_t *mt, int64_t ms)
{
    char  buf[64];

    if (zt_time_format_tz(ms, out->tz, "%Y-%m-%d %H:%M:%S", buf,
                          sizeof(buf)) != ZT_OK)
    {
        return NULL;
    }

    return zt_pool_strdup(mt->priv, buf);
}


static char *
zt_report_mins(zt_report_mtg_t *mt, int64_t ms)
{
    char  buf[64];

    zt_report_fmt_mins(ms, buf, sizeof(buf));
    return zt_pool_strdup(mt->priv, buf);
}


/* the summary: distinct people, (meeting, room) pairs and meetings */
static int
zt_report_count(zt_report_t *r)
{
    size_t              i, n;
    const char        **v;
    zt_report_priv_t   *priv;

    priv = r->pool;

    v = malloc((r->nrows ? r->nrows : 1) * sizeof(char *));
    if (v == NULL) {
        return ZT_ERROR;
    }

    /* people who came: the absent have no journey */
    for (i = 0, n = 0; i < r->nrows; i++) {
        if (r->rows[i].journey) {
            v[n++] = r->rows[i].journey->key;
        }
    }

    qsort(v, n, sizeof(char *), zt_report_strcmp);
    for (i = 0, r->people = 0; i < n; i++) {
        r->people += i == 0 || strcmp(v[i], v[i - 1]) != 0;
    }

    for (i = 0; i < r->nrows; i++) {
        v[i] = r->rows[i].cells[2];
    }

    qsort(v, r->nrows, sizeof(char *), zt_report_strcmp);
    for (i = 0, r->meetings = 0; i < r->nrows; i++) {
        r->meetings += i == 0 || strcmp(v[i], v[i - 1]) != 0;
    }

    for (i = 0, n = 0; i < r->nrows; i++) {
        if (r->rows[i].visit) {
            v[n] = zt_pool_alloc(priv, strlen(r->rows[i].cells[2])
                                       + strlen(r->rows[i].cells[10]) + 2);
            if (v[n] == NULL) {
                free(v);
                return ZT_ERROR;
            }
            sprintf((char *) v[n++], "%s\n%s", r->rows[i].cells[2],
                    r->rows[i].cells[10]);
        }
    }

    qsort(v, n, sizeof(char *), zt_report_strcmp);
    for (i = 0, r->rooms = 0; i < n; i++) {
        r->rooms += i == 0 || strcmp(v[i], v[i - 1]) != 0;
    }

    free(v);
    return ZT_OK;
}


static int
zt_report_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}
