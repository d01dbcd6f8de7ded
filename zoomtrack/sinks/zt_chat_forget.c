/*
 * zt_chat_forget: what leaves the chat sink's state.  Meetings idle for
 * longer than the sink keeps them (zt_chat_prune), and the people
 * `zoomtrack forget` names by person key (zt_chat_forget): their presence
 * in every meeting, their pending changes, and their lines in messages
 * not posted yet, a message about them alone going whole.
 */

#include <stdlib.h>
#include <string.h>

#include "zt_core.h"
#include "zt_chat_msg.h"


static int zt_chat_forget_add(json_t *names, const char *name);
static json_t *zt_chat_forget_names(json_t *state, const json_t *keys);
static json_t *zt_chat_forget_outbox(json_t *state, json_t *names);


void
zt_chat_prune(json_t *state, int64_t now_ms, int64_t keep_ms)
{
    void        *tmp;
    json_t      *ms, *m;
    const char  *uuid;

    ms = json_object_get(state, "meetings");

    json_object_foreach_safe(ms, tmp, uuid, m) {
        if (now_ms - zt_chat_int(m, "last") > keep_ms) {
            json_object_del(ms, uuid);
        }
    }
}


/* adds name as the messages say it to the set names; ZT_ERROR: no memory */
static int
zt_chat_forget_add(json_t *names, const char *name)
{
    int    rc;
    char  *said;

    said = zt_chat_said_name(name);
    if (said == NULL) {
        return ZT_ERROR;
    }

    rc = json_object_set_new(names, said, json_true()) == 0 ? ZT_OK
                                                              : ZT_ERROR;
    free(said);

    return rc;
}


/* the names the people with these keys go by, as the messages say them */
static json_t *
zt_chat_forget_names(json_t *state, const json_t *keys)
{
    size_t       i, j;
    json_t      *names, *m, *p, *k, *c;
    const char  *uuid, *name;

    names = json_object();
    if (names == NULL) {
        return NULL;
    }

    json_object_foreach(json_object_get(state, "meetings"), uuid, m) {
        json_array_foreach(keys, i, k) {
            p = json_object_get(json_object_get(m, "people"),
                                json_string_value(k) ? json_string_value(k)
                                                     : "");
            name = zt_chat_str(p, "name");

            if (name[0] != '\0' && zt_chat_forget_add(names, name) != ZT_OK)
            {
                json_decref(names);
                return NULL;
            }
        }
    }

    /* a change still pending carries the name it was made with */
    json_array_foreach(json_object_get(state, "pending"), j, c) {
        json_array_foreach(keys, i, k) {
            if (!json_is_string(k)
                || strcmp(zt_chat_str(c, "person"), json_string_value(k))
                   != 0
                || zt_chat_str(c, "name")[0] == '\0')
            {
                continue;
            }

            if (zt_chat_forget_add(names, zt_chat_str(c, "name")) != ZT_OK) {
                json_decref(names);
                return NULL;
            }
        }
    }

    return names;
}


/* the outbox's texts without the lines naming them, in a new array */
static json_t *
zt_chat_forget_outbox(json_t *state, json_t *names)
{
    char        *text, *next;
    size_t       i, dropped;
    json_t      *out, *msg, *v;
    const char  *said;

    out = json_array();

    json_array_foreach(json_object_get(state, "outbox"), i, msg) {
        text = strdup(zt_chat_str(msg, "text"));
        dropped = 0;

        json_object_foreach(names, said, v) {
            next = text ? zt_chat_text_drop(text, said, &dropped) : NULL;
            free(text);
            text = next;
        }

        if (text == NULL || out == NULL) {
            free(text);
            json_decref(out);
            return NULL;
        }

        if (text[0] == '\0') {
            free(text);
            continue;                    /* a message about them alone */
        }

        msg = json_deep_copy(msg);
        if (msg == NULL
            || json_object_set_new(msg, "text", json_string(text)) != 0
            || json_array_append_new(out, msg) != 0)
        {
            free(text);
            json_decref(out);
            return NULL;
        }

        free(text);
    }

    return out;
}


int
zt_chat_forget(json_t *state, const json_t *keys, size_t *gone)
{
    size_t       i, j;
    json_t      *names, *outbox, *pending, *m, *k, *c;
    const char  *uuid, *key;

    *gone = 0;

    /* everything that can fail first: the state changes only after */
    names = zt_chat_forget_names(state, keys);
    outbox = names ? zt_chat_forget_outbox(state, names) : NULL;
    json_decref(names);

    if (outbox == NULL
        || json_object_set_new(state, "outbox", outbox) != 0)
    {
        return ZT_ERROR;
    }

    json_object_foreach(json_object_get(state, "meetings"), uuid, m) {
        json_array_foreach(keys, i, k) {
            key = json_string_value(k);
            if (key && json_object_del(json_object_get(m, "people"), key)
                       == 0)
            {
                (*gone)++;
            }
        }
    }

    pending = json_object_get(state, "pending");

    for (j = json_array_size(pending); j > 0; j--) {
        c = json_array_get(pending, j - 1);

        json_array_foreach(keys, i, k) {
            if (json_is_string(k)
                && strcmp(zt_chat_str(c, "person"), json_string_value(k))
                   == 0)
            {
                json_array_remove(pending, j - 1);
                break;
            }
        }
    }

    return ZT_OK;
}
