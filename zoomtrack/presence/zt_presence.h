/*
 * zt_presence: the one presence engine, behind both the live status CSV
 * (folded incrementally by the status sink) and the daily report (a day's
 * events folded at once by `zoomtrack report`).  Pure: no files, no
 * clocks, no logging, no SQL.  Events (the queue's JSON records, or
 * zt_presence_event_t from a warehouse) are folded into per-(meeting_uuid,
 * person) sets of event times; everything shown (status, Last Join, Last
 * Left, room; presence intervals, visits, next_room, join_time_known) is
 * derived from those sets alone, so folding is idempotent and independent
 * of arrival order and of how the events are batched.
 *
 * Rules (README "Presence rules"; written once, zt_presence_derive.c):
 *   - a person is zt_person_key(): the first non-empty of the Zoom account
 *     id, registrant_id, email and display name; within a meeting, the
 *     events of one participant_uuid are the strongest such key's (Zoom
 *     blanks the id, or a guest's email, in room events; a weaker key's
 *     events of that uuid are re-attributed when shown,
 *     zt_presence_link.c);
 *   - main JOIN/LEAVE = meeting.participant_joined/_left and
 *     webinar.participant_joined/_left, and a LEAVE for
 *     meeting.participant_put_in_waiting_room, not for a participant_left
 *     of the waiting room (zt_presence_waiting_leave()); room JOIN/LEAVE =
 *     meeting.participant_joined/_left_breakout_room; END =
 *     meeting.ended/webinar.ended; other events (sharing, admitted)
 *     only date the meeting and name people; waiting in the waiting room
 *     or for the host only names people: it can come before the meeting
 *     starts or after it ends;
 *   - a main LEAVE at l is part of a room move, not a departure, when a
 *     JOIN (main or room) of the same person has l <= join <= l +
 *     ZT_MOVE_GAP_MS;
 *   - live state: sweeping the times in order (ties: LEAVE, JOIN, END): a
 *     JOIN makes the person online (and is the Last Join unless it is a
 *     move join while online), a real LEAVE makes them offline and is the
 *     Last Left, an END takes an online person offline at that time; the
 *     room is the room of the latest room JOIN while its visit lasts (as
 *     below), unless the meeting ended after it or the person is offline;
 *   - a main LEAVE that closes no open session, after a departure, shows
 *     the person came back (the join was lost): that departure was none;
 *   - journeys: presence from a join to the next real departure or meeting
 *     end; a visit from a room join to the leave of that room that closes
 *     its last open session (a reconnect rejoins the room before the old
 *     session's leave comes), a departure, a main join or a move's main
 *     leave more than ZT_MOVE_GAP_MS after it, the next room join or the
 *     meeting end; next_room is the room joined within
 *     ZT_MOVE_GAP_MS of the visit's end, else "Left meeting" when the
 *     presence ends with the visit or within ZT_MOVE_GAP_MS after it (a
 *     room leave and its main leave, in either order), else "Main room";
 *   - rooms are named Room-N, N numbering the meeting's rooms by the first
 *     room JOIN of anyone;
 *   - one instance of a meeting id at a time: the first dated event of a
 *     later instance of the id, after the last JOIN of anyone of an
 *     instance, is an END of it (zt_presence_instance.c);
 *   - devices: the rules above apply per participant_uuid when a person
 *     has two or more (one account on a laptop and a phone), joined: the
 *     person is present, online and in a room while a device is, and one
 *     device's main join or leave ends nothing of another's.
 */

#ifndef ZT_PRESENCE_H
#define ZT_PRESENCE_H


#include <stdio.h>

#include <jansson.h>

#include "zt_core.h"


/*
 * The one timing constant of every rule: Zoom sends the events of one
 * action (a room move, leaving the meeting from a room) as separate
 * webhooks up to about a second apart.
 */
#define ZT_MOVE_GAP_MS       2000
#define ZT_PRESENCE_MAX_TS   4096      /* times kept per set; oldest drop */

/* how a room visit ended (zt_journey_visit_t.next) */
#define ZT_NEXT_ROOM         1         /* into another room (next_room_*) */
#define ZT_NEXT_MAIN         2         /* back to the main room */
#define ZT_NEXT_LEFT         3         /* left the meeting, or it ended */


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


/*
 * One event as the warehouse holds it (the report's event source) or as
 * the queue's record carries it.  Strings are never NULL except
 * person_key: NULL computes zt_person_key() from the identity fields;
 * and participant_uuid: NULL or "" is an event of no known device.
 */
typedef struct {
    const char  *event_type;
    const char  *meeting_uuid;
    const char  *meeting_id;
    const char  *person_key;
    const char  *participant_id;
    const char  *registrant_id;
    const char  *participant_name;
    const char  *participant_email;
    const char  *breakout_room_uuid;
    int64_t      event_ts;         /* ms */
    const char  *participant_uuid; /* the device (session); may be NULL */
    const char  *leave_reason;     /* Zoom's; NULL or "" for none */
} zt_presence_event_t;


/* a presence interval [start, end], ms */
typedef struct {
    int64_t  start;
    int64_t  end;
} zt_journey_span_t;


/* one breakout-room visit */
typedef struct {
    const char  *room_uuid;
    unsigned     room_no;          /* N of Room-N in the meeting */
    int64_t      start;            /* the room join */
    int64_t      end;              /* room leave, else inferred (README) */
    int          next;             /* ZT_NEXT_* */
    const char  *next_room_uuid;   /* ZT_NEXT_ROOM only, else NULL */
    unsigned     next_room_no;
} zt_journey_visit_t;


/*
 * Everything derived for one person of one meeting instance.  Strings
 * point into the zt_presence_t: valid until the next fold, prune or free.
 */
typedef struct {
    const char          *meeting_uuid;
    const char          *meeting_id;
    int64_t              meeting_start; /* its first event, ms */
    const char          *key;
    const char          *name;          /* first non-empty by event time */
    const char          *email;         /* first non-empty by event time */
    int                  join_time_known;  /* first event seen is a join */
    zt_journey_span_t   *spans;         /* presence, by start; malloc()ed */
    size_t               nspans;
    zt_journey_visit_t  *visits;        /* by start, room; malloc()ed */
    size_t               nvisits;
    zt_presence_row_t    now;           /* the live state (status CSV) */
} zt_journey_t;


/* a breakout room's first times, which name it Room-N */
typedef struct {
    const char  *uuid;
    int64_t      first_join;       /* first room JOIN; INT64_MAX: none */
    int64_t      first_seen;       /* first event naming the room */
} zt_room_first_t;


/* one meeting instance */
typedef struct {
    const char  *uuid;
    const char  *id;
    int64_t      first_ts;         /* first event of any kind, ms */
    int64_t      last_ts;          /* last event of any kind, ms */
    int64_t      ended;            /* first end after the last join of
                                      anyone, a later instance's start
                                      included; 0 = none: runs (again) */
    int          dirty;            /* changed since zt_presence_clean() */
} zt_presence_meeting_info_t;


zt_presence_t *zt_presence_create(void);
void zt_presence_free(zt_presence_t *p);

/*
 * Folds one record.  Returns 1 when the state changed, 0 when the record
 * changed nothing (a duplicate, a non-presence event, no time), ZT_ERROR
 * when out of memory.
 */
int zt_presence_fold(zt_presence_t *p, const json_t *rec);

/*
 * Folds one event (see zt_presence_event_t); returns as
 * zt_presence_fold().  Events of other types than presence still count
 * for the meeting's first/last event time and the person's first name
 * and email (the report's rules), never creating a status row.
 */
int zt_presence_fold_event(zt_presence_t *p, const zt_presence_event_t *ev);

/*
 * Derived rows, one per person with presence events (people seen only in
 * other events have none), sorted by last action (max of last join and
 * left), newest first.  *rows is malloc()ed (free() it); its strings
 * point into p and are valid until the next fold or zt_presence_free().
 */
int zt_presence_rows(const zt_presence_t *p, zt_presence_row_t **rows,
    size_t *n);

/*
 * Writes the status CSV: header and one row per person and meeting id
 * (the newest instance's, with the latest join and departure of all its
 * instances), every cell quoted and neutralised by zt_csv_row(), times
 * as "YYYY-MM-DD HH:MM:SS" in tz.  allowlist: comma-separated names or
 * emails (case insensitive); NULL or "" shows everyone.  Returns ZT_OK or
 * ZT_ERROR.
 */
int zt_presence_csv(const zt_presence_t *p, FILE *f, const char *tz,
    const char *allowlist);

/*
 * The status allowlist rule (status_allowlist, Lookout's privacy mode),
 * one for the CSV, the timeline and chat: allowlist is comma-separated
 * names or emails, case-insensitive; NULL or one with no entry allows
 * everyone.  Returns 1 when name or email (either may be NULL) is listed.
 */
int zt_presence_allowed(const char *allowlist, const char *name,
    const char *email);

/*
 * The email rule, one for the CSV, the timeline and chat: emails are never
 * shown, so a display name shaped like an address (no space, an '@' after
 * at least one character, a dot after the '@') is shown up to the '@'.
 * A handle such as "@jane.doe" is no address and is shown whole.  Returns
 * how many bytes of name to show.
 */
size_t zt_presence_name_len(const char *name);

/*
 * The Room-N rule, one for the CSV, the board, the report and chat:
 * rooms are numbered by first room JOIN, then first event, then uuid.
 * Returns 1 when room a comes before room b.
 */
int zt_presence_room_before(const zt_room_first_t *a,
    const zt_room_first_t *b);

/*
 * The waiting-room rule, one for every reader of leaves: Zoom sends
 * meeting.participant_left also for someone who leaves the waiting room or
 * is removed from it (leave_reason "Leave waiting room.", "Removed by host
 * from waiting room."), who is not in the meeting: such a leave is no
 * departure.  Returns 1 when leave_reason (may be NULL) says so.
 */
int zt_presence_waiting_leave(const char *leave_reason);

/*
 * Zoom's reason in a leave_reason (may be NULL): Zoom writes "<name> left
 * the meeting.<br>Reason: <reason>" (or the reason alone).  The display
 * name comes first and is anyone's to choose, so only the text after the
 * last "Reason:" counts, or the whole text; else a participant named
 * "Leave waiting room" or "Breakout" would change what their own leave
 * means.  One rule for the engine and the chat.
 */
const char *zt_presence_leave_reason(const char *leave_reason);

/* 1 when that reason is the given one, case aside, a '.' ending it or not */
int zt_presence_reason_is(const char *leave_reason, const char *reason);

/*
 * The live room of a person on two devices (README presence rule 9), one
 * for the status CSV and chat: the room of the latest room JOIN among the
 * devices in; of two joins in one ms, the smaller room uuid.  Returns 1
 * when the join (ts, room) wins over (best_ts, best_room).
 */
int zt_presence_room_later(int64_t ts, const char *room, int64_t best_ts,
    const char *best_room);

/* the state as a new JSON object, or NULL when out of memory */
json_t *zt_presence_to_json(const zt_presence_t *p);

/*
 * Folds a state saved by zt_presence_to_json() into p (a union, so loading
 * into an empty p restores it).  Returns ZT_OK or ZT_ERROR (malformed).
 */
int zt_presence_from_json(zt_presence_t *p, const json_t *state);


/*
 * The journeys of every person of the meetings whose uuid or id equals
 * meeting (NULL: every meeting), in no particular order.  *out is
 * malloc()ed; free it with zt_presence_journeys_free().  Returns ZT_OK or
 * ZT_ERROR (out of memory).
 */
int zt_presence_journeys(const zt_presence_t *p, const char *meeting,
    zt_journey_t **out, size_t *n);
void zt_presence_journeys_free(zt_journey_t *j, size_t n);

/*
 * Clips [s, e] to the day [from, to): returns 1 and the clipped interval
 * when it overlaps the day (an instant counts when inside it), else 0.
 * The report's midnight rule; from/to come from zt_time_day_bounds().
 */
int zt_presence_clip(int64_t s, int64_t e, int64_t from, int64_t to,
    int64_t *cs, int64_t *ce);

/* the meeting instances held, and one of them (i < count) */
size_t zt_presence_nmeetings(const zt_presence_t *p);
void zt_presence_meeting_info(const zt_presence_t *p, size_t i,
    zt_presence_meeting_info_t *info);

/*
 * Zoom ends every meeting after 30 hours at most, so one from which no
 * event has come for that long is over even though its meeting.ended (and
 * the leaves) never came; without this its people would stay online in
 * the CSV for good.  Counted by the clock at arrival, not by Zoom's
 * timestamps, so a meeting replayed from the past is not dropped at once.
 */
#define ZT_PRESENCE_SILENT_MS  (30 * 3600 * 1000LL)

/*
 * Drops every meeting whose last event (Zoom's timestamp) is before
 * ended_before_ms and that ended (a meeting.ended after its last join,
 * or a later instance of its id started) or from which no event came
 * since silent_before_ms (the clock; it is over, ZT_PRESENCE_SILENT_MS).
 * Returns the number of meetings dropped.
 */
size_t zt_presence_prune(zt_presence_t *p, int64_t ended_before_ms,
    int64_t silent_before_ms);

/*
 * Drops the person with this key from every meeting (`zoomtrack forget`);
 * their meetings become dirty.  Returns how many entries went.
 */
size_t zt_presence_forget(zt_presence_t *p, const char *key);

/* clears the dirty flag of every meeting (after a full save) */
void zt_presence_clean(zt_presence_t *p);

/*
 * One meeting's state as a new JSON object (the elements of
 * zt_presence_to_json()'s "meetings"), and clears its dirty flag; NULL
 * when out of memory or no such meeting.  zt_presence_meeting_from_json()
 * folds such an object into p (a union, as zt_presence_from_json()):
 * ZT_OK or ZT_ERROR (malformed).  A per-meeting save writes only the
 * meetings whose info.dirty is set.
 */
json_t *zt_presence_meeting_save(zt_presence_t *p, const char *uuid);
int zt_presence_meeting_load(zt_presence_t *p, const json_t *jm);


#endif /* ZT_PRESENCE_H */
