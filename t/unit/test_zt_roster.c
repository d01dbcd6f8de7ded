/*
 * Unit tests of the roster (zoomtrack/roster/zt_roster.c): parsing (BOM,
 * semicolons, quotes, header, bad rows by line number), the name key
 * (accents, case, spacing, "(Guest)"), and matching (email first, name,
 * ambiguity, two people present at once never merged).
 */

#include "tap.h"
#include "zt_core.h"
#include "zt_roster.h"


static char  said[4096];


static void
collect(void *data, const char *msg)
{
    (void) data;
    strncat(said, msg, sizeof(said) - strlen(said) - 2);
    strcat(said, "\n");
}


static void
test_parse(void)
{
    char          err[512] = "";
    const char   *csv;
    zt_roster_t  *r;

    csv = "\xEF\xBB\xBFname;email;group\r\n"
          "Ana Lima;ana@example.org;A\r\n"
          "\"Bo; the second\";;B\r\n"
          "\r\n"
          "Chen\r\n";
    r = zt_roster_parse(csv, strlen(csv), "r.csv", err, sizeof(err));
    ok(r != NULL, "BOM, semicolons, CRLF, header: parsed (%s)", err);
    if (r == NULL) {
        return;
    }
    is_int(r->n, 3, "three people, header and empty line skipped");
    is_str(r->people[0].email, "ana@example.org", "email");
    is_str(r->people[0].group, "A", "group");
    is_str(r->people[1].name, "Bo; the second", "quoted cell keeps the ;");
    is_str(r->people[1].email, "", "empty email");
    is_int(r->people[2].line, 5, "line numbers count every line");
    is_str(r->people[2].group, "", "missing columns are empty");
    zt_roster_free(r);

    /* empty first lines (a spreadsheet export): the first row decides */
    csv = "\r\n\nJane Doe;jane@example.com;Group A\n"
          "Kim Lee;kim@example.com;Group B\n";
    r = zt_roster_parse(csv, strlen(csv), "r.csv", err, sizeof(err));
    ok(r != NULL, "semicolons after empty lines: parsed (%s)", err);
    if (r) {
        is_int(r->n, 2, "two people");
        is_str(r->people[0].name, "Jane Doe", "the name alone");
        is_str(r->people[0].email, "jane@example.com", "its email");
        is_str(r->people[1].group, "Group B", "its group");
        is_int(r->people[0].line, 3, "lines count the empty ones");
        zt_roster_free(r);
    }

    csv = "Ana,ana@example.org\nBo,not-an-email\n";
    r = zt_roster_parse(csv, strlen(csv), "r.csv", err, sizeof(err));
    ok(r == NULL, "a bad email is refused");
    is_str(err, "r.csv line 2: \"not-an-email\" is not an email address",
           "named by line");

    csv = "Ana,a@x.org,G,extra\n";
    r = zt_roster_parse(csv, strlen(csv), "r.csv", err, sizeof(err));
    ok(r == NULL && strstr(err, "line 1: more than 3 columns"),
       "four columns refused: %s", err);

    csv = "Ana,a@x.org\n,b@x.org\n";
    r = zt_roster_parse(csv, strlen(csv), "r.csv", err, sizeof(err));
    ok(r == NULL && strstr(err, "line 2: the name is empty"),
       "empty name refused: %s", err);

    csv = "Ana,a@x.org\nAnna,A@X.org\n";
    r = zt_roster_parse(csv, strlen(csv), "r.csv", err, sizeof(err));
    ok(r == NULL && strstr(err, "line 2: the email is already on line 1"),
       "duplicate email refused: %s", err);

    csv = "\"Ana,a@x.org\n";
    r = zt_roster_parse(csv, strlen(csv), "r.csv", err, sizeof(err));
    ok(r == NULL && strstr(err, "never closed"), "open quote: %s", err);

    csv = "Ana \xC0\x96,a@x.org\n";
    r = zt_roster_parse(csv, strlen(csv), "r.csv", err, sizeof(err));
    ok(r == NULL && strstr(err, "UTF-8"), "invalid UTF-8: %s", err);

    r = zt_roster_load("/nonexistent/roster.csv", err, sizeof(err));
    ok(r == NULL && strstr(err, "cannot read roster"), "missing file");
}


static void
test_name_key(void)
{
    char  k1[128], k2[128];

    zt_roster_name_key("José  Álvarez", k1, sizeof(k1));
    zt_roster_name_key("jose alvarez (Guest)", k2, sizeof(k2));
    is_str(k1, "jose alvarez", "accents, case and spacing fold");
    is_str(k2, k1, "the (Guest) suffix goes");

    zt_roster_name_key("Jose\xCC\x81 ALVAREZ (she/her) (Host)", k2,
                       sizeof(k2));
    is_str(k2, k1, "combining accent and two suffixes");

    zt_roster_name_key("STRASSE", k1, sizeof(k1));
    zt_roster_name_key("Straße", k2, sizeof(k2));
    is_str(k2, k1, "full case folding: ß = ss");

    zt_roster_name_key("(Guest)", k1, sizeof(k1));
    is_str(k1, "(guest)", "a name that is only a suffix stays");

    is_int(zt_roster_name_key("Bad \xC0\x96", k1, sizeof(k1)), ZT_ERROR,
           "invalid UTF-8 reported");
}


static void
test_match(void)
{
    char                      err[512];
    long                      m[6];
    const char               *csv;
    zt_roster_t              *r;
    zt_roster_participant_t   p[6];
    static const int64_t      early[1][2] = { { 0, 1000 } };
    static const int64_t      late[1][2] = { { 2000, 3000 } };
    static const int64_t      all[1][2] = { { 0, 3000 } };

    csv = "name,email,group\n"
          "Ana Lima,ana@example.org,A\n"
          "José Álvarez,,B\n"
          "Kim Park,,A\n"
          "Kim Park,kim2@example.org,B\n"
          "Sam Roe,,C\n";
    r = zt_roster_parse(csv, strlen(csv), "r.csv", err, sizeof(err));
    ok(r != NULL, "roster parsed");
    if (r == NULL) {
        return;
    }

    memset(p, 0, sizeof(p));
    p[0] = (zt_roster_participant_t) { "k0", "A. Lima", "ANA@example.org",
                                       early, 1 };
    p[1] = (zt_roster_participant_t) { "k1", "jose alvarez (Guest)", "",
                                       early, 1 };
    p[2] = (zt_roster_participant_t) { "k2", "Kim Park", NULL, early, 1 };
    p[3] = (zt_roster_participant_t) { "k3", "Sam Roe", NULL, early, 1 };
    p[4] = (zt_roster_participant_t) { "k4", "Sam Roe", NULL, all, 1 };
    p[5] = (zt_roster_participant_t) { "k5", "Visitor", NULL, late, 1 };

    said[0] = '\0';
    ok(zt_roster_match(r, p, 6, m, collect, NULL) == ZT_OK, "matched");
    is_int(m[0], 0, "email wins over a different name, any case");
    is_int(m[1], 1, "accent-folded name with (Guest)");
    is_int(m[2], -1, "Kim Park matches two roster people: not guessed");
    is_int(m[3], 4, "Sam Roe by name");
    is_int(m[4], -1, "a second Sam Roe present at the same time: unmatched");
    is_int(m[5], -1, "a guest");
    ok(strstr(said, "were present at the same time") != NULL,
       "the clash is reported");

    /* the same person rejoining under a new identity is one person */
    p[4].iv = late;
    said[0] = '\0';
    zt_roster_match(r, p, 6, m, collect, NULL);
    is_int(m[4], 4, "not at the same time: the same roster person");
    ok(strstr(said, "same time") == NULL, "and no clash to report");

    zt_roster_free(r);

    csv = "Kim Park\nKIM  PARK\n";
    r = zt_roster_parse(csv, strlen(csv), "r.csv", err, sizeof(err));
    p[0] = (zt_roster_participant_t) { "k0", "Kim Park", NULL, early, 1 };
    said[0] = '\0';
    zt_roster_match(r, p, 1, m, collect, NULL);
    is_int(m[0], -1, "two roster people with one name: not guessed");
    ok(strstr(said, "matches 2 roster people") != NULL,
       "the ambiguity is reported: %s", said);
    zt_roster_free(r);
}


/*
 * A roster person matched by email who also came on a device without one
 * (a phone under their name, then the laptop): one person.
 */
static void
test_match_devices(void)
{
    char                      err[512];
    long                      m[3];
    const char               *csv;
    zt_roster_t              *r;
    zt_roster_participant_t   p[3];
    static const int64_t      early[1][2] = { { 0, 1000 } };
    static const int64_t      late[1][2] = { { 2000, 3000 } };
    static const int64_t      all[1][2] = { { 0, 3000 } };

    csv = "Lena Late,lena@uni.edu\nKim Park,kim1@uni.edu\n"
          "Kim Park,kim2@uni.edu\n";
    r = zt_roster_parse(csv, strlen(csv), "r.csv", err, sizeof(err));
    ok(r != NULL, "devices: roster parsed");
    if (r == NULL) {
        return;
    }

    p[0] = (zt_roster_participant_t) { "k0", "Lena Late", NULL, early, 1 };
    p[1] = (zt_roster_participant_t) { "k1", "Lena Late", "lena@uni.edu",
                                       late, 1 };
    p[2] = (zt_roster_participant_t) { "k2", "lena late", "lena@home.org",
                                       early, 1 };
    said[0] = '\0';
    zt_roster_match(r, p, 3, m, collect, NULL);
    is_int(m[0], 0, "devices: the phone (her name, no email) is her");
    is_int(m[1], 0, "devices: the laptop by email");
    is_int(m[2], -1, "devices: her name with another email is someone else");
    ok(said[0] == '\0', "devices: nothing to report: %s", said);

    /* at the same time: the one with her email keeps her */
    p[0].iv = all;
    said[0] = '\0';
    zt_roster_match(r, p, 2, m, collect, NULL);
    is_int(m[0], -1, "devices: a phone present with her laptop: unmatched");
    is_int(m[1], 0, "devices: the laptop with her email stays her");
    ok(strstr(said, "\"Lena Late\" is left unmatched") != NULL,
       "devices: the clash is reported");

    /* two roster people of that name, both matched by email: not guessed */
    p[0] = (zt_roster_participant_t) { "k0", "Kim Park", "kim1@uni.edu",
                                       early, 1 };
    p[1] = (zt_roster_participant_t) { "k1", "Kim Park", "kim2@uni.edu",
                                       early, 1 };
    p[2] = (zt_roster_participant_t) { "k2", "Kim Park", "", late, 1 };
    said[0] = '\0';
    zt_roster_match(r, p, 3, m, collect, NULL);
    ok(m[0] == 1 && m[1] == 2, "devices: the two Kims by email");
    is_int(m[2], -1, "devices: a Kim without email: not guessed");
    ok(strstr(said, "matches 2 roster people") != NULL,
       "devices: the ambiguity is reported");

    zt_roster_free(r);
}


int
main(void)
{
    test_parse();
    test_name_key();
    test_match();
    test_match_devices();

    return done_testing();
}
