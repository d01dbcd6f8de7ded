/*
 * zt_attendance: how a person's presence in one meeting instance is judged
 * against the meeting (the report's attendance columns and `zoomtrack
 * attendance`).  Pure.
 *
 *   - the meeting runs from its meeting.started to its meeting.ended
 *     (else its first join to its last leave);
 *   - present_ms is the union of the person's presence intervals clipped
 *     to the meeting (several identities of one roster person merge);
 *   - a roster person who never joined is "absent", anyone who joined but
 *     is not on the roster a "guest"; a roster person present for at least
 *     min_pct of the meeting is "present", else "partial";
 *   - late: the first join is more than late_after_ms after the start;
 *     left_early: the last leave is more than left_early_ms before the end
 *     (guests get both too; absent people neither).
 */

#ifndef ZT_ATTENDANCE_H
#define ZT_ATTENDANCE_H


#include <stddef.h>
#include <stdint.h>


typedef enum {
    ZT_ATT_NONE = 0,               /* no roster: columns stay empty */
    ZT_ATT_PRESENT,
    ZT_ATT_PARTIAL,
    ZT_ATT_ABSENT,
    ZT_ATT_GUEST
} zt_att_status_e;


typedef struct {
    int64_t  start;                /* the meeting's, ms */
    int64_t  end;
    int64_t  late_after_ms;
    int64_t  left_early_ms;
    int64_t  min_pct;              /* 0..100 */
} zt_att_rules_t;


typedef struct {
    zt_att_status_e  status;
    int              late;
    int              left_early;
    int64_t          present_ms;
    int64_t          first_join;   /* ms; 0 when absent */
    int64_t          last_leave;
} zt_att_t;


/*
 * Judges intervals iv[0..n) ({start, end} pairs, any order, may overlap)
 * of one person; on_roster says whether the roster lists them.  iv is
 * sorted in place.
 */
void zt_attendance_judge(const zt_att_rules_t *r, int64_t (*iv)[2],
    size_t n, int on_roster, zt_att_t *out);

/* "present", "partial", "absent", "guest" or "" */
const char *zt_attendance_name(zt_att_status_e s);


#endif /* ZT_ATTENDANCE_H */
