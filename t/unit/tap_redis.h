/*
 * A private redis-server for the unit tests that need one (queue, lease,
 * engine): started on a free port in a directory the test owns, without
 * persistence; polled until it answers as the process we started (4 s at
 * most), so a port taken by another test's server is never used.
 */

#ifndef ZT_TAP_REDIS_H
#define ZT_TAP_REDIS_H


#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <hiredis/hiredis.h>


static pid_t  redis_pid;


/* a port the kernel says is free now (another process may still take it
 * before redis-server binds it: start_redis() then tries another) */
static int
tap_free_port(void)
{
    int                 fd, port;
    socklen_t           len;
    struct sockaddr_in  sa;

    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd == -1) {
        return -1;
    }

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof(sa);

    port = -1;
    if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0
        && getsockname(fd, (struct sockaddr *) &sa, &len) == 0)
    {
        port = ntohs(sa.sin_port);
    }

    close(fd);
    return port;
}


/* the server on port answers and is the one we started */
static int
tap_redis_is_ours(int port)
{
    int            ours;
    char           want[32];
    redisContext  *c;
    redisReply    *r;

    c = redisConnect("127.0.0.1", port);
    if (c == NULL || c->err) {
        if (c) {
            redisFree(c);
        }
        return 0;
    }

    snprintf(want, sizeof(want), "process_id:%d\r", (int) redis_pid);
    r = redisCommand(c, "INFO server");
    ours = r && r->type == REDIS_REPLY_STRING && strstr(r->str, want);
    if (r) {
        freeReplyObject(r);
    }
    redisFree(c);

    return ours;
}


/*
 * Starts redis-server on a free port; returns the port, or -1.  A port
 * taken between the pick and the bind makes the server exit: another
 * port is tried, so a test never talks to someone else's server.
 */
static int __attribute__((unused))
start_redis(const char *dir)
{
    int    i, try, port, st;
    char   p[16];

    for (try = 0; try < 5; try++) {
        port = tap_free_port();
        if (port <= 0) {
            return -1;
        }

        snprintf(p, sizeof(p), "%d", port);

        redis_pid = fork();
        if (redis_pid == 0) {
            if (freopen("/dev/null", "w", stdout) == NULL) {
                _exit(127);
            }
            execlp("redis-server", "redis-server", "--port", p, "--bind",
                   "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
                   dir, (char *) NULL);
            _exit(127);
        }

        if (redis_pid == -1) {
            return -1;
        }

        for (i = 0; i < 200; i++) {
            if (waitpid(redis_pid, &st, WNOHANG) == redis_pid) {
                redis_pid = 0;
                break;
            }
            if (tap_redis_is_ours(port)) {
                return port;
            }
            usleep(20000);
        }

        if (redis_pid > 0) {
            kill(redis_pid, SIGKILL);
            waitpid(redis_pid, NULL, 0);
            redis_pid = 0;
            return -1;
        }
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
