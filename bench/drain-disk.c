/*
 * drain-disk: the disk's own pace at the archive's job, as the baselines
 * of bench/drain.  It writes N small files of BODY bytes into DIR in each
 * of several ways and prints one line per way: "<way> <files> <seconds>".
 *
 *   create     open a temp name, write, close, rename; no sync at all:
 *              the file-create rate, the ceiling of any durable way
 *   fsync1     as create plus an fsync of the file and of its directory
 *              per file: one file made durable at a time
 *   group      per batch of BATCH files: write every temp file, fsync
 *              each, rename each, one directory fsync
 *   syncfs     as group with one syncfs() instead of the fsyncs
 *   sfr        as group, but sync_file_range() starts every file's
 *              writeback before the fsyncs, so they share journal commits
 *   tmpfile    per batch: O_TMPFILE files (no temp name), syncfs(),
 *              linkat() each to its final name, one directory fsync
 *   direct     per batch: create each file under its final name
 *              (O_EXCL), write, one syncfs(), one directory fsync; not
 *              what the archive does (a crash would leave incomplete
 *              files under final names), measured as the road not taken
 *
 *   drain-disk DIR N BATCH BODY_BYTES [WAY...]
 *
 * Built by bench/drain: cc -O2 -o build/bench/drain-disk bench/drain-disk.c
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>


typedef int (*dd_way_pt)(const char *dir, long first, long n,
    const char *body, size_t len);


static double dd_now(void);
static void dd_die(const char *what, const char *path);
static int dd_write_file(int fd, const char *body, size_t len,
    const char *path);
static void dd_fsync_dir(const char *dir);
static int dd_create(const char *dir, long first, long n, const char *body,
    size_t len);
static int dd_fsync1(const char *dir, long first, long n, const char *body,
    size_t len);
static int dd_group(const char *dir, long first, long n, const char *body,
    size_t len);
static int dd_syncfs(const char *dir, long first, long n, const char *body,
    size_t len);
static int dd_sfr(const char *dir, long first, long n, const char *body,
    size_t len);
static int dd_batch(const char *dir, long first, long n, const char *body,
    size_t len, int how);
static int dd_tmpfile(const char *dir, long first, long n, const char *body,
    size_t len);
static int dd_direct(const char *dir, long first, long n, const char *body,
    size_t len);


static const struct {
    const char  *name;
    dd_way_pt    run;
    int          batched;
} dd_ways[] = {
    { "create", dd_create, 0 },
    { "fsync1", dd_fsync1, 0 },
    { "group", dd_group, 1 },
    { "syncfs", dd_syncfs, 1 },
    { "sfr", dd_sfr, 1 },
    { "tmpfile", dd_tmpfile, 1 },
    { "direct", dd_direct, 1 },
};

#define DD_NWAYS  (sizeof(dd_ways) / sizeof(dd_ways[0]))


static double
dd_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


static void
dd_die(const char *what, const char *path)
{
    fprintf(stderr, "drain-disk: %s \"%s\": %s\n", what, path,
            strerror(errno));
    exit(1);
}


static int
dd_write_file(int fd, const char *body, size_t len, const char *path)
{
    if (write(fd, body, len) != (ssize_t) len) {
        dd_die("write", path);
    }

    return 0;
}


static void
dd_fsync_dir(const char *dir)
{
    int  fd;

    fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd == -1 || fsync(fd) == -1) {
        dd_die("fsync", dir);
    }
    close(fd);
}


static int
dd_create(const char *dir, long first, long n, const char *body, size_t len)
{
    int   fd;
    long  i;
    char  tmp[4096], path[4096];

    for (i = first; i < first + n; i++) {
        snprintf(tmp, sizeof(tmp), "%s/.%ld.tmp", dir, i);
        snprintf(path, sizeof(path), "%s/%ld.json", dir, i);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd == -1) {
            dd_die("open", tmp);
        }
        dd_write_file(fd, body, len, tmp);
        close(fd);
        if (rename(tmp, path) == -1) {
            dd_die("rename", tmp);
        }
    }

    return 0;
}


static int
dd_fsync1(const char *dir, long first, long n, const char *body, size_t len)
{
    int   fd;
    long  i;
    char  tmp[4096], path[4096];

    for (i = first; i < first + n; i++) {
        snprintf(tmp, sizeof(tmp), "%s/.%ld.tmp", dir, i);
        snprintf(path, sizeof(path), "%s/%ld.json", dir, i);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd == -1) {
            dd_die("open", tmp);
        }
        dd_write_file(fd, body, len, tmp);
        if (fsync(fd) == -1) {
            dd_die("fsync", tmp);
        }
        close(fd);
        if (rename(tmp, path) == -1) {
            dd_die("rename", tmp);
        }
        dd_fsync_dir(dir);
    }

    return 0;
}


/* group and syncfs: temp files, one sync step, renames, one dir fsync */
static int
dd_batch(const char *dir, long first, long n, const char *body, size_t len,
    int how)
{
    int   *fds;
    long   i;
    char   tmp[4096], path[4096];

    fds = malloc((size_t) n * sizeof(int));
    if (fds == NULL || n <= 0) {
        free(fds);
        return -1;
    }

    for (i = 0; i < n; i++) {
        snprintf(tmp, sizeof(tmp), "%s/.%ld.tmp", dir, first + i);
        fds[i] = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fds[i] == -1) {
            dd_die("open", tmp);
        }
        dd_write_file(fds[i], body, len, tmp);
    }

    if (how == 1) {
        if (syncfs(fds[0]) == -1) {
            dd_die("syncfs", dir);
        }

    } else {
        for (i = 0; how == 2 && i < n; i++) {
            if (sync_file_range(fds[i], 0, 0, SYNC_FILE_RANGE_WRITE) == -1) {
                dd_die("sync_file_range", dir);
            }
        }

        for (i = 0; i < n; i++) {
            if (fsync(fds[i]) == -1) {
                dd_die("fsync", dir);
            }
        }
    }

    for (i = 0; i < n; i++) {
        close(fds[i]);
        snprintf(tmp, sizeof(tmp), "%s/.%ld.tmp", dir, first + i);
        snprintf(path, sizeof(path), "%s/%ld.json", dir, first + i);
        if (rename(tmp, path) == -1) {
            dd_die("rename", tmp);
        }
    }

    dd_fsync_dir(dir);
    free(fds);

    return 0;
}


static int
dd_group(const char *dir, long first, long n, const char *body, size_t len)
{
    return dd_batch(dir, first, n, body, len, 0);
}


static int
dd_syncfs(const char *dir, long first, long n, const char *body, size_t len)
{
    return dd_batch(dir, first, n, body, len, 1);
}


static int
dd_sfr(const char *dir, long first, long n, const char *body, size_t len)
{
    return dd_batch(dir, first, n, body, len, 2);
}


static int
dd_tmpfile(const char *dir, long first, long n, const char *body, size_t len)
{
    int   *fds;
    long   i;
    char   proc[64], path[4096];

    fds = malloc((size_t) n * sizeof(int));
    if (fds == NULL) {
        return -1;
    }

    for (i = 0; i < n; i++) {
        fds[i] = open(dir, O_TMPFILE | O_WRONLY, 0644);
        if (fds[i] == -1) {
            dd_die("open(O_TMPFILE)", dir);
        }
        dd_write_file(fds[i], body, len, dir);
    }

    if (n > 0 && syncfs(fds[0]) == -1) {
        dd_die("syncfs", dir);
    }

    for (i = 0; i < n; i++) {
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fds[i]);
        snprintf(path, sizeof(path), "%s/%ld.json", dir, first + i);
        if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == -1) {
            dd_die("linkat", path);
        }
        close(fds[i]);
    }

    dd_fsync_dir(dir);
    free(fds);

    return 0;
}


static int
dd_direct(const char *dir, long first, long n, const char *body, size_t len)
{
    int    fd;
    long   i;
    char   path[4096];

    for (i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%ld.json", dir, first + i);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd == -1) {
            dd_die("open", path);
        }
        dd_write_file(fd, body, len, path);
        close(fd);
    }

    /* syncfs() through the directory: the files are closed already */
    fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd == -1 || syncfs(fd) == -1) {
        dd_die("syncfs", dir);
    }
    close(fd);

    dd_fsync_dir(dir);

    return 0;
}


int
main(int argc, char **argv)
{
    int      a;
    char    *body, sub[4096];
    long     n, batch, i, chunk;
    size_t   w, len;
    double   t0;

    if (argc < 5) {
        fprintf(stderr, "usage: drain-disk DIR N BATCH BODY_BYTES "
                "[WAY...]\n");
        return 2;
    }

    n = atol(argv[2]);
    batch = atol(argv[3]);
    len = (size_t) atol(argv[4]);

    body = malloc(len + 1);
    if (body == NULL || n <= 0 || batch <= 0) {
        fprintf(stderr, "drain-disk: bad arguments\n");
        return 2;
    }
    memset(body, 'x', len);

    for (w = 0; w < DD_NWAYS; w++) {
        if (argc > 5) {
            for (a = 5; a < argc; a++) {
                if (strcmp(argv[a], dd_ways[w].name) == 0) {
                    break;
                }
            }
            if (a == argc) {
                continue;
            }
        }

        snprintf(sub, sizeof(sub), "%s/%s", argv[1], dd_ways[w].name);
        if (mkdir(sub, 0755) == -1 && errno != EEXIST) {
            dd_die("mkdir", sub);
        }
        dd_fsync_dir(argv[1]);

        t0 = dd_now();

        for (i = 0; i < n; i += chunk) {
            chunk = dd_ways[w].batched ? batch : n;
            chunk = chunk < n - i ? chunk : n - i;
            if (dd_ways[w].run(sub, i, chunk, body, len) != 0) {
                fprintf(stderr, "drain-disk: out of memory\n");
                return 1;
            }
        }

        printf("%s %ld %.6f\n", dd_ways[w].name, n, dd_now() - t0);
        fflush(stdout);
    }

    free(body);
    return 0;
}
