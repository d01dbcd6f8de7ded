/*
 * Unit tests of zoomtrack/sinks/zt_sink_warehouse.c: the schema is applied (all
 * sql/sqlite/0*.sql), rows carry the record's fields plus event_date in
 * the configured zone, person_key and gcs_path (a file, or the gs: URL
 * when the archive is on GCS), numeric ids become text,
 * INSERT OR IGNORE makes redelivery a no-op, and a locked database makes
 * write() answer ZT_RETRY with nothing half-written.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "zt_conf.h"
#include "zt_sink.h"
#include "tap.h"


static void
item(zt_item_t *it, const char *json)
{
    memset(it, 0, sizeof(zt_item_t));
    it->raw = json;
    it->len = strlen(json);
    it->rec = json_loads(json, 0, NULL);
    it->event_id = json_string_value(json_object_get(it->rec, "event_id"));
}


/* the first column of the first row as text (static buffer) */
static const char *
q1(sqlite3 *db, const char *sql)
{
    static char    buf[1024];
    sqlite3_stmt  *st;

    buf[0] = '\0';

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(buf, sizeof(buf), "ERR %s", sqlite3_errmsg(db));
        return buf;
    }

    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
        snprintf(buf, sizeof(buf), "%s",
                 (const char *) sqlite3_column_text(st, 0));
    }

    sqlite3_finalize(st);
    return buf;
}


int
main(void)
{
    char        dir[] = "/tmp/zt-unit-wh-XXXXXX", path[512], err[256];
    char        moved[600];
    void       *ctx;
    size_t      i;
    sqlite3    *db, *lock;
    zt_conf_t  *conf;
    zt_item_t   it[3];

    if (mkdtemp(dir) == NULL) {
        ok(0, "mkdtemp");
        return done_testing();
    }

    snprintf(path, sizeof(path), "%s/sub/dir", dir);
    setenv("ZOOMTRACK_DATA_DIR", path, 1);
    setenv("ZOOMTRACK_TIMEZONE", "America/Los_Angeles", 1);
    setenv("ZOOMTRACK_WAREHOUSE_BUSY_TIMEOUT_MS", "50", 1);
    conf = zt_conf_load(NULL, err, sizeof(err));

    is_int(zt_sink_warehouse.init(conf, &ctx), ZT_OK,
           "init creates the directories and the schema");

    item(&it[0], "{\"event_id\":\"e1\",\"event_type\":"
         "\"meeting.participant_joined\",\"event_ts\":1626230691572,"
         "\"event_timestamp\":\"2021-07-14T02:44:51.572Z\","
         "\"meeting_id\":1234567890,\"meeting_uuid\":\"u==\","
         "\"participant_id\":\"\",\"registrant_id\":\"\","
         "\"participant_email\":\"Jill@Example.COM\","
         "\"participant_name\":\"Jill\",\"action\":\"JOIN\","
         "\"raw_payload\":\"{\\\"x\\\":1}\",\"received_at\":\"r\"}");
    item(&it[1], "{\"event_id\":\"e2\",\"event_ts\":0}");
    item(&it[2], "{\"event_id\":\"e1\",\"event_type\":\"changed\","
         "\"event_ts\":1}");

    is_int(zt_sink_warehouse.write(ctx, it, 2), ZT_OK, "write");
    ok(it[0].error == NULL && it[1].error == NULL, "no item errors");

    snprintf(path, sizeof(path), "%s/sub/dir/zoomtrack.db", dir);
    is_int(sqlite3_open(path, &db), SQLITE_OK, "open the db");

    is_str(q1(db, "SELECT count(*) FROM raw_events"), "2", "two rows");
    is_str(q1(db, "SELECT event_date || '|' || event_timestamp || '|' || "
              "meeting_id || '|' || typeof(meeting_id) || '|' || "
              "person_key || '|' || action || '|' || raw_payload "
              "FROM raw_events WHERE event_id = 'e1'"),
           "2021-07-13|2021-07-14T02:44:51.572Z|1234567890|text|"
           "email:jill@example.com|JOIN|{\"x\":1}",
           "fields, local date, person_key, numeric id as text");
    snprintf(err, sizeof(err), "%s/sub/dir/raw/2021-07-13/e1.json", dir);
    is_str(q1(db, "SELECT gcs_path FROM raw_events WHERE event_id = 'e1'"),
           err, "gcs_path is the archive location");
    is_str(q1(db, "SELECT event_timestamp || '|' || raw_payload || '|' || "
              "person_key FROM raw_events WHERE event_id = 'e2'"),
           "1970-01-01T00:00:00.000Z||name:",
           "missing fields default to empty");
    is_str(q1(db, "SELECT count(*) FROM sqlite_master WHERE name IN "
              "('room_names', 'camera_minutes')"), "2",
           "the other 0*.sql files are applied too");
    is_str(q1(db, "PRAGMA journal_mode"), "wal", "WAL");

    /* redelivery: ignored */
    is_int(zt_sink_warehouse.write(ctx, &it[2], 1), ZT_OK, "redelivery");
    is_str(q1(db, "SELECT event_type FROM raw_events WHERE event_id = 'e1'"),
           "meeting.participant_joined", "first copy kept");

    /* a writer holding the database: retry, nothing written */
    sqlite3_open(path, &lock);
    sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    json_decref(it[2].rec);
    item(&it[2], "{\"event_id\":\"e3\",\"event_ts\":1}");
    is_int(zt_sink_warehouse.write(ctx, &it[2], 1), ZT_RETRY,
           "locked database: ZT_RETRY (after busy_timeout)");
    sqlite3_exec(lock, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(lock);
    is_str(q1(db, "SELECT count(*) FROM raw_events"), "2", "nothing written");
    is_int(zt_sink_warehouse.write(ctx, &it[2], 1), ZT_OK, "then it works");
    is_str(q1(db, "SELECT count(*) FROM raw_events"), "3", "three rows");
    sqlite3_close(db);

    /* the file removed while open (an operator's rm or mv): the next batch
     * goes into a new file at the path, not into the unlinked one */
    snprintf(moved, sizeof(moved), "%s.moved", path);
    is_int(rename(path, moved), 0, "the database moved away");
    json_decref(it[2].rec);
    item(&it[2], "{\"event_id\":\"e4\",\"event_ts\":1}");
    is_int(zt_sink_warehouse.write(ctx, &it[2], 1), ZT_OK,
           "a write after the move");
    is_int(sqlite3_open(path, &db), SQLITE_OK, "a database at the path");
    is_str(q1(db, "SELECT group_concat(event_id) FROM raw_events"), "e4",
           "holds the batch written after the move");
    sqlite3_close(db);

    zt_sink_warehouse.exit(ctx);

    for (i = 0; i < 3; i++) {
        json_decref(it[i].rec);
    }

    zt_conf_free(conf);

    /* the archive on GCS: gcs_path is the object's gs: URL */
    setenv("ZOOMTRACK_ARCHIVE_BACKEND", "gcs", 1);
    setenv("ZOOMTRACK_ARCHIVE_BUCKET", "zt-raw", 1);
    setenv("ZOOMTRACK_ARCHIVE_PREFIX", "events/", 1);
    conf = zt_conf_load(NULL, err, sizeof(err));
    is_int(zt_sink_warehouse.init(conf, &ctx), ZT_OK, "init, archive on GCS");
    item(&it[0], "{\"event_id\":\"e5\",\"event_ts\":1626230691572}");
    is_int(zt_sink_warehouse.write(ctx, it, 1), ZT_OK, "write");
    is_int(sqlite3_open(path, &db), SQLITE_OK, "open the db");
    is_str(q1(db, "SELECT gcs_path FROM raw_events WHERE event_id = 'e5'"),
           "gs://zt-raw/events/2021-07-13/e5.json",
           "gcs_path is the object's URL when the archive is on GCS");
    sqlite3_close(db);
    zt_sink_warehouse.exit(ctx);
    json_decref(it[0].rec);
    zt_conf_free(conf);
    unsetenv("ZOOMTRACK_ARCHIVE_BACKEND");

    setenv("ZOOMTRACK_WAREHOUSE_SYNCHRONOUS", "sometimes", 1);
    conf = zt_conf_load(NULL, err, sizeof(err));
    is_int(zt_sink_warehouse.init(conf, &ctx), ZT_ERROR,
           "bad synchronous refused");
    zt_conf_free(conf);

    snprintf(err, sizeof(err), "rm -rf %s", dir);
    (void) system(err);

    return done_testing();
}
