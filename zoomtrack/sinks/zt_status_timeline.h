/*
 * zt_status_timeline: the meeting timeline JSON the status sink writes next
 * to its CSV (DATA/_data/zoom-room-timeline.json) and the room board draws.
 * For every live or recently ended meeting: its rooms, and per person the
 * presence intervals and room visits so far, from the presence engine's
 * journeys (zt_presence_journeys), so the board and the report agree.
 * Times are epoch ms and ISO 8601 strings in the configured time zone;
 * display names only, never an email (README "The timeline JSON").
 *
 * Pure: no files, no clock (now comes in the options), no logging.
 */

#ifndef ZT_STATUS_TIMELINE_H
#define ZT_STATUS_TIMELINE_H


#include <jansson.h>

#include "zt_presence.h"


#define ZT_TIMELINE_VERSION   1
#define ZT_TIMELINE_KEEP_MS   (12 * 3600 * 1000LL)   /* ended meetings */
#define ZT_TIMELINE_TOPICS    256                    /* topics remembered */


/*
 * Meeting topics, which the presence state does not keep: remembered from
 * the records' raw bodies (payload.object.topic), the latest
 * ZT_TIMELINE_TOPICS meetings.  Not saved: after a restart a meeting's
 * topic comes back with its next event.
 */
typedef struct zt_timeline_topics_s  zt_timeline_topics_t;


typedef struct {
    const char  *tz;           /* IANA zone of the ISO strings */
    const char  *allowlist;    /* status_allowlist; NULL or "": everyone */
    int64_t      now_ms;       /* generated_at */
    int64_t      heartbeat_s;  /* written into the file for the board */
    int64_t      keep_ms;      /* an ended meeting is shown this long */
    const zt_timeline_topics_t  *topics;   /* NULL: topics are null */
} zt_timeline_opts_t;


zt_timeline_topics_t *zt_timeline_topics_create(void);
void zt_timeline_topics_free(zt_timeline_topics_t *t);

/*
 * Notes the topic of a queue record's meeting (parsing its raw_payload
 * only for a meeting not seen yet, or whose topic was empty).  Returns
 * ZT_OK, or ZT_ERROR when out of memory.
 */
int zt_timeline_topics_note(zt_timeline_topics_t *t, const json_t *rec);

/* the topic of a meeting uuid, or NULL */
const char *zt_timeline_topic(const zt_timeline_topics_t *t,
    const char *uuid);


/*
 * Whether a meeting belongs in the timeline: its end or last event is
 * within keep_ms of now; it is live (*live = 1) when it has not ended and
 * someone is online.
 */
int zt_timeline_wanted(const zt_presence_meeting_info_t *mi,
    const zt_journey_t *j, size_t n, const zt_timeline_opts_t *o, int *live);

/*
 * The whole file for p: a malloc()ed, NUL-terminated string in *out (the
 * caller frees it) and its length.  Returns ZT_OK or ZT_ERROR (out of
 * memory, or a time zone that cannot be formatted).
 */
int zt_timeline_render(const zt_presence_t *p, const zt_timeline_opts_t *o,
    char **out, size_t *len);

/* "2021-07-14T05:44:51.572+03:00" of ms in tz; out >= 32 bytes */
int zt_timeline_iso(int64_t ms, const char *tz, char *out, size_t outlen);


#endif /* ZT_STATUS_TIMELINE_H */
