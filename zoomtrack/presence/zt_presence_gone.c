/*
 * zt_presence_gone: the meetings zt_presence_prune() dropped, by uuid,
 * with the time of their last event.  An event of such a meeting that
 * arrives afterwards (Zoom retries a failed delivery for about 90
 * minutes, and some events come hours late) is older than that last
 * event: folded, it would make the meeting again from that one event,
 * with no end, so a leave showed a row without a join and a join a person
 * online, in the CSV for good (a meeting with no end is never dropped).
 * Such an event is ignored; a later one (the instance joined again) makes
 * the meeting anew.  A dropped meeting is remembered for
 * ZT_PRESENCE_GONE_MS past the prune window, and saved with the state.
 */

#include <stdlib.h>
#include <string.h>

#include "zt_presence_int.h"


static const char *zt_pmap_gone(const void *base, size_t i);


int
zt_presence_gone_add(zt_presence_t *p, const char *uuid, int64_t last_ts)
{
    size_t               i;
    zt_presence_gone_t  *g;

    i = zt_pmap_find(&p->gone_map, uuid, zt_pmap_gone, p->gone);
    if (i != (size_t) -1) {
        if (last_ts > p->gone[i].last_ts) {
            p->gone[i].last_ts = last_ts;
        }
        return ZT_OK;
    }

    g = realloc(p->gone, (p->ngone + 1) * sizeof(zt_presence_gone_t));
    if (g == NULL) {
        return ZT_ERROR;
    }
    p->gone = g;

    g[p->ngone].uuid = strdup(uuid);
    g[p->ngone].last_ts = last_ts;
    if (g[p->ngone].uuid == NULL) {
        return ZT_ERROR;
    }

    p->ngone++;

    return zt_pmap_put(&p->gone_map, uuid, p->ngone - 1, p->ngone,
                       zt_pmap_gone, p->gone);
}


/* 1: uuid is a dropped meeting that ts is not after (a late event) */
int
zt_presence_gone_has(const zt_presence_t *p, const char *uuid, int64_t ts)
{
    size_t  i;

    i = zt_pmap_find(&p->gone_map, uuid, zt_pmap_gone, p->gone);

    return i != (size_t) -1 && ts <= p->gone[i].last_ts;
}


/* forgets the meetings whose last event is before `before` */
void
zt_presence_gone_expire(zt_presence_t *p, int64_t before)
{
    size_t  i, n;

    for (i = 0, n = 0; i < p->ngone; i++) {
        if (p->gone[i].last_ts < before) {
            free(p->gone[i].uuid);
            continue;
        }

        p->gone[n++] = p->gone[i];
    }

    if (n < p->ngone) {
        p->ngone = n;

        /* positions moved */
        zt_pmap_rebuild(&p->gone_map, n, zt_pmap_gone, p->gone);
    }
}


void
zt_presence_gone_free(zt_presence_t *p)
{
    size_t  i;

    for (i = 0; i < p->ngone; i++) {
        free(p->gone[i].uuid);
    }

    free(p->gone);
    free(p->gone_map.slot);
}


json_t *
zt_presence_gone_to_json(const zt_presence_t *p)
{
    size_t   i;
    json_t  *o;

    o = json_object();
    if (o == NULL) {
        return NULL;
    }

    for (i = 0; i < p->ngone; i++) {
        if (json_object_set_new(o, p->gone[i].uuid,
                                json_integer(p->gone[i].last_ts)) != 0)
        {
            json_decref(o);
            return NULL;
        }
    }

    return o;
}


/* a state saved before dropped meetings were kept has none: fine */
int
zt_presence_gone_from_json(zt_presence_t *p, const json_t *o)
{
    json_t      *v;
    const char  *uuid;

    if (o == NULL) {
        return ZT_OK;
    }

    if (!json_is_object(o)) {
        return ZT_ERROR;
    }

    json_object_foreach((json_t *) o, uuid, v) {
        if (!json_is_integer(v)
            || zt_presence_gone_add(p, uuid, json_integer_value(v)) != ZT_OK)
        {
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


static const char *
zt_pmap_gone(const void *base, size_t i)
{
    return ((const zt_presence_gone_t *) base)[i].uuid;
}
