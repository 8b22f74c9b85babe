/*
 * reports - the report rows: raw arrival, parsed fields, verdict.
 */
#include <stdio.h>
#include <string.h>

#include "db_int.h"
#include "incidents.h"
#include "../util/str.h"
#include "reports.h"

int reports_find(struct db *d, const char *sha256, const char *content_key, long long *id, char *name,
		 size_t namelen, int *done, int *keyed)
{
	/* the byte digest first: a content key that matches a row also holding
	 * these bytes is the same row, and no key yet (old rows) is no match */
	static const char *const q[2] = {
		"SELECT id, spool_path, status, content_key IS NOT NULL FROM reports WHERE sha256 = ?",
		"SELECT id, spool_path, status, content_key IS NOT NULL FROM reports WHERE content_key = ?",
	};

	for (int k = 0; k < 2; k++) {
		const char *key = k == 0 ? sha256 : content_key;
		struct db_stmt *st;
		int rc;

		if (key == NULL || *key == '\0')
			continue;
		if ((st = db_prepare(d, q[k])) == NULL)
			return DB_ERROR;
		db_bind_text(st, 1, key);
		rc = db_step(d, st);
		if (rc == DB_ROW) {
			*id = db_col_int(st, 0);
			if (name)
				str_copy(name, namelen, db_col_text(st, 1));
			if (done)
				*done = strcmp(db_col_text(st, 2), "done") == 0;
			if (keyed)
				*keyed = db_col_int(st, 3) != 0;
			db_finalize(st);
			return k + 1;
		}
		db_finalize(st);
		if ((rc = db_result(rc)) != DB_OK)
			return rc;
	}
	return 0;
}

/* WITH_ID - an INSERT's text that answers the new row's id where that saves
 * a round trip: PostgreSQL's lastval() is a statement of its own, SQLite's
 * last_insert_rowid() a function call */
#define WITH_ID(d, sql) (db_dialect(d) == DB_PGSQL ? sql " RETURNING id" : sql)

/*
 * insert_or_find - run an INSERT ... ON CONFLICT DO NOTHING and finalize it:
 * the new row's id, or (*existed 1) the id and state of the row that holds
 * sha256 already, or (*existed 2) of the row with that content key; DB_OK,
 * DB_BUSY or DB_ERROR
 */
static int insert_or_find(struct db *d, struct db_stmt *st, const char *sha256, const char *content_key,
			  long long *id, int *existed, int *done)
{
	int rc = db_step(d, st);

	if (rc == DB_ROW) {     /* RETURNING id (PostgreSQL): the new row */
		*id = db_col_int(st, 0);
		db_finalize(st);
		*done = 0;
		return DB_OK;
	}
	db_finalize(st);
	if (rc != DB_DONE)
		return rc == DB_BUSY ? DB_BUSY : DB_ERROR;
	if (db_changes(d) == 0) {
		if ((rc = reports_find(d, sha256, content_key, id, NULL, 0, done, NULL)) < 0)
			return rc;
		if (rc == 0)
			return DB_ERROR;   /* a conflict on a row no one can see: not possible */
		*existed = rc;
		return DB_OK;
	}
	*id = db_last_id(d);
	*done = 0;
	return DB_OK;
}

int reports_insert_raw(struct db *d, const char *spool_name, long long size, const char *sha256,
		       long long received_at, int flags, long long *id, int *existed, int *done)
{
	struct db_stmt *st;

	*existed = 0;
	/* the unique sha256 is the dedupe key: the database, not a read before the
	 * write, decides which of two hosts recording one message at once adds it */
	st = db_prepare(d, WITH_ID(d, "INSERT INTO reports(received_at, size, sha256, spool_path, status, flags)"
			   " VALUES (?, ?, ?, ?, 'pending', ?) ON CONFLICT(sha256) DO NOTHING"));
	if (st == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, received_at);
	db_bind_int(st, 2, size);
	db_bind_text(st, 3, sha256);
	db_bind_text(st, 4, spool_name);
	db_bind_int(st, 5, flags);
	return insert_or_find(d, st, sha256, NULL, id, existed, done);
}

/*
 * rows_stmt - "HEAD VALUES ROW,ROW,..." with n rows: a report's child rows go
 * in as few statements as the parameter cap allows (on PostgreSQL each
 * statement is a round trip; each text is prepared once and kept)
 */
static struct db_stmt *rows_stmt(struct db *d, const char *head, const char *row, size_t n)
{
	char sql[2048];
	size_t len = (size_t)snprintf(sql, sizeof(sql), "%s VALUES ", head);

	for (size_t i = 0; i < n && len < sizeof(sql); i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s%s", i ? "," : "", row);
	if (len >= sizeof(sql))
		return NULL;
	return db_prepare(d, sql);
}

/* The columns of a child row after the shared report id (?1), and the rows a statement takes. */
#define HOP_COLS    13
#define HOP_ROWS    ((DB_MAX_PARAMS - 1) / HOP_COLS)
#define RCPT_COLS   6
#define RCPT_ROWS   ((DB_MAX_PARAMS - 1) / RCPT_COLS)
#define ITEM_COLS   2
#define ITEM_ROWS   ((DB_MAX_PARAMS - 1) / ITEM_COLS)

static int store_hops(struct db *d, long long id, const struct db_report *r)
{
	for (size_t i0 = 0; i0 < r->nhops; i0 += HOP_ROWS) {
		size_t n = r->nhops - i0 < HOP_ROWS ? r->nhops - i0 : HOP_ROWS;
		struct db_stmt *st = rows_stmt(d, "INSERT INTO report_hops(report_id, idx, from_ip, from_rdns,"
					      " helo, ident, by_host, with_proto, queue_id, for_addr, envfrom, auth,"
					      " date, port)", "(?1,?,?,?,?,?,?,?,?,?,?,?,?,?)", n);
		int rc;

		if (st == NULL)
			return DB_ERROR;
		db_bind_int(st, 1, id);
		for (size_t k = 0; k < n; k++) {
			const struct db_hop *h = &r->hops[i0 + k];
			int b = 2 + (int)k * HOP_COLS;

			db_bind_int(st, b, (long long)(i0 + k));
			db_bind_text(st, b + 1, h->from_ip);
			db_bind_text(st, b + 2, h->from_rdns);
			db_bind_text(st, b + 3, h->helo);
			db_bind_text(st, b + 4, h->ident);
			db_bind_text(st, b + 5, h->by);
			db_bind_text(st, b + 6, h->with);
			db_bind_text(st, b + 7, h->queue_id);
			db_bind_text(st, b + 8, h->for_addr);
			db_bind_text(st, b + 9, h->envfrom);
			db_bind_text(st, b + 10, h->auth);
			db_bind_text(st, b + 11, h->date);
			if (h->port > 0 && h->port <= 65535)
				db_bind_int(st, b + 12, h->port);
			else
				db_bind_null(st, b + 12);
		}
		rc = db_step_later(d, st);
		db_finalize(st);
		if (rc != DB_DONE)
			return DB_ERROR;
	}
	return DB_OK;
}

static int store_rcpts(struct db *d, long long id, const struct db_report *r)
{
	for (size_t i0 = 0; i0 < r->nrcpts; i0 += RCPT_ROWS) {
		size_t n = r->nrcpts - i0 < RCPT_ROWS ? r->nrcpts - i0 : RCPT_ROWS;
		struct db_stmt *st = rows_stmt(d, "INSERT INTO report_rcpts(report_id, idx, address, action,"
					      " status, diagnostic, remote_mta)", "(?1,?,?,?,?,?,?)", n);
		int rc;

		if (st == NULL)
			return DB_ERROR;
		db_bind_int(st, 1, id);
		for (size_t k = 0; k < n; k++) {
			const struct db_rcpt *p = &r->rcpts[i0 + k];
			int b = 2 + (int)k * RCPT_COLS;

			db_bind_int(st, b, (long long)(i0 + k));
			db_bind_text(st, b + 1, p->address);
			db_bind_text(st, b + 2, p->action);
			db_bind_text(st, b + 3, p->status);
			db_bind_text(st, b + 4, p->diagnostic);
			db_bind_text(st, b + 5, p->remote_mta);
		}
		rc = db_step_later(d, st);
		db_finalize(st);
		if (rc != DB_DONE)
			return DB_ERROR;
	}
	return DB_OK;
}

/* store_items - the report's envelope recipients, domains and URIs, kind by kind */
static int store_items(struct db *d, long long id, const struct db_report *r)
{
	static const char *const kinds[3] = { "rcpt_to", "domain", "uri" };
	const struct db_strs *l[3] = { &r->rcpt_to, &r->domains, &r->uris };
	size_t total = r->rcpt_to.n + r->domains.n + r->uris.n, at = 0;
	int list = 0;
	size_t i = 0;

	while (at < total) {
		size_t n = total - at < ITEM_ROWS ? total - at : ITEM_ROWS;
		struct db_stmt *st = rows_stmt(d, "INSERT INTO report_items(report_id, kind, value)", "(?1,?,?)", n);
		int rc;

		if (st == NULL)
			return DB_ERROR;
		db_bind_int(st, 1, id);
		for (size_t k = 0; k < n; k++) {
			while (i >= l[list]->n) {
				list++;
				i = 0;
			}
			db_bind_text(st, 2 + (int)k * ITEM_COLS, kinds[list]);
			db_bind_text(st, 3 + (int)k * ITEM_COLS, l[list]->v[i++]);
		}
		at += n;
		rc = db_step_later(d, st);
		db_finalize(st);
		if (rc != DB_DONE)
			return DB_ERROR;
	}
	return DB_OK;
}

static int clear_children(struct db *d, long long id)
{
	static const char *sql[] = { "DELETE FROM report_hops WHERE report_id = ?",
				     "DELETE FROM report_rcpts WHERE report_id = ?",
				     "DELETE FROM report_items WHERE report_id = ?" };

	for (size_t i = 0; i < 3; i++) {
		struct db_stmt *st = db_prepare(d, sql[i]);
		int rc;

		if (st == NULL)
			return DB_ERROR;
		db_bind_int(st, 1, id);
		rc = db_step_later(d, st);
		db_finalize(st);
		if (rc != DB_DONE)
			return DB_ERROR;
	}
	return DB_OK;
}

/* the parsed columns, in the order bind_parsed binds them */
#define PARSED_COLS "flags, parser_version, message_id, from_addr, subject, format, feedback_type," \
	" user_agent, reporter, reporting_mta, arrival_at, source_ip, source_port, original_mail_from," \
	" orig_message_id, orig_from, orig_subject, orig_date, orig_headers_only, orig_key, orig_headers," \
	" verdict, confidence, rule, abused_ip, abused_host, owner, egress_ip, injector_ip, auth_user," \
	" nat_inside, explanation, warnings, parse_json, trace_json"
#define PARSED_NCOLS 35

/* bind_parsed - the PARSED_COLS values from parameter *i on */
static void bind_parsed(struct db_stmt *st, int *i, const struct db_report *r, const struct db_verdict *v,
			const char *orig_key, const char *parse_json, const char *trace_json)
{
	db_bind_int(st, (*i)++, r->flags);
	db_bind_int(st, (*i)++, PARSER_VERSION);
	db_bind_text(st, (*i)++, r->message_id);
	db_bind_text(st, (*i)++, r->from);
	db_bind_text(st, (*i)++, r->subject);
	db_bind_text(st, (*i)++, r->format);
	db_bind_text(st, (*i)++, r->feedback_type);
	db_bind_text(st, (*i)++, r->user_agent);
	db_bind_text(st, (*i)++, r->reporter);
	db_bind_text(st, (*i)++, r->reporting_mta);
	db_bind_pos(st, (*i)++, r->arrival);
	db_bind_text(st, (*i)++, r->source_ip);
	db_bind_pos(st, (*i)++, r->source_port);
	db_bind_text(st, (*i)++, r->original_mail_from);
	db_bind_text(st, (*i)++, r->orig_message_id);
	db_bind_text(st, (*i)++, r->orig_from);
	db_bind_text(st, (*i)++, r->orig_subject);
	db_bind_text(st, (*i)++, r->orig_date);
	db_bind_int(st, (*i)++, r->orig_headers_only);
	db_bind_text(st, (*i)++, orig_key);
	db_bind_text(st, (*i)++, r->orig_headers);
	db_bind_text(st, (*i)++, v ? v->cls : NULL);
	db_bind_text(st, (*i)++, v ? v->confidence : NULL);
	db_bind_text(st, (*i)++, v ? v->rule : NULL);
	db_bind_text(st, (*i)++, v ? v->abused_ip : NULL);
	db_bind_text(st, (*i)++, v ? v->abused_host : NULL);
	db_bind_text(st, (*i)++, v ? v->owner : NULL);
	db_bind_text(st, (*i)++, v ? v->egress_ip : NULL);
	db_bind_text(st, (*i)++, v ? v->injector_ip : NULL);
	db_bind_text(st, (*i)++, v ? v->auth_user : NULL);
	db_bind_text(st, (*i)++, v ? v->nat_inside : NULL);
	db_bind_text(st, (*i)++, v ? v->explanation : NULL);
	db_bind_text(st, (*i)++, r->warnings && *r->warnings ? r->warnings : NULL);
	db_bind_text(st, (*i)++, parse_json);
	db_bind_text(st, (*i)++, trace_json);
}

/* store_parts - the hops, recipients and items of report id (none there yet) */
static int store_parts(struct db *d, long long id, const struct db_report *r)
{
	int rc;

	if ((rc = store_hops(d, id, r)) != DB_OK || (rc = store_rcpts(d, id, r)) != DB_OK)
		return rc;
	return store_items(d, id, r);
}

/* parsed_sql - reports_store's UPDATE (reparse 0): every PARSED_COLS column
 * set from ?1 on, the row id ?36, and only when the row is not done or one
 * of them would change (a re-parse that finds what the row holds writes
 * nothing); reports_reparse's statement (reparse 1, PostgreSQL): the same
 * UPDATE of the row whose digest is ?36, and the row as it was */
static const char *parsed_sql(int reparse)
{
	static char sql[2][4096];
	char set[1600] = "", differ[2400] = "", cols[] = PARSED_COLS;
	size_t ls = 0, ld = 0;
	int k = 1;

	if (sql[reparse][0])
		return sql[reparse];
	for (char *save = NULL, *c = strtok_r(cols, ", ", &save); c; c = strtok_r(NULL, ", ", &save), k++) {
		ls += (size_t)snprintf(set + ls, sizeof(set) - ls, ", %s = ?%d", c, k);
		ld += (size_t)snprintf(differ + ld, sizeof(differ) - ld, " OR %s IS DISTINCT FROM ?%d", c, k);
	}
	if (reparse)
		snprintf(sql[1], sizeof(sql[1]), "WITH f AS (SELECT id, status, content_key IS NOT NULL AS keyed"
			 " FROM reports WHERE sha256 = ?%d), u AS (UPDATE reports SET status = 'done'%s WHERE id ="
			 " (SELECT id FROM f) AND (status <> 'done'%s) RETURNING id)"
			 " SELECT f.id, f.status, f.keyed, (SELECT count(*) FROM u) FROM f", k, set, differ);
	else
		snprintf(sql[0], sizeof(sql[0]), "UPDATE reports SET status = 'done'%s WHERE id = ?%d AND"
			 " (status <> 'done'%s)", set, k, differ);
	return sql[reparse];
}

/* rewrite_parts - a row whose parsed columns changed gets its hops,
 * recipients and items again; unchanged, they are what the parse makes of
 * it again (parse_json holds them too) */
static int rewrite_parts(struct db *d, long long id, const struct db_report *r)
{
	int rc;

	if ((rc = clear_children(d, id)) != DB_OK)
		return rc;
	return store_parts(d, id, r);
}

int reports_store(struct db *d, long long id, const struct db_report *r, const struct db_verdict *v,
		  const char *orig_key, const char *parse_json, const char *trace_json)
{
	struct db_stmt *st;
	int rc, i = 1;

	if ((st = db_prepare(d, parsed_sql(0))) == NULL)
		return DB_ERROR;
	bind_parsed(st, &i, r, v, orig_key, parse_json, trace_json);
	db_bind_int(st, i++, id);
	rc = db_step(d, st);
	db_finalize(st);
	if (rc != DB_DONE)
		return rc == DB_BUSY ? DB_BUSY : DB_ERROR;
	return db_changes(d) == 0 ? DB_OK : rewrite_parts(d, id, r);
}

int reports_reparse_send(struct db *d, const char *sha256, const struct db_report *r,
			 const struct db_verdict *v, const char *orig_key, const char *parse_json,
			 const char *trace_json, int later, struct reports_sent *out)
{
	struct db_stmt *st;
	int rc, i = 1;

	memset(out, 0, sizeof(*out));
	/* SQLite: the read, then the update, now (no round trip to save) */
	if (db_dialect(d) != DB_PGSQL) {
		if ((rc = reports_find(d, sha256, NULL, &out->id, NULL, 0, &out->done, &out->keyed)) == 1)
			rc = (rc = reports_store(d, out->id, r, v, orig_key, parse_json, trace_json)) == DB_OK ? 1 : rc;
		out->rc = rc;
		return rc < 0 ? rc : DB_OK;
	}
	if ((st = db_prepare(d, parsed_sql(1))) == NULL)
		return DB_ERROR;
	bind_parsed(st, &i, r, v, orig_key, parse_json, trace_json);
	db_bind_text(st, i++, sha256);
	if (later && (rc = db_step_send(d, st)) != DB_OK) {
		db_finalize(st);
		return rc;
	}
	out->st = st;
	return DB_OK;
}

int reports_reparse_recv(struct db *d, struct reports_sent *sent, const struct db_report *r, long long *id,
			 int *done, int *keyed)
{
	struct db_stmt *st = sent->st;
	int rc, changed;

	sent->st = NULL;
	if (st == NULL) {
		*id = sent->id;
		*done = sent->done;
		*keyed = sent->keyed;
		return sent->rc;
	}
	if ((rc = db_step(d, st)) != DB_ROW) {
		db_finalize(st);
		return rc == DB_DONE ? 0 : rc == DB_BUSY ? DB_BUSY : DB_ERROR;
	}
	*id = db_col_int(st, 0);
	*done = strcmp(db_col_text(st, 1), "done") == 0;
	*keyed = db_col_int(st, 2) != 0;
	changed = db_col_int(st, 3) != 0;
	db_finalize(st);
	if (changed && (rc = rewrite_parts(d, *id, r)) != DB_OK)
		return rc;
	return 1;
}

void reports_sent_drop(struct reports_sent *sent)
{
	db_finalize(sent->st);
	sent->st = NULL;
}

int reports_reparse(struct db *d, const char *sha256, const struct db_report *r, const struct db_verdict *v,
		    const char *orig_key, const char *parse_json, const char *trace_json, long long *id, int *done,
		    int *keyed)
{
	struct reports_sent sent;
	int rc;

	if ((rc = reports_reparse_send(d, sha256, r, v, orig_key, parse_json, trace_json, 0, &sent)) != DB_OK)
		return rc;
	return reports_reparse_recv(d, &sent, r, id, done, keyed);
}

int reports_insert_done_send(struct db *d, const char *spool_name, long long size, const char *sha256,
			     const char *content_key, long long received_at, struct incident_look *look,
			     const struct db_report *r, const struct db_verdict *v, const char *orig_key,
			     const char *parse_json, const char *trace_json, int later, struct reports_sent *out)
{
	/* PostgreSQL reads the incident in the row's own statement: one round trip */
	int pg = db_dialect(d) == DB_PGSQL;
	/* or the incident is one this transaction holds already (incidents.c's memo) */
	int memo = look && pg && incident_look_memo(d, v, look);
	int inline_look = look && look->keyed && pg && !memo;
	struct db_stmt *st;
	int rc, i = 1;

	memset(out, 0, sizeof(*out));
	if (look && !inline_look && !memo && (rc = incident_look_find(d, v, look)) != DB_OK)
		return rc;
	/* the same dedupe as reports_insert_raw, and the content key: a unique
	 * index on each, so the database decides which of two hosts adds it */
	if (inline_look)
		st = db_prepare(d, "WITH look AS (SELECT " INCIDENT_LOOK_COLS " FROM incidents WHERE "
				INCIDENT_LOOK_WHERE "), ins AS (INSERT INTO reports(received_at, size, sha256,"
				" content_key, spool_path, status, " PARSED_COLS ", incident_id) VALUES (?, ?, ?, ?, ?,"
				" 'done', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
				" ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT id FROM look WHERE status <> 'resolved'))"
				" ON CONFLICT DO NOTHING RETURNING id)"
				" SELECT (SELECT id FROM ins), look.* FROM (SELECT 1) one LEFT JOIN look ON true");
	else
		st = db_prepare(d, WITH_ID(d, "INSERT INTO reports(received_at, size, sha256, content_key,"
				" spool_path, status, " PARSED_COLS ", incident_id) VALUES (?, ?, ?, ?, ?, 'done', ?,"
				" ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
				" ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"));
	if (st == NULL)
		return DB_ERROR;
	if (inline_look) {
		db_bind_text(st, i++, look->key);
		db_bind_text(st, i++, v->cls);
	}
	db_bind_int(st, i++, received_at);
	db_bind_int(st, i++, size);
	db_bind_text(st, i++, sha256);
	if (content_key && *content_key)
		db_bind_text(st, i++, content_key);
	else
		db_bind_null(st, i++);
	db_bind_text(st, i++, spool_name);
	bind_parsed(st, &i, r, v, orig_key, parse_json, trace_json);
	if (!inline_look)
		db_bind_pos(st, i++, look ? look->join : 0);
	if (later && (rc = db_step_send(d, st)) != DB_OK) {
		db_finalize(st);
		return rc;
	}
	out->st = st;
	out->inline_look = inline_look;
	return DB_OK;
}

int reports_insert_done_recv(struct db *d, struct reports_sent *sent, const char *sha256, const char *content_key,
			     struct incident_look *look, const struct db_report *r, const struct db_verdict *v,
			     long long *id, int *existed, int *done)
{
	struct db_stmt *st = sent->st;
	int rc;

	sent->st = NULL;
	*existed = 0;
	*done = 0;
	if (st == NULL)
		return DB_ERROR;        /* a caller's bug: nothing was sent */
	if (!sent->inline_look) {
		rc = insert_or_find(d, st, sha256, content_key, id, existed, done);
	} else if ((rc = db_step(d, st)) != DB_ROW) {
		db_finalize(st);
		rc = rc == DB_BUSY ? DB_BUSY : DB_ERROR;
	} else {
		int added = db_col_type(st, 0) != DB_T_NULL;

		*id = db_col_int(st, 0);
		incident_look_cols(st, 1, v, look);
		db_finalize(st);
		rc = DB_OK;
		/* a conflict: the row that holds the message or its content */
		if (!added && (rc = reports_find(d, sha256, content_key, id, NULL, 0, done, NULL)) >= 0) {
			*existed = rc;
			rc = rc == 0 ? DB_ERROR : DB_OK;   /* a conflict on a row no one can see: not possible */
		}
	}
	if (rc != DB_OK || *existed)
		return rc;
	return store_parts(d, *id, r);
}

int reports_insert_done(struct db *d, const char *spool_name, long long size, const char *sha256,
			const char *content_key, long long received_at, struct incident_look *look,
			const struct db_report *r, const struct db_verdict *v, const char *orig_key,
			const char *parse_json, const char *trace_json, long long *id, int *existed, int *done)
{
	struct reports_sent sent;
	int rc;

	*existed = 0;
	*done = 0;
	if ((rc = reports_insert_done_send(d, spool_name, size, sha256, content_key, received_at, look, r, v,
					   orig_key, parse_json, trace_json, 0, &sent)) != DB_OK)
		return rc;
	return reports_insert_done_recv(d, &sent, sha256, content_key, look, r, v, id, existed, done);
}

int reports_set_content_key(struct db *d, long long id, const char *content_key)
{
	struct db_stmt *st;
	int rc;

	if (content_key == NULL || *content_key == '\0')
		return DB_OK;
	/* only a row without one, and only a key no other row holds (two
	 * deliveries recorded before there were content keys stay two) */
	st = db_prepare(d, "UPDATE reports SET content_key = ? WHERE id = ? AND content_key IS NULL"
			   " AND NOT EXISTS (SELECT 1 FROM reports r2 WHERE r2.content_key = ?)");
	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, content_key);
	db_bind_int(st, 2, id);
	db_bind_text(st, 3, content_key);
	rc = db_step(d, st);
	db_finalize(st);
	return db_result(rc);
}

int reports_set_incident(struct db *d, long long id, long long incident_id)
{
	struct db_stmt *st = db_prepare(d, "UPDATE reports SET incident_id = ? WHERE id = ?");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, incident_id);
	db_bind_int(st, 2, id);
	rc = db_step(d, st);
	db_finalize(st);
	return db_result(rc);
}

int reports_set_spool_path(struct db *d, long long id, const char *spool_name)
{
	struct db_stmt *st = db_prepare(d, "UPDATE reports SET spool_path = ? WHERE id = ?");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, spool_name);
	db_bind_int(st, 2, id);
	rc = db_step(d, st);
	db_finalize(st);
	return db_result(rc);
}

int reports_has_spool_name(struct db *d, const char *name)
{
	struct db_stmt *st = db_prepare(d, "SELECT 1 FROM reports WHERE spool_path = ? LIMIT 1");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, name);
	rc = db_step(d, st);
	db_finalize(st);
	if (rc == DB_ROW)
		return 1;
	return rc == DB_DONE ? 0 : db_result(rc);
}

int reports_meta_get(struct db *d, const char *key, long long *value)
{
	struct db_stmt *st = db_prepare(d, "SELECT value FROM meta WHERE key = ?");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, key);
	rc = db_step(d, st);
	if (rc == DB_ROW)
		*value = db_col_int(st, 0);
	db_finalize(st);
	if (rc == DB_ROW)
		return 1;
	return rc == DB_DONE ? 0 : db_result(rc);
}

int reports_meta_set(struct db *d, const char *key, long long value)
{
	struct db_stmt *st = db_prepare(d, "INSERT INTO meta(key, value) VALUES (?, ?)"
					 " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, key);
	db_bind_int(st, 2, value);
	rc = db_step(d, st);
	db_finalize(st);
	return db_result(rc);
}
