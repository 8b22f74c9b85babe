/*
 * db - the store: open, migrate, transactions with a busy deadline.
 *
 * Two backends behind one API (db_int.h): SQLite (WAL mode, foreign keys
 * on) and PostgreSQL (libpq, loaded on first use). Every value bound. A
 * lock wait lasts at most the deadline given to db_open; after that the
 * caller gets DB_BUSY and decides (ingest leaves the message pending in
 * the spool).
 */
#ifndef AD_DB_H
#define AD_DB_H

#include <stddef.h>

#define DB_OK     0
#define DB_ERROR  (-1)
#define DB_BUSY   (-2)

#define DB_SCHEMA_VERSION 7

struct db_driver;

struct db {
	const struct db_driver *drv;  /* the backend: db/ only (db_int.h) */
	void *h;            /* the backend's connection: db/ only (db_int.h) */
	void *x;            /* the backend's other state: db/ only */
	void *cache;        /* prepared statements kept for reuse: db/ only (db.c) */
	void *memo;         /* the incidents this transaction updated: db/ only (incidents.c) */
	long busy_ms;       /* deadline for one lock wait */
	long answer_ms;     /* PostgreSQL: the longest wait for a statement's answer, 0 for none */
	char path[4096];
	char err[256];      /* the last failure's message, kept across the rollback (db_errmsg) */
};

/* db_open - open 'path' (create when 'create'); 0 or DB_ERROR/DB_BUSY with a
 * message in err (size errlen). A postgresql:// or postgres:// URI (libpq
 * conninfo) opens PostgreSQL, with busy_seconds as connect_timeout; anything
 * else is an SQLite file. */
int db_open(struct db *d, const char *path, long busy_seconds, int create, char *err, size_t errlen);
/* db_answer_unbounded - no deadline for a server's answer (see driver_pgsql.c:
 * ten times busy_seconds, at least 10 s): for init and db copy, whose
 * statements may rightly run long */
void db_answer_unbounded(struct db *d);
void db_close(struct db *d);
/* db_is_file - does the 'database' setting name a file (SQLite) rather than a server? */
int db_is_file(const char *setting);
/* db_migrate - create or upgrade the schema; idempotent */
int db_migrate(struct db *d, char *err, size_t errlen);
int db_schema_version(struct db *d);

/* db_errmsg - why the last statement, exec or commit since db_begin failed
 * (kept across the rollback, which would clear the backend's own message) */
const char *db_errmsg(struct db *d);

/* db_begin - a write transaction (SQLite: BEGIN IMMEDIATE, waits up to the deadline) */
int db_begin(struct db *d);
int db_commit(struct db *d);
void db_rollback(struct db *d);

/* db_set_durable - every commit is on the disk when it returns (a crash
 * after it cannot lose it); 0 or DB_ERROR */
int db_set_durable(struct db *d);

/* db_set_bulk - the connection writes transactions of many messages
 * (import, reprocess): SQLite keeps up to 64 MB of pages in memory so
 * a batch's pages are not spilled to the WAL before its commit, its
 * statement journals in memory rather than in temporary files, and lets
 * the WAL grow to 64 MB before it is copied back (db_flush at the end
 * copies the rest); 0 or DB_ERROR */
int db_set_bulk(struct db *d);

/* db_end_bulk - after the last transaction of a bulk connection: SQLite's
 * WAL copied back into the database file and truncated; 0 or DB_ERROR */
int db_end_bulk(struct db *d);

/* db_flush - write every committed transaction into the database file
 * itself (after a bulk load without durable commits); DB_OK or DB_ERROR */
int db_flush(struct db *d);

/* db_reconnect - after DB_BUSY: a connection the server dropped (a restart,
 * a network cut) is opened again, within the busy deadline. DB_OK when the
 * connection is usable, DB_BUSY while the server is out of reach (SQLite:
 * always DB_OK, there is nothing to reconnect) */
int db_reconnect(struct db *d);

/* db_now - the clock, overridable with ABUSEDESK_NOW (epoch) for tests */
long long db_now(void);

#endif
