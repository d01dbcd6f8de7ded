/*
 * Shared start-up of the subcommands (zt_cmd_util.h).
 */

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "zt_core.h"
#include "zt_time.h"
#include "zt_cmd_util.h"
#include "zt_fs.h"
#include "zt_log.h"


zt_conf_t *
zt_cmd_conf(const char *cmd, const char *path)
{
    char        err[512];
    zt_conf_t  *conf;

    conf = zt_conf_load(path, err, sizeof(err));
    if (conf == NULL) {
        fprintf(stderr, "zoomtrack %s: %s\n", cmd, err);
        return NULL;
    }

    /* [drain] file_mode and dir_mode: the modes of what this creates */
    if (zt_fs_modes_init(conf, err, sizeof(err)) != ZT_OK
        || zt_cmd_logging(conf, err, sizeof(err)) != ZT_OK)
    {
        fprintf(stderr, "zoomtrack %s: %s\n", cmd, err);
        zt_conf_free(conf);
        return NULL;
    }

    return conf;
}


int
zt_cmd_logging(const zt_conf_t *conf, char *err, size_t errlen)
{
    int          level;
    const char  *file;

    level = zt_cmd_log_level(conf, err, errlen);
    if (level < 0) {
        return ZT_ERROR;
    }

    file = zt_conf_get(conf, "", "log_file");
    if (zt_log_open(file) != ZT_OK) {
        snprintf(err, errlen, "cannot open log_file \"%s\"", file);
        return ZT_ERROR;
    }

    zt_log_set_level(level);
    return ZT_OK;
}


int
zt_cmd_log_level(const zt_conf_t *conf, char *err, size_t errlen)
{
    int          level;
    const char  *name;

    name = zt_conf_get(conf, "", "log_level");
    level = zt_log_level_from_name(name);

    if (level < 0) {
        snprintf(err, errlen, "log_level \"%s\": use error, warn, info or "
                 "debug", name);
    }

    return level;
}


void
zt_cmd_bad_option(const char *cmd, int c, char **argv)
{
    const char  *arg;

    /* the option's own word: optind has moved past it (and no value) */
    arg = argv[optind - 1];

    if (c == ':') {
        fprintf(stderr, "zoomtrack %s: option \"%s\" needs a value\n\n",
                cmd, arg);
        return;
    }

    /* an unknown letter inside a group such as -nx: name the letter */
    if (optopt && strncmp(arg, "--", 2) != 0) {
        fprintf(stderr, "zoomtrack %s: unknown option \"-%c\"\n\n", cmd,
                optopt);
        return;
    }

    fprintf(stderr, "zoomtrack %s: unknown option \"%s\"\n\n", cmd, arg);
}


void
zt_cmd_bad_word(const char *cmd, const char *arg, const char *const *valued)
{
    for ( ; valued && *valued; valued++) {
        if (strcmp(arg, *valued) == 0) {
            fprintf(stderr, "zoomtrack %s: option \"%s\" needs a value\n\n",
                    cmd, arg);
            return;
        }
    }

    fprintf(stderr, "zoomtrack %s: %s \"%s\"\n\n", cmd,
            arg[0] == '-' ? "unknown option" : "unexpected argument", arg);
}


/* -c and --config name the config file in every subcommand */
int
zt_cmd_is_config(const char *arg)
{
    return strcmp(arg, "-c") == 0 || strcmp(arg, "--config") == 0;
}


int
zt_cmd_words(const char *cmd, int argc, char **argv, const char *flag,
    int *on, const char **path)
{
    int  i;

    static const char *const  c_only[] = { "-c", "--config", NULL };

    *path = NULL;

    if (flag) {
        *on = 0;
    }

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            return ZT_DECLINED;
        }

        if (flag && strcmp(argv[i], flag) == 0) {
            *on = 1;
            continue;
        }

        if (zt_cmd_is_config(argv[i]) && i + 1 < argc) {
            *path = argv[++i];
            continue;
        }

        zt_cmd_bad_word(cmd, argv[i], c_only);
        return ZT_ERROR;
    }

    return ZT_OK;
}


int
zt_cmd_day(const char *cmd, const zt_conf_t *conf, const char *date,
    int64_t *start, int64_t *end)
{
    const char  *tz;

    tz = zt_conf_get(conf, "", "timezone");

    if (zt_time_day_bounds(date, tz, start, end) != ZT_OK) {
        fprintf(stderr, "zoomtrack %s: bad date \"%s\" (YYYY-MM-DD) or "
                "timezone \"%s\"\n", cmd, date, tz);
        return ZT_ERROR;
    }

    return ZT_OK;
}
