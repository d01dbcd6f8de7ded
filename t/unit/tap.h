/*
 * A tiny TAP producer for the C unit tests, in the spirit of Redis's
 * testhelp.h: `prove -e ''` runs the binaries and reads "ok N - what".
 * Each test file includes this once and ends main() with done_testing().
 */

#ifndef ZT_TAP_H
#define ZT_TAP_H


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static int  tap_n;
static int  tap_failed;


#define ok(cond, ...)                                                        \
    tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...)                                               \
    do {                                                                     \
        long long  g_ = (long long) (got), w_ = (long long) (want);          \
        if (!tap_ok(g_ == w_, __FILE__, __LINE__, __VA_ARGS__)) {           \
            printf("#   got: %lld\n#   expected: %lld\n", g_, w_);          \
        }                                                                    \
    } while (0)

#define is_str(got, want, ...)                                               \
    do {                                                                     \
        const char  *g_ = (got), *w_ = (want);                               \
        int          m_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_;       \
        if (!tap_ok(m_, __FILE__, __LINE__, __VA_ARGS__)) {                 \
            printf("#   got: \"%s\"\n#   expected: \"%s\"\n",               \
                   g_ ? g_ : "(null)", w_ ? w_ : "(null)");                  \
        }                                                                    \
    } while (0)

#define done_testing()                                                       \
    (printf("1..%d\n", tap_n), tap_failed ? 1 : 0)


static int __attribute__((format(printf, 4, 5), unused))
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
    va_list  ap;

    tap_n++;
    printf("%s %d - ", pass ? "ok" : "not ok", tap_n);

    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);

    printf("\n");

    if (!pass) {
        tap_failed++;
        printf("#   failed at %s line %d\n", file, line);
    }

    fflush(stdout);
    return pass;
}


/* a file's bytes, NUL-terminated, malloc()ed; *len (if set) its size */
static __attribute__((unused)) char *
tap_slurp(const char *path, size_t *len)
{
    FILE  *f;
    char  *buf;
    long   n;

    f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }

    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);

    buf = calloc(1, (size_t) n + 1);
    if (buf && fread(buf, 1, (size_t) n, f) != (size_t) n) {
        n = 0;
        buf[0] = '\0';
    }
    fclose(f);

    if (len) {
        *len = (size_t) n;
    }

    return buf;
}


#endif /* ZT_TAP_H */
