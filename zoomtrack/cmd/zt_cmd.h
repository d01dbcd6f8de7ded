/*
 * The zoomtrack subcommands.  Each takes the argv that follows its name
 * (argv[0] is the subcommand) and returns the process exit code:
 * ZT_EXIT_OK, ZT_EXIT_FAILURE (the work failed), ZT_EXIT_USAGE (bad
 * arguments or configuration).
 */

#ifndef ZT_CMD_H
#define ZT_CMD_H


#define ZT_EXIT_OK       0
#define ZT_EXIT_FAILURE  1
#define ZT_EXIT_USAGE    2


int zt_cmd_drain(int argc, char **argv);
int zt_cmd_simulate(int argc, char **argv);
int zt_cmd_report(int argc, char **argv);
int zt_cmd_camera(int argc, char **argv);
int zt_cmd_reconcile(int argc, char **argv);
int zt_cmd_prune(int argc, char **argv);
int zt_cmd_forget(int argc, char **argv);
int zt_cmd_attendance(int argc, char **argv);
int zt_cmd_setup(int argc, char **argv);
int zt_cmd_check(int argc, char **argv);
int zt_cmd_backfill(int argc, char **argv);
int zt_cmd_status(int argc, char **argv);


#endif /* ZT_CMD_H */
