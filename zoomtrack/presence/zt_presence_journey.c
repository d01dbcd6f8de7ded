/*
 * zt_presence_journey: the journeys the report prints and the timeline
 * shows (zt_presence_journeys), one per person of a meeting as shown
 * (zt_presence_link.c), each derived by the rules of
 * zt_presence_derive.c (one device) or zt_presence_device.c (several),
 * with its live state (zt_presence_live.c); and their sort orders.
 */

#include <stdlib.h>
#include <string.h>

#include "zt_presence_int.h"


static int zt_presence_journey(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, zt_journey_t *j);
static int zt_presence_wanted(const zt_presence_meeting_t *m,
    const char *meeting);


int
zt_presence_has_presence(const zt_presence_person_t *pp)
{
    return pp->joins.n || pp->leaves.n || pp->nvisits;
}


int
zt_presence_journeys(const zt_presence_t *p, const char *meeting,
    zt_journey_t **out, size_t *n)
{
    int                           rc;
    size_t                        i, k, total;
    zt_journey_t                 *j;
    zt_presence_people_t          pe;
    const zt_presence_meeting_t  *m;

    /* the timeline asks for one meeting at a time: room for its people
     * only */
    total = 0;
    for (i = 0; i < p->n; i++) {
        if (zt_presence_wanted(p->meetings[i], meeting)) {
            total += p->meetings[i]->npeople;
        }
    }

    j = calloc(total ? total : 1, sizeof(zt_journey_t));
    if (j == NULL) {
        return ZT_ERROR;
    }

    /* every meeting: their cuts at once; one (the timeline's): its own */
    total = 0;
    if (meeting == NULL) {
        zt_presence_cuts(p);
    }

    for (i = 0; i < p->n; i++) {
        m = p->meetings[i];

        if (!zt_presence_wanted(m, meeting)) {
            continue;
        }

        if (meeting != NULL) {
            p->meetings[i]->cut = zt_presence_cut(p, m);
        }

        /* one participant under two keys is one (zt_presence_link.c) */
        rc = zt_presence_people(m, &pe);

        for (k = 0; k < pe.n && rc == ZT_OK; k++) {
            if (zt_presence_has_presence(pe.v[k])) {
                rc = zt_presence_journey(m, pe.v[k], &j[total++]);
            }
        }

        zt_presence_people_free(&pe);

        if (rc != ZT_OK) {
            zt_presence_journeys_free(j, total);
            return ZT_ERROR;
        }
    }

    *out = j;
    *n = total;

    return ZT_OK;
}


void
zt_presence_journeys_free(zt_journey_t *j, size_t n)
{
    size_t  i;

    if (j == NULL) {
        return;
    }

    for (i = 0; i < n; i++) {
        free(j[i].spans);
        free(j[i].visits);
    }

    free(j);
}


static int
zt_presence_journey(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, zt_journey_t *j)
{
    int                  rc;
    zt_presence_views_t  vs;

    j->meeting_uuid = m->uuid;
    j->meeting_id = m->id;
    j->meeting_start = m->first_ts;
    j->key = pp->key;
    j->name = pp->name.first ? pp->name.first : "";
    j->email = pp->email.first ? pp->email.first : "";

    /* the views of a person's devices, made once for "now" and the
     * journey */
    if (zt_presence_views(pp, &vs) != ZT_OK) {
        return ZT_ERROR;
    }

    zt_presence_derive_views(m, pp, &vs, &j->now);

    if (pp->ndevices > 1) {
        rc = zt_presence_journey_devices(m, pp, &vs, j);

    } else {
        rc = zt_presence_journey_sets(m, pp, j);
    }

    zt_presence_views_free(&vs);

    return rc;
}


/* meeting: a uuid or a meeting id; NULL: every meeting */
static int
zt_presence_wanted(const zt_presence_meeting_t *m, const char *meeting)
{
    return meeting == NULL || strcmp(m->uuid, meeting) == 0
           || strcmp(m->id, meeting) == 0;
}


int
zt_presence_span_start_cmp(const void *a, const void *b)
{
    const zt_journey_span_t  *x = a, *y = b;

    if (x->start != y->start) {
        return x->start < y->start ? -1 : 1;
    }

    return x->end < y->end ? -1 : x->end > y->end;
}


int
zt_presence_visit_cmp(const void *a, const void *b)
{
    const zt_journey_visit_t  *x = a, *y = b;

    if (x->start != y->start) {
        return x->start < y->start ? -1 : 1;
    }

    return strcmp(x->room_uuid, y->room_uuid);
}
