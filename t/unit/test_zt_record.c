/*
 * Unit tests of zoomtrack/drain/zt_record.c: the fast reader of queue
 * records must read every record the module writes (every payload in
 * t/data/payloads, with a name full of escapes and non-ASCII) exactly as
 * jansson does, decline what it does not read, and never accept what
 * jansson refuses.  fuzz/fuzz_record.c checks the same on random bytes.
 *
 * With ZT_RECORD_CORPUS=DIR set it also writes the module's records there
 * (how fuzz/corpus/record was made).
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_event.h"
#include "zt_record.h"
#include "tap.h"


/* 1: the fast reader took s and agrees with jansson; 0: it declined and
 * zt_record_load() agrees with jansson; -1: they disagree */
static int
same(const char *s, size_t n)
{
    int      rc;
    json_t  *fast, *ref, *any;

    fast = zt_record_load_flat(s, n);
    ref = json_loadb(s, n, 0, NULL);
    any = zt_record_load(s, n);

    if (fast) {
        rc = (ref && json_equal(fast, ref)) ? 1 : -1;
    } else {
        rc = 0;
    }

    if ((any == NULL) != (ref == NULL) || (any && !json_equal(any, ref))) {
        rc = -1;
    }

    json_decref(fast);
    json_decref(ref);
    json_decref(any);

    return rc;
}


static void
module_records(const char *corpus)
{
    int             rc;
    char            path[512], *body, *rec;
    size_t          len, rlen;
    DIR            *d;
    FILE           *f;
    zt_event_t      ev;
    const char     *reason;
    struct dirent  *de;

    d = opendir("t/data/payloads");
    ok(d != NULL, "t/data/payloads opens");
    if (d == NULL) {
        return;
    }

    while ((de = readdir(d)) != NULL) {
        if (strstr(de->d_name, ".json") == NULL) {
            continue;
        }

        snprintf(path, sizeof(path), "t/data/payloads/%s", de->d_name);
        body = tap_slurp(path, &len);
        if (body == NULL) {
            continue;
        }

        memset(&ev, 0, sizeof(ev));
        rc = zt_event_parse((unsigned char *) body, len, &ev, &reason);
        if (rc == ZT_OK) {
            rec = zt_event_record(&ev, (unsigned char *) body, len,
                                  1626300000123LL, &rlen);
            is_int(same(rec, rlen), 1, "%s: the record is read fast, as "
                   "jansson reads it", de->d_name);

            if (corpus) {
                snprintf(path, sizeof(path), "%s/%s", corpus, de->d_name);
                f = fopen(path, "w");
                if (f) {
                    fwrite(rec, 1, rlen, f);
                    fclose(f);
                }
            }

            free(rec);
        }

        zt_event_free(&ev);
        free(body);
    }

    closedir(d);
}


int
main(void)
{
    size_t  i;

    static const char  *fast[] = {
        "{}",
        " {\"a\" : \"b\" ,\"n\":-12 , \"t\":true,\"f\":false,\"z\":null} \n",
        "{\"s\":\"\\\"q\\\" \\\\ \\/ \\b\\f\\n\\r\\t\"}",
        "{\"u\":\"\\u00e9\\u20ac\\u0041 \xc3\xa9 \xf0\x9f\x98\x80\"}",
        "{\"k\\u00e9y\":\"v\",\"k\\u00e9y\":\"last wins\"}",
        "{\"n\":0,\"m\":-0,\"big\":999999999999999999}",
        "{\"\":\"\"}",
    };

    static const char  *declined[] = {
        "{\"o\":{}}", "{\"a\":[1]}", "{\"r\":1.5}", "{\"e\":1e3}",
        "{\"big\":1234567890123456789}",
        "{\"huge\":-1234567890123456789012345}",
        "{\"s\":\"\\ud83d\\ude00\"}",                      /* a pair */
        "[1]", "\"s\"", "",
    };

    static const char  *invalid[] = {
        "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":1} x",
        "{\"a\":01}", "{\"a\":-}", "{\"a\":truex}", "{\"a\":tru}",
        "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\u0000\"}",
        "{\"a\":\"\\ud800\"}", "{\"a\":\"\x01\"}", "{\"a\":\"\xc3\"}",
        "{\"a\":\"\xc0\x80\"}", "{\"a\":\"\xed\xa0\x80\"}",
        "{\"a\":\"\xf4\x90\x80\x80\"}", "{\"a\":\"x\\u00e9\xa9\"}",
        "{\"a\":\"unterminated", "{\"a\" 1}", "{a:1}", "\xef\xbb\xbf{}",
    };

    for (i = 0; i < sizeof(fast) / sizeof(fast[0]); i++) {
        is_int(same(fast[i], strlen(fast[i])), 1, "read fast: %s", fast[i]);
    }

    for (i = 0; i < sizeof(declined) / sizeof(declined[0]); i++) {
        is_int(same(declined[i], strlen(declined[i])), 0,
               "declined, jansson reads it: %s", declined[i]);
    }

    for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        is_int(same(invalid[i], strlen(invalid[i])), 0,
               "declined, invalid for both: %s", invalid[i]);
        ok(zt_record_load(invalid[i], strlen(invalid[i])) == NULL,
           "invalid: %s", invalid[i]);
    }

    /* a NUL byte inside the length is a control character, not the end */
    is_int(same("{\"a\":\"x\0y\"}", 11), 0, "a raw NUL is declined");

    module_records(getenv("ZT_RECORD_CORPUS"));

    return done_testing();
}
