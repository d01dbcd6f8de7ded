/*
 * zt_status_store: the status sink's snapshot and journal (see the
 * header), and the atomic file replacement the sink's outputs share.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "zt_fs.h"
#include "zt_log.h"
#include "zt_status_store.h"


/*
 * the record members zt_presence_fold() reads: what a journal line keeps
 * (leave_reason tells a leave of the waiting room from a departure)
 */
static const char  *zt_status_fields[] = {
    "event_type", "event_ts", "meeting_uuid", "meeting_id",
    "participant_id", "registrant_id", "participant_name",
    "participant_email", "breakout_room_uuid", "participant_uuid",
    "leave_reason"
};

#define ZT_STATUS_NFIELDS  (sizeof(zt_status_fields) / sizeof(char *))


static int zt_status_load(zt_status_store_t *s, zt_presence_t *p);
static int zt_status_replay(zt_status_store_t *s, zt_presence_t *p);
static int zt_status_journal_open(zt_status_store_t *s);
static int zt_status_journal_write(zt_status_store_t *s);
static int zt_status_save(zt_status_store_t *s, const zt_presence_t *p);
static int zt_status_fsync_dir(const char *path);


int
zt_status_store_open(zt_status_store_t *s, zt_presence_t *p)
{
    int  rc;

    s->jfd = -1;

    if ((size_t) snprintf(s->journal_path, sizeof(s->journal_path),
                          "%s.journal", s->state_path)
        >= sizeof(s->journal_path))
    {
        zt_log_error("[sink:status] status.state too long");
        return ZT_ERROR;
    }

    rc = zt_status_load(s, p);
    if (rc != ZT_OK) {
        return rc;
    }

    if (zt_status_replay(s, p) != ZT_OK) {
        return ZT_ERROR;
    }

    /* a file that cannot be opened now (unlike a corrupt one) may later */
    return zt_status_journal_open(s) == ZT_OK ? ZT_OK : ZT_RETRY;
}


int
zt_status_store_commit(zt_status_store_t *s, const zt_presence_t *p)
{
    int  rc;

    if (s->snapshot
        || (s->jlen > ZT_STATUS_JOURNAL_MIN && (size_t) s->jlen > s->slen))
    {
        rc = zt_status_save(s, p);

    } else {
        rc = zt_status_journal_write(s);
    }

    s->jbuf_len = 0;
    return rc;
}


void
zt_status_store_close(zt_status_store_t *s, const zt_presence_t *p)
{
    if (s->jfd != -1) {
        if (s->snapshot && p) {
            (void) zt_status_save(s, p);
        }

        close(s->jfd);
        s->jfd = -1;
    }

    free(s->jbuf);
    s->jbuf = NULL;
}


/*
 * A missing state file is an empty state; a corrupt one is an error
 * (ZT_ERROR); one that cannot be read now (ZT_RETRY) may be later.
 */
static int
zt_status_load(zt_status_store_t *s, zt_presence_t *p)
{
    FILE          *f;
    json_t        *j;
    struct stat    sb;
    json_error_t   jerr;

    f = fopen(s->state_path, "r");
    if (f == NULL) {
        if (errno == ENOENT) {
            return ZT_OK;
        }
        zt_log_error("[sink:status] cannot read state \"%s\": %s",
                     s->state_path, strerror(errno));
        return ZT_RETRY;
    }

    if (fstat(fileno(f), &sb) != 0) {
        sb.st_size = 0;
    }

    j = json_loadf(f, 0, &jerr);
    fclose(f);
    if (j == NULL) {
        zt_log_error("[sink:status] cannot load state \"%s\": %s (line %d); "
                     "move it away to start with an empty state",
                     s->state_path, jerr.text, jerr.line);
        return ZT_ERROR;
    }

    if (zt_presence_from_json(p, j) != ZT_OK) {
        zt_log_error("[sink:status] malformed state \"%s\"; move it away "
                     "to start with an empty state", s->state_path);
        json_decref(j);
        return ZT_ERROR;
    }

    json_decref(j);
    s->slen = (size_t) sb.st_size;

    return ZT_OK;
}


/*
 * Folds every whole line of the journal into the state.  A last line
 * without its newline is a write cut short by a crash, never acknowledged:
 * it is cut off.  Any other bad line is an error, as a corrupt snapshot.
 */
static int
zt_status_replay(zt_status_store_t *s, zt_presence_t *p)
{
    char          *buf, *line, *nl;
    size_t         len, lineno;
    json_t        *rec;
    json_error_t   jerr;

    buf = zt_status_slurp(s->journal_path, &len);
    if (buf == NULL) {
        if (access(s->journal_path, F_OK) == 0) {
            zt_log_error("[sink:status] cannot read \"%s\": %s",
                         s->journal_path, strerror(errno));
            return ZT_ERROR;
        }
        return ZT_OK;
    }

    lineno = 0;

    for (line = buf; line < buf + len; line = nl + 1) {
        nl = memchr(line, '\n', (size_t) (buf + len - line));
        if (nl == NULL) {
            zt_log_warn("[sink:status] \"%s\": dropping a line cut short "
                        "(%zu bytes)", s->journal_path,
                        (size_t) (buf + len - line));
            break;
        }

        lineno++;

        rec = json_loadb(line, (size_t) (nl - line), 0, &jerr);
        if (rec == NULL || zt_presence_fold(p, rec) == ZT_ERROR) {
            zt_log_error("[sink:status] corrupt journal \"%s\" (line %zu); "
                         "move it away to start from the snapshot",
                         s->journal_path, lineno);
            json_decref(rec);
            free(buf);
            return ZT_ERROR;
        }

        json_decref(rec);
    }

    s->jlen = (off_t) (line - buf);
    free(buf);

    if (s->jlen < (off_t) len && truncate(s->journal_path, s->jlen) != 0)
    {
        zt_log_error("[sink:status] cannot truncate \"%s\": %s",
                     s->journal_path, strerror(errno));
        return ZT_ERROR;
    }

    return ZT_OK;
}


static int
zt_status_journal_open(zt_status_store_t *s)
{
    int  created;

    created = access(s->journal_path, F_OK) != 0;

    /* the journal holds emails: owner only */
    s->jfd = open(s->journal_path,
                   O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (s->jfd == -1) {
        zt_log_error("[sink:status] cannot open \"%s\": %s",
                     s->journal_path, strerror(errno));
        return ZT_ERROR;
    }

    if (created && zt_status_fsync_dir(s->journal_path) != ZT_OK) {
        return ZT_ERROR;
    }

    return ZT_OK;
}


/* one line: the members of rec the fold reads, as compact JSON */
int
zt_status_store_add(zt_status_store_t *s, const json_t *rec)
{
    char    *line, *b;
    size_t   i, len, cap;
    json_t  *o, *v;

    if (s->snapshot) {
        return ZT_OK;
    }

    o = json_object();
    if (o == NULL) {
        s->snapshot = 1;
        return ZT_ERROR;
    }

    for (i = 0; i < ZT_STATUS_NFIELDS; i++) {
        v = json_object_get(rec, zt_status_fields[i]);
        if (v && json_object_set(o, zt_status_fields[i], v) != 0) {
            json_decref(o);
            s->snapshot = 1;
            return ZT_ERROR;
        }
    }

    line = json_dumps(o, JSON_COMPACT);
    json_decref(o);

    if (line == NULL) {
        s->snapshot = 1;
        return ZT_ERROR;
    }

    len = strlen(line);

    if (s->jbuf_len + len + 1 > s->jbuf_cap) {
        cap = (s->jbuf_len + len + 1) * 2;
        b = realloc(s->jbuf, cap);
        if (b == NULL) {
            free(line);
            s->snapshot = 1;
            return ZT_ERROR;
        }
        s->jbuf = b;
        s->jbuf_cap = cap;
    }

    memcpy(s->jbuf + s->jbuf_len, line, len);
    s->jbuf[s->jbuf_len + len] = '\n';
    s->jbuf_len += len + 1;
    free(line);

    return ZT_OK;
}


/*
 * Appends the batch's lines and makes them durable.  On failure the
 * journal is cut back to its last whole line and the next save is a
 * snapshot: the fold already holds the batch, so its redelivery adds no
 * lines.
 */
static int
zt_status_journal_write(zt_status_store_t *s)
{
    size_t   off;
    ssize_t  w;

    if (s->jbuf_len == 0) {
        return ZT_OK;
    }

    for (off = 0; off < s->jbuf_len; off += (size_t) w) {
        w = write(s->jfd, s->jbuf + off, s->jbuf_len - off);
        if (w < 0) {
            if (errno == EINTR) {
                w = 0;
                continue;
            }
            goto failed;
        }
    }

    if (fdatasync(s->jfd) != 0) {
        goto failed;
    }

    s->jlen += (off_t) s->jbuf_len;

    return ZT_OK;

failed:

    zt_log_error("[sink:status] cannot append to \"%s\": %s",
                 s->journal_path, strerror(errno));
    (void) ftruncate(s->jfd, s->jlen);
    s->snapshot = 1;
    return ZT_ERROR;
}


/*
 * Writes the whole live state as the snapshot, then empties the journal
 * (a crash between the two only replays lines the snapshot holds).
 */
static int
zt_status_save(zt_status_store_t *s, const zt_presence_t *p)
{
    int      rc;
    char    *buf;
    size_t   len;
    json_t  *j;

    j = zt_presence_to_json(p);
    buf = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);

    if (buf == NULL) {
        zt_log_error("[sink:status] out of memory saving the state");
        s->snapshot = 1;
        return ZT_ERROR;
    }

    /* the state holds emails: owner only */
    len = strlen(buf);
    rc = zt_status_replace(s->state_path, buf, len, 0600);
    free(buf);

    if (rc != ZT_OK) {
        s->snapshot = 1;
        return ZT_ERROR;
    }

    s->slen = len;

    if (ftruncate(s->jfd, 0) != 0 || fsync(s->jfd) != 0) {
        zt_log_error("[sink:status] cannot empty \"%s\": %s",
                     s->journal_path, strerror(errno));
        s->snapshot = 1;
        return ZT_ERROR;
    }

    s->jlen = 0;
    s->snapshot = 0;

    zt_log_debug("[sink:status] snapshot \"%s\" (%zu bytes)",
                 s->state_path, len);

    return ZT_OK;
}


/* temp file in the same directory, fsync, rename, fsync the directory */
int
zt_status_replace(const char *path, const char *data, size_t len, mode_t mode)
{
    if (zt_fs_replace(path, data, len, mode) != ZT_OK) {
        zt_log_error("[sink:status] cannot write \"%s\": %s", path,
                     strerror(errno));
        return ZT_ERROR;
    }

    return ZT_OK;
}


/* fsyncs the directory holding path, so a new entry in it is durable */
static int
zt_status_fsync_dir(const char *path)
{
    int    fd, rc;
    char   dir[PATH_MAX + 16], *slash;

    snprintf(dir, sizeof(dir), "%s", path);
    slash = strrchr(dir, '/');
    if (slash == NULL) {
        snprintf(dir, sizeof(dir), ".");

    } else if (slash == dir) {
        dir[1] = '\0';

    } else {
        *slash = '\0';
    }

    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        zt_log_error("[sink:status] cannot open \"%s\": %s", dir,
                     strerror(errno));
        return ZT_ERROR;
    }

    rc = fsync(fd);
    close(fd);

    if (rc != 0) {
        zt_log_error("[sink:status] fsync(\"%s\") failed: %s", dir,
                     strerror(errno));
        return ZT_ERROR;
    }

    return ZT_OK;
}


/* the whole file, malloc()ed; NULL when it does not exist */
char *
zt_status_slurp(const char *path, size_t *len)
{
    FILE    *f;
    char    *buf;
    size_t   n;
    long     size;

    f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }

    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        fclose(f);
        return NULL;
    }

    buf = malloc((size_t) size + 1);
    if (buf == NULL) {
        fclose(f);
        return NULL;
    }

    n = fread(buf, 1, (size_t) size, f);
    fclose(f);

    if (n != (size_t) size) {
        free(buf);
        return NULL;
    }

    *len = n;
    return buf;
}
