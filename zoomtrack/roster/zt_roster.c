/*
 * zt_roster: parsing a roster CSV and matching participants to it (rules in
 * zt_roster.h).  Unicode folding is libunistring's (NFKD, general category
 * M for the marks dropped, full case folding), so "José", "JOSE" and
 * "Jose\u0301" share one key.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "zt_core.h"
#include "zt_roster.h"


#define ZT_ROSTER_MAX_CELL   1024
#define ZT_ROSTER_MAX_BYTES  (16 * 1024 * 1024)


typedef struct {
    const char  *p;
    const char  *end;
    size_t       line;
    char         sep;
} zt_roster_reader_t;


static int zt_roster_row(zt_roster_reader_t *rd,
    char cells[][ZT_ROSTER_MAX_CELL], size_t max, size_t *ncells, char *why,
    size_t whylen);
static char zt_roster_separator(const char *p, const char *end);
static void zt_roster_trim(char *s);
static int zt_roster_fold_unicode(const char *name, char *out,
    size_t outlen);
static void zt_roster_fold_bytes(const char *name, char *out,
    size_t outlen);
static void zt_roster_drop_suffixes(char *out);
static int zt_roster_email_ok(const char *s);
static int zt_roster_add(zt_roster_t *r, char cells[][ZT_ROSTER_MAX_CELL],
    size_t n, size_t line, const char *what, char *err, size_t errlen);
static int zt_roster_by_email(const zt_roster_t *r,
    const zt_roster_participant_t *p, long k);
static int zt_roster_overlap(const zt_roster_participant_t *a,
    const zt_roster_participant_t *b);
static void zt_roster_say(zt_roster_report_pt report, void *data,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));


zt_roster_t *
zt_roster_parse(const char *buf, size_t len, const char *what, char *err,
    size_t errlen)
{
    char                 cells[3][ZT_ROSTER_MAX_CELL], why[256];
    size_t               n, line;
    zt_roster_t         *r;
    zt_roster_reader_t   rd;

    r = calloc(1, sizeof(zt_roster_t));
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3;
        len -= 3;
    }

    if (u8_check((const uint8_t *) buf, len) != NULL) {
        snprintf(err, errlen, "%s: not valid UTF-8 (save it as \"CSV UTF-8\")",
                 what);
        goto failed;
    }

    rd.p = buf;
    rd.end = buf + len;
    rd.line = 0;
    rd.sep = zt_roster_separator(buf, buf + len);

    while (rd.p < rd.end) {
        if (zt_roster_row(&rd, cells, 3, &n, why, sizeof(why)) != ZT_OK) {
            snprintf(err, errlen, "%s line %zu: %s", what, rd.line, why);
            goto failed;
        }

        line = rd.line;

        if (n == 1 && cells[0][0] == '\0') {
            continue;                       /* an empty line */
        }

        if (r->n == 0 && strcasecmp(cells[0], "name") == 0) {
            continue;                       /* the header */
        }

        if (zt_roster_add(r, cells, n, line, what, err, errlen) != ZT_OK) {
            goto failed;
        }
    }

    return r;

failed:

    zt_roster_free(r);
    return NULL;
}


zt_roster_t *
zt_roster_load(const char *path, char *err, size_t errlen)
{
    char         *buf;
    long          size;
    FILE         *f;
    zt_roster_t  *r;

    f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "cannot read roster \"%s\": %s", path,
                 strerror(errno));
        return NULL;
    }

    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0
        || size > ZT_ROSTER_MAX_BYTES || fseek(f, 0, SEEK_SET) != 0)
    {
        snprintf(err, errlen, "cannot read roster \"%s\": not a regular "
                 "file of at most 16 MiB", path);
        fclose(f);
        return NULL;
    }

    buf = malloc((size_t) size + 1);
    if (buf == NULL || fread(buf, 1, (size_t) size, f) != (size_t) size) {
        snprintf(err, errlen, "cannot read roster \"%s\"", path);
        free(buf);
        fclose(f);
        return NULL;
    }

    fclose(f);

    r = zt_roster_parse(buf, (size_t) size, path, err, errlen);
    free(buf);

    return r;
}


void
zt_roster_free(zt_roster_t *r)
{
    size_t  i;

    if (r == NULL) {
        return;
    }

    for (i = 0; i < r->n; i++) {
        free(r->people[i].name);
        free(r->people[i].email);
        free(r->people[i].group);
        free(r->people[i].name_key);
    }

    free(r->people);
    free(r);
}


int
zt_roster_name_key(const char *name, char *out, size_t outlen)
{
    int  rc;

    if (outlen == 0) {
        return ZT_ERROR;
    }

    out[0] = '\0';

    rc = zt_roster_fold_unicode(name, out, outlen);
    if (rc != ZT_OK) {
        zt_roster_fold_bytes(name, out, outlen);
    }

    zt_roster_drop_suffixes(out);

    return rc;
}


/*
 * NFKD, the marks dropped, full case folding, every run of white space
 * one space.  ZT_ERROR (out untouched) for a name that is not UTF-8 or
 * when out of memory.
 */
static int
zt_roster_fold_unicode(const char *name, char *out, size_t outlen)
{
    int       len, space, rc;
    size_t    n, nfold, i, o;
    ucs4_t    uc;
    uint8_t  *nfd, *fold;

    n = strlen(name);
    nfd = NULL;
    fold = NULL;
    rc = ZT_ERROR;

    if (u8_check((const uint8_t *) name, n) != NULL) {
        goto done;
    }

    nfd = u8_normalize(UNINORM_NFKD, (const uint8_t *) name, n, NULL, &n);
    if (nfd == NULL) {
        goto done;
    }

    fold = u8_casefold(nfd, n, NULL, NULL, NULL, &nfold);
    if (fold == NULL) {
        goto done;
    }

    /* drop the marks, fold every run of white space into one space */
    o = 0;
    space = 1;

    for (i = 0; i < nfold; i += (size_t) len) {
        len = u8_mbtouc(&uc, fold + i, nfold - i);

        if (uc_is_general_category(uc, UC_CATEGORY_M)) {
            continue;
        }

        if (uc_is_space(uc) || uc == 0xA0) {
            if (!space && o + 1 < outlen) {
                out[o++] = ' ';
            }
            space = 1;
            continue;
        }

        if (o + (size_t) len >= outlen) {
            break;
        }

        memcpy(out + o, fold + i, (size_t) len);
        o += (size_t) len;
        space = 0;
    }

    out[o] = '\0';
    rc = ZT_OK;

done:

    free(nfd);
    free(fold);

    return rc;
}


/* the fallback for a name that is not UTF-8: ASCII letters lower-cased */
static void
zt_roster_fold_bytes(const char *name, char *out, size_t outlen)
{
    size_t  o;

    for (o = 0; name[o] && o + 1 < outlen; o++) {
        out[o] = (name[o] >= 'A' && name[o] <= 'Z') ? name[o] + 32 : name[o];
    }

    out[o] = '\0';
}


/* "Ana (Guest)", "Ana (she/her) (Guest)": the suffixes go */
static void
zt_roster_drop_suffixes(char *out)
{
    size_t  o, cut;

    for ( ;; ) {
        zt_roster_trim(out);
        o = strlen(out);

        if (o == 0 || out[o - 1] != ')') {
            break;
        }

        cut = o - 1;
        while (cut > 0 && out[cut] != '(') {
            cut--;
        }

        if (out[cut] != '(' || cut == 0) {
            break;                          /* a name that is all "(...)" */
        }

        out[cut] = '\0';
    }
}


int
zt_roster_match(const zt_roster_t *r, const zt_roster_participant_t *p,
    size_t n, long *match, zt_roster_report_pt report, void *data)
{
    char    key[512];
    long    hit;
    size_t  i, j, k, nhit, drop;
    char   *by_email;

    by_email = calloc(r->n ? r->n : 1, 1);
    if (by_email == NULL) {
        return ZT_ERROR;
    }

    for (i = 0; i < n; i++) {
        match[i] = -1;

        if (p[i].email == NULL || p[i].email[0] == '\0') {
            continue;
        }

        for (k = 0; k < r->n; k++) {
            if (r->people[k].email[0]
                && strcasecmp(r->people[k].email, p[i].email) == 0)
            {
                match[i] = (long) k;
                by_email[k] = 1;
                break;
            }
        }
    }

    for (i = 0; i < n; i++) {
        if (match[i] != -1 || p[i].name == NULL) {
            continue;
        }

        zt_roster_name_key(p[i].name, key, sizeof(key));
        if (key[0] == '\0') {
            continue;
        }

        hit = -1;
        nhit = 0;

        /*
         * A participant with no email may be a roster person already
         * matched by email: their phone, then their laptop (README).  One
         * with an email of their own, not the roster's, is someone else.
         */
        for (k = 0; k < r->n; k++) {
            if ((!by_email[k] || p[i].email == NULL || p[i].email[0] == '\0')
                && strcmp(r->people[k].name_key, key) == 0)
            {
                hit = (long) k;
                nhit++;
            }
        }

        if (nhit > 1) {
            zt_roster_say(report, data, "participant \"%s\" matches %zu "
                          "roster people by name (lines %zu, ...): left "
                          "unmatched; add emails to the roster to tell them "
                          "apart", p[i].name, nhit, r->people[hit].line);
            continue;
        }

        if (nhit == 1) {
            match[i] = hit;
        }
    }

    /*
     * One roster person is never two people present at the same time: the
     * later participant is left unmatched, unless only it has the roster
     * person's email.
     */
    for (i = 0; i < n; i++) {
        for (j = 0; j < i && match[i] != -1; j++) {
            if (match[j] != match[i] || !zt_roster_overlap(&p[i], &p[j])) {
                continue;
            }

            drop = zt_roster_by_email(r, &p[i], match[i])
                   && !zt_roster_by_email(r, &p[j], match[j]) ? j : i;

            zt_roster_say(report, data, "participants \"%s\" and \"%s\" "
                          "were present at the same time and both match "
                          "roster line %zu (\"%s\"): \"%s\" is left "
                          "unmatched", p[j].name ? p[j].name : "",
                          p[i].name ? p[i].name : "",
                          r->people[match[i]].line,
                          r->people[match[i]].name,
                          p[drop].name ? p[drop].name : "");
            match[drop] = -1;
        }
    }

    free(by_email);

    return ZT_OK;
}


/* 1 when participant p has roster person k's email */
static int
zt_roster_by_email(const zt_roster_t *r, const zt_roster_participant_t *p,
    long k)
{
    return k != -1 && p->email && p->email[0] && r->people[k].email[0]
           && strcasecmp(r->people[k].email, p->email) == 0;
}


/*
 * Reads one CSV row (RFC 4180 quoting) into cells; trims each cell.  A
 * row with more than max cells, an unclosed quote or an overlong cell is
 * an error, described in why.
 */
static int
zt_roster_row(zt_roster_reader_t *rd, char cells[][ZT_ROSTER_MAX_CELL],
    size_t max, size_t *ncells, char *why, size_t whylen)
{
    char    c;
    int     quoted;
    size_t  n, o;

    rd->line++;
    n = 0;
    o = 0;
    quoted = 0;
    cells[0][0] = '\0';

    while (rd->p < rd->end) {
        c = *rd->p++;

        if (quoted) {
            if (c == '"') {
                if (rd->p < rd->end && *rd->p == '"') {
                    rd->p++;
                } else {
                    quoted = 0;
                    continue;
                }
            } else if (c == '\n') {
                rd->line++;
            }

        } else if (c == '"' && o == 0) {
            quoted = 1;
            continue;

        } else if (c == rd->sep || c == '\n') {
            cells[n][o] = '\0';
            zt_roster_trim(cells[n]);

            if (c == '\n') {
                *ncells = n + 1;
                return ZT_OK;
            }

            if (++n == max) {
                snprintf(why, whylen, "more than %zu columns (expected "
                         "name,email,group)", max);
                return ZT_ERROR;
            }

            o = 0;
            continue;

        } else if (c == '\r') {
            continue;
        }

        if (o + 1 >= ZT_ROSTER_MAX_CELL) {
            snprintf(why, whylen, "a cell is longer than %d bytes",
                     ZT_ROSTER_MAX_CELL - 1);
            return ZT_ERROR;
        }

        cells[n][o++] = c;
    }

    if (quoted) {
        snprintf(why, whylen, "a quoted cell is never closed");
        return ZT_ERROR;
    }

    cells[n][o] = '\0';
    zt_roster_trim(cells[n]);
    *ncells = n + 1;

    return ZT_OK;
}


/*
 * The separator of the first non-empty line (empty lines are skipped as
 * rows are): ';' when it has more of them than commas.
 */
static char
zt_roster_separator(const char *p, const char *end)
{
    size_t  commas = 0, semis = 0;
    int     quoted = 0;

    while (p < end && (*p == '\n' || *p == '\r' || *p == ' '
                       || *p == '\t'))
    {
        p++;
    }

    for ( ; p < end && (*p != '\n' || quoted); p++) {
        if (*p == '"') {
            quoted = !quoted;
        } else if (!quoted && *p == ',') {
            commas++;
        } else if (!quoted && *p == ';') {
            semis++;
        }
    }

    return semis > commas ? ';' : ',';
}


static void
zt_roster_trim(char *s)
{
    size_t  a, n;

    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
        s[--n] = '\0';
    }

    for (a = 0; s[a] == ' ' || s[a] == '\t'; a++) { /* void */ }

    memmove(s, s + a, n - a + 1);
}


/* one '@' with something on both sides, no white space */
static int
zt_roster_email_ok(const char *s)
{
    const char  *at;

    at = strchr(s, '@');

    return at != NULL && at != s && at[1] != '\0'
           && strchr(at + 1, '@') == NULL && strpbrk(s, " \t,;<>\"") == NULL;
}


static int
zt_roster_add(zt_roster_t *r, char cells[][ZT_ROSTER_MAX_CELL], size_t n,
    size_t line, const char *what, char *err, size_t errlen)
{
    char                 key[512];
    size_t               k;
    zt_roster_person_t  *p, *people;

    if (cells[0][0] == '\0') {
        snprintf(err, errlen, "%s line %zu: the name is empty", what, line);
        return ZT_ERROR;
    }

    if (n > 1 && cells[1][0] != '\0' && !zt_roster_email_ok(cells[1])) {
        snprintf(err, errlen, "%s line %zu: \"%s\" is not an email address",
                 what, line, cells[1]);
        return ZT_ERROR;
    }

    for (k = 0; n > 1 && cells[1][0] && k < r->n; k++) {
        if (strcasecmp(r->people[k].email, cells[1]) == 0) {
            snprintf(err, errlen, "%s line %zu: the email is already on "
                     "line %zu", what, line, r->people[k].line);
            return ZT_ERROR;
        }
    }

    zt_roster_name_key(cells[0], key, sizeof(key));

    people = realloc(r->people, (r->n + 1) * sizeof(zt_roster_person_t));
    if (people == NULL) {
        snprintf(err, errlen, "out of memory");
        return ZT_ERROR;
    }

    r->people = people;
    p = &r->people[r->n];

    p->name = strdup(cells[0]);
    p->email = strdup(n > 1 ? cells[1] : "");
    p->group = strdup(n > 2 ? cells[2] : "");
    p->name_key = strdup(key);
    p->line = line;
    r->n++;

    if (p->name == NULL || p->email == NULL || p->group == NULL
        || p->name_key == NULL)
    {
        snprintf(err, errlen, "out of memory");
        return ZT_ERROR;
    }

    return ZT_OK;
}


static int
zt_roster_overlap(const zt_roster_participant_t *a,
    const zt_roster_participant_t *b)
{
    size_t  i, j;

    for (i = 0; i < a->niv; i++) {
        for (j = 0; j < b->niv; j++) {
            if (a->iv[i][0] < b->iv[j][1] && b->iv[j][0] < a->iv[i][1]) {
                return 1;
            }
        }
    }

    return 0;
}


static void
zt_roster_say(zt_roster_report_pt report, void *data, const char *fmt, ...)
{
    char     buf[1024];
    va_list  ap;

    if (report == NULL) {
        return;
    }

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);

    report(data, buf);
}
