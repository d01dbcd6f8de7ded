/*
 * zt_zoom_api: the Zoom REST client of `zoomtrack camera`.  Server-to-Server
 * OAuth (POST oauth_url, grant_type=account_credentials, HTTP Basic with
 * client_id:client_secret), the token cached in memory until 60 s before it
 * expires, and GETs under api_base with a Bearer token.  A 401 drops the
 * token and the call is repeated once with a new one; 429/5xx/transport
 * errors are retried by zt_http (Retry-After or backoff, max_retries),
 * but not a daily-limit 429 without Retry-After (it lifts tomorrow).
 * The client secret and tokens never reach a log line or an error text.
 */

#ifndef ZT_ZOOM_API_H
#define ZT_ZOOM_API_H


#include <jansson.h>

#include "zt_core.h"
#include "zt_conf.h"


/* room for a meeting uuid encoded twice (each byte can become 5 bytes) */
#define ZT_ZOOM_UUID_ENC_MAX  (5 * 128 + 1)


typedef struct zt_zoom_s  zt_zoom_t;


typedef struct {
    long   status;          /* HTTP status; 0 when there was no answer */
    long   code;            /* Zoom's "code" in an error body, or 0 */
    int    auth;            /* 1: the failure is an authentication one */
    char   message[256];    /* Zoom's message, or what went wrong */
} zt_zoom_err_t;


/*
 * Reads [zoom] account_id, client_id, the client secret (env
 * ZOOMTRACK_ZOOM_CLIENT_SECRET or client_secret_file), oauth_url, api_base,
 * timeout_ms and max_retries.  Returns ZT_OK, or ZT_DECLINED with a message
 * naming the missing or bad key in err (a configuration error), or
 * ZT_ERROR (out of memory, libcurl).
 */
int zt_zoom_create(const zt_conf_t *conf, zt_zoom_t **out, char *err,
    size_t errlen);
void zt_zoom_destroy(zt_zoom_t *z);

/*
 * GET api_base + path; path starts with '/', is already percent-encoded and
 * may carry a query.  Returns
 *   ZT_OK        *json is the parsed body (the caller json_decref()s it);
 *   ZT_DECLINED  Zoom answered with a final 4xx (or a 3xx: Zoom's HTTP
 *                300 errors): e->status, e->code and e->message say
 *                which (a 401 sets e->auth);
 *   ZT_ERROR     no usable answer: unreachable, retries exhausted, the
 *                token request failed (e->auth), a body that is not JSON.
 */
int zt_zoom_get(zt_zoom_t *z, const char *path, json_t **json,
    zt_zoom_err_t *e);

/*
 * GETs every page of a paged list: path (with its query, without
 * next_page_token) is asked again with each next_page_token Zoom gives,
 * at most max_pages times.  page (called with each parsed body, which it
 * must not keep) returns ZT_OK or ZT_ERROR (stops).  A next_page_token
 * lives 15 minutes (a long Retry-After wait can outlive it): Zoom's 400
 * code 300 for it starts the list over once, page called with NULL first
 * to forget the pages it had.  Returns as zt_zoom_get(); ZT_ERROR with
 * e->message for too many pages, a token that does not fit or one that
 * expired again.
 */
typedef int (*zt_zoom_page_pt)(void *data, json_t *page);

int zt_zoom_get_pages(zt_zoom_t *z, const char *path, int max_pages,
    zt_zoom_page_pt page, void *data, zt_zoom_err_t *e);

/* how many token requests this client made */
int zt_zoom_token_requests(const zt_zoom_t *z);

/*
 * Percent-encodes s (everything but RFC 3986 unreserved characters).
 * Returns ZT_OK or ZT_ERROR when out is too small.
 */
int zt_zoom_url_encode(const char *s, char *out, size_t outlen);

/*
 * A meeting uuid as a path segment: encoded twice when it starts with '/'
 * or contains "//" (Zoom's rule), once otherwise.
 */
int zt_zoom_uuid_encode(const char *uuid, char *out, size_t outlen);


#endif /* ZT_ZOOM_API_H */
