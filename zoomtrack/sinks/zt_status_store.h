/*
 * zt_status_store: where the status sink keeps its presence state.  A
 * snapshot (STATE, zt_presence_to_json()) and a journal (STATE.journal):
 * one line per record that changed the state, the fields the fold reads,
 * appended and fdatasync()ed once per batch.  Folding is a union, so the
 * state is the snapshot with every journal line folded in again.  When
 * the journal outgrows the snapshot (and ZT_STATUS_JOURNAL_MIN) the live
 * state is written as a new snapshot and the journal emptied, so a batch
 * costs its own records plus, amortised, a share of the live set, never
 * the history.  A journal line cut short by a crash was never
 * acknowledged: it is cut off at load.  Whole files are replaced
 * atomically: temp file, fsync, rename, fsync of the directory.
 */

#ifndef ZT_STATUS_STORE_H
#define ZT_STATUS_STORE_H


#include <limits.h>
#include <sys/types.h>

#include <jansson.h>

#include "zt_core.h"
#include "zt_presence.h"


#define ZT_STATUS_JOURNAL_MIN   (1024 * 1024)


typedef struct {
    char     state_path[PATH_MAX];   /* set before zt_status_store_open() */
    char     journal_path[PATH_MAX + 16];
    int      jfd;           /* the journal, O_APPEND; -1: closed */
    off_t    jlen;          /* its bytes, all whole lines */
    size_t   slen;          /* bytes of the last snapshot */
    int      snapshot;      /* the next commit must be a snapshot */
    char    *jbuf;          /* the batch's journal lines, owned */
    size_t   jbuf_len;
    size_t   jbuf_cap;
} zt_status_store_t;


/*
 * Loads the snapshot and folds the journal into p, then opens the journal
 * for appending.  A missing state is empty; a corrupt one is ZT_ERROR
 * (logged); one that cannot be read or a journal that cannot be opened
 * now is ZT_RETRY.  zt_status_store_close() frees what it holds in any
 * case.
 */
int zt_status_store_open(zt_status_store_t *s, zt_presence_t *p);

/* a record that changed p, for the next commit; ZT_OK or ZT_ERROR */
int zt_status_store_add(zt_status_store_t *s, const json_t *rec);

/*
 * Makes the state durable: the batch's lines appended and synced, or a
 * snapshot of p when the journal has grown (or a failure asked for one).
 * ZT_OK or ZT_ERROR (logged; the next commit is a snapshot).
 */
int zt_status_store_commit(zt_status_store_t *s, const zt_presence_t *p);

/* writes a snapshot if one is owed, closes the journal, frees */
void zt_status_store_close(zt_status_store_t *s, const zt_presence_t *p);

/* temp file in the same directory, fsync, rename, fsync the directory */
int zt_status_replace(const char *path, const char *data, size_t len,
    mode_t mode);

/* the whole file, malloc()ed; NULL when it does not exist */
char *zt_status_slurp(const char *path, size_t *len);


#endif /* ZT_STATUS_STORE_H */
