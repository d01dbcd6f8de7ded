/*
 * zt_zoom_api: Server-to-Server OAuth and authenticated GETs against the
 * Zoom REST API (see zt_zoom_api.h).  The only state is the zt_http handle,
 * the credentials and the cached token; buffers holding the secret or the
 * token are wiped before they are freed.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "zt_time.h"
#include "zt_http.h"
#include "zt_log.h"
#include "zt_zoom_api.h"


/* refresh this long before the token expires (Zoom's RIVET SDK does too) */
#define ZT_ZOOM_TOKEN_SKEW_MS  60000


struct zt_zoom_s {
    zt_http_t   http;
    char       *account_id;
    char       *client_id;
    char       *client_secret;
    char       *oauth_url;
    char       *api_base;
    char       *token;            /* NULL: none cached */
    int64_t     token_expires;    /* ms since the epoch */
    int         token_requests;
};


static char *zt_zoom_conf_dup(const zt_conf_t *conf, const char *key,
    int required, char *err, size_t errlen);
static void zt_zoom_free_secret(char *s);
static void zt_zoom_drop_token(zt_zoom_t *z);
static int zt_zoom_fetch_token(zt_zoom_t *z, zt_zoom_err_t *e);
static int zt_zoom_token_ready(zt_zoom_t *z, zt_zoom_err_t *e);
static int zt_zoom_answer(zt_zoom_t *z, zt_http_resp_t *resp, int rc,
    int attempt, const char *path, json_t **json, zt_zoom_err_t *e);
static void zt_zoom_error_body(const zt_http_resp_t *resp, zt_zoom_err_t *e);
static int zt_zoom_page_token_expired(const zt_zoom_err_t *e);
static int zt_zoom_next_token(const char *next, char *tok, size_t len,
    zt_zoom_err_t *e);
static int zt_zoom_daily_limit(const zt_http_resp_t *resp);
static int zt_zoom_lacks_scope(const zt_http_resp_t *resp);
static int zt_zoom_scope_error(const zt_zoom_err_t *e);
static const char *zt_zoom_scope_of(const char *path);
static void zt_zoom_scope_hint(const char *path, zt_zoom_err_t *e);


static char *
zt_zoom_conf_dup(const zt_conf_t *conf, const char *key, int required,
    char *err, size_t errlen)
{
    char        *p, env[64];
    size_t       i;
    const char  *v;

    v = zt_conf_get(conf, "zoom", key);

    if (required && v[0] == '\0') {
        for (i = 0; key[i] && i < sizeof(env) - 1; i++) {
            env[i] = (key[i] >= 'a' && key[i] <= 'z')
                     ? (char) (key[i] - 'a' + 'A') : key[i];
        }
        env[i] = '\0';

        snprintf(err, errlen, "missing zoom.%s: set it in [zoom] or "
                 "ZOOMTRACK_ZOOM_%s", key, env);
        return NULL;
    }

    p = strdup(v);
    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
    }

    return p;
}


int
zt_zoom_create(const zt_conf_t *conf, zt_zoom_t **out, char *err,
    size_t errlen)
{
    size_t      n;
    int64_t     timeout, retries;
    zt_zoom_t  *z;

    *out = NULL;

    if (zt_conf_get_num(conf, "zoom", "timeout_ms", &timeout, err, errlen)
        != ZT_OK
        || zt_conf_get_num(conf, "zoom", "max_retries", &retries, err,
                           errlen) != ZT_OK)
    {
        return ZT_DECLINED;
    }

    z = calloc(1, sizeof(zt_zoom_t));
    if (z == NULL) {
        snprintf(err, errlen, "out of memory");
        return ZT_ERROR;
    }

    z->account_id = zt_zoom_conf_dup(conf, "account_id", 1, err, errlen);
    if (z->account_id == NULL) {
        goto declined;
    }

    z->client_id = zt_zoom_conf_dup(conf, "client_id", 1, err, errlen);
    if (z->client_id == NULL) {
        goto declined;
    }

    z->client_secret = zt_conf_get_secret(conf, "zoom", "client_secret",
                                          err, errlen);
    if (z->client_secret == NULL) {
        goto declined;
    }

    z->oauth_url = zt_zoom_conf_dup(conf, "oauth_url", 1, err, errlen);
    if (z->oauth_url == NULL) {
        goto declined;
    }

    z->api_base = zt_zoom_conf_dup(conf, "api_base", 1, err, errlen);
    if (z->api_base == NULL) {
        goto declined;
    }

    n = strlen(z->api_base);
    while (n && z->api_base[n - 1] == '/') {
        z->api_base[--n] = '\0';
    }

    if (zt_http_init(&z->http, (long) timeout, (int) retries) != ZT_OK) {
        snprintf(err, errlen, "cannot initialise libcurl");
        zt_zoom_destroy(z);
        return ZT_ERROR;
    }

    *out = z;
    return ZT_OK;

declined:

    zt_zoom_destroy(z);
    return ZT_DECLINED;
}


static void
zt_zoom_free_secret(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}


void
zt_zoom_destroy(zt_zoom_t *z)
{
    if (z == NULL) {
        return;
    }

    zt_http_cleanup(&z->http);
    free(z->account_id);
    free(z->client_id);
    zt_zoom_free_secret(z->client_secret);
    free(z->oauth_url);
    free(z->api_base);
    zt_zoom_free_secret(z->token);
    free(z);
}


int
zt_zoom_token_requests(const zt_zoom_t *z)
{
    return z->token_requests;
}


static void
zt_zoom_drop_token(zt_zoom_t *z)
{
    zt_zoom_free_secret(z->token);
    z->token = NULL;
    z->token_expires = 0;
}


/* fills e from a Zoom error body: {"code":N,"message":".."} or OAuth's
 * {"reason":"..","error":".."} */
static void
zt_zoom_error_body(const zt_http_resp_t *resp, zt_zoom_err_t *e)
{
    json_t      *j, *v;
    const char  *msg;

    e->status = resp->status;
    e->code = 0;
    e->message[0] = '\0';

    if (resp->status == 0) {
        snprintf(e->message, sizeof(e->message), "%s", resp->error);
        return;
    }

    j = resp->body ? json_loadb(resp->body, resp->len, 0, NULL) : NULL;
    if (j == NULL || !json_is_object(j)) {
        snprintf(e->message, sizeof(e->message), "HTTP %ld", resp->status);
        json_decref(j);
        return;
    }

    v = json_object_get(j, "code");
    if (json_is_integer(v)) {
        e->code = (long) json_integer_value(v);
    }

    msg = json_string_value(json_object_get(j, "message"));
    if (msg == NULL || msg[0] == '\0') {
        msg = json_string_value(json_object_get(j, "reason"));
    }

    /* an empty text would leave the log line saying nothing */
    if (msg && msg[0]) {
        snprintf(e->message, sizeof(e->message), "%s", msg);

    } else {
        snprintf(e->message, sizeof(e->message), "HTTP %ld (no message)",
                 resp->status);
    }

    json_decref(j);
}


static int
zt_zoom_fetch_token(zt_zoom_t *z, zt_zoom_err_t *e)
{
    int             rc;
    char           *cred, *basic, *auth, *body, acct[256];
    json_t         *j;
    size_t          clen;
    int64_t         expires_in;
    const char     *tok, *hdrs[3];
    zt_http_resp_t  resp;

    if (zt_zoom_url_encode(z->account_id, acct, sizeof(acct)) != ZT_OK) {
        snprintf(e->message, sizeof(e->message), "account_id is too long");
        e->auth = 1;
        return ZT_ERROR;
    }

    clen = strlen(z->client_id) + 1 + strlen(z->client_secret);
    cred = malloc(clen + 1);
    basic = malloc(4 * ((clen + 2) / 3) + 1);
    auth = malloc(4 * ((clen + 2) / 3) + 32);
    body = malloc(strlen(acct) + 64);

    if (cred == NULL || basic == NULL || auth == NULL || body == NULL) {
        free(cred);
        free(basic);
        free(auth);
        free(body);
        snprintf(e->message, sizeof(e->message), "out of memory");
        return ZT_ERROR;
    }

    snprintf(cred, clen + 1, "%s:%s", z->client_id, z->client_secret);
    EVP_EncodeBlock((unsigned char *) basic, (unsigned char *) cred,
                    (int) clen);
    sprintf(auth, "Authorization: Basic %s", basic);
    sprintf(body, "grant_type=account_credentials&account_id=%s", acct);

    OPENSSL_cleanse(cred, clen);
    OPENSSL_cleanse(basic, strlen(basic));
    free(cred);
    free(basic);

    hdrs[0] = auth;
    hdrs[1] = "Content-Type: application/x-www-form-urlencoded";
    hdrs[2] = NULL;

    z->token_requests++;
    zt_log_debug("zoom: requesting an access token");

    rc = zt_http_request(&z->http, "POST", z->oauth_url, hdrs, body, &resp,
                         "oauth token");

    OPENSSL_cleanse(auth, strlen(auth));
    free(auth);
    free(body);

    if (rc != ZT_OK) {
        zt_zoom_error_body(&resp, e);
        e->auth = 1;
        zt_http_resp_free(&resp);
        return ZT_ERROR;
    }

    j = json_loadb(resp.body ? resp.body : "", resp.len, 0, NULL);
    zt_http_resp_free(&resp);

    tok = json_string_value(json_object_get(j, "access_token"));
    expires_in = json_integer_value(json_object_get(j, "expires_in"));

    if (tok == NULL || tok[0] == '\0') {
        json_decref(j);
        e->status = resp.status;
        e->auth = 1;
        snprintf(e->message, sizeof(e->message),
                 "token response without access_token");
        return ZT_ERROR;
    }

    zt_zoom_drop_token(z);

    z->token = strdup(tok);
    json_decref(j);

    if (z->token == NULL) {
        snprintf(e->message, sizeof(e->message), "out of memory");
        return ZT_ERROR;
    }

    if (expires_in <= 0) {
        expires_in = 3600;
    }

    z->token_expires = zt_time_now_ms() + expires_in * 1000;

    zt_log_debug("zoom: got an access token valid for %lld s",
                 (long long) expires_in);

    return ZT_OK;
}


int
zt_zoom_get(zt_zoom_t *z, const char *path, json_t **json, zt_zoom_err_t *e)
{
    int             rc, attempt, renewed;
    char           *url, *auth;
    size_t          n;
    const char     *hdrs[3];
    zt_http_resp_t  resp;

    *json = NULL;
    memset(e, 0, sizeof(zt_zoom_err_t));

    n = strlen(z->api_base) + strlen(path) + 1;
    url = malloc(n);
    if (url == NULL) {
        snprintf(e->message, sizeof(e->message), "out of memory");
        return ZT_ERROR;
    }
    snprintf(url, n, "%s%s", z->api_base, path);

    renewed = 0;
    auth = NULL;

    for (attempt = 0; /* void */ ; /* void */ ) {

        rc = zt_zoom_token_ready(z, e);
        if (rc != ZT_OK) {
            break;
        }

        n = strlen(z->token) + 32;
        auth = malloc(n);
        if (auth == NULL) {
            snprintf(e->message, sizeof(e->message), "out of memory");
            rc = ZT_ERROR;
            break;
        }
        snprintf(auth, n, "Authorization: Bearer %s", z->token);

        hdrs[0] = auth;
        hdrs[1] = "Accept: application/json";
        hdrs[2] = NULL;

        rc = zt_http_perform(&z->http, "GET", url, hdrs, NULL, &resp);

        zt_zoom_free_secret(auth);
        auth = NULL;

        if (resp.status == 401 && !renewed && !zt_zoom_lacks_scope(&resp)) {
            /* revoked or expired early: one more try with a new token */
            zt_log_info("zoom: GET %s: 401, renewing the access token", path);
            zt_http_resp_free(&resp);
            zt_zoom_drop_token(z);
            renewed = 1;
            continue;
        }

        rc = zt_zoom_answer(z, &resp, rc, attempt, path, json, e);
        if (rc != ZT_RETRY) {
            break;
        }

        attempt++;
    }

    free(url);

    return rc;
}


/* a token valid for a while yet, fetched when needed (a failure logged) */
static int
zt_zoom_token_ready(zt_zoom_t *z, zt_zoom_err_t *e)
{
    int  rc;

    if (z->token != NULL
        && zt_time_now_ms() < z->token_expires - ZT_ZOOM_TOKEN_SKEW_MS)
    {
        return ZT_OK;
    }

    rc = zt_zoom_fetch_token(z, e);
    if (rc != ZT_OK) {
        zt_log_error("zoom: access token request failed: %s%s%s",
                     e->status ? "" : "no answer: ",
                     e->message,
                     e->status == 400 || e->status == 401
                     ? " (check zoom.account_id, client_id and the "
                       "client secret)" : "");
    }

    return rc;
}


/*
 * What a GET's answer (rc: its class, zt_http_perform) comes to: ZT_OK
 * with *json, ZT_DECLINED (a final 4xx) or ZT_ERROR (retries spent, or a
 * 2xx that is not a JSON object), both with e filled; ZT_RETRY after the
 * wait before attempt + 1.  resp is freed.
 */
static int
zt_zoom_answer(zt_zoom_t *z, zt_http_resp_t *resp, int rc, int attempt,
    const char *path, json_t **json, zt_zoom_err_t *e)
{
    json_t  *j;

    if (rc == ZT_OK) {
        j = json_loadb(resp->body ? resp->body : "", resp->len, 0, NULL);
        if (j != NULL && json_is_object(j)) {
            zt_http_resp_free(resp);
            *json = j;
            return ZT_OK;
        }

        json_decref(j);
        zt_log_warn("zoom: GET %s: status %ld with a body that is not "
                    "a JSON object", path, resp->status);
        snprintf(resp->error, sizeof(resp->error), "bad JSON");
        rc = ZT_RETRY;
    }

    /*
     * Zoom answers some errors with HTTP 300 and its error body (code 300,
     * an expired next_page_token among them): as final as a 4xx, and no
     * redirect is followed, so asking again gets the same answer
     */
    if (resp->status >= 300 && resp->status < 400) {
        rc = ZT_ERROR;
    }

    if (rc == ZT_ERROR) {
        zt_zoom_error_body(resp, e);
        zt_zoom_scope_hint(path, e);
        e->auth = resp->status == 401;
        zt_http_resp_free(resp);
        return ZT_DECLINED;
    }

    if (resp->status == 429 && resp->retry_after[0] == '\0'
        && zt_zoom_daily_limit(resp))
    {
        zt_zoom_error_body(resp, e);
        zt_log_warn("zoom: GET %s: status 429, the daily rate limit, "
                    "giving up", path);
        zt_http_resp_free(resp);
        return ZT_ERROR;
    }

    if (zt_http_retry_wait(&z->http, attempt, resp, path) != ZT_RETRY) {
        zt_zoom_error_body(resp, e);
        if (resp->status >= 200 && resp->status < 300) {
            snprintf(e->message, sizeof(e->message),
                     "body is not a JSON object");
        }
        zt_http_resp_free(resp);
        return ZT_ERROR;
    }

    zt_http_resp_free(resp);

    return ZT_RETRY;
}


/*
 * 401 code 4700 / 400 code 4711: the token lacks the scope the API needs.
 * Scopes are the app's: a new token has the same, so asking again does
 * not help; the operator has to add the scope.
 */
static int
zt_zoom_lacks_scope(const zt_http_resp_t *resp)
{
    zt_zoom_err_t  e;

    zt_zoom_error_body(resp, &e);

    return zt_zoom_scope_error(&e);
}


static int
zt_zoom_scope_error(const zt_zoom_err_t *e)
{
    return (e->status == 401 && e->code == 4700)
           || (e->status == 400 && e->code == 4711);
}


/* the scope a request path needs (zoom-api.md, Dashboard and Report) */
static const char *
zt_zoom_scope_of(const char *path)
{
    if (strncmp(path, "/metrics/webinars/", 18) == 0) {
        return "dashboard_webinars:read:admin";
    }

    if (strncmp(path, "/metrics/", 9) == 0) {
        return "dashboard_meetings:read:admin (or dashboard:read:admin)";
    }

    if (strncmp(path, "/report/", 8) == 0) {
        return "report:read:admin";
    }

    return "meeting:read:admin";
}


/* puts the fix before Zoom's text, which rarely says what to do */
static void
zt_zoom_scope_hint(const char *path, zt_zoom_err_t *e)
{
    char  zoom[sizeof(e->message)];

    if (!zt_zoom_scope_error(e)) {
        return;
    }

    memcpy(zoom, e->message, sizeof(zoom));
    snprintf(e->message, sizeof(e->message),
             "the Zoom app lacks the scope %s: add it to the app "
             "(Zoom Marketplace, Scopes); Zoom: %.80s",
             zt_zoom_scope_of(path), zoom);
}


/*
 * A 429 of the daily limit (RL-DOC's "maximum daily rate limit" text):
 * without a Retry-After to say when it lifts, retrying within minutes only
 * adds rejected calls, which Zoom counts against the app.
 */
static int
zt_zoom_daily_limit(const zt_http_resp_t *resp)
{
    int          daily;
    json_t      *j;
    const char  *msg;

    j = resp->body ? json_loadb(resp->body, resp->len, 0, NULL) : NULL;
    msg = json_string_value(json_object_get(j, "message"));
    daily = msg != NULL && strstr(msg, "daily rate limit") != NULL;
    json_decref(j);

    return daily;
}


int
zt_zoom_url_encode(const char *s, char *out, size_t outlen)
{
    size_t       n;
    const char  *p;

    static const char  hex[] = "0123456789ABCDEF";

    n = 0;

    for (p = s; *p; p++) {
        unsigned char  c = (unsigned char) *p;

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
            || c == '~')
        {
            if (n + 1 >= outlen) {
                return ZT_ERROR;
            }
            out[n++] = (char) c;
            continue;
        }

        if (n + 3 >= outlen) {
            return ZT_ERROR;
        }

        out[n++] = '%';
        out[n++] = hex[c >> 4];
        out[n++] = hex[c & 0x0f];
    }

    if (n >= outlen) {
        return ZT_ERROR;
    }

    out[n] = '\0';

    return ZT_OK;
}


int
zt_zoom_uuid_encode(const char *uuid, char *out, size_t outlen)
{
    char  once[ZT_ZOOM_UUID_ENC_MAX];

    if (uuid[0] != '/' && strstr(uuid, "//") == NULL) {
        return zt_zoom_url_encode(uuid, out, outlen);
    }

    if (zt_zoom_url_encode(uuid, once, sizeof(once)) != ZT_OK) {
        return ZT_ERROR;
    }

    return zt_zoom_url_encode(once, out, outlen);
}


/*
 * Zoom's answer to a next_page_token older than its 15 minutes: code 300,
 * with HTTP 400 or, as its reference lists it, HTTP 300
 */
static int
zt_zoom_page_token_expired(const zt_zoom_err_t *e)
{
    return (e->status == 400 || e->status == 300) && e->code == 300;
}


/*
 * The next page's token, URL-encoded, into tok (the one just used).  The
 * same token again would ask for the same page up to max_pages times
 * (10,000 Heavy calls for camera): an error at once.
 */
static int
zt_zoom_next_token(const char *next, char *tok, size_t len, zt_zoom_err_t *e)
{
    char  enc[1024];

    if (zt_zoom_url_encode(next, enc, sizeof(enc)) != ZT_OK
        || strlen(enc) >= len)
    {
        snprintf(e->message, sizeof(e->message), "next_page_token too long");
        return ZT_ERROR;
    }

    if (strcmp(enc, tok) == 0) {
        snprintf(e->message, sizeof(e->message),
                 "Zoom gave the same next_page_token again: its pages "
                 "go round, stopped");
        return ZT_ERROR;
    }

    memcpy(tok, enc, strlen(enc) + 1);

    return ZT_OK;
}


int
zt_zoom_get_pages(zt_zoom_t *z, const char *path, int max_pages,
    zt_zoom_page_pt page, void *data, zt_zoom_err_t *e)
{
    int          rc, n, restarted;
    char         tok[1024], url[4096];
    json_t      *body;
    const char  *next;

    tok[0] = '\0';
    restarted = 0;

    for (n = 0; n < max_pages; n++) {
        if ((size_t) snprintf(url, sizeof(url), "%s%s%s", path,
                              tok[0] ? "&next_page_token=" : "", tok)
            >= sizeof(url))
        {
            snprintf(e->message, sizeof(e->message), "request too long");
            return ZT_ERROR;
        }

        rc = zt_zoom_get(z, url, &body, e);

        if (rc == ZT_DECLINED && tok[0] && zt_zoom_page_token_expired(e)) {
            /* no verdict on the list: the first page gives new tokens */
            if (restarted) {
                snprintf(e->message, sizeof(e->message),
                         "next_page_token expired again after starting "
                         "over");
                return ZT_ERROR;
            }

            zt_log_info("zoom: GET %s: next_page_token expired, starting "
                        "over from the first page", path);

            if (page(data, NULL) != ZT_OK) {
                snprintf(e->message, sizeof(e->message),
                         "cannot start the list over");
                return ZT_ERROR;
            }

            restarted = 1;
            tok[0] = '\0';
            continue;
        }

        if (rc != ZT_OK) {
            return rc;
        }

        rc = page(data, body);
        next = json_string_value(json_object_get(body, "next_page_token"));

        if (rc == ZT_OK && next && next[0]) {
            rc = zt_zoom_next_token(next, tok, sizeof(tok), e);
        }

        if (rc != ZT_OK || next == NULL || next[0] == '\0') {
            json_decref(body);
            return rc;
        }

        json_decref(body);
    }

    snprintf(e->message, sizeof(e->message), "more than %d pages",
             max_pages);

    return ZT_ERROR;
}
