/*
 * zt_forget_files: one person out of the local files zoomtrack writes
 * besides the archive and the warehouse: the CSV and JSON reports
 * (rewritten without their rows), the HTML reports (deleted: they cannot
 * be rewritten offline) and the chat's dead letters (rewritten without
 * the messages naming them, under the lock the chat sink appends with).
 * Rules in zt_forget.h.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <jansson.h>

#include "zt_core.h"
#include "zt_chat_msg.h"
#include "zt_fs.h"
#include "zt_forget.h"
#include "zt_retention.h"


static int zt_forget_report_file(const char *path, const char *name,
    const zt_forget_who_t *w, int dry_run, zt_forget_count_t *c);
static FILE *zt_forget_temp_open(const char *path, char *tmp, size_t len);
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
zt_forget_report_files(const char *dir, const zt_forget_who_t *w,
    int dry_run, zt_forget_count_t *c)
{
    return zt_forget_each(dir, zt_forget_report_file, w, dry_run, c);
}


/* a report (.csv, .json: rewritten; .html: deleted), else ZT_DECLINED */
static int
zt_forget_report_file(const char *path, const char *name,
    const zt_forget_who_t *w, int dry_run, zt_forget_count_t *c)
{
    size_t  n;

    n = strlen(name);

    if (n >= 5 && strcmp(name + n - 5, ".html") == 0) {
        return zt_forget_html(path, w, dry_run, c);
    }

    if (n >= 5 && strcmp(name + n - 5, ".json") == 0) {
        return zt_forget_rewrite(path, w, 1, dry_run, c);
    }

    if (n >= 4 && strcmp(name + n - 4, ".csv") == 0) {
        return zt_forget_rewrite(path, w, 0, dry_run, c);
    }

    return ZT_DECLINED;
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


/* a new temporary file beside path, its name in tmp; NULL (logged) */
static FILE *
zt_forget_temp_open(const char *path, char *tmp, size_t len)
{
    int    fd;
    FILE  *out;

    snprintf(tmp, len, "%s.forget.XXXXXX", path);
    fd = mkstemp(tmp);
    out = fd == -1 ? NULL : fdopen(fd, "w");

    if (out == NULL) {
        fprintf(stderr, "zoomtrack forget: cannot rewrite \"%s\": %s\n",
                path, strerror(errno));
        if (fd != -1) {
            close(fd);
            unlink(tmp);
        }
    }

    return out;
}


/* writes path again without the person, atomically, owner-only */
static int
zt_forget_rewrite(const char *path, const zt_forget_who_t *w, int json,
    int dry_run, zt_forget_count_t *c)
{
    int      hit, rc;
    char    *in, tmp[4200];
    size_t   len;
    FILE    *out;

    in = zt_forget_read(path, &len);
    if (in == NULL) {
        return ZT_ERROR;
    }

    out = zt_forget_temp_open(path, tmp, sizeof(tmp));
    if (out == NULL) {
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
    int          fd, rc;
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

    out = dry_run ? NULL : zt_forget_temp_open(path, tmp, sizeof(tmp));

    if (!dry_run && out == NULL) {
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
