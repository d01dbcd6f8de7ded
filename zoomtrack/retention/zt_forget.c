/*
 * zt_forget: one person out of the archive and the warehouse, and the
 * matching rules (rules in zt_forget.h).  The report files and the chat's
 * dead letters are zt_forget_files.c, the Redis side zt_forget_redis.c.
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <unicase.h>
#include <unistr.h>

#include "zt_core.h"
#include "zt_event.h"
#include "zt_fs.h"
#include "zt_forget.h"
#include "zt_retention.h"


static int zt_forget_add(char ***list, size_t *n, const char *s);
static int zt_forget_sqlite_lower(sqlite3 *db);
static void zt_forget_sql_lower(sqlite3_context *ctx, int argc,
    sqlite3_value **argv);
static int zt_forget_linked_sqlite(sqlite3 *db, zt_forget_who_t *w);
static int zt_forget_temp(sqlite3 *db, const char *table, char **list,
    size_t n);
static int zt_forget_archive_day(const char *path, const char *name,
    const zt_forget_who_t *w, int dry_run, zt_forget_count_t *c);


int
zt_forget_matches(const zt_forget_who_t *w, const char *participant_id,
    const char *participant_user_id, const char *registrant_id,
    const char *email, const char *name)
{
    char  key[512];

    if (email[0] && ((w->email && zt_forget_same(email, w->email))
                     || zt_forget_in(w->emails, w->nemails, email, 1)))
    {
        return 1;
    }

    if (name[0] && w->name && zt_forget_same(name, w->name)) {
        return 1;
    }

    if (w->participant_id
        && ((participant_id[0]
             && strcmp(participant_id, w->participant_id) == 0)
            || (participant_user_id[0]
                && strcmp(participant_user_id, w->participant_id) == 0)))
    {
        return 1;
    }

    zt_person_key(participant_id, registrant_id, email, name, key,
                  sizeof(key));

    return zt_forget_in(w->keys, w->nkeys, key, 0);
}


int
zt_forget_lookup_sqlite(sqlite3 *db, zt_forget_who_t *w)
{
    int            rc;
    sqlite3_stmt  *st;

    /* zt_lower(), not SQLite's lower(): that one folds ASCII only */
    static const char  sql[] =
        "SELECT DISTINCT person_key, zt_lower(participant_email),"
        " participant_name FROM raw_events"
        " WHERE (?1 IS NOT NULL"
        "        AND zt_lower(participant_email) = zt_lower(?1))"
        " OR (?2 IS NOT NULL AND zt_lower(participant_name) = zt_lower(?2))"
        " OR (?3 IS NOT NULL AND (participant_id = ?3"
        "     OR participant_user_id = ?3))";

    if (zt_forget_sqlite_lower(db) != ZT_OK
        || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    {
        fprintf(stderr, "zoomtrack forget: warehouse: %s\n",
                sqlite3_errmsg(db));
        return ZT_ERROR;
    }

    sqlite3_bind_text(st, 1, w->email, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, w->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, w->participant_id, -1, SQLITE_STATIC);

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (zt_forget_add(&w->keys, &w->nkeys,
                          (const char *) sqlite3_column_text(st, 0))
            != ZT_OK
            || zt_forget_add(&w->emails, &w->nemails,
                             (const char *) sqlite3_column_text(st, 1))
               != ZT_OK
            || zt_forget_add(&w->names, &w->nnames,
                             (const char *) sqlite3_column_text(st, 2))
               != ZT_OK)
        {
            rc = SQLITE_NOMEM;
            break;
        }
    }

    sqlite3_finalize(st);

    if (rc != SQLITE_DONE || zt_forget_linked_sqlite(db, w) != ZT_OK) {
        fprintf(stderr, "zoomtrack forget: warehouse: %s\n",
                sqlite3_errmsg(db));
        return ZT_ERROR;
    }

    return ZT_OK;
}


/*
 * Adds to w every weaker key that shares a participant_uuid with a key of
 * w's in the same meeting (presence rule 1: those events are the
 * person's, e.g. their room events keyed by name).  One step, from the
 * keys found by the lookup: a name linked to two people in two meetings
 * does not bring the other person in.
 */
static int
zt_forget_linked_sqlite(sqlite3 *db, zt_forget_who_t *w)
{
    int              rc;
    sqlite3_stmt    *st;
    zt_forget_who_t  add;

    static const char  sql[] =
        "SELECT DISTINCT s.person_key, l.person_key,"
        " zt_lower(l.participant_email), l.participant_name"
        " FROM raw_events s JOIN raw_events l"
        " ON l.meeting_uuid = s.meeting_uuid"
        " AND l.participant_uuid = s.participant_uuid"
        " WHERE s.person_key IN (SELECT v FROM temp.fk)"
        " AND s.participant_uuid != '' AND l.person_key != s.person_key";

    if (zt_forget_temp(db, "fk", w->keys, w->nkeys) != ZT_OK
        || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    {
        return ZT_ERROR;
    }

    memset(&add, 0, sizeof(add));

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (zt_forget_link(&add,
                           (const char *) sqlite3_column_text(st, 0),
                           (const char *) sqlite3_column_text(st, 1),
                           (const char *) sqlite3_column_text(st, 2),
                           (const char *) sqlite3_column_text(st, 3))
            != ZT_OK)
        {
            rc = SQLITE_NOMEM;
            break;
        }
    }

    sqlite3_finalize(st);

    if (rc == SQLITE_DONE && zt_forget_who_merge(w, &add) != ZT_OK) {
        rc = SQLITE_NOMEM;
    }

    zt_forget_who_free(&add);

    return rc == SQLITE_DONE ? ZT_OK : ZT_ERROR;
}


int
zt_forget_link(zt_forget_who_t *w, const char *key, const char *linked,
    const char *email, const char *name)
{
    if (key == NULL || linked == NULL
        || zt_person_key_rank(linked) <= zt_person_key_rank(key))
    {
        return ZT_OK;
    }

    return zt_forget_who_add(w, linked, email, name);
}


int
zt_forget_who_merge(zt_forget_who_t *w, const zt_forget_who_t *add)
{
    size_t  i;

    for (i = 0; i < add->nkeys; i++) {
        if (zt_forget_add(&w->keys, &w->nkeys, add->keys[i]) != ZT_OK) {
            return ZT_ERROR;
        }
    }
    for (i = 0; i < add->nemails; i++) {
        if (zt_forget_add(&w->emails, &w->nemails, add->emails[i])
            != ZT_OK)
        {
            return ZT_ERROR;
        }
    }
    for (i = 0; i < add->nnames; i++) {
        if (zt_forget_add(&w->names, &w->nnames, add->names[i]) != ZT_OK) {
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


int
zt_forget_sqlite(sqlite3 *db, const zt_forget_who_t *w, int dry_run,
    zt_forget_count_t *c)
{
    int            rc;
    size_t         i;
    sqlite3_stmt  *st;

    /*
     * daily_reports has no person key: a row is the person's by an email
     * of theirs, or by a name of theirs on a row without an email
     */
    static const char  *del[] = {
        "raw_events WHERE person_key IN (SELECT v FROM temp.fk)",
        "camera_minutes WHERE person_key IN (SELECT v FROM temp.fk)",
        "daily_reports WHERE zt_lower(participant_email) IN"
        " (SELECT v FROM temp.fe) OR (coalesce(participant_email, '') = ''"
        " AND participant_name IN (SELECT v FROM temp.fn))",
        "preassigned_rooms WHERE zt_lower(email) IN (SELECT v FROM temp.fe)",
    };

    /*
     * secure_delete: the deleted rows' bytes are overwritten, not left in
     * free pages of the file, where `strings zoomtrack.db` would find them
     */
    if (zt_forget_sqlite_lower(db) != ZT_OK
        || (!dry_run && sqlite3_exec(db, "PRAGMA secure_delete = ON", NULL,
                                     NULL, NULL) != SQLITE_OK)
        || sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK
        || zt_forget_temp(db, "fk", w->keys, w->nkeys) != ZT_OK
        || zt_forget_temp(db, "fe", w->emails, w->nemails) != ZT_OK
        || zt_forget_temp(db, "fn", w->names, w->nnames) != ZT_OK)
    {
        goto failed;
    }

    for (i = 0; i < sizeof(del) / sizeof(del[0]); i++) {
        char  sql[512];

        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", del[i]);
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
            goto failed;
        }
        rc = sqlite3_step(st);
        c->found += rc == SQLITE_ROW ? (uint64_t) sqlite3_column_int64(st, 0)
                                     : 0;
        sqlite3_finalize(st);

        if (dry_run) {
            continue;
        }

        snprintf(sql, sizeof(sql), "DELETE FROM %s", del[i]);
        if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
            goto failed;
        }
        c->removed += (uint64_t) sqlite3_changes(db);
    }

    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        goto failed;
    }

    /*
     * The write-ahead log still holds the pages as they were before the
     * delete until a checkpoint copies the new ones back and empties it.
     * A drainer reading at that moment keeps the log in use: then say so.
     */
    if (!dry_run
        && sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
                        NULL) != SQLITE_OK)
    {
        fprintf(stderr, "zoomtrack forget: warehouse: the write-ahead log "
                "could not be emptied now (%s); it is on the next "
                "checkpoint\n", sqlite3_errmsg(db));
    }

    return ZT_OK;

failed:

    fprintf(stderr, "zoomtrack forget: warehouse: %s\n", sqlite3_errmsg(db));
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);

    return ZT_ERROR;
}


int
zt_forget_each(const char *dir, zt_forget_entry_pt fn,
    const zt_forget_who_t *w, int dry_run, zt_forget_count_t *c)
{
    int             rc;
    DIR            *d;
    char            path[4096];
    struct dirent  *de;

    d = opendir(dir);
    if (d == NULL) {
        return errno == ENOENT ? ZT_OK : ZT_ERROR;
    }

    rc = ZT_OK;

    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }

        if ((size_t) snprintf(path, sizeof(path), "%s/%s", dir, de->d_name)
            >= sizeof(path)
            || fn(path, de->d_name, w, dry_run, c) == ZT_ERROR)
        {
            rc = ZT_ERROR;
        }
    }

    closedir(d);

    return rc;
}


int
zt_forget_archive_dir(const char *dir, const zt_forget_who_t *w,
    int dry_run, zt_forget_count_t *c)
{
    return zt_forget_each(dir, zt_forget_archive_day, w, dry_run, c);
}


int
zt_forget_who_add(zt_forget_who_t *w, const char *key, const char *email,
    const char *name)
{
    if (zt_forget_add(&w->keys, &w->nkeys, key) != ZT_OK
        || zt_forget_add(&w->emails, &w->nemails, email) != ZT_OK
        || zt_forget_add(&w->names, &w->nnames, name) != ZT_OK)
    {
        return ZT_ERROR;
    }

    return ZT_OK;
}


int
zt_forget_add_asked(zt_forget_who_t *w)
{
    char  key[512];

    key[0] = '\0';

    if (w->participant_id) {
        zt_person_key(w->participant_id, "", "", "", key, sizeof(key));

    } else if (w->email) {
        zt_person_key("", "", w->email, "", key, sizeof(key));

    } else if (w->name) {
        zt_person_key("", "", "", w->name, key, sizeof(key));
    }

    return zt_forget_add(&w->keys, &w->nkeys, key);
}


void
zt_forget_who_free(zt_forget_who_t *w)
{
    size_t  i;

    for (i = 0; i < w->nkeys; i++) {
        free(w->keys[i]);
    }
    for (i = 0; i < w->nemails; i++) {
        free(w->emails[i]);
    }
    for (i = 0; i < w->nnames; i++) {
        free(w->names[i]);
    }

    free(w->keys);
    free(w->emails);
    free(w->names);
    w->keys = w->emails = w->names = NULL;
    w->nkeys = w->nemails = w->nnames = 0;
}


/* appends a copy of s unless empty or already there */
static int
zt_forget_add(char ***list, size_t *n, const char *s)
{
    char  **l;

    if (s == NULL || s[0] == '\0' || zt_forget_in(*list, *n, s, 0)) {
        return ZT_OK;
    }

    l = realloc(*list, (*n + 1) * sizeof(char *));
    if (l == NULL) {
        return ZT_ERROR;
    }

    *list = l;
    l[*n] = strdup(s);

    if (l[*n] == NULL) {
        return ZT_ERROR;
    }

    (*n)++;

    return ZT_OK;
}


int
zt_forget_in(char **list, size_t n, const char *s, int nocase)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (nocase ? zt_forget_same(list[i], s) : strcmp(list[i], s) == 0) {
            return 1;
        }
    }

    return 0;
}


char *
zt_forget_lower(const char *s, size_t n, size_t *outlen)
{
    char     *out;
    size_t    i;
    uint8_t  *low;

    if (u8_check((const uint8_t *) s, n) == NULL) {
        low = u8_tolower((const uint8_t *) s, n, NULL, NULL, NULL, outlen);
        if (low == NULL) {
            return NULL;
        }

        out = realloc(low, *outlen + 1);
        if (out == NULL) {
            free(low);
            return NULL;
        }

        out[*outlen] = '\0';
        return out;
    }

    /* not UTF-8: no letter beyond ASCII can be told */
    out = malloc(n + 1);
    if (out == NULL) {
        return NULL;
    }

    for (i = 0; i < n; i++) {
        out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char) (s[i] + 32) : s[i];
    }

    out[n] = '\0';
    *outlen = n;

    return out;
}


int
zt_forget_same(const char *a, const char *b)
{
    int          same;
    char        *la, *lb;
    size_t       na, nb;
    const char  *p;

    if (strcasecmp(a, b) == 0) {
        return 1;
    }

    for (p = a; *p && (unsigned char) *p < 0x80; p++) { /* void */ }

    if (*p == '\0') {
        for (p = b; *p && (unsigned char) *p < 0x80; p++) { /* void */ }

        if (*p == '\0') {
            return 0;                   /* ASCII both: strcasecmp said */
        }
    }

    la = zt_forget_lower(a, strlen(a), &na);
    lb = zt_forget_lower(b, strlen(b), &nb);

    same = la && lb && na == nb && memcmp(la, lb, na) == 0;

    free(la);
    free(lb);

    return same;
}


/* zt_lower(x) on db: zt_forget_lower() for SQL; NULL stays NULL */
static int
zt_forget_sqlite_lower(sqlite3 *db)
{
    if (sqlite3_create_function_v2(db, "zt_lower", 1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC
                                   | SQLITE_INNOCUOUS, NULL,
                                   zt_forget_sql_lower, NULL, NULL, NULL)
        != SQLITE_OK)
    {
        return ZT_ERROR;
    }

    return ZT_OK;
}


static void
zt_forget_sql_lower(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    char                 *low;
    size_t                n;
    const unsigned char  *s;

    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }

    s = sqlite3_value_text(argv[0]);
    if (s == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }

    low = zt_forget_lower((const char *) s,
                          (size_t) sqlite3_value_bytes(argv[0]), &n);
    if (low == NULL || n > INT32_MAX) {
        free(low);
        sqlite3_result_error_nomem(ctx);
        return;
    }

    sqlite3_result_text(ctx, low, (int) n, free);
}


static int
zt_forget_temp(sqlite3 *db, const char *table, char **list, size_t n)
{
    int            rc;
    char           sql[128];
    size_t         i;
    sqlite3_stmt  *st;

    snprintf(sql, sizeof(sql), "CREATE TEMP TABLE IF NOT EXISTS %s "
             "(v TEXT PRIMARY KEY); DELETE FROM temp.%s", table, table);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        return ZT_ERROR;
    }

    snprintf(sql, sizeof(sql), "INSERT OR IGNORE INTO temp.%s VALUES (?)",
             table);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        return ZT_ERROR;
    }

    rc = SQLITE_DONE;

    for (i = 0; i < n && rc == SQLITE_DONE; i++) {
        sqlite3_bind_text(st, 1, list[i], -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
    }

    sqlite3_finalize(st);

    return rc == SQLITE_DONE ? ZT_OK : ZT_ERROR;
}


/*
 * One archive day folder (name YYYY-MM-DD; others are not the archive's:
 * ZT_DECLINED): each body is one event about one participant.
 */
static int
zt_forget_archive_day(const char *path, const char *name,
    const zt_forget_who_t *w, int dry_run, zt_forget_count_t *c)
{
    int             rc, hit;
    DIR            *d;
    char            file[4096], *body;
    size_t          len;
    zt_event_t      ev;
    const char     *reason;
    struct dirent  *de;

    if (!zt_retention_is_date(name, strlen(name))) {
        return ZT_DECLINED;
    }

    d = opendir(path);
    if (d == NULL) {
        return ZT_ERROR;
    }

    rc = ZT_OK;

    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.'
            || (size_t) snprintf(file, sizeof(file), "%s/%s", path,
                                 de->d_name) >= sizeof(file))
        {
            continue;
        }

        body = zt_forget_read(file, &len);
        if (body == NULL) {
            continue;
        }

        memset(&ev, 0, sizeof(ev));
        hit = zt_event_parse((const unsigned char *) body, len, &ev, &reason)
                  == ZT_OK
              && zt_forget_matches(w, ev.participant_id,
                                   ev.participant_user_id, ev.registrant_id,
                                   ev.participant_email, ev.participant_name);
        zt_event_free(&ev);
        free(body);

        if (!hit) {
            continue;
        }

        c->found++;

        if (dry_run) {
            continue;
        }

        if (unlink(file) != 0 && errno != ENOENT) {
            fprintf(stderr, "zoomtrack forget: cannot remove \"%s\": %s\n",
                    file, strerror(errno));
            rc = ZT_ERROR;
            continue;
        }

        c->removed++;
    }

    closedir(d);

    return rc;
}


char *
zt_forget_read(const char *path, size_t *len)
{
    char  *buf;
    long   size;
    FILE  *f;

    f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }

    buf = NULL;

    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0
        && size <= ZT_FORGET_MAX_FILE && fseek(f, 0, SEEK_SET) == 0
        && (buf = malloc((size_t) size + 1)) != NULL)
    {
        if (fread(buf, 1, (size_t) size, f) != (size_t) size) {
            free(buf);
            buf = NULL;
        } else {
            buf[size] = '\0';
            *len = (size_t) size;
        }
    }

    fclose(f);

    return buf;
}

