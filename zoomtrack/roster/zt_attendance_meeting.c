/*
 * zt_attendance_meeting: one meeting's attendance (zt_attendance_meeting.h).
 */

#include <stdlib.h>
#include <string.h>

#include "zt_core.h"
#include "zt_attendance_meeting.h"


typedef int64_t  zt_iv_t[2];


static void zt_att_bounds(zt_att_rules_t *r,
    const zt_meeting_bounds_t *bounds, const zt_journey_t *const *j,
    size_t n);
static int zt_att_match(const zt_roster_t *roster,
    const zt_journey_t *const *j, size_t n, zt_roster_participant_t *p,
    long *match, zt_roster_report_pt report, void *data);
static int zt_att_judge_alone(const zt_journey_t *const *j, size_t n,
    zt_att_meeting_t *out);
static int zt_att_judge_all(const zt_roster_t *roster,
    const zt_journey_t *const *j, size_t n, zt_att_meeting_t *out);
static void zt_att_participants_free(zt_roster_participant_t *p, size_t n);
static zt_iv_t *zt_att_spans(const zt_journey_t *const *j, size_t n,
    const long *match, long who, size_t self, size_t *count);


int
zt_att_meeting(const zt_roster_t *roster, const zt_att_rules_t *rules,
    const zt_meeting_bounds_t *bounds, const zt_journey_t *const *j,
    size_t n, zt_roster_report_pt report, void *data,
    zt_att_meeting_t *out)
{
    size_t                    i;
    zt_roster_participant_t  *p;

    memset(out, 0, sizeof(zt_att_meeting_t));

    out->rules = *rules;
    zt_att_bounds(&out->rules, bounds, j, n);

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
        if (zt_att_judge_alone(j, n, out) != ZT_OK) {
            zt_att_meeting_free(out);
            return ZT_ERROR;
        }
        return ZT_OK;
    }

    if (zt_att_match(roster, j, n, p, out->match, report, data) != ZT_OK
        || zt_att_judge_all(roster, j, n, out) != ZT_OK)
    {
        goto failed;
    }

    zt_att_participants_free(p, n);

    return ZT_OK;

failed:

    zt_att_participants_free(p, n);
    zt_att_meeting_free(out);

    return ZT_ERROR;
}


/* the meeting's start and end, else its first join and last leave */
static void
zt_att_bounds(zt_att_rules_t *r, const zt_meeting_bounds_t *bounds,
    const zt_journey_t *const *j, size_t n)
{
    size_t   i;
    int64_t  started, ended, v;

    zt_meeting_bounds_get(bounds, n ? j[0]->meeting_uuid : "", &started,
                          &ended);
    r->start = started;
    r->end = ended;

    for (i = 0; i < n; i++) {
        if (j[i]->nspans == 0) {
            continue;
        }
        v = j[i]->spans[0].start;
        if (!started && (r->start == 0 || v < r->start)) {
            r->start = v;
        }
        v = j[i]->spans[j[i]->nspans - 1].end;
        if (!ended && v > r->end) {
            r->end = v;
        }
    }
}


/*
 * No roster: each identity is judged on its own, so `zoomtrack attendance`
 * still counts its minutes, share, late and left early; no status, as
 * nobody was expected.
 */
static int
zt_att_judge_alone(const zt_journey_t *const *j, size_t n,
    zt_att_meeting_t *out)
{
    size_t    i, niv;
    zt_iv_t  *iv;

    for (i = 0; i < n; i++) {
        iv = zt_att_spans(j, n, NULL, -1, i, &niv);
        if (iv == NULL && niv) {
            return ZT_ERROR;
        }
        zt_attendance_judge(&out->rules, iv, niv, 0, &out->att[i]);
        out->att[i].status = ZT_ATT_NONE;
        free(iv);
    }

    return ZT_OK;
}


/* the journeys as roster participants with their own presence, matched */
static int
zt_att_match(const zt_roster_t *roster, const zt_journey_t *const *j,
    size_t n, zt_roster_participant_t *p, long *match,
    zt_roster_report_pt report, void *data)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        p[i].key = j[i]->key;
        p[i].name = j[i]->name;
        p[i].email = j[i]->email;
        p[i].iv = zt_att_spans(j, n, NULL, -1, i, &p[i].niv);
        if (p[i].iv == NULL && j[i]->nspans) {
            return ZT_ERROR;
        }
    }

    if (zt_roster_match(roster, p, n, match, report, data) != ZT_OK) {
        return ZT_ERROR;
    }

    return ZT_OK;
}


/* every identity judged (a roster person's as one), then the absent */
static int
zt_att_judge_all(const zt_roster_t *roster, const zt_journey_t *const *j,
    size_t n, zt_att_meeting_t *out)
{
    size_t                 i, k, niv;
    zt_iv_t               *iv;
    const zt_att_rules_t  *rules;

    rules = &out->rules;

    /* a roster person's identities are judged as one */
    for (i = 0; i < n; i++) {
        iv = zt_att_spans(j, n, out->match, out->match[i], i, &niv);
        if (iv == NULL && niv) {
            return ZT_ERROR;
        }
        zt_attendance_judge(rules, iv, niv, out->match[i] != -1,
                            &out->att[i]);
        free(iv);
    }

    out->absent = malloc((roster->n ? roster->n : 1) * sizeof(long));
    if (out->absent == NULL) {
        return ZT_ERROR;
    }

    for (k = 0; k < roster->n; k++) {
        for (i = 0; i < n && out->match[i] != (long) k; i++) { /* void */ }
        if (i == n) {
            out->absent[out->nabsent++] = (long) k;
        }
    }

    zt_attendance_judge(rules, NULL, 0, 1, &out->absent_att);

    return ZT_OK;
}


/* frees the participants and the spans zt_att_match gave them; p may be NULL */
static void
zt_att_participants_free(zt_roster_participant_t *p, size_t n)
{
    size_t  i;

    for (i = 0; p && i < n; i++) {
        free((void *) p[i].iv);
    }
    free(p);
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
