/*
 * zt_gcs internals shared by zt_gcs.c (the client, reads, lists, deletes)
 * and zt_gcs_put.c (the uploads on the curl multi handle).  Not for other
 * callers.
 */

#ifndef ZT_GCS_INT_H
#define ZT_GCS_INT_H


#include <curl/curl.h>

#include "zt_gcs.h"


#define ZT_GCS_URL_MAX    4096
#define ZT_GCS_ERRBODY    2048


/* one upload in flight: the easy handle is kept for the client's life */
typedef struct {
    CURL               *c;
    struct curl_slist  *hdrs;         /* only for a put's own content type */
    size_t              idx;          /* the put it carries, + 1; 0: free */
    size_t              errlen;
    char                errbody[ZT_GCS_ERRBODY];
    char                curlerr[CURL_ERROR_SIZE];
} zt_gcs_slot_t;


struct zt_gcs_s {
    char               *endpoint;
    char               *bucket;
    zt_gauth_t         *auth;           /* NULL: no auth (emulator) */
    long                timeout_ms;
    int                 retries;        /* of a transient get/list/delete */
    int                 inflight;
    CURLM              *multi;
    zt_gcs_slot_t      *slots;
    zt_http_t           http;           /* gets and lists */
    char                authhdr[ZT_GAUTH_HEADER_MAX];

    /* zt_gcs_put.c: the multi handle's sockets and timer */
    int                 epfd;
    int64_t             timer_at;       /* monotonic ms; -1: none */
    struct curl_slist  *hdrs;           /* application/json, authhdr */
};


/* refreshes g->authhdr ("" without auth) */
int zt_gcs_header(zt_gcs_t *g, char *err, size_t errlen);

/* the multi handle, its epoll set and the slots; ZT_ERROR: out of memory */
int zt_gcs_put_init(zt_gcs_t *g);
void zt_gcs_put_cleanup(zt_gcs_t *g);


#endif /* ZT_GCS_INT_H */
