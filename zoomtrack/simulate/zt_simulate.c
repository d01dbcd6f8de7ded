/*
 * zoomtrack simulate: plays a seeded, realistic meeting (zt_simulate_model)
 * against a webhook URL, signed like Zoom signs (x-zm-request-timestamp,
 * x-zm-signature from core zt_sig_sign), over one keep-alive libcurl
 * handle, with duplicate deliveries and locally shuffled order on request.
 * Prints what the sinks must end up with as JSON on stdout.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "zt_sig.h"
#include "zt_time.h"
#include "zt_cmd.h"
#include "zt_conf.h"
#include "zt_cmd_util.h"
#include "zt_simulate_model.h"


#define ZT_SIM_RETRIES  5


enum {
    ZT_SIM_O_URL = 256,
    ZT_SIM_O_SECRET,
    ZT_SIM_O_PART,
    ZT_SIM_O_ROOMS,
    ZT_SIM_O_MIN,
    ZT_SIM_O_SPEED,
    ZT_SIM_O_SEED,
    ZT_SIM_O_DUP,
    ZT_SIM_O_SHUF,
    ZT_SIM_O_MISS,
    ZT_SIM_O_NOEND,
    ZT_SIM_O_START,
    ZT_SIM_O_DUMP,
    ZT_SIM_O_HELP
};


typedef struct {
    const char     *url;
    const char     *secret_file;
    const char     *dump;
    const char     *conf_file;
    double          speed;
    double          dup;
    unsigned        window;
    zt_sim_conf_t   sim;
} zt_sim_args_t;


static void zt_sim_usage(FILE *f);
static int zt_sim_parse(int argc, char **argv, zt_sim_args_t *a);
static int zt_sim_numeric(int opt, const char *v, zt_sim_args_t *a);
static int zt_sim_opt_seed(const char *v, zt_sim_args_t *a);
static int zt_sim_opt_start(const char *v, zt_sim_args_t *a, int *now);
static void zt_sim_start_now(zt_sim_args_t *a);
static int zt_sim_check(int argc, char **argv, const zt_sim_args_t *a);
static int zt_sim_send_all(const zt_sim_args_t *a, zt_sim_t *s,
    const size_t *order, size_t n);
static int zt_sim_post(CURL *curl, const char *url, const zt_str_t *key,
    const zt_sim_event_t *e);
static size_t zt_sim_discard(char *ptr, size_t size, size_t nmemb,
    void *data);
static void zt_sim_sleep_ms(int64_t ms);


static void
zt_sim_usage(FILE *f)
{
    fprintf(f,
"usage: zoomtrack simulate --url URL --secret-file F [options]\n"
"\n"
"Plays a realistic, signed Zoom meeting against a webhook URL: start,\n"
"joins (logged-in users, guests with and without email, registrants, two\n"
"people with the same name), breakout rooms opening, moves between rooms\n"
"with Zoom's main-meeting left/joined pair, leaves and rejoins, some lost\n"
"breakout leaves, the end.  Deterministic for a seed.\n"
"\n"
"options:\n"
"  --url URL            webhook endpoint (POST, keep-alive)\n"
"  --secret-file F      webhook secret token (first secret in F)\n"
"  --participants N     people (default 8)\n"
"  --rooms R            breakout rooms (default 3; 0 = none)\n"
"  --minutes M          simulated length (default 60)\n"
"  --speed X            X times faster than real time; 0 = as fast as\n"
"                       possible (default 0)\n"
"  --seed S             seed (default: from the clock); also picks the\n"
"                       start: 2026-01-05T09:00Z + (S mod 365) days\n"
"                       (without --seed: as --start now)\n"
"  --start ISO|now      start time instead (e.g. 2026-02-01T10:00:00Z);\n"
"                       now: no event ahead of the clock (as fast as\n"
"                       possible: the meeting ends now)\n"
"  --duplicates P       each event sent twice with probability P\n"
"                       (0..1; values above 1 are percentages)\n"
"  --shuffle W          send in a locally shuffled order: each next event\n"
"                       is drawn from a window of the next W (default 0)\n"
"  --missing P          share of droppable breakout leaves lost\n"
"                       (default 0.15)\n"
"  --no-end             no meeting.ended: people still in stay online\n"
"  --dump FILE          also write every body sent, one per line (\"-\":\n"
"                       stderr); without --url only writes them\n"
"  -c FILE              configuration (timezone for the *_local fields)\n"
"  --help               this text\n"
"\n"
"Retries a 5xx or transport error up to %d times; exits 1 on a failed\n"
"delivery (any other status), 2 on bad arguments.\n"
"\n"
"Output (stdout, JSON): what the sinks must end up with:\n"
"  {\"meeting_id\", \"meeting_uuid\", \"topic\", \"start_ms\",\n"
"   \"end_ms\" (null with --no-end), \"ended\", \"seed\",\n"
"   \"events_sent\" (with duplicates), \"unique_events\" (distinct\n"
"   events = archive files = warehouse rows),\n"
"   \"rooms\": [{\"room_uuid\", \"room_name\", \"first_join_ms\"}],\n"
"   \"participants\": [{\"person_key\", \"name\", \"email\",\n"
"     \"status\" (online|offline), \"last_join\", \"last_left\" (ms or\n"
"     null), \"last_join_local\", \"last_left_local\" (as the status CSV\n"
"     shows them, \"\" for none), \"room\" (Room-N now; \"\" in the main\n"
"     room or offline), \"room_uuid\",\n"
"     \"visits\": [{\"room_uuid\", \"room_name\", \"join_ms\",\n"
"                  \"leave_ms\"}],\n"
"     \"intervals\": [[join_ms, leave_ms|null], ...]}]}\n"
"Room-N numbers the rooms by the first entry of anyone.  A visit whose\n"
"breakout leave was lost ends at the next join elsewhere, the return to\n"
"the main room or the meeting end, which the simulation makes the true\n"
"time; times are event_ts in ms.\n", ZT_SIM_RETRIES);
}


int
zt_cmd_simulate(int argc, char **argv)
{
    int            rc;
    char           err[256];
    FILE          *f;
    size_t         i, n, *order;
    json_t        *out;
    zt_sim_t      *s;
    zt_conf_t     *conf;
    zt_sim_args_t  a;

    rc = zt_sim_parse(argc, argv, &a);
    if (rc != ZT_EXIT_OK) {
        return rc < 0 ? ZT_EXIT_OK : rc;
    }

    conf = zt_conf_load(a.conf_file, err, sizeof(err));
    if (conf == NULL) {
        fprintf(stderr, "zoomtrack simulate: %s\n", err);
        return ZT_EXIT_USAGE;
    }

    if (zt_time_format_tz(0, zt_conf_get(conf, "", "timezone"), "%Y", err,
                          sizeof(err)) != ZT_OK)
    {
        fprintf(stderr, "zoomtrack simulate: unknown timezone \"%s\"\n",
                zt_conf_get(conf, "", "timezone"));
        zt_conf_free(conf);
        return ZT_EXIT_USAGE;
    }

    s = zt_sim_create(&a.sim, err, sizeof(err));
    if (s == NULL) {
        fprintf(stderr, "zoomtrack simulate: %s\n", err);
        zt_conf_free(conf);
        return ZT_EXIT_USAGE;
    }

    order = zt_sim_schedule(s, a.dup, a.window, &n);
    if (order == NULL) {
        fprintf(stderr, "zoomtrack simulate: out of memory\n");
        rc = ZT_EXIT_FAILURE;
        goto done;
    }

    if (a.dump) {
        f = strcmp(a.dump, "-") == 0 ? stderr : fopen(a.dump, "w");
        if (f == NULL) {
            fprintf(stderr, "zoomtrack simulate: cannot open \"%s\": %s\n",
                    a.dump, strerror(errno));
            rc = ZT_EXIT_FAILURE;
            goto done;
        }
        for (i = 0; i < n; i++) {
            fprintf(f, "%s\n", zt_sim_event(s, order[i])->body);
        }
        if (f != stderr) {
            fclose(f);
        }
    }

    rc = a.url ? zt_sim_send_all(&a, s, order, n) : ZT_EXIT_OK;
    if (rc != ZT_EXIT_OK) {
        goto done;
    }

    out = zt_sim_expected(s, zt_conf_get(conf, "", "timezone"));
    if (out == NULL
        || json_object_set_new(out, "events_sent", json_integer(n)) != 0
        || json_object_set_new(out, "unique_events",
                               json_integer(zt_sim_nevents(s))) != 0
        || json_dumpf(out, stdout, JSON_INDENT(2)) != 0)
    {
        fprintf(stderr, "zoomtrack simulate: cannot write the result\n");
        rc = ZT_EXIT_FAILURE;

    } else {
        printf("\n");
    }

    json_decref(out);

done:

    free(order);
    zt_sim_free(s);
    zt_conf_free(conf);
    return rc;
}


/* returns ZT_EXIT_OK, ZT_EXIT_USAGE, or -1 after --help */
static int
zt_sim_parse(int argc, char **argv, zt_sim_args_t *a)
{
    int  c, seeded, now;

    static const struct option  opts[] = {
        { "config", required_argument, NULL, 'c' },
        { "url", required_argument, NULL, ZT_SIM_O_URL },
        { "secret-file", required_argument, NULL, ZT_SIM_O_SECRET },
        { "participants", required_argument, NULL, ZT_SIM_O_PART },
        { "rooms", required_argument, NULL, ZT_SIM_O_ROOMS },
        { "minutes", required_argument, NULL, ZT_SIM_O_MIN },
        { "speed", required_argument, NULL, ZT_SIM_O_SPEED },
        { "seed", required_argument, NULL, ZT_SIM_O_SEED },
        { "duplicates", required_argument, NULL, ZT_SIM_O_DUP },
        { "shuffle", required_argument, NULL, ZT_SIM_O_SHUF },
        { "missing", required_argument, NULL, ZT_SIM_O_MISS },
        { "no-end", no_argument, NULL, ZT_SIM_O_NOEND },
        { "start", required_argument, NULL, ZT_SIM_O_START },
        { "dump", required_argument, NULL, ZT_SIM_O_DUMP },
        { "help", no_argument, NULL, ZT_SIM_O_HELP },
        { NULL, 0, NULL, 0 }
    };

    memset(a, 0, sizeof(zt_sim_args_t));
    a->sim.participants = 8;
    a->sim.rooms = 3;
    a->sim.minutes = 60;
    now = 0;
    a->sim.missing = 0.15;
    a->sim.seed = (uint64_t) zt_time_now_ms() ^ ((uint64_t) getpid() << 32);

    seeded = 0;
    optind = 1;
    opterr = 0;

    while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {

        switch (c) {

        case 'c':
            a->conf_file = optarg;
            break;

        case 'h':
        case ZT_SIM_O_HELP:
            zt_sim_usage(stdout);
            return -1;

        case ZT_SIM_O_URL:
            a->url = optarg;
            break;

        case ZT_SIM_O_SECRET:
            a->secret_file = optarg;
            break;

        case ZT_SIM_O_DUMP:
            a->dump = optarg;
            break;

        case ZT_SIM_O_NOEND:
            a->sim.no_end = 1;
            break;

        case ZT_SIM_O_SEED:
            if (zt_sim_opt_seed(optarg, a) != ZT_OK) {
                return ZT_EXIT_USAGE;
            }
            seeded = 1;
            break;

        case ZT_SIM_O_START:
            if (zt_sim_opt_start(optarg, a, &now) != ZT_OK) {
                return ZT_EXIT_USAGE;
            }
            break;

        case '?':
        case ':':
            zt_cmd_bad_option("simulate", c, argv);
            zt_sim_usage(stderr);
            return ZT_EXIT_USAGE;

        default:
            if (zt_sim_numeric(c, optarg, a) != ZT_OK) {
                return ZT_EXIT_USAGE;
            }
            break;
        }
    }

    if (now || (!seeded && a->sim.start_ms == 0)) {
        zt_sim_start_now(a);
    }

    return zt_sim_check(argc, argv, a);
}


static int
zt_sim_opt_seed(const char *v, zt_sim_args_t *a)
{
    char  *end;

    errno = 0;
    a->sim.seed = strtoull(v, &end, 10);
    if (errno || end == v || *end || v[0] == '-') {
        fprintf(stderr, "zoomtrack simulate: bad --seed \"%s\"\n", v);
        return ZT_ERROR;
    }

    return ZT_OK;
}


/* --start ISO or now (*now set) */
static int
zt_sim_opt_start(const char *v, zt_sim_args_t *a, int *now)
{
    int64_t  ms;

    *now = strcmp(v, "now") == 0;
    ms = *now ? 1 : zt_time_parse_iso(v);
    if (ms <= 0) {
        fprintf(stderr, "zoomtrack simulate: bad --start \"%s\" "
                "(YYYY-MM-DDTHH:MM:SSZ or now)\n", v);
        return ZT_ERROR;
    }

    a->sim.start_ms = ms;

    return ZT_OK;
}


/*
 * "now" (and no seed): the meeting is played so that no event is ever
 * ahead of the clock, as Zoom's never are (the module refuses times more
 * than 5 minutes ahead): sent as fast as possible it ends now; at X times
 * real time it started minutes * (1 - 1/X) ago
 */
static void
zt_sim_start_now(zt_sim_args_t *a)
{
    a->sim.start_ms = zt_time_now_ms() / 1000 * 1000
                      - (int64_t) ((double) a->sim.minutes * 60000.0
                                   * (a->speed == 0 ? 1.0
                                      : a->speed >= 1
                                        ? 1.0 - 1.0 / a->speed : 0.0));
}


/* what the options must say together; ZT_EXIT_OK or ZT_EXIT_USAGE */
static int
zt_sim_check(int argc, char **argv, const zt_sim_args_t *a)
{
    if (optind < argc) {
        fprintf(stderr, "zoomtrack simulate: unexpected argument \"%s\"\n",
                argv[optind]);
        return ZT_EXIT_USAGE;
    }

    if (a->url == NULL && a->dump == NULL) {
        fprintf(stderr, "zoomtrack simulate: --url is required "
                "(see --help)\n");
        return ZT_EXIT_USAGE;
    }

    if (a->url && a->secret_file == NULL) {
        fprintf(stderr, "zoomtrack simulate: --secret-file is required "
                "with --url\n");
        return ZT_EXIT_USAGE;
    }

    return ZT_EXIT_OK;
}


/* the numeric options: range-checked, then stored */
static int
zt_sim_numeric(int opt, const char *v, zt_sim_args_t *a)
{
    char    *end;
    double   n;
    size_t   i;

    static const struct {
        int          opt;
        const char  *name;
        double       lo;
        double       hi;
    } nums[] = {
        { ZT_SIM_O_PART, "participants", 1, 10000 },
        { ZT_SIM_O_ROOMS, "rooms", 0, 100 },
        { ZT_SIM_O_MIN, "minutes", 1, 1440 },
        { ZT_SIM_O_SPEED, "speed", 0, 1e9 },
        { ZT_SIM_O_DUP, "duplicates", 0, 100 },
        { ZT_SIM_O_SHUF, "shuffle", 0, 100000 },
        { ZT_SIM_O_MISS, "missing", 0, 1 },
    };

    for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
        if (nums[i].opt == opt) {
            break;
        }
    }

    if (i == sizeof(nums) / sizeof(nums[0])) {
        return ZT_ERROR;
    }

    errno = 0;
    n = strtod(v, &end);

    if (errno || end == v || *end || n < nums[i].lo || n > nums[i].hi) {
        fprintf(stderr, "zoomtrack simulate: --%s must be a number from %g "
                "to %g, not \"%s\"\n", nums[i].name, nums[i].lo,
                nums[i].hi, v);
        return ZT_ERROR;
    }

    switch (opt) {
    case ZT_SIM_O_PART:
        a->sim.participants = (unsigned) n;
        break;
    case ZT_SIM_O_ROOMS:
        a->sim.rooms = (unsigned) n;
        break;
    case ZT_SIM_O_MIN:
        a->sim.minutes = (unsigned) n;
        break;
    case ZT_SIM_O_SPEED:
        a->speed = n;
        break;
    case ZT_SIM_O_DUP:
        a->dup = n > 1 ? n / 100 : n;
        break;
    case ZT_SIM_O_SHUF:
        a->window = (unsigned) n;
        break;
    default:
        a->sim.missing = n;
        break;
    }

    return ZT_OK;
}


static int
zt_sim_send_all(const zt_sim_args_t *a, zt_sim_t *s, const size_t *order,
    size_t n)
{
    int                    rc;
    char                   err[256];
    CURL                  *curl;
    size_t                 i;
    int64_t                wall0, t0, due;
    zt_secrets_t           secrets;
    const zt_sim_event_t  *e;

    memset(&secrets, 0, sizeof(zt_secrets_t));
    err[0] = '\0';

    if (zt_secrets_load(a->secret_file, &secrets, err, sizeof(err))
        != ZT_OK || secrets.n == 0)
    {
        fprintf(stderr, "zoomtrack simulate: %s\n",
                err[0] ? err : "no secret in the secret file");
        zt_secrets_free(&secrets);
        return ZT_EXIT_USAGE;
    }

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK
        || (curl = curl_easy_init()) == NULL)
    {
        fprintf(stderr, "zoomtrack simulate: cannot initialise libcurl\n");
        zt_secrets_free(&secrets);
        return ZT_EXIT_FAILURE;
    }

    curl_easy_setopt(curl, CURLOPT_URL, a->url);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "Zoom Marketplace/1.0a");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, zt_sim_discard);

    rc = ZT_EXIT_OK;
    wall0 = zt_time_now_ms();
    t0 = n ? zt_sim_event(s, 0)->ts : 0;

    for (i = 0; i < n; i++) {
        e = zt_sim_event(s, order[i]);

        if (a->speed > 0) {
            due = wall0 + (int64_t) ((double) (e->ts - t0) / a->speed);
            zt_sim_sleep_ms(due - zt_time_now_ms());
        }

        if (zt_sim_post(curl, a->url, &secrets.key[0], e) != ZT_OK) {
            fprintf(stderr, "zoomtrack simulate: event %zu of %zu not "
                    "delivered, stopping\n", i + 1, n);
            rc = ZT_EXIT_FAILURE;
            break;
        }
    }

    curl_easy_cleanup(curl);
    curl_global_cleanup();
    zt_secrets_free(&secrets);

    return rc;
}


/* one signed POST; retries 5xx and transport errors with backoff */
static int
zt_sim_post(CURL *curl, const char *url, const zt_str_t *key,
    const zt_sim_event_t *e)
{
    int                 attempt;
    long                status;
    char                ts[32], hdr_ts[64], hdr_sig[ZT_SIG_HDR_LEN + 32];
    char                sig[ZT_SIG_HDR_LEN + 1];
    CURLcode            cc;
    struct curl_slist  *h, *t;

    for (attempt = 0; attempt <= ZT_SIM_RETRIES; attempt++) {
        if (attempt) {
            zt_sim_sleep_ms(100LL << attempt);
        }

        snprintf(ts, sizeof(ts), "%lld",
                 (long long) (zt_time_now_ms() / 1000));
        zt_sig_sign(key, ts, (const unsigned char *) e->body, e->len, sig);
        snprintf(hdr_ts, sizeof(hdr_ts), "x-zm-request-timestamp: %s", ts);
        snprintf(hdr_sig, sizeof(hdr_sig), "x-zm-signature: %s", sig);

        h = curl_slist_append(NULL,
                              "Content-Type: application/json; charset=utf-8");
        t = h ? curl_slist_append(h, hdr_ts) : NULL;
        t = t ? curl_slist_append(t, hdr_sig) : NULL;
        if (t == NULL) {
            curl_slist_free_all(h);
            fprintf(stderr, "zoomtrack simulate: out of memory\n");
            return ZT_ERROR;
        }

        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, e->body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long) e->len);

        cc = curl_easy_perform(curl);
        curl_slist_free_all(h);

        if (cc != CURLE_OK) {
            fprintf(stderr, "zoomtrack simulate: POST %s: %s%s\n", url,
                    curl_easy_strerror(cc),
                    attempt < ZT_SIM_RETRIES ? ", retrying" : "");
            continue;
        }

        status = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);

        if (status >= 200 && status < 300) {
            return ZT_OK;
        }

        fprintf(stderr, "zoomtrack simulate: POST %s: HTTP %ld%s\n", url,
                status, status >= 500 && attempt < ZT_SIM_RETRIES
                        ? ", retrying" : "");

        if (status < 500) {
            return ZT_ERROR;
        }
    }

    return ZT_ERROR;
}


static size_t
zt_sim_discard(char *ptr, size_t size, size_t nmemb, void *data)
{
    return size * nmemb;
}


static void
zt_sim_sleep_ms(int64_t ms)
{
    struct timespec  ts;

    if (ms <= 0) {
        return;
    }

    ts.tv_sec = (time_t) (ms / 1000);
    ts.tv_nsec = (long) (ms % 1000) * 1000000L;

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        /* void */
    }
}
