/*
 * zt_gauth: Google credentials in Google's application-default order, for
 * the GCS and BigQuery clients (no Google SDK exists for C).
 *
 *   1. a service-account key file ([google] credentials_file, else
 *      GOOGLE_APPLICATION_CREDENTIALS): an RS256-signed JWT assertion
 *      (OpenSSL) exchanged at the key's token_uri ([google] token_uri
 *      overrides it) for an access token, scopes devstorage.read_write and
 *      bigquery;
 *   2. the metadata server (Cloud Run, GCE, GKE): GET
 *      http://HOST/computeMetadata/v1/instance/service-accounts/default/token
 *      with Metadata-Flavor: Google; HOST is [google] metadata_host, else
 *      GCE_METADATA_HOST, else metadata.google.internal.
 *
 * One token cache per process, shared by every sink thread and subcommand
 * (zt_gauth_acquire() hands out the same object, reference counted), kept
 * until five minutes (at most half its lifetime) before it expires and
 * dropped on a 401; while a renewal fails for a transient reason it is
 * used on until 10 s (at most a quarter of its lifetime) before it
 * expires.  Keys, JWTs and tokens never reach a log line or an
 * error text.
 */

#ifndef ZT_GAUTH_H
#define ZT_GAUTH_H


#include <stdint.h>

#include "zt_core.h"
#include "zt_conf.h"


#define ZT_GAUTH_KEY       1        /* service-account key file */
#define ZT_GAUTH_METADATA  2        /* metadata server */

#define ZT_GAUTH_SCOPES                                                      \
    "https://www.googleapis.com/auth/devstorage.read_write "                 \
    "https://www.googleapis.com/auth/bigquery"

/* a token is renewed this long before Google says it expires (half its
 * lifetime when that is shorter) */
#define ZT_GAUTH_EARLY_MS  (300 * 1000)

#define ZT_GAUTH_HEADER_MAX  4096


typedef struct zt_gauth_s  zt_gauth_t;


/*
 * The process's credentials (created by the first call).  A key file that
 * cannot be read or parsed is a configuration error: NULL, with a message
 * naming the file in err.  Pair every call with zt_gauth_release().
 */
zt_gauth_t *zt_gauth_acquire(const zt_conf_t *conf, char *err,
    size_t errlen);
void zt_gauth_release(zt_gauth_t *a);

/* ZT_GAUTH_KEY or ZT_GAUTH_METADATA */
int zt_gauth_mode(const zt_gauth_t *a);

/*
 * 1 when no key file and no metadata host was configured: the metadata
 * server is only a guess (the emulator convention then sends no auth).
 */
int zt_gauth_implicit(const zt_gauth_t *a);

/* "service account NAME (key file PATH)" or "metadata server HOST" */
const char *zt_gauth_describe(const zt_gauth_t *a);

/*
 * Writes "Authorization: Bearer TOKEN" into out, fetching a token when
 * none is cached or it is about to expire.  Returns ZT_OK; ZT_RETRY when
 * the token endpoint was unreachable or failed (5xx, 429); ZT_ERROR when
 * it refused the credentials (the reason, without secrets, in err).
 * Thread-safe.
 */
int zt_gauth_header(zt_gauth_t *a, char *out, size_t outlen, char *err,
    size_t errlen);

/* after a 401: drops the cached token if header still carries it */
void zt_gauth_expire(zt_gauth_t *a, const char *header);

/* how many tokens this process fetched (tests, check) */
int zt_gauth_token_requests(zt_gauth_t *a);

/*
 * The signed assertion: base64url(header).base64url(claims).signature,
 * RS256 with the PEM private key pem.  *out is malloc()ed (the caller
 * frees it and must not log it).  ZT_OK or ZT_ERROR (a bad key).
 */
int zt_gauth_jwt(const char *pem, const char *kid, const char *iss,
    const char *scope, const char *aud, int64_t iat, char **out);

/* base64url without padding; out holds 4 * ((len + 2) / 3) + 1 bytes */
size_t zt_gauth_b64url(const unsigned char *in, size_t len, char *out);


#endif /* ZT_GAUTH_H */
