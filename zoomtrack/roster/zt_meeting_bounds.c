/*
 * zt_meeting_bounds: the meetings' own start and end (zt_meeting_bounds.h).
 * A day holds a handful of meetings, so a list searched only for the rare
 * start and end events is enough.
 */

#include <stdlib.h>
#include <string.h>

#include "zt_core.h"
#include "zt_meeting_bounds.h"


typedef struct {
    char     *uuid;
    int64_t   started;
    int64_t   ended;
} zt_mb_t;


struct zt_meeting_bounds_s {
    zt_mb_t  *m;
    size_t    n;
};


zt_meeting_bounds_t *
zt_meeting_bounds_create(void)
{
    return calloc(1, sizeof(zt_meeting_bounds_t));
}


void
zt_meeting_bounds_free(zt_meeting_bounds_t *b)
{
    size_t  i;

    if (b == NULL) {
        return;
    }

    for (i = 0; i < b->n; i++) {
        free(b->m[i].uuid);
    }

    free(b->m);
    free(b);
}


int
zt_meeting_bounds_note(zt_meeting_bounds_t *b, const zt_presence_event_t *ev)
{
    int       start;
    size_t    i;
    zt_mb_t  *m;

    if (strcmp(ev->event_type, "meeting.started") == 0
        || strcmp(ev->event_type, "webinar.started") == 0)
    {
        start = 1;

    } else if (strcmp(ev->event_type, "meeting.ended") == 0
               || strcmp(ev->event_type, "webinar.ended") == 0)
    {
        start = 0;

    } else {
        return ZT_OK;
    }

    for (i = 0; i < b->n && strcmp(b->m[i].uuid, ev->meeting_uuid) != 0;
         i++)
    {
        /* void */
    }

    if (i == b->n) {
        m = realloc(b->m, (b->n + 1) * sizeof(zt_mb_t));
        if (m == NULL) {
            return ZT_ERROR;
        }
        b->m = m;
        m[i].uuid = strdup(ev->meeting_uuid);
        m[i].started = 0;
        m[i].ended = 0;
        if (m[i].uuid == NULL) {
            return ZT_ERROR;
        }
        b->n++;
    }

    m = &b->m[i];

    if (start && (m->started == 0 || ev->event_ts < m->started)) {
        m->started = ev->event_ts;
    }

    if (!start && ev->event_ts > m->ended) {
        m->ended = ev->event_ts;
    }

    return ZT_OK;
}


void
zt_meeting_bounds_get(const zt_meeting_bounds_t *b, const char *uuid,
    int64_t *started, int64_t *ended)
{
    size_t  i;

    *started = 0;
    *ended = 0;

    for (i = 0; b && i < b->n; i++) {
        if (strcmp(b->m[i].uuid, uuid) == 0) {
            *started = b->m[i].started;
            *ended = b->m[i].ended;
            return;
        }
    }
}
