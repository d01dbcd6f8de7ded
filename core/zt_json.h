/*
 * JSON string escaping shared by the queue record (core/zt_event_record.c)
 * and the writers of JSON rows in the drainer.
 */

#ifndef ZT_JSON_H
#define ZT_JSON_H


#include <stddef.h>


/* the length of the n bytes at s as a JSON string body (without quotes) */
size_t zt_json_escaped_len(const unsigned char *s, size_t n);

/*
 * Writes the n bytes at s escaped to d, which has room for
 * zt_json_escaped_len(s, n) bytes; returns the end (not NUL-terminated).
 */
char *zt_json_escape(char *d, const unsigned char *s, size_t n);


#endif /* ZT_JSON_H */
