/*
 * zt_http: a small libcurl easy wrapper for the Zoom API client.  One
 * attempt is zt_http_perform(); what follows a failed attempt (Retry-After
 * or capped exponential backoff with jitter, up to max_retries) is decided
 * by zt_http_retry_wait(), so a caller that must redo work between attempts
 * (refresh an OAuth token) owns its loop, and zt_http_request() is that
 * loop for simple callers.  Status classes follow STYLE.md 3.5: 2xx ZT_OK;
 * 4xx except 408/429 ZT_ERROR; 5xx, 408, 429 and transport errors ZT_RETRY.
 * Nothing here logs headers or bodies: they may carry credentials.
 */

#ifndef ZT_HTTP_H
#define ZT_HTTP_H


#include <curl/curl.h>

#include "zt_core.h"


#define ZT_HTTP_BODY_MAX         (64 * 1024 * 1024)
#define ZT_HTTP_BACKOFF_BASE_MS  500
#define ZT_HTTP_BACKOFF_CAP_MS   30000
/* a Retry-After further away than this (a daily limit) is not waited for */
#define ZT_HTTP_RETRY_AFTER_MAX_MS  (300 * 1000)
/*
 * timeout_ms bounds the connect and a stall (no byte for that long), not
 * the transfer: a big answer (a QOS page of a day-long meeting is several
 * MB) on a slow link is still arriving.  This caps a transfer that
 * trickles on for ever; a caller that promises a shorter bound on the
 * whole request sets total_ms.
 */
#define ZT_HTTP_TOTAL_MAX_MS  (10 * 60 * 1000)


typedef struct {
    CURL     *curl;
    long      timeout_ms;          /* connect, and a stall */
    long      total_ms;            /* the whole request */
    int       max_retries;
    int64_t   backoff_base_ms;
    int64_t   backoff_cap_ms;
    int64_t   retry_after_max_ms;
} zt_http_t;


typedef struct {
    long      status;              /* 0: no HTTP answer (transport error) */
    char     *body;                /* malloc()ed, NUL-terminated, or NULL */
    size_t    len;
    char      retry_after[128];    /* the Retry-After header value, or "" */
    char      error[CURL_ERROR_SIZE];   /* transport error text, or "" */
} zt_http_resp_t;


/* global libcurl init; call once before any other function */
int zt_http_global_init(void);

int zt_http_init(zt_http_t *h, long timeout_ms, int max_retries);
void zt_http_cleanup(zt_http_t *h);
void zt_http_resp_free(zt_http_resp_t *r);

/*
 * libcurl's CURLOPT_WRITEFUNCTION for a zt_http_resp_t (the WRITEDATA):
 * appends the body, kept NUL-terminated, up to ZT_HTTP_BODY_MAX.  For
 * clients that drive their own handles (curl multi).
 */
size_t zt_http_collect(char *ptr, size_t size, size_t nmemb, void *data);

/*
 * Sets the timeouts of h on a handle (zt_http_perform's own, or a
 * caller's curl multi handle): CONNECTTIMEOUT and the stall (LOW_SPEED) of
 * timeout_ms, TIMEOUT of total_ms.
 */
void zt_http_timeouts(const zt_http_t *h, CURL *c);

/*
 * One request.  method is "GET" or "POST"; body (POST) may be NULL;
 * headers is a NULL-terminated array of "Name: value" strings.  Fills resp
 * (free it with zt_http_resp_free()) and returns its class: ZT_OK, ZT_RETRY
 * or ZT_ERROR.
 */
int zt_http_perform(zt_http_t *h, const char *method, const char *url,
    const char *const *headers, const char *body, zt_http_resp_t *resp);

/*
 * After attempt number attempt (0-based) failed with class ZT_RETRY: when
 * attempts remain and the delay is acceptable, sleeps (Retry-After when
 * resp has a usable one, else backoff) and returns ZT_RETRY; otherwise
 * returns ZT_ERROR.  what names the request in log lines.
 */
int zt_http_retry_wait(zt_http_t *h, int attempt, const zt_http_resp_t *resp,
    const char *what);

/* perform + retry_wait until ZT_OK, ZT_ERROR or retries run out */
int zt_http_request(zt_http_t *h, const char *method, const char *url,
    const char *const *headers, const char *body, zt_http_resp_t *resp,
    const char *what);

/* status class: 0 (transport error) is ZT_RETRY */
int zt_http_classify(long status);

/*
 * Parses a Retry-After value: delta seconds, an HTTP-date (RFC 9110, also
 * the obsolete RFC 850 and asctime forms) or an ISO 8601 UTC date-time as
 * Zoom sends ("2020-05-31T00:00:00Z").  *delay_ms is the time to wait from
 * now_ms (0 for a date in the past).  Returns ZT_OK or ZT_DECLINED.
 */
int zt_http_retry_after(const char *value, int64_t now_ms,
    int64_t *delay_ms);

/*
 * Capped exponential backoff with "equal jitter": d = min(cap, base <<
 * attempt), result uniformly in [d/2, d].  r is a random number in [0, 1).
 */
int64_t zt_http_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms,
    double r);

void zt_http_sleep_ms(int64_t ms);


#endif /* ZT_HTTP_H */
