/*
 * zt_attendance: the judgement of one person's presence (rules in
 * zt_attendance.h).
 */

#include <stdlib.h>

#include "zt_attendance.h"


static int
zt_attendance_cmp(const void *a, const void *b)
{
    const int64_t  *x = a, *y = b;

    return (x[0] > y[0]) - (x[0] < y[0]);
}


void
zt_attendance_judge(const zt_att_rules_t *r, int64_t (*iv)[2], size_t n,
    int on_roster, zt_att_t *out)
{
    size_t   i;
    int64_t  s, e, run_s, run_e, len;

    out->status = on_roster ? ZT_ATT_ABSENT : ZT_ATT_GUEST;
    out->late = 0;
    out->left_early = 0;
    out->present_ms = 0;
    out->first_join = 0;
    out->last_leave = 0;

    if (n == 0) {
        return;
    }

    qsort(iv, n, sizeof(iv[0]), zt_attendance_cmp);

    out->first_join = iv[0][0];
    out->last_leave = iv[0][1];

    /* the union of the intervals, clipped to the meeting */
    run_s = iv[0][0];
    run_e = iv[0][1];

    for (i = 1; i <= n; i++) {
        if (i < n && iv[i][0] <= run_e) {
            run_e = iv[i][1] > run_e ? iv[i][1] : run_e;
            continue;
        }

        s = run_s > r->start ? run_s : r->start;
        e = run_e < r->end ? run_e : r->end;
        out->present_ms += e > s ? e - s : 0;
        out->last_leave = run_e > out->last_leave ? run_e : out->last_leave;

        if (i < n) {
            run_s = iv[i][0];
            run_e = iv[i][1];
        }
    }

    out->late = out->first_join - r->start > r->late_after_ms;
    out->left_early = r->end - out->last_leave > r->left_early_ms;

    if (on_roster) {
        len = r->end - r->start;
        out->status = (len <= 0 || out->present_ms * 100 >= r->min_pct * len)
                      ? ZT_ATT_PRESENT : ZT_ATT_PARTIAL;
    }
}


const char *
zt_attendance_name(zt_att_status_e s)
{
    switch (s) {
    case ZT_ATT_PRESENT: return "present";
    case ZT_ATT_PARTIAL: return "partial";
    case ZT_ATT_ABSENT:  return "absent";
    case ZT_ATT_GUEST:   return "guest";
    default:             return "";
    }
}
