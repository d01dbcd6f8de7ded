/*
 * Zoom webhook signature checks.  The HMAC is computed over the exact bytes
 * received (Zoom's own samples re-serialise the JSON, which breaks on
 * emoji and escapes), every configured secret is tried so that secrets can
 * be rotated without downtime, and comparisons are constant-time.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "zt_sig.h"


static const char  zt_hex[] = "0123456789abcdef";


void
zt_hmac_sha256_hex(const zt_str_t *key, const unsigned char *msg, size_t len,
    char *out)
{
    size_t         i;
    unsigned int   mdlen;
    unsigned char  md[EVP_MAX_MD_SIZE];

    mdlen = 0;
    HMAC(EVP_sha256(), key->data, (int) key->len, msg, len, md, &mdlen);

    for (i = 0; i < mdlen; i++) {
        out[2 * i] = zt_hex[md[i] >> 4];
        out[2 * i + 1] = zt_hex[md[i] & 0x0f];
    }

    out[2 * mdlen] = '\0';
}


/* an HMAC-SHA256 context with the key already scheduled, or NULL */
static EVP_MAC_CTX *
zt_sig_keyed(const zt_str_t *key)
{
    EVP_MAC      *mac;
    EVP_MAC_CTX  *ctx;
    OSSL_PARAM    params[2];

    mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac);

    if (ctx == NULL) {
        return NULL;
    }

    params[0] = OSSL_PARAM_construct_utf8_string("digest", (char *) "SHA256",
                                                 0);
    params[1] = OSSL_PARAM_construct_end();

    if (EVP_MAC_init(ctx, key->data, key->len, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }

    return ctx;
}


/*
 * HMAC of "v0:" ts ":" body without copying the body, in the secret's keyed
 * context, re-initialised (the webhook path: no algorithm fetch, no key
 * schedule, no context copy per request: EVP_MAC_CTX_dup() copied three
 * digest states), or in one keyed from key when there is none
 */
static void
zt_sig_digest(EVP_MAC_CTX *keyed, const zt_str_t *key,
    const unsigned char *ts, size_t ts_len, const unsigned char *body,
    size_t len, unsigned char *md)
{
    size_t        mdlen;
    EVP_MAC_CTX  *ctx;

    if (keyed) {
        /* a NULL key restarts with the key already set */
        ctx = EVP_MAC_init(keyed, NULL, 0, NULL) == 1 ? keyed : NULL;

    } else {
        ctx = zt_sig_keyed(key);
    }

    if (ctx == NULL) {
        /* out of memory: a digest of zeros never matches a real header */
        memset(md, 0, 32);
        return;
    }

    mdlen = 0;
    if (EVP_MAC_update(ctx, (const unsigned char *) "v0:", 3) != 1
        || EVP_MAC_update(ctx, ts, ts_len) != 1
        || EVP_MAC_update(ctx, (const unsigned char *) ":", 1) != 1
        || EVP_MAC_update(ctx, body, len) != 1
        || EVP_MAC_final(ctx, md, &mdlen, 32) != 1)
    {
        memset(md, 0, 32);
    }

    if (ctx != keyed) {
        EVP_MAC_CTX_free(ctx);
    }
}


void
zt_sig_sign(const zt_str_t *key, const char *ts, const unsigned char *body,
    size_t len, char *out)
{
    size_t         i;
    unsigned char  md[32];

    zt_sig_digest(NULL, key, (const unsigned char *) ts, strlen(ts), body,
                  len, md);

    memcpy(out, "v0=", 3);
    for (i = 0; i < 32; i++) {
        out[3 + 2 * i] = zt_hex[md[i] >> 4];
        out[3 + 2 * i + 1] = zt_hex[md[i] & 0x0f];
    }
    out[ZT_SIG_HDR_LEN] = '\0';
}


static int
zt_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20;
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}


zt_sig_rc_e
zt_sig_verify(const zt_secrets_t *s, const zt_str_t *ts, const zt_str_t *sig,
    const unsigned char *body, size_t len, int64_t now, int64_t max_skew,
    size_t *which)
{
    int            hi, lo, match;
    size_t         i;
    int64_t        t, ahead;
    unsigned char  want[32], md[32];

    if (ts == NULL || ts->len == 0) {
        return ZT_SIG_NO_TIMESTAMP;
    }

    if (ts->len > 12) {
        return ZT_SIG_BAD_TIMESTAMP;
    }

    t = 0;
    for (i = 0; i < ts->len; i++) {
        if (ts->data[i] < '0' || ts->data[i] > '9') {
            return ZT_SIG_BAD_TIMESTAMP;
        }
        t = t * 10 + (ts->data[i] - '0');
    }

    if (sig == NULL || sig->len == 0) {
        return ZT_SIG_NO_SIGNATURE;
    }

    if (sig->len != ZT_SIG_HDR_LEN || memcmp(sig->data, "v0=", 3) != 0) {
        return ZT_SIG_BAD_SIGNATURE;
    }

    for (i = 0; i < 32; i++) {
        hi = zt_hex_value(sig->data[3 + 2 * i]);
        lo = zt_hex_value(sig->data[3 + 2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return ZT_SIG_BAD_SIGNATURE;
        }
        want[i] = (unsigned char) (hi << 4 | lo);
    }

    ahead = max_skew < ZT_SIG_MAX_AHEAD ? max_skew : ZT_SIG_MAX_AHEAD;

    if (t < now && now - t > max_skew) {
        return ZT_SIG_STALE;
    }

    if (t > now && t - now > ahead) {
        return ZT_SIG_AHEAD;
    }

    /*
     * every secret is tried even after a match, so the time taken does not
     * tell which secret (or whether any) matched
     */
    match = -1;
    for (i = 0; i < s->n; i++) {
        zt_sig_digest(s->mac[i], &s->key[i], ts->data, ts->len, body, len,
                      md);
        if (CRYPTO_memcmp(md, want, 32) == 0 && match < 0) {
            match = (int) i;
        }

        /* a valid signature for this body under our secret */
        OPENSSL_cleanse(md, sizeof(md));
    }

    if (match < 0) {
        return ZT_SIG_MISMATCH;
    }

    if (which) {
        *which = (size_t) match;
    }

    return ZT_SIG_OK;
}


const char *
zt_sig_reason(zt_sig_rc_e rc)
{
    switch (rc) {
    case ZT_SIG_OK:
        return "ok";
    case ZT_SIG_NO_TIMESTAMP:
        return "missing x-zm-request-timestamp";
    case ZT_SIG_BAD_TIMESTAMP:
        return "invalid x-zm-request-timestamp";
    case ZT_SIG_STALE:
        return "x-zm-request-timestamp older than the allowed skew";
    case ZT_SIG_AHEAD:
        return "x-zm-request-timestamp more than 5 minutes ahead of this "
               "server";
    case ZT_SIG_NO_SIGNATURE:
        return "missing x-zm-signature";
    case ZT_SIG_BAD_SIGNATURE:
        return "malformed x-zm-signature";
    case ZT_SIG_MISMATCH:
        return "signature mismatch";
    }
    return "unknown";
}


/* the secret in line: surrounding white space and the line end left out
 * (NUL-terminated there), *n its length */
static char *
zt_secret_trim(char *line, size_t *n)
{
    char  *p, *e;

    p = line;
    while (*p == ' ' || *p == '\t') {
        p++;
    }

    e = p + strlen(p);
    while (e > p && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '
                     || e[-1] == '\t'))
    {
        e--;
    }

    *e = '\0';
    *n = (size_t) (e - p);

    return p;
}


zt_secret_rc_e
zt_secret_line(const char *path, char *out, size_t outlen, size_t *len)
{
    int              err;
    FILE            *f;
    char            *p;
    char             buf[BUFSIZ];
    zt_secret_rc_e   rc;

    *len = 0;
    out[0] = '\0';

    f = fopen(path, "r");
    if (f == NULL) {
        return ZT_SECRET_OPEN;
    }

    /* stdio's buffer is ours, so that it is wiped */
    (void) setvbuf(f, buf, _IOFBF, sizeof(buf));

    rc = ZT_SECRET_OK;
    err = 0;

    if (fgets(out, (int) outlen, f) == NULL) {
        out[0] = '\0';

        /* a directory opens, then fails to read: say that, not "empty" */
        if (ferror(f)) {
            rc = ZT_SECRET_READ;
            err = errno;
        }

    } else if (strchr(out, '\n') == NULL && getc(f) != EOF) {
        /* a line cut short would be used as a wrong secret, for ever */
        rc = ZT_SECRET_LONG;
    }

    fclose(f);
    OPENSSL_cleanse(buf, sizeof(buf));

    if (rc != ZT_SECRET_OK) {
        OPENSSL_cleanse(out, outlen);
        errno = err;
        return rc;
    }

    p = zt_secret_trim(out, len);
    memmove(out, p, *len + 1);

    return *len ? ZT_SECRET_OK : ZT_SECRET_EMPTY;
}


int
zt_secrets_load(const char *path, zt_secrets_t *s, char *err, size_t errlen)
{
    FILE    *f;
    char     line[1024], *p, *e;
    char     buf[BUFSIZ];
    size_t   n, lineno;

    memset(s, 0, sizeof(zt_secrets_t));

    f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "cannot open secret file \"%s\": %s", path,
                 strerror(errno));
        return ZT_ERROR;
    }

    /* stdio's buffer is ours, so that it is wiped like line below */
    (void) setvbuf(f, buf, _IOFBF, sizeof(buf));

    lineno = 0;

    while (fgets(line, sizeof(line), f)) {
        lineno++;

        /* a longer line would otherwise become several secrets */
        if (strchr(line, '\n') == NULL && !feof(f)) {
            snprintf(err, errlen, "secret file \"%s\": line %zu is longer "
                     "than %zu bytes", path, lineno, sizeof(line) - 2);
            goto failed;
        }

        p = zt_secret_trim(line, &n);
        e = p + n;

        if (e == p || *p == '#') {
            continue;
        }

        if (s->n == ZT_SECRETS_MAX) {
            snprintf(err, errlen, "secret file \"%s\" has more than %d "
                     "secrets", path, ZT_SECRETS_MAX);
            goto failed;
        }

        n = (size_t) (e - p);
        s->key[s->n].data = malloc(n + 1);
        if (s->key[s->n].data == NULL) {
            snprintf(err, errlen, "out of memory");
            goto failed;
        }

        memcpy(s->key[s->n].data, p, n);
        s->key[s->n].data[n] = '\0';
        s->key[s->n].len = n;

        s->mac[s->n] = zt_sig_keyed(&s->key[s->n]);
        if (s->mac[s->n] == NULL) {
            s->n++;
            snprintf(err, errlen, "cannot set up HMAC-SHA256");
            goto failed;
        }

        s->n++;
    }

    if (ferror(f)) {
        snprintf(err, errlen, "cannot read secret file \"%s\": %s", path,
                 strerror(errno));
        goto failed;
    }

    fclose(f);
    OPENSSL_cleanse(buf, sizeof(buf));
    OPENSSL_cleanse(line, sizeof(line));

    if (s->n == 0) {
        snprintf(err, errlen, "secret file \"%s\" holds no secret", path);
        return ZT_ERROR;
    }

    return ZT_OK;

failed:

    fclose(f);
    OPENSSL_cleanse(buf, sizeof(buf));
    OPENSSL_cleanse(line, sizeof(line));
    zt_secrets_free(s);
    return ZT_ERROR;
}


void
zt_secrets_free(zt_secrets_t *s)
{
    size_t  i;

    for (i = 0; i < s->n; i++) {
        /* secrets should not linger in freed heap memory */
        OPENSSL_cleanse(s->key[i].data, s->key[i].len);
        free(s->key[i].data);
        EVP_MAC_CTX_free(s->mac[i]);
        s->mac[i] = NULL;
    }

    s->n = 0;
}
