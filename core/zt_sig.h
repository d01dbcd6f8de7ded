/*
 * Zoom webhook signatures: x-zm-signature = "v0=" + hex(HMAC-SHA256(secret,
 * "v0:" + x-zm-request-timestamp + ":" + raw body)), checked against every
 * configured secret (rotation) in constant time, plus the url_validation
 * challenge answer hex(HMAC-SHA256(secret, plainToken)).
 */

#ifndef ZT_SIG_H
#define ZT_SIG_H


#include "zt_core.h"


#define ZT_SIG_HEX_LEN   64            /* hex of a SHA-256 digest */
#define ZT_SIG_HDR_LEN   (3 + 64)      /* "v0=" + hex */
#define ZT_SECRETS_MAX   16

/*
 * How far ahead of our clock a timestamp may be: a sender's clock drifts a
 * little, but nothing legitimate is signed minutes in the future, and a
 * timestamp far ahead would keep a captured request valid for that long.
 */
#define ZT_SIG_MAX_AHEAD  300


typedef enum {
    ZT_SIG_OK = 0,
    ZT_SIG_NO_TIMESTAMP,        /* header missing or empty */
    ZT_SIG_BAD_TIMESTAMP,       /* not a decimal number of seconds */
    ZT_SIG_STALE,               /* older than the allowed skew */
    ZT_SIG_AHEAD,               /* more than ZT_SIG_MAX_AHEAD ahead */
    ZT_SIG_NO_SIGNATURE,        /* header missing or empty */
    ZT_SIG_BAD_SIGNATURE,       /* not "v0=" + 64 hex digits */
    ZT_SIG_MISMATCH             /* well formed, but no secret produced it */
} zt_sig_rc_e;


typedef struct {
    size_t      n;
    zt_str_t    key[ZT_SECRETS_MAX];   /* data is malloc()ed */
    void       *mac[ZT_SECRETS_MAX];   /* keyed HMAC contexts (EVP_MAC_CTX),
                                          made once, restarted per request:
                                          zt_sig_verify() on one
                                          zt_secrets_t from one thread at a
                                          time (an nginx worker) */
} zt_secrets_t;


/*
 * Reads one secret per line; blank lines and lines starting with '#' are
 * skipped, surrounding white space (and a CR) is trimmed.  Returns ZT_OK, or
 * ZT_ERROR with a message in err (never containing a secret).
 */
int zt_secrets_load(const char *path, zt_secrets_t *s, char *err,
    size_t errlen);
void zt_secrets_free(zt_secrets_t *s);

typedef enum {
    ZT_SECRET_OK = 0,
    ZT_SECRET_OPEN,        /* errno says why */
    ZT_SECRET_READ,        /* errno says why (a directory, an I/O error) */
    ZT_SECRET_LONG,        /* the line does not fit in outlen - 2 bytes */
    ZT_SECRET_EMPTY
} zt_secret_rc_e;

/*
 * The first line of a file holding one secret (a password, a URL), trimmed
 * as zt_secrets_load() trims each line, NUL-terminated into out; *len is
 * its length.  The module's and the binary's single-secret files both read
 * through here, so they refuse and trim alike; each says it in its own
 * words.  stdio's buffer is wiped; out is the caller's to wipe.
 */
zt_secret_rc_e zt_secret_line(const char *path, char *out, size_t outlen,
    size_t *len);

/*
 * Verifies a request.  ts/sig are the raw header values (may be NULL).
 * now and max_skew are in seconds: the timestamp may be up to max_skew
 * behind now and up to min(max_skew, ZT_SIG_MAX_AHEAD) ahead of it.  There
 * is no "off": max_skew <= 0 accepts only the current second.  On
 * ZT_SIG_OK, *which (if not NULL) is the index of the matching secret.
 */
zt_sig_rc_e zt_sig_verify(const zt_secrets_t *s, const zt_str_t *ts,
    const zt_str_t *sig, const unsigned char *body, size_t len, int64_t now,
    int64_t max_skew, size_t *which);
const char *zt_sig_reason(zt_sig_rc_e rc);

/* out receives "v0=" + 64 hex digits + NUL (ZT_SIG_HDR_LEN + 1 bytes) */
void zt_sig_sign(const zt_str_t *key, const char *ts,
    const unsigned char *body, size_t len, char *out);

/* out receives 64 lowercase hex digits + NUL */
void zt_hmac_sha256_hex(const zt_str_t *key, const unsigned char *msg,
    size_t len, char *out);


#endif /* ZT_SIG_H */
