/*
 * Unit tests of zoomtrack/google/zt_gauth.c: base64url without padding,
 * and the RS256 assertion: three parts, the header and claims Google's
 * token endpoint expects (iss, scope, aud, iat, exp = iat + 3600, kid),
 * a signature that verifies with the key's public half, and a refusal of
 * a key that is not RSA.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "tap.h"
#include "zt_core.h"
#include "zt_gauth.h"


static size_t
b64url_decode(const char *in, size_t len, unsigned char *out)
{
    char    buf[4096];
    size_t  i, n;
    int     r;

    for (i = 0; i < len; i++) {
        buf[i] = in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i];
    }
    while (i % 4) {
        buf[i++] = '=';
    }
    buf[i] = '\0';

    r = EVP_DecodeBlock(out, (unsigned char *) buf, (int) i);
    n = r < 0 ? 0 : (size_t) r;
    /* EVP_DecodeBlock counts the padding bytes */
    while (i && buf[i - 1] == '=') {
        n--;
        i--;
    }
    return n;
}


static char *
pem_of(EVP_PKEY *k)
{
    BIO   *b;
    char  *p, *s;
    long   n;

    b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
    n = BIO_get_mem_data(b, &p);
    s = strndup(p, (size_t) n);
    BIO_free(b);
    return s;
}


int
main(void)
{
    char            out[64], *jwt, *pem, *d1, *d2;
    size_t          n;
    json_t         *h, *c;
    EVP_PKEY       *k, *ec;
    EVP_MD_CTX     *md;
    unsigned char   dec[4096];

    zt_gauth_b64url((const unsigned char *) "\xfb\xff", 2, out);
    is_str(out, "-_8", "base64url: - and _, no padding");
    zt_gauth_b64url((const unsigned char *) "abc", 3, out);
    is_str(out, "YWJj", "base64url of 3 bytes");

    k = EVP_RSA_gen(2048);
    ok(k != NULL, "a throwaway RSA key");
    pem = pem_of(k);

    ok(zt_gauth_jwt(pem, "kid-1", "sa@p.iam.gserviceaccount.com",
                    ZT_GAUTH_SCOPES, "https://oauth2.googleapis.com/token",
                    1700000000, &jwt) == ZT_OK, "jwt signed");

    d1 = strchr(jwt, '.');
    d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    ok(d1 && d2 && strchr(d2 + 1, '.') == NULL, "three parts");

    n = b64url_decode(jwt, (size_t) (d1 - jwt), dec);
    h = json_loadb((char *) dec, n, 0, NULL);
    is_str(json_string_value(json_object_get(h, "alg")), "RS256", "alg");
    is_str(json_string_value(json_object_get(h, "typ")), "JWT", "typ");
    is_str(json_string_value(json_object_get(h, "kid")), "kid-1", "kid");

    n = b64url_decode(d1 + 1, (size_t) (d2 - d1 - 1), dec);
    c = json_loadb((char *) dec, n, 0, NULL);
    is_str(json_string_value(json_object_get(c, "iss")),
           "sa@p.iam.gserviceaccount.com", "iss");
    is_str(json_string_value(json_object_get(c, "scope")),
           "https://www.googleapis.com/auth/devstorage.read_write "
           "https://www.googleapis.com/auth/bigquery", "scope");
    is_str(json_string_value(json_object_get(c, "aud")),
           "https://oauth2.googleapis.com/token", "aud");
    is_int(json_integer_value(json_object_get(c, "iat")), 1700000000,
           "iat");
    is_int(json_integer_value(json_object_get(c, "exp")), 1700003600,
           "exp = iat + 3600");

    n = b64url_decode(d2 + 1, strlen(d2 + 1), dec);
    is_int(n, 256, "a 2048-bit signature");
    md = EVP_MD_CTX_new();
    ok(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1
       && EVP_DigestVerify(md, dec, n, (unsigned char *) jwt,
                           (size_t) (d2 - jwt)) == 1,
       "the signature verifies with the public key");
    EVP_MD_CTX_free(md);

    /* a flipped claim no longer verifies */
    jwt[(d1 - jwt) + 3] ^= 1;
    md = EVP_MD_CTX_new();
    ok(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1
       && EVP_DigestVerify(md, dec, n, (unsigned char *) jwt,
                           (size_t) (d2 - jwt)) != 1,
       "a changed claim does not");
    EVP_MD_CTX_free(md);

    json_decref(h);
    json_decref(c);
    free(jwt);
    free(pem);

    ec = EVP_EC_gen("P-256");
    pem = pem_of(ec);
    ok(zt_gauth_jwt(pem, "", "x", "y", "z", 0, &jwt) == ZT_ERROR
       && jwt == NULL, "an EC key is refused (RS256 needs RSA)");
    free(pem);
    ok(zt_gauth_jwt("not a key", "", "x", "y", "z", 0, &jwt) == ZT_ERROR,
       "junk is refused");

    EVP_PKEY_free(k);
    EVP_PKEY_free(ec);

    return done_testing();
}
