/*
 * maillog - store mail log records; gather a message's rows by queue id.
 */
#include <string.h>

#include "db_int.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "maillog.h"

/* nz - "" as NULL */
static const char *nz(const char *s)
{
	return s && *s ? s : NULL;
}

int maillog_insert(struct db *d, const struct db_maillog_rec *r, const char *line_hash)
{
	struct db_stmt *st = db_prepare(d, "INSERT INTO maillog(line_hash, at, host, queue_id,"
				      " client_name, client_ip, sasl_user, message_id, sender, recipient, relay,"
				      " status, client_port) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING");
	int rc, i = 1;

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, i++, line_hash);
	if (r->at)
		db_bind_int(st, i++, r->at);
	else
		db_bind_null(st, i++);
	db_bind_text(st, i++, nz(r->host));
	db_bind_text(st, i++, nz(r->queue_id));
	db_bind_text(st, i++, nz(r->client_name));
	db_bind_text(st, i++, nz(r->client_ip));
	db_bind_text(st, i++, nz(r->sasl_user));
	db_bind_text(st, i++, nz(r->message_id));
	db_bind_text(st, i++, nz(r->sender));
	db_bind_text(st, i++, nz(r->recipient));
	db_bind_text(st, i++, nz(r->relay));
	db_bind_text(st, i++, nz(r->status));
	if (r->client_port > 0 && r->client_port <= 65535)
		db_bind_int(st, i++, r->client_port);
	else
		db_bind_null(st, i++);
	rc = db_step(d, st);
	db_finalize(st);
	if (rc == DB_DONE)
		return db_changes(d) > 0 ? 1 : 0;
	if (rc != DB_BUSY)
		msg_error("database %s: %s", d->path, db_errmsg(d));
	return rc == DB_BUSY ? DB_BUSY : DB_ERROR;
}

/* gather - the first non-empty value of each field among the queue's rows */
static int gather(struct db *d, const char *qid, struct db_maillog_hit *e)
{
	struct db_stmt *st = db_prepare(d, "SELECT client_ip, client_name, sasl_user, host, client_port FROM maillog"
				      " WHERE queue_id = ? ORDER BY id LIMIT 1000");
	int rows = 0, rc;

	if (st == NULL)
		return DB_ERROR;
	memset(e, 0, sizeof(*e));
	db_bind_text(st, 1, qid);
	while ((rc = db_step(d, st)) == DB_ROW) {
		rows++;
		if (!e->client_ip[0] && db_col_text(st, 0)[0]) {
			str_copy(e->client_ip, sizeof(e->client_ip), db_col_text(st, 0));
			e->client_port = (int)db_col_int(st, 4);
		}
		if (!e->client_name[0])
			str_copy(e->client_name, sizeof(e->client_name), db_col_text(st, 1));
		if (!e->sasl_user[0])
			str_copy(e->sasl_user, sizeof(e->sasl_user), db_col_text(st, 2));
		if (!e->host[0])
			str_copy(e->host, sizeof(e->host), db_col_text(st, 3));
	}
	db_finalize(st);
	if (rc != DB_DONE) {
		memset(e, 0, sizeof(*e));
		return DB_ERROR;        /* not asked is not "not there" */
	}
	if (rows) {
		e->found = 1;
		str_copy(e->queue_id, sizeof(e->queue_id), qid);
	}
	return DB_OK;
}

/* score - prefer an authenticated submission, then an outside client */
static int score(const struct db_maillog_hit *e)
{
	if (!e->found)
		return -1;
	if (e->sasl_user[0])
		return 3;
	if (e->client_ip[0] && strcmp(e->client_ip, "127.0.0.1") != 0 && strcmp(e->client_ip, "::1") != 0)
		return 2;
	return e->client_ip[0] ? 1 : 0;
}

/* by_message_id - the best of the queues that logged this Message-ID */
static int by_message_id(struct db *d, const char *mid, struct db_maillog_hit *e)
{
	struct db_stmt *st;
	char m[512];
	size_t n;
	int rc;

	str_copy(m, sizeof(m), mid[0] == '<' ? mid + 1 : mid);
	n = strlen(m);
	if (n && m[n - 1] == '>')
		m[n - 1] = '\0';
	/* most reports name a message no log line has: an index probe answers
	 * that without the DISTINCT's temporary table */
	if ((st = db_prepare(d, "SELECT 1 FROM maillog WHERE message_id = ? LIMIT 1")) == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, m);
	rc = db_step(d, st);
	db_finalize(st);
	if (rc == DB_DONE)
		return DB_OK;   /* as when the query below finds nothing */
	if (rc != DB_ROW)
		return DB_ERROR;
	st = db_prepare(d, "SELECT DISTINCT queue_id FROM maillog WHERE message_id = ?"
			   " AND queue_id IS NOT NULL LIMIT ?");
	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, m);
	db_bind_int(st, 2, MAILLOG_MAX_QUEUES);
	while ((rc = db_step(d, st)) == DB_ROW) {
		struct db_maillog_hit c;
		char qid[64];

		str_copy(qid, sizeof(qid), db_col_text(st, 0));
		if (gather(d, qid, &c) == DB_OK && score(&c) > score(e))
			*e = c;
	}
	db_finalize(st);
	return rc == DB_DONE ? DB_OK : DB_ERROR;
}

int maillog_find(struct db *d, const char *queue_id, const char *message_id, struct db_maillog_hit *e)
{
	memset(e, 0, sizeof(*e));
	if (queue_id && *queue_id) {
		if (gather(d, queue_id, e) != DB_OK)
			return DB_ERROR;
		if (e->found)
			return DB_OK;
	}
	if (message_id && *message_id)
		return by_message_id(d, message_id, e);
	return DB_OK;
}

int maillog_any(struct db *d)
{
	struct db_stmt *st = db_prepare(d, "SELECT 1 FROM maillog LIMIT 1");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	rc = db_step(d, st);
	db_finalize(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : DB_ERROR;
}
