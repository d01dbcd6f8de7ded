/*
 * Unit tests of zoomtrack/lib/zt_fs.c: mkdir -p of a path or of its parent.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "../core/zt_core.h"
#include "zt_fs.h"
#include "tap.h"


static int
is_dir(const char *p)
{
    struct stat  st;

    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}


int
main(void)
{
    char   top[] = "/tmp/zt-test-fs-XXXXXX", p[512];
    FILE  *f;

    ok(mkdtemp(top) != NULL, "temp dir");

    snprintf(p, sizeof(p), "%s/a/b/c", top);
    is_int(zt_fs_mkdirs(p, ZT_FS_PATH, NULL, 0), ZT_OK, "nested path created");
    ok(is_dir(p), "a/b/c is a directory");
    is_int(zt_fs_mkdirs(p, ZT_FS_PATH, NULL, 0), ZT_OK,
           "existing path is fine");

    snprintf(p, sizeof(p), "%s/x/y/file.csv", top);
    is_int(zt_fs_mkdirs(p, ZT_FS_PARENT, NULL, 0), ZT_OK, "parent of a file");
    snprintf(p, sizeof(p), "%s/x/y", top);
    ok(is_dir(p), "x/y created");
    snprintf(p, sizeof(p), "%s/x/y/file.csv", top);
    ok(access(p, F_OK) != 0, "the file itself is not created");

    snprintf(p, sizeof(p), "%s/plain", top);
    f = fopen(p, "w");
    fclose(f);
    snprintf(p, sizeof(p), "%s/plain/sub/deeper", top);
    {
        char  failed[512], want[512];

        is_int(zt_fs_mkdirs(p, ZT_FS_PATH, failed, sizeof(failed)),
               ZT_ERROR, "a file in the way fails");
        is_int(errno, ENOTDIR, "with errno ENOTDIR");
        snprintf(want, sizeof(want), "%s/plain/sub", top);
        is_str(failed, want, "names the directory that could not be made");
    }

    {
        char  big[5000];

        memset(big, 'b', sizeof(big) - 1);
        big[0] = '/';
        big[sizeof(big) - 1] = '\0';
        is_int(zt_fs_mkdirs(big, ZT_FS_PATH, NULL, 0), ZT_ERROR,
               "too long refused");
        is_int(errno, ENAMETOOLONG, "with ENAMETOOLONG");
    }

    is_int(zt_fs_mkdirs("relative-only-name", ZT_FS_PARENT, NULL, 0), ZT_OK,
           "a bare file name has no parent to create");

    snprintf(p, sizeof(p), "rm -rf '%s'", top);
    if (system(p) != 0) {
        ok(0, "cleanup");
    }

    return done_testing();
}
