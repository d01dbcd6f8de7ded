/*
 * Fuzz target: the readers of Zoom's JSON answers in `zoomtrack camera`:
 * the OAuth token response and error bodies (zoomtrack/zoom/zt_zoom_api.c)
 * and the past-meeting QOS pages and pre-assigned breakout rooms
 * (zoomtrack/zoom/zt_camera_qos.c and zt_camera_rooms.c, storing through
 * the SQLite store).  Those readers are static functions, so this file
 * includes the sources (the Makefile leaves their objects out of this
 * link) and stands in for the HTTP call: zt_http_request() answers with
 * the fuzzed body.  Byte 0 picks the reader, the rest is the body.
 *
 * Invariants: a token is taken only from a non-empty access_token string,
 * and a refusal is an authentication failure whose message holds no client
 * secret (unless the answer itself did); an error body always leaves a
 * NUL-terminated message; the QOS pages land as whole minutes with
 * camera_on 0 or 1, and storing the same pages twice gives the same rows;
 * pre-assigned rooms are stored with lower-cased emails.
 */

#include <jansson.h>
#include <sqlite3.h>

#include "fuzz.h"

#define zt_http_request  fuzz_http_request
#include "zt_zoom_api.c"
#undef zt_http_request
#include "zt_camera_qos.c"
#include "zt_camera_rooms.c"
#include "zt_camera_sqlite.c"


#define FUZZ_SECRET  "s3cr3t-client-secret"


static const uint8_t  *fuzz_body;
static size_t          fuzz_len;
static long            fuzz_status;
static zt_camera_t     fuzz_cam;
static sqlite3        *fuzz_db;        /* the store's connection */


int
fuzz_http_request(zt_http_t *h, const char *method, const char *url,
    const char *const *headers, const char *body, zt_http_resp_t *resp,
    const char *what)
{
    memset(resp, 0, sizeof(zt_http_resp_t));
    resp->status = fuzz_status;
    resp->body = malloc(fuzz_len + 1);
    FUZZ_CHECK(resp->body != NULL, "memory");
    memcpy(resp->body, fuzz_body, fuzz_len);
    resp->body[fuzz_len] = '\0';
    resp->len = fuzz_len;

    return fuzz_status >= 200 && fuzz_status < 300 ? ZT_OK : ZT_ERROR;
}


/* at exit, so valgrind (the replay test) sees no lost blocks */
static void
fuzz_cleanup(void)
{
    zt_cam_sq_close(fuzz_cam.st);
    free(fuzz_cam.rows);
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char        err[512];
    zt_conf_t  *conf;

    zt_log_set_level(0);

    setenv("ZOOMTRACK_WAREHOUSE_PATH", ":memory:", 1);
    conf = zt_conf_load(NULL, err, sizeof(err));
    FUZZ_CHECK(conf != NULL, "conf");
    fuzz_cam.ops = &zt_camera_store_sqlite;
    fuzz_cam.st = zt_cam_sq_open(conf, err, sizeof(err));
    FUZZ_CHECK(fuzz_cam.st != NULL, "in-memory warehouse");
    fuzz_db = ((zt_cam_sq_t *) fuzz_cam.st)->db;
    zt_conf_free(conf);

    FUZZ_CHECK(sqlite3_exec(fuzz_db,
        "INSERT INTO raw_events (event_id, event_date, event_type,"
        " event_timestamp, event_ts, meeting_uuid, participant_uuid,"
        " participant_email, participant_name, person_key, raw_payload,"
        " inserted_at) VALUES ('e1', '2026-02-03', 'x', 't', 1,"
        " 'm==', 'PU-1', 'ann@example.com', 'Ann', 'id:uA', '{}', 't')",
        NULL, NULL, NULL) == SQLITE_OK, "a known participant");

    atexit(fuzz_cleanup);

    return 0;
}


static void
fuzz_token(void)
{
    int            rc;
    zt_zoom_t      z;
    zt_zoom_err_t  e;

    memset(&z, 0, sizeof(zt_zoom_t));
    memset(&e, 0, sizeof(zt_zoom_err_t));
    z.account_id = "acct";
    z.client_id = "client";
    z.client_secret = FUZZ_SECRET;

    rc = zt_zoom_fetch_token(&z, &e);

    if (rc == ZT_OK) {
        FUZZ_CHECK(z.token != NULL && z.token[0] != '\0', "a token");
        FUZZ_CHECK(z.token_expires > zt_time_now_ms(), "expires later");

    } else {
        FUZZ_CHECK(z.token == NULL, "no token");
        FUZZ_CHECK(e.auth, "an authentication failure");
        /* fuzz/regress/zoom_json/empty-error-message */
        FUZZ_CHECK(e.message[0] != '\0', "the log line says why");
    }

    /* unless the server itself sent it back */
    FUZZ_CHECK(strstr(e.message, FUZZ_SECRET) == NULL
               || memmem(fuzz_body, fuzz_len, FUZZ_SECRET,
                         sizeof(FUZZ_SECRET) - 1) != NULL, "no secret");
    free(z.token);
}


static void
fuzz_error_body(void)
{
    zt_zoom_err_t   e;
    zt_http_resp_t  resp;

    memset(&resp, 0, sizeof(resp));
    resp.status = fuzz_status;
    resp.body = (char *) fuzz_body;
    resp.len = fuzz_len;

    zt_zoom_error_body(&resp, &e);

    FUZZ_CHECK(memchr(e.message, '\0', sizeof(e.message)) != NULL,
               "message terminated");
    FUZZ_CHECK(e.status == fuzz_status, "status kept");
}


/* camera_minutes of the fuzz meeting as text, checking each row */
static char *
fuzz_minutes(void)
{
    char          *out;
    FILE          *f;
    size_t         len;
    sqlite3_stmt  *st;

    FUZZ_CHECK(sqlite3_prepare_v2(fuzz_db,
        "SELECT person_key, minute_ts, camera_on FROM camera_minutes"
        " WHERE meeting_uuid = 'm==' ORDER BY 1, 2", -1, &st, NULL)
        == SQLITE_OK, "select");

    out = NULL;
    f = open_memstream(&out, &len);
    FUZZ_CHECK(f != NULL, "memstream");

    while (sqlite3_step(st) == SQLITE_ROW) {
        FUZZ_CHECK(sqlite3_column_int64(st, 1) % 60000 == 0,
                   "whole minutes");
        FUZZ_CHECK(sqlite3_column_int(st, 2) == 0
                   || sqlite3_column_int(st, 2) == 1, "camera_on 0/1");
        fprintf(f, "%s %lld %d\n", sqlite3_column_text(st, 0),
                (long long) sqlite3_column_int64(st, 1),
                sqlite3_column_int(st, 2));
    }

    sqlite3_finalize(st);
    fclose(f);

    return out;
}


/* what zt_camera_meeting does with the pages Zoom gives */
static int
fuzz_store(json_t *pages)
{
    size_t   i;
    json_t  *page;

    zt_camera_rows_clear(&fuzz_cam);
    fuzz_cam.meeting_uuid = "m==";
    fuzz_cam.meeting_participants = 0;
    fuzz_cam.meeting_minutes = fuzz_cam.minutes;

    json_array_foreach(pages, i, page) {
        if (zt_camera_page(&fuzz_cam, page) != ZT_OK) {
            zt_camera_rows_clear(&fuzz_cam);
            return ZT_ERROR;
        }
    }

    return zt_camera_store(&fuzz_cam, "m==");
}


static void
fuzz_qos(json_t *j)
{
    char    *a, *b;
    json_t  *pages;

    if (json_is_array(j)) {
        pages = json_incref(j);
    } else {
        pages = json_array();
        json_array_append(pages, j);
    }

    FUZZ_CHECK(fuzz_store(pages) == ZT_OK, "QOS stored");
    a = fuzz_minutes();
    FUZZ_CHECK(fuzz_store(pages) == ZT_OK, "QOS stored again");
    b = fuzz_minutes();
    FUZZ_CHECK(strcmp(a, b) == 0, "storing twice gives the same rows");

    free(a);
    free(b);
    json_decref(pages);
}


static void
fuzz_rooms(json_t *j)
{
    sqlite3_stmt  *st;
    const char    *em;

    FUZZ_CHECK(zt_camera_store_rooms(&fuzz_cam, "111",
                   json_object_get(json_object_get(json_object_get(j,
                       "settings"), "breakout_room"), "rooms"))
               == ZT_OK, "rooms stored");

    FUZZ_CHECK(sqlite3_prepare_v2(fuzz_db, "SELECT email FROM"
                   " preassigned_rooms WHERE meeting_id = '111'", -1, &st,
                   NULL) == SQLITE_OK, "select");
    while (sqlite3_step(st) == SQLITE_ROW) {
        em = (const char *) sqlite3_column_text(st, 0);
        for ( /* void */ ; *em; em++) {
            FUZZ_CHECK(*em < 'A' || *em > 'Z', "emails lower-cased");
        }
    }
    sqlite3_finalize(st);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t  *j;

    if (size < 1) {
        return 0;
    }

    fuzz_body = data + 1;
    fuzz_len = size - 1;
    fuzz_status = data[0] & 0x80 ? 400 + (data[0] & 0x3f) : 200;

    switch (data[0] & 3) {

    case 0:
        fuzz_token();
        break;

    case 1:
        fuzz_error_body();
        break;

    default:
        j = json_loadb((const char *) fuzz_body, fuzz_len, 0, NULL);
        if (j == NULL) {
            break;
        }
        if ((data[0] & 3) == 2) {
            fuzz_qos(j);
        } else {
            fuzz_rooms(j);
        }
        json_decref(j);
        break;
    }

    return 0;
}
