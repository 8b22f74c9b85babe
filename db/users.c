/*
 * users - users, API tokens and sessions of the web helpdesk (users.h).
 *
 * The column "user" of api_tokens and sessions is always written quoted:
 * user is a reserved word in PostgreSQL, and SQLite reads the quoted name
 * the same.
 */
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "../util/mem.h"
#include "../util/str.h"
#include "users.h"

/* done - a finished write's result */
static int done(struct db *d, struct db_stmt *st)
{
	int rc = st ? db_step(d, st) : DB_ERROR;

	db_finalize(st);
	return db_result(rc);
}

int users_add(struct db *d, const char *name, const char *role, const char *pwhash)
{
	struct db_stmt *st = db_prepare(d, "INSERT INTO users(name, role, pwhash, created) VALUES(?, ?, ?, ?)"
				      " ON CONFLICT(name) DO NOTHING");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, role);
	db_bind_text(st, 3, pwhash);
	db_bind_int(st, 4, db_now());
	rc = db_step(d, st);
	db_finalize(st);
	if (db_result(rc) != DB_OK)
		return db_result(rc);
	return db_changes(d) == 1 ? 0 : 1;
}

int users_del(struct db *d, const char *name)
{
	struct db_stmt *st = db_prepare(d, "DELETE FROM users WHERE name = ?");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, name);
	rc = db_step(d, st);
	db_finalize(st);
	if (db_result(rc) != DB_OK)
		return db_result(rc);
	return db_changes(d) == 1 ? 0 : 1;
}

/* fill - name, role (and created) of a row from columns 0, 1 (2) */
static void fill(struct db_stmt *st, struct user_row *u, int with_created)
{
	memset(u, 0, sizeof(*u));
	str_copy(u->name, sizeof(u->name), db_col_text(st, 0));
	str_copy(u->role, sizeof(u->role), db_col_text(st, 1));
	if (with_created)
		u->created = db_col_int(st, 2);
}

int users_get(struct db *d, const char *name, struct user_row *u)
{
	struct db_stmt *st = db_prepare(d, "SELECT name, role, created, pwhash FROM users WHERE name = ?");
	int rc;

	memset(u, 0, sizeof(*u));
	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, name);
	rc = db_step(d, st);
	if (rc == DB_ROW) {
		fill(st, u, 1);
		u->pwhash = xstrdup(db_col_text(st, 3));
	}
	db_finalize(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : DB_ERROR;
}

int users_list(struct db *d, struct user_rows *out)
{
	struct db_stmt *st = db_prepare(d, "SELECT name, role, created FROM users ORDER BY name LIMIT 10000");
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return DB_ERROR;
	while ((rc = db_step(d, st)) == DB_ROW) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		fill(st, &out->v[out->n++], 1);
	}
	db_finalize(st);
	return rc == DB_DONE ? DB_OK : DB_ERROR;
}

void user_row_free(struct user_row *u)
{
	if (u->pwhash) {
		memset(u->pwhash, 0, strlen(u->pwhash));
		free(u->pwhash);
	}
	u->pwhash = NULL;
}

void user_rows_free(struct user_rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		user_row_free(&r->v[i]);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

int tokens_add(struct db *d, const char *hash, const char *user)
{
	struct db_stmt *st = db_prepare(d, "INSERT INTO api_tokens(hash, \"user\", created) VALUES(?, ?, ?)");

	if (st) {
		db_bind_text(st, 1, hash);
		db_bind_text(st, 2, user);
		db_bind_int(st, 3, db_now());
	}
	return done(d, st);
}

int tokens_find(struct db *d, const char *hash, struct user_row *u)
{
	struct db_stmt *st = db_prepare(d, "SELECT u.name, u.role FROM api_tokens t JOIN users u ON u.name = t.\"user\""
				      " WHERE t.hash = ?");
	int rc;

	memset(u, 0, sizeof(*u));
	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, hash);
	rc = db_step(d, st);
	if (rc == DB_ROW)
		fill(st, u, 0);
	db_finalize(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : DB_ERROR;
}

int sessions_add(struct db *d, const char *id, const char *user, const char *csrf, long long expires)
{
	struct db_stmt *st = db_prepare(d, "DELETE FROM sessions WHERE expires <= ?");

	if (st)
		db_bind_int(st, 1, db_now());
	if (done(d, st) != DB_OK)
		return DB_ERROR;
	st = db_prepare(d, "INSERT INTO sessions(id, \"user\", csrf, expires) VALUES(?, ?, ?, ?)");
	if (st) {
		db_bind_text(st, 1, id);
		db_bind_text(st, 2, user);
		db_bind_text(st, 3, csrf);
		db_bind_int(st, 4, expires);
	}
	return done(d, st);
}

int sessions_find(struct db *d, const char *id, long long now, struct user_row *u, char csrf[65])
{
	struct db_stmt *st = db_prepare(d, "SELECT u.name, u.role, s.csrf FROM sessions s"
				      " JOIN users u ON u.name = s.\"user\" WHERE s.id = ? AND s.expires > ?");
	int rc;

	memset(u, 0, sizeof(*u));
	csrf[0] = '\0';
	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, id);
	db_bind_int(st, 2, now);
	rc = db_step(d, st);
	if (rc == DB_ROW) {
		fill(st, u, 0);
		str_copy(csrf, 65, db_col_text(st, 2));
	}
	db_finalize(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : DB_ERROR;
}

int sessions_del(struct db *d, const char *id)
{
	struct db_stmt *st = db_prepare(d, "DELETE FROM sessions WHERE id = ?");

	if (st)
		db_bind_text(st, 1, id);
	return done(d, st);
}
