/*
 * zt_forget: removing one person from every store zoomtrack controls
 * (`zoomtrack forget`).  A person is named by an email, a display name or
 * a participant id; the warehouse then tells which identities (person
 * keys, emails, names) that person had, and every store is searched for
 * any of them.  Files that hold other people too (reports, queued batches)
 * are rewritten without the person; files about that person alone (an
 * archived webhook body) are deleted.
 *
 * Who frees what: zt_forget_who_free() frees what the lookups added to a
 * zt_forget_who_t; the caller's email/name/id strings are not copied.
 */

#ifndef ZT_FORGET_H
#define ZT_FORGET_H


#include <stdint.h>

#include <sqlite3.h>

#include "zt_conf.h"


typedef struct {
    const char  *email;            /* as asked, or NULL */
    const char  *name;
    const char  *participant_id;
    char       **keys;             /* person keys found, malloc()ed */
    size_t       nkeys;
    char       **emails;           /* their emails found (lowercased) */
    size_t       nemails;
    char       **names;            /* their display names found */
    size_t       nnames;
} zt_forget_who_t;


typedef struct {
    uint64_t  found;
    uint64_t  removed;
    uint64_t  held;      /* found, but BigQuery would not delete them yet */
    uint64_t  gone;      /* found files deleted whole (HTML reports) */
} zt_forget_count_t;


/* 1 when a participant with these fields is the person */
int zt_forget_matches(const zt_forget_who_t *w, const char *participant_id,
    const char *participant_user_id, const char *registrant_id,
    const char *email, const char *name);

/*
 * Fills w->keys, w->emails and w->names from the warehouse's raw_events:
 * the rows with the email, name or id asked, then the weaker keys linked
 * to theirs by a participant_uuid in a meeting (zt_forget_link()).
 * Returns ZT_OK or ZT_ERROR (message on stderr).
 */
int zt_forget_lookup_sqlite(sqlite3 *db, zt_forget_who_t *w);

/*
 * Adds the person keys the asked email, name or id would give (the
 * identity rule of zt_person_key()), for stores the warehouse does not
 * cover (the live status when the warehouse never saw them).  ZT_OK or
 * ZT_ERROR (out of memory).
 */
int zt_forget_add_asked(zt_forget_who_t *w);

/* deletes the person's rows (raw_events, camera, reports, preassigned) */
int zt_forget_sqlite(sqlite3 *db, const zt_forget_who_t *w, int dry_run,
    zt_forget_count_t *c);

/* deletes every archived body about the person under dir */
int zt_forget_archive_dir(const char *dir, const zt_forget_who_t *w,
    int dry_run, zt_forget_count_t *c);

/*
 * Rewrites every report under dir (CSV and JSON) without the person's
 * rows, and deletes every HTML report that names them (an HTML report
 * cannot be rewritten without rebuilding it; c->gone counts those);
 * c->found counts files that mentioned them.
 */
int zt_forget_report_files(const char *dir, const zt_forget_who_t *w,
    int dry_run, zt_forget_count_t *c);

/*
 * Drops from the chat sink's refused messages (path: chat-dead.ndjson, one
 * JSON object a line) every line whose message names the person (a name
 * of theirs as the message says it, in any case).  The file is replaced
 * under the flock() the sink takes to append to it.  c counts lines.
 */
int zt_forget_chat_dead(const char *path, const zt_forget_who_t *w,
    int dry_run, zt_forget_count_t *c);

/*
 * Removes the person's records from the queues of every enabled sink,
 * their processing and dead-letter lists, then asks the status and chat
 * sinks to drop the person from their state (a control record on each
 * queue) and Redis to rewrite its append-only file.
 */
int zt_forget_redis(const zt_conf_t *conf, const zt_forget_who_t *w,
    int dry_run, zt_forget_count_t *c);

/*
 * s (n bytes) lowercased as BigQuery's LOWER does it, so the local stores
 * match a name or email the way the cloud ones do: every letter by the
 * Unicode data (libunistring), no language rule, no normalisation ("José
 * Álvarez" -> "josé álvarez").  Bytes that are not UTF-8 get their ASCII
 * letters lowercased only.  Returns a malloc()ed string (*outlen bytes,
 * then a NUL), or NULL when out of memory.
 */
char *zt_forget_lower(const char *s, size_t n, size_t *outlen);

/* 1 when a and b are equal once lowercased by zt_forget_lower() */
int zt_forget_same(const char *a, const char *b);

/* adds one identity found (each part may be NULL or empty) */
int zt_forget_who_add(zt_forget_who_t *w, const char *key,
    const char *email, const char *name);

/*
 * The lookups' linking rule: linked (with its email and name) is added to
 * w when it is a weaker key than key (zt_person_key_rank()), key being
 * one the lookup found and linked a key of the same meeting sharing one
 * of its participant_uuids.  zt_forget_who_merge() adds add's lists to
 * w's.  ZT_OK or ZT_ERROR (out of memory).
 */
int zt_forget_link(zt_forget_who_t *w, const char *key, const char *linked,
    const char *email, const char *name);
int zt_forget_who_merge(zt_forget_who_t *w, const zt_forget_who_t *add);

void zt_forget_who_free(zt_forget_who_t *w);

/*
 * Shared by zt_forget.c and zt_forget_files.c: whether s is in list (by
 * zt_forget_same() when nocase), and a whole file read into a malloc()ed,
 * NUL-terminated buffer (*len bytes; NULL when unreadable or over 64 MiB).
 */
#define ZT_FORGET_MAX_FILE  (64 * 1024 * 1024)

int zt_forget_in(char **list, size_t n, const char *s, int nocase);

/*
 * Calls fn for every entry of dir but dot files, with its path and name;
 * fn returns ZT_OK, ZT_DECLINED (not one it handles) or ZT_ERROR.  A dir
 * that does not exist is ZT_OK; any ZT_ERROR makes the result ZT_ERROR
 * after every entry was tried.
 */
typedef int (*zt_forget_entry_pt)(const char *path, const char *name,
    const zt_forget_who_t *w, int dry_run, zt_forget_count_t *c);

int zt_forget_each(const char *dir, zt_forget_entry_pt fn,
    const zt_forget_who_t *w, int dry_run, zt_forget_count_t *c);
char *zt_forget_read(const char *path, size_t *len);


#endif /* ZT_FORGET_H */
