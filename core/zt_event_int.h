/*
 * zt_event_int: the pieces of event normalisation that zt_event.c (the
 * parse) takes from its neighbours: the text check (zt_event_text.c) and
 * the event id (zt_event_id.c).  Not for callers outside core/zt_event*.
 */

#ifndef ZT_EVENT_INT_H
#define ZT_EVENT_INT_H


#include "zt_event.h"


/*
 * The body's text against zt_utf8.h's definition, before yajl sees it.
 * NULL when it passes, else a static reason.
 */
const char *zt_event_text_check(const unsigned char *s, size_t n);

/*
 * Sets ev->event_id from the parsed fields (and the body for an event
 * about no meeting instance).  ZT_OK, or ZT_ERROR when out of memory.
 */
int zt_event_make_id(zt_event_t *ev, const unsigned char *body, size_t len);

/*
 * v in decimal, as "%lld" writes it, NUL-terminated, into out (21 bytes at
 * least); returns its length.  snprintf() cost more than the record's other
 * numbers and dates together.
 */
size_t zt_event_int_str(int64_t v, char *out);


#endif /* ZT_EVENT_INT_H */
