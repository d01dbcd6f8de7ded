/*
 * zt_simulate_model_int: the simulator's state, shared by its files: the
 * generator (zt_simulate_model.c), the webhook bodies
 * (zt_simulate_webhook.c), the delivery schedule (zt_simulate_schedule.c)
 * and the ground truth as JSON (zt_simulate_expected.c).  Not for use
 * outside zoomtrack/simulate.
 *
 * Who frees what: everything hangs off the zt_sim_t, and zt_sim_free()
 * frees it all (the people's visits and intervals, every event's body).
 */

#ifndef ZT_SIMULATE_MODEL_INT_H
#define ZT_SIMULATE_MODEL_INT_H


#include <jansson.h>

#include "zt_simulate_model.h"


#define ZT_SIM_OPEN       -1                  /* an interval still open */


typedef enum {
    ZT_SIM_OUT = 0,                           /* not in (yet, or again) */
    ZT_SIM_MAIN,
    ZT_SIM_ROOM,
    ZT_SIM_GONE                               /* left for good */
} zt_sim_state_e;


#define ZT_SIM_NEXT_MAIN  -1                  /* zt_sim_visit_t.next */
#define ZT_SIM_NEXT_LEFT  -2


typedef struct {
    int      room;
    int64_t  join;
    int64_t  leave;
    int      next;                            /* a room or ZT_SIM_NEXT_* */
} zt_sim_visit_t;


typedef struct {
    int64_t  join;
    int64_t  leave;
} zt_sim_interval_t;


typedef struct {
    char                name[96];
    char                email[128];
    char                id[32];            /* Zoom account id or "" */
    char                reg[32];           /* registrant_id or "" */
    char                puuid[32];
    char                key[256];
    char                uid[24];           /* main-meeting user_id */
    char                room_uid[24];      /* breakout session user_id */
    zt_sim_state_e      state;
    int                 room;
    int                 last_leave;        /* their next leave is final */
    int64_t             next;
    int64_t             last_join;
    int64_t             last_left;
    zt_sim_visit_t     *visits;
    size_t              nvisits;
    zt_sim_interval_t  *iv;
    size_t              niv;
} zt_sim_person_t;


struct zt_sim_s {
    zt_sim_conf_t      conf;
    uint64_t           rng;
    int64_t            t0;
    int64_t            tend;
    int64_t            trooms;
    char               meeting_id[16];
    char               uuid[32];
    char               host_id[32];
    char               account_id[32];
    char               topic[64];
    char               start_time[32];
    char             (*room_uuid)[32];
    int64_t           *room_first;
    zt_sim_person_t   *people;
    zt_sim_event_t    *events;
    size_t             nevents;
    size_t             cap;
    uint64_t           uids;
    int                failed;
};


/* splitmix64: the one generator of every random choice */
uint64_t zt_sim_rand(uint64_t *state);

/* Zoom's participant times: seconds, "2021-07-13T21:45:51Z"; out: 21 */
void zt_sim_iso(int64_t ms, char *out);

/*
 * The webhook bodies (zt_simulate_webhook.c).  On failure they set
 * s->failed and append nothing.  zt_sim_emit() takes object over and
 * accepts the NULL of a failed zt_sim_object().
 */
json_t *zt_sim_object(zt_sim_t *s, int room);
void zt_sim_emit(zt_sim_t *s, const char *event, int64_t ts,
    json_t *object);
void zt_sim_participant_event(zt_sim_t *s, zt_sim_person_t *p, int64_t t,
    int join, int room, const char *reason);


#endif /* ZT_SIMULATE_MODEL_INT_H */
