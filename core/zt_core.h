/*
 * zoomtrack core: pure C shared by the nginx module and the zoomtrack
 * binary.  Nothing here includes nginx headers, opens sockets, logs or keeps
 * global state: callers pass buffers and lengths, functions return a code and
 * at most a static reason string.
 */

#ifndef ZT_CORE_H
#define ZT_CORE_H


#include <stddef.h>
#include <stdint.h>


#define ZT_OK         0
#define ZT_ERROR     -1
#define ZT_RETRY     -2
#define ZT_DECLINED  -5


/* same layout as ngx_str_t, so the module can cast between them */
typedef struct {
    size_t           len;
    unsigned char   *data;
} zt_str_t;


#endif /* ZT_CORE_H */
