/*
 * Unit tests of the live status CSV (zoomtrack/presence/zt_presence_csv.c):
 * the allowlist, no emails, formula injection, time zones, long names, and
 * one row per person across the instances of one meeting id.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zt_presence.h"
#include "zt_utf8.h"
#include "tap.h"
#include "presence_csv_fixture.h"


static void
test_csv(void)
{
    char           *s;
    zt_presence_t  *p;

    static const ev_t  e[] = {
        { J, T0, ALICE, NULL },
        { J, T0 + SEC, NULL, NULL, "bob@example.com", "Bob", NULL },
        { J, T0 + 2 * SEC, NULL, NULL, "carol@example.com",
          "carol@example.com", NULL },
        { J, T0 + 3 * SEC, NULL, NULL, NULL, "=cmd|' /C calc'!A0", NULL },
        { L, T0 + 4 * SEC, NULL, NULL, NULL, "=cmd|' /C calc'!A0", NULL },
        { L, T0 + 5 * SEC, "idJ", NULL, NULL, "@jane.doe", NULL },
    };

    p = zt_presence_create();
    fold_all(p, e, 6);

    is_csv(p, "UTC", " alice , BOB@example.com,", HDR
           "\"Bob\",\"online\",\"2021-07-14 02:44:52\",\"\",\"\","
           "\"1234567890\"\n"
           "\"Alice\",\"online\",\"2021-07-14 02:44:51\",\"\",\"\","
           "\"1234567890\"\n",
           "allowlist: by name or email, case-insensitive, trimmed");

    is_csv(p, "UTC", "nobody", HDR, "allowlist: nobody matches");

    s = csv(p, "UTC", "");
    ok(strstr(s, "@example.com") == NULL,
       "no email in the CSV, even as a name");
    ok(strstr(s, "\"'=cmd|' /C calc'!A0\",\"offline\","
              "\"2021-07-14 02:44:54\",\"2021-07-14 02:44:55\"") != NULL,
       "formula injection neutralised");
    ok(strstr(s, "\"carol\",\"online\"") != NULL,
       "an email-like display name is cut at the @");
    ok(strstr(s, "\"'@jane.doe\",\"offline\"") != NULL,
       "a handle (nothing before the @) is shown whole, neutralised");
    free(s);

    /* the one email rule of the CSV, the timeline and chat */
    is_int((long long) zt_presence_name_len("carol@example.com"), 5,
           "email rule: an address is shown up to the @");
    is_int((long long) zt_presence_name_len("@jane.doe"), 9,
           "email rule: a handle with nothing before the @ is no address");
    is_int((long long) zt_presence_name_len("Ann (ann@x.org)"), 15,
           "email rule: a name with a space is no address");
    is_int((long long) zt_presence_name_len("me@home"), 7,
           "email rule: no dot after the @, no address");

    is_csv(p, "Europe/Istanbul", "Alice", HDR
           "\"Alice\",\"online\",\"2021-07-14 05:44:51\",\"\",\"\","
           "\"1234567890\"\n", "time zone: Europe/Istanbul");

    zt_presence_free(p);

    /* a display name longer than the cell is cut on a whole character */
    {
        char    name[601];
        size_t  off, i;
        ev_t    one[1] = { { J, T0, NULL, NULL, NULL, name, NULL } };

        for (i = 0; i < 300; i++) {
            memcpy(name + 2 * i, "\xc4\x9f", 2);          /* U+011F */
        }
        name[600] = '\0';

        p = zt_presence_create();
        fold_all(p, one, 1);
        s = csv(p, "UTC", "");
        ok(zt_utf8_check((const unsigned char *) s, strlen(s), &off)
           == ZT_UTF8_OK, "a long UTF-8 name is cut on a character "
           "boundary");
        zt_presence_free(p);
        free(s);
    }
}


/* an event of instance uuid of meeting MID */
static void
fold_in(zt_presence_t *p, const char *uuid, const char *type, int64_t ts,
    const char *id, const char *name)
{
    json_t  *r;

    r = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "event_type", type,
                  "event_ts", (json_int_t) ts, "meeting_uuid", uuid,
                  "meeting_id", MID, "participant_id", id,
                  "participant_name", name);
    zt_presence_fold(p, r);
    json_decref(r);
}


/*
 * A Personal Meeting Room: every session a new instance, one meeting id.
 * The CSV names each person once, as Lookout did: where they are now,
 * their latest join and their latest departure of any session.
 */
static void
test_csv_instances(void)
{
    zt_presence_t  *p;

    p = zt_presence_create();

    /* yesterday's session: Ana and Bob come and go, the meeting ends */
    fold_in(p, "day1==", J, T0, "idA", "Ana");
    fold_in(p, "day1==", J, T0 + SEC, "idB", "Bob");
    fold_in(p, "day1==", L, T0 + 600 * SEC, "idA", "Ana");
    fold_in(p, "day1==", END, T0 + 700 * SEC, "", "");

    /* today's: Ana is back, Bob is not (yet) */
    fold_in(p, "day2==", J, T0 + 86400 * SEC, "idA", "Ana");

    is_csv(p, "UTC", NULL, HDR
           "\"Ana\",\"online\",\"2021-07-15 02:44:51\","
           "\"2021-07-14 02:54:51\",\"\",\"1234567890\"\n"
           "\"Bob\",\"offline\",\"2021-07-14 02:44:52\","
           "\"2021-07-14 02:56:31\",\"\",\"1234567890\"\n",
           "instances of one meeting id: one row per person, the newest "
           "says where they are, the times are the latest of all");

    /* another meeting id is another row, as before */
    {
        json_t  *r;

        r = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "event_type", J,
                      "event_ts", (json_int_t) (T0 + 86401 * SEC),
                      "meeting_uuid", "other==", "meeting_id", "999",
                      "participant_id", "idA", "participant_name", "Ana");
        zt_presence_fold(p, r);
        json_decref(r);
    }

    is_csv(p, "UTC", NULL, HDR
           "\"Ana\",\"online\",\"2021-07-15 02:44:52\",\"\",\"\","
           "\"999\"\n"
           "\"Ana\",\"online\",\"2021-07-15 02:44:51\","
           "\"2021-07-14 02:54:51\",\"\",\"1234567890\"\n"
           "\"Bob\",\"offline\",\"2021-07-14 02:44:52\","
           "\"2021-07-14 02:56:31\",\"\",\"1234567890\"\n",
           "instances: two meeting ids, two rows");

    zt_presence_free(p);
}


int
main(void)
{
    test_csv();
    test_csv_instances();
    return done_testing();
}
