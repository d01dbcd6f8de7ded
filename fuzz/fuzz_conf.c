/*
 * Fuzz target: the INI configuration reader (zoomtrack/lib/zt_conf.c, on
 * inih).  The input is the file's bytes, handed over as a memfd, the way
 * `zoomtrack -c FILE` reads a real file.
 *
 * Invariants: loading is deterministic (same answer, same message); a
 * refused file always says why; a loaded file answers every getter (a
 * value that is not a number or a boolean is an error, never a crash).
 */

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "zt_core.h"
#include "zt_conf.h"


static zt_conf_t *
fuzz_load(int fd, char *err, size_t errlen)
{
    char  path[64];

    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    err[0] = '\0';

    return zt_conf_load(path, err, errlen);
}


static void
fuzz_getters(const zt_conf_t *c)
{
    int       b;
    char      path[4096];
    int64_t   n;

    static const char  *ints[][2] = {
        { "", "status_interval_ms" }, { "redis", "timeout_ms" },
        { "drain", "batch_size" }, { "drain", "backoff_max_ms" }
    };
    static const char  *bools[][2] = {
        { "archive", "enabled" }, { "warehouse", "enabled" }
    };
    size_t  i;

    FUZZ_CHECK(zt_conf_get(c, "", "timezone") != NULL, "a value");
    FUZZ_CHECK(zt_conf_get(c, "redis", "address") != NULL, "a value");

    for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        b = zt_conf_get_int(c, ints[i][0], ints[i][1], &n);
        FUZZ_CHECK(b == ZT_OK || b == ZT_ERROR, "int getter");
    }

    for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
        FUZZ_CHECK(zt_conf_get_bool(c, bools[i][0], bools[i][1], &b)
                   != ZT_OK || b == 0 || b == 1, "bool getter");
    }

    b = zt_conf_get_path(c, "warehouse", "path", "zoomtrack.db", path,
                         sizeof(path));
    FUZZ_CHECK(b == ZT_ERROR || strlen(path) < sizeof(path), "path");
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int         fd;
    char        err1[512], err2[512];
    zt_conf_t  *c1, *c2;

    fd = memfd_create("zt-fuzz-conf", 0);
    FUZZ_CHECK(fd >= 0, "memfd");
    FUZZ_CHECK(size == 0 || write(fd, data, size) == (ssize_t) size,
               "write");

    c1 = fuzz_load(fd, err1, sizeof(err1));
    c2 = fuzz_load(fd, err2, sizeof(err2));
    close(fd);

    FUZZ_CHECK((c1 == NULL) == (c2 == NULL), "same answer twice");

    if (c1 == NULL) {
        FUZZ_CHECK(err1[0] != '\0', "a refusal says why");
        FUZZ_CHECK(strcmp(err1, err2) == 0, "the same message twice");

    } else {
        FUZZ_CHECK(strcmp(zt_conf_get(c1, "", "data_dir"),
                          zt_conf_get(c2, "", "data_dir")) == 0,
                   "the same values twice");
        fuzz_getters(c1);
    }

    zt_conf_free(c1);
    zt_conf_free(c2);

    return 0;
}
