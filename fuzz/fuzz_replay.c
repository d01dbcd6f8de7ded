/*
 * A main() for a fuzz target without libFuzzer: runs the target once over
 * every file of fuzz/regress/<target> (inputs that once crashed it) and
 * fuzz/corpus/<target> (the seeds), in name order, and prints TAP, so the
 * crashes stay fixed in every build (gcc, ASan, valgrind) that `make test`
 * makes.  Run from the top of the source tree, as prove is.
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"


#ifndef ZT_FUZZ_TARGET
#error "ZT_FUZZ_TARGET must name the target"
#endif


static int
fuzz_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}


/* one file through the target; 0, or -1 when it cannot be read */
static int
fuzz_replay_file(const char *path)
{
    FILE         *f;
    size_t        len;
    uint8_t      *buf;
    struct stat   st;

    if (stat(path, &st) != 0) {
        return -1;
    }

    len = (size_t) st.st_size;
    buf = malloc(len ? len : 1);
    f = fopen(path, "rb");

    if (buf == NULL || f == NULL || fread(buf, 1, len, f) != len) {
        if (f) {
            fclose(f);
        }
        free(buf);
        return -1;
    }

    fclose(f);

    LLVMFuzzerTestOneInput(buf, len);
    free(buf);

    return 0;
}


/* replays every file of dir; returns how many, -1 after a bad read */
static int
fuzz_replay_dir(const char *dir, int *n)
{
    int             count;
    char            path[4096], **names;
    DIR            *d;
    size_t          i, k, cap;
    struct dirent  *e;

    d = opendir(dir);
    if (d == NULL) {
        return 0;
    }

    names = NULL;
    k = 0;
    cap = 0;

    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "README") == 0) {
            continue;
        }
        if (k == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof(char *));
            if (names == NULL) {
                abort();
            }
        }
        names[k++] = strdup(e->d_name);
    }
    closedir(d);

    if (k) {
        qsort(names, k, sizeof(char *), fuzz_name_cmp);
    }

    count = 0;

    for (i = 0; i < k; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        free(names[i]);

        if (fuzz_replay_file(path) != 0) {
            printf("not ok %d - cannot read %s\n", ++*n, path);
            count = -1;
            continue;
        }

        printf("ok %d - %s\n", ++*n, path);
        fflush(stdout);
        if (count >= 0) {
            count++;
        }
    }

    free(names);
    return count;
}


int
main(int argc, char **argv)
{
    int   n, seeds, regress;
    char  dir[256];

    if (LLVMFuzzerInitialize) {
        LLVMFuzzerInitialize(&argc, &argv);
    }

    n = 0;

    snprintf(dir, sizeof(dir), "fuzz/regress/%s", ZT_FUZZ_TARGET);
    regress = fuzz_replay_dir(dir, &n);

    snprintf(dir, sizeof(dir), "fuzz/corpus/%s", ZT_FUZZ_TARGET);
    seeds = fuzz_replay_dir(dir, &n);

    /* a test that finds nothing to run must not pass */
    printf("%s %d - %s: %d regression input(s), %d seed(s)\n",
           regress >= 0 && seeds > 0 ? "ok" : "not ok", ++n,
           ZT_FUZZ_TARGET, regress, seeds);

    printf("1..%d\n", n);

    return regress >= 0 && seeds > 0 ? 0 : 1;
}
