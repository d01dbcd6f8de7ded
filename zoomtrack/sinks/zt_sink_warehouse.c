/*
 * The warehouse sink: one raw_events row per event in a local SQLite file
 * (WAL, so the report can read while we write).  The schema is every
 * embedded sql/sqlite/0*.sql file, applied in name order at start.  A batch
 * is one transaction of INSERT OR IGNORE through one prepared statement, so
 * redelivered events are dropped by the event_id primary key.  gcs_path is
 * where the configured archive keeps (or would keep) the raw body: a
 * gs: URL when the archive is on GCS (zt_archive_where).  The file is
 * opened again when the one at its path is no longer the one open (removed
 * or replaced), so no batch is committed into an unlinked file.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "zt_event.h"
#include "zt_time.h"
#include "zt_db.h"
#include "zt_log.h"
#include "zt_sink.h"
#include "zt_record.h"
#include "zt_archive_path.h"


#define ZT_WH_PATH         4096


typedef struct {
    const zt_conf_t  *conf;          /* the engine's, for the process */
    sqlite3        *db;
    sqlite3_stmt   *ins;
    dev_t           dev;             /* the file open, as stat() saw it */
    ino_t           ino;
    char           *tz;
    char            path[ZT_WH_PATH];
    zt_archive_where_t  where;       /* each row's gcs_path */
} zt_warehouse_t;


/* the columns in the order of the INSERT */
enum {
    ZT_WH_EVENT_ID = 1,
    ZT_WH_EVENT_DATE,
    ZT_WH_EVENT_TYPE,
    ZT_WH_EVENT_TIMESTAMP,
    ZT_WH_EVENT_TS,
    ZT_WH_ACCOUNT_ID,
    ZT_WH_MEETING_ID,
    ZT_WH_MEETING_UUID,
    ZT_WH_PARTICIPANT_ID,
    ZT_WH_PARTICIPANT_USER_ID,
    ZT_WH_PARTICIPANT_UUID,
    ZT_WH_PARENT_USER_ID,
    ZT_WH_REGISTRANT_ID,
    ZT_WH_PARTICIPANT_NAME,
    ZT_WH_PARTICIPANT_EMAIL,
    ZT_WH_PERSON_KEY,
    ZT_WH_BREAKOUT_ROOM_UUID,
    ZT_WH_ACTION,
    ZT_WH_LEAVE_REASON,
    ZT_WH_RAW_PAYLOAD,
    ZT_WH_GCS_PATH,
    ZT_WH_RECEIVED_AT,
    ZT_WH_INSERTED_AT,
    ZT_WH_SOURCE
};


/* record fields copied as they are, with their bind index */
static const struct {
    const char  *key;
    int          col;
} zt_wh_fields[] = {
    { "event_type", ZT_WH_EVENT_TYPE },
    { "account_id", ZT_WH_ACCOUNT_ID },
    { "meeting_id", ZT_WH_MEETING_ID },
    { "meeting_uuid", ZT_WH_MEETING_UUID },
    { "participant_id", ZT_WH_PARTICIPANT_ID },
    { "participant_user_id", ZT_WH_PARTICIPANT_USER_ID },
    { "participant_uuid", ZT_WH_PARTICIPANT_UUID },
    { "parent_user_id", ZT_WH_PARENT_USER_ID },
    { "registrant_id", ZT_WH_REGISTRANT_ID },
    { "participant_name", ZT_WH_PARTICIPANT_NAME },
    { "participant_email", ZT_WH_PARTICIPANT_EMAIL },
    { "breakout_room_uuid", ZT_WH_BREAKOUT_ROOM_UUID },
    { "action", ZT_WH_ACTION },
    { "leave_reason", ZT_WH_LEAVE_REASON },
    { "raw_payload", ZT_WH_RAW_PAYLOAD },
    { "received_at", ZT_WH_RECEIVED_AT },
};

#define ZT_WH_NFIELDS  (sizeof(zt_wh_fields) / sizeof(zt_wh_fields[0]))


static const char  zt_wh_insert[] =
    "INSERT OR IGNORE INTO raw_events (event_id, event_date, event_type, "
    "event_timestamp, event_ts, account_id, meeting_id, meeting_uuid, "
    "participant_id, participant_user_id, participant_uuid, parent_user_id, "
    "registrant_id, participant_name, participant_email, person_key, "
    "breakout_room_uuid, action, leave_reason, raw_payload, gcs_path, "
    "received_at, inserted_at, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";


static int zt_warehouse_init(const zt_conf_t *conf, void **ctx);
static int zt_warehouse_open(zt_warehouse_t *w);
static void zt_warehouse_close(zt_warehouse_t *w);
static int zt_warehouse_same_file(const zt_warehouse_t *w);
static int zt_warehouse_write(void *ctx, zt_item_t *items, size_t n);
static void zt_warehouse_exit(void *ctx);
static int zt_warehouse_exec(zt_warehouse_t *w, const char *sql,
    const char *what);
static int zt_warehouse_row(zt_warehouse_t *w, zt_item_t *it,
    const char *now);


const zt_sink_t  zt_sink_warehouse = {
    "warehouse",
    zt_warehouse_init,
    zt_warehouse_write,
    NULL,
    zt_warehouse_exit,
    NULL                    /* prepare */
};


static int
zt_warehouse_init(const zt_conf_t *conf, void **ctx)
{
    int              rc;
    char             day[16];
    zt_warehouse_t  *w;

    w = calloc(1, sizeof(zt_warehouse_t));
    if (w == NULL) {
        zt_log_error("out of memory");
        return ZT_ERROR;
    }

    *ctx = w;

    w->conf = conf;
    w->tz = strdup(zt_conf_get(conf, "", "timezone"));

    if (w->tz == NULL
        || zt_conf_get_path(conf, "warehouse", "path", "zoomtrack.db",
                            w->path, sizeof(w->path))
           != ZT_OK
        || zt_archive_where_init(&w->where, conf) != ZT_OK)
    {
        zt_log_error("[sink:warehouse] a path or [archive] value is too "
                     "long");
        goto failed;
    }

    if (zt_time_local_date(0, w->tz, day) != ZT_OK) {
        zt_log_error("[sink:warehouse] unknown timezone \"%s\"", w->tz);
        goto failed;
    }

    rc = zt_warehouse_open(w);
    if (rc != ZT_OK) {
        zt_warehouse_exit(w);
        *ctx = NULL;
        return rc;
    }

    return ZT_OK;

failed:

    zt_warehouse_exit(w);
    *ctx = NULL;
    return ZT_ERROR;
}


static int
zt_warehouse_open(zt_warehouse_t *w)
{
    int          rc;
    char         err[512];
    struct stat  st;

    rc = zt_db_open(w->conf, &w->db, err, sizeof(err));
    if (rc != ZT_OK) {
        zt_log_error("[sink:warehouse] %s", err);
        return rc;
    }

    rc = sqlite3_prepare_v2(w->db, zt_wh_insert, -1, &w->ins, NULL);
    if (rc != SQLITE_OK) {
        zt_log_error("[sink:warehouse] cannot prepare the insert: %s",
                     sqlite3_errmsg(w->db));
        return ZT_RETRY;
    }

    if (stat(w->path, &st) != 0) {
        zt_log_error("[sink:warehouse] cannot stat \"%s\": %s", w->path,
                     strerror(errno));
        return ZT_RETRY;
    }

    w->dev = st.st_dev;
    w->ino = st.st_ino;

    return ZT_OK;
}


/* closing the last connection checkpoints and removes the WAL file */
static void
zt_warehouse_close(zt_warehouse_t *w)
{
    sqlite3_finalize(w->ins);
    w->ins = NULL;

    if (w->db && sqlite3_close(w->db) != SQLITE_OK) {
        zt_log_error("[sink:warehouse] close failed: %s",
                     sqlite3_errmsg(w->db));
    }

    w->db = NULL;
}


/* whether the file at path is still the one we have open */
static int
zt_warehouse_same_file(const zt_warehouse_t *w)
{
    struct stat  st;

    return stat(w->path, &st) == 0 && st.st_dev == w->dev
           && st.st_ino == w->ino;
}


static void
zt_warehouse_exit(void *ctx)
{
    zt_warehouse_t  *w = ctx;

    if (w == NULL) {
        return;
    }

    zt_warehouse_close(w);

    free(w->tz);
    free(w);
}


static int
zt_warehouse_exec(zt_warehouse_t *w, const char *sql, const char *what)
{
    char  *msg;

    msg = NULL;

    if (sqlite3_exec(w->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        zt_log_error("[sink:warehouse] %s failed on \"%s\": %s", what,
                     w->path, msg ? msg : sqlite3_errmsg(w->db));
        sqlite3_free(msg);
        return ZT_ERROR;
    }

    return ZT_OK;
}


static int
zt_warehouse_write(void *ctx, zt_item_t *items, size_t n)
{
    int              rc;
    char             now[ZT_RFC3339_LEN + 1];
    size_t           i;
    zt_warehouse_t  *w = ctx;

    zt_time_rfc3339(zt_time_now_ms(), now);

    /* an operator's rm, mv or restore: what we would commit into the file
     * still open would be acked and read by nobody */
    if (w->db == NULL || !zt_warehouse_same_file(w)) {
        if (w->db) {
            zt_log_error("[sink:warehouse] \"%s\" was removed or replaced "
                         "while open: opening it again", w->path);
            zt_warehouse_close(w);
        }

        if (zt_warehouse_open(w) != ZT_OK) {
            zt_warehouse_close(w);
            return ZT_RETRY;
        }
    }

    if (zt_warehouse_exec(w, "BEGIN IMMEDIATE", "BEGIN") != ZT_OK) {
        return ZT_RETRY;
    }

    for (i = 0; i < n; i++) {
        rc = zt_warehouse_row(w, &items[i], now);
        if (rc != ZT_OK) {
            (void) zt_warehouse_exec(w, "ROLLBACK", "ROLLBACK");
            return rc == ZT_SPLIT ? ZT_SPLIT : ZT_RETRY;
        }
    }

    if (zt_warehouse_exec(w, "COMMIT", "COMMIT") != ZT_OK) {
        (void) zt_warehouse_exec(w, "ROLLBACK", "ROLLBACK");
        return ZT_RETRY;
    }

    return ZT_OK;
}


/*
 * binds and inserts one record; ZT_SPLIT when the database rejects this
 * record (constraint, datatype, size), ZT_ERROR on a database failure
 */
static int
zt_warehouse_row(zt_warehouse_t *w, zt_item_t *it, const char *now)
{
    int            rc;
    char           day[16], ts[ZT_RFC3339_LEN + 1], key[512];
    char           gcs[ZT_WH_PATH], num[ZT_WH_NFIELDS][32];
    size_t         i, len;
    int64_t        ms;
    json_t        *v;
    const char    *s, *ets;
    sqlite3_stmt  *st = w->ins;

    v = json_object_get(it->rec, "event_ts");
    ets = zt_record_text(it->rec, "event_timestamp", ts, 0, &len);

    if (json_is_integer(v)) {
        ms = json_integer_value(v);

    } else {
        ms = ets[0] ? zt_time_parse_iso(ets) : 0;
        ms = ms < 0 ? 0 : ms;
    }

    if (ets[0] == '\0') {
        zt_time_rfc3339(ms, ts);
        ets = ts;
    }

    if (zt_time_local_date(ms, w->tz, day) != ZT_OK) {
        snprintf(day, sizeof(day), "1970-01-01");
    }

    (void) zt_archive_where(&w->where, day, it->event_id, gcs, sizeof(gcs));

    sqlite3_bind_text(st, ZT_WH_EVENT_ID, it->event_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, ZT_WH_EVENT_DATE, day, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, ZT_WH_EVENT_TIMESTAMP, ets, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, ZT_WH_EVENT_TS, ms);
    sqlite3_bind_text(st, ZT_WH_GCS_PATH, gcs, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, ZT_WH_INSERTED_AT, now, -1, SQLITE_STATIC);

    for (i = 0; i < ZT_WH_NFIELDS; i++) {
        s = zt_record_text(it->rec, zt_wh_fields[i].key, num[i],
                           sizeof(num[i]), &len);
        sqlite3_bind_text(st, zt_wh_fields[i].col, s, (int) len,
                          SQLITE_STATIC);
    }

    zt_person_key(
        zt_record_text(it->rec, "participant_id", NULL, 0, &len),
        zt_record_text(it->rec, "registrant_id", NULL, 0, &len),
        zt_record_text(it->rec, "participant_email", NULL, 0, &len),
        zt_record_text(it->rec, "participant_name", NULL, 0, &len),
        key, sizeof(key));
    sqlite3_bind_text(st, ZT_WH_PERSON_KEY, key, -1, SQLITE_TRANSIENT);

    /* the module's records carry no source: they are webhooks */
    s = zt_record_text(it->rec, "source", NULL, 0, &len);
    sqlite3_bind_text(st, ZT_WH_SOURCE, s[0] ? s : "webhook", -1,
                      SQLITE_STATIC);

    rc = sqlite3_step(st);

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);

    if (rc != SQLITE_DONE) {
        zt_log_error("[sink:warehouse] insert of \"%s\" failed: %s",
                     it->event_id, sqlite3_errmsg(w->db));

        /* fails again on every retry: the engine isolates the record */
        rc &= 0xff;
        return (rc == SQLITE_CONSTRAINT || rc == SQLITE_MISMATCH
                || rc == SQLITE_TOOBIG) ? ZT_SPLIT : ZT_ERROR;
    }

    return ZT_OK;
}


