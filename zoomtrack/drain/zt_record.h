/*
 * zt_record: a queue record parsed into a jansson object.
 *
 * Every record the module writes is one flat JSON object of strings and
 * an integer (core/zt_event_record.c), and every sink of every drainer
 * parses every record, so the parse is most of a drainer's CPU.
 * zt_record_load() reads such flat objects in one pass over the bytes and
 * hands everything else (nesting, fractions, \u escapes of surrogates or
 * NUL, anything malformed) to jansson's json_loadb(), so its answer is
 * always the one json_loadb() gives: the fuzz target fuzz/fuzz_record.c
 * holds it to that.
 */

#ifndef ZT_RECORD_H
#define ZT_RECORD_H


#include <stddef.h>

#include <jansson.h>


/* a new reference, or NULL when the bytes are not a JSON value */
json_t *zt_record_load(const char *raw, size_t len);

/*
 * The fast reader alone: a new reference, or NULL when it declines (the
 * bytes are not a flat object it reads, or memory ran out).  For tests.
 */
json_t *zt_record_load_flat(const char *raw, size_t len);


/*
 * A member of a JSON object as text: a string as it is (pointing into
 * obj), an integer in decimal (written into buf), "" otherwise.  *len
 * (when not NULL) gets the text's length.
 */
const char *zt_record_text(json_t *obj, const char *key, char *buf,
    size_t buflen, size_t *len);


#endif /* ZT_RECORD_H */
