/*
 * drain-baseline: the Redis cost of the drain's reliable-queue pattern with
 * no sink at all, as a baseline for bench/drain.  It moves the records of
 * each list given into a processing list with pipelined LMOVEs (batch_size
 * at a time) and acks each batch with LTRIM, exactly as the engine does,
 * until the lists are empty, then prints "<records> <seconds>".
 *
 *   drain-baseline HOST PORT BATCH LIST...
 *
 * Built by bench/drain: cc -O2 -o build/bench/drain-baseline
 * bench/drain-baseline.c -lhiredis
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>


static double
bl_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


/* one batch: returns the records moved and acked, or -1 */
static long
bl_batch(redisContext *c, const char *src, const char *proc, long batch)
{
    long         i, got;
    char         stop[32];
    redisReply  *r;

    for (i = 0; i < batch; i++) {
        redisAppendCommand(c, "LMOVE %s %s RIGHT LEFT", src, proc);
    }

    got = 0;

    for (i = 0; i < batch; i++) {
        if (redisGetReply(c, (void **) &r) != REDIS_OK) {
            return -1;
        }
        if (r->type == REDIS_REPLY_STRING) {
            got++;
        }
        freeReplyObject(r);
    }

    if (got == 0) {
        return 0;
    }

    snprintf(stop, sizeof(stop), "%ld", -(got + 1));

    r = redisCommand(c, "LTRIM %s 0 %s", proc, stop);
    if (r == NULL) {
        return -1;
    }
    freeReplyObject(r);

    return got;
}


int
main(int argc, char **argv)
{
    int            i;
    long           batch, n, total;
    char           proc[512];
    double         t0;
    redisContext  *c;

    if (argc < 5) {
        fprintf(stderr, "usage: drain-baseline HOST PORT BATCH LIST...\n");
        return 2;
    }

    c = redisConnect(argv[1], atoi(argv[2]));
    if (c == NULL || c->err) {
        fprintf(stderr, "drain-baseline: cannot connect: %s\n",
                c ? c->errstr : "out of memory");
        return 1;
    }

    batch = atol(argv[3]);
    total = 0;
    t0 = bl_now();

    for (i = 4; i < argc; i++) {
        snprintf(proc, sizeof(proc), "%s:processing:baseline", argv[i]);

        do {
            n = bl_batch(c, argv[i], proc, batch);
            if (n < 0) {
                fprintf(stderr, "drain-baseline: %s\n", c->errstr);
                return 1;
            }
            total += n;
        } while (n > 0);
    }

    printf("%ld %.6f\n", total, bl_now() - t0);

    redisFree(c);
    return 0;
}
