/*
 * zt_presence_ts: the presence engine's sets of event times (zt_ts_set_t):
 * sorted, unique, at most ZT_PRESENCE_MAX_TS times (the oldest drop), so
 * an insertion is commutative and idempotent.  The set owns its array;
 * whoever owns the set frees v.  And an interval of such times clipped to
 * a day (zt_presence_clip, the report's midnight rule).
 */

#include <stdlib.h>
#include <string.h>

#include "zt_presence_int.h"


/* returns 1 if ts was added, 0 if already present, ZT_ERROR */
int
zt_ts_add(zt_ts_set_t *s, int64_t ts)
{
    size_t    i, cap;
    int64_t  *v;

    i = zt_ts_lower(s, ts);
    if (i < s->n && s->v[i] == ts) {
        return 0;
    }

    if (s->n == ZT_PRESENCE_MAX_TS) {
        if (i == 0) {
            return 0;          /* older than everything kept */
        }
        memmove(s->v, s->v + 1, (i - 1) * sizeof(int64_t));
        s->v[i - 1] = ts;
        return 1;
    }

    if (s->n == s->cap) {
        cap = s->cap ? s->cap * 2 : 4;
        v = realloc(s->v, cap * sizeof(int64_t));
        if (v == NULL) {
            return ZT_ERROR;
        }
        s->v = v;
        s->cap = cap;
    }

    memmove(s->v + i + 1, s->v + i, (s->n - i) * sizeof(int64_t));
    s->v[i] = ts;
    s->n++;

    return 1;
}


/* adds every time of src to dst: ZT_OK, ZT_ERROR */
int
zt_ts_union(zt_ts_set_t *dst, const zt_ts_set_t *src)
{
    size_t  i;

    for (i = 0; i < src->n; i++) {
        if (zt_ts_add(dst, src->v[i]) == ZT_ERROR) {
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


/* index of the first element >= ts */
size_t
zt_ts_lower(const zt_ts_set_t *s, int64_t ts)
{
    size_t  lo, hi, mid;

    lo = 0;
    hi = s->n;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (s->v[mid] < ts) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    return lo;
}


/* the largest element, or INT64_MIN */
int64_t
zt_ts_last(const zt_ts_set_t *s)
{
    return s->n ? s->v[s->n - 1] : INT64_MIN;
}


int
zt_ts_has_between(const zt_ts_set_t *s, int64_t lo, int64_t hi)
{
    size_t  i;

    i = zt_ts_lower(s, lo);
    return i < s->n && s->v[i] <= hi;
}


int
zt_presence_clip(int64_t s, int64_t e, int64_t from, int64_t to,
    int64_t *cs, int64_t *ce)
{
    if (!((s < to && e > from) || (s == e && s >= from && s < to))) {
        return 0;
    }

    *cs = s > from ? s : from;
    *ce = e < to ? e : to;

    return 1;
}
