/*
 * zt_attendance_meeting: one meeting's attendance (zt_attendance_meeting.h).
 */

#include <stdlib.h>
#include <string.h>

#include "zt_core.h"
#include "zt_attendance_meeting.h"


typedef int64_t  zt_iv_t[2];


static zt_iv_t *zt_att_spans(const zt_journey_t *const *j, size_t n,
    const long *match, long who, size_t self, size_t *count);


int
zt_att_meeting(const zt_roster_t *roster, const zt_att_rules_t *rules,
    const zt_meeting_bounds_t *bounds, const zt_journey_t *const *j,
    size_t n, zt_roster_report_pt report, void *data,
    zt_att_meeting_t *out)
{
    size_t                    i, k, niv;
    int64_t                   started, ended, v;
    zt_iv_t                  *iv;
    zt_roster_participant_t  *p;

    memset(out, 0, sizeof(zt_att_meeting_t));

    /* the meeting's start and end, else its first join and last leave */
    out->rules = *rules;
    zt_meeting_bounds_get(bounds, n ? j[0]->meeting_uuid : "", &started,
                          &ended);
    out->rules.start = started;
    out->rules.end = ended;

    for (i = 0; i < n; i++) {
        if (j[i]->nspans == 0) {
            continue;
        }
        v = j[i]->spans[0].start;
        if (!started && (out->rules.start == 0 || v < out->rules.start)) {
            out->rules.start = v;
        }
        v = j[i]->spans[j[i]->nspans - 1].end;
        if (!ended && v > out->rules.end) {
            out->rules.end = v;
        }
    }

    rules = &out->rules;

    out->match = malloc((n ? n : 1) * sizeof(long));
    out->att = calloc(n ? n : 1, sizeof(zt_att_t));
    p = calloc(n ? n : 1, sizeof(zt_roster_participant_t));

    if (out->match == NULL || out->att == NULL || p == NULL) {
        goto failed;
    }

    for (i = 0; i < n; i++) {
        out->match[i] = -1;
    }

    if (roster == NULL) {
        free(p);
        return ZT_OK;                       /* every status stays NONE */
    }

    for (i = 0; i < n; i++) {
        p[i].key = j[i]->key;
        p[i].name = j[i]->name;
        p[i].email = j[i]->email;
        p[i].iv = zt_att_spans(j, n, NULL, -1, i, &p[i].niv);
        if (p[i].iv == NULL && j[i]->nspans) {
            goto failed;
        }
    }

    if (zt_roster_match(roster, p, n, out->match, report, data) != ZT_OK) {
        goto failed;
    }

    /* a roster person's identities are judged as one */
    for (i = 0; i < n; i++) {
        iv = zt_att_spans(j, n, out->match, out->match[i], i, &niv);
        if (iv == NULL && niv) {
            goto failed;
        }
        zt_attendance_judge(rules, iv, niv, out->match[i] != -1,
                            &out->att[i]);
        free(iv);
    }

    out->absent = malloc((roster->n ? roster->n : 1) * sizeof(long));
    if (out->absent == NULL) {
        goto failed;
    }

    for (k = 0; k < roster->n; k++) {
        for (i = 0; i < n && out->match[i] != (long) k; i++) { /* void */ }
        if (i == n) {
            out->absent[out->nabsent++] = (long) k;
        }
    }

    zt_attendance_judge(rules, NULL, 0, 1, &out->absent_att);

    for (i = 0; i < n; i++) {
        free((void *) p[i].iv);
    }
    free(p);

    return ZT_OK;

failed:

    for (i = 0; p && i < n; i++) {
        free((void *) p[i].iv);
    }
    free(p);
    zt_att_meeting_free(out);

    return ZT_ERROR;
}


void
zt_att_meeting_free(zt_att_meeting_t *m)
{
    free(m->match);
    free(m->att);
    free(m->absent);
    memset(m, 0, sizeof(zt_att_meeting_t));
}


/*
 * The spans of journey self, or with match of every journey matched to
 * who (who -1: self alone), as a malloc()ed array of {start, end}.
 */
static zt_iv_t *
zt_att_spans(const zt_journey_t *const *j, size_t n, const long *match,
    long who, size_t self, size_t *count)
{
    size_t    i, k, c;
    zt_iv_t  *iv;

    c = 0;
    for (i = 0; i < n; i++) {
        if (i == self || (who != -1 && match && match[i] == who)) {
            c += j[i]->nspans;
        }
    }

    *count = c;
    if (c == 0) {
        return NULL;
    }

    iv = malloc(c * sizeof(zt_iv_t));
    if (iv == NULL) {
        return NULL;
    }

    c = 0;
    for (i = 0; i < n; i++) {
        if (i != self && (who == -1 || match == NULL || match[i] != who)) {
            continue;
        }
        for (k = 0; k < j[i]->nspans; k++) {
            iv[c][0] = j[i]->spans[k].start;
            iv[c][1] = j[i]->spans[k].end;
            c++;
        }
    }

    *count = c;

    return iv;
}
