/*
 * The sink table: which sink code serves which config section.  The engine
 * walks it in order (the order sinks are stepped in each round: the live
 * CSV first, the archive's sync pass last) and starts every row whose
 * section is enabled and whose backend matches the section's `backend` key.
 * Adding a sink is one new file under zoomtrack/sinks/ and one row here.
 */

#include <stddef.h>

#include "zt_sink.h"


const zt_sink_entry_t  zt_sinks[] = {
    { "status",    NULL,       &zt_sink_status },
    { "chat",      NULL,       &zt_sink_chat },
    { "warehouse", "sqlite",   &zt_sink_warehouse },
    { "warehouse", "bigquery", &zt_sink_warehouse_bigquery },
    { "archive",   "local",    &zt_sink_archive },
    { "archive",   "gcs",      &zt_sink_archive_gcs },
    { NULL, NULL, NULL }
};


/*
 * one drainer at a time (zt_sink.h): the live CSV's presence state, and
 * the chat sink's (its pending changes and message ids)
 */
const char  *zt_sinks_single[] = { "status", "chat", NULL };
