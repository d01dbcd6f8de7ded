/*
 * zt_bq internals shared by zt_bq.c (the client, calls, insertAll, the
 * parallel POSTs) and zt_bq_query.c (query jobs).  Not for other callers.
 */

#ifndef ZT_BQ_INT_H
#define ZT_BQ_INT_H


#include "zt_http.h"
#include "zt_gauth.h"
#include "zt_bq.h"


#define ZT_BQ_URL_MAX       4096
#define ZT_BQ_PAR_MAX       8


typedef struct {
    CURL               *c;
    struct curl_slist  *hdrs;
    zt_http_resp_t      resp;
} zt_bq_slot_t;


struct zt_bq_s {
    CURLM       *multi;
    zt_bq_slot_t slots[ZT_BQ_PAR_MAX];
    long         timeout_ms;
    int          retries;     /* of a transient answer, zt_bq_call() */
    char        *endpoint;
    char        *project;
    char        *dataset;
    char        *location;    /* the dataset's: every job runs there */
    zt_gauth_t  *auth;
    zt_http_t    http;
    char         authhdr[ZT_GAUTH_HEADER_MAX];
};


/*
 * One call, sent again after a 401 with a fresh token while tries last.
 * ZT_OK with *out, or ZT_RETRY/ZT_ERROR with e filled.
 */
int zt_bq_send(zt_bq_t *b, const char *method, const char *path,
    const char *data, int tries, json_t **out, zt_bq_err_t *e);

/* the wait before attempt + 1 after a transient answer, logged */
void zt_bq_backoff(zt_bq_t *b, const char *method, const char *path,
    int attempt, const zt_bq_err_t *e);


#endif /* ZT_BQ_INT_H */
