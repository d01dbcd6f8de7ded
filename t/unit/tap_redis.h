/*
 * A private redis-server for the unit tests that need one (queue, lease,
 * engine): started on a port the test picked, in a directory it owns,
 * without persistence; polled until it answers (4 s at most).
 */

#ifndef ZT_TAP_REDIS_H
#define ZT_TAP_REDIS_H


#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>

#include <hiredis/hiredis.h>


static pid_t  redis_pid;


static int __attribute__((unused))
start_redis(int port, const char *dir)
{
    int            i;
    char           p[16];
    redisContext  *c;

    snprintf(p, sizeof(p), "%d", port);

    redis_pid = fork();
    if (redis_pid == 0) {
        freopen("/dev/null", "w", stdout);
        execlp("redis-server", "redis-server", "--port", p, "--bind",
               "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir,
               (char *) NULL);
        _exit(127);
    }

    for (i = 0; i < 200; i++) {
        c = redisConnect("127.0.0.1", port);
        if (c && c->err == 0) {
            redisFree(c);
            return 0;
        }
        if (c) {
            redisFree(c);
        }
        usleep(20000);
    }

    return -1;
}


static void __attribute__((unused))
stop_redis(void)
{
    if (redis_pid > 0) {
        kill(redis_pid, SIGTERM);
        waitpid(redis_pid, NULL, 0);
    }
}


#endif /* ZT_TAP_REDIS_H */
