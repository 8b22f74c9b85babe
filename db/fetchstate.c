/*
 * fetchstate - per-mailbox IMAP state (see fetchstate.h). Every value bound.
 */
#include <string.h>

#include "db_int.h"
#include "fetchstate.h"

/* finish - map the last step to DB_OK / DB_BUSY / DB_ERROR and finalize */
static int finish(struct db_stmt *st, int rc)
{
	db_finalize(st);
	return db_result(rc);
}

/* fetchstate_get - one mailbox's row */
int fetchstate_get(struct db *d, const char *mailbox, struct fetch_state *out)
{
	struct db_stmt *st = db_prepare(d, "SELECT uidvalidity, last_uid FROM fetch_state WHERE mailbox = ?");
	int rc, found = 0;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, mailbox);
	rc = db_step(d, st);
	if (rc == DB_ROW) {
		out->uidvalidity = db_col_int(st, 0);
		out->last_uid = db_col_int(st, 1);
		found = 1;
	}
	rc = finish(st, rc);
	return rc == DB_OK ? found : rc;
}

/* run1 - one statement with mailbox and up to two numbers bound */
static int run1(struct db *d, const char *sql, const char *mailbox, long long a, long long b)
{
	struct db_stmt *st = db_prepare(d, sql);

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, mailbox);
	if (db_bind_count(st) >= 2)
		db_bind_int(st, 2, a);
	if (db_bind_count(st) >= 3)
		db_bind_int(st, 3, b);
	return finish(st, db_step(d, st));
}

/* fetchstate_set_validity - a new UIDVALIDITY forgets what was done under the old one */
int fetchstate_set_validity(struct db *d, const char *mailbox, long long uidvalidity)
{
	int rc;

	if ((rc = db_begin(d)) != DB_OK)
		return rc;
	if ((rc = run1(d, "DELETE FROM fetch_uids WHERE mailbox = ? AND uidvalidity != ?", mailbox,
		       uidvalidity, 0)) != DB_OK ||
	    (rc = run1(d, "INSERT INTO fetch_state(mailbox, uidvalidity, last_uid) VALUES (?, ?, 0)"
		       " ON CONFLICT(mailbox) DO UPDATE SET last_uid = CASE WHEN fetch_state.uidvalidity ="
		       " excluded.uidvalidity THEN fetch_state.last_uid ELSE 0 END,"
		       " uidvalidity = excluded.uidvalidity", mailbox, uidvalidity, 0)) != DB_OK) {
		db_rollback(d);
		return rc;
	}
	return db_commit(d);
}

/* fetchstate_done - one UID handled */
int fetchstate_done(struct db *d, const char *mailbox, long long uidvalidity, long long uid, int keep)
{
	int rc;

	if ((rc = db_begin(d)) != DB_OK)
		return rc;
	if ((keep && (rc = run1(d, "INSERT INTO fetch_uids(mailbox, uidvalidity, uid) VALUES (?, ?, ?)"
				" ON CONFLICT DO NOTHING", mailbox, uidvalidity, uid)) != DB_OK) ||
	    (rc = run1(d, "UPDATE fetch_state SET last_uid = CASE WHEN last_uid > ?3 THEN last_uid ELSE ?3 END"
		       " WHERE mailbox = ?1 AND uidvalidity = ?2", mailbox, uidvalidity, uid)) != DB_OK) {
		db_rollback(d);
		return rc;
	}
	return db_commit(d);
}

/* fetchstate_is_done - uid remembered under uidvalidity */
int fetchstate_is_done(struct db *d, const char *mailbox, long long uidvalidity, long long uid)
{
	struct db_stmt *st = db_prepare(d, "SELECT 1 FROM fetch_uids WHERE mailbox = ? AND uidvalidity = ?"
				      " AND uid = ?");
	int rc, found = 0;

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, mailbox);
	db_bind_int(st, 2, uidvalidity);
	db_bind_int(st, 3, uid);
	rc = db_step(d, st);
	found = rc == DB_ROW;
	rc = finish(st, rc);
	return rc == DB_OK ? found : rc;
}
