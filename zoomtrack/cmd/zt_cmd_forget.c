/*
 * `zoomtrack forget -c FILE --email X | --name X | --participant-id X
 * [--dry-run]`: removes one person from every store zoomtrack controls
 * (zt_forget.h), while the drainer keeps running.  It prints what it found
 * and removed per store; the log gets counts only, never who.
 *
 * Who frees what: the identities found (zt_forget_who_t) and the open
 * warehouse live until the end of zt_cmd_forget(); the archive store is
 * closed as soon as it is cleaned.
 */

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "zt_core.h"
#include "zt_cmd.h"
#include "zt_cmd_util.h"
#include "zt_store.h"
#include "zt_log.h"


/* what each store held and lost */
typedef struct {
    zt_forget_count_t  wh;
    zt_forget_count_t  ar;
    zt_forget_count_t  rep;
    zt_forget_count_t  rd;
    zt_forget_count_t  chat;
} zt_forget_counts_t;


static int zt_forget_args(int argc, char **argv, zt_forget_who_t *w,
    int *dry, const char **path);
static int zt_forget_clean(const zt_conf_t *conf, zt_forget_who_t *w,
    int dry, zt_store_t *whs, zt_forget_counts_t *k);
static void zt_forget_summary(const zt_forget_counts_t *k, int dry);


static void
zt_forget_usage(FILE *f)
{
    fprintf(f,
        "usage: zoomtrack forget [-c FILE] (--email X | --name X |\n"
        "                        --participant-id X) [--dry-run]\n\n"
        "Removes one person from every store zoomtrack controls: the\n"
        "warehouse (raw_events, camera_minutes, daily_reports,\n"
        "preassigned_rooms), the archive (bodies about them), the reports\n"
        "on disk (CSV and JSON rewritten without their rows, HTML ones\n"
        "naming them deleted: make them again), the records still queued\n"
        "in Redis (then BGREWRITEAOF), the live status and the chat\n"
        "state (the running drainer drops them) and the chat sink's\n"
        "refused messages.  The warehouse tells which identities the\n"
        "person had, so one email also finds their other sessions.\n"
        "A GCS archive and a BigQuery warehouse are cleaned the same way.\n"
        "Copies made outside zoomtrack (mailed reports, chat messages\n"
        "already sent, backups) are beyond its reach.\n\n"
        "  --email X           the person's email (case-insensitive)\n"
        "  --name X            their display name (case-insensitive)\n"
        "  --participant-id X  their Zoom participant/user id\n"
        "  --dry-run           count what would go, change nothing\n"
        "  -c FILE             configuration file\n"
        "  -h, --help          this text\n\n"
        "Exit: 0 done, 1 a store could not be cleaned (run it again), 2\n"
        "usage or configuration.\n");
}


static void
zt_forget_say(const char *store, const zt_forget_count_t *c, int dry)
{
    printf("  %-10s %llu found, %llu %s\n", store,
           (unsigned long long) c->found, (unsigned long long) c->removed,
           dry ? "removed (dry run: none)" : "removed");
}


/* parses argv into w; returns -1 to go on, else the exit code */
static int
zt_forget_args(int argc, char **argv, zt_forget_who_t *w, int *dry,
    const char **path)
{
    int  c, n;

    static const struct option  opts[] = {
        { "email", required_argument, NULL, 'e' },
        { "name", required_argument, NULL, 'n' },
        { "participant-id", required_argument, NULL, 'p' },
        { "dry-run", no_argument, NULL, 'd' },
        { "config", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };

    *dry = 0;
    *path = NULL;
    n = 0;
    optind = 1;
    opterr = 0;

    while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'e': w->email = optarg; n++; break;
        case 'n': w->name = optarg; n++; break;
        case 'p': w->participant_id = optarg; n++; break;
        case 'd': *dry = 1; break;
        case 'c': *path = optarg; break;
        case 'h': zt_forget_usage(stdout); return ZT_EXIT_OK;
        default:
            zt_cmd_bad_option("forget", c, argv);
            zt_forget_usage(stderr);
            return ZT_EXIT_USAGE;
        }
    }

    if (n != 1 || optind < argc
        || (w->email ? w->email : w->name ? w->name : w->participant_id)[0]
           == '\0')
    {
        fprintf(stderr, "zoomtrack forget: give exactly one non-empty "
                "--email, --name or --participant-id\n");
        return ZT_EXIT_USAGE;
    }

    return -1;
}


int
zt_cmd_forget(int argc, char **argv)
{
    int                  dry, rc, have_wh;
    char                 err[512];
    zt_store_t           whs;
    zt_conf_t           *conf;
    const char          *path;
    zt_forget_who_t      w;
    zt_forget_counts_t   k;

    memset(&w, 0, sizeof(w));

    rc = zt_forget_args(argc, argv, &w, &dry, &path);
    if (rc >= 0) {
        return rc;
    }

    conf = zt_cmd_conf("forget", path);
    if (conf == NULL) {
        return ZT_EXIT_USAGE;
    }

    memset(&k, 0, sizeof(k));
    rc = ZT_EXIT_OK;
    have_wh = 0;

    if (zt_store_warehouse_open(conf, &whs, err, sizeof(err)) != ZT_OK) {
        fprintf(stderr, "zoomtrack forget: warehouse: %s\n", err);
        rc = ZT_EXIT_FAILURE;

    } else {
        have_wh = 1;
        if (whs.ops->lookup(&whs, &w) != ZT_OK) {
            rc = ZT_EXIT_FAILURE;
        }
    }

    printf("forget%s: %zu identit%s in the warehouse\n",
           dry ? " (dry run)" : "", w.nkeys, w.nkeys == 1 ? "y" : "ies");

    if (zt_forget_clean(conf, &w, dry, have_wh ? &whs : NULL, &k) != ZT_OK) {
        rc = ZT_EXIT_FAILURE;
    }

    zt_forget_summary(&k, dry);

    if (have_wh) {
        zt_store_close(&whs);
    }

    zt_forget_who_free(&w);
    zt_conf_free(conf);

    return rc;
}


/*
 * Removes w from every store (whs: the open warehouse, or NULL), each
 * step run even after one failed; ZT_ERROR when any did.
 */
static int
zt_forget_clean(const zt_conf_t *conf, zt_forget_who_t *w, int dry,
    zt_store_t *whs, zt_forget_counts_t *k)
{
    int         rc;
    char        err[512], dir[4096], *slash;
    zt_store_t  ars;

    rc = ZT_OK;

    if (zt_forget_add_asked(w) != ZT_OK) {
        rc = ZT_ERROR;
    }

    /* queued records first, so the stores are cleaned after them */
    if (zt_forget_redis(conf, w, dry, &k->rd) != ZT_OK) {
        rc = ZT_ERROR;
    }

    if (whs && whs->ops->forget(whs, w, dry, &k->wh) != ZT_OK) {
        rc = ZT_ERROR;
    }

    if (zt_store_archive_open(conf, &ars, err, sizeof(err)) != ZT_OK) {
        fprintf(stderr, "zoomtrack forget: archive: %s\n", err);
        rc = ZT_ERROR;

    } else {
        if (ars.ops->forget(&ars, w, dry, &k->ar) != ZT_OK) {
            rc = ZT_ERROR;
        }
        zt_store_close(&ars);
    }

    if (zt_conf_get_path(conf, "report", "dir", "reports", dir, sizeof(dir))
        != ZT_OK
        || zt_forget_report_files(dir, w, dry, &k->rep) != ZT_OK)
    {
        rc = ZT_ERROR;
    }

    /* the chat sink's refused messages, beside its state file */
    if (zt_conf_get_path(conf, "chat", "state", "chat-state.json", dir,
                         sizeof(dir)) != ZT_OK
        || (slash = strrchr(dir, '/')) == NULL
        || (size_t) snprintf(slash + 1, sizeof(dir) - (size_t) (slash - dir)
                             - 1, "chat-dead.ndjson")
           >= sizeof(dir) - (size_t) (slash - dir) - 1
        || zt_forget_chat_dead(dir, w, dry, &k->chat) != ZT_OK)
    {
        rc = ZT_ERROR;
    }

    return rc;
}


/* what was found and removed, per store; the log gets counts only */
static void
zt_forget_summary(const zt_forget_counts_t *k, int dry)
{
    zt_forget_say("redis", &k->rd, dry);
    zt_forget_say("warehouse", &k->wh, dry);
    zt_forget_say("archive", &k->ar, dry);
    zt_forget_say("reports", &k->rep, dry);
    zt_forget_say("chat dead", &k->chat, dry);

    if (k->rep.gone) {
        printf("  %llu HTML report(s) named them and %s deleted whole: run\n"
               "  `zoomtrack report --format html` (or `attendance --format"
               " html`)\n  again to make them without them\n",
               (unsigned long long) k->rep.gone,
               dry ? "would be" : "were");
    }

        if (k->wh.held) {
        printf("  %llu warehouse row(s) still in BigQuery's streaming "
               "buffer: run again later\n", (unsigned long long) k->wh.held);
    }

    zt_log_info("forget: %llu queued record(s), %llu warehouse row(s), "
                "%llu archive file(s), %llu report file(s), %llu refused "
                "chat message(s)%s",
                (unsigned long long) k->rd.removed,
                (unsigned long long) k->wh.removed,
                (unsigned long long) k->ar.removed,
                (unsigned long long) k->rep.removed,
                (unsigned long long) k->chat.removed,
                dry ? " (dry run)" : "");
}
