/*
 * db - open, configure and drive the SQLite store.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../util/msg.h"
#include "../util/str.h"
#include "db_int.h"

/* db_now - wall clock, or ABUSEDESK_NOW for reproducible tests */
long long db_now(void)
{
	const char *s = getenv("ABUSEDESK_NOW");
	long v;

	if (s && str_to_long(s, 0, 0x7fffffffL * 2, &v) == 0)
		return v;
	return (long long)time(NULL);
}

/* trace_profile - ABUSEDESK_SQL_TRACE=1: every statement with its time and
 * the rows it read, to find a slow query */
static int trace_profile(unsigned type, void *ctx, void *p, void *x)
{
	sqlite3_stmt *st = p;
	char *sql;

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
static int wal_hook(void *ctx, sqlite3 *h, const char *name, int frames)
{
	if (frames > DB_WAL_FRAMES)
		sqlite3_wal_checkpoint_v2(h, name, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	return SQLITE_OK;
}

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

/* db_open - open the database file and set it up */
int db_open(struct db *d, const char *path, long busy_seconds, int create, char *err, size_t errlen)
{
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
	int rc;

	memset(d, 0, sizeof(*d));
	str_copy(d->path, sizeof(d->path), path);
	d->busy_ms = busy_seconds * 1000;
	if (!create && access(path, F_OK) != 0) {
		int e = errno;

		if (e == ENOENT)
			snprintf(err, errlen, "%s: no database here (run 'abusedesk init' first)", path);
		else if (!perm_check(path, create, err, errlen))
			snprintf(err, errlen, "%s: cannot open database: %s", path, strerror(e));
		return DB_ERROR;
	}
	{ sqlite3 *h = NULL; rc = sqlite3_open_v2(path, &h, flags, NULL); d->h = h; }
	if (rc != SQLITE_OK) {
		if (perm_check(path, create, err, errlen)) {
			sqlite3_close(d->h);
			d->h = NULL;
			return DB_ERROR;
		}
		snprintf(err, errlen, "%s: cannot open database: %s", path,
			 d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc));
		sqlite3_close(d->h);
		d->h = NULL;
		return DB_ERROR;
	}
	sqlite3_busy_timeout(d->h, (int)(d->busy_ms > 0x7fffffff ? 0x7fffffff : d->busy_ms));
	/* One short-lived process per message: a checkpoint (two syncs) and a
	 * WAL delete at every close would double the cost of an ingest. Leave the
	 * WAL in place and checkpoint from the commits instead (wal_hook). */
	sqlite3_db_config(d->h, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_wal_hook(d->h, wal_hook, NULL);
	if (getenv("ABUSEDESK_SQL_TRACE"))
		sqlite3_trace_v2(d->h, SQLITE_TRACE_PROFILE, trace_profile, NULL);
	sqlite3_extended_result_codes(d->h, 0);
	rc = db_exec(d, "PRAGMA journal_mode=WAL");
	if (rc == DB_OK)
		rc = db_exec(d, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;"
			     " PRAGMA journal_size_limit=1048576");
	if (rc != DB_OK && rc != DB_BUSY && perm_check(path, create, err, errlen)) {
		db_close(d);
		return rc;
	}
	if (rc != DB_OK) {
		snprintf(err, errlen, "%s: %s%s", path, sqlite3_errmsg(d->h),
			 rc == DB_BUSY ? " (locked by another process)" :
			 " (is it an abusedesk database? 'abusedesk init' creates one)");
		db_close(d);
		return rc;
	}
	return DB_OK;
}

void db_close(struct db *d)
{
	if (d->h)
		sqlite3_close_v2(d->h);
	d->h = NULL;
}

sqlite3_stmt *db_prepare(struct db *d, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(d->h, sql, -1, &st, NULL) != SQLITE_OK) {
		str_copy(d->err, sizeof(d->err), sqlite3_errmsg(d->h));
		msg_error("database %s: %s (in: %.80s)", d->path, sqlite3_errmsg(d->h), sql);
		return NULL;
	}
	return st;
}

/* db_step - step; the busy handler already waited up to the deadline */
int db_step(struct db *d, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_LOCKED)
		rc = SQLITE_BUSY;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		str_copy(d->err, sizeof(d->err), sqlite3_errmsg(d->h));
	return rc;
}

/* db_errmsg - see db.h */
const char *db_errmsg(struct db *d)
{
	if (d->err[0])
		return d->err;
	return d->h ? sqlite3_errmsg(d->h) : "not open";
}

/* db_result - see db.h */
int db_result(int rc)
{
	if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
		return DB_OK;
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return DB_BUSY;
	return DB_ERROR;
}


int db_exec(struct db *d, const char *sql)
{
	char *emsg = NULL;
	int rc = sqlite3_exec(d->h, sql, NULL, NULL, &emsg);

	if (rc != SQLITE_OK)
		str_copy(d->err, sizeof(d->err), emsg ? emsg : sqlite3_errstr(rc));
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		msg_debug("database %s: %s", d->path, emsg ? emsg : sqlite3_errstr(rc));
	sqlite3_free(emsg);
	return db_result(rc);
}

int db_begin(struct db *d)
{
	d->err[0] = '\0';
	return db_exec(d, "BEGIN IMMEDIATE");
}

int db_commit(struct db *d)
{
	int rc = db_exec(d, "COMMIT");

	if (rc != DB_OK)
		db_rollback(d);
	return rc;
}

void db_rollback(struct db *d)
{
	if (d->err[0] == '\0' && sqlite3_errcode(d->h) != SQLITE_OK)
		str_copy(d->err, sizeof(d->err), sqlite3_errmsg(d->h));
	if (!sqlite3_get_autocommit(d->h))
		sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
}

void db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

void db_bind_int(sqlite3_stmt *st, int i, long long v)
{
	sqlite3_bind_int64(st, i, v);
}

void db_bind_pos(sqlite3_stmt *st, int i, long long v)
{
	if (v > 0)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

const char *db_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? (const char *)s : "";
}

/* db_set_durable - synchronous=FULL: the WAL is synced at every commit */
int db_set_durable(struct db *d)
{
	return db_exec(d, "PRAGMA synchronous=FULL");
}

/* db_flush - every committed transaction into the main database file, on the disk */
int db_flush(struct db *d)
{
	return sqlite3_wal_checkpoint_v2(d->h, NULL, SQLITE_CHECKPOINT_FULL, NULL, NULL) == SQLITE_OK ? DB_OK :
	       DB_ERROR;
}
