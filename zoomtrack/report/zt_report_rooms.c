/*
 * zt_report_rooms: the rooms of a meeting in the report and their names:
 * room_names for the meeting uuid, then for the meeting id, then the
 * pre-assigned room its visitors were assigned to (mutual best), then
 * Room-N (the presence engine's numbering).
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_core.h"
#include "zt_report_int.h"


static int zt_report_rname_cmp(const void *a, const void *b);
static int zt_report_vote(zt_report_mtg_t *mt, size_t room,
    const char *name);
static int zt_report_votes(zt_report_mtg_t *mt, const zt_journey_t *j);
static zt_vote_t *zt_report_best(zt_report_mtg_t *mt, size_t ri);


static int
zt_report_rname_cmp(const void *a, const void *b)
{
    return strcmp(((const zt_rname_t *) a)->uuid,
                  ((const zt_rname_t *) b)->uuid);
}


/* the rooms entered in the meeting, by uuid, with their first join */
int
zt_report_rooms(zt_report_mtg_t *mt, const zt_journey_t *j, size_t n)
{
    size_t                     i, k, total, u;
    zt_rname_t                *r;
    const zt_journey_visit_t  *v;

    for (i = 0, total = 0; i < n; i++) {
        total += j[i].nvisits;
    }

    r = calloc(total ? total : 1, sizeof(zt_rname_t));
    if (r == NULL) {
        return ZT_ERROR;
    }

    for (i = 0, total = 0; i < n; i++) {
        for (k = 0; k < j[i].nvisits; k++) {
            v = &j[i].visits[k];
            r[total].uuid = v->room_uuid;
            r[total].no = v->room_no;
            r[total++].first_join = v->start;
        }
    }

    qsort(r, total, sizeof(zt_rname_t), zt_report_rname_cmp);

    for (i = 0, u = 0; i < total; i++) {
        if (u && strcmp(r[u - 1].uuid, r[i].uuid) == 0) {
            if (r[i].first_join < r[u - 1].first_join) {
                r[u - 1].first_join = r[i].first_join;
            }
            continue;
        }
        r[u++] = r[i];
    }

    mt->rooms = r;
    mt->nrooms = u;

    return ZT_OK;
}


zt_rname_t *
zt_report_room(zt_report_mtg_t *mt, const char *uuid)
{
    zt_rname_t  key;

    key.uuid = uuid;
    return bsearch(&key, mt->rooms, mt->nrooms, sizeof(zt_rname_t),
                   zt_report_rname_cmp);
}


int
zt_report_room_name_cb(void *data, const char *room_uuid, const char *name,
    int by_instance)
{
    zt_rname_t       *r;
    zt_report_mtg_t  *mt = data;

    r = zt_report_room(mt, room_uuid);
    if (r == NULL || name[0] == '\0') {
        return ZT_OK;
    }

    name = zt_pool_strdup(mt->priv, name);
    if (name == NULL) {
        return ZT_ERROR;
    }

    if (by_instance) {
        r->by_instance = name;

    } else {
        r->by_id = name;
    }

    return ZT_OK;
}


int
zt_report_pa_cb(void *data, const char *room_name, const char *email)
{
    zt_pa_t          *a;
    zt_report_mtg_t  *mt = data;

    if (mt->npa == mt->cappa) {
        mt->cappa = mt->cappa ? mt->cappa * 2 : 64;
        a = realloc(mt->pa, mt->cappa * sizeof(zt_pa_t));
        if (a == NULL) {
            return ZT_ERROR;
        }
        mt->pa = a;
    }

    a = &mt->pa[mt->npa];
    a->room_name = zt_pool_strdup(mt->priv, room_name);
    a->email = zt_pool_strdup(mt->priv, email);
    if (a->room_name == NULL || a->email == NULL) {
        return ZT_ERROR;
    }

    mt->npa++;
    return ZT_OK;
}


int
zt_report_pa_cmp(const void *a, const void *b)
{
    return strcmp(((const zt_pa_t *) a)->email, ((const zt_pa_t *) b)->email);
}


/* a vote of one visitor of a room for the room it was pre-assigned */
static int
zt_report_vote(zt_report_mtg_t *mt, size_t room, const char *name)
{
    size_t      i;
    zt_vote_t  *v;

    for (i = 0; i < mt->nvotes; i++) {
        if (mt->votes[i].room == room
            && strcmp(mt->votes[i].name, name) == 0)
        {
            mt->votes[i].n++;
            return ZT_OK;
        }
    }

    if (mt->nvotes == mt->capvotes) {
        mt->capvotes = mt->capvotes ? mt->capvotes * 2 : 32;
        v = realloc(mt->votes, mt->capvotes * sizeof(zt_vote_t));
        if (v == NULL) {
            return ZT_ERROR;
        }
        mt->votes = v;
    }

    v = &mt->votes[mt->nvotes++];
    v->room = room;
    v->name = name;
    v->n = 1;

    return ZT_OK;
}


/*
 * Room names.  A pre-assigned room name goes to the room most of its
 * assigned people entered, when that room's visitors were also assigned
 * to it more than to any other name (mutual best; ties: the name, then
 * the room entered first, then the uuid).
 */
int
zt_report_infer(zt_report_mtg_t *mt, const zt_journey_t *j, size_t n)
{
    char         buf[32];
    size_t       i, ri;
    zt_rname_t  *r;
    zt_vote_t   *b;

    for (i = 0; i < n && mt->npa; i++) {
        if (zt_report_votes(mt, &j[i]) != ZT_OK) {
            return ZT_ERROR;
        }
    }

    for (ri = 0; ri < mt->nrooms; ri++) {
        r = &mt->rooms[ri];
        b = zt_report_best(mt, ri);

        if (r->by_instance) {
            r->name = r->by_instance;

        } else if (r->by_id) {
            r->name = r->by_id;

        } else if (b) {
            r->name = b->name;

        } else {
            snprintf(buf, sizeof(buf), "Room-%u", r->no);
            r->name = zt_pool_strdup(mt->priv, buf);
            if (r->name == NULL) {
                return ZT_ERROR;
            }
        }
    }

    return ZT_OK;
}


/*
 * One person's votes: for each room they visited (once however often),
 * one vote for every room name their email was pre-assigned to.
 */
static int
zt_report_votes(zt_report_mtg_t *mt, const zt_journey_t *j)
{
    char            email[512];
    size_t          k, x, lo, hi, ri;
    zt_pa_t         key;
    const zt_pa_t  *pa;

    snprintf(email, sizeof(email), "%s", j->email);
    for (k = 0; email[k]; k++) {
        email[k] = (char) tolower((unsigned char) email[k]);
    }

    if (email[0] == '\0') {
        return ZT_OK;
    }

    key.email = email;
    pa = bsearch(&key, mt->pa, mt->npa, sizeof(zt_pa_t), zt_report_pa_cmp);
    if (pa == NULL) {
        return ZT_OK;
    }

    for (lo = (size_t) (pa - mt->pa);
         lo > 0 && strcmp(mt->pa[lo - 1].email, email) == 0;
         lo--)
    {
        /* void */
    }

    for (hi = (size_t) (pa - mt->pa) + 1;
         hi < mt->npa && strcmp(mt->pa[hi].email, email) == 0;
         hi++)
    {
        /* void */
    }

    /* one vote per room visited, however often */
    for (k = 0; k < j->nvisits; k++) {
        for (x = 0; x < k; x++) {
            if (strcmp(j->visits[x].room_uuid, j->visits[k].room_uuid) == 0)
            {
                break;
            }
        }

        if (x < k) {
            continue;
        }

        ri = (size_t) (zt_report_room(mt, j->visits[k].room_uuid)
                       - mt->rooms);

        for (x = lo; x < hi; x++) {
            if (zt_report_vote(mt, ri, mt->pa[x].room_name) != ZT_OK) {
                return ZT_ERROR;
            }
        }
    }

    return ZT_OK;
}


/* room ri's best name when that name's best room is ri too, else NULL */
static zt_vote_t *
zt_report_best(zt_report_mtg_t *mt, size_t ri)
{
    size_t       i;
    zt_rname_t  *r;
    zt_vote_t   *v, *b;

    r = &mt->rooms[ri];

    /* the room's best name */
    b = NULL;
    for (i = 0; i < mt->nvotes; i++) {
        v = &mt->votes[i];
        if (v->room == ri
            && (b == NULL || v->n > b->n
                || (v->n == b->n && strcmp(v->name, b->name) < 0)))
        {
            b = v;
        }
    }

    /* ... and that name's best room */
    for (i = 0; b && i < mt->nvotes; i++) {
        v = &mt->votes[i];
        if (v != b && strcmp(v->name, b->name) == 0
            && (v->n > b->n
                || (v->n == b->n
                    && (mt->rooms[v->room].first_join < r->first_join
                        || (mt->rooms[v->room].first_join == r->first_join
                            && strcmp(mt->rooms[v->room].uuid, r->uuid)
                               < 0)))))
        {
            b = NULL;
        }
    }

    return b;
}
