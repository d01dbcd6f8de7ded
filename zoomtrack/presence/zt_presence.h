/*
 * zt_presence: the live presence fold behind the status CSV.  Pure: no
 * files, no clocks, no logging.  Records (the queue's JSON objects) are
 * folded into per-(meeting_uuid, person) sets of event times; every value
 * shown (status, Last Join, Last Left, room) is derived from those sets
 * alone, so folding is idempotent and independent of arrival order.
 *
 * Rules (README "Live status"):
 *   - a person is zt_person_key(): the first non-empty of the Zoom account
 *     id, registrant_id, email and display name;
 *   - main JOIN/LEAVE = meeting.participant_joined/_left and
 *     webinar.participant_joined/_left; room JOIN/LEAVE =
 *     meeting.participant_joined/_left_breakout_room; END =
 *     meeting.ended/webinar.ended; waiting-room events are not presence;
 *   - a main LEAVE at l is part of a room move, not a departure, when a main
 *     JOIN of the same person has l <= join <= l + ZT_MOVE_GAP_MS; that JOIN
 *     is a move join;
 *   - sweeping the times in order (ties: LEAVE, JOIN, END): a JOIN makes the
 *     person online (and is the Last Join unless it is a move join while
 *     online), a real LEAVE makes them offline and is the Last Left, an END
 *     of the meeting takes an online person offline at that time;
 *   - the room is the room of the person's latest room JOIN, unless that
 *     room has a LEAVE at or after it, or a main JOIN/LEAVE more than
 *     ZT_MOVE_GAP_MS after it (a return to the main room or a move whose
 *     breakout leave went missing), or the meeting ended after it, or the
 *     person is offline;
 *   - rooms are named Room-N, N numbering the meeting's rooms by the first
 *     room JOIN of anyone.
 */

#ifndef ZT_PRESENCE_H
#define ZT_PRESENCE_H


#include <stdio.h>

#include <jansson.h>

#include "zt_core.h"


#define ZT_MOVE_GAP_MS       2000
#define ZT_PRESENCE_MAX_TS   4096      /* times kept per set; oldest drop */


typedef struct zt_presence_s  zt_presence_t;


typedef struct {
    const char  *meeting_id;
    const char  *meeting_uuid;
    const char  *key;              /* zt_person_key() */
    const char  *name;             /* latest display name */
    const char  *email;            /* latest email; never shown in the CSV */
    int          online;
    int64_t      last_join;        /* ms; 0 = never */
    int64_t      last_left;        /* ms; 0 = never */
    const char  *room_uuid;        /* NULL: main room or offline */
    unsigned     room_no;          /* N of Room-N; 0 with room_uuid NULL */
} zt_presence_row_t;


zt_presence_t *zt_presence_create(void);
void zt_presence_free(zt_presence_t *p);

/*
 * Folds one record.  Returns 1 when the state changed, 0 when the record
 * changed nothing (a duplicate, a non-presence event, no time), ZT_ERROR
 * when out of memory.
 */
int zt_presence_fold(zt_presence_t *p, const json_t *rec);

/*
 * Derived rows, sorted by last action (max of last join and left), newest
 * first.  *rows is malloc()ed (free() it); its strings point into p and
 * are valid until the next fold or zt_presence_free().
 */
int zt_presence_rows(const zt_presence_t *p, zt_presence_row_t **rows,
    size_t *n);

/*
 * Writes the status CSV: header and one row per person and meeting, every
 * cell quoted and neutralised by zt_csv_row(), times as "YYYY-MM-DD
 * HH:MM:SS" in tz.  allowlist: comma-separated names or emails (case
 * insensitive); NULL or "" shows everyone.  Returns ZT_OK or ZT_ERROR.
 */
int zt_presence_csv(const zt_presence_t *p, FILE *f, const char *tz,
    const char *allowlist);

/* the state as a new JSON object, or NULL when out of memory */
json_t *zt_presence_to_json(const zt_presence_t *p);

/*
 * Folds a state saved by zt_presence_to_json() into p (a union, so loading
 * into an empty p restores it).  Returns ZT_OK or ZT_ERROR (malformed).
 */
int zt_presence_from_json(zt_presence_t *p, const json_t *state);


#endif /* ZT_PRESENCE_H */
