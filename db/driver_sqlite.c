/*
 * driver_sqlite - the SQLite backend of db_int.h: one database file, WAL
 * mode, foreign keys on; SQLITE_BUSY waits up to the busy deadline.
 */
#include <stdio.h>
#include <sys/stat.h>
#include <pwd.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../util/mem.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "../util/ipaddr.h"
#include "db_int.h"

struct sq_stmt {
	struct db_stmt base;
	sqlite3_stmt *st;
};

#define H(d) ((sqlite3 *)(d)->h)
#define ST(s) (((struct sq_stmt *)(s))->st)

/* trace_profile - ABUSEDESK_SQL_TRACE=1: every statement with its time and
 * the rows it read, to find a slow query */
static int trace_profile(unsigned type, void *ctx, void *p, void *x)
{
	sqlite3_stmt *st = p;
	char *sql;

	(void)ctx;
	if (type != SQLITE_TRACE_PROFILE)
		return 0;
	sql = sqlite3_expanded_sql(st);
	fprintf(stderr, "sql %.3f ms, %d steps: %.300s\n", (double)*(sqlite3_int64 *)x / 1e6,
		sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 0), sql ? sql : sqlite3_sql(st));
	sqlite3_free(sql);
	return 0;
}

/* wal_hook - after a commit: when the WAL has grown past DB_WAL_FRAMES,
 * checkpoint it and truncate it to zero. With one process per message
 * every opener rebuilds the WAL index from the file, so it must stay short;
 * sqlite's own autocheckpoint cannot know what an earlier process already
 * copied back, and would let the file grow. */
#define DB_WAL_FRAMES 256
/* A bulk connection (db_set_bulk: import, reprocess) commits batches of
 * hundreds of messages, each more than DB_WAL_FRAMES pages: checkpointing
 * after every one would sync twice a batch and copy the same index pages
 * back again and again. It lets the WAL grow to 64 MB and then copies it
 * back without waiting for readers; db_end_bulk copies the rest back and
 * truncates it (a long WAL left behind would be read through by every
 * process that opens the database next). */
#define DB_WAL_BULK_FRAMES 16384
static const int wal_bulk_frames = DB_WAL_BULK_FRAMES;
static int wal_hook(void *ctx, sqlite3 *h, const char *name, int frames)
{
	if (frames > (ctx ? *(const int *)ctx : DB_WAL_FRAMES))
		sqlite3_wal_checkpoint_v2(h, name, ctx ? SQLITE_CHECKPOINT_PASSIVE : SQLITE_CHECKPOINT_TRUNCATE,
					  NULL, NULL);
	return SQLITE_OK;
}

static int sq_exec(struct db *d, const char *sql);

/* db_sqlite_bulk - see db_int.h. In bulk the WAL file keeps its size from one
 * checkpoint to the next and is written over (journal_size_limit off): a WAL
 * cut to nothing and grown again costs a block allocation, and the zeroing
 * of a block, for every 4 KB written. */
int db_sqlite_bulk(struct db *d, int on)
{
	int rc;

	sqlite3_wal_hook(H(d), wal_hook, on ? (void *)&wal_bulk_frames : NULL);
	if (on)
		return sq_exec(d, "PRAGMA journal_size_limit = -1");
	rc = sqlite3_wal_checkpoint_v2(H(d), NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) == SQLITE_OK ?
	     DB_OK : DB_ERROR;
	if (sq_exec(d, "PRAGMA journal_size_limit = 1048576") != DB_OK)
		rc = DB_ERROR;
	return rc;
}

/* code - an SQLite result code as DB_ROW, DB_DONE, DB_OK, DB_BUSY or DB_ERROR */
static int code(int rc)
{
	switch (rc) {
	case SQLITE_ROW: return DB_ROW;
	case SQLITE_DONE: return DB_DONE;
	case SQLITE_OK: return DB_OK;
	case SQLITE_BUSY: case SQLITE_LOCKED: return DB_BUSY;
	default: return DB_ERROR;
	}
}


/* sq_open - open the database file and set it up */
/* user_name - the name of uid, or "uid N" */
static void user_name(uid_t uid, char *out, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw && pw->pw_name)
		snprintf(out, len, "%s", pw->pw_name);
	else
		snprintf(out, len, "uid %lu", (unsigned long)uid);
}

/* denied - "PATH: permission denied for user U (uid N): PATH is not WHAT
 * (owner O, mode M); run as O ..." in err */
static void denied(const char *db, const char *what_path, const char *what, char *err, size_t errlen)
{
	char me[64], owner[64] = "?";
	struct stat st;
	unsigned mode = 0;

	user_name(geteuid(), me, sizeof(me));
	if (stat(what_path, &st) == 0) {
		user_name(st.st_uid, owner, sizeof(owner));
		mode = (unsigned)(st.st_mode & 07777);
	}
	if (strcmp(owner, "root") == 0 || strcmp(owner, "?") == 0)
		snprintf(err, errlen,
			 "cannot open %s: permission denied for user %s (uid %lu): %s is not %s by that user"
			 " (owner %s, mode %04o); run as root, or give the folder and the database to the"
			 " user abusedesk runs as ('abusedesk init' as root does)",
			 db, me, (unsigned long)geteuid(), what_path, what, owner, mode);
	else
		snprintf(err, errlen,
			 "cannot open %s: permission denied for user %s (uid %lu): %s is not %s by that user"
			 " (owner %s, mode %04o); run as %s (e.g. 'sudo -u %s abusedesk ...') or as root",
			 db, me, (unsigned long)geteuid(), what_path, what, owner, mode, owner, owner);
}

/* perm_check - what this user may not do on the way to the database at
 * path: search a folder above it, read or write the file, create its WAL
 * next to it. 1 with the reason in err, 0 when nothing is denied (then the
 * cause is another). Only run after an open failed. */
static int perm_check(const char *path, int create, char *err, size_t errlen)
{
	char dir[4096], side[4200];
	char *slash;
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(dir))
		return 0;
	memcpy(dir, path, n + 1);
	/* every folder on the way must be searchable */
	for (char *p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (access(dir, X_OK) != 0 && errno == EACCES) {
			denied(path, dir, "searchable (x)", err, errlen);
			return 1;
		}
		*p = '/';
	}
	slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if (access(path, F_OK) == 0) {
		if (access(path, R_OK) != 0 && errno == EACCES) {
			denied(path, path, "readable (r)", err, errlen);
			return 1;
		}
		if (access(path, W_OK) != 0 && errno == EACCES) {
			denied(path, path, "writable (w)", err, errlen);
			return 1;
		}
		/* WAL mode: the -wal and -shm files live next to it */
		for (int i = 0; i < 2; i++) {
			snprintf(side, sizeof(side), "%s%s", path, i ? "-shm" : "-wal");
			if (access(side, F_OK) == 0) {
				if (access(side, R_OK | W_OK) != 0 && errno == EACCES) {
					denied(path, side, "readable and writable (rw)", err, errlen);
					return 1;
				}
			} else if (access(dir, W_OK) != 0 && errno == EACCES) {
				denied(path, dir, "writable (w; the WAL files are created there)", err, errlen);
				return 1;
			}
		}
	} else if (create && access(dir, W_OK) != 0 && errno == EACCES) {
		denied(path, dir, "writable (w)", err, errlen);
		return 1;
	}
	return 0;
}

/*
 * sq_open - a connection is only ever used by one thread at a time (the
 * import's spool writer and the web server's one polling thread keep to
 * their own share), so it takes no mutex of its own (SQLITE_OPEN_NOMUTEX),
 * and the library keeps no allocation statistics, which cost a global lock
 * around every allocation; together about a tenth of a bulk import's time
 */
static int sq_open(struct db *d, const char *path, int create, char *err, size_t errlen)
{
	static int configured;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	sqlite3 *h = NULL;
	int rc;

	if (!configured) {
		configured = 1;
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);   /* before the library starts; else refused, harmless */
	}

	if (!create && access(path, F_OK) != 0) {
		int e = errno;

		if (e == ENOENT)
			snprintf(err, errlen, "%s: no database here (run 'abusedesk init' first)", path);
		else if (!perm_check(path, create, err, errlen))
			snprintf(err, errlen, "%s: cannot open database: %s", path, strerror(e));
		return DB_ERROR;
	}
	rc = sqlite3_open_v2(path, &h, flags, NULL);
	d->h = h;
	if (rc != SQLITE_OK) {
		if (perm_check(path, create, err, errlen)) {
			sqlite3_close(h);
			d->h = NULL;
			return DB_ERROR;
		}
		snprintf(err, errlen, "%s: cannot open database: %s", path,
			 h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
		sqlite3_close(h);
		d->h = NULL;
		return DB_ERROR;
	}
	sqlite3_busy_timeout(h, (int)(d->busy_ms > 0x7fffffff ? 0x7fffffff : d->busy_ms));
	/* One short-lived process per message: a checkpoint (two syncs) and a
	 * WAL delete at every close would double the cost of an ingest. Leave the
	 * WAL in place and checkpoint from the commits instead (wal_hook). */
	sqlite3_db_config(h, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_wal_hook(h, wal_hook, NULL);
	if (getenv("ABUSEDESK_SQL_TRACE"))
		sqlite3_trace_v2(h, SQLITE_TRACE_PROFILE, trace_profile, NULL);
	sqlite3_extended_result_codes(h, 0);
	rc = sq_exec(d, "PRAGMA journal_mode=WAL");
	if (rc == DB_OK)
		rc = sq_exec(d, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;"
			     " PRAGMA journal_size_limit=1048576");
	if (rc != DB_OK && rc != DB_BUSY && perm_check(path, create, err, errlen)) {
		sqlite3_close_v2(h);
		d->h = NULL;
		return rc;
	}
	if (rc != DB_OK) {
		snprintf(err, errlen, "%s: %s%s", path, sqlite3_errmsg(h),
			 rc == DB_BUSY ? " (locked by another process)" :
			 " (is it an abusedesk database? 'abusedesk init' creates one)");
		sqlite3_close_v2(h);
		d->h = NULL;
		return rc;
	}
	return DB_OK;
}

static void sq_close(struct db *d)
{
	sqlite3_close_v2(H(d));
}

static struct db_stmt *sq_prepare(struct db *d, const char *sql)
{
	sqlite3_stmt *st = NULL;
	struct sq_stmt *s;

	if (sqlite3_prepare_v2(H(d), sql, -1, &st, NULL) != SQLITE_OK) {
		str_copy(d->err, sizeof(d->err), sqlite3_errmsg(H(d)));
		msg_error("database %s: %s (in: %.80s)", d->path, sqlite3_errmsg(H(d)), sql);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->base.drv = &db_driver_sqlite;
	s->base.d = d;
	s->st = st;
	return &s->base;
}

/* sq_step - step; the busy handler already waited up to the deadline */
static int sq_step(struct db *d, struct db_stmt *st)
{
	int rc = code(sqlite3_step(ST(st)));

	if (rc != DB_ROW && rc != DB_DONE)
		str_copy(d->err, sizeof(d->err), sqlite3_errmsg(H(d)));
	return rc;
}

static void sq_reset(struct db_stmt *st)
{
	sqlite3_reset(ST(st));
}

static void sq_finalize(struct db_stmt *st)
{
	sqlite3_finalize(ST(st));
	free(st);
}

/* sq_clear - reset and unbind, for the statement cache */
static void sq_clear(struct db_stmt *st)
{
	sqlite3_reset(ST(st));
	sqlite3_clear_bindings(ST(st));
}

static int sq_exec(struct db *d, const char *sql)
{
	char *emsg = NULL;
	int rc = sqlite3_exec(H(d), sql, NULL, NULL, &emsg);

	if (rc != SQLITE_OK)
		str_copy(d->err, sizeof(d->err), emsg ? emsg : sqlite3_errstr(rc));
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		msg_debug("database %s: %s", d->path, emsg ? emsg : sqlite3_errstr(rc));
	sqlite3_free(emsg);
	return db_result(code(rc));
}

static int sq_begin(struct db *d)
{
	return sq_exec(d, "BEGIN IMMEDIATE");
}

static int sq_in_txn(struct db *d)
{
	return !sqlite3_get_autocommit(H(d));
}

static void sq_bind_text(struct db_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(ST(st), i, s, -1, SQLITE_TRANSIENT);
}

static void sq_bind_int(struct db_stmt *st, int i, long long v)
{
	sqlite3_bind_int64(ST(st), i, v);
}

static void sq_bind_null(struct db_stmt *st, int i)
{
	sqlite3_bind_null(ST(st), i);
}

static void sq_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
	sqlite3_bind_blob64(ST(st), i, p, n, SQLITE_TRANSIENT);
}

static int sq_bind_index(struct db_stmt *st, const char *name)
{
	return sqlite3_bind_parameter_index(ST(st), name);
}

static int sq_bind_count(struct db_stmt *st)
{
	return sqlite3_bind_parameter_count(ST(st));
}

static const char *sq_col_text(struct db_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(ST(st), i);

	return s ? (const char *)s : "";
}

static long long sq_col_int(struct db_stmt *st, int i)
{
	return sqlite3_column_int64(ST(st), i);
}

static const void *sq_col_blob(struct db_stmt *st, int i, size_t *n)
{
	const void *p = sqlite3_column_blob(ST(st), i);

	*n = (size_t)sqlite3_column_bytes(ST(st), i);
	return p;
}

static int sq_col_type(struct db_stmt *st, int i)
{
	switch (sqlite3_column_type(ST(st), i)) {
	case SQLITE_NULL: return DB_T_NULL;
	case SQLITE_INTEGER: return DB_T_INT;
	case SQLITE_BLOB: return DB_T_BLOB;
	default: return DB_T_TEXT;
	}
}

static int sq_col_count(struct db_stmt *st)
{
	return sqlite3_column_count(ST(st));
}

static const char *sq_col_name(struct db_stmt *st, int i)
{
	const char *s = sqlite3_column_name(ST(st), i);

	return s ? s : "";
}

static long long sq_changes(struct db *d)
{
	return sqlite3_changes(H(d));
}

static long long sq_last_id(struct db *d)
{
	return sqlite3_last_insert_rowid(H(d));
}

static const char *sq_errmsg(struct db *d)
{
	return sqlite3_errmsg(H(d));
}

/* sq_set_durable - synchronous=FULL: the WAL is synced at every commit */
static int sq_set_durable(struct db *d)
{
	return sq_exec(d, "PRAGMA synchronous=FULL");
}

/* sq_flush - every committed transaction into the main database file, on the disk */
static int sq_flush(struct db *d)
{
	return sqlite3_wal_checkpoint_v2(H(d), NULL, SQLITE_CHECKPOINT_FULL, NULL, NULL) == SQLITE_OK ?
	       DB_OK : DB_ERROR;
}

/* sq_reconnect - a file has no connection to lose */
static int sq_reconnect(struct db *d)
{
	(void)d;
	return DB_OK;
}

const struct db_driver db_driver_sqlite = {
	"sqlite", DB_SQLITE, sq_open, sq_close, sq_prepare, sq_step, sq_reset, sq_finalize,
	sq_exec, sq_begin, sq_in_txn, sq_bind_text, sq_bind_int, sq_bind_null, sq_bind_blob,
	sq_bind_index, sq_bind_count, sq_col_text, sq_col_int, sq_col_blob, sq_col_type,
	sq_col_count, sq_col_name, sq_changes, sq_last_id, sq_errmsg, sq_set_durable, sq_flush,
	sq_clear,
	sq_reconnect,
	NULL,   /* step_later: step */
	NULL,   /* send: the step runs it */
};

/* sql_in_net - SQL ad_in_net(ip, cidr): 1 when the address is in the network */
static void sql_in_net(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *ip = (const char *)sqlite3_value_text(argv[0]), *net = (const char *)sqlite3_value_text(argv[1]);
	struct ipaddr a;
	struct cidr c;

	(void)argc;
	sqlite3_result_int(ctx, ip && net && ip_parse(ip, &a) == 0 && cidr_parse(net, &c) == 0 &&
				cidr_contains(&c, &a));
}

int db_sqlite_in_net(struct db *d)
{
	return sqlite3_create_function(H(d), "ad_in_net", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_in_net,
				       NULL, NULL) == SQLITE_OK ? DB_OK : DB_ERROR;
}
