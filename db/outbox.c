/*
 * outbox - SQL for the notification queue, reporter acknowledgements and the
 * incident, report and owner rows that notifications are rendered from.
 *
 * Every value is bound; nothing here knows MIME, SMTP or HTTP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_int.h"
#include "incidents.h"
#include "../util/mem.h"
#include "outbox.h"

/* done_rc - map the result of stepping a write statement */
static int done_rc(int rc)
{
	if (rc == DB_DONE || rc == DB_ROW)
		return DB_OK;
	return rc == DB_BUSY ? DB_BUSY : DB_ERROR;
}

/* col - an owned copy of a text column, "" for NULL */
static char *col(struct db_stmt *st, int i)
{
	return xstrdup(db_col_text(st, i));
}

int outbox_add(struct db *d, long long incident_id, const char *kind, const char *channel,
	       const char *recipient, const char *subject, const char *message_id,
	       const char *body, size_t len, const char *state, const char *error,
	       long long now, long long *id)
{
	struct db_stmt *st = db_prepare(d, "INSERT INTO outbox(incident_id, kind, channel, recipient,"
				      " subject, message_id, body, state, last_error, next_attempt_at,"
				      " created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_pos(st, 1, incident_id);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, channel);
	db_bind_text(st, 4, recipient);
	db_bind_text(st, 5, subject);
	db_bind_text(st, 6, message_id);
	db_bind_blob(st, 7, body, len);
	db_bind_text(st, 8, state);
	db_bind_text(st, 9, error);
	db_bind_int(st, 10, now);
	db_bind_int(st, 11, now);
	rc = done_rc(db_step(d, st));
	db_finalize(st);
	if (rc == DB_OK && id)
		*id = db_last_id(d);
	return rc;
}

#define ROW_COLS "id, incident_id, kind, channel, recipient, subject, message_id, state," \
	" last_error, body, attempts, next_attempt_at, created_at, sent_at, claim_owner, claim_until," \
	" reason, report_id"

/* row_read - fill r from a statement selecting ROW_COLS */
static void row_read(struct db_stmt *st, struct outbox_row *r)
{
	size_t n = 0;
	const void *blob = db_col_blob(st, 9, &n);

	r->id = db_col_int(st, 0);
	r->incident_id = db_col_int(st, 1);
	r->kind = col(st, 2);
	r->channel = col(st, 3);
	r->recipient = col(st, 4);
	r->subject = col(st, 5);
	r->message_id = col(st, 6);
	r->state = col(st, 7);
	r->last_error = col(st, 8);
	r->body = xmalloc(n + 1);
	if (n)
		memcpy(r->body, blob, n);
	r->body[n] = '\0';
	r->body_len = n;
	r->attempts = (long)db_col_int(st, 10);
	r->next_attempt_at = db_col_int(st, 11);
	r->created_at = db_col_int(st, 12);
	r->sent_at = db_col_int(st, 13);
	r->claim_owner = col(st, 14);
	r->claim_until = db_col_int(st, 15);
	r->reason = col(st, 16);
	r->report_id = db_col_int(st, 17);
}

/* fetch_row - step a prepared row query; 1, 0 or <0 */
static int fetch_row(struct db *d, struct db_stmt *st, struct outbox_row *r)
{
	int rc = db_step(d, st);

	memset(r, 0, sizeof(*r));
	if (rc == DB_ROW) {
		row_read(st, r);
		rc = 1;
	} else {
		rc = db_result(rc);
	}
	db_finalize(st);
	return rc;
}

int outbox_set_render(struct db *d, long long id, const char *reason, long long report_id)
{
	struct db_stmt *st = db_prepare(d, "UPDATE outbox SET reason = ?, report_id = ? WHERE id = ?");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, reason);
	db_bind_pos(st, 2, report_id);
	db_bind_int(st, 3, id);
	rc = done_rc(db_step(d, st));
	db_finalize(st);
	return rc;
}

int outbox_add_digest(struct db *d, const char *recipient, const char *subject,
		      const char *message_id, const char *body, size_t len, const char *dedupe_key,
		      long long now)
{
	/* the conflict target names the partial unique index outbox_dedupe (same on PostgreSQL) */
	struct db_stmt *st = db_prepare(d, "INSERT INTO outbox(kind, channel, recipient, subject, message_id,"
				      " body, state, next_attempt_at, created_at, dedupe_key)"
				      " VALUES('digest', 'smtp', ?, ?, ?, ?, 'pending', ?, ?, ?)"
				      " ON CONFLICT(dedupe_key) WHERE dedupe_key IS NOT NULL"
				      " AND state IN ('pending','sent') DO NOTHING");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, recipient);
	db_bind_text(st, 2, subject);
	db_bind_text(st, 3, message_id);
	db_bind_blob(st, 4, body, len);
	db_bind_int(st, 5, now);
	db_bind_int(st, 6, now);
	db_bind_text(st, 7, dedupe_key);
	rc = done_rc(db_step(d, st));
	db_finalize(st);
	if (rc != DB_OK)
		return rc;
	return db_changes(d) > 0 ? 1 : 0;
}

void outbox_claim_owner(char *out, size_t outlen)
{
	char host[64] = "";
	unsigned char rnd[6] = { 0 };
	FILE *fp = fopen("/dev/urandom", "rb");

	if (fp) {
		if (fread(rnd, 1, sizeof(rnd), fp) != sizeof(rnd))
			memset(rnd, 0, sizeof(rnd));
		fclose(fp);
	}
	if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(out, outlen, "%s:%ld:%02x%02x%02x%02x%02x%02x", host, (long)getpid(), rnd[0], rnd[1],
		 rnd[2], rnd[3], rnd[4], rnd[5]);
}

int outbox_claim(struct db *d, const char *owner, long long now, long long due, long lease,
		 long long after, struct outbox_row *r)
{
	struct db_stmt *st;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = db_begin(d)) != DB_OK)
		return rc;
	/*
	 * SQLite: BEGIN IMMEDIATE already holds every other writer off. PostgreSQL
	 * runs claims side by side: the row is locked as it is picked, and a row
	 * another runner holds is passed over (SKIP LOCKED) rather than waited for;
	 * once that runner commits, its claim_until keeps the row out of the
	 * subquery, which PostgreSQL evaluates again on the row's newest version.
	 */
#define CLAIM(LOCK) "UPDATE outbox SET claim_owner = ?1, claim_until = ?2" \
	" WHERE id = (SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?3" \
	"  AND (claim_owner IS NULL OR claim_until IS NULL OR claim_until <= ?4) AND id > ?5" \
	"  ORDER BY id LIMIT 1" LOCK ")" \
	" RETURNING " ROW_COLS
	st = db_prepare(d, db_dialect(d) == DB_PGSQL ? CLAIM(" FOR UPDATE SKIP LOCKED") : CLAIM(""));
#undef CLAIM
	if (st == NULL) {
		db_rollback(d);
		return DB_ERROR;
	}
	db_bind_text(st, 1, owner);
	db_bind_int(st, 2, now + (lease > 0 ? lease : 1));
	db_bind_int(st, 3, due);
	db_bind_int(st, 4, now);
	db_bind_int(st, 5, after);
	rc = db_step(d, st);
	if (rc == DB_ROW) {
		row_read(st, r);
		rc = db_step(d, st);    /* RETURNING: run the statement to its end */
	}
	db_finalize(st);
	if (rc != DB_DONE) {
		outbox_row_free(r);
		db_rollback(d);
		return rc == DB_BUSY ? DB_BUSY : DB_ERROR;
	}
	if ((rc = db_commit(d)) != DB_OK) {
		outbox_row_free(r);
		db_rollback(d);
		return rc;
	}
	return r->id > 0 ? 1 : 0;
}

int outbox_get(struct db *d, long long id, struct outbox_row *r)
{
	struct db_stmt *st = db_prepare(d, "SELECT " ROW_COLS " FROM outbox WHERE id = ?");

	if (st == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, id);
	return fetch_row(d, st, r);
}

void outbox_row_free(struct outbox_row *r)
{
	free(r->kind);
	free(r->channel);
	free(r->recipient);
	free(r->subject);
	free(r->message_id);
	free(r->state);
	free(r->last_error);
	free(r->body);
	free(r->claim_owner);
	free(r->reason);
	memset(r, 0, sizeof(*r));
}

/* update - one UPDATE of a claimed row binding ?1 attempts, ?2 time, ?3 error, ?4 id,
 * ?5 owner; DB_OK, 1 when no row matched (claim lost), <0 error */
static int update(struct db *d, const char *sql, long long id, const char *owner, long attempts,
		  long long t, const char *err)
{
	struct db_stmt *st = db_prepare(d, sql);
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, attempts);
	db_bind_int(st, 2, t);
	db_bind_text(st, 3, err);
	db_bind_int(st, 4, id);
	db_bind_text(st, 5, owner);
	rc = done_rc(db_step(d, st));
	db_finalize(st);
	if (rc == DB_OK && db_changes(d) == 0)
		return 1;
	return rc;
}

int outbox_mark_sent(struct db *d, long long id, const char *owner, long attempts, long long now,
		     const char *subject, const char *body, size_t len)
{
	struct db_stmt *st;
	int rc;

	if (body == NULL)
		return update(d, "UPDATE outbox SET state = 'sent', attempts = ?1, sent_at = ?2,"
			      " last_error = ?3, claim_owner = NULL, claim_until = NULL"
			      " WHERE id = ?4 AND claim_owner = ?5", id, owner, attempts, now, NULL);
	st = db_prepare(d, "UPDATE outbox SET state = 'sent', attempts = ?1, sent_at = ?2,"
			" last_error = NULL, claim_owner = NULL, claim_until = NULL, subject = ?3, body = ?4"
			" WHERE id = ?5 AND claim_owner = ?6");
	if (st == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, attempts);
	db_bind_int(st, 2, now);
	db_bind_text(st, 3, subject);
	db_bind_blob(st, 4, body, len);
	db_bind_int(st, 5, id);
	db_bind_text(st, 6, owner);
	rc = done_rc(db_step(d, st));
	db_finalize(st);
	if (rc == DB_OK && db_changes(d) == 0)
		return 1;
	return rc;
}

int outbox_mark_retry(struct db *d, long long id, const char *owner, long attempts, long long next,
		      const char *err)
{
	return update(d, "UPDATE outbox SET attempts = ?1, next_attempt_at = ?2, last_error = ?3,"
		      " claim_owner = NULL, claim_until = NULL"
		      " WHERE id = ?4 AND claim_owner = ?5 AND state = 'pending'", id, owner, attempts, next, err);
}

int outbox_mark_failed(struct db *d, long long id, const char *owner, long attempts, const char *err)
{
	return update(d, "UPDATE outbox SET state = 'failed', attempts = ?1, last_error = ?3,"
		      " claim_owner = NULL, claim_until = NULL"
		      " WHERE id = ?4 AND claim_owner = ?5 AND state = 'pending'",
		      id, owner, attempts, 0, err);
}

int outbox_mark_cancelled(struct db *d, long long id, const char *owner, const char *why)
{
	return update(d, "UPDATE outbox SET state = 'cancelled', last_error = ?3,"
		      " claim_owner = NULL, claim_until = NULL"
		      " WHERE id = ?4 AND claim_owner = ?5 AND state IN ('pending','cancelled')",
		      id, owner, 0, 0, why);
}

int outbox_cancel_incident(struct db *d, long long incident_id, const char *why, long long now)
{
	struct db_stmt *st = db_prepare(d, "UPDATE outbox SET state = 'cancelled', last_error = ?,"
				      " next_attempt_at = ? WHERE incident_id = ? AND kind = 'notify'"
				      " AND state = 'pending'");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, why);
	db_bind_int(st, 2, now);
	db_bind_int(st, 3, incident_id);
	rc = done_rc(db_step(d, st));
	db_finalize(st);
	return rc == DB_OK ? db_changes(d) : rc;
}

int outbox_waiting(struct db *d, long long now, long *n, long long *next)
{
	struct db_stmt *st = db_prepare(d, "SELECT count(*), min(next_attempt_at) FROM outbox"
				      " WHERE state = 'pending' AND next_attempt_at > ?");
	int rc;

	*n = 0;
	*next = 0;
	if (st == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, now);
	rc = db_step(d, st);
	if (rc == DB_ROW) {
		*n = (long)db_col_int(st, 0);
		*next = db_col_int(st, 1);
	}
	db_finalize(st);
	return db_result(rc);
}

int outbox_each(struct db *d, int all, void (*fn)(void *ctx, const struct outbox_row *r), void *ctx)
{
	struct db_stmt *st = db_prepare(d, all ? "SELECT " ROW_COLS " FROM outbox ORDER BY id" :
				      "SELECT " ROW_COLS " FROM outbox WHERE state != 'sent' ORDER BY id");
	struct outbox_row r;
	int rc;

	if (st == NULL)
		return DB_ERROR;
	while ((rc = db_step(d, st)) == DB_ROW) {
		row_read(st, &r);
		fn(ctx, &r);
		outbox_row_free(&r);
	}
	db_finalize(st);
	return done_rc(rc);
}

long outbox_count(struct db *d, const char *state)
{
	struct db_stmt *st = db_prepare(d, "SELECT count(*) FROM outbox WHERE state = ?");
	long n = -1;

	if (st == NULL)
		return -1;
	db_bind_text(st, 1, state);
	if (db_step(d, st) == DB_ROW)
		n = (long)db_col_int(st, 0);
	db_finalize(st);
	return n;
}

int outbox_ack_allow(struct db *d, const char *reporter, long long now, long interval)
{
	struct db_stmt *st = db_prepare(d, "SELECT last_at FROM acks WHERE reporter = ?");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, reporter);
	rc = db_step(d, st);
	if (rc == DB_ROW && now - db_col_int(st, 0) < interval) {
		db_finalize(st);
		return 0;
	}
	db_finalize(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return rc == DB_BUSY ? DB_BUSY : DB_ERROR;
	st = db_prepare(d, "INSERT INTO acks(reporter, last_at) VALUES (?, ?)"
			" ON CONFLICT(reporter) DO UPDATE SET last_at = excluded.last_at");
	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, reporter);
	db_bind_int(st, 2, now);
	rc = done_rc(db_step(d, st));
	db_finalize(st);
	return rc == DB_OK ? 1 : rc;
}

void outbox_incident_cols(struct db_stmt *st, int c, struct outbox_incident *in)
{
	in->id = db_col_int(st, c);
	in->key_host = col(st, c + 1);
	in->verdict = col(st, c + 2);
	in->status = col(st, c + 3);
	in->abused_host = col(st, c + 4);
	in->abused_ip = col(st, c + 5);
	in->owner = col(st, c + 6);
	in->role = col(st, c + 7);
	in->confidence = col(st, c + 8);
	in->explanation = col(st, c + 9);
	in->auth_user = col(st, c + 10);
	in->first_seen = db_col_int(st, c + 11);
	in->last_seen = db_col_int(st, c + 12);
	in->notified_at = db_col_int(st, c + 13);
	in->reports = (long)db_col_int(st, c + 14);
	in->messages = (long)db_col_int(st, c + 15);
	in->reporters = (long)db_col_int(st, c + 16);
	in->notified_reports = (long)db_col_int(st, c + 17);
}

int outbox_incident(struct db *d, long long id, struct outbox_incident *in)
{
	struct db_stmt *st;
	int rc;

	memset(in, 0, sizeof(*in));
	/* reports the transaction counted for it and has not written yet, written first */
	if (d->memo && (rc = incident_flush(d, id, NULL)) != DB_OK)
		return rc;
	if ((st = db_prepare(d, "SELECT " OUTBOX_INCIDENT_COLS " FROM incidents WHERE id = ?")) == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, id);
	rc = db_step(d, st);
	if (rc == DB_ROW) {
		outbox_incident_cols(st, 0, in);
		rc = 1;
	} else {
		rc = db_result(rc);
	}
	db_finalize(st);
	return rc;
}

/* incident_strs - the text fields of an incident row, for outbox_incident_free and _copy */
#define INCIDENT_NSTRS 10
static void incident_strs(struct outbox_incident *in, char **s[INCIDENT_NSTRS])
{
	char **all[INCIDENT_NSTRS] = { &in->key_host, &in->verdict, &in->status, &in->abused_host,
				       &in->abused_ip, &in->owner, &in->role, &in->confidence,
				       &in->explanation, &in->auth_user };

	memcpy(s, all, sizeof(all));
}

void outbox_incident_free(struct outbox_incident *in)
{
	char **s[INCIDENT_NSTRS];

	incident_strs(in, s);
	for (size_t i = 0; i < INCIDENT_NSTRS; i++) {
		free(*s[i]);
		*s[i] = NULL;
	}
}

void outbox_incident_copy(struct outbox_incident *dst, const struct outbox_incident *src)
{
	char **s[INCIDENT_NSTRS];

	*dst = *src;
	incident_strs(dst, s);
	for (size_t i = 0; i < INCIDENT_NSTRS; i++)
		*s[i] = xstrdup(*s[i]);
}

int outbox_incident_noted(struct db *d, long long id, long long now, long reports)
{
	struct db_stmt *st;
	int rc;

	/* the row changes outside the transaction's memo of it: written and forgotten first,
	 * so that the next report reads it as it is now (notified) */
	if (d->memo && (rc = incident_flush(d, id, NULL)) != DB_OK)
		return rc;
	if ((st = db_prepare(d, "UPDATE incidents SET notified_at = ?, notified_reports = ?"
			     " WHERE id = ?")) == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, reports);
	db_bind_int(st, 3, id);
	rc = done_rc(db_step(d, st));
	db_finalize(st);
	return rc;
}

int outbox_report(struct db *d, long long id, long long incident_id, struct outbox_report *r)
{
	static const char cols[] = "SELECT id, received_at, spool_path, format, reporter, source_ip,"
		" orig_subject, orig_message_id, orig_headers, explanation, trace_json, injector_ip,"
		" " SQL_REPORT_CATEGORY " FROM reports ";
	char sql[1024];
	struct db_stmt *st;
	int rc;

	memset(r, 0, sizeof(*r));
	snprintf(sql, sizeof(sql), "%s%s", cols, id > 0 ? "WHERE id = ?" :
		 "WHERE incident_id = ? ORDER BY received_at, id LIMIT 1");
	if ((st = db_prepare(d, sql)) == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, id > 0 ? id : incident_id);
	rc = db_step(d, st);
	if (rc == DB_ROW) {
		r->id = db_col_int(st, 0);
		r->received_at = db_col_int(st, 1);
		r->spool_path = col(st, 2);
		r->format = col(st, 3);
		r->reporter = col(st, 4);
		r->source_ip = col(st, 5);
		r->orig_subject = col(st, 6);
		r->orig_message_id = col(st, 7);
		r->orig_headers = col(st, 8);
		r->explanation = col(st, 9);
		r->trace_json = col(st, 10);
		r->injector_ip = col(st, 11);
		r->category = col(st, 12);
		rc = 1;
	} else {
		rc = db_result(rc);
	}
	db_finalize(st);
	return rc;
}

void outbox_report_free(struct outbox_report *r)
{
	char **s[] = { &r->spool_path, &r->format, &r->reporter, &r->source_ip, &r->orig_subject,
		       &r->orig_message_id, &r->orig_headers, &r->explanation, &r->trace_json,
		       &r->injector_ip, &r->category };

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		free(*s[i]);
		*s[i] = NULL;
	}
}

int outbox_owner(struct db *d, const char *key, struct outbox_owner *o)
{
	struct db_stmt *st = db_prepare(d, "SELECT name, email, webhook_url, policy FROM owners WHERE key = ?");
	int rc;

	memset(o, 0, sizeof(*o));
	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, key);
	rc = db_step(d, st);
	if (rc == DB_ROW) {
		o->found = 1;
		o->name = col(st, 0);
		o->email = col(st, 1);
		o->webhook_url = col(st, 2);
		o->policy = col(st, 3);
		rc = DB_OK;
	} else {
		rc = db_result(rc);
	}
	db_finalize(st);
	if (!o->found) {
		o->name = xstrdup("");
		o->email = xstrdup("");
		o->webhook_url = xstrdup("");
		o->policy = xstrdup("immediate");
	}
	return rc;
}

void outbox_owner_free(struct outbox_owner *o)
{
	free(o->name);
	free(o->email);
	free(o->webhook_url);
	free(o->policy);
	memset(o, 0, sizeof(*o));
}
