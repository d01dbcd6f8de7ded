/*
 * Zoom event normalisation: a webhook body becomes one flat record with the
 * fields every sink needs, a deterministic event_id and the raw body kept
 * byte-exact.  The record is the unit that travels through Redis.
 */

#ifndef ZT_EVENT_H
#define ZT_EVENT_H


#include "zt_core.h"


#define ZT_UUID_LEN  36


typedef enum {
    ZT_ACTION_NONE = 0,
    ZT_ACTION_JOIN,
    ZT_ACTION_LEAVE
} zt_action_e;


/*
 * Every string is NUL-terminated, read-only and never NULL ("" when the
 * payload lacks the field); they live in one buffer that zt_event_free()
 * releases.  meeting_id is a string even when Zoom sends a number.
 */
typedef struct {
    char          event_id[ZT_UUID_LEN + 1];
    char         *event_type;
    int64_t       event_ts;            /* ms; 0 when absent or not a
                                          plausible time (zt_event_time) */
    char         *account_id;
    char         *meeting_id;
    char         *meeting_uuid;
    char         *breakout_room_uuid;
    char         *participant_user_id; /* participant.user_id (per session) */
    char         *participant_uuid;
    char         *participant_id;      /* Zoom account id: id, else
                                          participant_user_id */
    char         *parent_user_id;
    char         *registrant_id;
    char         *participant_name;
    char         *participant_email;
    char         *leave_reason;
    char         *participant_time;    /* join_time/leave_time/date_time */
    char         *meeting_time;        /* object.end_time of *.ended,
                                          start_time of *.started */
    zt_action_e   action;
    char         *plain_token;         /* endpoint.url_validation only */
    char         *arena;               /* holds every string above */
} zt_event_t;


/*
 * Parses and normalises a body.  Returns ZT_OK, or ZT_DECLINED with *reason
 * set to a static text for a body that is not acceptable (not JSON, not an
 * object, no "event" string, not UTF-8 as zt_utf8.h defines it, a \u
 * escape of an unpaired UTF-16 surrogate, ...), or ZT_ERROR when out of
 * memory.  On any return zt_event_free() may be called.
 */
int zt_event_parse(const unsigned char *body, size_t len, zt_event_t *ev,
    const char **reason);
void zt_event_free(zt_event_t *ev);

/*
 * Frees what the parse keeps for the whole process (OpenSSL's SHA-1 for
 * event ids, fetched once).  For code that is unloaded before the process
 * ends (the nginx module, dlclose()d in single-process mode): call it
 * before; a parse after it still works, only slower.
 */
void zt_event_cleanup(void);

int zt_event_is_url_validation(const zt_event_t *ev);

/*
 * The event's time in ms: Zoom's event_ts when it is a plausible
 * epoch-milliseconds integer (zt_time_plausible_ms), else the participant's
 * join/leave/date time, else the meeting's end_time (an ended event) or
 * start_time (a started one), else received_ms.  *source (if not NULL) is
 * set to "zoom", "participant", "meeting" or "received", the record's
 * event_ts_source.
 */
int64_t zt_event_time(const zt_event_t *ev, int64_t received_ms,
    const char **source);

/*
 * The queue record: a compact JSON object with the normalised fields,
 * event_ts (zt_event_time) and event_ts_source, received_at and
 * raw_payload (the body byte-exact).  received_ms is the arrival time in ms
 * since the epoch.  Every string in it is valid UTF-8 as long as the body
 * passed zt_event_parse().  Returns a malloc()ed NUL-terminated string and
 * its length, or NULL when out of memory.
 */
char *zt_event_record(const zt_event_t *ev, const unsigned char *body,
    size_t len, int64_t received_ms, size_t *out_len);

/* "JOIN", "LEAVE" or "" */
const char *zt_action_name(zt_action_e a);

/*
 * The identity of a person, shared by the status sink and the report: the
 * first non-empty of the Zoom account id, registrant_id, email (lowercased)
 * and display name, prefixed by its kind ("id:", "reg:", "email:", "name:");
 * an account id equal to the registrant_id is the registrant's (Zoom's
 * breakout-room events carry it as participant_user_id).  Writes a
 * NUL-terminated key into out (truncating at outlen - 1).
 */
void zt_person_key(const char *participant_id, const char *registrant_id,
    const char *email, const char *name, char *out, size_t outlen);

/* the key of nobody named (all four blank), and the presence engine's
 * key of such a guest by participant_uuid instead */
#define ZT_PERSON_NO_NAME  "name:"
#define ZT_PERSON_UUID     "uuid:"

/*
 * How strong a person key is: 0 "id:", 1 "reg:", 2 "email:", 4 "uuid:"
 * (nothing but the participant_uuid), 3 anything else (a name).  Where
 * one participant is seen under two keys (Zoom blanks some fields in
 * breakout-room events), the strongest is theirs.
 */
int zt_person_key_rank(const char *key);


#endif /* ZT_EVENT_H */
