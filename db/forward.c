/*
 * forward - the SQL behind forwarding not_ours reports (see forward.h).
 */
#include <string.h>

#include "db_int.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "forward.h"

/* done - the last step to DB_OK / DB_BUSY / DB_ERROR, finalized */
static int done(struct db *d, struct db_stmt *st, int rc)
{
	db_finalize(st);
	if (rc == DB_DONE || rc == DB_ROW)
		return DB_OK;
	if (rc != DB_BUSY)
		msg_error("database %s: %s", d->path, db_errmsg(d));
	return rc == DB_BUSY ? DB_BUSY : DB_ERROR;
}

#define COPY(field, col) str_copy(r->field, sizeof(r->field), db_col_text(st, col))

int forward_report(struct db *d, long long id, struct db_fwd_report *r)
{
	struct db_stmt *st = db_prepare(d,
		"SELECT id, coalesce(incident_id, 0), received_at, coalesce(arrival_at, 0),"
		" coalesce(contact_at, 0), coalesce(forward_at, 0), verdict, spool_path, reporter, source_ip,"
		" injector_ip, original_mail_from, reporting_mta, orig_subject, orig_message_id, feedback_type,"
		" format, explanation, contact_email, forward_state, forward_to,"
		" (SELECT value FROM report_items i WHERE i.report_id = reports.id AND i.kind = 'rcpt_to' LIMIT 1),"
		" (SELECT value FROM report_items i WHERE i.report_id = reports.id AND i.kind = 'domain' LIMIT 1),"
		" (SELECT state FROM outbox o WHERE o.report_id = reports.id AND o.kind = 'forward' ORDER BY o.id DESC LIMIT 1),"
		" (SELECT coalesce(sent_at, 0) FROM outbox o WHERE o.report_id = reports.id AND o.kind = 'forward' ORDER BY o.id DESC LIMIT 1),"
		" (SELECT last_error FROM outbox o WHERE o.report_id = reports.id AND o.kind = 'forward' ORDER BY o.id DESC LIMIT 1),"
		" message_id FROM reports WHERE id = ?");
	int rc, found = 0;

	memset(r, 0, sizeof(*r));
	if (st == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, id);
	rc = db_step(d, st);
	if (rc == DB_ROW) {
		found = 1;
		r->id = db_col_int(st, 0);
		r->incident_id = db_col_int(st, 1);
		r->received_at = db_col_int(st, 2);
		r->arrival_at = db_col_int(st, 3);
		r->contact_at = db_col_int(st, 4);
		r->forward_at = db_col_int(st, 5);
		COPY(verdict, 6);
		COPY(spool_path, 7);
		COPY(reporter, 8);
		COPY(source_ip, 9);
		COPY(injector_ip, 10);
		COPY(original_mail_from, 11);
		COPY(reporting_mta, 12);
		COPY(orig_subject, 13);
		COPY(orig_message_id, 14);
		COPY(feedback_type, 15);
		COPY(format, 16);
		COPY(explanation, 17);
		COPY(contact_email, 18);
		COPY(forward_state, 19);
		COPY(forward_to, 20);
		COPY(rcpt_to, 21);
		COPY(domain, 22);
		COPY(sent_state, 23);
		r->sent_at = db_col_int(st, 24);
		COPY(sent_error, 25);
		COPY(message_id, 26);
	}
	if (done(d, st, rc) != DB_OK)
		return DB_ERROR;
	return found;
}

int forward_set(struct db *d, long long id, const char *state, const char *to, long long at)
{
	struct db_stmt *st = db_prepare(d, "UPDATE reports SET forward_state = ?, forward_to = ?, forward_at = ?"
				      " WHERE id = ?");

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, state);
	db_bind_text(st, 2, to && *to ? to : NULL);
	db_bind_int(st, 3, at);
	db_bind_int(st, 4, id);
	return done(d, st, db_step(d, st));
}

int forward_recent(struct db *d, const char *to, long long since)
{
	struct db_stmt *st = db_prepare(d, "SELECT count(*) FROM outbox WHERE kind = 'forward'"
				      " AND lower(recipient) = lower(?) AND created_at >= ?"
				      " AND state IN ('pending', 'sending', 'sent')");
	int rc, n = 0;

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, to);
	db_bind_int(st, 2, since);
	rc = db_step(d, st);
	if (rc == DB_ROW)
		n = (int)db_col_int(st, 0);
	if (done(d, st, rc) != DB_OK)
		return DB_ERROR;
	return n;
}

int forward_due(struct db *d, int include_null, const char *state, int max,
		void (*fn)(void *ctx, long long id), void *ctx)
{
	struct db_stmt *st = db_prepare(d, "SELECT id FROM reports WHERE verdict = 'not_ours'"
				      " AND contact_email IS NOT NULL"
				      " AND ((? <> 0 AND forward_state IS NULL) OR forward_state = ?)"
				      " ORDER BY id LIMIT ?");
	long long ids[256];
	int n = 0, rc;

	if (st == NULL)
		return DB_ERROR;
	if (max > (int)(sizeof(ids) / sizeof(ids[0])))
		max = (int)(sizeof(ids) / sizeof(ids[0]));
	db_bind_int(st, 1, include_null ? 1 : 0);
	db_bind_text(st, 2, state ? state : "");
	db_bind_int(st, 3, max);
	while ((rc = db_step(d, st)) == DB_ROW && n < max)
		ids[n++] = db_col_int(st, 0);
	if (done(d, st, rc) != DB_OK)
		return DB_ERROR;
	for (int i = 0; i < n; i++)
		fn(ctx, ids[i]);
	return DB_OK;
}
