/*
 * zt_report_int: what zt_report_build.c and zt_report_rooms.c share: the
 * report's private memory (a pool for cells, zt_report_pool.c) and one
 * meeting's context while its rows are built.  Not for use outside
 * zoomtrack/report.
 */

#ifndef ZT_REPORT_INT_H
#define ZT_REPORT_INT_H


#include "zt_report.h"
#include "zt_attendance_meeting.h"
#include "zt_meeting_bounds.h"


#define ZT_POOL_BLOCK  65536


typedef struct zt_pool_blk_s  zt_pool_blk_t;

struct zt_pool_blk_s {
    zt_pool_blk_t  *next;
    size_t          used;
    size_t          cap;
    char            data[];
};


/* what a report owns besides its arrays */
typedef struct {
    zt_pool_blk_t        *pool;
    zt_presence_t        *p;
    zt_meeting_bounds_t  *bounds;      /* meeting.started / ended */
    char                **reconciled;  /* "uuid\nkey", sorted */
    size_t                nreconciled, capreconciled;
} zt_report_priv_t;


typedef struct {
    const char  *key;              /* pooled, shared by a person's rows */
    int64_t      ts;
    int          on;
} zt_cam_t;


typedef struct {
    const char  *uuid;
    unsigned     no;
    int64_t      first_join;
    const char  *by_instance;      /* room_names for the meeting uuid */
    const char  *by_id;            /* room_names for the meeting id */
    const char  *name;             /* the name shown */
} zt_rname_t;


typedef struct {
    const char  *room_name;
    const char  *email;
} zt_pa_t;


typedef struct {
    size_t       room;             /* index into the rooms */
    const char  *name;
    size_t       n;
} zt_vote_t;


/* one meeting instance while its rows are built */
typedef struct {
    zt_report_priv_t   *priv;
    char                status[32];
    zt_cam_t           *cams;      /* by key, then minute */
    size_t              ncams, capcams;
    zt_rname_t         *rooms;     /* by uuid */
    size_t              nrooms;
    zt_pa_t            *pa;        /* by email */
    size_t              npa, cappa;
    zt_vote_t          *votes;
    size_t              nvotes, capvotes;
    const zt_journey_t *j0;        /* the meeting's first journey */
    const zt_roster_t  *roster;    /* NULL: no roster */
    zt_att_meeting_t    am;        /* attendance by journey - j0 */
} zt_report_mtg_t;


/* zt_report_attendance.c */
int zt_report_att_meeting(zt_report_mtg_t *mt, const zt_wh_query_t *q,
    const zt_journey_t *j, size_t n, char *err, size_t errlen);
void zt_report_att_cells(zt_report_mtg_t *mt, const zt_journey_t *j,
    const char **cells);
void zt_report_att_absent_cells(zt_report_mtg_t *mt, long k,
    const char **cells);
int zt_report_is_reconciled(const zt_report_priv_t *priv, const char *uuid,
    const char *key);

/* zt_report_pool.c: allocations that live as long as the report */
void *zt_pool_alloc(zt_report_priv_t *priv, size_t n);
char *zt_pool_strdup(zt_report_priv_t *priv, const char *s);
void zt_pool_free(zt_report_priv_t *priv);

/* zt_report_rooms.c: the rooms of the meeting and their names */
int zt_report_rooms(zt_report_mtg_t *mt, const zt_journey_t *j, size_t n);
zt_rname_t *zt_report_room(zt_report_mtg_t *mt, const char *uuid);
int zt_report_room_name_cb(void *data, const char *room_uuid,
    const char *name, int by_instance);
int zt_report_pa_cb(void *data, const char *room_name, const char *email);
int zt_report_pa_cmp(const void *a, const void *b);
int zt_report_infer(zt_report_mtg_t *mt, const zt_journey_t *j, size_t n);


#endif /* ZT_REPORT_INT_H */
