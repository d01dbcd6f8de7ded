/*
 * zt_lease: leases on processing lists and on the status sink, and the
 * reclaim of processing lists whose drainer is gone.  See zt_lease.h.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zt_lease.h"
#include "zt_log.h"


#define ZT_LEASE_RECLAIM_MAX  10000

/*
 * What a drainer leaves in the lease of a processing list it reclaimed.
 * The list's owner, if it was only held up (a VM pause, swapping), finds
 * it when renewing or acking and stops, instead of setting its lease again
 * over a list that no longer holds its batches: an ack trims by count and
 * would drop records it took since.  It outlasts any stall (7 days); a new
 * drainer of that consumer takes it over at once, and a reclaim treats it
 * as no lease.
 */
#define ZT_LEASE_TOMBSTONE_MS  "604800000"


static void zt_lease_pidns(char *buf, size_t len);
static int zt_lease_split(const char *token, char *host, size_t hostlen,
    long *pid, char *ns, size_t nslen);
static int zt_lease_dead(const char *holder, const char *token);
static int zt_lease_get(redisContext *c, const char *key, char *holder,
    size_t hlen);
static void zt_lease_glob(const char *s, char *out, size_t len);


/* renew: 1 renewed, 2 set again (it had vanished), 0 another holds it */
static const char  zt_lease_renew_lua[] =
    "local v = redis.call('GET', KEYS[1]) "
    "if v == ARGV[1] then "
    "  redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end "
    "if not v then "
    "  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2 end "
    "return 0";

/* take over from a dead holder: only if it still holds the lease */
static const char  zt_lease_steal_lua[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end "
    "return 0";

static const char  zt_lease_release_lua[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "  return redis.call('DEL', KEYS[1]) end "
    "return 0";

/*
 * KEYS: processing list, queue, its lease; ARGV: max, tombstone, its ms.
 * Newest records are at the processing list's left: moving LEFT to the
 * queue's RIGHT leaves the oldest rightmost, next to be taken.
 */
static const char  zt_lease_reclaim_lua[] =
    "local v = redis.call('GET', KEYS[3]) "
    "if v and v ~= ARGV[2] then return -1 end "
    "local n = 0 "
    "while n < tonumber(ARGV[1]) and "
    "  redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'RIGHT') do "
    "  n = n + 1 end "
    "if n > 0 then "
    "  redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3]) end "
    "return n";


void
zt_lease_token(char *buf, size_t len)
{
    int                 fd;
    char                host[128], ns[32];
    unsigned long long  r;

    if (gethostname(host, sizeof(host)) != 0) {
        snprintf(host, sizeof(host), "localhost");
    }
    host[sizeof(host) - 1] = '\0';

    zt_lease_pidns(ns, sizeof(ns));

    r = 0;
    fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd == -1 || read(fd, &r, sizeof(r)) != (ssize_t) sizeof(r)) {
        r = (unsigned long long) time(NULL) * 2654435761ULL ^ getpid();
    }
    if (fd != -1) {
        close(fd);
    }

    snprintf(buf, len, "%s:%ld:%s:%016llx", host, (long) getpid(), ns, r);
}


/* the pid namespace's inode: pids are only comparable inside one */
static void
zt_lease_pidns(char *buf, size_t len)
{
    char     link[64], *p;
    ssize_t  n;

    n = readlink("/proc/self/ns/pid", link, sizeof(link) - 1);
    if (n <= 0) {
        snprintf(buf, len, "0");
        return;
    }
    link[n] = '\0';

    p = strchr(link, '[');
    snprintf(buf, len, "%.*s", p ? (int) strcspn(p + 1, "]") : 1,
             p ? p + 1 : "0");
}


/* host:pid:ns:random, split from the right (a host has no ':') */
static int
zt_lease_split(const char *token, char *host, size_t hostlen, long *pid,
    char *ns, size_t nslen)
{
    const char  *p[3], *end;
    int          i;

    end = token + strlen(token);

    for (i = 0; i < 3; i++) {
        while (end > token && end[-1] != ':') {
            end--;
        }
        if (end == token) {
            return ZT_ERROR;
        }
        end--;
        p[i] = end;
    }

    /* p[0]: ":random", p[1]: ":ns", p[2]: ":pid" */
    snprintf(host, hostlen, "%.*s", (int) (p[2] - token), token);
    snprintf(ns, nslen, "%.*s", (int) (p[0] - p[1] - 1), p[1] + 1);
    *pid = strtol(p[2] + 1, NULL, 10);

    return ZT_OK;
}


void
zt_lease_who(const char *token, char *buf, size_t len)
{
    long  pid;
    char  host[128], ns[32];

    if (zt_lease_split(token, host, sizeof(host), &pid, ns, sizeof(ns))
        != ZT_OK)
    {
        snprintf(buf, len, "%s", token);
        return;
    }

    snprintf(buf, len, "%s:%ld", host, pid);
}


/*
 * 1: the holder ran on this host, in our pid namespace, and has ended;
 * 0: it is alive here; -1: it runs elsewhere (cannot tell)
 */
static int
zt_lease_dead(const char *holder, const char *token)
{
    long  hpid, mpid;
    char  hhost[128], hns[32], mhost[128], mns[32];

    if (zt_lease_split(holder, hhost, sizeof(hhost), &hpid, hns,
                       sizeof(hns)) != ZT_OK
        || zt_lease_split(token, mhost, sizeof(mhost), &mpid, mns,
                          sizeof(mns)) != ZT_OK)
    {
        return -1;
    }

    if (strcmp(hhost, mhost) != 0 || strcmp(hns, mns) != 0
        || strcmp(hns, "0") == 0 || hpid <= 0)
    {
        return -1;
    }

    if (hpid == mpid) {
        return 0;
    }

    return (kill((pid_t) hpid, 0) == -1 && errno == ESRCH) ? 1 : 0;
}


static int
zt_lease_get(redisContext *c, const char *key, char *holder, size_t hlen)
{
    redisReply  *r;

    r = redisCommand(c, "GET %s", key);
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        zt_log_error("redis: GET \"%s\" failed: %s", key,
                     r ? r->str : c->errstr);
        if (r) {
            freeReplyObject(r);
        }
        return ZT_ERROR;
    }

    snprintf(holder, hlen, "%s", r->type == REDIS_REPLY_STRING ? r->str : "");
    freeReplyObject(r);

    return ZT_OK;
}


int
zt_lease_acquire(redisContext *c, const char *key, const char *token,
    int64_t ttl_ms, char *holder, size_t hlen)
{
    int          i, ok;
    char         ttl[32];
    redisReply  *r;

    snprintf(ttl, sizeof(ttl), "%lld", (long long) ttl_ms);

    for (i = 0; i < 2; i++) {
        r = redisCommand(c, "SET %s %s NX PX %s", key, token, ttl);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            zt_log_error("redis: SET \"%s\" failed: %s", key,
                         r ? r->str : c->errstr);
            if (r) {
                freeReplyObject(r);
            }
            return ZT_ERROR;
        }

        ok = (r->type == REDIS_REPLY_STATUS);
        freeReplyObject(r);

        if (ok) {
            return ZT_OK;
        }

        if (zt_lease_get(c, key, holder, hlen) != ZT_OK) {
            return ZT_ERROR;
        }

        if (holder[0] == '\0') {
            /* it expired in between: try again */
            continue;
        }

        switch (strcmp(holder, ZT_LEASE_RECLAIMED) == 0
                ? 1 : zt_lease_dead(holder, token))
        {
        case 0:
            return ZT_DECLINED;
        case -1:
            return ZT_RETRY;
        default:
            break;
        }

        r = redisCommand(c, "EVAL %s 1 %s %s %s %s", zt_lease_steal_lua,
                         key, holder, token, ttl);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            zt_log_error("redis: taking over \"%s\" failed: %s", key,
                         r ? r->str : c->errstr);
            if (r) {
                freeReplyObject(r);
            }
            return ZT_ERROR;
        }

        ok = (r->type == REDIS_REPLY_INTEGER && r->integer == 1);
        freeReplyObject(r);

        if (ok && strcmp(holder, ZT_LEASE_RECLAIMED) == 0) {
            zt_log_info("lease \"%s\": taken; another drainer had "
                        "reclaimed its records", key);
            return ZT_OK;
        }

        if (ok) {
            zt_log_info("lease \"%s\": took over from a drainer of this "
                        "host that has ended (%s)", key, holder);
            return ZT_OK;
        }
    }

    return ZT_DECLINED;
}


int
zt_lease_renew(redisContext *c, const char *key, const char *token,
    int64_t ttl_ms, char *holder, size_t hlen)
{
    long long    v;
    char         ttl[32];
    redisReply  *r;

    snprintf(ttl, sizeof(ttl), "%lld", (long long) ttl_ms);

    r = redisCommand(c, "EVAL %s 1 %s %s %s", zt_lease_renew_lua, key, token,
                     ttl);
    if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
        zt_log_error("redis: renewing lease \"%s\" failed: %s", key,
                     r && r->type == REDIS_REPLY_ERROR ? r->str
                     : c->errstr[0] ? c->errstr : "unexpected reply");
        if (r) {
            freeReplyObject(r);
        }
        return ZT_ERROR;
    }

    v = r->integer;
    freeReplyObject(r);

    if (v == 2) {
        zt_log_warn("lease \"%s\" had vanished (it expired, or Redis "
                    "restarted); set again", key);
    }

    if (v == 0) {
        if (zt_lease_get(c, key, holder, hlen) != ZT_OK) {
            return ZT_ERROR;
        }
        return ZT_DECLINED;
    }

    return ZT_OK;
}


void
zt_lease_release(redisContext *c, const char *key, const char *token)
{
    redisReply  *r;

    r = redisCommand(c, "EVAL %s 1 %s %s", zt_lease_release_lua, key, token);
    if (r) {
        freeReplyObject(r);
    }
}


/* escapes the glob characters of a key prefix for SCAN MATCH */
static void
zt_lease_glob(const char *s, char *out, size_t len)
{
    size_t  n;

    for (n = 0; *s && n + 3 < len; s++) {
        if (strchr("*?[]\\", *s)) {
            out[n++] = '\\';
        }
        out[n++] = *s;
    }

    out[n] = '\0';
}


long long
zt_lease_reclaim(redisContext *c, const char *queue, const char *own_proc)
{
    char         pat[512], cursor[32], lease[512], max[16];
    size_t       i, plen;
    long long    total, n, got;
    redisReply  *r, *keys, *m;
    const char  *key;

    zt_lease_glob(queue, pat, sizeof(pat) - 16);
    strcat(pat, ":processing:*");
    plen = strlen(queue) + sizeof(":processing:") - 1;
    snprintf(max, sizeof(max), "%d", ZT_LEASE_RECLAIM_MAX);
    snprintf(cursor, sizeof(cursor), "0");
    total = 0;

    do {
        r = redisCommand(c, "SCAN %s MATCH %s COUNT 1000", cursor, pat);
        if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2
            || r->element[0]->type != REDIS_REPLY_STRING
            || r->element[1]->type != REDIS_REPLY_ARRAY)
        {
            zt_log_error("redis: SCAN for \"%s\" failed: %s", pat,
                         r && r->type == REDIS_REPLY_ERROR ? r->str
                         : c->errstr[0] ? c->errstr : "unexpected reply");
            if (r) {
                freeReplyObject(r);
            }
            return -1;
        }

        snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
        keys = r->element[1];

        for (i = 0; i < keys->elements; i++) {
            key = keys->element[i]->str;

            if (keys->element[i]->type != REDIS_REPLY_STRING
                || strcmp(key, own_proc) == 0 || strlen(key) <= plen)
            {
                continue;
            }

            snprintf(lease, sizeof(lease), "%s:lease:%s", queue, key + plen);

            n = 0;
            do {
                m = redisCommand(c, "EVAL %s 3 %s %s %s %s %s %s",
                                 zt_lease_reclaim_lua, key, queue, lease,
                                 max, ZT_LEASE_RECLAIMED,
                                 ZT_LEASE_TOMBSTONE_MS);
                if (m == NULL || m->type != REDIS_REPLY_INTEGER) {
                    zt_log_error("redis: reclaiming \"%s\" failed: %s", key,
                                 m && m->type == REDIS_REPLY_ERROR ? m->str
                                 : c->errstr[0] ? c->errstr
                                 : "unexpected reply");
                    if (m) {
                        freeReplyObject(m);
                    }
                    freeReplyObject(r);
                    return -1;
                }
                got = m->integer > 0 ? m->integer : 0;
                n += got;
                freeReplyObject(m);
            } while (got == ZT_LEASE_RECLAIM_MAX);

            if (n > 0) {
                zt_log_warn("reclaimed %lld record(s) from \"%s\" (its "
                            "drainer's lease \"%s\" expired) back to \"%s\"",
                            n, key, lease, queue);
                total += n;
            }
        }

        freeReplyObject(r);

    } while (strcmp(cursor, "0") != 0);

    return total;
}
