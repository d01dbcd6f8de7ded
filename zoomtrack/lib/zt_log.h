/*
 * Logging for the zoomtrack binary: one line per message on stderr (or the
 * file given by log_file), prefixed with an ISO time and nginx's level names.
 * Never pass secrets, tokens or bodies to these functions.
 */

#ifndef ZT_LOG_H
#define ZT_LOG_H


#include <stddef.h>


#define ZT_LOG_ERR    3
#define ZT_LOG_WARN   4
#define ZT_LOG_INFO   6
#define ZT_LOG_DEBUG  7


void zt_log(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void zt_log_set_level(int level);
int zt_log_level_from_name(const char *name);

/* (re)opens path for appending; NULL or "" means stderr.  For SIGHUP. */
int zt_log_open(const char *path);

/*
 * Capture (per thread): from now on the first error or warning this thread
 * logs is written into buf (NUL-terminated) instead of the log, and later
 * ones are dropped, until zt_log_capture(NULL, 0).  The drain engine wraps
 * a sink's write() in it, to log the cause once beside its retry decision.
 */
void zt_log_capture(char *buf, size_t len);

/*
 * Like zt_log_capture(), but everything is still logged: the first error
 * is also copied into buf (the reason `zoomtrack status` shows for a sink
 * that cannot start).  Ended by zt_log_capture(NULL, 0).
 */
void zt_log_remember(char *buf, size_t len);


#define zt_log_error(...)  zt_log(ZT_LOG_ERR, __VA_ARGS__)
#define zt_log_warn(...)   zt_log(ZT_LOG_WARN, __VA_ARGS__)
#define zt_log_info(...)   zt_log(ZT_LOG_INFO, __VA_ARGS__)
#define zt_log_debug(...)  zt_log(ZT_LOG_DEBUG, __VA_ARGS__)


#endif /* ZT_LOG_H */
