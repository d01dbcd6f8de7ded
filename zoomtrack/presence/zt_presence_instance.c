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

#include <string.h>

#include "zt_presence_int.h"


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

    /* presence starts at a join, or at the first event of someone first
     * seen leaving: a later instance must start after both */
    after = zt_presence_last_join(m);
    if (after < m->first_ts) {
        after = m->first_ts;
    }

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


int64_t
zt_presence_next_end(const zt_presence_meeting_t *m, int64_t ts)
{
    size_t   i;
    int64_t  e;

    i = zt_ts_lower(&m->ends, ts);
    e = i < m->ends.n ? m->ends.v[i] : ZT_PRESENCE_NONE;

    return m->cut >= ts && m->cut < e ? m->cut : e;
}
