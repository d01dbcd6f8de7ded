/*
 * `zoomtrack backfill`: not written yet (see README, "Google Cloud").
 */

#include <stdio.h>

#include "zt_cmd.h"


int
zt_cmd_backfill(int argc, char **argv)
{
    fprintf(stderr, "zoomtrack backfill: not implemented yet\n");
    return ZT_EXIT_FAILURE;
}
