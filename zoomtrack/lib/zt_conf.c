/*
 * zt_conf: the table of every configuration key, INI loading through inih,
 * environment overrides.  Adding a key means adding one row to
 * zt_conf_keys[] and a commented line to conf/zoomtrack.conf.
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <ini.h>
#include <openssl/crypto.h>

#include "zt_core.h"
#include "zt_conf.h"
#include "zt_sig.h"


typedef struct {
    const char  *section;
    const char  *key;
    const char  *def;
    const char  *help;
} zt_conf_key_t;


/* the limits of a numeric key (an empty value too where its default is) */
typedef struct {
    const char  *section;
    const char  *key;
    int64_t      lo;
    int64_t      hi;
} zt_conf_range_t;


static const zt_conf_key_t  zt_conf_keys[] = {
    { "", "data_dir", "./var", "root of local data (archive, db, csv)" },
    { "", "timezone", "UTC", "IANA zone for dates, CSV and report times" },
    { "", "status_interval_ms", "1000", "min interval between CSV rewrites" },
    { "", "status_allowlist", "",
      "names or emails shown in the status CSV, comma separated; "
      "empty = everyone" },
    { "", "log_file", "", "log file (empty: stderr)" },
    { "", "log_level", "info", "error, warn, info or debug" },

    { "redis", "address", "127.0.0.1:6379", "host:port or unix:/path" },
    { "redis", "password_file", "", "file holding the Redis AUTH password" },
    { "redis", "timeout_ms", "5000", "connect and command timeout" },

    { "drain", "consumer", "",
      "name of this drainer's processing lists (default: host name)" },
    { "drain", "batch_size", "256", "records moved per batch" },
    { "drain", "block_ms", "500", "how long an idle sink waits for data" },
    { "drain", "backoff_min_ms", "100",
      "first retry delay of a failing sink" },
    { "drain", "backoff_max_ms", "30000", "cap of the retry delay" },
    { "drain", "lease_ms", "15000",
      "lease on this drainer's processing lists, renewed every third" },
    { "drain", "max_attempts", "10",
      "--once: failed attempts of a batch before exiting 1" },
    { "drain", "status_file", "",
      "counters for `zoomtrack status` (default DATA/drain-status.json)" },
    { "drain", "alert_after_s", "300",
      "`zoomtrack status` exits 1 when a sink fails for longer" },
    { "drain", "file_mode", "0600",
      "mode of the files every subcommand creates (e.g. 0640)" },
    { "drain", "dir_mode", "0700",
      "mode of the directories they create (e.g. 0750)" },

    { "archive", "enabled", "yes", "keep every raw body" },
    { "archive", "queue", "zoomtrack:archive", "Redis list it drains" },
    { "archive", "backend", "local", "local or gcs" },
    { "archive", "dir", "", "local archive root (default DATA/raw)" },
    { "archive", "bucket", "", "gcs: the bucket raw bodies go to" },
    { "archive", "prefix", "raw/", "gcs: object name prefix" },
    { "archive", "uploads_in_flight", "64",
      "gcs: uploads sent at once (curl multi, reused connections)" },

    { "warehouse", "enabled", "yes", "store events in the warehouse" },
    { "warehouse", "queue", "zoomtrack:warehouse", "Redis list it drains" },
    { "warehouse", "backend", "sqlite", "sqlite or bigquery" },
    { "warehouse", "project", "", "bigquery: the Google Cloud project id" },
    { "warehouse", "dataset", "zoom_tracker", "bigquery: the dataset" },
    { "warehouse", "location", "US",
      "bigquery: the dataset's location (US, EU, europe-west2, ...)" },
    { "warehouse", "path", "", "SQLite file (default DATA/zoomtrack.db)" },
    { "warehouse", "synchronous", "full",
      "SQLite synchronous: full (a commit survives power loss) or normal" },
    { "warehouse", "busy_timeout_ms", "10000",
      "how long a write waits for another SQLite writer before a retry" },

    { "status", "enabled", "yes", "maintain the live presence CSV" },
    { "status", "queue", "zoomtrack:status", "Redis list it drains" },
    { "status", "file", "",
      "CSV path (default DATA/_data/zoom-room-dashboard.csv)" },
    { "status", "state", "",
      "presence state file (default DATA/status-state.json)" },
    { "status", "keep_hours", "24",
      "hours an ended meeting stays in the status CSV and state, counted "
      "from its end as Zoom timestamped it" },
    { "status", "timeline", "",
      "timeline JSON path (default DATA/_data/zoom-room-timeline.json)" },
    { "status", "heartbeat_s", "30",
      "the timeline JSON is rewritten at least this often" },

    { "spool", "dir", "", "the module's zoomtrack_spool dir to import" },
    { "spool", "queues", "zoomtrack:archive zoomtrack:warehouse "
      "zoomtrack:status", "lists a spooled record is pushed to" },

    { "report", "dir", "", "report output dir (default DATA/reports)" },
    { "report", "bucket", "",
      "also upload the CSV to gs://BUCKET/reports/ (empty: no upload)" },

    { "google", "credentials_file", "",
      "service-account key (default: GOOGLE_APPLICATION_CREDENTIALS, "
      "else the metadata server)" },
    { "google", "storage_endpoint", "",
      "GCS root URL (default: STORAGE_EMULATOR_HOST, else "
      "https://storage.googleapis.com)" },
    { "google", "bigquery_endpoint", "https://bigquery.googleapis.com",
      "BigQuery root URL" },
    { "google", "token_uri", "", "overrides the key file's token_uri" },
    { "google", "metadata_host", "",
      "metadata server host:port (default: GCE_METADATA_HOST, else "
      "metadata.google.internal)" },
    { "google", "timeout_ms", "30000", "per-request timeout" },
    { "google", "max_retries", "5",
      "retries of a transient answer by the command-line tools" },

    { "zoom", "account_id", "", "Server-to-Server OAuth account id" },
    { "zoom", "client_id", "", "Server-to-Server OAuth client id" },
    { "zoom", "client_secret_file", "",
      "file with the client secret (or env ZOOMTRACK_ZOOM_CLIENT_SECRET)" },
    { "zoom", "oauth_url", "https://zoom.us/oauth/token", "token endpoint" },
    { "zoom", "api_base", "https://api.zoom.us/v2", "REST API base URL" },
    { "zoom", "timeout_ms", "30000", "per-request timeout" },
    { "zoom", "max_retries", "6", "retries of a 429/5xx/transport error" },

    { "camera", "ended_after_mins", "180",
      "a meeting with no meeting.ended (lost) counts as ended this many "
      "minutes after its last event; 0: only meeting.ended ends one" },

    { "chat", "enabled", "no",
      "post presence changes to a Mattermost/Slack incoming webhook" },
    { "chat", "queue", "zoomtrack:chat", "Redis list it drains" },
    { "chat", "url_file", "",
      "file holding the incoming-webhook URL, a secret (or env "
      "ZOOMTRACK_CHAT_URL)" },
    { "chat", "channel", "", "channel to post to (empty: the webhook's)" },
    { "chat", "username", "", "name to post as (empty: the webhook's)" },
    { "chat", "icon_url", "", "avatar to post with (empty: the webhook's)" },
    { "chat", "interval", "10",
      "seconds over which changes are coalesced into one message" },
    { "chat", "events", "joins,leaves,rooms,meetings",
      "kinds of change said, comma separated" },
    { "chat", "max_lines", "40", "lines per message; more wait their turn" },
    { "chat", "timeout_ms", "5000", "per POST to the chat server" },
    { "chat", "state", "",
      "pending changes and what was sent (default DATA/chat-state.json)" },

    { "roster", "file", "", "roster CSV: name,email,group (all meetings)" },
    { "roster", "dir", "", "per-meeting rosters: DIR/<meeting_id>.csv" },
    { "roster", "min_attendance_pct", "75",
      "present below this share of the meeting is partial" },
    { "roster", "late_after_mins", "5", "first join later than this: late" },
    { "roster", "left_early_mins", "10",
      "last leave earlier than this before the end: left early" },

    { "retention", "raw_days", "", "archive days kept (empty: forever)" },
    { "retention", "warehouse_days", "",
      "raw_events and camera days kept (empty: forever)" },
    { "retention", "reports_days", "",
      "report files and daily_reports days kept (empty: forever)" },
};


/*
 * Every numeric key's limits: the commands read them with
 * zt_conf_get_num() and `zoomtrack check` tests them all, so a value
 * check accepts is one every command accepts.
 */
static const zt_conf_range_t  zt_conf_ranges[] = {
    { "", "status_interval_ms", 0, 3600000 },
    { "redis", "timeout_ms", 1, 3600000 },
    { "drain", "batch_size", 1, 100000 },
    { "drain", "block_ms", 1, 3600000 },
    { "drain", "backoff_min_ms", 1, 3600000 },
    { "drain", "backoff_max_ms", 1, 86400000 },
    { "drain", "lease_ms", 300, 86400000 },
    { "drain", "max_attempts", 1, 1000000 },
    { "drain", "alert_after_s", 0, 31622400 },
    { "archive", "uploads_in_flight", 1, 1024 },
    { "warehouse", "busy_timeout_ms", 0, 3600000 },
    /* a century: keep_hours in ms stays far from overflow */
    { "status", "keep_hours", 0, 878400 },
    { "status", "heartbeat_s", 1, 86400 },
    { "google", "timeout_ms", 100, 3600000 },
    { "google", "max_retries", 0, 100 },
    { "zoom", "timeout_ms", 1, 3600000 },
    { "zoom", "max_retries", 0, 100 },
    /* a week: longer than any meeting, shorter than a lost one */
    { "camera", "ended_after_mins", 0, 10080 },
    { "chat", "interval", 1, 3600 },
    { "chat", "max_lines", 1, 500 },
    { "chat", "timeout_ms", 100, 3600000 },
    { "roster", "min_attendance_pct", 0, 100 },
    { "roster", "late_after_mins", 0, 1440 },
    { "roster", "left_early_mins", 0, 1440 },
    { "retention", "raw_days", 1, 100000 },
    { "retention", "warehouse_days", 1, 100000 },
    { "retention", "reports_days", 1, 100000 },
};

#define ZT_CONF_NKEYS  (sizeof(zt_conf_keys) / sizeof(zt_conf_keys[0]))


struct zt_conf_s {
    char   *value[ZT_CONF_NKEYS];     /* NULL: not set in the file */
    int     set_on[ZT_CONF_NKEYS];    /* the line that set it */
    char   *env[ZT_CONF_NKEYS];       /* NULL: not set in the env */
    char   *err;
    size_t  errlen;
    int     failed;                   /* the line of the error, 0: none */

    /* while the file is read: the line inih handles, and its file */
    FILE   *file;
    int     line;
    int     indented;
};


static int
zt_conf_index(const char *section, const char *key)
{
    size_t  i;

    for (i = 0; i < ZT_CONF_NKEYS; i++) {
        if (strcmp(zt_conf_keys[i].section, section) == 0
            && strcmp(zt_conf_keys[i].key, key) == 0)
        {
            return (int) i;
        }
    }

    return -1;
}


/*
 * A "[name]" line naming no section of the table: the handler never hears
 * of a section without keys, so a misspelt one would pass unnoticed.
 * Lines without their "]" are inih's syntax errors.
 */
static int
zt_conf_unknown_section(const char *line)
{
    size_t       i, n;
    const char  *p, *end;

    p = line + strspn(line, " \t");
    if (*p != '[') {
        return 0;
    }

    p++;
    end = strchr(p, ']');
    if (end == NULL) {
        return 0;
    }

    n = (size_t) (end - p);

    for (i = 0; i < ZT_CONF_NKEYS; i++) {
        if (strlen(zt_conf_keys[i].section) == n
            && strncmp(zt_conf_keys[i].section, p, n) == 0)
        {
            return 0;
        }
    }

    return 1;
}


/*
 * inih's line reader, counting lines so that errors can name theirs.  A
 * line longer than inih's buffer would be split and its tail read as a
 * line of its own (a path cut short): an error instead.
 */
static char *
zt_conf_read_line(char *str, int num, void *stream)
{
    size_t      n;
    zt_conf_t  *conf = stream;

    if (conf->failed || fgets(str, num, conf->file) == NULL) {
        return NULL;
    }

    conf->line++;
    conf->indented = str[0] == ' ' || str[0] == '\t';

    n = strlen(str);
    if (n == (size_t) num - 1 && str[n - 1] != '\n' && !feof(conf->file)) {
        snprintf(conf->err, conf->errlen, "line %d is longer than %d "
                 "characters", conf->line, num - 2);
        conf->failed = conf->line;
        return NULL;
    }

    /* an indented line after a key continues its value (inih) */
    if (!conf->indented && zt_conf_unknown_section(str)) {
        str[strcspn(str, "]") + 1] = '\0';
        snprintf(conf->err, conf->errlen, "line %d: unknown section %s",
                 conf->line, str);
        conf->failed = conf->line;
        return NULL;
    }

    return str;
}


static int
zt_conf_ini_handler(void *user, const char *section, const char *name,
    const char *value)
{
    int         i;
    zt_conf_t  *conf = user;

    if (conf->failed) {
        return 0;
    }

    i = zt_conf_index(section, name);
    if (i < 0) {
        snprintf(conf->err, conf->errlen, "line %d: unknown key \"%s\"%s%s%s",
                 conf->line, name, section[0] ? " in section [" : "",
                 section, section[0] ? "]" : "");
        conf->failed = conf->line;
        return 0;
    }

    /*
     * The later value would silently win; and inih hands an indented line
     * to the handler again as a continuation of the key above it.
     */
    if (conf->value[i]) {
        snprintf(conf->err, conf->errlen, "line %d: key \"%s\"%s%s%s is "
                 "given twice (first on line %d)%s", conf->line, name,
                 section[0] ? " in section [" : "", section,
                 section[0] ? "]" : "", conf->set_on[i],
                 conf->indented ? "; an indented line continues the key "
                 "above it: unindent it" : "");
        conf->failed = conf->line;
        return 0;
    }

    conf->value[i] = strdup(value);
    conf->set_on[i] = conf->line;
    return conf->value[i] != NULL;
}


/*
 * Parses path into conf.  inih goes on after an error and returns the
 * first error's line: when that is before the handler's own error, it is
 * a syntax error (say "[drain" without "]"), which the handler's later
 * "unknown key" only follows from.  ZT_OK, or ZT_ERROR with conf->err.
 */
static int
zt_conf_parse(zt_conf_t *conf, const char *path)
{
    int   rc;
    char  msg[512];

    conf->file = fopen(path, "r");
    if (conf->file == NULL) {
        snprintf(conf->err, conf->errlen, "cannot read config file \"%s\": "
                 "%s", path, strerror(errno));
        return ZT_ERROR;
    }

    rc = ini_parse_stream(zt_conf_read_line, conf, zt_conf_ini_handler,
                          conf);

    if (ferror(conf->file)) {
        snprintf(conf->err, conf->errlen, "cannot read config file \"%s\": "
                 "%s", path, strerror(errno));
        fclose(conf->file);
        conf->file = NULL;
        return ZT_ERROR;
    }

    fclose(conf->file);
    conf->file = NULL;

    if (rc > 0 && (conf->failed == 0 || rc < conf->failed)) {
        snprintf(conf->err, conf->errlen, "config file \"%s\": syntax error "
                 "on line %d", path, rc);
        return ZT_ERROR;
    }

    if (conf->failed) {
        snprintf(msg, sizeof(msg), "%s", conf->err);
        snprintf(conf->err, conf->errlen, "config file \"%s\": %s", path,
                 msg);
        return ZT_ERROR;
    }

    if (rc != 0) {
        snprintf(conf->err, conf->errlen, "config file \"%s\": out of "
                 "memory", path);
        return ZT_ERROR;
    }

    return ZT_OK;
}


static void
zt_conf_env_name(const zt_conf_key_t *k, char *out, size_t outlen)
{
    size_t       n;
    const char  *p;

    n = (size_t) snprintf(out, outlen, "ZOOMTRACK_%s%s%s", k->section,
                          k->section[0] ? "_" : "", k->key);
    if (n >= outlen) {
        n = outlen - 1;
    }

    for (p = out; (size_t) (p - out) < n; p++) {
        out[p - out] = isalnum((unsigned char) *p)
                       ? (char) toupper((unsigned char) *p) : '_';
    }
}


zt_conf_t *
zt_conf_load(const char *path, char *err, size_t errlen)
{
    char        name[128];
    size_t      i;
    const char  *v;
    zt_conf_t  *conf;

    conf = calloc(1, sizeof(zt_conf_t));
    if (conf == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    conf->err = err;
    conf->errlen = errlen;

    if (path && zt_conf_parse(conf, path) != ZT_OK) {
        zt_conf_free(conf);
        return NULL;
    }

    for (i = 0; i < ZT_CONF_NKEYS; i++) {
        zt_conf_env_name(&zt_conf_keys[i], name, sizeof(name));
        v = getenv(name);
        if (v) {
            conf->env[i] = strdup(v);
        }
    }

    return conf;
}


void
zt_conf_free(zt_conf_t *conf)
{
    size_t  i;

    if (conf == NULL) {
        return;
    }

    for (i = 0; i < ZT_CONF_NKEYS; i++) {
        free(conf->value[i]);
        free(conf->env[i]);
    }

    free(conf);
}


const char *
zt_conf_get(const zt_conf_t *conf, const char *section, const char *key)
{
    int  i;

    i = zt_conf_index(section, key);
    if (i < 0) {
        /* a programming error: every key the code reads is in the table */
        fprintf(stderr, "zoomtrack: BUG: unknown config key %s.%s\n",
                section, key);
        abort();
    }

    if (conf->env[i]) {
        return conf->env[i];
    }

    if (conf->value[i]) {
        return conf->value[i];
    }

    return zt_conf_keys[i].def;
}


int
zt_conf_get_int(const zt_conf_t *conf, const char *section, const char *key,
    int64_t *out)
{
    char        *end;
    long long    n;
    const char  *v;

    v = zt_conf_get(conf, section, key);

    errno = 0;
    n = strtoll(v, &end, 10);
    if (errno || end == v || *end != '\0') {
        return ZT_ERROR;
    }

    *out = n;
    return ZT_OK;
}


static const zt_conf_range_t *
zt_conf_range(const char *section, const char *key)
{
    size_t  i;

    for (i = 0; i < sizeof(zt_conf_ranges) / sizeof(zt_conf_ranges[0]); i++)
    {
        if (strcmp(zt_conf_ranges[i].section, section) == 0
            && strcmp(zt_conf_ranges[i].key, key) == 0)
        {
            return &zt_conf_ranges[i];
        }
    }

    return NULL;
}


int
zt_conf_get_num(const zt_conf_t *conf, const char *section, const char *key,
    int64_t *out, char *err, size_t errlen)
{
    const zt_conf_range_t  *r;

    r = zt_conf_range(section, key);

    if (zt_conf_get_int(conf, section, key, out) != ZT_OK
        || r == NULL || *out < r->lo || *out > r->hi)
    {
        snprintf(err, errlen, "%s%s%s \"%s\" must be %lld..%lld", section,
                 section[0] ? "." : "", key, zt_conf_get(conf, section, key),
                 (long long) (r ? r->lo : 0), (long long) (r ? r->hi : 0));
        return ZT_ERROR;
    }

    return ZT_OK;
}


int
zt_conf_get_bool(const zt_conf_t *conf, const char *section, const char *key,
    int *out)
{
    size_t       i;
    const char  *v;

    static const char  *yes[] = { "yes", "true", "on", "1" };
    static const char  *no[] = { "no", "false", "off", "0" };

    v = zt_conf_get(conf, section, key);

    for (i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = 1;
            return ZT_OK;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = 0;
            return ZT_OK;
        }
    }

    return ZT_ERROR;
}


/*
 * Every key whose default is a number must hold a number, and every key
 * whose default is yes or no a boolean: what the code that reads each key
 * would refuse when it starts, found at once (`zoomtrack check`).
 */
int
zt_conf_check_types(const zt_conf_t *conf, char *err, size_t errlen)
{
    int                     b;
    size_t                  i;
    int64_t                 n;
    const char             *d;
    const zt_conf_key_t    *k;

    for (i = 0; i < sizeof(zt_conf_keys) / sizeof(zt_conf_keys[0]); i++) {
        k = &zt_conf_keys[i];
        d = k->def;

        if (zt_conf_range(k->section, k->key)) {
            if ((d[0] != '\0' || zt_conf_get(conf, k->section, k->key)[0])
                && zt_conf_get_num(conf, k->section, k->key, &n, err, errlen)
                   != ZT_OK)
            {
                return ZT_ERROR;
            }

        } else if (d[0] >= '0' && d[0] <= '9'
                   && strspn(d, "0123456789") == strlen(d)
                   && zt_conf_get_int(conf, k->section, k->key, &n) != ZT_OK)
        {
            snprintf(err, errlen, "%s%s%s \"%s\": not a whole number",
                     k->section, k->section[0] ? "." : "", k->key,
                     zt_conf_get(conf, k->section, k->key));
            return ZT_ERROR;
        }

        if ((strcmp(d, "yes") == 0 || strcmp(d, "no") == 0)
            && zt_conf_get_bool(conf, k->section, k->key, &b) != ZT_OK)
        {
            snprintf(err, errlen, "%s%s%s \"%s\": use yes or no",
                     k->section, k->section[0] ? "." : "", k->key,
                     zt_conf_get(conf, k->section, k->key));
            return ZT_ERROR;
        }
    }

    return ZT_OK;
}


int
zt_conf_get_path(const zt_conf_t *conf, const char *section, const char *key,
    const char *def_rel, char *out, size_t outlen)
{
    int          n;
    const char  *v;

    v = zt_conf_get(conf, section, key);

    if (v[0] != '\0') {
        n = snprintf(out, outlen, "%s", v);

    } else {
        n = snprintf(out, outlen, "%s/%s", zt_conf_get(conf, "", "data_dir"),
                     def_rel);
    }

    return (n < 0 || (size_t) n >= outlen) ? ZT_ERROR : ZT_OK;
}


char *
zt_conf_get_secret(const zt_conf_t *conf, const char *section,
    const char *key, char *err, size_t errlen)
{
    char          *secret;
    char           name[128], fkey[64], line[4096];
    size_t         n;
    const char    *path, *v;
    struct stat    st;
    zt_conf_key_t  k;

    k.section = section;
    k.key = key;
    zt_conf_env_name(&k, name, sizeof(name));

    v = getenv(name);
    if (v && v[0]) {
        return strdup(v);
    }

    snprintf(fkey, sizeof(fkey), "%s_file", key);
    path = zt_conf_get(conf, section, fkey);
    if (path[0] == '\0') {
        snprintf(err, errlen, "no %s: set %s or %s.%s", key, name,
                 section, fkey);
        return NULL;
    }

    switch (zt_secret_line(path, line, sizeof(line), &n)) {

    case ZT_SECRET_OK:
        break;

    case ZT_SECRET_OPEN:
        snprintf(err, errlen, "cannot open %s.%s \"%s\": %s", section, fkey,
                 path, strerror(errno));
        return NULL;

    case ZT_SECRET_READ:
        snprintf(err, errlen, "cannot read %s.%s \"%s\": %s", section,
                 fkey, path, strerror(errno));
        return NULL;

    case ZT_SECRET_LONG:
        snprintf(err, errlen, "%s.%s \"%s\": its first line is longer "
                 "than %zu bytes", section, fkey, path, sizeof(line) - 2);
        return NULL;

    default: /* ZT_SECRET_EMPTY */
        snprintf(err, errlen, "%s.%s \"%s\" is empty", section, fkey, path);
        return NULL;
    }

    if (stat(path, &st) == 0 && (st.st_mode & 077)) {
        fprintf(stderr, "zoomtrack: warning: %s.%s \"%s\" is readable by "
                "%s (mode %04o); chmod 600 it\n", section, fkey, path,
                (st.st_mode & 007) ? "every user" : "its group",
                (unsigned) (st.st_mode & 07777));
    }

    secret = strdup(line);
    OPENSSL_cleanse(line, sizeof(line));

    return secret;
}


void
zt_conf_print_keys(void)
{
    char                  name[64];
    size_t                i;
    const zt_conf_key_t  *k;

    for (i = 0; i < ZT_CONF_NKEYS; i++) {
        k = &zt_conf_keys[i];

        /* section.key padded as one word, so the helps line up */
        snprintf(name, sizeof(name), "%s%s%s", k->section,
                 k->section[0] ? "." : "", k->key);

        /* an empty default whose help says what it means says enough */
        if (k->def[0] == '\0' && strstr(k->help, "default")) {
            printf("  %-30s %s\n", name, k->help);

        } else {
            printf("  %-30s %s (default \"%s\")\n", name, k->help, k->def);
        }
    }
}
