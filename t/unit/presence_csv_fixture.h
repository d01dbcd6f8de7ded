/*
 * What the presence engine's CSV-level unit tests share: a meeting
 * (MU, MID), events of named people (ev_t: type, time, id, registrant,
 * email, name, room), and the status CSV compared byte for byte.  Static
 * functions: included by one test file each.
 */

#ifndef PRESENCE_CSV_FIXTURE_H
#define PRESENCE_CSV_FIXTURE_H


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_presence.h"
#include "tap.h"


#define T0    1626230691000LL          /* 2021-07-14 02:44:51 UTC */
#define SEC   1000LL
#define MU    "mtg-uuid=="
#define MID   "1234567890"
#define HDR   "\"Username\",\"Status\",\"Last Join\",\"Last Left\"," \
              "\"Room\",\"Meeting\"\n"


typedef struct {
    const char  *type;
    int64_t      ts;
    const char  *id;
    const char  *reg;
    const char  *email;
    const char  *name;
    const char  *room;
} ev_t;


static json_t *
rec(const ev_t *e)
{
    return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                     "event_type", e->type, "event_ts", (json_int_t) e->ts,
                     "meeting_uuid", MU, "meeting_id", MID,
                     "participant_id", e->id ? e->id : "",
                     "registrant_id", e->reg ? e->reg : "",
                     "participant_email", e->email ? e->email : "",
                     "participant_name", e->name ? e->name : "",
                     "breakout_room_uuid", e->room ? e->room : "");
}


static int
fold(zt_presence_t *p, const ev_t *e)
{
    int      rc;
    json_t  *r;

    r = rec(e);
    rc = zt_presence_fold(p, r);
    json_decref(r);
    return rc;
}


static void
fold_all(zt_presence_t *p, const ev_t *e, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        fold(p, &e[i]);
    }
}


/* the CSV as a malloc()ed string */
static char *
csv(const zt_presence_t *p, const char *tz, const char *allow)
{
    FILE    *f;
    char    *buf;
    size_t   len;

    buf = NULL;
    f = open_memstream(&buf, &len);
    if (zt_presence_csv(p, f, tz, allow) != ZT_OK) {
        fclose(f);
        free(buf);
        return strdup("(error)");
    }
    fclose(f);
    return buf;
}


static int
is_csv(const zt_presence_t *p, const char *tz, const char *allow,
    const char *want, const char *what)
{
    int    rc;
    char  *got;

    got = csv(p, tz, allow);
    rc = strcmp(got, want) == 0;
    ok(rc, "%s", what);
    if (!rc) {
        printf("# got:\n%s# expected:\n%s", got, want);
    }
    free(got);
    return rc;
}


#define J   "meeting.participant_joined"
#define L   "meeting.participant_left"
#define RJ  "meeting.participant_joined_breakout_room"
#define RL  "meeting.participant_left_breakout_room"
#define END "meeting.ended"

#define ALICE  "idA", NULL, "alice@example.com", "Alice"


#endif /* PRESENCE_CSV_FIXTURE_H */
