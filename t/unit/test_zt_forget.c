/*
 * Unit tests of zoomtrack/retention/zt_forget.c: who is the person.  The
 * name and the email are matched case-insensitively for every letter, as
 * BigQuery's LOWER does, not only for ASCII ones.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "zt_core.h"
#include "zt_forget.h"
#include "tap.h"


static sqlite3 *
warehouse(void)
{
    sqlite3  *db;

    if (sqlite3_open(":memory:", &db) != SQLITE_OK
        || sqlite3_exec(db,
               "CREATE TABLE raw_events (person_key TEXT,"
               " participant_email TEXT, participant_name TEXT,"
               " participant_id TEXT, participant_user_id TEXT,"
               " meeting_uuid TEXT, participant_uuid TEXT);"
               "INSERT INTO raw_events VALUES"
               " ('id:uJose', 'José.Á@Example.org', 'José Álvarez',"
               "  'uJose', 'uJose', 'm1', 'puJ'),"
               " ('name:José Álvarez', '', 'José Álvarez', '', '', 'm2',"
               "  'puX'),"
               " ('id:uJos', 'jos@example.org', 'JOSÉ ÁLVAREZ', 'uJos',"
               "  'uJos', 'm1', 'puJos'),"
               /* his room events, keyed by name: linked by puJ in m1 */
               " ('name:Jose R', '', 'Jose R', '', '', 'm1', 'puJ'),"
               /* another meeting, or not weaker: not linked */
               " ('name:Elsewhere', '', 'Elsewhere', '', '', 'm2', 'puJ'),"
               " ('id:uOther', '', 'Other', 'uOther', '', 'm1', 'puJ'),"
               /* a participant_uuid left blank links nothing */
               " ('name:Blank', '', 'Blank', '', '', 'm1', ''),"
               " ('id:uJos', 'jos@example.org', 'JOSÉ ÁLVAREZ', 'uJos',"
               "  'uJos', 'm1', '');", NULL, NULL, NULL) != SQLITE_OK)
    {
        return NULL;
    }

    return db;
}


static size_t
lookup(sqlite3 *db, const char *email, const char *name)
{
    size_t           n;
    zt_forget_who_t  w;

    memset(&w, 0, sizeof(w));
    w.email = email;
    w.name = name;

    if (zt_forget_lookup_sqlite(db, &w) != ZT_OK) {
        zt_forget_who_free(&w);
        return (size_t) -1;
    }

    n = w.nkeys;
    zt_forget_who_free(&w);

    return n;
}


int
main(void)
{
    char             *low;
    size_t            n;
    sqlite3          *db;
    zt_forget_who_t   w;

    /* ------------------------------------------------- lowercasing */
    low = zt_forget_lower("José ÁLVAREZ", strlen("José ÁLVAREZ"), &n);
    is_str(low, "josé álvarez", "accented capitals are lowercased");
    ok(n == strlen("josé álvarez"), "and the length follows");
    free(low);

#define GREEK  "ΣΩΚΡΑΤΗΣ Ødegård"
    low = zt_forget_lower(GREEK, strlen(GREEK), &n);
    ok(low && strncmp(low, "σωκρατ", strlen("σωκρατ")) == 0
       && strstr(low, "ødegård"), "Greek and Norwegian too");
    free(low);

    low = zt_forget_lower("AB\xff\xfe" "C", 5, &n);
    ok(low && n == 5 && memcmp(low, "ab\xff\xfe" "c", 5) == 0,
       "bytes that are not UTF-8: ASCII letters only, the rest kept");
    free(low);

    ok(zt_forget_same("josé álvarez", "José Álvarez"), "same: lowercase");
    ok(zt_forget_same("JOSÉ ÁLVAREZ", "José Álvarez"), "same: uppercase");
    ok(zt_forget_same("ana@EXAMPLE.org", "ANA@example.org"), "same: ASCII");
    ok(!zt_forget_same("jose alvarez", "José Álvarez"),
       "accents are not dropped (BigQuery's LOWER keeps them)");
    ok(!zt_forget_same("José Álvare", "José Álvarez"), "a shorter name");

    /* --------------------------------------- zt_forget_matches() */
    memset(&w, 0, sizeof(w));
    w.name = "josé álvarez";
    ok(zt_forget_matches(&w, "", "", "", "", "José Álvarez"),
       "a body with the name in another case is the person's");
    ok(!zt_forget_matches(&w, "", "", "", "", "José Alvarez"),
       "one without the accent is not");
    w.name = NULL;
    w.email = "JOSÉ.Á@EXAMPLE.ORG";
    ok(zt_forget_matches(&w, "", "", "", "josé.á@example.org", "x"),
       "an email with non-ASCII letters, in another case");

    /* ------------------------------------ the SQLite warehouse */
    db = warehouse();
    ok(db != NULL, "warehouse");

    /* the name: uJose and uJos by name, plus uJose's room key */
    is_int((int) lookup(db, NULL, "José Álvarez"), 4,
           "the name as stored finds its three identities and a linked one");
    is_int((int) lookup(db, NULL, "josé álvarez"), 4,
           "in lowercase, the same four");
    is_int((int) lookup(db, NULL, "JOSÉ ÁLVAREZ"), 4, "in uppercase too");
    is_int((int) lookup(db, NULL, "José Alvarez"), 0,
           "without the accent, none");
    is_int((int) lookup(db, "josé.á@example.ORG", NULL), 2,
           "an email with non-ASCII letters, in another case: his key"
           " and the weaker one sharing his participant_uuid there");
    is_int((int) lookup(db, "jos@example.org", NULL), 1,
           "no participant_uuid shared: his key alone");

    memset(&w, 0, sizeof(w));
    w.email = "JOSÉ.Á@example.org";
    ok(zt_forget_lookup_sqlite(db, &w) == ZT_OK && w.nemails == 1
       && strcmp(w.emails[0], "josé.á@example.org") == 0,
       "the emails found are lowercased the same way");
    ok(w.nkeys == 2 && strcmp(w.keys[1], "name:Jose R") == 0
       && w.nnames == 2 && strcmp(w.names[1], "Jose R") == 0,
       "the linked key and its name");
    zt_forget_who_free(&w);

    sqlite3_close(db);

    return done_testing();
}
