/*
 * zt_roster: who is expected at a meeting, and how the people who came are
 * matched to them.  Pure: the only I/O is zt_roster_load() reading a file.
 *
 * A roster is a CSV a person writes in a spreadsheet: name,email,group
 * (email and group optional), UTF-8 with or without a BOM, separated by
 * commas or semicolons (the first line decides), an optional header line
 * (its first cell is "name").  A bad row is an error naming its line:
 * nothing is guessed.
 *
 * Matching (zt_roster_match), per participant of one meeting instance:
 *   1. the email, case-insensitively, when both sides have one;
 *   2. else the normalised display name (zt_roster_name_key: compatibility
 *      decomposition, accents and case folded away, white space collapsed,
 *      a trailing "(...)" such as "(Guest)" or "(she/her)" dropped), when
 *      exactly one roster person not already taken by an email has it;
 *   3. two participants present at the same time are two people: they are
 *      never matched to one roster person; the second stays unmatched
 *      and the clash is reported.  Two roster people with the same name
 *      key and no email to tell them apart are reported, not guessed.
 * Reports go to the caller's callback as one line of text each.
 */

#ifndef ZT_ROSTER_H
#define ZT_ROSTER_H


#include <stddef.h>
#include <stdint.h>


typedef struct {
    char      *name;
    char      *email;          /* "" when not given */
    char      *group;          /* "" when not given */
    char      *name_key;       /* zt_roster_name_key(name) */
    size_t     line;           /* 1-based line in the file */
} zt_roster_person_t;


typedef struct {
    zt_roster_person_t  *people;
    size_t               n;
} zt_roster_t;


/* a participant as the presence engine sees one (strings not copied) */
typedef struct {
    const char      *key;          /* the identity rule's person key */
    const char      *name;
    const char      *email;        /* may be NULL or "" */
    const int64_t  (*iv)[2];       /* presence intervals [from, to), ms */
    size_t           niv;
} zt_roster_participant_t;


typedef void (*zt_roster_report_pt)(void *data, const char *message);


/*
 * Parses a roster from memory; what names the source in messages.  Returns
 * NULL with a message ("FILE line N: ...") in err.
 */
zt_roster_t *zt_roster_parse(const char *buf, size_t len, const char *what,
    char *err, size_t errlen);

/* reads and parses a file; NULL with a message in err */
zt_roster_t *zt_roster_load(const char *path, char *err, size_t errlen);

void zt_roster_free(zt_roster_t *r);

/*
 * The normalised form of a display name, written into out (NUL-terminated,
 * truncated to outlen).  Returns ZT_OK, or ZT_ERROR for invalid UTF-8
 * (out then holds the name lower-cased byte-wise).
 */
int zt_roster_name_key(const char *name, char *out, size_t outlen);

/*
 * Matches participants to roster people: match[i] is the roster index of
 * participant i, or -1 (a guest).  report (may be NULL) hears about every
 * ambiguity and clash.  Returns ZT_OK or ZT_ERROR (out of memory).
 */
int zt_roster_match(const zt_roster_t *r, const zt_roster_participant_t *p,
    size_t n, long *match, zt_roster_report_pt report, void *data);


#endif /* ZT_ROSTER_H */
