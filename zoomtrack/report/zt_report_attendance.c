/*
 * zt_report_attendance: the report's last five columns.  group,
 * attendance_status, late and left_early come from the meeting's roster
 * through zt_att_meeting() (the rules of `zoomtrack attendance` too), with
 * the meeting's own start and end when Zoom said them; data_source says
 * whether the person's presence includes events `zoomtrack reconcile`
 * filled in from the Report API.  Without a roster the roster columns are
 * empty and the others unchanged.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt_core.h"
#include "zt_report_int.h"


static void
zt_report_att_warn(void *data, const char *msg)
{
    fprintf(stderr, "zoomtrack report: roster: %s\n", msg);
}


int
zt_report_att_meeting(zt_report_mtg_t *mt, const zt_wh_query_t *q,
    const zt_journey_t *j, size_t n, char *err, size_t errlen)
{
    int                   rc, failed;
    size_t                i;
    const zt_journey_t  **jp;

    mt->j0 = j;

    if (q->att == NULL) {
        return ZT_OK;
    }

    failed = 0;
    mt->roster = q->att->roster_for(q->att->data, j->meeting_id, &failed,
                                    err, errlen);
    if (failed) {
        return ZT_ERROR;
    }

    if (mt->roster == NULL) {
        return ZT_OK;                   /* no roster: no attendance cells */
    }

    jp = malloc((n ? n : 1) * sizeof(zt_journey_t *));
    if (jp == NULL) {
        snprintf(err, errlen, "out of memory");
        return ZT_ERROR;
    }

    for (i = 0; i < n; i++) {
        jp[i] = &j[i];
    }

    rc = zt_att_meeting(mt->roster, &q->att->rules, mt->priv->bounds, jp, n,
                        zt_report_att_warn, NULL, &mt->am);
    free(jp);

    if (rc != ZT_OK) {
        snprintf(err, errlen, "out of memory");
    }

    return rc;
}


void
zt_report_att_cells(zt_report_mtg_t *mt, const zt_journey_t *j,
    const char **cells)
{
    long             m;
    const char      *g;
    const zt_att_t  *a;

    cells[24] = zt_report_is_reconciled(mt->priv, j->meeting_uuid, j->key)
                ? "report_api" : "webhook";

    if (mt->roster == NULL || mt->am.att == NULL) {
        return;
    }

    a = &mt->am.att[j - mt->j0];
    m = mt->am.match[j - mt->j0];
    g = m >= 0 ? mt->roster->people[m].group : "";

    cells[20] = g[0] ? g : NULL;
    cells[21] = zt_attendance_name(a->status);
    cells[22] = a->late ? "true" : "false";
    cells[23] = a->left_early ? "true" : "false";
}


void
zt_report_att_absent_cells(zt_report_mtg_t *mt, long k, const char **cells)
{
    const zt_roster_person_t  *p = &mt->roster->people[k];

    cells[3] = p->name;
    cells[4] = p->email[0] ? p->email : NULL;
    cells[20] = p->group[0] ? p->group : NULL;
    cells[21] = zt_attendance_name(ZT_ATT_ABSENT);
}


int
zt_report_is_reconciled(const zt_report_priv_t *priv, const char *uuid,
    const char *key)
{
    int      c;
    size_t   lo, hi, mid, nu;
    const char  *s;

    nu = strlen(uuid);
    lo = 0;
    hi = priv->nreconciled;

    /* the entries are "uuid\nkey", sorted as strings */
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        s = priv->reconciled[mid];

        c = strncmp(s, uuid, nu);
        if (c == 0) {
            c = (unsigned char) s[nu] - (unsigned char) '\n';
        }
        if (c == 0) {
            c = strcmp(s + nu + 1, key);
        }

        if (c == 0) {
            return 1;
        }

        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }

    return 0;
}
