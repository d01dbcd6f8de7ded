/*
 * Fuzz target: how the spool importer (zoomtrack/drain/zt_spool_import.c)
 * cuts a spool file into records.  Its reader is static and talks to
 * Redis, so this file includes the source (the Makefile leaves its object
 * out of this link) with the four hiredis calls it makes replaced by a
 * recorder.  Byte 0 sets the read buffer's starting size (8..71 bytes, so
 * lines straddle reads and the buffer grows), the rest is the file.
 *
 * Invariants: exactly the complete lines are pushed, in file order, without
 * their "\n" (and one "\r" before it), empty lines skipped, the same to
 * every queue; a last line without "\n" is not pushed; the count returned
 * is the number of records.
 */

#include <sys/mman.h>

#include "fuzz.h"

#define redisAppendCommandArgv  fuzz_append
#define redisGetReply           fuzz_get_reply
#define freeReplyObject         fuzz_free_reply
#define redisFree               fuzz_redis_free
#define zt_redis_connect        fuzz_connect
#include "zt_spool_import.c"


static redisContext   fuzz_ctx;
static redisReply     fuzz_reply = { .type = REDIS_REPLY_INTEGER };
static char          *fuzz_pushed[2];
static size_t         fuzz_pushed_len[2];
static size_t         fuzz_count[2];


redisContext *
fuzz_connect(const zt_redis_conf_t *rc, char *err, size_t errlen)
{
    return &fuzz_ctx;
}


void
fuzz_redis_free(redisContext *c)
{
    FUZZ_CHECK(c == &fuzz_ctx, "our context");
}


int
fuzz_append(redisContext *c, int argc, const char **argv,
    const size_t *argvlen)
{
    int     i, q;
    char   *p;

    FUZZ_CHECK(argc > 2 && argvlen[0] == 5
               && memcmp(argv[0], "LPUSH", 5) == 0, "LPUSH list lines...");
    q = strcmp(argv[1], "q1") == 0 ? 0 : 1;

    for (i = 2; i < argc; i++) {
        FUZZ_CHECK(argvlen[i] > 0, "no empty record");
        FUZZ_CHECK(memchr(argv[i], '\n', argvlen[i]) == NULL,
                   "no newline inside a record");
        p = realloc(fuzz_pushed[q], fuzz_pushed_len[q] + argvlen[i] + 1);
        FUZZ_CHECK(p != NULL, "memory");
        memcpy(p + fuzz_pushed_len[q], argv[i], argvlen[i]);
        fuzz_pushed_len[q] += argvlen[i];
        p[fuzz_pushed_len[q]++] = '\n';
        fuzz_pushed[q] = p;
        fuzz_count[q]++;
    }

    return REDIS_OK;
}


int
fuzz_get_reply(redisContext *c, void **reply)
{
    *reply = &fuzz_reply;
    return REDIS_OK;
}


void
fuzz_free_reply(void *reply)
{
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    zt_log_set_level(0);
    return 0;
}


/* what the importer must push: complete, non-empty lines, "\r" cut */
static char *
fuzz_expected(const uint8_t *d, size_t n, size_t *len, size_t *count)
{
    char           *out;
    size_t          l, o;
    const uint8_t  *nl, *end;

    out = malloc(n + 1);
    FUZZ_CHECK(out != NULL, "memory");
    o = 0;
    *count = 0;
    end = d + n;

    while (d < end && (nl = memchr(d, '\n', (size_t) (end - d))) != NULL) {
        l = (size_t) (nl - d);
        if (l && d[l - 1] == '\r') {
            l--;
        }
        if (l) {
            memcpy(out + o, d, l);
            o += l;
            out[o++] = '\n';
            (*count)++;
        }
        d = nl + 1;
    }

    *len = o;
    return out;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int          fd, rc;
    char        *want, *queues[2] = { "q1", "q2" };
    size_t       nrec, wlen, wcount, q;
    zt_spool_t   sp;

    if (size < 1) {
        return 0;
    }

    memset(&sp, 0, sizeof(sp));
    sp.bufsize = 8 + data[0] % 64;
    sp.buf = malloc(sp.bufsize);
    sp.argv = calloc(ZT_SPOOL_CHUNK + 2, sizeof(char *));
    sp.argvlen = calloc(ZT_SPOOL_CHUNK + 2, sizeof(size_t));
    sp.queues = queues;
    sp.nqueues = 2;
    FUZZ_CHECK(sp.buf && sp.argv && sp.argvlen, "memory");

    fd = memfd_create("zt-fuzz-spool", 0);
    FUZZ_CHECK(fd >= 0, "memfd");
    FUZZ_CHECK(size == 1
               || write(fd, data + 1, size - 1) == (ssize_t) size - 1,
               "write");
    FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0, "rewind");

    rc = zt_spool_read(&sp, fd, "fuzz", &nrec);
    close(fd);

    FUZZ_CHECK(rc == ZT_OK, "read");

    want = fuzz_expected(data + 1, size - 1, &wlen, &wcount);

    FUZZ_CHECK(nrec == wcount, "record count");
    for (q = 0; q < 2; q++) {
        FUZZ_CHECK(fuzz_count[q] == wcount && fuzz_pushed_len[q] == wlen
                   && (wlen == 0
                       || memcmp(fuzz_pushed[q], want, wlen) == 0),
                   "the complete lines, in order, to every queue");
        free(fuzz_pushed[q]);
        fuzz_pushed[q] = NULL;
        fuzz_pushed_len[q] = 0;
        fuzz_count[q] = 0;
    }

    free(want);
    zt_spool_close(&sp);
    free(sp.buf);
    free(sp.argv);
    free(sp.argvlen);

    return 0;
}
