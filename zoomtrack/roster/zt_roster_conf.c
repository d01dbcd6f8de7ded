/*
 * zt_roster_conf: rosters by meeting, read once (zt_roster_conf.h).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zt_core.h"
#include "zt_roster_conf.h"


typedef struct {
    char         *path;
    zt_roster_t  *roster;
} zt_roster_file_t;


struct zt_roster_conf_s {
    char              *dir;
    char              *file;
    zt_roster_file_t  *files;
    size_t             n;
    int                failed;
};


zt_roster_conf_t *
zt_roster_conf_create(const zt_conf_t *conf, zt_att_opts_t *opts, char *err,
    size_t errlen)
{
    int64_t            pct, late, early;
    zt_roster_conf_t  *rc;

    if (zt_conf_get_num(conf, "roster", "min_attendance_pct", &pct, err,
                        errlen) != ZT_OK
        || zt_conf_get_num(conf, "roster", "late_after_mins", &late, err,
                           errlen) != ZT_OK
        || zt_conf_get_num(conf, "roster", "left_early_mins", &early, err,
                           errlen) != ZT_OK)
    {
        return NULL;
    }

    rc = calloc(1, sizeof(zt_roster_conf_t));
    if (rc == NULL
        || (rc->dir = strdup(zt_conf_get(conf, "roster", "dir"))) == NULL
        || (rc->file = strdup(zt_conf_get(conf, "roster", "file"))) == NULL)
    {
        zt_roster_conf_free(rc);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    memset(opts, 0, sizeof(zt_att_opts_t));
    opts->rules.min_pct = pct;
    opts->rules.late_after_ms = late * 60000;
    opts->rules.left_early_ms = early * 60000;
    opts->roster_for = zt_roster_conf_get;
    opts->data = rc;

    return rc;
}


void
zt_roster_conf_free(zt_roster_conf_t *rc)
{
    size_t  i;

    if (rc == NULL) {
        return;
    }

    for (i = 0; i < rc->n; i++) {
        free(rc->files[i].path);
        zt_roster_free(rc->files[i].roster);
    }

    free(rc->files);
    free(rc->dir);
    free(rc->file);
    free(rc);
}


const zt_roster_t *
zt_roster_conf_get(void *data, const char *meeting_id, int *failed,
    char *err, size_t errlen)
{
    char               path[4096];
    size_t             i;
    zt_roster_t       *r;
    zt_roster_conf_t  *rc = data;
    zt_roster_file_t  *f;

    path[0] = '\0';

    /* a meeting id is digits; anything else never names a file */
    if (rc->dir[0] && meeting_id[0]
        && strspn(meeting_id, "0123456789") == strlen(meeting_id))
    {
        snprintf(path, sizeof(path), "%s/%s.csv", rc->dir, meeting_id);
        if (access(path, F_OK) != 0) {
            path[0] = '\0';
        }
    }

    if (path[0] == '\0') {
        if (rc->file[0] == '\0') {
            return NULL;
        }
        snprintf(path, sizeof(path), "%s", rc->file);
    }

    for (i = 0; i < rc->n; i++) {
        if (strcmp(rc->files[i].path, path) == 0) {
            return rc->files[i].roster;
        }
    }

    r = zt_roster_load(path, err, errlen);
    if (r == NULL) {
        rc->failed = 1;
        *failed = 1;
        return NULL;
    }

    f = realloc(rc->files, (rc->n + 1) * sizeof(zt_roster_file_t));
    if (f == NULL || (f[rc->n].path = strdup(path)) == NULL) {
        rc->files = f ? f : rc->files;
        zt_roster_free(r);
        snprintf(err, errlen, "out of memory");
        *failed = 1;
        return NULL;
    }

    rc->files = f;
    f[rc->n++].roster = r;

    return r;
}


int
zt_roster_conf_failed(const zt_roster_conf_t *rc)
{
    return rc->failed;
}
