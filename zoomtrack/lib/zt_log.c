/*
 * zt_log: timestamped, levelled lines to stderr or a log file.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/time.h>

#include "zt_log.h"


static int    zt_log_max = ZT_LOG_INFO;
static FILE  *zt_log_file;

/*
 * per thread: errors and warnings go here instead of the log (capture), or
 * the first error goes here too (remember: zt_log_cap_pass)
 */
static __thread char  *zt_log_cap;
static __thread size_t zt_log_caplen;
static __thread int    zt_log_cap_pass;


static const char *
zt_log_name(int level)
{
    switch (level) {
    case ZT_LOG_ERR:
        return "error";
    case ZT_LOG_WARN:
        return "warn";
    case ZT_LOG_INFO:
        return "info";
    default:
        return "debug";
    }
}


void
zt_log(int level, const char *fmt, ...)
{
    FILE            *f;
    va_list          ap;
    struct tm        tm;
    struct timeval   tv;
    char             ts[32];

    if (zt_log_cap && level <= (zt_log_cap_pass ? ZT_LOG_ERR : ZT_LOG_WARN))
    {
        /* the first message is kept: it is usually the cause */
        if (zt_log_cap[0] == '\0') {
            va_start(ap, fmt);
            vsnprintf(zt_log_cap, zt_log_caplen, fmt, ap);
            va_end(ap);
        }

        if (!zt_log_cap_pass) {
            return;
        }
    }

    if (level > zt_log_max) {
        return;
    }

    f = zt_log_file ? zt_log_file : stderr;

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);

    /* one line per message even when several sink threads log at once */
    flockfile(f);

    fprintf(f, "%s.%03dZ [%s] ", ts, (int) (tv.tv_usec / 1000),
            zt_log_name(level));

    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);

    fputc('\n', f);
    fflush(f);

    funlockfile(f);
}


void
zt_log_set_level(int level)
{
    zt_log_max = level;
}


int
zt_log_level_from_name(const char *name)
{
    if (strcasecmp(name, "error") == 0) {
        return ZT_LOG_ERR;
    }
    if (strcasecmp(name, "warn") == 0) {
        return ZT_LOG_WARN;
    }
    if (strcasecmp(name, "info") == 0) {
        return ZT_LOG_INFO;
    }
    if (strcasecmp(name, "debug") == 0) {
        return ZT_LOG_DEBUG;
    }
    return -1;
}


int
zt_log_open(const char *path)
{
    FILE  *f;

    if (path == NULL || path[0] == '\0') {
        if (zt_log_file) {
            fclose(zt_log_file);
            zt_log_file = NULL;
        }
        return 0;
    }

    f = fopen(path, "a");
    if (f == NULL) {
        zt_log_error("cannot open log file \"%s\": %s", path,
                     strerror(errno));
        return -1;
    }

    if (zt_log_file) {
        fclose(zt_log_file);
    }
    zt_log_file = f;
    return 0;
}


void
zt_log_capture(char *buf, size_t len)
{
    zt_log_cap_pass = 0;

    if (buf && len) {
        buf[0] = '\0';
        zt_log_cap = buf;
        zt_log_caplen = len;

    } else {
        zt_log_cap = NULL;
        zt_log_caplen = 0;
    }
}


void
zt_log_remember(char *buf, size_t len)
{
    zt_log_capture(buf, len);
    zt_log_cap_pass = buf && len;
}
