/*
 * zt_gcs: a Cloud Storage JSON API client.  Uploads go many at a time
 * through one curl multi handle (reused connections, HTTP/2 multiplexing
 * where the server offers it); reads (get, list) are one request each.
 *
 * The endpoint is [google] storage_endpoint, else STORAGE_EMULATOR_HOST
 * (the emulator convention), else https://storage.googleapis.com; the
 * client appends /storage/v1 and /upload/storage/v1.  When the endpoint
 * is STORAGE_EMULATOR_HOST's and no credentials are configured, requests
 * carry no Authorization header; an explicit storage_endpoint always gets
 * the credentials.
 */

#ifndef ZT_GCS_H
#define ZT_GCS_H


#include "zt_core.h"
#include "zt_conf.h"
#include "zt_http.h"
#include "zt_gauth.h"


typedef struct zt_gcs_s  zt_gcs_t;


/*
 * What a 403 asks of the operator when an object is deleted or replaced:
 * Storage Object Creator (enough for the archive sink, whose uploads never
 * replace) lacks storage.objects.delete.
 */
#define ZT_GCS_DELETE_ROLE                                                   \
    "grant the service account Storage Object User on the bucket "          \
    "(deleting or replacing an object needs storage.objects.delete)"


typedef struct {
    const char  *name;          /* object name, not encoded */
    const char  *body;
    size_t       len;
    const char  *content_type;  /* NULL: application/json */
    /* filled by zt_gcs_put_many() */
    long         status;        /* 0: no answer (error says why) */
    char         error[256];    /* GCS's message or the transport error */
    char         retry_after[64];   /* the answer's Retry-After, or "" */
} zt_gcs_put_t;


/*
 * A client for bucket.  inflight caps concurrent uploads.  NULL on a
 * configuration error (message in err).
 */
zt_gcs_t *zt_gcs_create(const zt_conf_t *conf, const char *bucket,
    int inflight, char *err, size_t errlen);
void zt_gcs_destroy(zt_gcs_t *g);

const char *zt_gcs_endpoint(const zt_gcs_t *g);
const char *zt_gcs_bucket(const zt_gcs_t *g);
/* "no auth (emulator)" or the credentials' description */
const char *zt_gcs_auth(const zt_gcs_t *g);

/*
 * Uploads every put (uploadType=media, application/json); if_absent adds
 * ifGenerationMatch=0, so an existing object answers 412 and is not
 * written again.  A 401 drops the token and the put is sent once more.
 * Returns ZT_OK when every put got an answer or a transport error (see
 * ->status), ZT_RETRY/ZT_ERROR when no token could be had (err says why;
 * no put was sent).
 */
int zt_gcs_put_many(zt_gcs_t *g, zt_gcs_put_t *puts, size_t n,
    int if_absent, char *err, size_t errlen);

/*
 * One upload of the command-line tools (the report): zt_gcs_put_many()
 * sent again after zt_http_retry_wait() while the answer is transient
 * (408, 429, 5xx, a transport error), up to google.max_retries times.
 * Returns as zt_gcs_put_many(); put->status is the last answer's.
 */
int zt_gcs_put_one(zt_gcs_t *g, zt_gcs_put_t *put, char *err,
    size_t errlen);

/*
 * GET an object's bytes (alt=media) or a list page (prefix, optional
 * delimiter and page token; the answer is storage#objects JSON).  resp
 * as zt_http_perform(): returns ZT_OK, ZT_RETRY or ZT_ERROR by status
 * (ZT_ERROR also when no token could be had: resp->error says why).
 */
int zt_gcs_get(zt_gcs_t *g, const char *name, zt_http_resp_t *resp);
int zt_gcs_list(zt_gcs_t *g, const char *prefix, const char *delimiter,
    const char *page_token, int max_results, zt_http_resp_t *resp);

/*
 * DELETE an object; a 404 (already gone) counts as done and returns ZT_OK.
 * Otherwise as zt_gcs_get().
 */
int zt_gcs_delete(zt_gcs_t *g, const char *name, zt_http_resp_t *resp);

/*
 * Every page of a listing under prefix: cb() gets each common prefix
 * ("PREFIX/2026-01-02/", is_prefix 1, only with a delimiter) and each
 * object name (is_prefix 0).  A non-ZT_OK from cb() stops the listing.
 * ZT_OK, ZT_RETRY or ZT_ERROR (err says why).
 */
typedef int (*zt_gcs_name_pt)(void *data, const char *name, int is_prefix);

int zt_gcs_list_all(zt_gcs_t *g, const char *prefix, const char *delimiter,
    zt_gcs_name_pt cb, void *data, char *err, size_t errlen);

/* GCS's error message out of an error body (JSON or plain text) */
void zt_gcs_error_text(const char *body, size_t len, char *out,
    size_t outlen);

/* 1 when the endpoint is STORAGE_EMULATOR_HOST's: no storage_endpoint */
int zt_gcs_emulated(const zt_conf_t *conf);

/* percent-encodes everything but RFC 3986 unreserved characters */
int zt_gcs_encode(const char *s, char *out, size_t outlen);


#endif /* ZT_GCS_H */
