/*
 * zt_reconcile: the planner (rules in zt_reconcile.h).
 */

#include <stdlib.h>
#include <string.h>

#include "zt_event.h"
#include "zt_time.h"
#include "zt_reconcile.h"


#define ZT_RECONCILE_KEY  512


/* a Report API session, its person found once */
typedef struct {
    char           key[ZT_RECONCILE_KEY];
    const json_t  *s;
    int64_t        join;
    int64_t        leave;
    int            room;           /* a breakout-room session */
    int            usable;         /* an object, not in the waiting room */
} zt_reconcile_span_t;


/* what the planner works with */
typedef struct {
    const zt_reconcile_mark_t  *marks;
    size_t                      nmarks;
    zt_reconcile_span_t        *spans;
    size_t                      nspans;
    zt_reconcile_mark_t        *added;     /* planned so far this run */
    size_t                      nadded;
    const zt_reconcile_instance_t  *in;
    json_t                     *bodies;
    zt_reconcile_counts_t      *counts;
} zt_reconcile_ctx_t;


static int zt_reconcile_sessions(zt_reconcile_ctx_t *ctx);
static int zt_reconcile_main(zt_reconcile_ctx_t *ctx,
    const zt_reconcile_span_t *sp);
static int zt_reconcile_add(zt_reconcile_ctx_t *ctx,
    const zt_reconcile_span_t *sp, int join, int64_t ts);
static void zt_reconcile_spans(const zt_reconcile_mark_t *marks,
    size_t nmarks, const json_t *sessions, zt_reconcile_span_t *spans);
static void zt_reconcile_person(const zt_reconcile_mark_t *marks,
    size_t nmarks, const json_t *s, char *out, size_t outlen);
static int zt_reconcile_hop(const zt_reconcile_ctx_t *ctx, const char *key,
    int64_t ts, int join);
static int zt_reconcile_departure(const zt_reconcile_ctx_t *ctx,
    const zt_reconcile_span_t *r);
static int zt_reconcile_departed(const zt_reconcile_ctx_t *ctx,
    const char *key, int64_t ts);
static int zt_reconcile_left(const zt_reconcile_mark_t *marks, size_t n,
    const char *key, int64_t ts);
static int zt_reconcile_near(int64_t a, int64_t b);
static const char *zt_reconcile_str(const json_t *o, const char *key);
static int zt_reconcile_known(const zt_reconcile_ctx_t *ctx,
    const char *key, int64_t ts, int join);
static int zt_reconcile_marked(const zt_reconcile_mark_t *marks, size_t n,
    const char *key, int64_t ts, int join);
static json_t *zt_reconcile_body(const json_t *s, const char *key, int join,
    int64_t ts, const zt_reconcile_instance_t *in);


int
zt_reconcile_plan(const zt_reconcile_mark_t *marks, size_t nmarks,
    const json_t *sessions, const zt_reconcile_instance_t *in,
    json_t *bodies, zt_reconcile_counts_t *counts)
{
    int                  rc;
    size_t               n;
    zt_reconcile_ctx_t   ctx;

    n = json_array_size(sessions);

    memset(&ctx, 0, sizeof(ctx));
    ctx.marks = marks;
    ctx.nmarks = nmarks;
    ctx.nspans = n;
    ctx.in = in;
    ctx.bodies = bodies;
    ctx.counts = counts;

    /* at most a join and a leave per session */
    ctx.spans = malloc((n + 1) * sizeof(zt_reconcile_span_t));
    ctx.added = malloc((2 * n + 1) * sizeof(zt_reconcile_mark_t));

    if (ctx.spans == NULL || ctx.added == NULL) {
        free(ctx.spans);
        free(ctx.added);
        return ZT_ERROR;
    }

    zt_reconcile_spans(marks, nmarks, sessions, ctx.spans);

    rc = zt_reconcile_sessions(&ctx);

    free(ctx.spans);
    free(ctx.added);

    return rc;
}


static int
zt_reconcile_sessions(zt_reconcile_ctx_t *ctx)
{
    size_t                i;
    zt_reconcile_span_t  *sp;

    for (i = 0; i < ctx->nspans; i++) {
        sp = &ctx->spans[i];
        ctx->counts->sessions++;

        if (!sp->usable || sp->key[0] == '\0' || sp->join <= 0
            || (sp->leave > 0 && sp->leave < sp->join))
        {
            ctx->counts->skipped++;
            continue;
        }

        if (!sp->room) {
            if (zt_reconcile_main(ctx, sp) != ZT_OK) {
                return ZT_ERROR;
            }
            continue;
        }

        /* a room session is no main presence, but one after which the
         * person is nowhere in the meeting ends in a departure: Zoom
         * sends a main leave for it too */
        if (!zt_reconcile_departure(ctx, sp)) {
            ctx->counts->skipped++;
            continue;
        }

        if (zt_reconcile_known(ctx, sp->key, sp->leave, 0)) {
            ctx->counts->known++;
            continue;
        }

        if (zt_reconcile_add(ctx, sp, 0, sp->leave) != ZT_OK) {
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


/* a main-meeting session: its join and its leave */
static int
zt_reconcile_main(zt_reconcile_ctx_t *ctx, const zt_reconcile_span_t *sp)
{
    int  have_join, have_leave;

    /* a session that begins as a room session ends, or ends as one
     * begins, is a hop between the main meeting and a room: Zoom
     * splits the sessions there, the person never left */
    have_join = zt_reconcile_known(ctx, sp->key, sp->join, 1)
                || zt_reconcile_hop(ctx, sp->key, sp->join, 1);
    have_leave = sp->leave <= 0
                 || zt_reconcile_known(ctx, sp->key, sp->leave, 0)
                 || zt_reconcile_hop(ctx, sp->key, sp->leave, 0);

    if (have_join && have_leave) {
        ctx->counts->known++;
        return ZT_OK;
    }

    if (!have_join && zt_reconcile_add(ctx, sp, 1, sp->join) != ZT_OK) {
        return ZT_ERROR;
    }

    if (!have_leave && zt_reconcile_add(ctx, sp, 0, sp->leave) != ZT_OK) {
        return ZT_ERROR;
    }

    return ZT_OK;
}


/* appends the body of a missing join or leave, and remembers it planned */
static int
zt_reconcile_add(zt_reconcile_ctx_t *ctx, const zt_reconcile_span_t *sp,
    int join, int64_t ts)
{
    json_t               *body;
    zt_reconcile_mark_t  *a;

    body = zt_reconcile_body(sp->s, sp->key, join, ts, ctx->in);
    if (body == NULL || json_array_append_new(ctx->bodies, body) != 0) {
        return ZT_ERROR;
    }

    a = &ctx->added[ctx->nadded++];
    a->person_key = sp->key;
    a->ts = ts;
    a->join = join;
    a->name = NULL;

    if (join) {
        ctx->counts->joins_added++;
    } else {
        ctx->counts->leaves_added++;
    }

    return ZT_OK;
}


/*
 * Every session's person, times and kind, made once: each session's ends
 * are compared with all of them.
 */
static void
zt_reconcile_spans(const zt_reconcile_mark_t *marks, size_t nmarks,
    const json_t *sessions, zt_reconcile_span_t *spans)
{
    size_t                i;
    const json_t         *s;
    zt_reconcile_span_t  *sp;

    json_array_foreach(sessions, i, s) {
        sp = &spans[i];
        memset(sp, 0, sizeof(zt_reconcile_span_t));
        sp->s = s;

        if (!json_is_object(s)) {
            continue;
        }

        /* a session in the waiting room is not attendance */
        sp->usable = strcmp(zt_reconcile_str(s, "status"),
                            "in_waiting_room") != 0;
        sp->room = zt_reconcile_str(s, "bo_mtg_id")[0] != '\0';
        zt_reconcile_person(marks, nmarks, s, sp->key, sizeof(sp->key));
        sp->join = zt_time_parse_iso(zt_reconcile_str(s, "join_time"));
        sp->leave = zt_time_parse_iso(zt_reconcile_str(s, "leave_time"));
    }
}


/*
 * A session's person: zt_reconcile_session_key(); a session known by its
 * name alone (the Report API often leaves a guest's email out where the
 * webhooks carried it) is the person the warehouse holds under a stronger
 * key with that display name in this meeting, when there is exactly one.
 */
static void
zt_reconcile_person(const zt_reconcile_mark_t *marks, size_t nmarks,
    const json_t *s, char *out, size_t outlen)
{
    size_t       i;
    const char  *name, *found;

    zt_reconcile_session_key(s, out, outlen);

    name = zt_reconcile_str(s, "name");
    if (zt_person_key_rank(out) < 3 || name[0] == '\0') {
        return;
    }

    found = NULL;

    for (i = 0; i < nmarks; i++) {
        if (marks[i].person_key == NULL || marks[i].name == NULL
            || strcmp(marks[i].name, name) != 0
            || zt_person_key_rank(marks[i].person_key) >= 3)
        {
            continue;
        }

        if (found != NULL && strcmp(found, marks[i].person_key) != 0) {
            return;                     /* two people of that name */
        }

        found = marks[i].person_key;
    }

    if (found != NULL && strlen(found) < outlen) {
        strcpy(out, found);
    }
}


/*
 * join: a room session of key's person ended at ts, and they did not
 * leave the meeting there (zt_reconcile_departed(): ts is then a
 * rejoin); else: a room session of theirs began at ts.
 */
static int
zt_reconcile_hop(const zt_reconcile_ctx_t *ctx, const char *key,
    int64_t ts, int join)
{
    size_t                     i;
    const zt_reconcile_span_t  *r;

    for (i = 0; i < ctx->nspans; i++) {
        r = &ctx->spans[i];

        if (!r->usable || !r->room
            || !zt_reconcile_near(join ? r->leave : r->join, ts)
            || strcmp(r->key, key) != 0)
        {
            continue;
        }

        if (join && zt_reconcile_departed(ctx, key, r->leave)) {
            continue;
        }

        return 1;
    }

    return 0;
}


/*
 * The room session r ends in a departure from the meeting: no session of
 * that person begins there (back to the main meeting or another room),
 * and no main session of theirs goes on past it or ends with it (that
 * session's own leave says it).
 */
static int
zt_reconcile_departure(const zt_reconcile_ctx_t *ctx,
    const zt_reconcile_span_t *r)
{
    size_t                     i;
    const zt_reconcile_span_t  *m;

    if (r->leave <= 0) {
        return 0;
    }

    for (i = 0; i < ctx->nspans; i++) {
        m = &ctx->spans[i];

        if (m == r || !m->usable || m->join <= 0
            || strcmp(m->key, r->key) != 0)
        {
            continue;
        }

        if (zt_reconcile_near(m->join, r->leave)) {
            return 0;
        }

        if (m->room || m->join >= r->leave) {
            continue;
        }

        if (m->leave <= 0 || m->leave >= r->leave) {
            return 0;
        }

        if (zt_reconcile_near(m->leave, r->leave)
            && !zt_reconcile_hop(ctx, m->key, m->leave, 0))
        {
            return 0;
        }
    }

    return 1;
}


void
zt_reconcile_session_key(const json_t *s, char *out, size_t outlen)
{
    const char  *id;

    id = zt_reconcile_str(s, "participant_user_id");
    if (id[0] == '\0') {
        id = zt_reconcile_str(s, "id");
    }

    zt_person_key(id, zt_reconcile_str(s, "registrant_id"),
                  zt_reconcile_str(s, "user_email"),
                  zt_reconcile_str(s, "name"), out, outlen);
}


static const char *
zt_reconcile_str(const json_t *o, const char *key)
{
    const char  *v;

    v = json_string_value(json_object_get(o, key));

    return v ? v : "";
}


/* the Report API's time and a webhook's are the same moment */
static int
zt_reconcile_near(int64_t a, int64_t b)
{
    return a - b >= -ZT_RECONCILE_TOLERANCE_MS
           && a - b <= ZT_RECONCILE_TOLERANCE_MS;
}


/* the warehouse or this run already has that join or leave */
static int
zt_reconcile_known(const zt_reconcile_ctx_t *ctx, const char *key,
    int64_t ts, int join)
{
    return zt_reconcile_marked(ctx->marks, ctx->nmarks, key, ts, join)
           || zt_reconcile_marked(ctx->added, ctx->nadded, key, ts, join);
}


/*
 * key's person left the meeting near ts: the warehouse holds a main leave
 * of theirs there (not a meeting end), or a main session of theirs ends
 * there that is no hop into a room (Zoom reports a leave with the room's
 * end where its main sessions overlap the rooms).  Neither depends on
 * what a run added, so a rerun decides as the first run did.
 */
static int
zt_reconcile_departed(const zt_reconcile_ctx_t *ctx, const char *key,
    int64_t ts)
{
    size_t                     i;
    const zt_reconcile_span_t  *m;

    if (zt_reconcile_left(ctx->marks, ctx->nmarks, key, ts)) {
        return 1;
    }

    for (i = 0; i < ctx->nspans; i++) {
        m = &ctx->spans[i];

        if (m->usable && !m->room && m->leave > 0
            && zt_reconcile_near(m->leave, ts)
            && strcmp(m->key, key) == 0
            && !zt_reconcile_hop(ctx, key, m->leave, 0))
        {
            return 1;
        }
    }

    return 0;
}


/* the warehouse holds a main leave of key's person near ts (not an end) */
static int
zt_reconcile_left(const zt_reconcile_mark_t *marks, size_t n,
    const char *key, int64_t ts)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (!marks[i].join && marks[i].person_key != NULL
            && zt_reconcile_near(marks[i].ts, ts)
            && strcmp(marks[i].person_key, key) == 0)
        {
            return 1;
        }
    }

    return 0;
}


static int
zt_reconcile_marked(const zt_reconcile_mark_t *marks, size_t n,
    const char *key, int64_t ts, int join)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (!zt_reconcile_near(marks[i].ts, ts)) {
            continue;
        }

        if (marks[i].person_key == NULL) {
            if (!join) {
                return 1;               /* the meeting's end */
            }
            continue;
        }

        if (marks[i].join == join && strcmp(marks[i].person_key, key) == 0) {
            return 1;
        }
    }

    return 0;
}


/*
 * The body Zoom would have sent: the session's identity fields under the
 * names webhooks use, event_ts = the session's time, so the module's
 * normalisation gives the same person key and a deterministic event_id.
 * Where the session's person was found under a stronger key than its own
 * fields give (a name only), the body carries that key's field too.
 */
static json_t *
zt_reconcile_body(const json_t *s, const char *key, int join, int64_t ts,
    const zt_reconcile_instance_t *in)
{
    char         iso[32], own[ZT_RECONCILE_KEY];
    json_t      *part, *body;
    const char  *id, *reg, *email, *event;

    zt_time_rfc3339(ts - ts % 1000, iso);

    id = zt_reconcile_str(s, "id");
    reg = zt_reconcile_str(s, "registrant_id");
    email = zt_reconcile_str(s, "user_email");

    zt_reconcile_session_key(s, own, sizeof(own));

    if (strcmp(own, key) != 0) {
        if (strncmp(key, "id:", 3) == 0) {
            id = key + 3;
        } else if (strncmp(key, "reg:", 4) == 0) {
            reg = key + 4;
        } else if (strncmp(key, "email:", 6) == 0) {
            email = key + 6;
        }
    }

    part = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                     "user_id", zt_reconcile_str(s, "user_id"),
                     "user_name", zt_reconcile_str(s, "name"),
                     "id", id,
                     "participant_user_id",
                     strcmp(id, zt_reconcile_str(s, "id")) == 0
                         ? zt_reconcile_str(s, "participant_user_id") : id,
                     "email", email,
                     "registrant_id", reg,
                     join ? "join_time" : "leave_time", iso);
    if (part == NULL) {
        return NULL;
    }

    if (!join && json_object_set_new(part, "leave_reason",
            json_string("reconciled from Zoom's Report API")) != 0)
    {
        json_decref(part);
        return NULL;
    }

    if (in->webinar) {
        event = join ? "webinar.participant_joined"
                     : "webinar.participant_left";
    } else {
        event = join ? "meeting.participant_joined"
                     : "meeting.participant_left";
    }

    body = json_pack("{s:s, s:I, s:s, s:{s:s, s:{s:s, s:s, s:o}}}",
                     "event", event,
                     "event_ts", (json_int_t) ts,
                     "zoomtrack_source", "report_api",
                     "payload",
                       "account_id", "",
                       "object",
                         "id", in->id,
                         "uuid", in->uuid,
                         "participant", part);

    return body;
}
