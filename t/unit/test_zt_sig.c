/*
 * Unit tests of core/zt_sig.c: Zoom's signature scheme over raw bytes,
 * secret rotation, the timestamp window and every rejection reason.
 * Expected digests were computed independently with Perl's Digest::SHA.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zt_sig.h"
#include "tap.h"


static zt_str_t
S(const char *s)
{
    zt_str_t  r;

    r.len = strlen(s);
    r.data = (unsigned char *) s;
    return r;
}


static void
write_secrets(const char *path, const char *text)
{
    FILE  *f = fopen(path, "w");

    fputs(text, f);
    fclose(f);
}


/* zt_secret_line(): the one-secret files of the module and the binary */
static void
test_secret_line(const char *path)
{
    char    line[16];
    size_t  len;

    write_secrets(path, "  pass word \r\nsecond line\n");
    is_int(zt_secret_line(path, line, sizeof(line), &len), ZT_SECRET_OK,
           "zt_secret_line: the first line");
    is_str(line, "pass word", "trimmed as zt_secrets_load() trims");
    is_int(len, 9, "its length");

    write_secrets(path, " \t\n");
    is_int(zt_secret_line(path, line, sizeof(line), &len), ZT_SECRET_EMPTY,
           "white space only: empty");

    write_secrets(path, "0123456789abcdefgh\n");
    is_int(zt_secret_line(path, line, sizeof(line), &len), ZT_SECRET_LONG,
           "a line longer than the buffer is refused, not cut");

    write_secrets(path, "0123456789abcd");
    is_int(zt_secret_line(path, line, sizeof(line), &len), ZT_SECRET_OK,
           "the longest line, without a final newline, fits");

    is_int(zt_secret_line("/", line, sizeof(line), &len), ZT_SECRET_READ,
           "a directory: a read error, not empty");
}


int
main(void)
{
    char           *body, hdr[ZT_SIG_HDR_LEN + 1], hex[65], err[256];
    char            line[16];
    char            path[] = "/tmp/zt-test-secrets-XXXXXX";
    size_t          len = 0, which;
    zt_str_t        ts, sig;
    zt_secrets_t    s;
    zt_sig_rc_e     rc;
    int             fd;
    const char     *emoji;

    body = tap_slurp("t/data/payloads/session.started.signing_example.json",
                     &len);
    ok(body != NULL && len == 159, "Zoom's documented signing body read");

    fd = mkstemp(path);
    close(fd);

    /* rotation: the old secret stays valid while the new one rolls out */
    write_secrets(path, "# comment\n\n  old-secret  \r\ns3cr3t-key\n");
    is_int(zt_secrets_load(path, &s, err, sizeof(err)), ZT_OK,
           "secret file loads");
    is_int(s.n, 2, "two secrets, comment and blank line skipped");
    is_str((char *) s.key[0].data, "old-secret", "white space and CR trimmed");

    zt_sig_sign(&s.key[1], "1658940994", (unsigned char *) body, len, hdr);
    is_str(hdr, "v0=95ddf769239578bf5af5da04937662307bcf6df7324080d04e72babd"
           "b32df26d", "signature of the documented example");

    ts = S("1658940994");
    sig = S(hdr);
    which = 99;
    rc = zt_sig_verify(&s, &ts, &sig, (unsigned char *) body, len,
                       1658940994, 7200, &which);
    is_int(rc, ZT_SIG_OK, "valid signature accepted");
    is_int(which, 1, "matched by the second (rotated-in) secret");

    rc = zt_sig_verify(&s, &ts, &sig, (unsigned char *) body, len - 1,
                       1658940994, 7200, NULL);
    is_int(rc, ZT_SIG_MISMATCH, "one byte less of body: mismatch");

    body[10] ^= 0x20;
    rc = zt_sig_verify(&s, &ts, &sig, (unsigned char *) body, len,
                       1658940994, 7200, NULL);
    is_int(rc, ZT_SIG_MISMATCH, "one flipped bit of body: mismatch");
    body[10] ^= 0x20;

    hdr[5] = (char) (hdr[5] == 'a' ? 'b' : 'a');
    rc = zt_sig_verify(&s, &ts, &sig, (unsigned char *) body, len,
                       1658940994, 7200, NULL);
    is_int(rc, ZT_SIG_MISMATCH, "altered digest: mismatch");

    /* upper-case hex is the same digest */
    zt_sig_sign(&s.key[0], "1658940994", (unsigned char *) body, len, hdr);
    for (fd = 3; fd < ZT_SIG_HDR_LEN; fd++) {
        if (hdr[fd] >= 'a' && hdr[fd] <= 'f') {
            hdr[fd] = (char) (hdr[fd] - 32);
        }
    }
    rc = zt_sig_verify(&s, &ts, &sig, (unsigned char *) body, len,
                       1658940994, 7200, &which);
    ok(rc == ZT_SIG_OK && which == 0, "upper-case hex, first secret");

    /* the window */
    rc = zt_sig_verify(&s, &ts, &sig, (unsigned char *) body, len,
                       1658940994 + 7201, 7200, NULL);
    is_int(rc, ZT_SIG_STALE, "older than max skew: stale");
    rc = zt_sig_verify(&s, &ts, &sig, (unsigned char *) body, len,
                       1658940994 - 7201, 7200, NULL);
    is_int(rc, ZT_SIG_AHEAD, "2 h ahead (clock ahead): ahead");
    rc = zt_sig_verify(&s, &ts, &sig, (unsigned char *) body, len,
                       1658940994 - ZT_SIG_MAX_AHEAD - 1, 7200, NULL);
    is_int(rc, ZT_SIG_AHEAD, "5 min + 1 s ahead: ahead");
    rc = zt_sig_verify(&s, &ts, &sig, (unsigned char *) body, len,
                       1658940994 - ZT_SIG_MAX_AHEAD, 7200, NULL);
    is_int(rc, ZT_SIG_OK, "exactly 5 min ahead: accepted");
    rc = zt_sig_verify(&s, &ts, &sig, (unsigned char *) body, len,
                       1658940994 - 61, 60, NULL);
    is_int(rc, ZT_SIG_AHEAD, "a window under 5 min bounds ahead too");
    rc = zt_sig_verify(&s, &ts, &sig, (unsigned char *) body, len,
                       1658940994 + 7200, 7200, NULL);
    is_int(rc, ZT_SIG_OK, "exactly at max skew: accepted");
    rc = zt_sig_verify(&s, &ts, &sig, (unsigned char *) body, len,
                       1958940994, 0, NULL);
    is_int(rc, ZT_SIG_STALE, "max skew 0 is no window at all, not \"off\"");

    /* malformed input */
    rc = zt_sig_verify(&s, NULL, &sig, (unsigned char *) body, len, 0, 0,
                       NULL);
    is_int(rc, ZT_SIG_NO_TIMESTAMP, "no timestamp");
    ts = S("16589x0994");
    rc = zt_sig_verify(&s, &ts, &sig, (unsigned char *) body, len, 0, 0,
                       NULL);
    is_int(rc, ZT_SIG_BAD_TIMESTAMP, "non-numeric timestamp");
    ts = S("1658940994000000");
    rc = zt_sig_verify(&s, &ts, &sig, (unsigned char *) body, len, 0, 0,
                       NULL);
    is_int(rc, ZT_SIG_BAD_TIMESTAMP, "absurdly long timestamp");
    ts = S("1658940994");
    rc = zt_sig_verify(&s, &ts, NULL, (unsigned char *) body, len, 0, 0,
                       NULL);
    is_int(rc, ZT_SIG_NO_SIGNATURE, "no signature");
    sig = S("v1=95ddf769239578bf5af5da04937662307bcf6df7324080d04e72babdb"
            "32df26d");
    rc = zt_sig_verify(&s, &ts, &sig, (unsigned char *) body, len, 0, 0,
                       NULL);
    is_int(rc, ZT_SIG_BAD_SIGNATURE, "wrong scheme prefix");
    sig = S("v0=a05d830fa017433bc47887f835a00b9ff33d3882f22f63a2986a8es270341");
    rc = zt_sig_verify(&s, &ts, &sig, (unsigned char *) body, len, 0, 0,
                       NULL);
    is_int(rc, ZT_SIG_BAD_SIGNATURE, "Zoom's doc sample (non-hex 's')");
    sig = S("v0=abc");
    rc = zt_sig_verify(&s, &ts, &sig, (unsigned char *) body, len, 0, 0,
                       NULL);
    is_int(rc, ZT_SIG_BAD_SIGNATURE, "short digest");
    ok(strstr(zt_sig_reason(ZT_SIG_STALE), "skew") != NULL
       && strstr(zt_sig_reason(ZT_SIG_AHEAD), "ahead") != NULL,
       "reasons are specific");

    /* raw bytes with emoji and CJK: no re-serialisation involved */
    emoji = "{\"event\":\"meeting.participant_joined\",\"event_ts\":"
            "1700000000000,\"payload\":{\"object\":{\"uuid\":\"u1==\","
            "\"participant\":{\"user_name\":\"Zo\xc3\xab \xf0\x9f\x98\x80 "
            "\xe6\x9d\x8e\"}}}}";
    {
        zt_str_t  k2 = S("k2");

        zt_sig_sign(&k2, "1700000000", (unsigned char *) emoji,
                    strlen(emoji), hdr);
        is_str(hdr, "v0=4e3c20b9833390d1939a10d60a7a84cd04e8934f95b9d2ae2555"
               "174fcc95c8a9", "signature over UTF-8 emoji bytes");
    }

    /* url_validation answer */
    zt_hmac_sha256_hex(&s.key[1], (unsigned char *) "qgg8vlvZRS6UYooatFL8Aw",
                       22, hex);
    is_str(hex, "f1b3c7443848f78a3d60ab37dd3f9f7d8ddd8dc37dbcade896445802a5c"
           "1ab14", "encryptedToken = hex HMAC of plainToken");

    zt_secrets_free(&s);

    /* bad secret files */
    write_secrets(path, "\n# only a comment\n   \n");
    is_int(zt_secrets_load(path, &s, err, sizeof(err)), ZT_ERROR,
           "file with no secret refused");
    ok(strstr(err, "no secret") != NULL, "message says why: %s", err);

    {
        char  text[3000];

        memset(text, 'k', 2000);
        memcpy(text + 2000, "\nshort\n", sizeof("\nshort\n"));
        write_secrets(path, text);
        is_int(zt_secrets_load(path, &s, err, sizeof(err)), ZT_ERROR,
               "a secret line over 1022 bytes is refused, not split");
        ok(strstr(err, "line 1 is longer") != NULL
           && strstr(err, "kkkk") == NULL, "message says which line, "
           "without the secret: %s", err);

        /* exactly the longest line, with no final newline, still loads */
        memset(text, 'k', 1022);
        text[1022] = '\0';
        write_secrets(path, text);
        is_int(zt_secrets_load(path, &s, err, sizeof(err)), ZT_OK,
               "a 1022-byte secret without a final newline loads");
        is_int(s.key[0].len, 1022, "and is one secret");
        zt_secrets_free(&s);
    }

    test_secret_line(path);

    unlink(path);
    is_int(zt_secrets_load(path, &s, err, sizeof(err)), ZT_ERROR,
           "missing file refused");
    ok(strstr(err, "cannot open") != NULL, "message says why: %s", err);
    is_int(zt_secret_line(path, line, sizeof(line), &len), ZT_SECRET_OPEN,
           "zt_secret_line: a missing file");

    free(body);
    return done_testing();
}
