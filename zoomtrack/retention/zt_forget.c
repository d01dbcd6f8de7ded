/*
 * zt_forget: one person out of the archive, the warehouse and the reports
 * (rules in zt_forget.h).  The Redis side is zt_forget_redis.c.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <jansson.h>
#include <unicase.h>
#include <unistr.h>

#include "zt_core.h"
#include "zt_chat_msg.h"
#include "zt_event.h"
#include "zt_fs.h"
#include "zt_forget.h"
#include "zt_retention.h"


#define ZT_FORGET_MAX_FILE  (64 * 1024 * 1024)


static int zt_forget_add(char ***list, size_t *n, const char *s);
static int zt_forget_in(char **list, size_t n, const char *s, int nocase);
static int zt_forget_sqlite_lower(sqlite3 *db);
static void zt_forget_sql_lower(sqlite3_context *ctx, int argc,
    sqlite3_value **argv);
static int zt_forget_temp(sqlite3 *db, const char *table, char **list,
    size_t n);
static int zt_forget_archive_day(const char *path, const zt_forget_who_t *w,
    int dry_run, zt_forget_count_t *c);
static char *zt_forget_read(const char *path, size_t *len);
static int zt_forget_csv(const zt_forget_who_t *w, const char *in,
    size_t len, FILE *out, int *hit);
static int zt_forget_json(const zt_forget_who_t *w, const char *in,
    size_t len, FILE *out, int *hit);
static int zt_forget_rewrite(const char *path, const zt_forget_who_t *w,
    int json, int dry_run, zt_forget_count_t *c);
static int zt_forget_html(const char *path, const zt_forget_who_t *w,
    int dry_run, zt_forget_count_t *c);
static int zt_forget_html_names(const char *low, const char *s);
static char *zt_forget_read_fd(int fd, size_t *len);
static int zt_forget_chat_line(const zt_forget_who_t *w, const char *line,
    size_t len);
static int zt_forget_chat_said(const char *low, const char *name);


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

    if (rc != SQLITE_DONE) {
        fprintf(stderr, "zoomtrack forget: warehouse: %s\n",
                sqlite3_errmsg(db));
        return ZT_ERROR;
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

    if (zt_forget_sqlite_lower(db) != ZT_OK
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

    return ZT_OK;

failed:

    fprintf(stderr, "zoomtrack forget: warehouse: %s\n", sqlite3_errmsg(db));
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);

    return ZT_ERROR;
}


int
zt_forget_archive_dir(const char *dir, const zt_forget_who_t *w,
    int dry_run, zt_forget_count_t *c)
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
        if (!zt_retention_is_date(de->d_name, strlen(de->d_name))) {
            continue;
        }

        if ((size_t) snprintf(path, sizeof(path), "%s/%s", dir, de->d_name)
            >= sizeof(path)
            || zt_forget_archive_day(path, w, dry_run, c) != ZT_OK)
        {
            rc = ZT_ERROR;
        }
    }

    closedir(d);

    return rc;
}


int
zt_forget_report_files(const char *dir, const zt_forget_who_t *w,
    int dry_run, zt_forget_count_t *c)
{
    int             rc, html;
    DIR            *d;
    char            path[4096];
    size_t          n;
    struct dirent  *de;

    d = opendir(dir);
    if (d == NULL) {
        return errno == ENOENT ? ZT_OK : ZT_ERROR;
    }

    rc = ZT_OK;

    while ((de = readdir(d)) != NULL) {
        n = strlen(de->d_name);

        if (n < 5 || de->d_name[0] == '.') {
            continue;
        }

        html = strcmp(de->d_name + n - 5, ".html") == 0;

        if (!html && strcmp(de->d_name + n - 4, ".csv") != 0
            && strcmp(de->d_name + n - 5, ".json") != 0)
        {
            continue;
        }

        if ((size_t) snprintf(path, sizeof(path), "%s/%s", dir, de->d_name)
            >= sizeof(path))
        {
            rc = ZT_ERROR;
            continue;
        }

        if ((html ? zt_forget_html(path, w, dry_run, c)
                  : zt_forget_rewrite(path, w, de->d_name[n - 1] == 'n',
                                      dry_run, c))
            != ZT_OK)
        {
            rc = ZT_ERROR;
        }
    }

    closedir(d);

    return rc;
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


static int
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


/* one archive day folder: each body is one event about one participant */
static int
zt_forget_archive_day(const char *path, const zt_forget_who_t *w,
    int dry_run, zt_forget_count_t *c)
{
    int             rc, hit;
    DIR            *d;
    char            file[4096], *body;
    size_t          len;
    zt_event_t      ev;
    const char     *reason;
    struct dirent  *de;

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


static char *
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


/*
 * Reads one quoted-or-bare CSV cell at *p into cell (unquoted; a leading
 * apostrophe, the formula guard, dropped); returns the separator that
 * ended it: ',', '\n' or '\0'.
 */
static char
zt_forget_cell(const char **p, const char *end, char *cell, size_t cap)
{
    size_t  o = 0;
    int     quoted = 0;
    char    ch;

    if (*p < end && **p == '"') {
        quoted = 1;
        (*p)++;
    }

    while (*p < end) {
        ch = *(*p)++;

        if (quoted && ch == '"') {
            if (*p < end && **p == '"') {
                (*p)++;
            } else {
                quoted = 0;
                continue;
            }
        } else if (!quoted && (ch == ',' || ch == '\n')) {
            cell[o] = '\0';
            return ch;
        } else if (!quoted && ch == '\r') {
            continue;
        }

        if (o + 1 < cap) {
            cell[o++] = ch;
        }
    }

    cell[o] = '\0';

    return '\0';
}


static int
zt_forget_csv(const zt_forget_who_t *w, const char *in, size_t len,
    FILE *out, int *hit)
{
    char         cell[2048], name[2048], email[2048], sep;
    long         col, ncol, ename;
    long         iname, iemail;
    const char  *p, *row, *end = in + len;

    iname = iemail = -1;
    ename = 0;
    p = in;

    for (ncol = 0; p < end; ncol++) {
        sep = zt_forget_cell(&p, end, cell, sizeof(cell));
        if (strcmp(cell, "participant_name") == 0
            || strcmp(cell, "Username") == 0)
        {
            iname = ncol;
        } else if (strcmp(cell, "participant_email") == 0) {
            iemail = ncol;
        }
        if (sep != ',') {
            break;
        }
    }

    fwrite(in, 1, (size_t) (p - in), out);

    if (iname < 0 && iemail < 0) {
        fwrite(p, 1, (size_t) (end - p), out);   /* not a people file */
        return ZT_OK;
    }

    while (p < end) {
        row = p;
        name[0] = email[0] = '\0';

        for (col = 0; p < end; col++) {
            sep = zt_forget_cell(&p, end, cell, sizeof(cell));
            if (col == iname) {
                memcpy(name, cell[0] == '\'' ? cell + 1 : cell,
                       strlen(cell) + 1 - (cell[0] == '\''));
            } else if (col == iemail) {
                memcpy(email, cell, strlen(cell) + 1);
            }
            if (sep != ',') {
                break;
            }
        }

        ename = (email[0] == '\0');

        if (zt_forget_matches(w, "", "", "", email, name)
            || (ename && name[0] && zt_forget_in(w->names, w->nnames, name,
                                                 0)))
        {
            *hit = 1;
            continue;
        }

        fwrite(row, 1, (size_t) (p - row), out);
    }

    return ZT_OK;
}


static int
zt_forget_json(const zt_forget_who_t *w, const char *in, size_t len,
    FILE *out, int *hit)
{
    size_t       i;
    json_t      *a, *o;
    const char  *name, *email;

    a = json_loadb(in, len, 0, NULL);
    if (!json_is_array(a)) {
        json_decref(a);
        fwrite(in, 1, len, out);                /* not a report */
        return ZT_OK;
    }

    for (i = 0; i < json_array_size(a); /* void */) {
        o = json_array_get(a, i);
        name = json_string_value(json_object_get(o, "participant_name"));
        email = json_string_value(json_object_get(o, "participant_email"));

        if (zt_forget_matches(w, "", "", "", email ? email : "",
                              name ? name : "")
            || ((email == NULL || email[0] == '\0') && name
                && zt_forget_in(w->names, w->nnames, name, 0)))
        {
            json_array_remove(a, i);
            *hit = 1;
            continue;
        }

        i++;
    }

    i = json_dumpf(a, out, JSON_INDENT(2)) == 0 ? ZT_OK : ZT_ERROR;
    fputc('\n', out);
    json_decref(a);

    return (int) i;
}


/* writes path again without the person, atomically, owner-only */
static int
zt_forget_rewrite(const char *path, const zt_forget_who_t *w, int json,
    int dry_run, zt_forget_count_t *c)
{
    int      hit, rc, fd;
    char    *in, tmp[4200];
    size_t   len;
    FILE    *out;

    in = zt_forget_read(path, &len);
    if (in == NULL) {
        return ZT_ERROR;
    }

    snprintf(tmp, sizeof(tmp), "%s.forget.XXXXXX", path);
    fd = mkstemp(tmp);
    out = fd == -1 ? NULL : fdopen(fd, "w");

    if (out == NULL) {
        fprintf(stderr, "zoomtrack forget: cannot rewrite \"%s\": %s\n",
                path, strerror(errno));
        if (fd != -1) {
            close(fd);
            unlink(tmp);
        }
        free(in);
        return ZT_ERROR;
    }

    hit = 0;
    rc = json ? zt_forget_json(w, in, len, out, &hit)
              : zt_forget_csv(w, in, len, out, &hit);
    free(in);

    if (fflush(out) != 0 || fsync(fileno(out)) != 0) {
        rc = ZT_ERROR;
    }
    fclose(out);

    if (rc == ZT_OK && hit) {
        c->found++;
    }

    if (rc != ZT_OK || !hit || dry_run) {
        unlink(tmp);
        return rc;
    }

    if (rename(tmp, path) != 0) {
        fprintf(stderr, "zoomtrack forget: cannot replace \"%s\": %s\n",
                path, strerror(errno));
        unlink(tmp);
        return ZT_ERROR;
    }

    c->removed++;

    return ZT_OK;
}


/*
 * An HTML report (`report --format html`, `attendance --format html`)
 * names a person in a cell or a label of its own, HTML-escaped: the file
 * is theirs too when it holds ">NAME<" for a name or an email of theirs,
 * in any case.  Rewriting it means rebuilding it from the warehouse, which
 * forget cannot do here (a BigQuery warehouse, a day already pruned), so
 * the file goes and the summary says to make it again.
 */
static int
zt_forget_html(const char *path, const zt_forget_who_t *w, int dry_run,
    zt_forget_count_t *c)
{
    int      hit;
    char    *in, *low;
    size_t   i, len;

    in = zt_forget_read(path, &len);
    if (in == NULL) {
        fprintf(stderr, "zoomtrack forget: cannot read \"%s\"\n", path);
        return ZT_ERROR;
    }

    low = zt_forget_lower(in, len, &len);
    free(in);

    if (low == NULL) {
        return ZT_ERROR;
    }

    hit = (w->name && zt_forget_html_names(low, w->name))
          || (w->email && zt_forget_html_names(low, w->email));

    for (i = 0; !hit && i < w->nnames; i++) {
        hit = zt_forget_html_names(low, w->names[i]);
    }

    for (i = 0; !hit && i < w->nemails; i++) {
        hit = zt_forget_html_names(low, w->emails[i]);
    }

    free(low);

    if (!hit) {
        return ZT_OK;
    }

    c->found++;
    c->gone++;

    if (dry_run) {
        return ZT_OK;
    }

    if (unlink(path) != 0 && errno != ENOENT) {
        fprintf(stderr, "zoomtrack forget: cannot remove \"%s\": %s\n",
                path, strerror(errno));
        return ZT_ERROR;
    }

    c->removed++;

    return ZT_OK;
}


/* 1 when low (lowercased HTML) has s, escaped, as a whole cell or label */
static int
zt_forget_html_names(const char *low, const char *s)
{
    int          hit;
    char        *esc, *lesc;
    size_t       n, o;
    const char  *p;

    /* '>', at most 6 bytes for each byte of s, '<' */
    esc = malloc(strlen(s) * 6 + 3);
    if (esc == NULL) {
        return 0;
    }

    o = 0;
    esc[o++] = '>';

    for (p = s; *p; p++) {
        switch (*p) {
        case '&': memcpy(esc + o, "&amp;", 5); o += 5; break;
        case '<': memcpy(esc + o, "&lt;", 4); o += 4; break;
        case '>': memcpy(esc + o, "&gt;", 4); o += 4; break;
        case '"': memcpy(esc + o, "&quot;", 6); o += 6; break;
        case '\'': memcpy(esc + o, "&#39;", 5); o += 5; break;
        default: esc[o++] = *p;
        }
    }

    esc[o++] = '<';

    lesc = zt_forget_lower(esc, o, &n);
    free(esc);

    if (lesc == NULL) {
        return 0;
    }

    hit = n > 2 && strstr(low, lesc) != NULL;
    free(lesc);

    return hit;
}


int
zt_forget_chat_dead(const char *path, const zt_forget_who_t *w, int dry_run,
    zt_forget_count_t *c)
{
    int          fd, tmpfd, rc;
    char        *in, tmp[4200];
    size_t       len, n;
    uint64_t     hits;
    const char  *line, *end;
    FILE        *out;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno == ENOENT ? ZT_OK : ZT_ERROR;
    }

    /* the sink appends under this lock, and reopens a file replaced */
    if (flock(fd, LOCK_EX) != 0 || (in = zt_forget_read_fd(fd, &len)) == NULL)
    {
        fprintf(stderr, "zoomtrack forget: cannot read \"%s\": %s\n", path,
                strerror(errno));
        close(fd);
        return ZT_ERROR;
    }

    snprintf(tmp, sizeof(tmp), "%s.forget.XXXXXX", path);
    tmpfd = dry_run ? -1 : mkstemp(tmp);
    out = tmpfd == -1 ? NULL : fdopen(tmpfd, "w");

    if (!dry_run && out == NULL) {
        fprintf(stderr, "zoomtrack forget: cannot rewrite \"%s\": %s\n",
                path, strerror(errno));
        if (tmpfd != -1) {
            close(tmpfd);
            unlink(tmp);
        }
        free(in);
        close(fd);
        return ZT_ERROR;
    }

    hits = 0;

    for (line = in; line < in + len; line = end + (end < in + len)) {
        end = memchr(line, '\n', (size_t) (in + len - line));
        end = end ? end : in + len;
        n = (size_t) (end - line);

        if (zt_forget_chat_line(w, line, n)) {
            hits++;
        } else if (out) {
            fwrite(line, 1, n + (end < in + len), out);
        }
    }

    free(in);
    c->found += hits;
    rc = ZT_OK;

    if (out) {
        if (fflush(out) != 0 || fsync(fileno(out)) != 0) {
            rc = ZT_ERROR;
        }
        fclose(out);

        if (rc != ZT_OK || hits == 0 || rename(tmp, path) != 0) {
            if (rc == ZT_OK && hits) {
                fprintf(stderr, "zoomtrack forget: cannot replace \"%s\": "
                        "%s\n", path, strerror(errno));
                rc = ZT_ERROR;
            }
            unlink(tmp);

        } else {
            c->removed += hits;
        }
    }

    close(fd);

    return rc;
}


static char *
zt_forget_read_fd(int fd, size_t *len)
{
    char         *buf;
    size_t        got;
    ssize_t       r;
    struct stat   sb;

    if (fstat(fd, &sb) != 0 || sb.st_size > ZT_FORGET_MAX_FILE) {
        return NULL;
    }

    buf = malloc((size_t) sb.st_size + 1);
    if (buf == NULL) {
        return NULL;
    }

    for (got = 0; got < (size_t) sb.st_size; got += (size_t) r) {
        r = read(fd, buf + got, (size_t) sb.st_size - got);
        if (r <= 0) {
            break;
        }
    }

    buf[got] = '\0';
    *len = got;

    return buf;
}


/* a refused message: {"message":{"id","text"},"status","at"} */
static int
zt_forget_chat_line(const zt_forget_who_t *w, const char *line, size_t len)
{
    int          hit;
    char        *low;
    size_t       i, n;
    json_t      *d;
    const char  *text;

    d = json_loadb(line, len, 0, NULL);
    text = json_string_value(json_object_get(json_object_get(d, "message"),
                                             "text"));
    if (text == NULL) {
        json_decref(d);
        return 0;
    }

    low = zt_forget_lower(text, strlen(text), &n);
    json_decref(d);

    if (low == NULL) {
        return 0;
    }

    hit = w->name && zt_forget_chat_said(low, w->name);

    for (i = 0; !hit && i < w->nnames; i++) {
        hit = zt_forget_chat_said(low, w->names[i]);
    }

    /*
     * not the emails: the text never has one, and "zoe" (an email-shaped
     * name is said without its domain) would take every Zoe's lines
     */

    free(low);

    return hit;
}


/* 1 when low (a lowercased message) has a line about name */
static int
zt_forget_chat_said(const char *low, const char *name)
{
    char    *said, *lsaid, *rest;
    size_t   n, dropped;

    said = zt_chat_said_name(name);
    lsaid = said ? zt_forget_lower(said, strlen(said), &n) : NULL;
    free(said);

    if (lsaid == NULL) {
        return 0;
    }

    dropped = 0;
    rest = zt_chat_text_drop(low, lsaid, &dropped);
    free(rest);
    free(lsaid);

    return dropped > 0;
}
