/*
 * zt_http: libcurl easy wrapper (see zt_http.h).  One easy handle per
 * zt_http_t, reused so keep-alive connections survive between calls.  Only
 * the method, the URL's path and the status are ever logged: headers carry
 * Basic credentials and Bearer tokens.
 */

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "zt_time.h"
#include "zt_http.h"
#include "zt_log.h"


static size_t zt_http_header_cb(char *ptr, size_t size, size_t nmemb,
    void *data);
static int zt_http_all_digits(const char *s, size_t len);


int
zt_http_global_init(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        return ZT_ERROR;
    }

    srand48((long) zt_time_now_ms() ^ (long) getpid());

    return ZT_OK;
}


int
zt_http_init(zt_http_t *h, long timeout_ms, int max_retries)
{
    memset(h, 0, sizeof(zt_http_t));

    h->curl = curl_easy_init();
    if (h->curl == NULL) {
        return ZT_ERROR;
    }

    h->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
    h->total_ms = h->timeout_ms > ZT_HTTP_TOTAL_MAX_MS
                  ? h->timeout_ms : ZT_HTTP_TOTAL_MAX_MS;
    h->max_retries = max_retries >= 0 ? max_retries : 0;
    h->backoff_base_ms = ZT_HTTP_BACKOFF_BASE_MS;
    h->backoff_cap_ms = ZT_HTTP_BACKOFF_CAP_MS;
    h->retry_after_max_ms = ZT_HTTP_RETRY_AFTER_MAX_MS;

    return ZT_OK;
}


void
zt_http_cleanup(zt_http_t *h)
{
    if (h->curl) {
        curl_easy_cleanup(h->curl);
        h->curl = NULL;
    }
}


void
zt_http_resp_free(zt_http_resp_t *r)
{
    free(r->body);
    r->body = NULL;
    r->len = 0;
}


size_t
zt_http_collect(char *ptr, size_t size, size_t nmemb, void *data)
{
    char            *p;
    size_t           n;
    zt_http_resp_t  *r = data;

    n = size * nmemb;

    if (r->len + n > ZT_HTTP_BODY_MAX) {
        return 0;
    }

    p = realloc(r->body, r->len + n + 1);
    if (p == NULL) {
        return 0;
    }

    memcpy(p + r->len, ptr, n);
    r->body = p;
    r->len += n;
    r->body[r->len] = '\0';

    return n;
}


static size_t
zt_http_header_cb(char *ptr, size_t size, size_t nmemb, void *data)
{
    size_t           n, len;
    const char      *v;
    zt_http_resp_t  *r = data;

    static const char  name[] = "retry-after:";

    n = size * nmemb;

    if (n < sizeof(name) - 1 || strncasecmp(ptr, name, sizeof(name) - 1)) {
        return n;
    }

    v = ptr + sizeof(name) - 1;
    len = n - (sizeof(name) - 1);

    while (len && (*v == ' ' || *v == '\t')) {
        v++;
        len--;
    }

    while (len && isspace((unsigned char) v[len - 1])) {
        len--;
    }

    if (len >= sizeof(r->retry_after)) {
        len = sizeof(r->retry_after) - 1;
    }

    memcpy(r->retry_after, v, len);
    r->retry_after[len] = '\0';

    return n;
}


int
zt_http_classify(long status)
{
    if (status >= 200 && status < 300) {
        return ZT_OK;
    }

    if (status == 408 || status == 429) {
        return ZT_RETRY;
    }

    if (status >= 400 && status < 500) {
        return ZT_ERROR;
    }

    /* 5xx, transport errors (0) and anything unexpected */
    return ZT_RETRY;
}


/*
 * The one rule for every client (zt_http.h): the connect and each stall
 * are bounded by timeout_ms, the whole request by total_ms.  curl checks
 * a stall in whole seconds: less than 1 byte/s for ceil(timeout_ms) s.
 */
void
zt_http_timeouts(const zt_http_t *h, CURL *c)
{
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->timeout_ms);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (h->timeout_ms + 999) / 1000);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->total_ms);
}


int
zt_http_perform(zt_http_t *h, const char *method, const char *url,
    const char *const *headers, const char *body, zt_http_resp_t *resp)
{
    CURL               *c;
    CURLcode            rc;
    struct curl_slist  *list, *l;

    memset(resp, 0, sizeof(zt_http_resp_t));

    c = h->curl;
    curl_easy_reset(c);

    list = NULL;
    for ( /* void */ ; headers && *headers; headers++) {
        l = curl_slist_append(list, *headers);
        if (l == NULL) {
            curl_slist_free_all(list);
            snprintf(resp->error, sizeof(resp->error), "out of memory");
            return ZT_ERROR;
        }
        list = l;
    }

    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    zt_http_timeouts(h, c);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "zoomtrack/1");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, resp->error);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, zt_http_collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, zt_http_header_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");

    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");

    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }

    rc = curl_easy_perform(c);

    curl_slist_free_all(list);

    if (rc == CURLE_OPERATION_TIMEDOUT) {
        /* curl's text for a stall ("Operation too slow") hides the bound */
        snprintf(resp->error, sizeof(resp->error),
                 "timed out: no answer within %ld ms, or a transfer stalled "
                 "for as long or over %ld ms", h->timeout_ms, h->total_ms);
    }

    if (rc != CURLE_OK) {
        if (resp->error[0] == '\0') {
            snprintf(resp->error, sizeof(resp->error), "%s",
                     curl_easy_strerror(rc));
        }
        resp->status = 0;
        zt_http_resp_free(resp);
        return zt_http_classify(0);
    }

    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);

    return zt_http_classify(resp->status);
}


int
zt_http_retry_wait(zt_http_t *h, int attempt, const zt_http_resp_t *resp,
    const char *what)
{
    int64_t  delay;

    if (attempt >= h->max_retries) {
        zt_log_warn("http: %s: giving up after %d attempt%s", what,
                    attempt + 1, attempt ? "s" : "");
        return ZT_ERROR;
    }

    if (resp->retry_after[0]
        && zt_http_retry_after(resp->retry_after, zt_time_now_ms(), &delay)
           == ZT_OK)
    {
        if (delay > h->retry_after_max_ms) {
            zt_log_warn("http: %s: Retry-After \"%s\" is too far away, "
                        "giving up", what, resp->retry_after);
            return ZT_ERROR;
        }

    } else {
        delay = zt_http_backoff_ms(attempt, h->backoff_base_ms,
                                   h->backoff_cap_ms, drand48());
    }

    if (resp->status) {
        zt_log_info("http: %s: status %ld, retry %d/%d in %lld ms", what,
                    resp->status, attempt + 1, h->max_retries,
                    (long long) delay);

    } else {
        zt_log_info("http: %s: %s, retry %d/%d in %lld ms", what,
                    resp->error, attempt + 1, h->max_retries,
                    (long long) delay);
    }

    zt_http_sleep_ms(delay);

    return ZT_RETRY;
}


int
zt_http_request(zt_http_t *h, const char *method, const char *url,
    const char *const *headers, const char *body, zt_http_resp_t *resp,
    const char *what)
{
    int  rc, attempt;

    for (attempt = 0; /* void */ ; attempt++) {
        rc = zt_http_perform(h, method, url, headers, body, resp);
        if (rc != ZT_RETRY) {
            return rc;
        }

        if (zt_http_retry_wait(h, attempt, resp, what) != ZT_RETRY) {
            return ZT_RETRY;
        }

        zt_http_resp_free(resp);
    }
}


static int
zt_http_all_digits(const char *s, size_t len)
{
    size_t  i;

    if (len == 0) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!isdigit((unsigned char) s[i])) {
            return 0;
        }
    }

    return 1;
}


int
zt_http_retry_after(const char *value, int64_t now_ms, int64_t *delay_ms)
{
    char     buf[128];
    size_t   len;
    time_t   t;
    int64_t  at;

    while (*value == ' ' || *value == '\t') {
        value++;
    }

    len = strlen(value);
    while (len && isspace((unsigned char) value[len - 1])) {
        len--;
    }

    if (len == 0 || len >= sizeof(buf)) {
        return ZT_DECLINED;
    }

    memcpy(buf, value, len);
    buf[len] = '\0';

    if (zt_http_all_digits(buf, len)) {
        if (len > 9) {
            return ZT_DECLINED;
        }
        *delay_ms = (int64_t) strtoll(buf, NULL, 10) * 1000;
        return ZT_OK;
    }

    /* ISO 8601 as Zoom documents it: 2020-05-31T00:00:00Z */
    if (len >= 20 && isdigit((unsigned char) buf[0]) && buf[4] == '-'
        && (buf[10] == 'T' || buf[10] == 't'))
    {
        at = zt_time_parse_iso(buf);
        if (at < 0) {
            return ZT_DECLINED;
        }

    } else {
        /* HTTP-date: IMF-fixdate, RFC 850 or asctime */
        if (!isalpha((unsigned char) buf[0])) {
            return ZT_DECLINED;
        }

        t = curl_getdate(buf, NULL);
        if (t == (time_t) -1) {
            return ZT_DECLINED;
        }
        at = (int64_t) t * 1000;
    }

    *delay_ms = at > now_ms ? at - now_ms : 0;

    return ZT_OK;
}


int64_t
zt_http_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, double r)
{
    int64_t  d;

    if (attempt < 0) {
        attempt = 0;
    }

    d = base_ms;
    while (attempt-- > 0 && d < cap_ms) {
        d *= 2;
    }

    if (d > cap_ms) {
        d = cap_ms;
    }

    if (r < 0 || r >= 1) {
        r = 0;
    }

    return d / 2 + (int64_t) ((double) (d - d / 2) * r);
}


void
zt_http_sleep_ms(int64_t ms)
{
    struct timespec  ts;

    if (ms <= 0) {
        return;
    }

    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long) (ms % 1000) * 1000000;

    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
        /* void */
    }
}
