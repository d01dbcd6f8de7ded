/*
 * The BigQuery tables zoomtrack writes and reads, as the API wants them
 * for tables.insert.  The same columns as sql/bigquery/setup.sql (the
 * statements a user can run by hand) and the SQLite warehouse; a test
 * compares the two files.
 */

#ifndef ZT_BQ_SCHEMA_H
#define ZT_BQ_SCHEMA_H


#include <jansson.h>


typedef struct {
    const char  *name;
    const char  *type;          /* STRING, INT64, FLOAT64, BOOL, DATE, ... */
    int          required;
} zt_bq_field_t;


typedef struct {
    const char           *name;
    const zt_bq_field_t  *fields;
    const char           *partition;    /* DATE column, or NULL */
    const char           *cluster[4];   /* NULL-terminated */
} zt_bq_table_t;


/* ended by a row with name NULL */
extern const zt_bq_table_t  zt_bq_tables[];

/* the tables.insert body for t in project.dataset (caller decrefs) */
json_t *zt_bq_table_resource(const zt_bq_table_t *t, const char *project,
    const char *dataset);

const zt_bq_table_t *zt_bq_table(const char *name);

/*
 * The columns of t that a tables.get answer (table) lacks, as
 * "name TYPE, ..." in out ("" when none).  A table made by an older
 * version is not changed by setup: insertAll calls each row naming a
 * missing column invalid, so every such row would be dead-lettered.
 */
void zt_bq_missing(const zt_bq_table_t *t, json_t *table, char *out,
    size_t outlen);


#endif /* ZT_BQ_SCHEMA_H */
