/*
 * zt_spool: imports the files the nginx module spools while Redis is down.
 * DIR/spool-*.ndjson holds one record per line; the module's worker keeps an
 * exclusive flock on a file while it is open for writing.  A file we can
 * lock is renamed to *.importing (so a crash leaves a name that says "import
 * me again"), every complete line is LPUSHed to each list in [spool] queues,
 * and the file is unlinked.  Importing twice only pushes duplicates, which
 * the sinks drop by event_id.
 */

#ifndef ZT_SPOOL_IMPORT_H
#define ZT_SPOOL_IMPORT_H


#include "zt_queue.h"


typedef struct zt_spool_s  zt_spool_t;


/* queues: space or comma separated list names; NULL with a message in err */
zt_spool_t *zt_spool_create(const char *dir, const char *queues,
    const zt_redis_conf_t *rc, char *err, size_t errlen);
void zt_spool_destroy(zt_spool_t *sp);

/*
 * One pass over the directory.  Returns the number of files imported (0:
 * nothing importable now), or ZT_ERROR when Redis failed (the file stays as
 * *.importing and is imported by a later pass).
 */
int zt_spool_import(zt_spool_t *sp);


#endif /* ZT_SPOOL_IMPORT_H */
