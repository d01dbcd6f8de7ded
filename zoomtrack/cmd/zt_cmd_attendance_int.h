/*
 * zt_cmd_attendance_int: one `zoomtrack attendance` run, shared by the
 * command (zt_cmd_attendance.c: reading the period, judging each session)
 * and its writers (zt_cmd_attendance_write.c: CSV, JSON, HTML).  Not for
 * use outside zoomtrack/cmd.
 *
 * Who frees what: zt_cmd_attendance() owns the run and frees it all at
 * its end; the writers only read it (and sort its people).
 */

#ifndef ZT_CMD_ATTENDANCE_INT_H
#define ZT_CMD_ATTENDANCE_INT_H


#include <stdio.h>

#include "zt_attendance_meeting.h"


typedef struct {
    char       *uuid;
    char       *id;
    int64_t     first;             /* its start, else its first event */
} zt_att_mtg_t;


/* one person of the period: a roster person, or a guest's person key */
typedef struct {
    char       *id;                /* "r:" email/name key, or "g:" key */
    char       *name;
    char       *email;
    char       *group;
    size_t      held, attended, late, early;
    int64_t     present_ms, meeting_ms;
    char       *cells;             /* status letter per session */
} zt_att_person_t;


typedef struct {
    zt_presence_t        *p;
    zt_meeting_bounds_t  *bounds;
    zt_att_mtg_t      *m;
    size_t             nm;
    zt_att_person_t   *people;
    size_t             npeople;
    size_t             nsessions;
    const char        *tz;
    int                oom;
} zt_att_run_t;


/* the period's table in format (csv, json or html), people sorted */
int zt_att_write(const zt_att_run_t *run, const char *format, FILE *f);


#endif /* ZT_CMD_ATTENDANCE_INT_H */
