/*
 * db/digest - the queries behind `abusedesk digest`.
 *
 * Everything the digest says is read here into a struct digest; the
 * renderers (digest_text.c, digest_html.c) only format it. Each query is a
 * range over an index (reports_received, incidents_created, incidents_status,
 * incidents_resolved, incident_events_i) so that a digest over a million
 * reports stays well under a second; lists are LIMITed in SQL and counted by
 * a separate count(*) so that no query walks more rows than it must.
 *
 * Bound parameters, the same in every statement: ?1 start and ?2 end of the
 * range, ?3 owner (NULL = all), ?4 list limit, ?5 the stale cutoff.
 */
#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"
#include "../util/str.h"
#include "db_int.h"
#include "digest.h"

#define LIVE "status IN ('open','notified','acknowledged')"
#define BY_OWNER "(?3 IS NULL OR owner = ?3)"
#define IN_RANGE(col) col " >= ?1 AND " col " < ?2"
#define INC_COLS "i.id, i.status, i.verdict, coalesce(i.abused_host, i.key_host), i.abused_ip," \
	" i.owner, i.reports, (SELECT count(*) FROM reports r WHERE r.incident_id = i.id" \
	" AND r.received_at >= ?1 AND r.received_at < ?2), i.first_seen, i.last_seen"
#define UNTRACED "(status != 'done' OR format IS NULL OR format = 'unknown'" \
	" OR verdict IS NULL OR verdict = 'unknown')"
/* INSTR is SQLite's instr(), PostgreSQL's strpos() (same arguments) */
#define REPORTER_DOMAIN(INSTR) "lower(rtrim(CASE WHEN " INSTR "(reporter, '@') > 0" \
	" THEN substr(reporter, " INSTR "(reporter, '@') + 1) ELSE reporter END, '> '))"

/* query context: the database, the range and the first error seen */
struct q {
	struct db *d;
	long long from, to, cutoff;
	const char *owner;
	int err;
};

/* q_prepare - prepare sql and bind the standard parameters */
static struct db_stmt *q_prepare(struct q *q, const char *sql)
{
	struct db_stmt *st = db_prepare(q->d, sql);

	if (st == NULL) {
		q->err = DB_ERROR;
		return NULL;
	}
	/* parameters a statement does not use are ignored: harmless */
	db_bind_int(st, 1, q->from);
	db_bind_int(st, 2, q->to);
	if (q->owner)
		db_bind_text(st, 3, q->owner);
	else
		db_bind_null(st, 3);
	db_bind_int(st, 4, DIGEST_LIST_MAX);
	db_bind_int(st, 5, q->cutoff);
	return st;
}

/* q_done - finalize, noting an error when the last step was not DB_DONE */
static void q_done(struct q *q, struct db_stmt *st, int rc)
{
	if (rc != DB_DONE && rc != DB_ROW && q->err == 0)
		q->err = rc == DB_BUSY ? DB_BUSY : DB_ERROR;
	db_finalize(st);
}

/* q_long - the first column of a one-row query */
static long q_long(struct q *q, const char *sql)
{
	struct db_stmt *st = q_prepare(q, sql);
	long v = 0;
	int rc;

	if (st == NULL)
		return 0;
	if ((rc = db_step(q->d, st)) == DB_ROW)
		v = (long)db_col_int(st, 0);
	q_done(q, st, rc);
	return v;
}

/* col_dup - a column as an owned string ("" for NULL) */
static char *col_dup(struct db_stmt *st, int i)
{
	return xstrdup(db_col_text(st, i));
}

/* q_incs - the rows of list_sql (INC_COLS) and the count of count_sql */
static void q_incs(struct q *q, const char *list_sql, const char *count_sql, struct digest_incs *out)
{
	struct db_stmt *st = q_prepare(q, list_sql);
	int rc;

	out->v = xcalloc(DIGEST_LIST_MAX, sizeof(*out->v));
	if (st == NULL)
		return;
	while ((rc = db_step(q->d, st)) == DB_ROW && out->n < DIGEST_LIST_MAX) {
		struct digest_inc *in = &out->v[out->n++];

		in->id = db_col_int(st, 0);
		in->status = col_dup(st, 1);
		in->verdict = col_dup(st, 2);
		in->host = col_dup(st, 3);
		in->ip = col_dup(st, 4);
		in->owner = col_dup(st, 5);
		in->reports = (long)db_col_int(st, 6);
		in->period_reports = (long)db_col_int(st, 7);
		in->first_seen = db_col_int(st, 8);
		in->last_seen = db_col_int(st, 9);
	}
	q_done(q, st, rc);
	out->total = (long)out->n < DIGEST_LIST_MAX ? (long)out->n : q_long(q, count_sql);
}

/* counts_add - add n to column col of key (merged; past the cap into 'other') */
static void counts_add(struct digest_counts *c, const char *key, int col, long n)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].key, key) == 0) {
			c->v[i].v[col] += n;
			return;
		}
	if (c->n >= DIGEST_KEYS_MAX) {
		if (col == 0)
			c->other += n;
		return;
	}
	if (c->v == NULL)
		c->v = xcalloc(DIGEST_KEYS_MAX, sizeof(*c->v));
	c->v[c->n].key = xstrdup(key);
	c->v[c->n++].v[col] = n;
}

/* q_counts - add the (key, count) rows of sql into column col of c */
static void q_counts(struct q *q, const char *sql, struct digest_counts *c, int col)
{
	struct db_stmt *st = q_prepare(q, sql);
	int rc;

	if (st == NULL)
		return;
	while ((rc = db_step(q->d, st)) == DB_ROW)
		counts_add(c, db_col_text(st, 0), col, (long)db_col_int(st, 1));
	q_done(q, st, rc);
}

/* count_cmp - most reports first, then most open, then by key */
static int count_cmp(const void *a, const void *b)
{
	const struct digest_count *x = a, *y = b;

	if (x->v[0] != y->v[0])
		return x->v[0] < y->v[0] ? 1 : -1;
	if (x->v[2] != y->v[2])
		return x->v[2] < y->v[2] ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* collect_incidents - new, growing, open, resolved and stale incidents */
static void collect_incidents(struct q *q, struct digest *dg)
{
	q_incs(q, "SELECT " INC_COLS " FROM incidents i WHERE " IN_RANGE("created_at") " AND " BY_OWNER
		  " ORDER BY created_at DESC, id DESC LIMIT ?4",
	       "SELECT count(*) FROM incidents WHERE " IN_RANGE("created_at") " AND " BY_OWNER,
	       &dg->new_incs);
	q_incs(q, "SELECT " INC_COLS " FROM (SELECT incident_id AS id, count(*) AS n FROM reports"
		  " WHERE " IN_RANGE("received_at") " AND incident_id IS NOT NULL GROUP BY incident_id) p"
		  " JOIN incidents i ON i.id = p.id WHERE i.created_at < ?1 AND (?3 IS NULL OR i.owner = ?3)"
		  " ORDER BY p.n DESC, i.id LIMIT ?4",
	       "SELECT count(*) FROM (SELECT DISTINCT incident_id AS id FROM reports"
		  " WHERE " IN_RANGE("received_at") " AND incident_id IS NOT NULL) p"
		  " JOIN incidents i ON i.id = p.id WHERE i.created_at < ?1 AND (?3 IS NULL OR i.owner = ?3)",
	       &dg->growing);
	q_incs(q, "SELECT " INC_COLS " FROM incidents i WHERE " LIVE " AND " BY_OWNER
		  " ORDER BY last_seen DESC, id DESC LIMIT ?4",
	       "SELECT count(*) FROM incidents WHERE " LIVE " AND " BY_OWNER, &dg->open);
	q_incs(q, "SELECT " INC_COLS " FROM incidents i WHERE " IN_RANGE("resolved_at") " AND " BY_OWNER
		  " ORDER BY resolved_at DESC, id DESC LIMIT ?4",
	       "SELECT count(*) FROM incidents WHERE " IN_RANGE("resolved_at") " AND " BY_OWNER,
	       &dg->resolved);
	q_incs(q, "SELECT " INC_COLS " FROM incidents i WHERE " LIVE " AND last_seen < ?5"
		  " AND " BY_OWNER " AND NOT EXISTS (SELECT 1 FROM incident_events e"
		  " WHERE e.incident_id = i.id AND e.at >= ?5) ORDER BY last_seen, id LIMIT ?4",
	       "SELECT count(*) FROM incidents i WHERE " LIVE " AND last_seen < ?5 AND " BY_OWNER
		  " AND NOT EXISTS (SELECT 1 FROM incident_events e WHERE e.incident_id = i.id"
		  " AND e.at >= ?5)", &dg->stale);
	dg->new_count = dg->new_incs.total;
	dg->resolved_count = dg->resolved.total;
}

/* collect_counts - by verdict, by owner, top hosts, injectors and reporters */
static void collect_counts(struct q *q, struct digest *dg)
{
	q_counts(q, "SELECT verdict, count(*) FROM reports WHERE " IN_RANGE("received_at") " AND "
		    BY_OWNER " GROUP BY 1", &dg->by_verdict, 0);
	q_counts(q, "SELECT verdict, count(*) FROM incidents WHERE " IN_RANGE("created_at") " AND "
		    BY_OWNER " GROUP BY 1", &dg->by_verdict, 1);
	q_counts(q, "SELECT verdict, count(*) FROM incidents WHERE " LIVE " AND " BY_OWNER
		    " GROUP BY 1", &dg->by_verdict, 2);
	q_counts(q, "SELECT owner, count(*) FROM reports WHERE " IN_RANGE("received_at") " AND "
		    BY_OWNER " GROUP BY 1", &dg->by_owner, 0);
	q_counts(q, "SELECT owner, count(*) FROM incidents WHERE " IN_RANGE("created_at") " AND "
		    BY_OWNER " GROUP BY 1", &dg->by_owner, 1);
	q_counts(q, "SELECT owner, count(*) FROM incidents WHERE " LIVE " AND " BY_OWNER
		    " GROUP BY 1", &dg->by_owner, 2);
	q_counts(q, "SELECT c, count(*) FROM (SELECT " SQL_REPORT_CATEGORY " AS c FROM reports WHERE "
		    IN_RANGE("received_at") " AND " BY_OWNER ") AS r WHERE c IS NOT NULL GROUP BY 1",
		    &dg->by_category, 0);
	q_counts(q, "SELECT c, count(DISTINCT incident_id) FROM (SELECT " SQL_REPORT_CATEGORY " AS c,"
		    " incident_id FROM reports WHERE " IN_RANGE("received_at") " AND " BY_OWNER
		    ") AS r WHERE c IS NOT NULL GROUP BY 1", &dg->by_category, 1);
	if (dg->by_category.n)
		qsort(dg->by_category.v, dg->by_category.n, sizeof(struct digest_count), count_cmp);
	if (dg->by_verdict.n)
		qsort(dg->by_verdict.v, dg->by_verdict.n, sizeof(struct digest_count), count_cmp);
	if (dg->by_owner.n)
		qsort(dg->by_owner.v, dg->by_owner.n, sizeof(struct digest_count), count_cmp);
	q_counts(q, "SELECT coalesce(abused_host, abused_ip) AS h, count(*) AS n FROM reports WHERE "
		    IN_RANGE("received_at") " AND " BY_OWNER " AND coalesce(abused_host, abused_ip) IS NOT NULL"
		    " GROUP BY h ORDER BY n DESC, h LIMIT 10", &dg->hosts, 0);
	q_counts(q, "SELECT injector_ip AS h, count(*) AS n FROM reports WHERE " IN_RANGE("received_at")
		    " AND " BY_OWNER " AND injector_ip IS NOT NULL GROUP BY h ORDER BY n DESC, h LIMIT 10",
		 &dg->injectors, 0);
#define BY_REPORTER(INSTR) "SELECT " REPORTER_DOMAIN(INSTR) " AS h, count(*) AS n FROM reports WHERE " \
	IN_RANGE("received_at") " AND " BY_OWNER " AND reporter IS NOT NULL AND reporter != ''" \
	" GROUP BY h ORDER BY n DESC, h LIMIT 10"
	q_counts(q, db_dialect(q->d) == DB_PGSQL ? BY_REPORTER("strpos") : BY_REPORTER("instr"), &dg->reporters, 0);
#undef BY_REPORTER
}

/* collect_untraced - reports that could not be parsed or traced */
static void collect_untraced(struct q *q, struct digest *dg)
{
	struct db_stmt *st;
	int rc;

	st = q_prepare(q, "SELECT sum(CASE WHEN status != 'done' THEN 1 ELSE 0 END),"
			  " sum(CASE WHEN status = 'done' AND (format IS NULL OR format = 'unknown') THEN 1 ELSE 0 END),"
			  " sum(CASE WHEN status = 'done' AND format IS NOT NULL AND format != 'unknown'"
			  "  AND (verdict IS NULL OR verdict = 'unknown') THEN 1 ELSE 0 END)"
			  " FROM reports WHERE " IN_RANGE("received_at") " AND " BY_OWNER);
	if (st && (rc = db_step(q->d, st)) == DB_ROW) {
		dg->bad_status = (long)db_col_int(st, 0);
		dg->bad_format = (long)db_col_int(st, 1);
		dg->bad_verdict = (long)db_col_int(st, 2);
	}
	if (st)
		q_done(q, st, rc);
	dg->untraced_total = dg->bad_status + dg->bad_format + dg->bad_verdict;
	dg->untraced = xcalloc(DIGEST_LIST_MAX, sizeof(*dg->untraced));
	st = q_prepare(q, "SELECT id, received_at, status, format, verdict, reporter,"
			  " coalesce(orig_subject, subject) FROM reports WHERE " IN_RANGE("received_at")
			  " AND " BY_OWNER " AND " UNTRACED " ORDER BY received_at, id LIMIT ?4");
	if (st == NULL)
		return;
	while ((rc = db_step(q->d, st)) == DB_ROW && dg->n_untraced < DIGEST_LIST_MAX) {
		struct digest_report *r = &dg->untraced[dg->n_untraced++];

		r->id = db_col_int(st, 0);
		r->received_at = db_col_int(st, 1);
		r->status = col_dup(st, 2);
		r->format = col_dup(st, 3);
		r->verdict = col_dup(st, 4);
		r->reporter = col_dup(st, 5);
		r->subject = col_dup(st, 6);
	}
	q_done(q, st, rc);
	if (q->owner == NULL) {
		dg->pending_all = q_long(q, "SELECT count(*) FROM reports WHERE status = 'pending'");
		dg->failed_all = q_long(q, "SELECT count(*) FROM reports WHERE status = 'failed'");
	}
}

/* collect_chart - reports per UTC day and verdict over the last DIGEST_CHART_DAYS days */
static void collect_chart(struct q *q, struct digest *dg)
{
	struct q c = *q;
	struct db_stmt *st;
	int rc;

	dg->chart_start = ((dg->to - 1) / 86400 - (DIGEST_CHART_DAYS - 1)) * 86400;
	c.from = dg->chart_start;
	dg->chart = xcalloc(DIGEST_KEYS_MAX, sizeof(*dg->chart));
	st = q_prepare(&c, "SELECT (received_at - ?1) / 86400, verdict, count(*) FROM reports"
			   " WHERE " IN_RANGE("received_at") " AND " BY_OWNER " GROUP BY 1, 2");
	if (st == NULL) {
		q->err = c.err;
		return;
	}
	while ((rc = db_step(c.d, st)) == DB_ROW) {
		long long day = db_col_int(st, 0);
		long n = (long)db_col_int(st, 2);
		const char *v = db_col_text(st, 1);
		size_t k;

		if (day < 0 || day >= DIGEST_CHART_DAYS)
			continue;
		dg->chart_total[day] += n;
		counts_add(&dg->chart_verdicts, v, 0, n);
		for (k = 0; k < dg->chart_verdicts.n; k++)
			if (strcmp(dg->chart_verdicts.v[k].key, v) == 0)
				dg->chart[k][day] += n;
	}
	q_done(&c, st, rc);
	if (c.err)
		q->err = c.err;
}

int digest_collect(struct db *d, long long from, long long to, const char *owner,
		   long long now, struct digest *dg)
{
	struct q q = { d, from, to, to - DIGEST_STALE_DAYS * 86400LL, owner, 0 };
	struct q prev = q;

	/* a period that ends now holds what arrived in this very second too: with
	 * the end exclusive at now, a report (and its new incident) received in
	 * the second the digest runs was missing from the digest that ends now */
	if (to == now)
		q.to = now + 1;
	memset(dg, 0, sizeof(*dg));
	dg->from = from;
	dg->to = to;
	dg->now = now;
	dg->owner = xstrdup(owner);
	dg->reports = q_long(&q, "SELECT count(*) FROM reports WHERE " IN_RANGE("received_at")
				 " AND " BY_OWNER);
	prev.from = from - (to - from);
	prev.to = from;
	dg->prev_reports = q_long(&prev, "SELECT count(*) FROM reports WHERE " IN_RANGE("received_at")
					 " AND " BY_OWNER);
	dg->prev_new = q_long(&prev, "SELECT count(*) FROM incidents WHERE " IN_RANGE("created_at")
				     " AND " BY_OWNER);
	dg->prev_resolved = q_long(&prev, "SELECT count(*) FROM incidents WHERE "
					  IN_RANGE("resolved_at") " AND " BY_OWNER);
	collect_incidents(&q, dg);
	collect_counts(&q, dg);
	collect_untraced(&q, dg);
	collect_chart(&q, dg);
	if (q.err == 0)
		q.err = prev.err;
	if (q.err) {
		digest_free(dg);
		return q.err;
	}
	return 0;
}

int digest_is_empty(const struct digest *dg)
{
	return dg->reports == 0 && dg->new_count == 0 && dg->growing.total == 0 &&
	       dg->resolved_count == 0;
}

/* incs_free - free one incident list */
static void incs_free(struct digest_incs *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].status);
		free(l->v[i].verdict);
		free(l->v[i].host);
		free(l->v[i].ip);
		free(l->v[i].owner);
	}
	free(l->v);
}

/* counts_free - free one count table */
static void counts_free(struct digest_counts *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].key);
	free(c->v);
}

void digest_free(struct digest *dg)
{
	incs_free(&dg->new_incs);
	incs_free(&dg->growing);
	incs_free(&dg->open);
	incs_free(&dg->resolved);
	incs_free(&dg->stale);
	counts_free(&dg->by_verdict);
	counts_free(&dg->by_owner);
	counts_free(&dg->by_category);
	counts_free(&dg->hosts);
	counts_free(&dg->injectors);
	counts_free(&dg->reporters);
	counts_free(&dg->chart_verdicts);
	for (size_t i = 0; i < dg->n_untraced; i++) {
		struct digest_report *r = &dg->untraced[i];

		free(r->status);
		free(r->format);
		free(r->verdict);
		free(r->reporter);
		free(r->subject);
	}
	free(dg->untraced);
	free(dg->chart);
	free(dg->owner);
	memset(dg, 0, sizeof(*dg));
}

/* digest_owners - owners with digest = 1 and an email, as key/email pairs */
int digest_owners(struct db *d, struct strlist *keys, struct strlist *emails)
{
	struct db_stmt *st = db_prepare(d, "SELECT key, email FROM owners WHERE digest = 1"
					 " AND email IS NOT NULL AND email != '' ORDER BY key");
	int rc;

	if (st == NULL)
		return DB_ERROR;
	while ((rc = db_step(d, st)) == DB_ROW) {
		strlist_add(keys, db_col_text(st, 0));
		strlist_add(emails, db_col_text(st, 1));
	}
	db_finalize(st);
	return db_result(rc);
}
