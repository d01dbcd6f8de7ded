/*
 * zt_presence_csv: the live status CSV from the engine's state: one row
 * per person and meeting id (zt_presence_derive(); a participant seen
 * under two keys is one person, zt_presence_link.c; the instances of one
 * meeting id are one row, zt_presence_latest()), newest action first.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "zt_utf8.h"
#include "zt_csv.h"
#include "zt_time.h"
#include "zt_presence_int.h"


static int zt_presence_row_cmp(const void *a, const void *b);
static unsigned char *zt_presence_latest(zt_presence_row_t *rows,
    size_t n);
static int zt_presence_same_cmp(const void *a, const void *b);
static void zt_presence_safe_name(const char *name, char *out,
    size_t outlen);


int
zt_presence_rows(const zt_presence_t *p, zt_presence_row_t **rows,
    size_t *n)
{
    size_t                  i, j, total;
    zt_presence_row_t      *r;
    zt_presence_people_t    pe;
    zt_presence_meeting_t  *m;

    total = 0;
    for (i = 0; i < p->n; i++) {
        total += p->meetings[i]->npeople;
    }

    r = malloc((total ? total : 1) * sizeof(zt_presence_row_t));
    if (r == NULL) {
        return ZT_ERROR;
    }

    total = 0;
    zt_presence_cuts(p);

    for (i = 0; i < p->n; i++) {
        m = p->meetings[i];

        /* one participant under two keys is one row (zt_presence_link.c) */
        if (zt_presence_people(m, &pe) != ZT_OK) {
            free(r);
            return ZT_ERROR;
        }

        for (j = 0; j < pe.n; j++) {
            if (zt_presence_has_presence(pe.v[j])) {
                zt_presence_derive(m, pe.v[j], &r[total++]);
            }
        }

        zt_presence_people_free(&pe);
    }

    qsort(r, total, sizeof(zt_presence_row_t), zt_presence_row_cmp);

    *rows = r;
    *n = total;

    return ZT_OK;
}


static int
zt_presence_row_cmp(const void *a, const void *b)
{
    int                       rc;
    int64_t                   ta, tb;
    const zt_presence_row_t  *x = a, *y = b;

    ta = x->last_join > x->last_left ? x->last_join : x->last_left;
    tb = y->last_join > y->last_left ? y->last_join : y->last_left;

    if (ta != tb) {
        return ta > tb ? -1 : 1;
    }

    /*
     * of one time, a row online is newer: the join that starts a later
     * instance of the id ends the earlier one in that ms (its cut,
     * zt_presence_instance.c), and the person's one row is where they are
     */
    if (x->online != y->online) {
        return x->online ? -1 : 1;
    }

    rc = strcmp(x->name, y->name);
    if (rc) {
        return rc;
    }

    rc = strcmp(x->meeting_uuid, y->meeting_uuid);
    if (rc) {
        return rc;
    }

    return strcmp(x->key, y->key);
}



typedef struct {
    const zt_presence_row_t  *row;
    size_t                    i;        /* its place, newest first */
} zt_presence_same_t;


/*
 * One row per person and meeting id, as Lookout had one per person: every
 * session of a Personal Meeting Room is a new instance under the same id,
 * and yesterday's "offline" row beside today's "online" one would name a
 * person twice with the same Meeting cell.  The newest row (rows are
 * newest first) says where the person is; its Last Join and Last Left
 * become the latest of all their instances.  Returns a malloc()ed flag
 * per row, 1 for the rows to write, or NULL when out of memory.
 */
static unsigned char *
zt_presence_latest(zt_presence_row_t *rows, size_t n)
{
    size_t               i, first;
    unsigned char       *shown;
    zt_presence_row_t   *r;
    zt_presence_same_t  *s;

    shown = malloc(n ? n : 1);
    s = malloc((n ? n : 1) * sizeof(zt_presence_same_t));
    if (shown == NULL || s == NULL) {
        free(shown);
        free(s);
        return NULL;
    }

    for (i = 0; i < n; i++) {
        s[i].row = &rows[i];
        s[i].i = i;
    }

    qsort(s, n, sizeof(zt_presence_same_t), zt_presence_same_cmp);

    first = 0;

    for (i = 0; i < n; i++) {
        if (i == 0 || zt_presence_same_cmp(&s[first], &s[i]) != -1) {
            first = i;
            shown[s[i].i] = 1;
            continue;
        }

        /* a same person's older instance */
        shown[s[i].i] = 0;
        r = &rows[s[first].i];

        if (s[i].row->last_join > r->last_join) {
            r->last_join = s[i].row->last_join;
        }
        if (s[i].row->last_left > r->last_left) {
            r->last_left = s[i].row->last_left;
        }
    }

    free(s);

    return shown;
}


/* by meeting id (its uuid when it has none) and person, then by place;
 * -1 or 1 for one person's rows, -2 or 2 between people */
static int
zt_presence_same_cmp(const void *a, const void *b)
{
    int                        rc;
    const char                *ma, *mb;
    const zt_presence_same_t  *x = a, *y = b;

    ma = x->row->meeting_id[0] ? x->row->meeting_id : x->row->meeting_uuid;
    mb = y->row->meeting_id[0] ? y->row->meeting_id : y->row->meeting_uuid;

    rc = strcmp(ma, mb);
    if (rc == 0) {
        rc = strcmp(x->row->key, y->row->key);
    }

    if (rc) {
        return rc < 0 ? -2 : 2;
    }

    return x->i < y->i ? -1 : (x->i > y->i);
}


/* Username and Room are free text; status, times and meeting id are not */
static const zt_csv_kind_e  zt_presence_csv_kinds[6] = {
    ZT_CSV_TEXT, ZT_CSV_ID, ZT_CSV_ID, ZT_CSV_ID, ZT_CSV_TEXT, ZT_CSV_ID
};

int
zt_presence_csv(const zt_presence_t *p, FILE *f, const char *tz,
    const char *allowlist)
{
    int                 rc;
    char                name[512], join[32], left[32], room[32];
    size_t              i, n;
    unsigned char      *shown;
    const char         *cells[6];
    zt_presence_row_t  *rows;

    static const char  *header[] = {
        "Username", "Status", "Last Join", "Last Left", "Room", "Meeting"
    };

    static const char  *fmt = "%Y-%m-%d %H:%M:%S";

    if (zt_csv_row(f, header, 6) != ZT_OK) {
        return ZT_ERROR;
    }

    if (zt_presence_rows(p, &rows, &n) != ZT_OK) {
        return ZT_ERROR;
    }

    shown = zt_presence_latest(rows, n);
    if (shown == NULL) {
        free(rows);
        return ZT_ERROR;
    }

    rc = ZT_OK;

    for (i = 0; i < n && rc == ZT_OK; i++) {
        if (!shown[i]
            || !zt_presence_allowed(allowlist, rows[i].name, rows[i].email))
        {
            continue;
        }

        join[0] = '\0';
        left[0] = '\0';
        room[0] = '\0';

        if ((rows[i].last_join
             && zt_time_format_tz(rows[i].last_join, tz, fmt, join,
                                  sizeof(join)) != ZT_OK)
            || (rows[i].last_left
                && zt_time_format_tz(rows[i].last_left, tz, fmt, left,
                                     sizeof(left)) != ZT_OK))
        {
            rc = ZT_ERROR;
            break;
        }

        if (rows[i].room_uuid) {
            snprintf(room, sizeof(room), "Room-%u", rows[i].room_no);
        }

        zt_presence_safe_name(rows[i].name, name, sizeof(name));

        cells[0] = name;
        cells[1] = rows[i].online ? "online" : "offline";
        cells[2] = join;
        cells[3] = left;
        cells[4] = room;
        cells[5] = rows[i].meeting_id;

        rc = zt_csv_row_kinds(f, cells, zt_presence_csv_kinds, 6);
    }

    free(shown);
    free(rows);

    return rc;
}


/* allowlist: "a, b@x.org,c"; matches the name or the email */


/* emails never appear in the status file (zt_presence_name_len()) */
static void
zt_presence_safe_name(const char *name, char *out, size_t outlen)
{
    size_t  n;

    /* a name cut to fit ends on a whole UTF-8 character: the file is
     * served as UTF-8 */
    n = zt_utf8_cut(name, zt_presence_name_len(name), outlen - 1);

    memcpy(out, name, n);
    out[n] = '\0';
}


size_t
zt_presence_name_len(const char *name)
{
    const char  *at;

    at = strchr(name, '@');

    if (at && at > name && strchr(name, ' ') == NULL
        && strchr(at, '.') != NULL)
    {
        return (size_t) (at - name);
    }

    return strlen(name);
}


int
zt_presence_allowed(const char *allowlist, const char *name,
    const char *email)
{
    int          any;
    size_t       len;
    const char  *p, *e;

    if (allowlist == NULL) {
        return 1;
    }

    name = name ? name : "";
    email = email ? email : "";
    any = 0;

    for (p = allowlist; *p; p = *e ? e + 1 : e) {
        while (*p == ' ' || *p == '\t') {
            p++;
        }

        for (e = p; *e && *e != ','; e++) { /* void */ }

        len = (size_t) (e - p);
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t')) {
            len--;
        }

        if (len == 0) {
            continue;
        }

        any = 1;

        if ((strlen(name) == len && strncasecmp(name, p, len) == 0)
            || (strlen(email) == len && strncasecmp(email, p, len) == 0))
        {
            return 1;
        }
    }

    return !any;
}
