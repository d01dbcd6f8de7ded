/*
 * zt_presence_link: one participant under two keys, made one again.  The
 * person key (zt_person_key: id, then registrant, then email, then name)
 * comes from each event alone, and Zoom does not fill the same fields in
 * every event of one participant: its breakout-room events leave
 * participant.id and participant_user_id blank for a user signed in to
 * another account, and a guest's email can be blank in a room (zoom-api
 * §2.1).  Folded as they come, the main room's events and the room's are
 * two people, the second one present until the meeting's end.
 *
 * What ties them is participant_uuid: Zoom keeps it for one participant
 * across the room hops of one meeting instance and never gives it to two
 * participants.  So the people shown (the status rows, the journeys) are
 * derived, like everything else, from the sets as folded:
 *
 *   - each participant_uuid of a meeting belongs to the strongest key
 *     whose events name it (id, then reg, then email, then name; of two
 *     keys of that rank, the smaller);
 *   - a person whose key is weaker than that gives the uuid's times (the
 *     device's sets) to the strongest key: they are that person's events
 *     and that device's;
 *   - what the weaker person keeps is its events that name no uuid and
 *     those of its other devices (a time of a given device only goes);
 *     when nothing is left, it is no longer shown, and its names and
 *     emails count for the person it went to ("first non-empty by event
 *     time" over both);
 *   - two keys of the strongest rank naming one uuid stay apart (two
 *     accounts: the ids disagree, so nothing is guessed).
 *
 * Because the link is derived and not folded, arrival order does not
 * matter (a room event folded before its main join is re-attributed the
 * moment the join arrives), a saved state needs no new field, and the
 * journal replays into the same result.  parent_user_id (the main
 * session's user_id in a room event) would link payloads without a
 * participant_uuid too, but the report's warehouse index does not carry
 * it; Zoom sends participant_uuid in both kinds of event.
 */

#include <stdlib.h>
#include <string.h>

#include "zt_event.h"
#include "zt_presence_int.h"


/* one device of one person of the meeting */
typedef struct {
    const char  *uuid;
    const char  *key;                   /* the person's */
    size_t       person;
    size_t       dev;
    int          rank;
    size_t       to;                    /* the person it goes to; or -1 */
} zt_presence_link_t;


#define ZT_NO_LINK  ((size_t) -1)


static zt_presence_link_t *zt_presence_links(const zt_presence_meeting_t *m,
    size_t *n, size_t *moved);
static int zt_presence_keep(const zt_presence_person_t *pp,
    const zt_presence_link_t *l, size_t nl, size_t pi,
    zt_presence_person_t *c);
static int zt_presence_give(const zt_presence_person_t *dv,
    zt_presence_person_t *c);
static int zt_presence_union(zt_presence_person_t *dst,
    const zt_presence_person_t *src);
static void zt_presence_str_pick(zt_presence_str_t *dst,
    const zt_presence_str_t *src);
static int zt_presence_link_cmp(const void *a, const void *b);


int
zt_presence_people(const zt_presence_meeting_t *m, zt_presence_people_t *pe)
{
    size_t                 i, k, nl, moved, *copy;
    zt_presence_person_t  *c;
    zt_presence_link_t    *l;

    memset(pe, 0, sizeof(zt_presence_people_t));
    pe->v = (const zt_presence_person_t *const *) m->people;
    pe->n = m->npeople;

    l = zt_presence_links(m, &nl, &moved);
    if (l == NULL) {
        return nl ? ZT_ERROR : ZT_OK;
    }

    if (moved == 0) {
        free(l);
        return ZT_OK;           /* no uuid under two keys: as folded */
    }

    /* the people a device leaves or joins get a copy; the rest are shown
     * as folded */
    copy = malloc(m->npeople * sizeof(size_t));
    pe->own = calloc(m->npeople, sizeof(zt_presence_person_t));
    pe->w = malloc(m->npeople * sizeof(zt_presence_person_t *));
    if (copy == NULL || pe->own == NULL || pe->w == NULL) {
        goto failed;
    }

    for (i = 0; i < m->npeople; i++) {
        copy[i] = ZT_NO_LINK;
        pe->w[i] = m->people[i];
    }

    for (k = 0; k < nl; k++) {
        if (l[k].to == ZT_NO_LINK) {
            continue;
        }

        for (i = 0; i < 2; i++) {
            size_t  who = i ? l[k].to : l[k].person;

            if (copy[who] == ZT_NO_LINK) {
                copy[who] = pe->nown++;
                pe->w[who] = &pe->own[copy[who]];
            }
        }
    }

    for (i = 0; i < m->npeople; i++) {
        if (copy[i] != ZT_NO_LINK
            && zt_presence_keep(m->people[i], l, nl, i,
                                &pe->own[copy[i]]) != ZT_OK)
        {
            goto failed;
        }
    }

    for (k = 0; k < nl; k++) {
        if (l[k].to == ZT_NO_LINK) {
            continue;
        }

        c = &pe->own[copy[l[k].to]];

        if (zt_presence_give(m->people[l[k].person]->devices[l[k].dev], c)
            != ZT_OK)
        {
            goto failed;
        }

        /* a person wholly gone into another: its names are that one's */
        if (!zt_presence_has_presence(&pe->own[copy[l[k].person]])) {
            zt_presence_str_pick(&c->name, &m->people[l[k].person]->name);
            zt_presence_str_pick(&c->email, &m->people[l[k].person]->email);
        }
    }

    pe->v = (const zt_presence_person_t *const *) pe->w;

    free(copy);
    free(l);

    return ZT_OK;

failed:

    free(copy);
    free(l);
    zt_presence_people_free(pe);

    return ZT_ERROR;
}


void
zt_presence_people_free(zt_presence_people_t *pe)
{
    size_t  i;

    for (i = 0; pe->own && i < pe->nown; i++) {
        zt_presence_person_sets_free(&pe->own[i]);
    }

    free(pe->own);
    free(pe->w);
    memset(pe, 0, sizeof(zt_presence_people_t));
}


/*
 * pp has a weaker key than strong and a participant_uuid of strong's:
 * some of its events are strong's (zt_presence_forget drops them too).
 */
int
zt_presence_linked(const zt_presence_person_t *pp,
    const zt_presence_person_t *strong)
{
    size_t  i, k;

    if (zt_person_key_rank(pp->key) <= zt_person_key_rank(strong->key)) {
        return 0;
    }

    for (i = 0; i < pp->ndevices; i++) {
        for (k = 0; k < strong->ndevices; k++) {
            if (strcmp(pp->devices[i]->key, strong->devices[k]->key) == 0) {
                return 1;
            }
        }
    }

    return 0;
}


/*
 * Every device of the meeting's people, by uuid and strength of key, each
 * with the person it goes to (the first of its uuid, when stronger).
 * NULL with *n 0: no devices; NULL with *n set: out of memory.
 */
static zt_presence_link_t *
zt_presence_links(const zt_presence_meeting_t *m, size_t *n, size_t *moved)
{
    size_t                       i, d, k, f;
    zt_presence_link_t          *l;
    const zt_presence_person_t  *pp;

    *moved = 0;

    for (i = 0, k = 0; i < m->npeople; i++) {
        k += m->people[i]->ndevices;
    }

    *n = k;
    if (k < 2) {
        *n = 0;
        return NULL;
    }

    l = malloc(k * sizeof(zt_presence_link_t));
    if (l == NULL) {
        return NULL;
    }

    for (i = 0, k = 0; i < m->npeople; i++) {
        pp = m->people[i];

        for (d = 0; d < pp->ndevices; d++, k++) {
            l[k].uuid = pp->devices[d]->key;
            l[k].key = pp->key;
            l[k].person = i;
            l[k].dev = d;
            l[k].rank = zt_person_key_rank(pp->key);
            l[k].to = ZT_NO_LINK;
        }
    }

    qsort(l, k, sizeof(zt_presence_link_t), zt_presence_link_cmp);

    for (f = 0, i = 1; i < k; i++) {
        if (strcmp(l[i].uuid, l[f].uuid) != 0) {
            f = i;              /* the uuid's strongest key */
            continue;
        }

        if (l[i].rank > l[f].rank) {
            l[i].to = l[f].person;
            (*moved)++;
        }
    }

    /* the sort put them by uuid; the copies are made in people order */
    return l;
}


/*
 * The copy c of person pi: its own key and names (pointing into the
 * state), and its sets without the times of its devices that go to
 * another person (a time of such a device only).
 */
static int
zt_presence_keep(const zt_presence_person_t *pp,
    const zt_presence_link_t *l, size_t nl, size_t pi,
    zt_presence_person_t *c)
{
    int                   rc;
    size_t                i, k;
    unsigned char        *gone;
    zt_presence_person_t *d;

    c->key = pp->key;
    c->name = pp->name;
    c->email = pp->email;

    gone = calloc(pp->ndevices ? pp->ndevices : 1, 1);
    if (gone == NULL) {
        return ZT_ERROR;
    }

    for (k = 0; k < nl; k++) {
        if (l[k].person == pi && l[k].to != ZT_NO_LINK) {
            gone[l[k].dev] = 1;
        }
    }

    rc = zt_presence_sets_keep(pp, gone, c);

    for (i = 0; i < pp->ndevices && rc == ZT_OK; i++) {
        if (gone[i]) {
            continue;
        }

        d = zt_presence_device(c, pp->devices[i]->key);
        rc = d == NULL ? ZT_ERROR : zt_presence_union(d, pp->devices[i]);
    }

    free(gone);

    return rc;
}


/* device dv of a weaker key, given to the copy c: the person's and the
 * device's sets */
static int
zt_presence_give(const zt_presence_person_t *dv, zt_presence_person_t *c)
{
    zt_presence_person_t  *d;

    if (zt_presence_union(c, dv) != ZT_OK) {
        return ZT_ERROR;
    }

    d = zt_presence_device(c, dv->key);
    if (d == NULL) {
        return ZT_ERROR;
    }

    return zt_presence_union(d, dv);
}


/* the sets of src (not its devices) added to those of dst */
static int
zt_presence_union(zt_presence_person_t *dst, const zt_presence_person_t *src)
{
    size_t               i;
    zt_presence_rset_t  *r;

    if (zt_ts_union(&dst->joins, &src->joins) != ZT_OK
        || zt_ts_union(&dst->leaves, &src->leaves) != ZT_OK)
    {
        return ZT_ERROR;
    }

    for (i = 0; i < src->nvisits; i++) {
        r = zt_presence_rset(dst, src->visits[i].room);

        if (r == NULL
            || zt_ts_union(&r->joins, &src->visits[i].joins) != ZT_OK
            || zt_ts_union(&r->leaves, &src->visits[i].leaves) != ZT_OK)
        {
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


/*
 * The first and latest of both, by the rule of zt_presence_set_str (ties
 * by the smaller resp. greater string); the strings stay the state's.
 */
static void
zt_presence_str_pick(zt_presence_str_t *dst, const zt_presence_str_t *src)
{
    if (src->first
        && (dst->first == NULL
            || zt_presence_str_before(dst, src->first, src->first_ts)))
    {
        dst->first = src->first;
        dst->first_ts = src->first_ts;
    }

    if (src->last
        && (dst->last == NULL
            || zt_presence_str_after(dst, src->last, src->last_ts)))
    {
        dst->last = src->last;
        dst->last_ts = src->last_ts;
    }
}




/* by uuid, then the strongest key first, then the smaller key */
static int
zt_presence_link_cmp(const void *a, const void *b)
{
    int                        rc;
    const zt_presence_link_t  *x = a, *y = b;

    rc = strcmp(x->uuid, y->uuid);
    if (rc) {
        return rc;
    }

    if (x->rank != y->rank) {
        return x->rank - y->rank;
    }

    /* by key, not by arrival: the outcome does not depend on order */
    return strcmp(x->key, y->key);
}
