/*
 * zt_gcs_put: the uploads of zt_gcs_put_many().  Up to `inflight` media
 * uploads run at once on one curl multi handle driven by
 * curl_multi_socket_action() over an epoll set: curl_multi_perform()
 * polls every running transfer's socket on each call (32 uploads in
 * flight cost 29 poll() calls per upload, a third of the drainer's CPU),
 * while socket_action only touches the socket that is ready.
 *
 * The easy handles are kept between calls with their options set once;
 * an upload only sets its URL and body.  The multi handle keeps the
 * connections, so a steady drain reuses both.  The header list (JSON
 * content type, no Expect:, the token) is built once per call.  Only
 * object names and statuses reach the log, never headers.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "zt_gcs_int.h"
#include "zt_time.h"


#define ZT_GCS_EVENTS     64
#define ZT_GCS_WAIT_MS    1000


static int zt_gcs_round(zt_gcs_t *g, zt_gcs_put_t *puts, size_t n,
    int if_absent, int only401);
static int zt_gcs_wait(zt_gcs_t *g);
static void zt_gcs_abort(zt_gcs_t *g);
static void zt_gcs_done(zt_gcs_t *g, zt_gcs_put_t *puts, CURLMsg *msg);
static int zt_gcs_start(zt_gcs_t *g, zt_gcs_slot_t *s, zt_gcs_put_t *p,
    size_t idx, int if_absent);
static int zt_gcs_slot_init(zt_gcs_t *g, zt_gcs_slot_t *s);
static struct curl_slist *zt_gcs_headers(zt_gcs_t *g, const char *ctype);
static int zt_gcs_socket_cb(CURL *c, curl_socket_t fd, int what, void *data,
    void *sockp);
static int zt_gcs_timer_cb(CURLM *m, long timeout_ms, void *data);
static size_t zt_gcs_write_cb(char *ptr, size_t size, size_t nmemb,
    void *data);


int
zt_gcs_put_init(zt_gcs_t *g)
{
    g->epfd = -1;
    g->timer_at = -1;
    g->slots = calloc((size_t) g->inflight, sizeof(zt_gcs_slot_t));
    g->multi = curl_multi_init();
    g->epfd = epoll_create1(EPOLL_CLOEXEC);

    if (g->slots == NULL || g->multi == NULL || g->epfd == -1) {
        return ZT_ERROR;
    }

    curl_multi_setopt(g->multi, CURLMOPT_PIPELINING,
                      (long) CURLPIPE_MULTIPLEX);
    curl_multi_setopt(g->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                      (long) g->inflight);
    curl_multi_setopt(g->multi, CURLMOPT_SOCKETFUNCTION, zt_gcs_socket_cb);
    curl_multi_setopt(g->multi, CURLMOPT_SOCKETDATA, g);
    curl_multi_setopt(g->multi, CURLMOPT_TIMERFUNCTION, zt_gcs_timer_cb);
    curl_multi_setopt(g->multi, CURLMOPT_TIMERDATA, g);

    return ZT_OK;
}


void
zt_gcs_put_cleanup(zt_gcs_t *g)
{
    int  i;

    for (i = 0; g->slots && i < g->inflight; i++) {
        if (g->slots[i].c) {
            curl_easy_cleanup(g->slots[i].c);
        }
        curl_slist_free_all(g->slots[i].hdrs);
    }

    /* closes the connections: the socket callback still needs epfd */
    if (g->multi) {
        curl_multi_cleanup(g->multi);
    }

    if (g->epfd != -1) {
        close(g->epfd);
    }

    curl_slist_free_all(g->hdrs);
    free(g->slots);
}


int
zt_gcs_put_one(zt_gcs_t *g, zt_gcs_put_t *put, char *err, size_t errlen)
{
    int             rc, attempt;
    zt_http_resp_t  last;

    for (attempt = 0; /* void */ ; attempt++) {
        rc = zt_gcs_put_many(g, put, 1, 0, err, errlen);

        if ((rc == ZT_OK && zt_http_classify(put->status) != ZT_RETRY)
            || (rc != ZT_OK && rc != ZT_RETRY))
        {
            return rc;
        }

        /* the answer, as zt_http_retry_wait() reads one */
        memset(&last, 0, sizeof(last));
        last.status = put->status > 0 ? put->status : 0;
        snprintf(last.error, sizeof(last.error), "%s",
                 rc == ZT_OK ? put->error : err);
        snprintf(last.retry_after, sizeof(last.retry_after), "%s",
                 rc == ZT_OK ? put->retry_after : "");

        if (zt_http_retry_wait(&g->http, attempt, &last, "gcs upload")
            != ZT_RETRY)
        {
            return rc;
        }
    }
}


int
zt_gcs_put_many(zt_gcs_t *g, zt_gcs_put_t *puts, size_t n, int if_absent,
    char *err, size_t errlen)
{
    int     rc, again;
    size_t  i;

    if (n == 0) {
        return ZT_OK;
    }

    for (i = 0; i < n; i++) {
        puts[i].status = -1;
        puts[i].error[0] = '\0';
    }

    for (again = 0; again < 2; again++) {
        rc = zt_gcs_header(g, err, errlen);
        if (rc != ZT_OK) {
            return rc;
        }

        /* no handle is in the multi between rounds: safe to replace */
        curl_slist_free_all(g->hdrs);
        g->hdrs = zt_gcs_headers(g, "application/json");

        if (g->hdrs == NULL
            || zt_gcs_round(g, puts, n, if_absent, again) != ZT_OK)
        {
            zt_gcs_abort(g);
            snprintf(err, errlen, "curl multi failed");
            return ZT_RETRY;
        }

        for (i = 0; i < n; i++) {
            if (puts[i].status == 401) {
                break;
            }
        }

        if (i == n || g->auth == NULL || again) {
            return ZT_OK;
        }

        /* the token was revoked or expired early: one fresh try */
        zt_gauth_expire(g->auth, g->authhdr);
    }

    return ZT_OK;
}


/* runs the puts (only those that got a 401 when only401) to an answer */
static int
zt_gcs_round(zt_gcs_t *g, zt_gcs_put_t *puts, size_t n, int if_absent,
    int only401)
{
    int             i, running, left;
    size_t          next;
    CURLMsg        *msg;
    zt_gcs_slot_t  *s;

    next = 0;
    running = 0;

    for ( ;; ) {
        /* fill the free slots */
        for (i = 0; i < g->inflight && next < n; i++) {
            s = &g->slots[i];
            if (s->idx != 0) {
                continue;
            }

            while (next < n && only401 && puts[next].status != 401) {
                next++;
            }
            if (next == n) {
                break;
            }

            if (zt_gcs_start(g, s, &puts[next], next, if_absent) != ZT_OK) {
                return ZT_ERROR;
            }
            running += s->idx != 0;
            next++;
        }

        if (running == 0) {
            return ZT_OK;
        }

        if (zt_gcs_wait(g) != ZT_OK) {
            return ZT_ERROR;
        }

        while ((msg = curl_multi_info_read(g->multi, &left))) {
            if (msg->msg == CURLMSG_DONE) {
                zt_gcs_done(g, puts, msg);
                running--;
            }
        }
    }
}


/* waits for a socket or curl's timer and lets curl act on it */
static int
zt_gcs_wait(zt_gcs_t *g)
{
    int                 i, n, bits, still;
    int64_t             ms, now;
    struct epoll_event  ev[ZT_GCS_EVENTS];

    now = zt_time_monotonic_ms();
    ms = g->timer_at < 0 ? ZT_GCS_WAIT_MS : g->timer_at - now;
    ms = ms < 0 ? 0 : ms > ZT_GCS_WAIT_MS ? ZT_GCS_WAIT_MS : ms;

    n = epoll_wait(g->epfd, ev, ZT_GCS_EVENTS, (int) ms);
    if (n == -1 && errno != EINTR) {
        return ZT_ERROR;
    }

    for (i = 0; i < n; i++) {
        bits = 0;
        if (ev[i].events & EPOLLIN) {
            bits |= CURL_CSELECT_IN;
        }
        if (ev[i].events & EPOLLOUT) {
            bits |= CURL_CSELECT_OUT;
        }
        if (ev[i].events & (EPOLLERR | EPOLLHUP)) {
            bits |= CURL_CSELECT_ERR;
        }

        if (curl_multi_socket_action(g->multi, ev[i].data.fd, bits, &still)
            != CURLM_OK)
        {
            return ZT_ERROR;
        }
    }

    if (g->timer_at >= 0 && zt_time_monotonic_ms() >= g->timer_at) {
        /* the callback may set a new one while curl acts */
        g->timer_at = -1;

        if (curl_multi_socket_action(g->multi, CURL_SOCKET_TIMEOUT, 0,
                                     &still)
            != CURLM_OK)
        {
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


/*
 * A round that failed half way: no handle may stay in the multi, where it
 * would still read the caller's bodies and answer into the next call's puts.
 */
static void
zt_gcs_abort(zt_gcs_t *g)
{
    int             i;
    zt_gcs_slot_t  *s;

    for (i = 0; i < g->inflight; i++) {
        s = &g->slots[i];
        if (s->idx == 0) {
            continue;
        }

        curl_multi_remove_handle(g->multi, s->c);
        curl_slist_free_all(s->hdrs);
        s->hdrs = NULL;
        s->idx = 0;
    }
}


/* an upload ended: its status or error into the put; the slot is free */
static void
zt_gcs_done(zt_gcs_t *g, zt_gcs_put_t *puts, CURLMsg *msg)
{
    long                  status;
    zt_gcs_slot_t        *s;
    zt_gcs_put_t         *p;
    struct curl_header   *h;

    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &s);
    p = &puts[s->idx - 1];

    status = 0;
    if (msg->data.result == CURLE_OK) {
        curl_easy_getinfo(s->c, CURLINFO_RESPONSE_CODE, &status);
    }
    p->status = status;
    p->retry_after[0] = '\0';

    /* a 429 or 503 may say when to come back (zt_http_retry_after) */
    if (status >= 300
        && curl_easy_header(s->c, "Retry-After", 0, CURLH_HEADER, -1, &h)
           == CURLHE_OK)
    {
        snprintf(p->retry_after, sizeof(p->retry_after), "%s", h->value);
    }

    if (status == 0) {
        snprintf(p->error, sizeof(p->error), "%s",
                 s->curlerr[0] ? s->curlerr
                 : curl_easy_strerror(msg->data.result));

    } else if (status >= 300) {
        zt_gcs_error_text(s->errbody, s->errlen, p->error,
                          sizeof(p->error));
    }

    curl_multi_remove_handle(g->multi, s->c);
    curl_slist_free_all(s->hdrs);
    s->hdrs = NULL;
    s->idx = 0;
}


/* puts p on slot s; a name too long is answered at once (slot stays free) */
static int
zt_gcs_start(zt_gcs_t *g, zt_gcs_slot_t *s, zt_gcs_put_t *p, size_t idx,
    int if_absent)
{
    char  url[ZT_GCS_URL_MAX], enc[ZT_GCS_URL_MAX / 2];

    if (zt_gcs_encode(p->name, enc, sizeof(enc)) != ZT_OK
        || snprintf(url, sizeof(url), "%s/upload/storage/v1/b/%s/o?"
                    "uploadType=media&name=%s%s", g->endpoint, g->bucket,
                    enc, if_absent ? "&ifGenerationMatch=0" : "")
           >= (int) sizeof(url))
    {
        p->status = 0;
        snprintf(p->error, sizeof(p->error), "object name is too long");
        return ZT_OK;
    }

    if (s->c == NULL && zt_gcs_slot_init(g, s) != ZT_OK) {
        return ZT_ERROR;
    }

    if (p->content_type && strcmp(p->content_type, "application/json")) {
        s->hdrs = zt_gcs_headers(g, p->content_type);
        if (s->hdrs == NULL) {
            return ZT_ERROR;
        }
    }

    s->idx = idx + 1;
    s->errlen = 0;
    s->curlerr[0] = '\0';

    /* libcurl copies the URL; the body stays the caller's until the end */
    curl_easy_setopt(s->c, CURLOPT_URL, url);
    curl_easy_setopt(s->c, CURLOPT_HTTPHEADER, s->hdrs ? s->hdrs : g->hdrs);
    curl_easy_setopt(s->c, CURLOPT_POSTFIELDS, p->body);
    curl_easy_setopt(s->c, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t) p->len);

    if (curl_multi_add_handle(g->multi, s->c) != CURLM_OK) {
        curl_slist_free_all(s->hdrs);
        s->hdrs = NULL;
        s->idx = 0;
        return ZT_ERROR;
    }

    return ZT_OK;
}


/* the slot's easy handle with the options every upload shares */
static int
zt_gcs_slot_init(zt_gcs_t *g, zt_gcs_slot_t *s)
{
    s->c = curl_easy_init();
    if (s->c == NULL) {
        return ZT_ERROR;
    }

    curl_easy_setopt(s->c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(s->c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s->c, CURLOPT_TIMEOUT_MS, g->timeout_ms);
    curl_easy_setopt(s->c, CURLOPT_USERAGENT, "zoomtrack/1");
    curl_easy_setopt(s->c, CURLOPT_HTTP_VERSION,
                     (long) CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(s->c, CURLOPT_POST, 1L);
    curl_easy_setopt(s->c, CURLOPT_WRITEFUNCTION, zt_gcs_write_cb);
    curl_easy_setopt(s->c, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(s->c, CURLOPT_ERRORBUFFER, s->curlerr);
    curl_easy_setopt(s->c, CURLOPT_PRIVATE, s);

    return ZT_OK;
}


/* Content-Type, no 100-continue round trip, the token; the caller frees */
static struct curl_slist *
zt_gcs_headers(zt_gcs_t *g, const char *ctype)
{
    char                h[256];
    struct curl_slist  *l;

    snprintf(h, sizeof(h), "Content-Type: %s", ctype);

    l = curl_slist_append(NULL, h);
    l = l ? curl_slist_append(l, "Expect:") : NULL;
    if (l && g->authhdr[0]) {
        l = curl_slist_append(l, g->authhdr);
    }

    return l;
}


/* curl says which events a socket waits for: mirrored in the epoll set */
static int
zt_gcs_socket_cb(CURL *c, curl_socket_t fd, int what, void *data,
    void *sockp)
{
    int                 op;
    zt_gcs_t           *g = data;
    struct epoll_event  ev;

    if (what == CURL_POLL_REMOVE) {
        /* already gone when curl closed it first */
        (void) epoll_ctl(g->epfd, EPOLL_CTL_DEL, fd, NULL);
        return 0;
    }

    memset(&ev, 0, sizeof(ev));
    ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0)
                | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
    ev.data.fd = fd;

    op = sockp ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

    if (epoll_ctl(g->epfd, op, fd, &ev) == -1) {
        /* our mark and the set disagree (a socket closed and reused) */
        op = (errno == EEXIST) ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
        if (epoll_ctl(g->epfd, op, fd, &ev) == -1) {
            return -1;
        }
    }

    if (sockp == NULL) {
        curl_multi_assign(g->multi, fd, g);
    }

    return 0;
}


/* curl's next timeout; acted on by zt_gcs_wait() (not from here) */
static int
zt_gcs_timer_cb(CURLM *m, long timeout_ms, void *data)
{
    zt_gcs_t  *g = data;

    g->timer_at = timeout_ms < 0 ? -1 : zt_time_monotonic_ms() + timeout_ms;

    return 0;
}


/* keeps the start of the answer: only an error's text is ever read */
static size_t
zt_gcs_write_cb(char *ptr, size_t size, size_t nmemb, void *data)
{
    size_t          n, room;
    zt_gcs_slot_t  *s = data;

    n = size * nmemb;
    room = sizeof(s->errbody) - 1 - s->errlen;

    if (room) {
        memcpy(s->errbody + s->errlen, ptr, n < room ? n : room);
        s->errlen += n < room ? n : room;
        s->errbody[s->errlen] = '\0';
    }

    return n;
}
