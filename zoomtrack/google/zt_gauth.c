/*
 * zt_gauth: service-account JWT and metadata-server tokens (see
 * zt_gauth.h).  The state is one process-wide object behind a mutex: sink
 * threads ask for a header before each request and only the first one to
 * find the token stale goes to the network (the others wait for it).
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "zt_time.h"
#include "zt_http.h"
#include "zt_log.h"
#include "zt_gauth.h"


#define ZT_GAUTH_METADATA_DEFAULT  "metadata.google.internal"
#define ZT_GAUTH_TOKEN_URI_DEFAULT "https://oauth2.googleapis.com/token"
#define ZT_GAUTH_LIFETIME_S        3600
#define ZT_GAUTH_TIMEOUT_MS        20000

/* a failed renewal is tried again this much later while the token holds */
#define ZT_GAUTH_RENEW_RETRY_MS    (10 * 1000)
/* a token this close to its expiry (a quarter of its lifetime when that
 * is shorter) is not used any more */
#define ZT_GAUTH_SKEW_MS           (10 * 1000)


struct zt_gauth_s {
    pthread_mutex_t   lock;
    int               refs;
    int               mode;
    int               implicit;
    char             *pem;              /* the private key: never logged */
    char             *kid;
    char             *email;
    char             *token_uri;
    char             *metadata_host;
    char              describe[512];
    char              header[ZT_GAUTH_HEADER_MAX];   /* "" when none */
    int64_t           renew_ms;         /* fetch a new token from then on */
    int64_t           usable_ms;        /* used until then, at most */
    int               requests;
};


static int zt_gauth_load_key(zt_gauth_t *a, const char *path,
    const char *token_uri, char *err, size_t errlen);
static int zt_gauth_fetch(zt_gauth_t *a, char *err, size_t errlen);
static int zt_gauth_answer(zt_gauth_t *a, zt_http_resp_t *resp,
    const char *what, char *err, size_t errlen);
static int zt_gauth_keep(zt_gauth_t *a, int rc, const char *err);
static void zt_gauth_free(zt_gauth_t *a);


static pthread_mutex_t  zt_gauth_global = PTHREAD_MUTEX_INITIALIZER;
static zt_gauth_t      *zt_gauth_process;


zt_gauth_t *
zt_gauth_acquire(const zt_conf_t *conf, char *err, size_t errlen)
{
    const char  *path, *host, *uri;
    zt_gauth_t  *a;

    pthread_mutex_lock(&zt_gauth_global);

    if (zt_gauth_process) {
        zt_gauth_process->refs++;
        pthread_mutex_unlock(&zt_gauth_global);
        return zt_gauth_process;
    }

    a = calloc(1, sizeof(zt_gauth_t));
    if (a == NULL || pthread_mutex_init(&a->lock, NULL) != 0) {
        free(a);
        pthread_mutex_unlock(&zt_gauth_global);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    a->refs = 1;

    path = zt_conf_get(conf, "google", "credentials_file");
    if (path[0] == '\0') {
        path = getenv("GOOGLE_APPLICATION_CREDENTIALS");
    }

    uri = zt_conf_get(conf, "google", "token_uri");

    if (path && path[0]) {
        a->mode = ZT_GAUTH_KEY;
        if (zt_gauth_load_key(a, path, uri, err, errlen) != ZT_OK) {
            zt_gauth_free(a);
            pthread_mutex_unlock(&zt_gauth_global);
            return NULL;
        }

    } else {
        a->mode = ZT_GAUTH_METADATA;
        host = zt_conf_get(conf, "google", "metadata_host");
        if (host[0] == '\0') {
            host = getenv("GCE_METADATA_HOST");
        }
        if (host == NULL || host[0] == '\0') {
            host = ZT_GAUTH_METADATA_DEFAULT;
            a->implicit = 1;
        }
        a->metadata_host = strdup(host);
        snprintf(a->describe, sizeof(a->describe), "metadata server %s",
                 host);
    }

    zt_gauth_process = a;
    pthread_mutex_unlock(&zt_gauth_global);

    return a;
}


void
zt_gauth_release(zt_gauth_t *a)
{
    if (a == NULL) {
        return;
    }

    pthread_mutex_lock(&zt_gauth_global);

    if (--a->refs == 0) {
        zt_gauth_process = NULL;
        zt_gauth_free(a);
    }

    pthread_mutex_unlock(&zt_gauth_global);
}


static void
zt_gauth_free(zt_gauth_t *a)
{
    if (a->pem) {
        OPENSSL_cleanse(a->pem, strlen(a->pem));
    }

    OPENSSL_cleanse(a->header, sizeof(a->header));
    free(a->pem);
    free(a->kid);
    free(a->email);
    free(a->token_uri);
    free(a->metadata_host);
    pthread_mutex_destroy(&a->lock);
    free(a);
}


int
zt_gauth_mode(const zt_gauth_t *a)
{
    return a->mode;
}


int
zt_gauth_implicit(const zt_gauth_t *a)
{
    return a->implicit;
}


const char *
zt_gauth_describe(const zt_gauth_t *a)
{
    return a->describe;
}


int
zt_gauth_token_requests(zt_gauth_t *a)
{
    int  n;

    pthread_mutex_lock(&a->lock);
    n = a->requests;
    pthread_mutex_unlock(&a->lock);

    return n;
}


/* reads a service-account JSON key; messages name the file, never values */
static int
zt_gauth_load_key(zt_gauth_t *a, const char *path, const char *token_uri,
    char *err, size_t errlen)
{
    json_t        *key;
    const char    *type, *pem, *email, *kid, *uri;
    json_error_t   je;

    key = json_load_file(path, 0, &je);
    if (key == NULL) {
        snprintf(err, errlen, "google credentials file \"%s\": %s", path,
                 je.text);
        return ZT_ERROR;
    }

    type = json_string_value(json_object_get(key, "type"));
    pem = json_string_value(json_object_get(key, "private_key"));
    email = json_string_value(json_object_get(key, "client_email"));
    kid = json_string_value(json_object_get(key, "private_key_id"));
    uri = json_string_value(json_object_get(key, "token_uri"));

    if (type == NULL || strcmp(type, "service_account") != 0) {
        snprintf(err, errlen, "google credentials file \"%s\" is not a "
                 "service-account key (type \"%s\"); create one with "
                 "`gcloud iam service-accounts keys create`", path,
                 type ? type : "");
        json_decref(key);
        return ZT_ERROR;
    }

    if (pem == NULL || email == NULL) {
        snprintf(err, errlen, "google credentials file \"%s\" has no %s",
                 path, pem == NULL ? "private_key" : "client_email");
        json_decref(key);
        return ZT_ERROR;
    }

    if (token_uri[0]) {
        uri = token_uri;

    } else if (uri == NULL || uri[0] == '\0') {
        uri = ZT_GAUTH_TOKEN_URI_DEFAULT;
    }

    a->pem = strdup(pem);
    a->email = strdup(email);
    a->kid = strdup(kid ? kid : "");
    a->token_uri = strdup(uri);

    snprintf(a->describe, sizeof(a->describe),
             "service account %s (key file %s)", email, path);

    json_decref(key);

    if (a->pem == NULL || a->email == NULL || a->kid == NULL
        || a->token_uri == NULL)
    {
        snprintf(err, errlen, "out of memory");
        return ZT_ERROR;
    }

    /* a key OpenSSL cannot read fails now, not at the first upload */
    {
        char  *jwt;

        if (zt_gauth_jwt(a->pem, a->kid, a->email, ZT_GAUTH_SCOPES,
                         a->token_uri, 0, &jwt)
            != ZT_OK)
        {
            snprintf(err, errlen, "google credentials file \"%s\": "
                     "private_key is not a usable RSA key", path);
            return ZT_ERROR;
        }
        OPENSSL_cleanse(jwt, strlen(jwt));
        free(jwt);
    }

    return ZT_OK;
}


int
zt_gauth_header(zt_gauth_t *a, char *out, size_t outlen, char *err,
    size_t errlen)
{
    int  rc;

    pthread_mutex_lock(&a->lock);

    rc = ZT_OK;

    if (a->header[0] == '\0'
        || zt_time_now_ms() >= a->renew_ms)
    {
        rc = zt_gauth_fetch(a, err, errlen);
        rc = zt_gauth_keep(a, rc, err);
    }

    if (rc == ZT_OK) {
        if (strlen(a->header) >= outlen) {
            snprintf(err, errlen, "access token is too long");
            rc = ZT_ERROR;

        } else {
            memcpy(out, a->header, strlen(a->header) + 1);
        }
    }

    pthread_mutex_unlock(&a->lock);

    return rc;
}


/*
 * A token is renewed early so that an outage of the token endpoint or the
 * metadata server does not stop the calls: while a renewal fails for a
 * transient reason, the current token is used until shortly before it
 * expires, and the renewal is tried again every ZT_GAUTH_RENEW_RETRY_MS
 * (not on every call, each of which would wait for the endpoint with
 * a->lock held).  A refusal (ZT_ERROR) is not covered up.  Called with
 * a->lock held.
 */
static int
zt_gauth_keep(zt_gauth_t *a, int rc, const char *err)
{
    int64_t  now;

    now = zt_time_now_ms();

    if (rc != ZT_RETRY || a->header[0] == '\0' || now >= a->usable_ms) {
        return rc;
    }

    a->renew_ms = now + ZT_GAUTH_RENEW_RETRY_MS;

    /* info: a sink's warnings while its write succeeds are not logged */
    zt_log_info("google: could not renew the access token (%s); the "
                "current one holds for %lld s more", err,
                (long long) ((a->usable_ms - now) / 1000));

    return ZT_OK;
}


void
zt_gauth_expire(zt_gauth_t *a, const char *header)
{
    pthread_mutex_lock(&a->lock);

    if (strcmp(a->header, header) == 0) {
        a->header[0] = '\0';
        a->renew_ms = 0;
    }

    pthread_mutex_unlock(&a->lock);
}


/* one token request; called with a->lock held */
static int
zt_gauth_fetch(zt_gauth_t *a, char *err, size_t errlen)
{
    int              rc;
    char            *jwt, *body, url[1024];
    size_t           len;
    zt_http_t        h;
    zt_http_resp_t   resp;

    static const char  grant[] = "grant_type=urn%3Aietf%3Aparams%3Aoauth"
                                 "%3Agrant-type%3Ajwt-bearer&assertion=";
    static const char *form[] = {
        "Content-Type: application/x-www-form-urlencoded", NULL
    };
    static const char *flavor[] = { "Metadata-Flavor: Google", NULL };

    if (zt_http_init(&h, ZT_GAUTH_TIMEOUT_MS, 0) != ZT_OK) {
        snprintf(err, errlen, "cannot create a curl handle");
        return ZT_RETRY;
    }

    /* a token answer is small: the whole request has that bound */
    h.total_ms = h.timeout_ms;

    a->requests++;

    if (a->mode == ZT_GAUTH_METADATA) {
        snprintf(url, sizeof(url), "http://%s/computeMetadata/v1/instance/"
                 "service-accounts/default/token", a->metadata_host);
        rc = zt_http_perform(&h, "GET", url, flavor, NULL, &resp);
        rc = zt_gauth_answer(a, &resp, "metadata server", err, errlen);
        zt_http_cleanup(&h);
        return rc;
    }

    if (zt_gauth_jwt(a->pem, a->kid, a->email, ZT_GAUTH_SCOPES,
                     a->token_uri, zt_time_now_ms() / 1000, &jwt)
        != ZT_OK)
    {
        zt_http_cleanup(&h);
        snprintf(err, errlen, "cannot sign the token request");
        return ZT_ERROR;
    }

    len = sizeof(grant) + strlen(jwt);
    body = malloc(len);
    if (body == NULL) {
        free(jwt);
        zt_http_cleanup(&h);
        snprintf(err, errlen, "out of memory");
        return ZT_RETRY;
    }

    snprintf(body, len, "%s%s", grant, jwt);
    OPENSSL_cleanse(jwt, strlen(jwt));
    free(jwt);

    rc = zt_http_perform(&h, "POST", a->token_uri, form, body, &resp);
    (void) rc;

    OPENSSL_cleanse(body, strlen(body));
    free(body);

    rc = zt_gauth_answer(a, &resp, "token endpoint", err, errlen);
    zt_http_cleanup(&h);

    return rc;
}


/* reads a token answer into a->header; frees resp */
static int
zt_gauth_answer(zt_gauth_t *a, zt_http_resp_t *resp, const char *what,
    char *err, size_t errlen)
{
    int          rc;
    json_t      *j;
    int64_t      expires;
    const char  *tok, *type, *e, *d;
    json_int_t   ttl;

    if (resp->status == 0) {
        snprintf(err, errlen, "%s unreachable: %s", what, resp->error);
        zt_http_resp_free(resp);
        return ZT_RETRY;
    }

    j = resp->body ? json_loadb(resp->body, resp->len, 0, NULL) : NULL;

    if (resp->status != 200) {
        e = json_string_value(json_object_get(j, "error"));
        d = json_string_value(json_object_get(j, "error_description"));
        snprintf(err, errlen, "%s answered %ld%s%s%s%s", what,
                 resp->status, e ? ": " : "", e ? e : "", d ? " (" : "",
                 d ? d : "");
        if (d) {
            strncat(err, ")", errlen - strlen(err) - 1);
        }
        rc = zt_http_classify(resp->status) == ZT_RETRY ? ZT_RETRY
                                                        : ZT_ERROR;
        json_decref(j);
        zt_http_resp_free(resp);
        return rc;
    }

    tok = json_string_value(json_object_get(j, "access_token"));
    type = json_string_value(json_object_get(j, "token_type"));
    ttl = json_integer_value(json_object_get(j, "expires_in"));

    if (tok == NULL || tok[0] == '\0' || strchr(tok, '\n')
        || strchr(tok, '\r'))
    {
        snprintf(err, errlen, "%s answered 200 without an access_token",
                 what);
        json_decref(j);
        zt_http_resp_free(resp);
        return ZT_RETRY;
    }

    if (ttl <= 0) {
        ttl = ZT_GAUTH_LIFETIME_S;
    }

    rc = snprintf(a->header, sizeof(a->header), "Authorization: %s %s",
                  type && strcasecmp(type, "bearer") != 0 ? type : "Bearer",
                  tok);
    if (rc < 0 || (size_t) rc >= sizeof(a->header)) {
        a->header[0] = '\0';
        snprintf(err, errlen, "%s answered an over-long token", what);
        rc = ZT_ERROR;

    } else {
        /* the metadata server hands out its cached token until about
         * five minutes before it expires: renewing a fixed five minutes
         * early would then fetch it again on every call */
        expires = zt_time_now_ms() + (int64_t) ttl * 1000;
        a->usable_ms = expires - (ttl * 1000 / 4 < ZT_GAUTH_SKEW_MS
                                  ? ttl * 1000 / 4 : ZT_GAUTH_SKEW_MS);
        a->renew_ms = expires - (ttl * 1000 / 2 < ZT_GAUTH_EARLY_MS
                                 ? ttl * 1000 / 2 : ZT_GAUTH_EARLY_MS);
        zt_log_info("google: new access token from the %s, valid %llds",
                    what, (long long) ttl);
        rc = ZT_OK;
    }

    json_decref(j);
    zt_http_resp_free(resp);

    return rc;
}


size_t
zt_gauth_b64url(const unsigned char *in, size_t len, char *out)
{
    int     n;
    size_t  i;

    n = EVP_EncodeBlock((unsigned char *) out, in, (int) len);

    while (n > 0 && out[n - 1] == '=') {
        n--;
    }
    out[n] = '\0';

    for (i = 0; i < (size_t) n; i++) {
        if (out[i] == '+') {
            out[i] = '-';

        } else if (out[i] == '/') {
            out[i] = '_';
        }
    }

    return (size_t) n;
}


int
zt_gauth_jwt(const char *pem, const char *kid, const char *iss,
    const char *scope, const char *aud, int64_t iat, char **out)
{
    int             rc;
    BIO            *bio;
    char           *hdr, *claims, *buf;
    size_t          hlen, clen, siglen, off;
    json_t         *h, *c;
    EVP_PKEY       *key;
    EVP_MD_CTX     *md;
    unsigned char   sig[1024];

    *out = NULL;

    bio = BIO_new_mem_buf(pem, -1);
    key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);

    if (key == NULL || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        EVP_PKEY_free(key);
        return ZT_ERROR;
    }

    h = kid && kid[0]
        ? json_pack("{s:s, s:s, s:s}", "alg", "RS256", "typ", "JWT",
                    "kid", kid)
        : json_pack("{s:s, s:s}", "alg", "RS256", "typ", "JWT");
    c = json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", iss, "scope", scope,
                  "aud", aud, "iat", (json_int_t) iat,
                  "exp", (json_int_t) (iat + ZT_GAUTH_LIFETIME_S));

    hdr = h ? json_dumps(h, JSON_COMPACT) : NULL;
    claims = c ? json_dumps(c, JSON_COMPACT) : NULL;
    json_decref(h);
    json_decref(c);

    rc = ZT_ERROR;
    buf = NULL;
    md = NULL;

    if (hdr == NULL || claims == NULL) {
        goto done;
    }

    hlen = strlen(hdr);
    clen = strlen(claims);
    buf = malloc(4 * ((hlen + 2) / 3) + 4 * ((clen + 2) / 3)
                 + 4 * ((sizeof(sig) + 2) / 3) + 3);
    if (buf == NULL) {
        goto done;
    }

    off = zt_gauth_b64url((unsigned char *) hdr, hlen, buf);
    buf[off++] = '.';
    off += zt_gauth_b64url((unsigned char *) claims, clen, buf + off);

    md = EVP_MD_CTX_new();
    siglen = sizeof(sig);

    if (md == NULL
        || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1
        || EVP_DigestSign(md, sig, &siglen, (unsigned char *) buf, off)
           != 1)
    {
        free(buf);
        buf = NULL;
        goto done;
    }

    buf[off++] = '.';
    zt_gauth_b64url(sig, siglen, buf + off);

    *out = buf;
    rc = ZT_OK;

done:

    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    free(hdr);
    free(claims);

    return rc;
}
