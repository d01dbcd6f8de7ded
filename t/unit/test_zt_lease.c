/*
 * Unit tests of the drainers' leases (zoomtrack/drain/zt_lease.c) against
 * a private redis-server: the token, SET NX with a live holder here, a
 * dead holder here (taken over at once) and a holder elsewhere (wait);
 * renewal, a vanished lease set again, a lease lost to another drainer
 * or to a reclaim of our list;
 * release only of our own lease; reclaim of an orphaned processing list
 * back to its queue with the oldest record next out, leaving our own and
 * leased lists alone.  Fails without redis-server.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "zt_lease.h"
#include "tap.h"
#include "tap_redis.h"


/* the reply of a command as a string ("" for nil), in buf */
static const char *
cmd_str(redisContext *c, char *buf, size_t len, const char *fmt,
    const char *a, const char *b)
{
    redisReply  *r;

    r = redisCommand(c, fmt, a, b);
    snprintf(buf, len, "%s",
             r && r->type == REDIS_REPLY_STRING ? r->str
             : r && r->type == REDIS_REPLY_INTEGER ? "(int)" : "");
    if (r) {
        freeReplyObject(r);
    }
    return buf;
}


/* token with another pid: host:<pid>:<the rest of token> */
static void
with_pid(const char *token, long pid, char *out, size_t len)
{
    const char  *p, *rest;

    p = strchr(token, ':');
    rest = strchr(p + 1, ':');
    snprintf(out, len, "%.*s:%ld%.64s", (int) (p - token), token, pid, rest);
}


static void
test_token(const char *token)
{
    char  who[ZT_LEASE_TOKEN_LEN], want[300], host[128];
    long  pid;
    char  ns[32], rnd[32];

    ok(sscanf(token, "%127[^:]:%ld:%31[0-9]:%31[0-9a-f]", host, &pid, ns,
              rnd) == 4, "token is host:pid:pidns:random (%s)", token);
    is_int(pid, getpid(), "token carries the pid");
    is_int((long long) strlen(rnd), 16, "64 random bits");

    zt_lease_who(token, who, sizeof(who));
    snprintf(want, sizeof(want), "%s:%ld", host, (long) getpid());
    is_str(who, want, "who: host:pid");
}


int
main(void)
{
    int            port;
    char           dir[] = "/tmp/zt-unit-lease-XXXXXX";
    char           token[ZT_LEASE_TOKEN_LEN], holder[ZT_LEASE_TOKEN_LEN];
    char           other[ZT_LEASE_TOKEN_LEN + 64], buf[256];
    pid_t          dead;
    redisContext  *c;

    if (system("command -v redis-server >/dev/null 2>&1") != 0) {
        ok(0, "redis-server installed (scripts/install-deps)");
        return done_testing();
    }

    if (mkdtemp(dir) == NULL || (port = start_redis(dir)) < 0) {
        ok(0, "redis-server started");
        return done_testing();
    }

    /*
     * a pid of this host that has ended, for the dead holder below; made
     * before anything is allocated, because memcheck checks the child at
     * its _exit too and would call the connection it inherits lost
     */
    dead = fork();
    if (dead == 0) {
        _exit(0);
    }
    waitpid(dead, NULL, 0);

    c = redisConnect("127.0.0.1", port);
    ok(c && c->err == 0, "connected");

    zt_lease_token(token, sizeof(token));
    test_token(token);

    /* a free lease */
    is_int(zt_lease_acquire(c, "q:lease:me", token, 5000, holder,
                            sizeof(holder)), ZT_OK, "free lease acquired");
    is_str(cmd_str(c, buf, sizeof(buf), "GET %s", "q:lease:me", NULL),
           token, "holds our token");

    /* held by a live process of this host: the parent of this test */
    with_pid(token, (long) getppid(), other, sizeof(other));
    is_int(zt_lease_acquire(c, "q:lease:me", other, 5000, holder,
                            sizeof(holder)), ZT_DECLINED,
           "held by a live process here: declined");
    is_str(holder, token, "the holder is named");

    /* held by a process of this host that has ended: taken over */
    with_pid(token, (long) dead, other, sizeof(other));
    cmd_str(c, buf, sizeof(buf), "SET q:lease:dead %s", other, NULL);
    is_int(zt_lease_acquire(c, "q:lease:dead", token, 5000, holder,
                            sizeof(holder)), ZT_OK,
           "a dead holder of this host is taken over");
    is_str(cmd_str(c, buf, sizeof(buf), "GET %s", "q:lease:dead", NULL),
           token, "now ours");

    /* held elsewhere: cannot tell, wait for expiry */
    cmd_str(c, buf, sizeof(buf), "SET q:lease:far %s PX 60000",
            "far.example:12:4026531836:00ff", NULL);
    is_int(zt_lease_acquire(c, "q:lease:far", token, 5000, holder,
                            sizeof(holder)), ZT_RETRY,
           "a holder on another host: retry later");

    /* renew */
    is_int(zt_lease_renew(c, "q:lease:me", token, 5000, holder,
                          sizeof(holder)), ZT_OK, "renewed");
    cmd_str(c, buf, sizeof(buf), "DEL %s", "q:lease:me", NULL);
    is_int(zt_lease_renew(c, "q:lease:me", token, 5000, holder,
                          sizeof(holder)), ZT_OK, "a vanished lease is set");
    is_str(cmd_str(c, buf, sizeof(buf), "GET %s", "q:lease:me", NULL),
           token, "again");
    cmd_str(c, buf, sizeof(buf), "SET q:lease:me %s", "thief:1:1:1", NULL);
    is_int(zt_lease_renew(c, "q:lease:me", token, 5000, holder,
                          sizeof(holder)), ZT_DECLINED, "lost to another");
    is_str(holder, "thief:1:1:1", "who took it");

    /* release: only ours */
    zt_lease_release(c, "q:lease:me", token);
    is_str(cmd_str(c, buf, sizeof(buf), "GET %s", "q:lease:me", NULL),
           "thief:1:1:1", "another's lease is not released");
    zt_lease_release(c, "q:lease:dead", token);
    is_str(cmd_str(c, buf, sizeof(buf), "GET %s", "q:lease:dead", NULL),
           "", "ours is");

    /* reclaim: r1 oldest; a drainer moved r1..r3 into its list and died */
    cmd_str(c, buf, sizeof(buf), "LPUSH q %s %s", "r1", "r2");
    cmd_str(c, buf, sizeof(buf), "LPUSH q %s", "r3", NULL);
    cmd_str(c, buf, sizeof(buf), "LMOVE q %s RIGHT LEFT",
            "q:processing:ghost", NULL);
    cmd_str(c, buf, sizeof(buf), "LMOVE q %s RIGHT LEFT",
            "q:processing:ghost", NULL);
    cmd_str(c, buf, sizeof(buf), "LMOVE q %s RIGHT LEFT",
            "q:processing:ghost", NULL);
    cmd_str(c, buf, sizeof(buf), "LPUSH q %s", "r4", NULL);
    /* our own list and a leased one */
    cmd_str(c, buf, sizeof(buf), "LPUSH %s %s", "q:processing:me", "m1");
    cmd_str(c, buf, sizeof(buf), "LPUSH %s %s", "q:processing:alive", "a1");
    cmd_str(c, buf, sizeof(buf), "SET q:lease:alive %s PX 60000",
            "far:1:1:1", NULL);
    /* another queue's list */
    cmd_str(c, buf, sizeof(buf), "LPUSH %s %s", "q*:processing:x", "x1");

    is_int(zt_lease_reclaim(c, "q", "q:processing:me"), 3,
           "3 records reclaimed");
    is_str(cmd_str(c, buf, sizeof(buf), "RPOP %s", "q", NULL), "r1",
           "the oldest comes out first");
    is_str(cmd_str(c, buf, sizeof(buf), "RPOP %s", "q", NULL), "r2", "then");
    is_str(cmd_str(c, buf, sizeof(buf), "RPOP %s", "q", NULL), "r3", "then");
    is_str(cmd_str(c, buf, sizeof(buf), "RPOP %s", "q", NULL), "r4",
           "then the newer one");
    is_str(cmd_str(c, buf, sizeof(buf), "LINDEX %s 0", "q:processing:ghost",
                   NULL), "", "the orphaned list is empty");
    is_str(cmd_str(c, buf, sizeof(buf), "LINDEX %s 0", "q:processing:me",
                   NULL), "m1", "our own list is left alone");
    is_str(cmd_str(c, buf, sizeof(buf), "LINDEX %s 0", "q:processing:alive",
                   NULL), "a1", "a leased list is left alone");
    is_str(cmd_str(c, buf, sizeof(buf), "LINDEX %s 0", "q*:processing:x",
                   NULL), "x1", "another queue's list is left alone");
    is_int(zt_lease_reclaim(c, "q", "q:processing:me"), 0,
           "nothing more to reclaim");

    /* the reclaimed list's owner, only held up, must not take its lease
     * again (its acks trim by count); a new drainer of it may */
    is_str(cmd_str(c, buf, sizeof(buf), "GET %s", "q:lease:ghost", NULL),
           ZT_LEASE_RECLAIMED, "the reclaimed list's lease says so");
    is_int(zt_lease_renew(c, "q:lease:ghost", "vm:1:1:1", 5000, holder,
                          sizeof(holder)), ZT_DECLINED,
           "its owner cannot renew it");
    is_str(holder, ZT_LEASE_RECLAIMED, "and learns why");
    cmd_str(c, buf, sizeof(buf), "LPUSH %s %s", "q:processing:ghost", "g1");
    is_int(zt_lease_reclaim(c, "q", "q:processing:me"), 1,
           "what it took since is reclaimed too");
    is_str(cmd_str(c, buf, sizeof(buf), "RPOP %s", "q", NULL), "g1",
           "back in the queue");
    is_int(zt_lease_acquire(c, "q:lease:ghost", token, 5000, holder,
                            sizeof(holder)), ZT_OK,
           "a new drainer of that consumer takes the lease at once");
    is_str(cmd_str(c, buf, sizeof(buf), "GET %s", "q:lease:ghost", NULL),
           token, "as its own");

    /* glob characters in a queue name are escaped for SCAN MATCH */
    is_int(zt_lease_reclaim(c, "q*", "q*:processing:me"), 1,
           "queue \"q*\": only its own orphaned list");
    is_str(cmd_str(c, buf, sizeof(buf), "RPOP %s", "q*", NULL), "x1",
           "back in \"q*\"");
    is_str(cmd_str(c, buf, sizeof(buf), "LINDEX %s 0", "q:processing:me",
                   NULL), "m1", "\"q\"'s lists untouched");

    redisFree(c);
    stop_redis();

    snprintf(buf, sizeof(buf), "rm -rf %s", dir);
    (void) system(buf);

    return done_testing();
}
