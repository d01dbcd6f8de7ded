/*
 * zt_presence_int: the engine's state, shared by its files (the fold in
 * zt_presence.c, the state and its bookkeeping in zt_presence_state.c,
 * the time sets in zt_presence_ts.c, the string maps in
 * zt_presence_map.c, JSON in zt_presence_json.c, derivation in
 * zt_presence_derive.c, the journeys in zt_presence_journey.c, the live
 * state in zt_presence_live.c, a person's devices in
 * zt_presence_device.c, one participant under two keys in
 * zt_presence_link.c, the meetings dropped in zt_presence_gone.c, the
 * status CSV in zt_presence_csv.c, when an instance ends in
 * zt_presence_instance.c).  Not for use outside
 * zoomtrack/presence.
 *
 * Everything is a set of event times per (meeting, person[, room]):
 * insertion is commutative and idempotent, so any arrival order and any
 * duplicates give the same sets, and everything shown is derived from
 * the sets alone.
 */

#ifndef ZT_PRESENCE_INT_H
#define ZT_PRESENCE_INT_H


#include "zt_presence.h"


#define ZT_PRESENCE_KEY_LEN  512
#define ZT_PRESENCE_NONE     INT64_MAX

/* which value of a zt_presence_str_t an event may set */
#define ZT_PRESENCE_FIRST    1
#define ZT_PRESENCE_LAST     2


typedef enum {
    ZT_PR_IGNORE = 0,
    ZT_PR_OTHER,                        /* any other event of a meeting */
    ZT_PR_KNOCK,                        /* waiting to get in: not dated */
    ZT_PR_JOIN,
    ZT_PR_LEAVE,
    ZT_PR_ROOM_JOIN,
    ZT_PR_ROOM_LEAVE,
    ZT_PR_END
} zt_presence_kind_e;


typedef struct {
    int64_t  *v;                        /* sorted, unique */
    size_t    n;
    size_t    cap;
} zt_ts_set_t;


/* a string -> index map: open addressing, FNV-1a, power-of-2 slots */
typedef struct {
    uint32_t  *slot;                    /* index + 1; 0 = empty */
    size_t     cap;
} zt_pmap_t;


typedef struct {
    size_t       room;                  /* index into the meeting's rooms */
    zt_ts_set_t  joins;
    zt_ts_set_t  leaves;
} zt_presence_rset_t;


/*
 * A name or email kept twice: the latest non-empty (the status CSV) and
 * the first non-empty (the report); ties by the greater resp. smaller
 * string, so the outcome does not depend on order.
 */
typedef struct {
    char     *last;
    int64_t   last_ts;
    char     *first;
    int64_t   first_ts;
} zt_presence_str_t;


/*
 * A person, and (the same type) one device of a person: the sets of every
 * event of the person, and for each participant_uuid seen (a device or
 * session: Zoom keeps it across room hops) the sets of its own events,
 * key = the uuid, no names, no devices.  An event without a uuid is in
 * the person's sets only (zt_presence_device.c).
 */
typedef struct zt_presence_person_s  zt_presence_person_t;

struct zt_presence_person_s {
    char                   *key;
    zt_presence_str_t       name;
    zt_presence_str_t       email;
    zt_ts_set_t             joins;      /* main meeting */
    zt_ts_set_t             leaves;
    zt_presence_rset_t     *visits;     /* one per room entered */
    size_t                  nvisits;
    zt_presence_person_t  **devices;    /* by participant_uuid */
    size_t                  ndevices;
};


/*
 * What the rules are derived from: the person itself when it has at most
 * one device, else one view per device (zt_presence_views()).
 */
typedef struct {
    const zt_presence_person_t  **v;
    size_t                        n;
    zt_presence_person_t         *own;  /* the views built; NULL: v = pp */
    const zt_presence_person_t   *one;
} zt_presence_views_t;


/*
 * The people of a meeting as shown: as folded, unless a participant_uuid
 * is under two keys; then the copies of the people it leaves and joins
 * (zt_presence_link.c).  Valid until the next fold.
 */
typedef struct {
    const zt_presence_person_t *const  *v;     /* n people, people order */
    size_t                              n;
    const zt_presence_person_t        **w;     /* v when copies are made */
    zt_presence_person_t               *own;   /* the copies */
    size_t                              nown;
} zt_presence_people_t;


/* which set of a person or device (zt_presence_dev_set) */
#define ZT_SET_JOINS        0
#define ZT_SET_LEAVES       1
#define ZT_SET_ROOM_JOINS   2
#define ZT_SET_ROOM_LEAVES  3


typedef struct {
    char     *uuid;
    int64_t   first_join;               /* ZT_PRESENCE_NONE: no join seen */
    int64_t   first_seen;
} zt_presence_room_t;


typedef struct {
    char                   *uuid;
    char                   *id;         /* the greatest non-empty seen */
    int64_t                 first_ts;   /* any event; NONE: none yet */
    int64_t                 last_ts;
    int64_t                 seen_ms;    /* the clock at its last event's
                                           fold; not saved: a restart or a
                                           replay counts as one */
    int                     dirty;
    zt_ts_set_t             ends;
    int64_t                 cut;        /* a later instance's start, which
                                           ends it (zt_presence_cut); NONE:
                                           none.  Derived, not saved: each
                                           reader sets it before deriving */
    zt_presence_room_t     *rooms;
    size_t                  nrooms;
    zt_pmap_t               room_map;
    zt_presence_person_t  **people;
    size_t                  npeople;
    zt_pmap_t               people_map;
} zt_presence_meeting_t;


/* a meeting zt_presence_prune() dropped (zt_presence_gone.c) */
typedef struct {
    char     *uuid;
    int64_t   last_ts;                  /* its last event */
} zt_presence_gone_t;


struct zt_presence_s {
    zt_presence_meeting_t  **meetings;
    size_t                   n;
    zt_pmap_t                map;
    zt_presence_gone_t      *gone;      /* by time of drop */
    size_t                   ngone;
    zt_pmap_t                gone_map;
};


/* how long a dropped meeting is remembered past the prune window: Zoom's
 * retries end within two hours, a late event came six hours late */
#define ZT_PRESENCE_GONE_MS  (7 * 24 * 3600 * 1000LL)


/* zt_presence_ts.c */
int zt_ts_add(zt_ts_set_t *s, int64_t ts);
int zt_ts_union(zt_ts_set_t *dst, const zt_ts_set_t *src);
size_t zt_ts_lower(const zt_ts_set_t *s, int64_t ts);
int64_t zt_ts_last(const zt_ts_set_t *s);
int zt_ts_has_between(const zt_ts_set_t *s, int64_t lo, int64_t hi);

/* zt_presence_gone.c */
int zt_presence_gone_add(zt_presence_t *p, const char *uuid,
    int64_t last_ts);
int zt_presence_gone_has(const zt_presence_t *p, const char *uuid,
    int64_t ts);
void zt_presence_gone_expire(zt_presence_t *p, int64_t before);
void zt_presence_gone_free(zt_presence_t *p);
json_t *zt_presence_gone_to_json(const zt_presence_t *p);
int zt_presence_gone_from_json(zt_presence_t *p, const json_t *o);

/* zt_presence_state.c */
zt_presence_meeting_t *zt_presence_meeting(zt_presence_t *p,
    const char *uuid);
zt_presence_person_t *zt_presence_person(zt_presence_meeting_t *m,
    const char *key);
int zt_presence_room(zt_presence_meeting_t *m, const char *uuid,
    size_t *idx);
zt_presence_rset_t *zt_presence_rset(zt_presence_person_t *pp, size_t room);
zt_presence_person_t *zt_presence_device(zt_presence_person_t *pp,
    const char *id);
void zt_presence_person_free(zt_presence_person_t *pp);
/* a person's sets, visits and devices, not its key and names (a copy's
 * are the state's) */
void zt_presence_person_sets_free(zt_presence_person_t *pp);
int zt_presence_set_str(zt_presence_str_t *s, const char *val, int64_t ts,
    int which);
/* the rule of zt_presence_str_t's first and last values */
int zt_presence_str_before(const zt_presence_str_t *s, const char *val,
    int64_t ts);
int zt_presence_str_after(const zt_presence_str_t *s, const char *val,
    int64_t ts);
int zt_presence_set_id(zt_presence_meeting_t *m, const char *id);
int zt_presence_room_min(zt_presence_room_t *r, int64_t first_join,
    int64_t first_seen);
int zt_presence_seen(zt_presence_meeting_t *m, int64_t first,
    int64_t last);

/* zt_presence_instance.c */
/* the last main or room JOIN of anyone; INT64_MIN: none */
int64_t zt_presence_last_join(const zt_presence_meeting_t *m);
/* the first event of a later instance of m's id that ends m; NONE */
int64_t zt_presence_cut(const zt_presence_t *p,
    const zt_presence_meeting_t *m);
/* the same for every meeting, into their cut */
void zt_presence_cuts(const zt_presence_t *p);
/* m's first END (meeting.ended or its cut) at or after ts; NONE */
int64_t zt_presence_next_end(const zt_presence_meeting_t *m, int64_t ts);

/* zt_presence_map.c: the index for s, or (size_t) -1; add s -> idx */
size_t zt_pmap_find(const zt_pmap_t *map, const char *s,
    const char *(*name)(const void *base, size_t i), const void *base);
int zt_pmap_put(zt_pmap_t *map, const char *s, size_t idx, size_t n,
    const char *(*name)(const void *base, size_t i), const void *base);
void zt_pmap_rebuild(zt_pmap_t *map, size_t n,
    const char *(*name)(const void *base, size_t i), const void *base);

/* a step of the live sweep (zt_presence_steps, zt_presence_live.c); of
 * steps in one ms the departures come first, then the joins, then the
 * meeting's ends */
#define ZT_STEP_DEPART  0
#define ZT_STEP_JOIN    1
#define ZT_STEP_END     2


typedef struct {
    int64_t  ts;
    int      kind;                      /* ZT_STEP_* */
    int      move;                      /* a join: no new Last Join */
    size_t   dev;                       /* the view; 0 for an end */
} zt_presence_step_t;


/* zt_presence_derive.c */
int zt_presence_steps(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, size_t dev, zt_presence_step_t **ps,
    size_t *n, int64_t *room_ts, size_t *room);
int zt_presence_journey_sets(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, zt_journey_t *j);

/* zt_presence_journey.c */
int zt_presence_has_presence(const zt_presence_person_t *pp);
/* qsort() order of zt_journey_span_t: by start, then end */
int zt_presence_span_start_cmp(const void *a, const void *b);
/* qsort() order of zt_journey_visit_t: by start, then room */
int zt_presence_visit_cmp(const void *a, const void *b);

/* zt_presence_live.c */
void zt_presence_derive(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, zt_presence_row_t *row);
void zt_presence_derive_views(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, const zt_presence_views_t *vs,
    zt_presence_row_t *row);
unsigned zt_presence_room_no(const zt_presence_meeting_t *m, size_t idx);

/* zt_presence_device.c */
int zt_presence_views(const zt_presence_person_t *pp,
    zt_presence_views_t *vs);
void zt_presence_views_free(zt_presence_views_t *vs);
int zt_presence_sets_keep(const zt_presence_person_t *pp,
    const unsigned char *gone, zt_presence_person_t *c);
int zt_presence_journey_devices(const zt_presence_meeting_t *m,
    const zt_presence_person_t *pp, const zt_presence_views_t *vs,
    zt_journey_t *j);
const zt_ts_set_t *zt_presence_dev_set(const zt_presence_person_t *dv,
    int which, size_t room);

/* zt_presence_link.c */
int zt_presence_people(const zt_presence_meeting_t *m,
    zt_presence_people_t *pe);
void zt_presence_people_free(zt_presence_people_t *pe);
int zt_presence_linked(const zt_presence_person_t *pp,
    const zt_presence_person_t *strong);


#endif /* ZT_PRESENCE_INT_H */
