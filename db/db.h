/*
 * db - the store: open, migrate, transactions with a busy deadline.
 *
 * WAL mode, foreign keys on, every value bound. SQLITE_BUSY is retried until
 * the deadline given to db_open; after that the caller gets DB_BUSY and
 * decides (ingest leaves the message pending in the spool).
 */
#ifndef AD_DB_H
#define AD_DB_H

#include <stddef.h>

#define DB_OK     0
#define DB_ERROR  (-1)
#define DB_BUSY   (-2)

#define DB_SCHEMA_VERSION 6

struct db {
	void *h;            /* the backend's connection: db/ only (db_int.h) */
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

/* db_set_durable - every commit is on the disk when it returns (a crash
 * after it cannot lose it); 0 or DB_ERROR */
int db_set_durable(struct db *d);

/* db_flush - write every committed transaction into the database file
 * itself (after a bulk load without durable commits); DB_OK or DB_ERROR */
int db_flush(struct db *d);

/* db_now - the clock, overridable with ABUSEDESK_NOW (epoch) for tests */
long long db_now(void);

#endif
