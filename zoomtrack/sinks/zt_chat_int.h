/*
 * zt_chat_int: what the chat sink's two files share.  zt_sink_chat.c is
 * the sink (its state: fold, save, compose); zt_chat_post.c delivers the
 * outbox's head to the chat server and acts on the answer.
 */

#ifndef ZT_CHAT_INT_H
#define ZT_CHAT_INT_H


#include <limits.h>

#include <jansson.h>

#include "zt_chat_msg.h"
#include "zt_http.h"


/* event_ids remembered against redelivery: several batches' worth */
#define ZT_CHAT_SEEN_MAX      8192
/* Slack allows about one message a second per webhook */
#define ZT_CHAT_SPACING_MS    1000
/* meetings idle this long leave the state */
#define ZT_CHAT_KEEP_MS       (2 * 86400 * 1000LL)


typedef struct {
    json_t          *state;
    json_t          *seen;           /* event_id -> true, over "seen" */
    char             state_path[PATH_MAX];
    char             dead_path[PATH_MAX];
    char            *url;            /* a secret: never logged */
    char            *channel;
    char            *username;
    char            *icon_url;
    char            *tz;
    char            *allowlist;
    zt_chat_opts_t   opts;
    int64_t          interval;       /* ms */
    int64_t          backoff_min;
    int64_t          backoff_max;
    int64_t          timeout;        /* ms, per POST */
    zt_http_t        http;
    int              http_ready;
    int              unsaved;        /* the state file is behind memory */
    int64_t          next_try;       /* no POST before this, ms */
    unsigned         attempt;        /* failed POSTs of the outbox head */
    unsigned short   rng[3];
} zt_chat_t;


/* writes the state file (atomically, owner-only); ZT_OK or ZT_ERROR */
int zt_chat_save(zt_chat_t *ch);

/*
 * Posts the outbox's first message and acts on the answer: sent (saved),
 * waits (429, 5xx, transport), dead-lettered (a message the server can
 * never take) or held (the webhook refused).  Always ZT_OK: a failure is
 * the chat server's, retried from tick().
 */
int zt_chat_post(zt_chat_t *ch);


#endif /* ZT_CHAT_INT_H */
