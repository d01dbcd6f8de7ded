/*
 * zoomtrack: one binary, several subcommands (drain, simulate, report,
 * camera).  This file only dispatches.
 */

#include <stdio.h>
#include <string.h>

#include "zt_cmd.h"
#include "zt_conf.h"
#include "zt_fs.h"


typedef struct {
    const char  *name;
    int        (*run)(int argc, char **argv);
    const char  *help;
} zt_cmd_t;


static const zt_cmd_t  zt_cmds[] = {
    { "drain", zt_cmd_drain,
      "move events from Redis into the archive, warehouse and status CSV" },
    { "simulate", zt_cmd_simulate,
      "play a realistic signed meeting against a webhook URL" },
    { "report", zt_cmd_report,
      "build the daily room-journey report" },
    { "camera", zt_cmd_camera,
      "fetch per-minute camera data from Zoom's QOS API" },
    { "reconcile", zt_cmd_reconcile,
      "fill sessions the webhooks missed from Zoom's Report API" },
    { "prune", zt_cmd_prune,
      "delete data older than [retention] keeps" },
    { "attendance", zt_cmd_attendance,
      "attendance per person over a period, against the roster" },
    { "forget", zt_cmd_forget,
      "remove one person from every store" },
    { "setup", zt_cmd_setup,
      "create the BigQuery dataset and tables that are missing" },
    { "check", zt_cmd_check,
      "verify credentials, bucket, dataset, tables, Redis and paths" },
    { "backfill", zt_cmd_backfill,
      "load archived raw events into the warehouse" },
    { "status", zt_cmd_status,
      "the drainer's sinks: state, counters, queue lengths, last error" },
};


static void
zt_usage(FILE *f)
{
    size_t  i;

    fprintf(f, "usage: zoomtrack COMMAND [-c FILE] [options]\n\n"
            "commands:\n");

    for (i = 0; i < sizeof(zt_cmds) / sizeof(zt_cmds[0]); i++) {
        fprintf(f, "  %-10s %s\n", zt_cmds[i].name, zt_cmds[i].help);
    }

    fprintf(f, "\n'zoomtrack COMMAND --help' describes a command; "
            "'zoomtrack config' lists every configuration key.\n");
}


/* `zoomtrack config [--help]`: every key; it takes nothing else */
static int
zt_config(int argc, char **argv)
{
    if (argc > 2
        || (argc == 2 && strcmp(argv[1], "--help") != 0
            && strcmp(argv[1], "-h") != 0))
    {
        fprintf(stderr, "zoomtrack config: %s \"%s\"\n\n"
                "usage: zoomtrack config   (lists every configuration "
                "key)\n", argv[1][0] == '-' ? "unknown option"
                                             : "unexpected argument",
                argv[1]);
        return ZT_EXIT_USAGE;
    }

    printf("configuration keys (INI; env ZOOMTRACK_<SECTION>_<KEY>):\n");
    zt_conf_print_keys();
    return ZT_EXIT_OK;
}


int
main(int argc, char **argv)
{
    size_t  i;

    /*
     * every subcommand may create files naming participants (the
     * warehouse, outputs): owner-only unless its configuration widens it
     */
    zt_fs_modes_owner_only();

    if (argc < 2) {
        zt_usage(stderr);
        return ZT_EXIT_USAGE;
    }

    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0
        || strcmp(argv[1], "help") == 0)
    {
        zt_usage(stdout);
        return ZT_EXIT_OK;
    }

    if (strcmp(argv[1], "config") == 0) {
        return zt_config(argc - 1, argv + 1);
    }

    for (i = 0; i < sizeof(zt_cmds) / sizeof(zt_cmds[0]); i++) {
        if (strcmp(argv[1], zt_cmds[i].name) == 0) {
            return zt_cmds[i].run(argc - 1, argv + 1);
        }
    }

    fprintf(stderr, "zoomtrack: unknown command \"%s\"\n\n", argv[1]);
    zt_usage(stderr);
    return ZT_EXIT_USAGE;
}
