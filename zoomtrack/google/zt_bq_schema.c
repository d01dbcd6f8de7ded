/*
 * The BigQuery tables (see zt_bq_schema.h).  raw_events is partitioned by
 * event_date, so a day's report reads one partition, and clustered by
 * meeting and participant, the order the report folds events in.
 */

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "zt_bq_schema.h"


static const zt_bq_field_t  zt_bq_raw_events[] = {
    { "event_id", "STRING", 1 },
    { "event_date", "DATE", 1 },
    { "event_type", "STRING", 1 },
    { "event_timestamp", "TIMESTAMP", 1 },
    { "event_ts", "INT64", 1 },
    { "account_id", "STRING", 0 },
    { "meeting_id", "STRING", 0 },
    { "meeting_uuid", "STRING", 0 },
    { "participant_id", "STRING", 0 },
    { "participant_user_id", "STRING", 0 },
    { "participant_uuid", "STRING", 0 },
    { "parent_user_id", "STRING", 0 },
    { "registrant_id", "STRING", 0 },
    { "participant_name", "STRING", 0 },
    { "participant_email", "STRING", 0 },
    { "person_key", "STRING", 0 },
    { "breakout_room_uuid", "STRING", 0 },
    { "action", "STRING", 0 },
    { "leave_reason", "STRING", 0 },
    { "raw_payload", "STRING", 0 },
    { "gcs_path", "STRING", 0 },
    { "received_at", "TIMESTAMP", 0 },
    { "inserted_at", "TIMESTAMP", 0 },
    { "source", "STRING", 0 },
    { NULL, NULL, 0 }
};


static const zt_bq_field_t  zt_bq_daily_reports[] = {
    { "report_date", "DATE", 1 },
    { "meeting_id", "STRING", 0 },
    { "meeting_uuid", "STRING", 0 },
    { "participant_name", "STRING", 0 },
    { "participant_email", "STRING", 0 },
    { "meeting_join_time", "TIMESTAMP", 0 },
    { "meeting_leave_time", "TIMESTAMP", 0 },
    { "meeting_duration_mins", "FLOAT64", 0 },
    { "room_number", "INT64", 0 },
    { "room_name", "STRING", 0 },
    { "room_uuid", "STRING", 0 },
    { "room_join_time", "TIMESTAMP", 0 },
    { "room_leave_time", "TIMESTAMP", 0 },
    { "room_duration_mins", "FLOAT64", 0 },
    { "camera_on_mins", "FLOAT64", 0 },
    { "camera_off_mins", "FLOAT64", 0 },
    { "camera_percentage", "FLOAT64", 0 },
    { "next_room", "STRING", 0 },
    { "join_time_known", "BOOL", 0 },
    { "camera_status", "STRING", 0 },
    { "group", "STRING", 0 },
    { "attendance_status", "STRING", 0 },
    { "late", "BOOL", 0 },
    { "left_early", "BOOL", 0 },
    { "data_source", "STRING", 0 },
    { NULL, NULL, 0 }
};


static const zt_bq_field_t  zt_bq_camera_minutes[] = {
    { "meeting_uuid", "STRING", 1 },
    { "person_key", "STRING", 1 },
    { "minute_ts", "INT64", 1 },
    { "camera_on", "INT64", 1 },
    { NULL, NULL, 0 }
};


static const zt_bq_field_t  zt_bq_camera_fetches[] = {
    { "meeting_uuid", "STRING", 1 },
    { "status", "STRING", 1 },
    { "detail", "STRING", 0 },
    { "fetched_at", "TIMESTAMP", 0 },
    { NULL, NULL, 0 }
};


static const zt_bq_field_t  zt_bq_room_names[] = {
    { "meeting", "STRING", 1 },
    { "room_uuid", "STRING", 1 },
    { "name", "STRING", 1 },
    { NULL, NULL, 0 }
};


static const zt_bq_field_t  zt_bq_preassigned_rooms[] = {
    { "meeting_id", "STRING", 1 },
    { "room_name", "STRING", 1 },
    { "email", "STRING", 1 },
    { "fetched_at", "TIMESTAMP", 0 },
    { NULL, NULL, 0 }
};


const zt_bq_table_t  zt_bq_tables[] = {
    { "raw_events", zt_bq_raw_events, "event_date",
      { "meeting_uuid", "participant_id", NULL } },
    { "daily_reports", zt_bq_daily_reports, "report_date",
      { "meeting_uuid", NULL } },
    { "camera_minutes", zt_bq_camera_minutes, NULL,
      { "meeting_uuid", "person_key", "minute_ts", NULL } },
    { "camera_fetches", zt_bq_camera_fetches, NULL, { NULL } },
    { "room_names", zt_bq_room_names, NULL, { NULL } },
    { "preassigned_rooms", zt_bq_preassigned_rooms, NULL, { NULL } },
    { NULL, NULL, NULL, { NULL } }
};


const zt_bq_table_t *
zt_bq_table(const char *name)
{
    const zt_bq_table_t  *t;

    for (t = zt_bq_tables; t->name; t++) {
        if (strcmp(t->name, name) == 0) {
            return t;
        }
    }

    return NULL;
}


json_t *
zt_bq_table_resource(const zt_bq_table_t *t, const char *project,
    const char *dataset)
{
    int                   i;
    json_t               *fields, *res, *cl;
    const zt_bq_field_t  *f;

    fields = json_array();

    for (f = t->fields; f->name; f++) {
        json_array_append_new(fields, json_pack("{s:s, s:s, s:s}",
                              "name", f->name, "type", f->type, "mode",
                              f->required ? "REQUIRED" : "NULLABLE"));
    }

    res = json_pack("{s:{s:s, s:s, s:s}, s:{s:o}}",
                    "tableReference", "projectId", project,
                    "datasetId", dataset, "tableId", t->name,
                    "schema", "fields", fields);
    if (res == NULL) {
        return NULL;
    }

    if (t->partition) {
        json_object_set_new(res, "timePartitioning",
                            json_pack("{s:s, s:s}", "type", "DAY",
                                      "field", t->partition));
    }

    if (t->cluster[0]) {
        cl = json_array();
        for (i = 0; t->cluster[i]; i++) {
            json_array_append_new(cl, json_string(t->cluster[i]));
        }
        json_object_set_new(res, "clustering", json_pack("{s:o}", "fields",
                                                         cl));
    }

    return res;
}


void
zt_bq_missing(const zt_bq_table_t *t, json_t *table, char *out,
    size_t outlen)
{
    int                   found;
    size_t                i, n;
    json_t               *fields, *f;
    const char           *name;
    const zt_bq_field_t  *c;

    out[0] = '\0';
    n = 0;
    fields = json_object_get(json_object_get(table, "schema"), "fields");

    for (c = t->fields; c->name; c++) {
        found = 0;

        json_array_foreach(fields, i, f) {
            name = json_string_value(json_object_get(f, "name"));
            if (name && strcmp(name, c->name) == 0) {
                found = 1;
                break;
            }
        }

        if (!found && n < outlen) {
            n += (size_t) snprintf(out + n, outlen - n, "%s%s %s",
                                   n ? ", " : "", c->name, c->type);
        }
    }
}
