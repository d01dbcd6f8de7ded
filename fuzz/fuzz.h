/*
 * Shared by the libFuzzer targets (fuzz/fuzz_*.c).  Each target defines
 * LLVMFuzzerTestOneInput() and checks its invariants with FUZZ_CHECK, which
 * aborts, so libFuzzer records the input as a crash.  The same file is also
 * linked with fuzz_replay.c (no clang needed) into TAP tests that replay
 * fuzz/regress/<target> and fuzz/corpus/<target>.
 */

#ifndef ZT_FUZZ_H
#define ZT_FUZZ_H


#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>


#define FUZZ_CHECK(cond, what)                                               \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz invariant failed at %s:%d: %s (%s)\n",     \
                    __FILE__, __LINE__, what, #cond);                        \
            abort();                                                         \
        }                                                                    \
    } while (0)


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv)
    __attribute__((weak));


#endif /* ZT_FUZZ_H */
