/*
 * Unit tests of the Redis queue (zoomtrack/drain/zt_queue.c) against a
 * private redis-server: address
 * parsing, FIFO takes into the processing list, the LTRIM ack with
 * dead-letter entries, redelivery of what a lost connection left behind,
 * and the BLMOVE send/poll/read cycle.  Fails without redis-server.
 */

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "zt_conf.h"
#include "zt_queue.h"
#include "tap.h"
#include "tap_redis.h"


static long long
cmd_int(redisContext *c, const char *fmt, const char *a, const char *b)
{
    long long    n;
    redisReply  *r;

    r = redisCommand(c, fmt, a, b);
    n = (r && r->type == REDIS_REPLY_INTEGER) ? r->integer : -1;
    if (r) {
        freeReplyObject(r);
    }
    return n;
}


static void
test_conf(void)
{
    char             err[256];
    zt_conf_t       *conf;
    zt_redis_conf_t  rc;

    setenv("ZOOMTRACK_REDIS_ADDRESS", "unix:/run/redis.sock", 1);
    conf = zt_conf_load(NULL, err, sizeof(err));
    is_int(zt_redis_conf_init(&rc, conf, err, sizeof(err)), ZT_OK,
           "unix: address");
    is_str(rc.path, "/run/redis.sock", "socket path");
    zt_redis_conf_free(&rc);
    zt_conf_free(conf);

    setenv("ZOOMTRACK_REDIS_ADDRESS", "10.0.0.5:70000", 1);
    conf = zt_conf_load(NULL, err, sizeof(err));
    is_int(zt_redis_conf_init(&rc, conf, err, sizeof(err)), ZT_ERROR,
           "bad port refused");
    ok(strstr(err, "bad port") != NULL, "message: %s", err);
    zt_conf_free(conf);

    setenv("ZOOMTRACK_REDIS_ADDRESS", "redis.local", 1);
    conf = zt_conf_load(NULL, err, sizeof(err));
    is_int(zt_redis_conf_init(&rc, conf, err, sizeof(err)), ZT_OK,
           "host without port");
    is_int(rc.port, 6379, "default port");
    ok(rc.password == NULL, "no password by default");
    zt_redis_conf_free(&rc);
    zt_conf_free(conf);

    unsetenv("ZOOMTRACK_REDIS_ADDRESS");
}


int
main(void)
{
    int              port, rc;
    char             dir[] = "/tmp/zt-unit-queue-XXXXXX", addr[64];
    char             err[256];
    size_t           dlen[1];
    zt_conf_t       *conf;
    zt_queue_t      *q;
    zt_qbatch_t      b;
    redisContext    *c;
    zt_redis_conf_t  rcf;
    struct pollfd    pfd;
    const char      *dead[1];

    test_conf();

    if (system("command -v redis-server >/dev/null 2>&1") != 0) {
        ok(0, "redis-server installed (scripts/install-deps)");
        return done_testing();
    }


    if (mkdtemp(dir) == NULL || (port = start_redis(dir)) < 0) {
        ok(0, "redis-server started");
        stop_redis();
        return done_testing();
    }

    snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
    setenv("ZOOMTRACK_REDIS_ADDRESS", addr, 1);
    conf = zt_conf_load(NULL, err, sizeof(err));
    is_int(zt_redis_conf_init(&rcf, conf, err, sizeof(err)), ZT_OK,
           "redis conf");

    c = zt_redis_connect(&rcf, err, sizeof(err));
    ok(c != NULL, "connect: %s", c ? "ok" : err);

    q = zt_queue_create(&rcf, "q", "me");
    is_str(q->proc, "q:processing:me", "processing list name");
    is_str(q->dead, "q:dead", "dead-letter list name");
    is_int(zt_queue_connect(q, err, sizeof(err)), ZT_OK, "queue connects");

    memset(&b, 0, sizeof(b));

    /* producers LPUSH: r1 is the oldest */
    cmd_int(c, "LPUSH q %s %s", "r1", "r2");
    cmd_int(c, "LPUSH q %s %s", "r3", "r4");
    cmd_int(c, "LPUSH q %s %s", "r5", "r5");

    rc = zt_queue_take(q, &b, 3);
    is_int(rc, 3, "take 3");
    is_str(b.items[0].raw, "r1", "oldest first");
    is_str(b.items[2].raw, "r3", "in order");
    is_int(cmd_int(c, "LLEN %s", "q:processing:me", NULL), 3,
           "the batch sits in the processing list");

    dead[0] = "{\"reason\":\"x\"}";
    dlen[0] = strlen(dead[0]);
    is_int(zt_queue_ack(q, b.n, dead, dlen, 1), ZT_OK, "ack");
    is_int(cmd_int(c, "LLEN %s", "q:processing:me", NULL), 0,
           "ack empties the processing list");
    is_int(cmd_int(c, "LLEN %s", "q:dead", NULL), 1, "dead entry pushed");
    zt_qbatch_reset(&b);

    /* a lost connection: what was taken is delivered again */
    is_int(zt_queue_take(q, &b, 10), 3, "take the rest");
    zt_qbatch_reset(&b);
    zt_queue_close(q);
    is_int(zt_queue_connect(q, err, sizeof(err)), ZT_OK, "reconnect");
    is_int(zt_queue_take(q, &b, 2), 2, "recovery takes its batch size");
    is_str(b.items[0].raw, "r4", "recovered oldest first");
    is_str(b.items[1].raw, "r5", "then the next");
    is_int(zt_queue_ack(q, b.n, NULL, NULL, 0), ZT_OK, "ack recovered");
    zt_qbatch_reset(&b);
    is_int(zt_queue_take(q, &b, 2), 1, "the last recovered record");
    is_str(b.items[0].raw, "r5", "the duplicate r5");
    is_int(zt_queue_ack(q, b.n, NULL, NULL, 0), ZT_OK, "ack");
    zt_qbatch_reset(&b);
    is_int(zt_queue_take(q, &b, 2), 0, "empty");
    ok(!q->recover, "back to normal moves");

    /* BLMOVE: times out empty, then wakes on a push */
    is_int(zt_queue_wait_send(q, 30), ZT_OK, "BLMOVE sent");
    pfd.fd = zt_queue_fd(q);
    pfd.events = POLLIN;
    do {
        rc = poll(&pfd, 1, 1000) == 1 ? zt_queue_wait_read(q, &b)
                                      : ZT_ERROR;
    } while (rc == ZT_DECLINED);
    is_int(rc, 0, "BLMOVE timed out empty");

    is_int(zt_queue_wait_send(q, 5000), ZT_OK, "BLMOVE sent again");
    cmd_int(c, "LPUSH q %s", "r6", NULL);
    do {
        rc = poll(&pfd, 1, 1000) == 1 ? zt_queue_wait_read(q, &b)
                                      : ZT_ERROR;
    } while (rc == ZT_DECLINED);
    is_int(rc, 1, "BLMOVE woke with a record");
    is_str(b.items[0].raw, "r6", "the pushed record");
    cmd_int(c, "LPUSH q %s %s", "r7", "r8");
    is_int(zt_queue_take(q, &b, 10), 2, "take appends to the batch");
    is_int((long long) b.n, 3, "batch of 3");
    is_int(zt_queue_ack(q, b.n, NULL, NULL, 0), ZT_OK, "ack");
    is_int(cmd_int(c, "LLEN %s", "q:processing:me", NULL), 0, "acked");
    zt_qbatch_reset(&b);

    /* a batch taken ahead of the one in hand: the ack trims only the one in
     * hand, and giving the other back restores the queue's order */
    {
        size_t       moved;
        zt_qbatch_t  a, n2;

        memset(&a, 0, sizeof(a));
        memset(&n2, 0, sizeof(n2));
        cmd_int(c, "LPUSH q %s %s", "p1", "p2");
        cmd_int(c, "LPUSH q %s %s", "p3", "p4");
        cmd_int(c, "LPUSH q %s", "p5", NULL);
        is_int(zt_queue_take(q, &a, 2), 2, "the batch in hand");
        is_int(zt_queue_take(q, &n2, 2), 2, "the next batch, taken ahead");
        is_int(zt_queue_ack(q, a.n, NULL, NULL, 0), ZT_OK,
               "ack of the batch in hand");
        is_int(cmd_int(c, "LLEN %s", "q:processing:me", NULL), 2,
               "the batch taken ahead stays in the processing list");
        is_int(zt_queue_giveback(q, n2.n, &moved), ZT_OK, "given back");
        is_int(moved, n2.n, "every record of it");
        is_int(cmd_int(c, "LLEN %s", "q:processing:me", NULL), 0,
               "processing list empty");
        zt_qbatch_reset(&n2);
        is_int(zt_queue_take(q, &n2, 10), 3, "all three come again");
        ok(n2.n == 3 && strcmp(n2.items[0].raw, "p3") == 0
           && strcmp(n2.items[1].raw, "p4") == 0
           && strcmp(n2.items[2].raw, "p5") == 0, "in their order");
        is_int(zt_queue_ack(q, n2.n, NULL, NULL, 0), ZT_OK, "ack");
        zt_qbatch_free(&a);
        zt_qbatch_free(&n2);
    }

    /* Redis gone: errors, not crashes */
    stop_redis();
    redis_pid = 0;
    is_int(zt_queue_take(q, &b, 2), ZT_ERROR, "take fails without redis");
    ok(q->c == NULL, "connection dropped");
    ok(zt_queue_connect(q, err, sizeof(err)) == ZT_ERROR
       && strstr(err, "cannot connect") != NULL, "connect error: %s", err);

    zt_qbatch_free(&b);
    zt_queue_destroy(q);
    redisFree(c);
    zt_redis_conf_free(&rcf);
    zt_conf_free(conf);

    snprintf(err, sizeof(err), "rm -rf %s", dir);
    (void) system(err);

    return done_testing();
}
