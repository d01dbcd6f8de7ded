/*
 * zt_warehouse: what `zoomtrack report` reads from and writes to a
 * warehouse, as an ops table (one file per backend, like the sinks):
 * zt_warehouse_sqlite.c now, a BigQuery backend behind the same table
 * later.  The report folds the events through zt_presence and never sees
 * SQL; a backend only selects and stores rows.
 *
 * Who frees what: open() returns a handle that close() frees; every
 * pointer given to a callback is valid during that call only.  Every
 * function returns ZT_OK or ZT_ERROR; after ZT_ERROR, errmsg() says why
 * (no secrets in it).  A callback returning ZT_ERROR stops the walk and
 * the function returns ZT_ERROR.
 */

#ifndef ZT_WAREHOUSE_H
#define ZT_WAREHOUSE_H


#include <stddef.h>
#include <stdint.h>

#include "zt_conf.h"
#include "zt_presence.h"


/* what one report run asks for */
typedef struct {
    const char  *report_date;      /* YYYY-MM-DD, local in timezone */
    int64_t      day_start;        /* ms, first of the local day */
    int64_t      day_end;          /* ms, first of the next local day */
    const char  *meeting;          /* NULL: all; else a meeting id or uuid */
    /* the roster and its rules (zt_attendance_meeting.h); NULL: none */
    const struct zt_att_opts_s  *att;
} zt_wh_query_t;


/*
 * One row of daily_reports: the report's cells (NULL = empty / null), and
 * the times behind the four time cells as ms, for a warehouse that stores
 * TIMESTAMPs (0 where the cell is empty).
 */
typedef struct {
    const char  *const *cells;     /* zt_report_columns[] order */
    int64_t      join_ms;          /* meeting_join_time */
    int64_t      leave_ms;         /* meeting_leave_time */
    int64_t      room_join_ms;     /* room_join_time */
    int64_t      room_leave_ms;    /* room_leave_time */
} zt_wh_row_t;


typedef int (*zt_wh_event_pt)(void *data, const zt_presence_event_t *ev);
typedef int (*zt_wh_camera_pt)(void *data, const char *person_key,
    int64_t minute_ts, int camera_on);
/* room_names: by_instance 1 when named for the meeting uuid, 0 for the id */
typedef int (*zt_wh_room_name_pt)(void *data, const char *room_uuid,
    const char *name, int by_instance);
typedef int (*zt_wh_preassigned_pt)(void *data, const char *room_name,
    const char *email);
typedef int (*zt_wh_reconciled_pt)(void *data, const char *meeting_uuid,
    const char *person_key);


typedef struct {
    const char  *name;             /* "sqlite" */

    /* the warehouse of the configuration; NULL with a message in err */
    void *(*open)(const zt_conf_t *conf, char *err, size_t errlen);

    /*
     * Every event, of any type, of every meeting instance that has an
     * event dated (event_date, the local date) within one day of
     * q->report_date; each instance read whole, so people already present
     * before the day are known.  q->meeting may be used to read less; the
     * report filters again.  Any order; duplicates allowed.
     */
    int (*events)(void *wh, const zt_wh_query_t *q, zt_wh_event_pt cb,
        void *data);

    /*
     * The camera fetch status of a meeting instance into status ("ok",
     * "pending" when none recorded, "unavailable"); when it is "ok" and cb
     * is not NULL, every camera_minutes row of the instance.
     */
    int (*camera)(void *wh, const char *meeting_uuid, char *status,
        size_t len, zt_wh_camera_pt cb, void *data);

    /* room_names rows for the meeting uuid and for the meeting id */
    int (*room_names)(void *wh, const char *meeting_uuid,
        const char *meeting_id, zt_wh_room_name_pt cb, void *data);

    /* preassigned_rooms rows of a meeting id (emails lowercased) */
    int (*preassigned)(void *wh, const char *meeting_id,
        zt_wh_preassigned_pt cb, void *data);

    /*
     * Replaces, in one transaction, the daily_reports rows of
     * q->report_date (all of them, or with q->meeting those whose
     * meeting_id or meeting_uuid is q->meeting) by rows[0..n).
     */
    int (*replace_report)(void *wh, const zt_wh_query_t *q,
        const zt_wh_row_t *rows, size_t n);

    const char *(*errmsg)(void *wh);
    void (*close)(void *wh);

    /*
     * The (meeting uuid, person key) pairs of q's meetings that have events
     * from `zoomtrack reconcile` (source = report_api).  May be NULL in a
     * backend without reconciliation: every row then says webhook.
     */
    int (*reconciled)(void *wh, const zt_wh_query_t *q,
        zt_wh_reconciled_pt cb, void *data);
} zt_warehouse_ops_t;


extern const zt_warehouse_ops_t  zt_warehouse_sqlite;
extern const zt_warehouse_ops_t  zt_warehouse_bigquery;


/* the backend named by [warehouse] backend, or NULL for an unknown one */
const zt_warehouse_ops_t *zt_warehouse_for(const zt_conf_t *conf);


#endif /* ZT_WAREHOUSE_H */
