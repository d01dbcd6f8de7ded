/*
 * zt_simulate_model: the meeting `zoomtrack simulate` plays, as data.  A
 * seeded generator (splitmix64, never rand()) builds one meeting: start,
 * joins, breakout rooms, moves with Zoom's main-meeting left/joined pair,
 * real leaves and rejoins, dropped breakout leaves, the end; every event a
 * Zoom-shaped webhook body.  Alongside it keeps the ground truth (who is
 * where, when), from which zt_sim_expected() states what the status CSV
 * and the report must show.  Delivery (duplicates, local shuffling) is a
 * separate schedule over the same events.  No I/O here.
 */

#ifndef ZT_SIMULATE_MODEL_H
#define ZT_SIMULATE_MODEL_H


#include <jansson.h>

#include "zt_core.h"


typedef struct {
    unsigned   participants;    /* people in the meeting */
    unsigned   rooms;           /* breakout rooms; 0 = none */
    unsigned   minutes;         /* simulated length */
    uint64_t   seed;
    int64_t    start_ms;        /* 0: derived from the seed */
    double     missing;         /* share of droppable breakout leaves lost */
    int        no_end;          /* no meeting.ended: people stay online */
} zt_sim_conf_t;


typedef struct {
    int64_t   ts;               /* event_ts, ms */
    char     *body;             /* compact JSON, NUL-terminated */
    size_t    len;
    size_t    seq;              /* generation order, breaks ts ties */
} zt_sim_event_t;


typedef struct zt_sim_s  zt_sim_t;


/* NULL with a message in err (bad conf or out of memory) */
zt_sim_t *zt_sim_create(const zt_sim_conf_t *conf, char *err, size_t errlen);
void zt_sim_free(zt_sim_t *s);

/* the events in event_ts order */
size_t zt_sim_nevents(const zt_sim_t *s);
const zt_sim_event_t *zt_sim_event(const zt_sim_t *s, size_t i);

/*
 * The delivery order: indexes into the events, each event repeated with
 * probability dup, then locally shuffled: the next event sent is drawn at
 * random from a window of the next `window` ones (0 or 1: in order).
 * malloc()ed; NULL when out of memory.  Deterministic for the seed.
 */
size_t *zt_sim_schedule(zt_sim_t *s, double dup, unsigned window,
    size_t *n);

/*
 * What the sinks must end up with (see zoomtrack simulate --help for the
 * format).  tz formats the *_local fields like the status CSV.  A new JSON
 * object, or NULL when out of memory.
 */
json_t *zt_sim_expected(const zt_sim_t *s, const char *tz);


#endif /* ZT_SIMULATE_MODEL_H */
