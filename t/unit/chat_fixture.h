/*
 * What the chat unit tests share: the options every message is composed
 * with (every kind of line, UTC, 40 lines) and composing one.
 */

#ifndef CHAT_FIXTURE_H
#define CHAT_FIXTURE_H


static zt_chat_opts_t  o = { ZT_CHAT_ALL, "", "UTC", 40 };


/* the message composed at now: malloc()ed, the caller frees it; NULL when
 * there is nothing to say (or on an error) */
static char *
compose(json_t *st, int64_t now)
{
    char  *text;

    if (zt_chat_compose(st, now, &o, &text) != ZT_OK) {
        return NULL;
    }

    return text;
}


#endif /* CHAT_FIXTURE_H */
