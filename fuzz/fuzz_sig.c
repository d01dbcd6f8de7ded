/*
 * Fuzz target: x-zm-signature / x-zm-request-timestamp verification and
 * the url_validation answer (core/zt_sig.c, with zt_event.c picking the
 * plainToken out of the body), as the module runs them.
 *
 * Input: byte 0 = timestamp length (mod 16), byte 1 = signature length
 * (mod 72), byte 2 = which secret signs and which digit to flip, then the
 * timestamp, the signature header and the body.
 *
 * Invariants: verification is deterministic and always has a reason; a
 * signature made with a configured secret over these exact bytes verifies
 * (unless the timestamp is too old or too far ahead, each with its own
 * answer), in either hex case, and
 * names that secret; one changed hex digit never verifies; a fuzzed
 * signature that verifies is the real one; the url_validation token is
 * valid UTF-8 to jansson and its encryptedToken is HMAC-SHA256 as OpenSSL
 * computes it.
 */

#include <ctype.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fuzz.h"
#include "zt_event.h"
#include "zt_sig.h"


#define FUZZ_NOW   1700000000LL
#define FUZZ_SKEW  7200LL


static zt_secrets_t  fuzz_secrets;


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    int   fd;
    char  path[] = "/tmp/zt-fuzz-secrets-XXXXXX", err[256];

    static const char  text[] = "# two secrets, as during a rotation\n"
                                "first-secret-token\n\n  second-one \n";

    fd = mkstemp(path);
    FUZZ_CHECK(fd >= 0, "temp file");
    FUZZ_CHECK(write(fd, text, sizeof(text) - 1)
               == (ssize_t) sizeof(text) - 1, "write secrets");
    close(fd);

    FUZZ_CHECK(zt_secrets_load(path, &fuzz_secrets, err, sizeof(err))
               == ZT_OK, "secrets load");
    FUZZ_CHECK(fuzz_secrets.n == 2, "two secrets");
    unlink(path);

    return 0;
}


static zt_sig_rc_e
fuzz_verify(const char *ts, size_t tlen, const char *sig, size_t slen,
    const uint8_t *body, size_t blen, size_t *which)
{
    zt_str_t  t, s;

    t.data = (unsigned char *) ts;
    t.len = tlen;
    s.data = (unsigned char *) sig;
    s.len = slen;

    return zt_sig_verify(&fuzz_secrets, &t, &s, body, blen, FUZZ_NOW,
                         FUZZ_SKEW, which);
}


/* the answer to a signed url_validation body */
static void
fuzz_url_validation(const uint8_t *body, size_t blen, size_t k)
{
    char            hex[ZT_SIG_HEX_LEN + 1], want[ZT_SIG_HEX_LEN + 1];
    size_t          i;
    json_t         *j, *back;
    char           *dump;
    zt_event_t      ev;
    const char     *reason;
    unsigned int    mdlen;
    unsigned char   md[EVP_MAX_MD_SIZE];
    const zt_str_t *key;

    if (zt_event_parse(body, blen, &ev, &reason) != ZT_OK
        || !zt_event_is_url_validation(&ev))
    {
        zt_event_free(&ev);
        return;
    }

    FUZZ_CHECK(ev.plain_token[0] != '\0', "plainToken present");

    key = &fuzz_secrets.key[k];
    zt_hmac_sha256_hex(key, (unsigned char *) ev.plain_token,
                       strlen(ev.plain_token), hex);

    HMAC(EVP_sha256(), key->data, (int) key->len,
         (unsigned char *) ev.plain_token, strlen(ev.plain_token), md,
         &mdlen);
    FUZZ_CHECK(mdlen == 32, "HMAC-SHA256 length");
    for (i = 0; i < 32; i++) {
        snprintf(want + 2 * i, 3, "%02x", md[i]);
    }
    FUZZ_CHECK(strcmp(hex, want) == 0, "encryptedToken is the HMAC");

    j = json_pack("{s:s,s:s}", "plainToken", ev.plain_token,
                  "encryptedToken", hex);
    FUZZ_CHECK(j != NULL, "plainToken is valid UTF-8 to jansson");
    dump = json_dumps(j, JSON_COMPACT);
    FUZZ_CHECK(dump != NULL, "answer serialised");
    back = json_loads(dump, 0, NULL);
    FUZZ_CHECK(back != NULL
               && strcmp(json_string_value(json_object_get(back,
                                                           "plainToken")),
                         ev.plain_token) == 0, "answer round-trips");

    json_decref(back);
    free(dump);
    json_decref(j);
    zt_event_free(&ev);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int           digits;
    char          ts[17], good[ZT_SIG_HDR_LEN + 1], bad[ZT_SIG_HDR_LEN + 1];
    size_t        tlen, slen, blen, k, which, which2, i;
    int64_t       t;
    const char   *sig;
    zt_sig_rc_e   rc, rc2;
    const uint8_t *body;

    if (size < 3) {
        return 0;
    }

    tlen = data[0] % 16;
    slen = data[1] % 72;
    k = data[2] % fuzz_secrets.n;

    if (size < 3 + tlen + slen) {
        return 0;
    }

    memcpy(ts, data + 3, tlen);
    ts[tlen] = '\0';
    sig = (const char *) data + 3 + tlen;
    body = data + 3 + tlen + slen;
    blen = size - 3 - tlen - slen;

    which = 99;
    which2 = 99;
    rc = fuzz_verify(ts, tlen, sig, slen, body, blen, &which);
    rc2 = fuzz_verify(ts, tlen, sig, slen, body, blen, &which2);
    FUZZ_CHECK(rc == rc2 && which == which2, "deterministic");
    FUZZ_CHECK(zt_sig_reason(rc) != NULL, "a reason");

    digits = tlen > 0;
    t = 0;
    for (i = 0; i < tlen; i++) {
        digits = digits && isdigit((unsigned char) ts[i]);
        t = t * 10 + (ts[i] - '0');
    }

    if (digits && tlen <= 12) {
        zt_sig_sign(&fuzz_secrets.key[k], ts, body, blen, good);

        rc2 = fuzz_verify(ts, tlen, good, ZT_SIG_HDR_LEN, body, blen,
                          &which2);
        if (t >= FUZZ_NOW - FUZZ_SKEW
            && t <= FUZZ_NOW + (FUZZ_SKEW < ZT_SIG_MAX_AHEAD
                                ? FUZZ_SKEW : ZT_SIG_MAX_AHEAD))
        {
            FUZZ_CHECK(rc2 == ZT_SIG_OK && which2 == k,
                       "our own signature verifies, with its secret");

            for (i = 3; i < ZT_SIG_HDR_LEN; i++) {
                bad[i] = (char) toupper((unsigned char) good[i]);
            }
            memcpy(bad, "v0=", 3);
            bad[ZT_SIG_HDR_LEN] = '\0';
            FUZZ_CHECK(fuzz_verify(ts, tlen, bad, ZT_SIG_HDR_LEN, body,
                                   blen, NULL) == ZT_SIG_OK,
                       "upper-case hex verifies");

            memcpy(bad, good, sizeof(bad));
            i = 3 + data[2] % 64;
            bad[i] = bad[i] == '0' ? '1' : '0';
            FUZZ_CHECK(fuzz_verify(ts, tlen, bad, ZT_SIG_HDR_LEN, body,
                                   blen, NULL) == ZT_SIG_MISMATCH,
                       "one changed digit is a mismatch");

        } else if (t < FUZZ_NOW) {
            FUZZ_CHECK(rc2 == ZT_SIG_STALE, "too old: stale");

        } else {
            FUZZ_CHECK(rc2 == ZT_SIG_AHEAD, "too far ahead");
        }

        if (rc == ZT_SIG_OK) {
            zt_sig_sign(&fuzz_secrets.key[which], ts, body, blen, good);
            FUZZ_CHECK(slen == ZT_SIG_HDR_LEN
                       && strncasecmp(sig, good, slen) == 0,
                       "a fuzzed signature that verifies is the real one");
        }

    } else {
        FUZZ_CHECK(rc == ZT_SIG_NO_TIMESTAMP || rc == ZT_SIG_BAD_TIMESTAMP,
                   "a timestamp that is no number is refused first");
    }

    fuzz_url_validation(body, blen, k);

    return 0;
}
