/*
 * db_int - what the files of db/ share and nothing outside db/ may see:
 * the SQLite handle, statements, binding helpers. Outside db/ the store is
 * reached through the functions of db/'s public headers only.
 */
#ifndef AD_DB_INT_H
#define AD_DB_INT_H

#include <sqlite3.h>

#include "db.h"

/* the normalised category of a report row: kept in its parse_json (the report's JSON
 * contract, key abuse_category), so no column of its own; NULL for rows parsed before */
#define SQL_REPORT_CATEGORY \
	"(CASE WHEN json_valid(parse_json) THEN json_extract(parse_json, '$.abuse_category') END)"

/* db_prepare - prepare or log and return NULL (a prepare error is a bug) */
sqlite3_stmt *db_prepare(struct db *d, const char *sql);
/* db_step - step with busy handling; returns sqlite result code */
int db_step(struct db *d, sqlite3_stmt *st);
/* db_result - a finished step's code as DB_OK (done, row), DB_BUSY or DB_ERROR */
int db_result(int sqlite_rc);
/* db_exec - run a statement without results; 0 or DB_ERROR/DB_BUSY */
int db_exec(struct db *d, const char *sql);

/* bind helpers: NULL string binds NULL */
void db_bind_text(sqlite3_stmt *st, int i, const char *s);
void db_bind_int(sqlite3_stmt *st, int i, long long v);
/* db_bind_pos - v when positive, else NULL (optional ids, ports, times) */
void db_bind_pos(sqlite3_stmt *st, int i, long long v);
/* db_col_text - column as const char*, "" for NULL */
const char *db_col_text(sqlite3_stmt *st, int i);


#endif
