/*
 * Unit tests of the archive sink (zoomtrack/sinks/zt_sink_archive.c):
 * date, byte-exact bodies, idempotent redelivery, duplicates within a
 * batch, nothing but the final files in the day directory (nameless files
 * linked into place), item errors (no raw_payload, unsafe event_id), and
 * ZT_RETRY with nothing left behind when the directory cannot be made.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>

#include "zt_conf.h"
#include "zt_sink.h"
#include "zt_archive_path.h"
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


/* the names in a directory, sorted, space-separated (static buffer) */
static const char *
listing(const char *path)
{
    int              i, n;
    static char      out[1024];
    struct dirent  **names;

    out[0] = '\0';
    n = scandir(path, &names, NULL, alphasort);

    /* hidden names count: a temp file left behind must show */
    for (i = 0; i < n; i++) {
        if (strcmp(names[i]->d_name, ".") != 0
            && strcmp(names[i]->d_name, "..") != 0)
        {
            if (out[0]) {
                strncat(out, " ", sizeof(out) - strlen(out) - 1);
            }
            strncat(out, names[i]->d_name, sizeof(out) - strlen(out) - 1);
        }
        free(names[i]);
    }

    free(n >= 0 ? names : NULL);
    return out;
}


static void
items_free(zt_item_t *it, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        json_decref(it[i].rec);
    }
}


int
main(void)
{
    int         rc;
    char        dir[] = "/tmp/zt-unit-archive-XXXXXX", path[512];
    char        err[256], *s;
    void       *ctx;
    zt_conf_t  *conf;
    zt_item_t   it[5];
    mode_t      mask;
    struct stat st;

    mask = umask(022);
    umask(mask);

    if (mkdtemp(dir) == NULL) {
        ok(0, "mkdtemp");
        return done_testing();
    }

    setenv("ZOOMTRACK_DATA_DIR", dir, 1);
    setenv("ZOOMTRACK_TIMEZONE", "Asia/Tokyo", 1);
    conf = zt_conf_load(NULL, err, sizeof(err));

    is_int(zt_archive_dir(conf, path, sizeof(path)), ZT_OK, "archive dir");
    ok(strstr(path, "/raw") != NULL, "defaults to DATA/raw: %s", path);
    is_int(zt_archive_path("/a", "2021-07-14", "id-1", path, sizeof(path)),
           ZT_OK, "path");
    is_str(path, "/a/2021-07-14/id-1.json", "DIR/DAY/<id>.json");
    ok(zt_archive_id_ok("3f2b-AB_9"), "uuid-like id is safe");
    ok(!zt_archive_id_ok("../etc/passwd"), "traversal refused");
    ok(!zt_archive_id_ok(""), "empty refused");
    ok(!zt_archive_id_ok("a/b"), "slash refused");

    is_int(zt_sink_archive.init(conf, &ctx), ZT_OK, "init");

    /* 2021-07-13T21:44:51Z is the 14th in Tokyo */
    item(&it[0], "{\"event_id\":\"e1\",\"event_ts\":1626212691572,"
         "\"raw_payload\":\"{\\n  \\\"a\\\": \\\"\\u00e9\\\"\\n}\"}");
    item(&it[1], "{\"event_id\":\"e2\",\"event_ts\":1626212691572}");
    item(&it[2], "{\"event_id\":\"../../x\",\"event_ts\":1,"
         "\"raw_payload\":\"{}\"}");
    item(&it[3], "{\"event_id\":\"e1\",\"event_ts\":1626212691572,"
         "\"raw_payload\":\"other\"}");
    item(&it[4], "{\"event_id\":\"e3\",\"event_ts\":1626212691572,"
         "\"raw_payload\":\"\"}");

    rc = zt_sink_archive.write(ctx, it, 5);
    is_int(rc, ZT_OK, "write a batch");

    snprintf(path, sizeof(path), "%s/raw/2021-07-14/e1.json", dir);
    s = tap_slurp(path, NULL);
    is_str(s, "{\n  \"a\": \"\xc3\xa9\"\n}", "body byte-exact, local date");
    free(s);
    ok(it[0].error == NULL, "no error for a good record");
    is_str(it[1].error, "record has no raw_payload", "no raw_payload");
    is_str(it[2].error, "event_id is not usable as a file name",
           "unsafe id");
    ok(it[3].error == NULL, "duplicate in the batch is not an error");
    snprintf(path, sizeof(path), "%s/raw/2021-07-14/e3.json", dir);
    ok(stat(path, &st) == 0 && st.st_size == 0, "empty body is a file too");
    snprintf(path, sizeof(path), "%s/raw/2021-07-14/.e1.json.tmp", dir);
    ok(access(path, F_OK) != 0, "no temp file left");
    snprintf(path, sizeof(path), "%s/raw/2021-07-14", dir);
    is_str(listing(path), "e1.json e3.json", "the day holds the two files "
           "and nothing else");
    snprintf(path, sizeof(path), "%s/raw/2021-07-14/e1.json", dir);
    ok(stat(path, &st) == 0 && (st.st_mode & 0777) == (0644 & ~mask),
       "file mode 0644 less the umask");

    /* redelivery leaves the first copy */
    it[0].error = NULL;
    is_int(zt_sink_archive.write(ctx, &it[3], 1), ZT_OK, "redelivery");
    snprintf(path, sizeof(path), "%s/raw/2021-07-14/e1.json", dir);
    s = tap_slurp(path, NULL);
    is_str(s, "{\n  \"a\": \"\xc3\xa9\"\n}", "existing file kept");
    free(s);
    zt_sink_archive.exit(ctx);
    zt_conf_free(conf);

    /* the archive root under a regular file: retry, nothing half-done */
    snprintf(path, sizeof(path), "%s/blocker", dir);
    fclose(fopen(path, "w"));
    snprintf(path, sizeof(path), "%s/blocker/raw", dir);
    setenv("ZOOMTRACK_ARCHIVE_DIR", path, 1);
    conf = zt_conf_load(NULL, err, sizeof(err));
    is_int(zt_sink_archive.init(conf, &ctx), ZT_OK,
           "init does not need the directory");
    it[0].error = NULL;
    is_int(zt_sink_archive.write(ctx, it, 1), ZT_RETRY,
           "unwritable directory: ZT_RETRY");
    ok(it[0].error == NULL, "and no item error");
    zt_sink_archive.exit(ctx);
    zt_conf_free(conf);

    items_free(it, 5);

    snprintf(err, sizeof(err), "rm -rf %s", dir);
    (void) system(err);

    return done_testing();
}
