/*
 * zt_camera_store: where `zoomtrack camera` reads the day's meetings and
 * writes what it fetched, one ops table per warehouse backend (SQLite in
 * zt_camera_sqlite.c, BigQuery in zt_camera_bigquery.c), so the fetching
 * and mapping logic of zt_camera.c is written once.  Every call logs its
 * own failure (never a credential) and returns ZT_ERROR; the caller stops.
 */

#ifndef ZT_CAMERA_STORE_H
#define ZT_CAMERA_STORE_H


#include <stdint.h>

#include "zt_core.h"
#include "zt_conf.h"
#include "zt_camera.h"


/* one meeting instance of the day; the strings belong to the store */
typedef struct {
    const char  *uuid;
    const char  *meeting_id;
    zt_camera_facts_t  facts;    /* its events (any day), its last 'ok' */
} zt_camera_meeting_row_t;

/* one person-minute; camera_on is the max of the samples of that minute */
typedef struct {
    char     *person_key;        /* owned by the caller's array */
    int64_t   minute_ts;         /* epoch ms, a whole minute */
    int       camera_on;
} zt_camera_minute_t;

/* one pre-assigned seat; email is lower-case */
typedef struct {
    const char  *room_name;
    char        *email;          /* owned by the caller's array */
} zt_camera_seat_t;

typedef int (*zt_camera_meeting_pt)(void *data,
    const zt_camera_meeting_row_t *m);


/*
 * The identity fields a QOS participant is matched on, in order: 0
 * participant_uuid, 1 user id (participant_user_id or parent_user_id),
 * 2 email (case-insensitive), 3 display name.
 */
#define ZT_CAMERA_NMATCH  4


typedef struct {
    const char   *name;

    /* NULL + err (for stderr) when the warehouse cannot be opened */
    void       *(*open)(const zt_conf_t *conf, char *err, size_t errlen);

    /*
     * The meeting instances with a meeting.* (or webinar.*) event in
     * [start, end) (epoch ms; date is the local day D), only that uuid
     * when only != NULL, in order of their first event, each with its
     * facts: its meeting.* (webinar.*) events of every day (from D-1 on)
     * and its camera_fetches.
     */
    int         (*meetings)(void *st, const char *date, int64_t start,
                    int64_t end, const char *only, zt_camera_meeting_pt cb,
                    void *data);

    /*
     * The warehouse person_key of meeting uuid's participant whose match
     * field `field` equals value: ZT_OK (key filled), ZT_DECLINED (none),
     * ZT_ERROR.
     */
    int         (*person)(void *st, const char *uuid, int field,
                    const char *value, char *key, size_t len);

    /*
     * Replaces meeting uuid's camera_minutes with rows (sorted by person
     * and minute, no duplicates) and records the fetch as 'ok' with
     * detail, both or neither.
     */
    int         (*store_minutes)(void *st, const char *uuid,
                    const zt_camera_minute_t *rows, size_t n,
                    const char *detail);

    /* records a fetch state; an 'ok' is never replaced by another state */
    int         (*set_status)(void *st, const char *uuid,
                    const char *status, const char *detail);

    /* replaces meeting_id's pre-assigned seats */
    int         (*store_rooms)(void *st, const char *meeting_id,
                    const zt_camera_seat_t *seats, size_t n);

    void        (*close)(void *st);
} zt_camera_store_ops_t;


extern const zt_camera_store_ops_t  zt_camera_store_sqlite;
extern const zt_camera_store_ops_t  zt_camera_store_bigquery;


#endif /* ZT_CAMERA_STORE_H */
