/*
 * zt_warehouse_sqlite: the report's warehouse ops (zt_warehouse.h) on the
 * SQLite warehouse of zt_db: selects rows, stores daily_reports.  No
 * presence logic here: that is zt_presence's.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "zt_core.h"
#include "zt_db.h"
#include "zt_report.h"
#include "zt_warehouse.h"


typedef struct {
    sqlite3  *db;
    char      err[512];
} zt_wh_sqlite_t;


static void *zt_wh_sqlite_open(const zt_conf_t *conf, char *err,
    size_t errlen);
static int zt_wh_sqlite_events(void *wh, const zt_wh_query_t *q,
    zt_wh_event_pt cb, void *data);
static int zt_wh_sqlite_camera(void *wh, const char *meeting_uuid,
    char *status, size_t len, zt_wh_camera_pt cb, void *data);
static int zt_wh_sqlite_room_names(void *wh, const char *meeting_uuid,
    const char *meeting_id, zt_wh_room_name_pt cb, void *data);
static int zt_wh_sqlite_preassigned(void *wh, const char *meeting_id,
    zt_wh_preassigned_pt cb, void *data);
static int zt_wh_sqlite_replace(void *wh, const zt_wh_query_t *q,
    const zt_wh_row_t *rows, size_t n);
static const char *zt_wh_sqlite_errmsg(void *wh);
static void zt_wh_sqlite_close(void *wh);
static sqlite3_stmt *zt_wh_sqlite_prepare(zt_wh_sqlite_t *w,
    const char *sql);
static int zt_wh_sqlite_fail(zt_wh_sqlite_t *w, sqlite3_stmt *stmt);
static const char *zt_wh_col(sqlite3_stmt *stmt, int i);


static int zt_wh_sqlite_reconciled(void *wh, const zt_wh_query_t *q,
    zt_wh_reconciled_pt cb, void *data);


const zt_warehouse_ops_t  zt_warehouse_sqlite = {
    "sqlite",
    zt_wh_sqlite_open,
    zt_wh_sqlite_events,
    zt_wh_sqlite_camera,
    zt_wh_sqlite_room_names,
    zt_wh_sqlite_preassigned,
    zt_wh_sqlite_replace,
    zt_wh_sqlite_errmsg,
    zt_wh_sqlite_close,
    zt_wh_sqlite_reconciled
};


/*
 * Meeting instances with an event dated within a day of the report date,
 * read whole (people present since the day before are known); with a
 * meeting filter only the instance(s) it names.  The columns are those of
 * the raw_events_report_devices index, so SQLite reads the index only,
 * but for a main leave's leave_reason (a leave of the waiting room is no
 * departure, zt_presence_waiting_leave()): the CASE reads the table row
 * for those alone.
 */
static const char  zt_wh_events_sql[] =
    "WITH cand AS ("
    "  SELECT DISTINCT meeting_uuid FROM raw_events"
    "  WHERE event_date BETWEEN date(?1, '-1 day') AND date(?1, '+1 day')"
    "    AND meeting_uuid <> ''"
    "    AND (?2 = '' OR meeting_uuid = ?2 OR meeting_id = ?2))"
    " SELECT event_type, event_ts, meeting_uuid, meeting_id, person_key,"
    "        participant_name, participant_email, breakout_room_uuid,"
    "        participant_uuid,"
    "        CASE WHEN event_type IN ('meeting.participant_left',"
    "                                 'webinar.participant_left')"
    "             THEN leave_reason ELSE '' END"
    " FROM raw_events INDEXED BY raw_events_report_devices"
    " WHERE meeting_uuid IN (SELECT meeting_uuid FROM cand)";


static void *
zt_wh_sqlite_open(const zt_conf_t *conf, char *err, size_t errlen)
{
    zt_wh_sqlite_t  *w;

    w = calloc(1, sizeof(zt_wh_sqlite_t));
    if (w == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    if (zt_db_open(conf, &w->db, err, errlen) != ZT_OK) {
        free(w);
        return NULL;
    }

    /*
     * the report reads a day's events and camera minutes once, in index
     * order: map the file instead of copying every page (advisory; SQLite
     * falls back to reads where mmap is unavailable)
     */
    (void) sqlite3_exec(w->db, "PRAGMA mmap_size = 1073741824", NULL, NULL,
                        NULL);

    return w;
}


static int
zt_wh_sqlite_events(void *wh, const zt_wh_query_t *q, zt_wh_event_pt cb,
    void *data)
{
    int                   rc;
    sqlite3_stmt         *stmt;
    zt_wh_sqlite_t       *w = wh;
    zt_presence_event_t   ev;

    stmt = zt_wh_sqlite_prepare(w, zt_wh_events_sql);
    if (stmt == NULL) {
        return ZT_ERROR;
    }

    sqlite3_bind_text(stmt, 1, q->report_date, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, q->meeting ? q->meeting : "", -1,
                      SQLITE_STATIC);

    memset(&ev, 0, sizeof(zt_presence_event_t));
    ev.participant_id = "";
    ev.registrant_id = "";

    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        ev.event_type = zt_wh_col(stmt, 0);
        ev.event_ts = sqlite3_column_int64(stmt, 1);
        ev.meeting_uuid = zt_wh_col(stmt, 2);
        ev.meeting_id = zt_wh_col(stmt, 3);
        ev.person_key = zt_wh_col(stmt, 4);
        ev.participant_name = zt_wh_col(stmt, 5);
        ev.participant_email = zt_wh_col(stmt, 6);
        ev.breakout_room_uuid = zt_wh_col(stmt, 7);
        ev.participant_uuid = zt_wh_col(stmt, 8);
        ev.leave_reason = zt_wh_col(stmt, 9);

        if (cb(data, &ev) != ZT_OK) {
            snprintf(w->err, sizeof(w->err), "out of memory folding events");
            sqlite3_finalize(stmt);
            return ZT_ERROR;
        }
    }

    if (rc != SQLITE_DONE) {
        return zt_wh_sqlite_fail(w, stmt);
    }

    sqlite3_finalize(stmt);
    return ZT_OK;
}


static int
zt_wh_sqlite_camera(void *wh, const char *meeting_uuid, char *status,
    size_t len, zt_wh_camera_pt cb, void *data)
{
    int              rc;
    sqlite3_stmt    *stmt;
    zt_wh_sqlite_t  *w = wh;

    stmt = zt_wh_sqlite_prepare(w, "SELECT status FROM camera_fetches"
                                   " WHERE meeting_uuid = ?1");
    if (stmt == NULL) {
        return ZT_ERROR;
    }

    sqlite3_bind_text(stmt, 1, meeting_uuid, -1, SQLITE_STATIC);

    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        return zt_wh_sqlite_fail(w, stmt);
    }

    snprintf(status, len, "%s",
             rc == SQLITE_ROW ? zt_wh_col(stmt, 0) : "pending");
    sqlite3_finalize(stmt);

    if (strcmp(status, "ok") != 0 || cb == NULL) {
        return ZT_OK;
    }

    /* the primary key's order: the report finds a person by bisection */
    stmt = zt_wh_sqlite_prepare(w, "SELECT person_key, minute_ts, camera_on"
                                   " FROM camera_minutes"
                                   " WHERE meeting_uuid = ?1"
                                   " ORDER BY person_key, minute_ts");
    if (stmt == NULL) {
        return ZT_ERROR;
    }

    sqlite3_bind_text(stmt, 1, meeting_uuid, -1, SQLITE_STATIC);

    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (cb(data, zt_wh_col(stmt, 0), sqlite3_column_int64(stmt, 1),
               sqlite3_column_int(stmt, 2) != 0) != ZT_OK)
        {
            snprintf(w->err, sizeof(w->err), "out of memory");
            sqlite3_finalize(stmt);
            return ZT_ERROR;
        }
    }

    if (rc != SQLITE_DONE) {
        return zt_wh_sqlite_fail(w, stmt);
    }

    sqlite3_finalize(stmt);
    return ZT_OK;
}


static int
zt_wh_sqlite_room_names(void *wh, const char *meeting_uuid,
    const char *meeting_id, zt_wh_room_name_pt cb, void *data)
{
    int              rc;
    sqlite3_stmt    *stmt;
    zt_wh_sqlite_t  *w = wh;

    stmt = zt_wh_sqlite_prepare(w, "SELECT room_uuid, name, meeting = ?1"
                                   " FROM room_names"
                                   " WHERE meeting IN (?1, ?2)");
    if (stmt == NULL) {
        return ZT_ERROR;
    }

    sqlite3_bind_text(stmt, 1, meeting_uuid, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, meeting_id, -1, SQLITE_STATIC);

    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (cb(data, zt_wh_col(stmt, 0), zt_wh_col(stmt, 1),
               sqlite3_column_int(stmt, 2)) != ZT_OK)
        {
            snprintf(w->err, sizeof(w->err), "out of memory");
            sqlite3_finalize(stmt);
            return ZT_ERROR;
        }
    }

    if (rc != SQLITE_DONE) {
        return zt_wh_sqlite_fail(w, stmt);
    }

    sqlite3_finalize(stmt);
    return ZT_OK;
}


static int
zt_wh_sqlite_preassigned(void *wh, const char *meeting_id,
    zt_wh_preassigned_pt cb, void *data)
{
    int              rc;
    sqlite3_stmt    *stmt;
    zt_wh_sqlite_t  *w = wh;

    stmt = zt_wh_sqlite_prepare(w, "SELECT room_name, email"
                                   " FROM preassigned_rooms"
                                   " WHERE meeting_id = ?1");
    if (stmt == NULL) {
        return ZT_ERROR;
    }

    sqlite3_bind_text(stmt, 1, meeting_id, -1, SQLITE_STATIC);

    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (cb(data, zt_wh_col(stmt, 0), zt_wh_col(stmt, 1)) != ZT_OK) {
            snprintf(w->err, sizeof(w->err), "out of memory");
            sqlite3_finalize(stmt);
            return ZT_ERROR;
        }
    }

    if (rc != SQLITE_DONE) {
        return zt_wh_sqlite_fail(w, stmt);
    }

    sqlite3_finalize(stmt);
    return ZT_OK;
}


/* one transaction: readers see the old rows or the new, never neither */
static int
zt_wh_sqlite_replace(void *wh, const zt_wh_query_t *q,
    const zt_wh_row_t *rows, size_t n)
{
    int              i;
    char            *msg;
    size_t           r;
    sqlite3_stmt    *del, *ins;
    zt_wh_sqlite_t  *w = wh;

    w->err[0] = '\0';

    if (sqlite3_exec(w->db, "BEGIN IMMEDIATE", NULL, NULL, &msg)
        != SQLITE_OK)
    {
        snprintf(w->err, sizeof(w->err), "daily_reports: %s",
                 msg ? msg : "BEGIN failed");
        sqlite3_free(msg);
        return ZT_ERROR;
    }

    del = zt_wh_sqlite_prepare(w, "DELETE FROM daily_reports"
                                  " WHERE report_date = ?1"
                                  "   AND (?2 = '' OR meeting_id = ?2"
                                  "        OR meeting_uuid = ?2)");
    ins = zt_wh_sqlite_prepare(w, "INSERT INTO daily_reports VALUES (?, ?,"
                                  " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                                  " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (del == NULL || ins == NULL) {
        goto failed;
    }

    sqlite3_bind_text(del, 1, q->report_date, -1, SQLITE_STATIC);
    sqlite3_bind_text(del, 2, q->meeting ? q->meeting : "", -1,
                      SQLITE_STATIC);

    if (sqlite3_step(del) != SQLITE_DONE) {
        goto failed;
    }

    for (r = 0; r < n; r++) {
        sqlite3_reset(ins);

        for (i = 0; i < ZT_REPORT_NCOLS; i++) {
            if (rows[r].cells[i]) {
                sqlite3_bind_text(ins, i + 1, rows[r].cells[i], -1,
                                  SQLITE_STATIC);

            } else {
                sqlite3_bind_null(ins, i + 1);
            }
        }

        if (sqlite3_step(ins) != SQLITE_DONE) {
            goto failed;
        }
    }

    sqlite3_finalize(del);
    sqlite3_finalize(ins);

    if (sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(w->err, sizeof(w->err), "daily_reports: %s",
                 sqlite3_errmsg(w->db));
        (void) sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
        return ZT_ERROR;
    }

    return ZT_OK;

failed:

    if (w->err[0] == '\0') {
        snprintf(w->err, sizeof(w->err), "daily_reports: %s",
                 sqlite3_errmsg(w->db));
    }

    sqlite3_finalize(del);
    sqlite3_finalize(ins);
    (void) sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);

    return ZT_ERROR;
}


static const char *
zt_wh_sqlite_errmsg(void *wh)
{
    zt_wh_sqlite_t  *w = wh;

    return w->err;
}


static void
zt_wh_sqlite_close(void *wh)
{
    zt_wh_sqlite_t  *w = wh;

    if (w) {
        sqlite3_close(w->db);
        free(w);
    }
}


static sqlite3_stmt *
zt_wh_sqlite_prepare(zt_wh_sqlite_t *w, const char *sql)
{
    sqlite3_stmt  *stmt;

    if (sqlite3_prepare_v2(w->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        snprintf(w->err, sizeof(w->err), "%s", sqlite3_errmsg(w->db));
        return NULL;
    }

    return stmt;
}


static int
zt_wh_sqlite_fail(zt_wh_sqlite_t *w, sqlite3_stmt *stmt)
{
    snprintf(w->err, sizeof(w->err), "%s", sqlite3_errmsg(w->db));
    sqlite3_finalize(stmt);
    return ZT_ERROR;
}


static const char *
zt_wh_col(sqlite3_stmt *stmt, int i)
{
    const char  *s;

    s = (const char *) sqlite3_column_text(stmt, i);
    return s ? s : "";
}


/* the people of q's meetings with events from `zoomtrack reconcile` */
static int
zt_wh_sqlite_reconciled(void *wh, const zt_wh_query_t *q,
    zt_wh_reconciled_pt cb, void *data)
{
    int              rc;
    sqlite3_stmt    *stmt;
    zt_wh_sqlite_t  *w = wh;

    stmt = zt_wh_sqlite_prepare(w,
        "SELECT DISTINCT meeting_uuid, person_key FROM raw_events"
        " WHERE source = 'report_api'"
        "   AND event_date BETWEEN date(?1, '-1 day') AND date(?1, '+1 day')"
        "   AND (?2 = '' OR meeting_uuid = ?2 OR meeting_id = ?2)");
    if (stmt == NULL) {
        return ZT_ERROR;
    }

    sqlite3_bind_text(stmt, 1, q->report_date, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, q->meeting ? q->meeting : "", -1,
                      SQLITE_STATIC);

    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (cb(data, zt_wh_col(stmt, 0), zt_wh_col(stmt, 1)) != ZT_OK) {
            snprintf(w->err, sizeof(w->err), "out of memory");
            sqlite3_finalize(stmt);
            return ZT_ERROR;
        }
    }

    sqlite3_finalize(stmt);

    if (rc != SQLITE_DONE) {
        snprintf(w->err, sizeof(w->err), "raw_events: %s",
                 sqlite3_errmsg(w->db));
        return ZT_ERROR;
    }

    return ZT_OK;
}
