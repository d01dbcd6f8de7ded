/*
 * `zoomtrack drain`: reads the configuration, installs the signal handlers
 * (SIGTERM/SIGINT finish the batch in hand and exit 0; SIGHUP reloads the
 * logging settings and reopens the log file) and runs the engine.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zt_core.h"
#include "zt_cmd.h"
#include "zt_cmd_util.h"
#include "zt_conf.h"
#include "zt_engine.h"
#include "zt_log.h"


typedef struct {
    const char  *path;
} zt_drain_ctx_t;


static void zt_drain_usage(FILE *f);
static void zt_drain_signal(int signo);
static int zt_drain_signals(void);
static void zt_drain_hup(void *data);


static volatile sig_atomic_t  zt_drain_stop;
static volatile sig_atomic_t  zt_drain_reload;


static void
zt_drain_usage(FILE *f)
{
    fprintf(f,
        "usage: zoomtrack drain [-c FILE] [--once]\n"
        "\n"
        "Moves records from the Redis lists the nginx module fills into the\n"
        "enabled sinks (archive, warehouse, status).  Each sink takes its\n"
        "batches into <queue>:processing:<consumer> and removes them only\n"
        "after its write is committed; what a crash leaves there is\n"
        "delivered again at start.  Records that can never be stored go to\n"
        "<queue>:dead with the reason.  With [spool] dir set, files the\n"
        "module spooled while Redis was down are imported every second.\n"
        "\n"
        "options:\n"
        "  -c FILE    configuration file (INI; see 'zoomtrack config')\n"
        "  --once     drain until every queue, processing list and the\n"
        "             spool are empty, then exit\n"
        "  -h, --help this text\n"
        "\n"
        "signals: TERM/INT finish the current batch and exit 0; HUP\n"
        "reopens the log file and re-reads log_file and log_level.\n"
        "\n"
        "Drainers sharing a Redis: each holds a lease on its processing\n"
        "lists (<queue>:lease:<consumer>); a second drainer with the same\n"
        "consumer name exits 2.  Lists whose lease expired go back to\n"
        "their queue.  The status sink runs on one drainer at a time\n"
        "(<queue>:lease); the others stand by.  Counters for `zoomtrack\n"
        "status` go to DATA/drain-status.json every second.\n"
        "\n"
        "A sink that cannot open its files or database yet is started\n"
        "again with backoff while the others drain (see `zoomtrack\n"
        "status`).\n"
        "\n"
        "exit codes: 0 done, 1 failure (Redis unreachable with --once, a\n"
        "batch failing or a sink not starting [drain] max_attempts times\n"
        "with --once, a lease lost), 2 bad arguments or configuration, or\n"
        "the consumer name in use.\n");
}


int
zt_cmd_drain(int argc, char **argv)
{
    int              once, rc;
    char             err[512];
    zt_conf_t       *conf;
    const char      *path;
    zt_engine_t     *e;
    zt_drain_ctx_t   ctx;
    zt_engine_signals_t  sig;

    rc = zt_cmd_words("drain", argc, argv, "--once", &once, &path);
    if (rc != ZT_OK) {
        zt_drain_usage(rc == ZT_DECLINED ? stdout : stderr);
        return rc == ZT_DECLINED ? ZT_EXIT_OK : ZT_EXIT_USAGE;
    }

    conf = zt_cmd_conf("drain", path);
    if (conf == NULL) {
        return ZT_EXIT_USAGE;
    }

    if (zt_drain_signals() != ZT_OK) {
        zt_conf_free(conf);
        return ZT_EXIT_FAILURE;
    }

    srand48((long) time(NULL) ^ (long) getpid());

    e = zt_engine_create(conf, once, err, sizeof(err));
    if (e == NULL) {
        zt_log_error("drain: %s", err);
        zt_conf_free(conf);
        zt_log_open(NULL);
        return ZT_EXIT_USAGE;
    }

    zt_log_info("drain: started (pid %d)%s", (int) getpid(),
                once ? ", until the queues are empty" : "");

    ctx.path = path;
    sig.stop = &zt_drain_stop;
    sig.hup = &zt_drain_reload;
    sig.on_hup = zt_drain_hup;
    sig.data = &ctx;

    rc = zt_engine_run(e, &sig);

    zt_engine_destroy(e);
    zt_conf_free(conf);

    if (rc == ZT_DECLINED) {
        /* the line above says which: a setting, or the name in use */
        zt_log_error("drain: exiting: refused to start (see above)");
        zt_log_open(NULL);
        return ZT_EXIT_USAGE;
    }

    if (rc != ZT_OK) {
        zt_log_error("drain: exiting with failure (see above)");
        zt_log_open(NULL);
        return ZT_EXIT_FAILURE;
    }

    zt_log_info("drain: exiting");
    zt_log_open(NULL);
    return ZT_EXIT_OK;
}


static void
zt_drain_signal(int signo)
{
    if (signo == SIGHUP) {
        zt_drain_reload = 1;

    } else {
        zt_drain_stop = 1;
    }
}


static int
zt_drain_signals(void)
{
    struct sigaction  sa;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    /* no SA_RESTART: poll() must return at once */
    sa.sa_handler = zt_drain_signal;

    if (sigaction(SIGTERM, &sa, NULL) == -1
        || sigaction(SIGINT, &sa, NULL) == -1
        || sigaction(SIGHUP, &sa, NULL) == -1)
    {
        zt_log_error("drain: sigaction() failed");
        return ZT_ERROR;
    }

    sa.sa_handler = SIG_IGN;
    (void) sigaction(SIGPIPE, &sa, NULL);

    return ZT_OK;
}


/* SIGHUP: the logging keys apply at once; other changes need a restart */
static void
zt_drain_hup(void *data)
{
    char             err[512];
    zt_conf_t       *conf;
    zt_drain_ctx_t  *ctx = data;

    conf = zt_conf_load(ctx->path, err, sizeof(err));
    if (conf == NULL) {
        zt_log_error("drain: SIGHUP: %s; keeping the old settings", err);
        return;
    }

    if (zt_cmd_logging(conf, err, sizeof(err)) != ZT_OK) {
        zt_log_error("drain: SIGHUP: %s", err);

    } else {
        zt_log_info("drain: SIGHUP: log reopened (sink settings change "
                    "with a restart)");
    }

    zt_conf_free(conf);
}
