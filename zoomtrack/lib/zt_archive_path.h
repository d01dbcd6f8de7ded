/*
 * Where the archive keeps an event's raw body: DIR/YYYY-MM-DD/<event_id>.json
 * on disk, PREFIX/YYYY-MM-DD/<event_id>.json in a bucket.  One rule for the
 * archive sinks, the warehouse's gcs_path column and the tools that read
 * the archive back.
 */

#ifndef ZT_ARCHIVE_PATH_H
#define ZT_ARCHIVE_PATH_H


#include <stddef.h>

#include "zt_conf.h"


/* the archive root: archive.dir, else DATA/raw; ZT_OK or ZT_ERROR */
int zt_archive_dir(const zt_conf_t *conf, char *out, size_t outlen);

/*
 * DIR/DAY/<event_id>.json, DAY being the event's local date in `timezone`
 * (zt_time_local_date).  Returns ZT_OK or ZT_ERROR when it does not fit.
 */
int zt_archive_path(const char *dir, const char *day, const char *event_id,
    char *out, size_t outlen);

/*
 * The object name in a bucket: PREFIX/DAY/<event_id>.json (a trailing '/'
 * of prefix is optional; an empty prefix puts days at the bucket's root).
 */
int zt_archive_object(const char *prefix, const char *day,
    const char *event_id, char *out, size_t outlen);

/*
 * Where the configured archive keeps an event's body, as the warehouses'
 * gcs_path column says it: gs://BUCKET/<zt_archive_object()> when
 * [archive] backend = gcs, else the file <zt_archive_path()>.  Read from
 * the config once, by a sink's init(), and used per event.
 */
typedef struct {
    char  bucket[256];         /* "": the archive is local, under dir */
    char  prefix[1024];
    char  dir[4096];
} zt_archive_where_t;

/* ZT_OK, or ZT_ERROR when a configured value does not fit */
int zt_archive_where_init(zt_archive_where_t *w, const zt_conf_t *conf);

/* ZT_OK, or ZT_ERROR (out is then "") when the location does not fit */
int zt_archive_where(const zt_archive_where_t *w, const char *day,
    const char *event_id, char *out, size_t outlen);

/* 1 if event_id is safe as a file name: [A-Za-z0-9_-], 1..128 bytes */
int zt_archive_id_ok(const char *id);


#endif /* ZT_ARCHIVE_PATH_H */
