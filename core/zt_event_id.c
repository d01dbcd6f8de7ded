/*
 * zt_event_id: the identities derived from a parsed event: its event_id (a
 * UUIDv5-style hash of the business key, the same for every delivery of
 * one event) and a person's key (zt_person_key(), shared by the status
 * sink and the report).  Both are written into the caller's buffers;
 * nothing here allocates, except OpenSSL's digest context, freed at once
 * (and SHA-1's implementation, fetched once per process).
 */

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "zt_event_int.h"


/* namespace of zoomtrack's name-based (version 5 style) event ids */
static const unsigned char  zt_uuid_ns[16] = {
    0x6b, 0x1f, 0x3c, 0x2e, 0x8a, 0x41, 0x4d, 0x55,
    0x9e, 0x07, 0x5a, 0x1c, 0x33, 0xd2, 0x70, 0x9b
};


static void
zt_uuid_format(const unsigned char *h, char *out)
{
    size_t       i, o;
    static const char  hex[] = "0123456789abcdef";

    o = 0;
    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out[o++] = '-';
        }
        out[o++] = hex[h[i] >> 4];
        out[o++] = hex[h[i] & 0x0f];
    }
    out[o] = '\0';
}


size_t
zt_event_int_str(int64_t v, char *out)
{
    char      tmp[20], *p;
    size_t    n;
    uint64_t  u;

    p = out;
    u = (uint64_t) v;

    if (v < 0) {
        *p++ = '-';
        u = -u;              /* INT64_MIN too: unsigned arithmetic */
    }

    n = 0;
    do {
        tmp[n++] = (char) ('0' + u % 10);
        u /= 10;
    } while (u);

    while (n) {
        *p++ = tmp[--n];
    }

    *p = '\0';

    return (size_t) (p - out);
}


/*
 * EVP_sha1() is a legacy method: every EVP_DigestInit_ex() with it fetched
 * the provider's implementation again, behind the provider store's read
 * lock, which cost as much as the hash (the module's profile).  Fetched once
 * per process instead; EVP_sha1() when the fetch fails.  The one piece of
 * process-wide state in core: set once, read-only after, like the static
 * method EVP_sha1() returns; zt_event_cleanup() frees it.
 */
static pthread_once_t  zt_sha1_once = PTHREAD_ONCE_INIT;
static EVP_MD         *zt_sha1_fetched;


static void
zt_sha1_fetch(void)
{
    zt_sha1_fetched = EVP_MD_fetch(NULL, "SHA1", NULL);
}


static const EVP_MD *
zt_sha1(void)
{
    (void) pthread_once(&zt_sha1_once, zt_sha1_fetch);

    return zt_sha1_fetched ? zt_sha1_fetched : EVP_sha1();
}


void
zt_event_cleanup(void)
{
    (void) pthread_once(&zt_sha1_once, zt_sha1_fetch);

    EVP_MD_free(zt_sha1_fetched);
    zt_sha1_fetched = NULL;
}


/* the hash's input goes through a buffer: one update per 256 bytes, not
 * two per part */
typedef struct {
    EVP_MD_CTX     *ctx;
    size_t          len;
    int             ok;
    unsigned char   buf[256];
} zt_sha1_buf_t;


static void
zt_sha1_put(zt_sha1_buf_t *h, const void *data, size_t n)
{
    if (h->len + n > sizeof(h->buf)) {
        if (EVP_DigestUpdate(h->ctx, h->buf, h->len) != 1) {
            h->ok = 0;
        }
        h->len = 0;

        if (n > sizeof(h->buf)) {
            if (EVP_DigestUpdate(h->ctx, data, n) != 1) {
                h->ok = 0;
            }
            return;
        }
    }

    memcpy(h->buf + h->len, data, n);
    h->len += n;
}


/*
 * event_id = UUIDv5-style SHA-1(namespace, business key).  The key is what
 * identifies the occurrence, not the delivery: type, event_ts, meeting
 * instance, participant identity, breakout room and the participant's own
 * time field.  Events about no meeting instance have no such key; their id
 * hashes the whole body, which is what a redelivery repeats.
 */
int
zt_event_make_id(zt_event_t *ev, const unsigned char *body, size_t len)
{
    size_t          i, n;
    char            ts[32];
    unsigned char   md[EVP_MAX_MD_SIZE];
    unsigned int    mdlen;
    const char     *parts[11];
    zt_sha1_buf_t   h;

    h.ctx = EVP_MD_CTX_new();
    if (h.ctx == NULL) {
        return ZT_ERROR;
    }

    h.len = 0;
    h.ok = 1;

    n = zt_event_int_str(ev->event_ts, ts);

    parts[0] = ev->event_type;
    parts[1] = ts;
    parts[2] = ev->meeting_uuid;
    parts[3] = ev->participant_user_id;
    parts[4] = ev->participant_uuid;
    parts[5] = ev->participant_id;
    parts[6] = ev->registrant_id;
    parts[7] = ev->participant_email;
    parts[8] = ev->participant_name;
    parts[9] = ev->breakout_room_uuid;
    parts[10] = ev->participant_time;

    if (EVP_DigestInit_ex(h.ctx, zt_sha1(), NULL) != 1) {
        EVP_MD_CTX_free(h.ctx);
        return ZT_ERROR;
    }

    zt_sha1_put(&h, zt_uuid_ns, sizeof(zt_uuid_ns));

    for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        /* 0x1f (unit separator) cannot occur unescaped in JSON strings */
        zt_sha1_put(&h, parts[i], i == 1 ? n : strlen(parts[i]));
        zt_sha1_put(&h, "\x1f", 1);
    }

    if (ev->meeting_uuid[0] == '\0') {
        zt_sha1_put(&h, body, len);
    }

    mdlen = 0;
    if ((h.len && EVP_DigestUpdate(h.ctx, h.buf, h.len) != 1) || !h.ok
        || EVP_DigestFinal_ex(h.ctx, md, &mdlen) != 1 || mdlen < 16)
    {
        EVP_MD_CTX_free(h.ctx);
        return ZT_ERROR;
    }

    EVP_MD_CTX_free(h.ctx);

    md[6] = (md[6] & 0x0f) | 0x50;     /* version 5: name-based, SHA-1 */
    md[8] = (md[8] & 0x3f) | 0x80;     /* RFC 4122 variant */

    zt_uuid_format(md, ev->event_id);
    return ZT_OK;
}


void
zt_person_key(const char *participant_id, const char *registrant_id,
    const char *email, const char *name, char *out, size_t outlen)
{
    size_t  i, n;

    if (outlen == 0) {
        return;
    }

    /* in breakout-room events Zoom puts the registrant id in
     * participant_user_id: that is the registrant, not an account */
    if (participant_id && participant_id[0]
        && !(registrant_id && strcmp(participant_id, registrant_id) == 0))
    {
        snprintf(out, outlen, "id:%s", participant_id);

    } else if (registrant_id && registrant_id[0]) {
        snprintf(out, outlen, "reg:%s", registrant_id);

    } else if (email && email[0]) {
        /* emails compare case-insensitively; display names do not */
        n = (size_t) snprintf(out, outlen, "email:%s", email);
        n = n < outlen ? n : outlen - 1;
        for (i = 6; i < n; i++) {
            out[i] = (char) tolower((unsigned char) out[i]);
        }

    } else {
        snprintf(out, outlen, "name:%s", name ? name : "");
    }
}


int
zt_person_key_rank(const char *key)
{
    if (strncmp(key, "id:", 3) == 0) {
        return 0;
    }

    if (strncmp(key, "reg:", 4) == 0) {
        return 1;
    }

    if (strncmp(key, ZT_PERSON_UUID, sizeof(ZT_PERSON_UUID) - 1) == 0) {
        return 4;
    }

    return strncmp(key, "email:", 6) == 0 ? 2 : 3;
}
