/*
 * What every subcommand does before its work: load the configuration, set
 * the modes of the files it creates, open the log at its level, turn
 * --date into the local day's bounds.  Each prints "zoomtrack CMD: why"
 * on stderr when it fails; the caller exits 2.
 */

#ifndef ZT_CMD_UTIL_H
#define ZT_CMD_UTIL_H


#include <stdint.h>

#include "zt_conf.h"


/*
 * the configuration (path NULL: defaults and environment), the modes of
 * created files set from it (zt_fs_modes_init), log opened
 */
zt_conf_t *zt_cmd_conf(const char *cmd, const char *path);

/*
 * The message for what getopt_long() returned instead of an option: '?',
 * an unknown option, or ':', an option missing its value (optstring must
 * start with ':' for that).  Names the flag, as every usage error does.
 */
void zt_cmd_bad_option(const char *cmd, int c, char **argv);

/*
 * The same messages for the commands that read argv by hand: arg is the
 * word none of their cases took; valued (NULL-terminated) are the options
 * that take a value, so one of them here is one whose value is missing.
 */
void zt_cmd_bad_word(const char *cmd, const char *arg,
    const char *const *valued);

/* 1 for "-c" and "--config": the config file's option in every command */
int zt_cmd_is_config(const char *arg);

/*
 * The words of a command taking only "-c FILE" (or "--config FILE") and,
 * when flag is not
 * NULL, that flag (*on 1 if given): ZT_OK with *path (NULL: none),
 * ZT_DECLINED for -h or --help, ZT_ERROR with the bad word named on
 * stderr (zt_cmd_bad_word).
 */
int zt_cmd_words(const char *cmd, int argc, char **argv, const char *flag,
    int *on, const char **path);

/*
 * log_file opened and log_level set (at start, and again on the drainer's
 * SIGHUP); ZT_ERROR with err naming the key at fault
 */
int zt_cmd_logging(const zt_conf_t *conf, char *err, size_t errlen);

/*
 * The configured log_level as a zt_log level, or -1 with err naming the
 * key and value: a typo must not silence every line, errors included.
 */
int zt_cmd_log_level(const zt_conf_t *conf, char *err, size_t errlen);

/* [start, end) of the local day date in `timezone`; ZT_OK or ZT_ERROR */
int zt_cmd_day(const char *cmd, const zt_conf_t *conf, const char *date,
    int64_t *start, int64_t *end);


#endif /* ZT_CMD_UTIL_H */
