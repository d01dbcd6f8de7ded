/*
 * Unit tests of zoomtrack/lib/zt_conf.c: a key given twice in a section is
 * refused naming the key and both lines (also when inih takes an indented
 * line as a continuation of the key above it); the first error by line
 * is the one reported (a syntax error before an unknown key); a line
 * longer than inih's buffer is refused instead of being split; a section
 * the table does not know is refused, even with no key in it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zt_core.h"
#include "zt_conf.h"
#include "tap.h"


static char  path[] = "/tmp/test_zt_conf.XXXXXX";
static char  err[512];


/* loads text as a config file; the conf, or NULL with err set */
static zt_conf_t *
load(const char *text)
{
    FILE  *f;

    f = fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(path);
        exit(1);
    }

    err[0] = '\0';
    return zt_conf_load(path, err, sizeof(err));
}


static void
refused(const char *text, const char *want, const char *what)
{
    zt_conf_t  *conf;

    conf = load(text);
    ok(conf == NULL, "%s: refused", what);
    if (!ok(strstr(err, want) != NULL, "%s: says \"%s\"", what, want)) {
        printf("#   got: \"%s\"\n", err);
    }
    zt_conf_free(conf);
}


int
main(void)
{
    int         fd;
    char        line[400];
    int64_t     n;
    zt_conf_t  *conf;

    fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        return 1;
    }
    close(fd);

    conf = load("timezone = Asia/Tokyo\n[report]\ndir = /r\n[drain]\n"
                "batch_size = 3\n[report]\nbucket = b\n");
    ok(conf != NULL, "each key once (a section may come back): loaded");
    if (conf) {
        is_str(zt_conf_get(conf, "report", "dir"), "/r", "report.dir");
        is_str(zt_conf_get(conf, "report", "bucket"), "b", "report.bucket");
        is_str(zt_conf_get(conf, "", "timezone"), "Asia/Tokyo", "timezone");
    }
    zt_conf_free(conf);

    /* a number within bounds, else the key and value by name */
    conf = load("[roster]\nlate_after_mins = 20\nleft_early_mins = soon\n"
                "[camera]\nended_after_mins = -1\n");
    ok(conf != NULL, "numbers: loaded");
    if (conf) {
        ok(zt_conf_get_num(conf, "roster", "late_after_mins", &n, err,
                           sizeof(err)) == ZT_OK && n == 20,
           "a number within its range");
        ok(zt_conf_get_num(conf, "roster", "left_early_mins", &n, err,
                           sizeof(err)) == ZT_ERROR,
           "not a number: refused");
        is_str(err, "roster.left_early_mins \"soon\" must be 0..1440",
               "names the key and value");
        ok(zt_conf_get_num(conf, "camera", "ended_after_mins", &n, err,
                           sizeof(err)) == ZT_ERROR,
           "below its range: refused");
        is_str(err, "camera.ended_after_mins \"-1\" must be 0..10080",
               "names the key, value and range");
    }
    zt_conf_free(conf);

    /* check's pass over every key: the same limits as the commands */
    conf = load("[retention]\nraw_days =\n[chat]\nmax_lines = 501\n");
    ok(conf != NULL, "limits: loaded");
    if (conf) {
        ok(zt_conf_check_types(conf, err, sizeof(err)) == ZT_ERROR,
           "a number above its key's limit: refused by the check");
        is_str(err, "chat.max_lines \"501\" must be 1..500",
               "names the key, value and range");
    }
    zt_conf_free(conf);

    conf = load("[retention]\nraw_days =\n[chat]\nmax_lines = 500\n");
    ok(conf && zt_conf_check_types(conf, err, sizeof(err)) == ZT_OK,
       "an empty number whose default is empty (retention: forever), and "
       "a number at its limit: accepted");
    zt_conf_free(conf);

    refused("timezone = Europe/Berlin\ntimezone = Asia/Tokyo\n",
            "line 2: key \"timezone\" is given twice (first on line 1)",
            "a global key twice");

    refused("[drain]\nbatch_size = 1\n[report]\ndir = x\n[drain]\n"
            "batch_size = 2\n",
            "line 6: key \"batch_size\" in section [drain] is given twice "
            "(first on line 2)", "a key twice in a section come back");

    /* inih: "    bucket =" continues dir, which would read "bucket =" */
    refused("data_dir = /d\n[report]\n    dir = /r\n    bucket =\n",
            "line 4: key \"dir\" in section [report] is given twice "
            "(first on line 3); an indented line continues",
            "an indented line");

    refused("[drain\nbatch_size = 3\n", "syntax error on line 1",
            "a syntax error before an unknown key");

    refused("[drain]\nbogus = 1\n[drain\n",
            "line 2: unknown key \"bogus\" in section [drain]",
            "an unknown key before a syntax error");

    /* a misspelt section with no key of its own is refused too */
    refused("[drain]\nbatch_size = 3\n[retension]\n",
            "line 3: unknown section [retension]", "an empty unknown section");
    refused("[retension]\nraw_days = 3\n",
            "line 1: unknown section [retension]",
            "an unknown section, before its keys");

    memset(line, 'a', sizeof(line));
    memcpy(line, "data_dir = /", 12);
    memcpy(line + sizeof(line) - 2, "\n", 2);
    refused(line, "line 1 is longer than", "a line longer than inih's buffer");

    unlink(path);

    return done_testing();
}
