/*
 * zt_presence_instance: when an instance of a meeting id ends, the one
 * rule for the live CSV, the timeline, pruning, the report and attendance
 * (README presence rules 7 and 12).
 *
 * Zoom runs one instance of a meeting id at a time (a Personal Meeting
 * Room, a recurring meeting): a new meeting_uuid under the same id starts
 * only after the previous one ended.  So when an instance's
 * meeting.ended and its people's leaves are lost (zoom-api.md §6), the
 * first event of a later instance of the id ends it, at the latest: that
 * time is its cut, an END as meeting.ended is.  Only a later instance
 * whose first event (dating events only: waiting does not date a meeting)
 * comes after the last join of the earlier one: two instances whose
 * events overlap say nothing of which ended when, and a meeting id of ""
 * (missing) names no series.  Derived from the sets alone, so arrival
 * order, batching and a journal replay give the same cut.
 */

#include <stdlib.h>
#include <string.h>

#include "zt_presence_int.h"


static int64_t zt_presence_cut_after(const zt_presence_meeting_t *m);
static int zt_presence_series_cmp(const void *a, const void *b);


int64_t
zt_presence_last_join(const zt_presence_meeting_t *m)
{
    size_t                       i, k;
    int64_t                      last;
    const zt_presence_person_t  *pp;

    last = INT64_MIN;

    for (i = 0; i < m->npeople; i++) {
        pp = m->people[i];

        if (zt_ts_last(&pp->joins) > last) {
            last = zt_ts_last(&pp->joins);
        }

        for (k = 0; k < pp->nvisits; k++) {
            if (zt_ts_last(&pp->visits[k].joins) > last) {
                last = zt_ts_last(&pp->visits[k].joins);
            }
        }
    }

    return last;
}


int64_t
zt_presence_cut(const zt_presence_t *p, const zt_presence_meeting_t *m)
{
    size_t                        i;
    int64_t                       after, cut;
    const zt_presence_meeting_t  *o;

    if (m->id[0] == '\0' || m->first_ts == ZT_PRESENCE_NONE) {
        return ZT_PRESENCE_NONE;
    }

    after = zt_presence_cut_after(m);
    cut = ZT_PRESENCE_NONE;

    for (i = 0; i < p->n; i++) {
        o = p->meetings[i];

        if (o != m && o->first_ts != ZT_PRESENCE_NONE
            && o->first_ts > after && o->first_ts < cut
            && strcmp(o->id, m->id) == 0)
        {
            cut = o->first_ts;
        }
    }

    return cut;
}


/*
 * zt_presence_cut() of every meeting into its cut, by meeting id and first
 * event, so that a state of thousands of meetings is not scanned once per
 * meeting (the CSV, the report, the prune).
 */
void
zt_presence_cuts(const zt_presence_t *p)
{
    size_t                   i, k, lo, hi, mid, g, h;
    int64_t                  after;
    zt_presence_meeting_t  **a;

    a = malloc((p->n ? p->n : 1) * sizeof(zt_presence_meeting_t *));
    if (a == NULL) {
        /* out of memory: the same, the slow way */
        for (i = 0; i < p->n; i++) {
            p->meetings[i]->cut = zt_presence_cut(p, p->meetings[i]);
        }
        return;
    }

    for (i = 0, k = 0; i < p->n; i++) {
        p->meetings[i]->cut = ZT_PRESENCE_NONE;

        if (p->meetings[i]->id[0] != '\0'
            && p->meetings[i]->first_ts != ZT_PRESENCE_NONE)
        {
            a[k++] = p->meetings[i];
        }
    }

    qsort(a, k, sizeof(zt_presence_meeting_t *), zt_presence_series_cmp);

    for (g = 0; g < k; g = h) {
        for (h = g + 1; h < k && strcmp(a[h]->id, a[g]->id) == 0; h++) {
            /* void */
        }

        for (i = g; i < h; i++) {
            after = zt_presence_cut_after(a[i]);

            /* the first of the series to start after it */
            for (lo = g, hi = h; lo < hi; /* void */) {
                mid = lo + (hi - lo) / 2;

                if (a[mid]->first_ts > after) {
                    hi = mid;

                } else {
                    lo = mid + 1;
                }
            }

            if (lo < h) {
                a[i]->cut = a[lo]->first_ts;
            }
        }
    }

    free(a);
}


/* presence starts at a join, or at the first event of someone first seen
 * leaving: a later instance must start after both */
static int64_t
zt_presence_cut_after(const zt_presence_meeting_t *m)
{
    int64_t  after;

    after = zt_presence_last_join(m);

    return after < m->first_ts ? m->first_ts : after;
}


/* by meeting id, then first event */
static int
zt_presence_series_cmp(const void *a, const void *b)
{
    int                                 rc;
    const zt_presence_meeting_t *const  *x = a, *const *y = b;

    rc = strcmp((*x)->id, (*y)->id);
    if (rc) {
        return rc;
    }

    return (*x)->first_ts < (*y)->first_ts ? -1
                                           : (*x)->first_ts > (*y)->first_ts;
}


int64_t
zt_presence_next_end(const zt_presence_meeting_t *m, int64_t ts)
{
    size_t   i;
    int64_t  e;

    i = zt_ts_lower(&m->ends, ts);
    e = i < m->ends.n ? m->ends.v[i] : ZT_PRESENCE_NONE;

    return m->cut >= ts && m->cut < e ? m->cut : e;
}
