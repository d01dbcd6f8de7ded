/*
 * Unit tests of the attendance judgement (zoomtrack/roster/
 * zt_attendance.c): present / partial at the threshold, absent, guest,
 * late and left early at their bounds, overlapping intervals counted once,
 * time outside the meeting not counted.
 */

#include "tap.h"
#include "zt_attendance.h"


#define MIN  60000LL


int
main(void)
{
    zt_att_t        a;
    zt_att_rules_t  r = { 0, 100 * MIN, 5 * MIN, 10 * MIN, 75 };
    int64_t         iv[4][2];

    iv[0][0] = 0; iv[0][1] = 100 * MIN;
    zt_attendance_judge(&r, iv, 1, 1, &a);
    is_str(zt_attendance_name(a.status), "present", "whole meeting");
    ok(!a.late && !a.left_early, "neither late nor early");

    iv[0][0] = 5 * MIN; iv[0][1] = 80 * MIN;     /* exactly 75 % */
    zt_attendance_judge(&r, iv, 1, 1, &a);
    is_str(zt_attendance_name(a.status), "present", "75 percent is present");
    is_int(a.late, 0, "5 min after the start is not late");
    is_int(a.left_early, 1, "20 min before the end is early");

    iv[0][0] = 5 * MIN + 1; iv[0][1] = 80 * MIN;
    zt_attendance_judge(&r, iv, 1, 1, &a);
    is_str(zt_attendance_name(a.status), "partial", "just under 75 percent");
    is_int(a.late, 1, "5 min and 1 ms after the start is late");

    /* overlaps once, time before the start and after the end not counted */
    iv[0][0] = -30 * MIN; iv[0][1] = 40 * MIN;
    iv[1][0] = 90 * MIN; iv[1][1] = 130 * MIN;
    iv[2][0] = 20 * MIN; iv[2][1] = 50 * MIN;
    zt_attendance_judge(&r, iv, 3, 1, &a);
    is_int(a.present_ms, 60 * MIN, "union clipped: 50 + 10 minutes");
    is_str(zt_attendance_name(a.status), "partial", "60 percent is partial");
    is_int(a.first_join, -30 * MIN, "first join");
    is_int(a.last_leave, 130 * MIN, "last leave");
    ok(!a.late && !a.left_early, "early arrival, late departure");

    iv[0][0] = 90 * MIN; iv[0][1] = 91 * MIN;
    iv[1][0] = 10 * MIN; iv[1][1] = 95 * MIN;
    zt_attendance_judge(&r, iv, 2, 1, &a);
    is_int(a.last_leave, 95 * MIN, "last leave of unsorted intervals");
    is_int(a.left_early, 0, "5 min before the end is not early");

    zt_attendance_judge(&r, iv, 0, 1, &a);
    is_str(zt_attendance_name(a.status), "absent", "on the roster, no join");
    ok(!a.late && !a.left_early, "absent: neither flag");

    iv[0][0] = 30 * MIN; iv[0][1] = 40 * MIN;
    zt_attendance_judge(&r, iv, 1, 0, &a);
    is_str(zt_attendance_name(a.status), "guest", "not on the roster");
    ok(a.late && a.left_early, "guests get late and left early too");

    is_str(zt_attendance_name(ZT_ATT_NONE), "", "no roster: empty");

    return done_testing();
}
