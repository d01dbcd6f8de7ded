/*
 * zt_simulate_schedule: the delivery order of the simulated events, apart
 * from the events themselves: each event repeated with probability dup,
 * then locally shuffled.  Its own generator state, seeded from the conf's
 * seed, so the schedule does not change the meeting.  The caller frees the
 * list it returns.
 */

#include <stdlib.h>

#include "zt_simulate_model_int.h"


size_t *
zt_sim_schedule(zt_sim_t *s, double dup, unsigned window, size_t *n)
{
    size_t    i, k, m, in, *list, *out, *pool, np, tmp;
    uint64_t  rng;

    rng = s->conf.seed ^ 0x5ca1ab1e0ddba11ULL;

    list = malloc((2 * s->nevents + 1) * sizeof(size_t));
    out = malloc((2 * s->nevents + 1) * sizeof(size_t));
    pool = malloc(((size_t) window + 1) * sizeof(size_t));
    if (list == NULL || out == NULL || pool == NULL) {
        free(list);
        free(out);
        free(pool);
        return NULL;
    }

    m = 0;
    for (i = 0; i < s->nevents; i++) {
        list[m++] = i;
        if ((double) (zt_sim_rand(&rng) >> 11) / 9007199254740992.0 < dup) {
            list[m++] = i;
        }
    }

    if (window < 2) {
        free(out);
        free(pool);
        *n = m;
        return list;
    }

    /* the next one sent is drawn at random from the next `window` */
    np = 0;
    in = 0;
    while (np < window && in < m) {
        pool[np++] = list[in++];
    }

    for (i = 0; np; i++) {
        k = zt_sim_rand(&rng) % np;
        out[i] = pool[k];

        if (in < m) {
            pool[k] = list[in++];

        } else {
            tmp = pool[--np];
            pool[k] = tmp;
        }
    }

    free(list);
    free(pool);
    *n = m;
    return out;
}
