/*
 * db - the SQLite store: open, migrate, transactions with a busy deadline.
 *
 * WAL mode, foreign keys on, every value bound. SQLITE_BUSY is retried until
 * the deadline given to db_open; after that the caller gets DB_BUSY and
 * decides (ingest leaves the message pending in the spool).
 */
#ifndef AD_DB_H
#define AD_DB_H

#include <sqlite3.h>

#define DB_OK     0
#define DB_ERROR  (-1)
#define DB_BUSY   (-2)

#define DB_SCHEMA_VERSION 3

struct db {
	sqlite3 *h;
	long busy_ms;       /* deadline for one lock wait */
	char path[4096];
	char err[256];      /* the last failure's message, kept across the rollback (db_errmsg) */
};

/* db_open - open (create with flags) and migrate when 'migrate'; 0 or DB_ERROR/DB_BUSY
 * with a message in err (size errlen) */
int db_open(struct db *d, const char *path, long busy_seconds, int create, char *err, size_t errlen);
void db_close(struct db *d);
/* db_migrate - create or upgrade the schema; idempotent */
int db_migrate(struct db *d, char *err, size_t errlen);
int db_schema_version(struct db *d);

/* db_errmsg - why the last statement, exec or commit since db_begin failed
 * (read after the rollback: sqlite3_errmsg then says "not an error") */
const char *db_errmsg(struct db *d);

/* db_begin - BEGIN IMMEDIATE with retries until the deadline */
int db_begin(struct db *d);
int db_commit(struct db *d);
void db_rollback(struct db *d);

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

/* db_now - the clock, overridable with ABUSEDESK_NOW (epoch) for tests */
long long db_now(void);

#endif
