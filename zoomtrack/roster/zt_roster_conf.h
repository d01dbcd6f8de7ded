/*
 * zt_roster_conf: the [roster] section as the report and `zoomtrack
 * attendance` use it: the rules (min_attendance_pct, late_after_mins,
 * left_early_mins) and the roster of each meeting (dir/<meeting_id>.csv
 * when it exists, else file, else none), each file read once per run.
 *
 * Who frees what: zt_roster_conf_free() frees every roster it loaded; the
 * rosters it hands out stay valid until then.
 */

#ifndef ZT_ROSTER_CONF_H
#define ZT_ROSTER_CONF_H


#include "zt_conf.h"
#include "zt_attendance_meeting.h"


typedef struct zt_roster_conf_s  zt_roster_conf_t;


/*
 * Reads the keys into opts (opts->roster_for and data set to this cache).
 * Returns NULL with a message in err for a bad value or out of memory.
 */
zt_roster_conf_t *zt_roster_conf_create(const zt_conf_t *conf,
    zt_att_opts_t *opts, char *err, size_t errlen);
void zt_roster_conf_free(zt_roster_conf_t *rc);

/* 1 when a roster could not be read (a configuration error: exit 2) */
int zt_roster_conf_failed(const zt_roster_conf_t *rc);

/* zt_att_opts_t.roster_for: data is the zt_roster_conf_t */
const zt_roster_t *zt_roster_conf_get(void *data, const char *meeting_id,
    int *failed, char *err, size_t errlen);


#endif /* ZT_ROSTER_CONF_H */
