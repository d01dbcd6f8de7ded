/*
 * Fuzz target: the drainer's record reader (zoomtrack/drain/zt_record.c)
 * against jansson's own parser.  Whenever the fast reader accepts the
 * bytes, jansson must accept them too and build an equal object; when it
 * declines, zt_record_load() must give exactly jansson's answer.  The
 * corpus holds records as the module writes them (fuzz/corpus/record).
 */

#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "zt_record.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t  *fast, *ref, *any;

    fast = zt_record_load_flat((const char *) data, size);
    ref = json_loadb((const char *) data, size, 0, NULL);
    any = zt_record_load((const char *) data, size);

    if (fast) {
        FUZZ_CHECK(ref != NULL, "the fast reader took what jansson refuses");
        FUZZ_CHECK(json_equal(fast, ref), "the fast reader read otherwise");
        FUZZ_CHECK(json_is_object(fast), "a record is an object");
    }

    FUZZ_CHECK((any == NULL) == (ref == NULL),
               "zt_record_load() and jansson disagree on validity");
    FUZZ_CHECK(any == NULL || json_equal(any, ref),
               "zt_record_load() and jansson read otherwise");

    json_decref(fast);
    json_decref(ref);
    json_decref(any);

    return 0;
}
