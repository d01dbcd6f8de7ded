/*
 * SQL files compiled into the binary by scripts/embed-sql (every .sql file
 * of sql/sqlite).
 */

#ifndef ZT_SQL_H
#define ZT_SQL_H


typedef struct {
    const char  *name;      /* file name, e.g. "001-raw_events.sql" */
    const char  *sql;
} zt_sql_file_t;


extern const zt_sql_file_t  zt_sql_files[];   /* ends with { NULL, NULL } */


#endif /* ZT_SQL_H */
