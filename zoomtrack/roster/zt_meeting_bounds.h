/*
 * zt_meeting_bounds: when each meeting instance started and ended as Zoom
 * said (meeting.started / meeting.ended, webinar likewise), noted while the
 * events are folded: the attendance rules measure lateness and leaving
 * early against them.  The first start and the last end count (Zoom sends
 * meeting.ended each time a lone host leaves a meeting that goes on).
 *
 * Who frees what: zt_meeting_bounds_free() frees the table and its copies
 * of the uuids.
 */

#ifndef ZT_MEETING_BOUNDS_H
#define ZT_MEETING_BOUNDS_H


#include <stdint.h>

#include "zt_presence.h"


typedef struct zt_meeting_bounds_s  zt_meeting_bounds_t;


zt_meeting_bounds_t *zt_meeting_bounds_create(void);
void zt_meeting_bounds_free(zt_meeting_bounds_t *b);

/* notes a start or end event (others are ignored); ZT_OK or ZT_ERROR */
int zt_meeting_bounds_note(zt_meeting_bounds_t *b,
    const zt_presence_event_t *ev);

/* the instance's first start and last end, ms; 0 when not seen */
void zt_meeting_bounds_get(const zt_meeting_bounds_t *b, const char *uuid,
    int64_t *started, int64_t *ended);


#endif /* ZT_MEETING_BOUNDS_H */
