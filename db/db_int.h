/*
 * db_int - what the files of db/ share and nothing outside db/ may see:
 * the backend-neutral statement API and the driver table behind it.
 *
 * Every file of db/ writes its SQL once, with '?' (or ?N, :name)
 * placeholders, and runs it through these functions; db.c hands each call
 * to the driver the 'database' setting chose (driver_sqlite.c for a path,
 * driver_pgsql.c for a postgresql:// URI). Nothing here names a backend
 * library. The few statements whose text must differ ask db_dialect().
 */
#ifndef AD_DB_INT_H
#define AD_DB_INT_H

#include <stddef.h>

#include "db.h"

/* db_step results besides DB_BUSY and DB_ERROR (same values as SQLite's) */
#define DB_ROW  100
#define DB_DONE 101

/* db_col_type results */
#define DB_T_NULL 0
#define DB_T_INT  1
#define DB_T_TEXT 2
#define DB_T_BLOB 3

/* db_dialect results */
#define DB_SQLITE 1
#define DB_PGSQL  2

/* a prepared statement: each driver's own struct starts with this one */
struct db_stmt {
	const struct db_driver *drv;
	struct db *d;
	int slot;           /* its place in d's statement cache plus one, 0 when not kept */
};

/* db_driver - one backend: the functions db.c dispatches to */
struct db_driver {
	const char *name;
	int dialect;
	int (*open)(struct db *d, const char *target, int create, char *err, size_t errlen);
	void (*close)(struct db *d);
	struct db_stmt *(*prepare)(struct db *d, const char *sql);
	int (*step)(struct db *d, struct db_stmt *st);
	void (*reset)(struct db_stmt *st);
	void (*finalize)(struct db_stmt *st);
	int (*exec)(struct db *d, const char *sql);
	int (*begin)(struct db *d);
	int (*in_txn)(struct db *d);
	void (*bind_text)(struct db_stmt *st, int i, const char *s);
	void (*bind_int)(struct db_stmt *st, int i, long long v);
	void (*bind_null)(struct db_stmt *st, int i);
	void (*bind_blob)(struct db_stmt *st, int i, const void *p, size_t n);
	int (*bind_index)(struct db_stmt *st, const char *name);
	int (*bind_count)(struct db_stmt *st);
	const char *(*col_text)(struct db_stmt *st, int i);
	long long (*col_int)(struct db_stmt *st, int i);
	const void *(*col_blob)(struct db_stmt *st, int i, size_t *n);
	int (*col_type)(struct db_stmt *st, int i);
	int (*col_count)(struct db_stmt *st);
	const char *(*col_name)(struct db_stmt *st, int i);
	long long (*changes)(struct db *d);
	long long (*last_id)(struct db *d);
	const char *(*errmsg)(struct db *d);
	int (*set_durable)(struct db *d);
	int (*flush)(struct db *d);
	/* clear - a statement db_finalize keeps for the next db_prepare of the
	 * same text: reset, every parameter unbound (NULL) again */
	void (*clear)(struct db_stmt *st);
	int (*reconnect)(struct db *d);
	/* step_later - as step, for a statement whose answer is not read; NULL: step */
	int (*step_later)(struct db *d, struct db_stmt *st);
	/* send - see db_step_send; NULL: nothing to do before the step */
	int (*send)(struct db *d, struct db_stmt *st);
};

extern const struct db_driver db_driver_sqlite;
extern const struct db_driver db_driver_pgsql;

/* db_sqlite_in_net - an SQLite connection: register SQL ad_in_net(ip, cidr) */
int db_sqlite_in_net(struct db *d);
/* db_sqlite_bulk - on: the connection's WAL is checkpointed past
 * DB_WAL_BULK_FRAMES rather than DB_WAL_FRAMES (driver_sqlite.c); off: back
 * to DB_WAL_FRAMES, and the WAL copied back and truncated now */
int db_sqlite_bulk(struct db *d, int on);

/* db_dialect - DB_SQLITE or DB_PGSQL, for the few statements that differ */
int db_dialect(const struct db *d);

/* the normalised category of a report row: kept in its parse_json (the report's JSON
 * contract, key abuse_category), so no column of its own; NULL for rows parsed before */
#define SQL_REPORT_CATEGORY \
	"(CASE WHEN json_valid(parse_json) THEN json_extract(parse_json, '$.abuse_category') END)"

/* db_prepare - prepare or log and return NULL (a prepare error is a bug) */
struct db_stmt *db_prepare(struct db *d, const char *sql);
/* db_step - run or advance: DB_ROW, DB_DONE, DB_BUSY (the deadline passed) or DB_ERROR */
int db_step(struct db *d, struct db_stmt *st);
/*
 * db_step_later - run a statement whose answer the caller does not read (an
 * INSERT, UPDATE or DELETE of rows no later statement of the caller needs
 * to see the count of): DB_DONE, DB_BUSY or DB_ERROR, as db_step. Inside a
 * transaction a server database may send it without waiting, with the next
 * statement that needs an answer; its failure is then that statement's, or
 * the COMMIT's. db_changes says nothing after it.
 */
int db_step_later(struct db *d, struct db_stmt *st);
/*
 * db_step_send - start a statement whose answer the caller reads later,
 * with its next db_step (which then returns what a first db_step would):
 * inside a transaction a server database sends it at once and runs it
 * while the caller does other work, other statements included; SQLite runs
 * it at that step. DB_OK, or DB_BUSY/DB_ERROR when it could not be sent.
 * db_reset or db_finalize before the step drops the answer; a failure read
 * with another statement's answer is that statement's too, as with
 * db_step_later.
 */
int db_step_send(struct db *d, struct db_stmt *st);
/* db_reset - ready to run again; the bindings stay */
void db_reset(struct db_stmt *st);
/* db_finalize - free; NULL is fine. A statement is kept (cleared) for the
 * next db_prepare of the same text on that connection, so a loop that
 * prepares the same statements for each message parses each once */
void db_finalize(struct db_stmt *st);
/* db_result - a step's or exec's code as DB_OK (done, row), DB_BUSY or DB_ERROR */
int db_result(int rc);
/* db_exec - run statements without results (';'-separated, no values); DB_OK or DB_ERROR/DB_BUSY */
int db_exec(struct db *d, const char *sql);

/* bind helpers (1-based): NULL string binds NULL; text that is not valid
 * UTF-8 is bound with U+FFFD for each byte that starts no valid sequence */
void db_bind_text(struct db_stmt *st, int i, const char *s);
void db_bind_int(struct db_stmt *st, int i, long long v);
/* db_bind_pos - v when positive, else NULL (optional ids, ports, times) */
void db_bind_pos(struct db_stmt *st, int i, long long v);
void db_bind_null(struct db_stmt *st, int i);
void db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n);
/* db_bind_index - the index of the named parameter (":since"), 0 when unused */
int db_bind_index(struct db_stmt *st, const char *name);
/* db_bind_count - the largest parameter index of the statement */
int db_bind_count(struct db_stmt *st);

/* column readers (0-based) of the current row */
/* db_col_text - column as const char*, "" for NULL; valid until the next step */
const char *db_col_text(struct db_stmt *st, int i);
long long db_col_int(struct db_stmt *st, int i);
/* db_col_blob - the bytes (length in *n), NULL for NULL or empty */
const void *db_col_blob(struct db_stmt *st, int i, size_t *n);
/* db_col_type - DB_T_NULL, DB_T_INT, DB_T_TEXT or DB_T_BLOB */
int db_col_type(struct db_stmt *st, int i);
int db_col_count(struct db_stmt *st);
const char *db_col_name(struct db_stmt *st, int i);

/* db_changes - rows the last INSERT/UPDATE/DELETE changed */
long long db_changes(struct db *d);
/* db_last_id - the id the last INSERT into a table with an id column gave */
long long db_last_id(struct db *d);

/* db_sql_numbered - rewrite '?', '?N' and ':name' placeholders to $1..$n
 * (string literals, quoted names and comments untouched) into out; the
 * names of ':name' parameters, in index order, go to names[] (NULL for
 * the others). Returns the largest index, or -1 when out is too small or
 * there are more than DB_MAX_PARAMS. */
#define DB_MAX_PARAMS 64
int db_sql_numbered(const char *sql, char *out, size_t outlen, char names[][32], int maxnames);

/* The columns of an incident a notice needs, in the order outbox_incident_cols
 * reads them from column c on (outbox.c; incidents.c's update returns them). */
#define OUTBOX_INCIDENT_COLS "id, key_host, verdict, status, abused_host, abused_ip, owner, role," \
	" confidence, explanation, auth_user, first_seen, last_seen, notified_at, reports, messages," \
	" reporters, notified_reports"
struct outbox_incident;
void outbox_incident_cols(struct db_stmt *st, int c, struct outbox_incident *in);

/* the columns of the newest incident with a key (key_host ?, verdict ?), as
 * incident_look reads them, and the condition that finds it */
#define INCIDENT_LOOK_COLS "id, status, resolved_at, reports, first_seen, last_seen, abused_ip, owner," \
	" abused_host, role, confidence, explanation, auth_user"
#define INCIDENT_LOOK_WHERE "id = (SELECT max(id) FROM incidents WHERE key_host = ? AND verdict = ?)"

/* incident_look_cols - incident_look's second half (incidents.c): the
 * INCIDENT_LOOK_COLS from column c of st's row (NULL: no incident with the
 * key) into look, whose key and time incident_look_key set */
struct incident_look;
struct db_verdict;
void incident_look_cols(struct db_stmt *st, int c, const struct db_verdict *v, struct incident_look *look);
/* incident_look_find - the same from its own statement; DB_OK, or DB_ERROR/DB_BUSY */
int incident_look_find(struct db *d, const struct db_verdict *v, struct incident_look *look);

/*
 * The incident memo (incidents.c, PostgreSQL): reports counted for the
 * incident rows this transaction updated, written before it commits.
 * incident_memo_clear forgets it (db_begin, db_rollback, after db_commit);
 * incident_memo_flush writes every pending row (db_commit), incident_flush
 * (incidents.h) one; incident_look_memo answers an incident_look from it
 * (1), 0 when it does not hold the key.
 */
void incident_memo_clear(struct db *d);
int incident_memo_flush(struct db *d);
int incident_look_memo(struct db *d, const struct db_verdict *v, struct incident_look *look);

#endif
