/*
 * zt_attendance_meeting: the attendance of one meeting instance: the
 * roster matched to the journeys the presence engine derived
 * (zt_roster_match), a roster person's journeys merged, everyone judged
 * (zt_attendance_judge), and the roster people who never came listed.
 * Used by the daily report's attendance columns and by `zoomtrack
 * attendance`, so both say the same.
 *
 * Who frees what: zt_att_meeting_free() frees the arrays; the roster and
 * the journeys stay the caller's and must outlive the result.
 */

#ifndef ZT_ATTENDANCE_MEETING_H
#define ZT_ATTENDANCE_MEETING_H


#include "zt_attendance.h"
#include "zt_meeting_bounds.h"
#include "zt_presence.h"
#include "zt_roster.h"


/*
 * What a report run knows of rosters: the rules, and where a meeting's
 * roster comes from (NULL: no roster for it; a roster that cannot be read
 * is an error: *failed set, the message in err).  The roster returned
 * stays the provider's.
 */
typedef struct zt_att_opts_s {
    zt_att_rules_t       rules;     /* start and end are set per meeting */
    const zt_roster_t *(*roster_for)(void *data, const char *meeting_id,
                                     int *failed, char *err, size_t errlen);
    void                *data;
} zt_att_opts_t;


typedef struct {
    long               *match;      /* journey i -> roster index or -1 */
    zt_att_t           *att;        /* journey i's judgement */
    long               *absent;     /* roster indexes that never joined */
    size_t              nabsent;
    zt_att_t            absent_att; /* what an absent person is judged */
    zt_att_rules_t      rules;      /* with the meeting's start and end */
} zt_att_meeting_t;


/*
 * j[0..n) are the journeys of one meeting instance; the meeting runs from
 * its start to its end as bounds noted them, else from the first join to
 * the last leave of j.  roster NULL: no roster, every status ZT_ATT_NONE
 * (minutes, late and left early still judged).
 * report hears ambiguities (may be NULL).  Returns ZT_OK or ZT_ERROR (out
 * of memory).
 */
int zt_att_meeting(const zt_roster_t *roster, const zt_att_rules_t *rules,
    const zt_meeting_bounds_t *bounds, const zt_journey_t *const *j,
    size_t n, zt_roster_report_pt report, void *data,
    zt_att_meeting_t *out);

void zt_att_meeting_free(zt_att_meeting_t *m);


#endif /* ZT_ATTENDANCE_MEETING_H */
