/*
 * db/helpdesk - the queries of the helpdesk (db/helpdesk.h): the incident
 * list, one incident's page, search, stats, the report list, the inventory
 * export and the owner lookup.
 *
 * Every filter is a bound value on an indexed column (status, owner,
 * key_host, abused_ip, verdict, last_seen), so a list answers quickly with
 * 100,000 incidents. A text search is a LIKE with % and _ escaped over the
 * newest 5,000 incidents and reports; an address or Message-ID reads at most
 * 100 index entries per column. Stats take whole UTC days from the per-day
 * counters of db/schema.c and the first partial day from the rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/ipaddr.h"
#include "../util/mem.h"
#include "db_int.h"
#include "helpdesk.h"

/* grow - room for one more element of size sz in *v (n used, *cap allocated) */
static void *grow(void *v, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 16;
	return xrealloc(v, *cap * sz);
}

/* text_or_null - an owned copy of a column, NULL for SQL NULL */
static char *text_or_null(struct db_stmt *st, int i)
{
	return db_col_type(st, i) == DB_T_NULL ? NULL : xstrdup(db_col_text(st, i));
}

/* finish - finalize and map the last step's code */
static int finish(struct db_stmt *st, int rc)
{
	db_finalize(st);
	return db_result(rc);
}

/* bind_name - bind a text by parameter name when the query has it */
static void bind_name(struct db_stmt *st, const char *name, const char *v)
{
	int i = db_bind_index(st, name);

	if (i > 0)
		db_bind_text(st, i, v);
}

/* like_suffix - %.text with \ % _ escaped: a name ending in ".text" */
static char *like_suffix(const char *s)
{
	struct buf b;

	buf_init(&b, 300);
	buf_puts(&b, "%.");
	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *s);
	}
	return buf_steal(&b);
}

/* where - the WHERE clause of the incident filter f */
static void where(struct buf *q, const struct hd_filter *f)
{
	buf_puts(q, " WHERE 1 = 1");
	if (f->id > 0)
		buf_puts(q, " AND i.id = :id");
	if (f->status && strcmp(f->status, "active") == 0)
		buf_puts(q, " AND i.status IN ('open','notified','acknowledged')");
	else if (f->status)
		buf_puts(q, " AND i.status = :status");
	if (f->owner)
		buf_puts(q, " AND i.owner = :owner");
	if (f->host)
		/* a subdomain is a LIKE '%.name': in a subquery it reads the
		 * key_host index alone (SQLite: a covering index scan; PostgreSQL:
		 * the trigram index where pg_trgm is there), not every row */
		buf_puts(q, " AND i.id IN (SELECT id FROM incidents WHERE key_host = :host"
			 " OR key_host LIKE :suffix ESCAPE '\\')");
	if (f->ip && f->ip[0])
		buf_puts(q, " AND i.abused_ip = :ip");
	if (f->net && f->net[0])
		buf_puts(q, " AND ad_in_net(i.abused_ip, :net)");
	if (f->verdict)
		buf_puts(q, " AND i.verdict = :verdict");
	if (f->assignee)
		buf_puts(q, " AND i.assignee = :assignee");
	if (f->since > 0)
		buf_puts(q, " AND i.last_seen >= :since");
}

/* prepare - q with the filter's values bound (suffix: its LIKE pattern, owned by the caller) */
static struct db_stmt *prepare(struct db *d, const char *q, const struct hd_filter *f, char **suffix)
{
	struct db_stmt *st;

	*suffix = NULL;
	if (f->net && f->net[0] && db_dialect(d) == DB_SQLITE && db_sqlite_in_net(d) != DB_OK)
		return NULL;
	if ((st = db_prepare(d, q)) == NULL)
		return NULL;
	if (f->host)
		*suffix = like_suffix(f->host);
	bind_name(st, ":status", f->status);
	bind_name(st, ":owner", f->owner);
	bind_name(st, ":host", f->host);
	bind_name(st, ":suffix", *suffix);
	bind_name(st, ":ip", f->ip);
	bind_name(st, ":net", f->net);
	bind_name(st, ":verdict", f->verdict);
	bind_name(st, ":assignee", f->assignee);
	if (f->id > 0)
		db_bind_int(st, db_bind_index(st, ":id"), f->id);
	if (f->since > 0)
		db_bind_int(st, db_bind_index(st, ":since"), f->since);
	return st;
}

long long hd_incidents_count(struct db *d, const struct hd_filter *f)
{
	struct buf q;
	struct db_stmt *st;
	char *suffix;
	long long n = -1;

	buf_init(&q, 0);
	buf_puts(&q, "SELECT count(*) FROM incidents i");
	where(&q, f);
	st = prepare(d, q.data, f, &suffix);
	buf_free(&q);
	if (st && db_step(d, st) == DB_ROW)
		n = db_col_int(st, 0);
	db_finalize(st);
	free(suffix);
	return n;
}

int hd_incidents(struct db *d, const struct hd_filter *f, struct incident_rows *out)
{
	static const char *const orders[] = {
		[HD_SORT_LAST_SEEN] = "i.last_seen DESC, i.id DESC",
		[HD_SORT_FIRST_SEEN] = "i.first_seen DESC, i.id DESC",
		[HD_SORT_REPORTS] = "i.reports DESC, i.last_seen DESC, i.id DESC",
		[HD_SORT_ID] = "i.id DESC",
	};
	struct buf q;
	struct db_stmt *st;
	size_t cap = 0;
	char *suffix = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	buf_init(&q, 0);
	buf_puts(&q, "SELECT i.id, i.status, i.verdict, coalesce(i.abused_host, i.key_host), i.abused_ip, i.owner,"
		     " i.reports, i.reporters, i.first_seen, i.last_seen, i.role, i.confidence, i.explanation,"
		     " i.auth_user, i.messages, i.injectors, i.created_at, i.resolved_at,"
		     " (SELECT max(sent_at) FROM outbox o WHERE o.incident_id = i.id AND o.kind = 'notify'"
		     " AND o.state = 'sent'), i.assignee,"
		     " (SELECT group_concat(c, ',') FROM (SELECT DISTINCT " SQL_REPORT_CATEGORY " AS c"
		     "  FROM reports WHERE incident_id = i.id AND " SQL_REPORT_CATEGORY " IS NOT NULL ORDER BY c) AS cats)"
		     " FROM incidents i");
	where(&q, f);
	buf_printf(&q, " ORDER BY %s LIMIT :limit",
		   orders[f->sort >= HD_SORT_LAST_SEEN && f->sort <= HD_SORT_ID ? f->sort : HD_SORT_LAST_SEEN]);
	if (f->offset > 0)
		buf_puts(&q, " OFFSET :offset");
	st = prepare(d, q.data, f, &suffix);
	buf_free(&q);
	if (st == NULL)
		return DB_ERROR;
	if (f->offset > 0)
		db_bind_int(st, db_bind_index(st, ":offset"), f->offset);
	db_bind_int(st, db_bind_index(st, ":limit"), f->limit > 0 ? f->limit : 1);
	while ((rc = db_step(d, st)) == DB_ROW) {
		struct incident_row *r;

		out->v = grow(out->v, out->n, &cap, sizeof(*out->v));
		r = &out->v[out->n++];
		r->id = db_col_int(st, 0);
		r->status = text_or_null(st, 1);
		r->verdict = text_or_null(st, 2);
		r->host = text_or_null(st, 3);
		r->ip = text_or_null(st, 4);
		r->owner = text_or_null(st, 5);
		r->reports = db_col_int(st, 6);
		r->reporters = db_col_int(st, 7);
		r->first_seen = db_col_int(st, 8);
		r->last_seen = db_col_int(st, 9);
		r->role = text_or_null(st, 10);
		r->confidence = text_or_null(st, 11);
		r->explanation = text_or_null(st, 12);
		r->auth_user = text_or_null(st, 13);
		r->messages = db_col_int(st, 14);
		r->injectors = db_col_int(st, 15);
		r->created_at = db_col_int(st, 16);
		r->resolved_at = db_col_int(st, 17);
		r->notified_at = db_col_int(st, 18);
		r->assignee = text_or_null(st, 19);
		r->categories = text_or_null(st, 20);
	}
	free(suffix);
	return finish(st, rc);
}

int hd_incident_status(struct db *d, long long id, char *out, size_t len)
{
	struct db_stmt *st = db_prepare(d, "SELECT status FROM incidents WHERE id = ?");
	int rc, found = 0;

	if (len)
		out[0] = '\0';
	if (st == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, id);
	if ((rc = db_step(d, st)) == DB_ROW) {
		snprintf(out, len, "%s", db_col_text(st, 0));
		found = 1;
	}
	rc = finish(st, rc);
	return rc == DB_OK ? found : rc;
}

void incident_rows_free(struct incident_rows *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].status);
		free(r->v[i].verdict);
		free(r->v[i].host);
		free(r->v[i].ip);
		free(r->v[i].owner);
		free(r->v[i].role);
		free(r->v[i].confidence);
		free(r->v[i].explanation);
		free(r->v[i].auth_user);
		free(r->v[i].assignee);
		free(r->v[i].categories);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

const struct hd_cell *hd_cell_at(const struct hd_table *t, size_t r, size_t c)
{
	return &t->cells[r * t->ncols + c];
}

void hd_table_free(struct hd_table *t)
{
	for (size_t i = 0; i < t->ncols; i++)
		free(t->names[i]);
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i].s);
	free(t->names);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

/* table_query - every row of sql (?1 bound to id when id > 0) into t */
static int table_query(struct db *d, const char *sql, long long id, struct hd_table *t)
{
	struct db_stmt *st = db_prepare(d, sql);
	size_t cap = 0;
	int rc;

	memset(t, 0, sizeof(*t));
	if (st == NULL)
		return DB_ERROR;
	if (id > 0)
		db_bind_int(st, 1, id);
	/* the names after the first step: a server backend knows them from its result */
	rc = db_step(d, st);
	t->ncols = (size_t)db_col_count(st);
	t->names = xcalloc(t->ncols ? t->ncols : 1, sizeof(char *));
	for (size_t c = 0; c < t->ncols; c++)
		t->names[c] = xstrdup(db_col_name(st, (int)c));
	for (; rc == DB_ROW; rc = db_step(d, st)) {
		if (t->nrows == cap) {
			cap = cap ? cap * 2 : 16;
			t->cells = xrealloc(t->cells, cap * (t->ncols ? t->ncols : 1) * sizeof(*t->cells));
		}
		for (size_t c = 0; c < t->ncols; c++) {
			struct hd_cell *x = &t->cells[t->nrows * t->ncols + c];
			int ty = db_col_type(st, (int)c);

			x->type = ty == DB_T_NULL ? HD_NULL : ty == DB_T_INT ? HD_INT : HD_TEXT;
			x->i = db_col_int(st, (int)c);
			x->s = xstrdup(db_col_text(st, (int)c));
		}
		t->nrows++;
	}
	return finish(st, rc);
}

int hd_incident_page(struct db *d, long long id, struct incident_page *p)
{
	static const char *q_incident =
		"SELECT i.id, i.status, i.verdict, i.key_host, i.abused_host, i.abused_ip, i.owner, i.role,"
		" i.confidence, i.explanation, i.auth_user, i.first_seen, i.last_seen, i.reports, i.messages,"
		" i.reporters, i.injectors, i.created_at, i.resolved_at, i.notified_at,"
		" o.name AS owner_name, o.email AS owner_email, o.policy AS owner_policy,"
		" (SELECT group_concat(c, ',') FROM (SELECT DISTINCT " SQL_REPORT_CATEGORY " AS c"
		"  FROM reports WHERE incident_id = i.id AND " SQL_REPORT_CATEGORY " IS NOT NULL ORDER BY c) AS cats) AS categories"
		" FROM incidents i LEFT JOIN owners o ON o.key = i.owner WHERE i.id = ?1";
	struct hd_table n;

	memset(p, 0, sizeof(*p));
	table_query(d, q_incident, id, &p->incident);
	if (p->incident.nrows == 0)
		return 0;
	table_query(d, "SELECT value AS ip, count FROM incident_keys WHERE incident_id = ?1 AND kind = 'injector'"
		    " ORDER BY count DESC, value LIMIT 20", id, &p->injectors);
	table_query(d, "SELECT id, received_at, format, " SQL_REPORT_CATEGORY " AS category, feedback_type,"
		    " reporter, source_ip, injector_ip, orig_message_id, orig_subject FROM reports WHERE incident_id = ?1"
		    " ORDER BY received_at DESC, id DESC LIMIT 20", id, &p->reports);
	table_query(d, "SELECT * FROM (SELECT received_at, id, format, feedback_type, reporter,"
		    " source_ip, orig_subject, " SQL_REPORT_CATEGORY " AS category FROM reports WHERE incident_id = ?1 ORDER BY received_at DESC,"
		    " id DESC LIMIT 20) AS t ORDER BY received_at, id", id, &p->timeline);
	table_query(d, "SELECT at, actor, old_status, new_status, note FROM incident_events WHERE incident_id = ?1"
		    " ORDER BY at, id LIMIT 100", id, &p->events);
	table_query(d, "SELECT idx, from_ip, port, from_rdns, helo, by_host, with_proto, queue_id, auth, date"
		    " FROM report_hops WHERE report_id = (SELECT id FROM reports WHERE incident_id = ?1"
		    " ORDER BY received_at DESC, id DESC LIMIT 1) ORDER BY idx LIMIT 15", id, &p->hops);
	table_query(d, "SELECT created_at, kind, channel, recipient, state, attempts, sent_at, subject,"
		    " last_error FROM outbox WHERE incident_id = ?1 ORDER BY id DESC LIMIT 20", id,
		    &p->notifications);
	table_query(d, "SELECT at, target, kind, result, detail FROM probes WHERE incident_id = ?1"
		    " ORDER BY at DESC LIMIT 20", id, &p->probes);
	table_query(d, "SELECT id AS report_id, injector_ip, coalesce(contact_email, CASE WHEN contact_at"
		    " IS NULL THEN 'not looked up' ELSE 'unknown contact' END) AS contact,"
		    " coalesce(forward_state, 'not forwarded') AS forward, forward_to, forward_at FROM reports"
		    " WHERE incident_id = ?1 AND verdict = 'not_ours' ORDER BY id DESC LIMIT 20", id, &p->outside);
	table_query(d, "SELECT max(sent_at) FROM outbox WHERE incident_id = ?1 AND kind = 'notify'"
		    " AND state = 'sent'", id, &n);
	if (n.nrows && hd_cell_at(&n, 0, 0)->type != HD_NULL)
		p->notified_at = hd_cell_at(&n, 0, 0)->i;
	hd_table_free(&n);
	return 0;
}

void incident_page_free(struct incident_page *p)
{
	hd_table_free(&p->incident);
	hd_table_free(&p->injectors);
	hd_table_free(&p->reports);
	hd_table_free(&p->timeline);
	hd_table_free(&p->events);
	hd_table_free(&p->hops);
	hd_table_free(&p->notifications);
	hd_table_free(&p->probes);
	hd_table_free(&p->outside);
}

#define SEARCH_SCAN "5000"    /* newest incidents / reports a text search reads */
#define INC_SEL "SELECT id, id, last_seen, status, verdict, coalesce(abused_host, key_host)," \
	" coalesce(owner, '') || ' ' || coalesce(explanation, '')"
#define REP_SEL "SELECT id, incident_id, received_at, status, verdict, abused_host," \
	" coalesce(reporter, '') || ': ' || coalesce(orig_subject, subject, '')"
#define INC_COLS INC_SEL " FROM incidents "
#define REP_COLS REP_SEL " FROM reports "
/*
 * NEWEST(col) - ids of the newest 100 reports with col = ?1: one index range
 * per column, so an OR of two columns never turns into a scan of reports
 */
#define NEWEST(col) "SELECT id FROM (SELECT id FROM reports WHERE " col " = ?1 ORDER BY id DESC LIMIT 100) AS n_" col

/* like_pattern - %text% with \ % _ escaped */
static char *like_pattern(const char *s)
{
	struct buf b;

	buf_init(&b, 1024);
	buf_putc(&b, '%');
	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *s);
	}
	buf_putc(&b, '%');
	return buf_steal(&b);
}

/* in_net - column i of the row is an address inside net */
static int in_net(const struct cidr *net, struct db_stmt *st, int i)
{
	struct ipaddr a;

	return db_col_type(st, i) != DB_T_NULL && ip_parse(db_col_text(st, i), &a) == 0 &&
	       cidr_contains(net, &a);
}

int hd_search(struct db *d, enum hd_search_by by, const char *v, long long since, struct search_hits *out)
{
	static const char *sql[] = {
		[HS_INCIDENT_IP] = INC_COLS "WHERE abused_ip = ?1 ORDER BY last_seen DESC, id DESC LIMIT 100",
		[HS_REPORT_IP] = REP_COLS "WHERE id IN (" NEWEST("source_ip") " UNION " NEWEST("injector_ip")
			") ORDER BY id DESC LIMIT 100",
		[HS_REPORT_HOP] = REP_COLS "WHERE id IN (SELECT report_id FROM report_hops WHERE from_ip = ?1"
			" ORDER BY report_id DESC LIMIT 100) ORDER BY id DESC",
		[HS_REPORT_MESSAGE_ID] = REP_COLS "WHERE id IN (" NEWEST("orig_message_id") " UNION "
			NEWEST("message_id") ") ORDER BY id DESC LIMIT 100",
		/* the text searches read the newest rows in a derived table: its LIMIT
		 * keeps the filter to them (written as "id IN (newest)", PostgreSQL's
		 * planner filtered every row first and joined after) */
		[HS_INCIDENT_TEXT] = INC_SEL " FROM (SELECT id, last_seen, status, verdict, abused_host, key_host, owner,"
			" explanation, auth_user FROM incidents ORDER BY last_seen DESC, id DESC LIMIT " SEARCH_SCAN ") AS n"
			" WHERE (lower(key_host) LIKE lower(?1) ESCAPE '\\' OR lower(owner) LIKE lower(?1) ESCAPE '\\'"
			" OR lower(auth_user) LIKE lower(?1) ESCAPE '\\' OR lower(explanation) LIKE lower(?1) ESCAPE '\\')"
			" ORDER BY last_seen DESC, id DESC LIMIT 100",
		[HS_REPORT_TEXT] = REP_SEL " FROM (SELECT id, incident_id, received_at, status, verdict, abused_host, reporter,"
			" orig_subject, orig_from, subject, original_mail_from FROM reports WHERE received_at >= ?2"
			" ORDER BY received_at DESC, id DESC LIMIT " SEARCH_SCAN ") AS n WHERE (lower(reporter) LIKE lower(?1) ESCAPE '\\'"
			" OR lower(orig_subject) LIKE lower(?1) ESCAPE '\\' OR lower(orig_from) LIKE lower(?1) ESCAPE '\\'"
			" OR lower(subject) LIKE lower(?1) ESCAPE '\\' OR lower(original_mail_from) LIKE lower(?1) ESCAPE '\\')"
			" ORDER BY received_at DESC, id DESC LIMIT 100",
		/* a network: the newest rows, filtered here (columns 7 and 8 are the addresses) */
		[HS_INCIDENT_CIDR] = INC_SEL ", abused_ip, NULL FROM incidents WHERE abused_ip IS NOT NULL"
			" ORDER BY last_seen DESC, id DESC LIMIT " SEARCH_SCAN,
		[HS_REPORT_CIDR] = REP_SEL ", source_ip, injector_ip FROM reports ORDER BY received_at DESC, id DESC LIMIT "
			SEARCH_SCAN,
	};
	int text = by == HS_INCIDENT_TEXT || by == HS_REPORT_TEXT, rc;
	int range = by == HS_INCIDENT_CIDR || by == HS_REPORT_CIDR;
	char *pat = text ? like_pattern(v) : NULL;
	struct cidr net;
	struct db_stmt *st;
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	if (range && cidr_parse(v, &net) < 0)
		return DB_ERROR;
	if ((unsigned)by >= sizeof(sql) / sizeof(sql[0]) || (st = db_prepare(d, sql[by])) == NULL) {
		free(pat);
		return DB_ERROR;
	}
	if (db_bind_count(st) >= 1)
		db_bind_text(st, 1, pat ? pat : v);
	if (db_bind_count(st) >= 2)
		db_bind_int(st, 2, since);
	while ((rc = db_step(d, st)) == DB_ROW) {
		struct search_hit *h;

		if (range && !in_net(&net, st, 7) && !in_net(&net, st, 8))
			continue;
		if (out->n >= 100) {
			rc = DB_DONE;
			break;
		}

		out->v = grow(out->v, out->n, &cap, sizeof(*out->v));
		h = &out->v[out->n++];
		h->kind = by == HS_INCIDENT_IP || by == HS_INCIDENT_TEXT || by == HS_INCIDENT_CIDR ? "incident" : "report";
		h->id = db_col_int(st, 0);
		h->incident = db_col_int(st, 1);
		h->when = db_col_int(st, 2);
		h->status = text_or_null(st, 3);
		h->verdict = text_or_null(st, 4);
		h->host = text_or_null(st, 5);
		h->summary = text_or_null(st, 6);
	}
	free(pat);
	return finish(st, rc);
}

void search_hits_free(struct search_hits *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].status);
		free(h->v[i].verdict);
		free(h->v[i].host);
		free(h->v[i].summary);
	}
	free(h->v);
	memset(h, 0, sizeof(*h));
}

/*
 * STAT_SQL - the top 20 of a stats dimension since ?1: whole UTC days (day
 * >= ?2) from the per-day counters the schema's triggers keep, the partial
 * first day [?1, ?3) from the rows themselves, so the cost is that of one
 * day of rows plus a few counters a day, whatever the span.
 */
#define STAT_SQL(counters, rows) "SELECT v, sum(n) FROM (" counters " UNION ALL " rows ") AS u GROUP BY v" \
	" ORDER BY 2 DESC, 1 LIMIT 20"
#define STAT_INC(dim, col) STAT_SQL("SELECT value AS v, n FROM incident_days WHERE dim = '" dim "' AND day >= ?2", \
	"SELECT " col ", 1 FROM incidents WHERE last_seen >= ?1 AND last_seen < ?3")

int hd_stats(struct db *d, long long from, struct stat_rows *out)
{
	static const struct { const char *by, *sql; } q[] = {
		{ "verdict", STAT_INC("verdict", "verdict") },
		{ "status", STAT_INC("status", "status") },
		{ "owner", STAT_INC("owner", "coalesce(owner, '-')") },
		{ "reporter", STAT_SQL("SELECT reporter AS v, n FROM report_days WHERE day >= ?2",
				       "SELECT coalesce(reporter, '-'), 1 FROM reports"
				       " WHERE received_at >= ?1 AND received_at < ?3") },
	};
	size_t cap = 0;
	int err = DB_OK;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		struct db_stmt *st = db_prepare(d, q[i].sql);
		int rc;

		if (st == NULL) {
			err = DB_ERROR;
			continue;
		}
		db_bind_int(st, 1, from);
		db_bind_int(st, 2, from / 86400 + 1);
		db_bind_int(st, 3, (from / 86400 + 1) * 86400);
		while ((rc = db_step(d, st)) == DB_ROW) {
			struct stat_row *r;

			out->v = grow(out->v, out->n, &cap, sizeof(*out->v));
			r = &out->v[out->n++];
			r->by = q[i].by;
			r->value = xstrdup(db_col_text(st, 0));
			r->count = db_col_int(st, 1);
		}
		if ((rc = finish(st, rc)) != DB_OK)
			err = rc;
	}
	return err;
}

void stat_rows_free(struct stat_rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].value);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

int hd_reports(struct db *d, long long since, const char *status, long limit, struct report_rows *out)
{
	struct db_stmt *st = db_prepare(d, "SELECT id, received_at, status, format, feedback_type, reporter,"
				      " source_ip, verdict, abused_host, incident_id, coalesce(orig_subject, subject),"
				      " " SQL_REPORT_CATEGORY " FROM reports WHERE received_at >= ? AND (?2 IS NULL OR status = ?2)"
				      " ORDER BY received_at DESC, id DESC LIMIT ?");
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, since);
	db_bind_text(st, 2, status);
	db_bind_int(st, 3, limit);
	while ((rc = db_step(d, st)) == DB_ROW) {
		struct report_row *r;

		out->v = grow(out->v, out->n, &cap, sizeof(*out->v));
		r = &out->v[out->n++];
		r->id = db_col_int(st, 0);
		r->received_at = db_col_int(st, 1);
		r->status = text_or_null(st, 2);
		r->format = text_or_null(st, 3);
		r->feedback_type = text_or_null(st, 4);
		r->reporter = text_or_null(st, 5);
		r->source_ip = text_or_null(st, 6);
		r->verdict = text_or_null(st, 7);
		r->abused_host = text_or_null(st, 8);
		r->incident = db_col_int(st, 9);
		r->subject = text_or_null(st, 10);
		r->category = text_or_null(st, 11);
	}
	return finish(st, rc);
}

long long hd_reports_count(struct db *d, long long since, const char *status)
{
	struct db_stmt *st = db_prepare(d, "SELECT count(*) FROM reports WHERE received_at >= ?"
				      " AND (?2 IS NULL OR status = ?2)");
	long long n = -1;
	int rc;

	if (st == NULL)
		return -1;
	db_bind_int(st, 1, since);
	db_bind_text(st, 2, status);
	if ((rc = db_step(d, st)) == DB_ROW)
		n = db_col_int(st, 0);
	return finish(st, rc) == DB_OK ? n : -1;
}

void report_rows_free(struct report_rows *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct report_row *x = &r->v[i];

		free(x->status);
		free(x->format);
		free(x->feedback_type);
		free(x->reporter);
		free(x->source_ip);
		free(x->verdict);
		free(x->abused_host);
		free(x->subject);
		free(x->category);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

int hd_inventory_export(struct db *d, const char *kind, struct hd_table *t)
{
	static const struct { const char *kind, *sql; } q[] = {
		{ "owners", "SELECT key, name, email, webhook_url, policy,"
			    " CASE digest WHEN 0 THEN 'no' ELSE 'yes' END FROM owners ORDER BY key" },
		{ "networks", "SELECT cidr, owner, role, note FROM networks ORDER BY lo, prefix" },
		{ "hosts", "SELECT h.name, (SELECT group_concat(ip_text, ' ') FROM (SELECT ip_text FROM host_ips"
			   " WHERE host_id = h.id ORDER BY ip) AS a), h.role, h.owner, h.note FROM hosts h ORDER BY h.name" },
	};
	/* PostgreSQL says string_agg, with its own ORDER BY */
	static const char pg_hosts[] = "SELECT h.name, (SELECT string_agg(ip_text, ' ' ORDER BY ip) FROM host_ips"
		" WHERE host_id = h.id), h.role, h.owner, h.note FROM hosts h ORDER BY h.name";

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		if (strcmp(kind, q[i].kind) == 0)
			return table_query(d, db_dialect(d) == DB_PGSQL && strcmp(kind, "hosts") == 0 ? pg_hosts :
					   q[i].sql, 0, t);
	return -1;
}

int hd_owner(struct db *d, const char *key, struct owner_row *o)
{
	struct db_stmt *st = db_prepare(d, "SELECT name, email, webhook_url, policy, digest FROM owners WHERE key = ?");
	int rc, found = 0;

	memset(o, 0, sizeof(*o));
	if (st == NULL)
		return DB_ERROR;
	db_bind_text(st, 1, key);
	if ((rc = db_step(d, st)) == DB_ROW) {
		o->name = xstrdup(db_col_text(st, 0));
		o->email = xstrdup(db_col_text(st, 1));
		o->webhook_url = xstrdup(db_col_text(st, 2));
		o->policy = xstrdup(db_col_text(st, 3));
		o->digest = (int)db_col_int(st, 4) != 0;
		found = 1;
	}
	rc = finish(st, rc);
	return rc == DB_OK ? found : rc;
}

void owner_row_free(struct owner_row *o)
{
	free(o->name);
	free(o->email);
	free(o->webhook_url);
	free(o->policy);
	memset(o, 0, sizeof(*o));
}

/* dash_query - the rows (key, sub, n) of sql with ?1 = since into out; a db result */
static int dash_query(struct db *d, const char *sql, long long since, struct dash_rows *out)
{
	struct db_stmt *st = db_prepare(d, sql);
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return DB_ERROR;
	db_bind_int(st, 1, since);
	while ((rc = db_step(d, st)) == DB_ROW && out->n < 10000) {
		struct dash_row *r;

		out->v = grow(out->v, out->n, &cap, sizeof(*out->v));
		r = &out->v[out->n++];
		r->key = xstrdup(db_col_text(st, 0));
		r->sub = text_or_null(st, 1);
		r->n = db_col_int(st, 2);
	}
	return finish(st, rc == DB_ROW ? DB_DONE : rc);
}

int hd_dashboard(struct db *d, long long since, struct dashboard *out)
{
	long long now = db_now(), day0 = since;
	char sql[512];
	int rc;

	memset(out, 0, sizeof(*out));
	if (day0 < now - 92 * 86400LL)
		day0 = now - 92 * 86400LL;
	day0 -= day0 % 86400;
	/* the day as YYYY-MM-DD (UTC): SQLite's strftime, PostgreSQL's to_char */
	snprintf(sql, sizeof(sql), "SELECT %s, coalesce(verdict, 'unknown'), count(*) FROM reports"
		 " WHERE received_at >= ?1 GROUP BY received_at / 86400, 2 ORDER BY received_at / 86400, 2",
		 db_dialect(d) == DB_PGSQL ?
		 "to_char(to_timestamp((received_at / 86400) * 86400) AT TIME ZONE 'UTC', 'YYYY-MM-DD')" :
		 "strftime('%Y-%m-%d', (received_at / 86400) * 86400, 'unixepoch')");
	rc = dash_query(d, sql, day0, &out->per_day);
	if (rc == DB_OK)
		rc = dash_query(d, "SELECT coalesce(owner, '-'), NULL, count(*) FROM incidents"
				   " WHERE status IN ('open','notified','acknowledged')"
				   " GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT 15", since, &out->owners);
	if (rc == DB_OK)
		rc = dash_query(d, "SELECT coalesce(abused_host, key_host, abused_ip, '-'), NULL, sum(reports)"
				   " FROM incidents WHERE last_seen >= ?1 GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT 10",
				since, &out->hosts);
	if (rc == DB_OK)
		rc = dash_query(d, "WITH b(k, o) AS (VALUES ('< 1 hour', 1), ('< 1 day', 2), ('< 1 week', 3),"
				   " ('>= 1 week', 4)), r AS (SELECT CASE WHEN resolved_at - created_at < 3600 THEN 1"
				   " WHEN resolved_at - created_at < 86400 THEN 2 WHEN resolved_at - created_at < 604800"
				   " THEN 3 ELSE 4 END AS o FROM incidents WHERE status = 'resolved' AND resolved_at >= ?1)"
				   " SELECT b.k, NULL, (SELECT count(*) FROM r WHERE r.o = b.o) FROM b ORDER BY b.o",
				since, &out->resolve);
	return rc;
}

/* dash_rows_free - one series */
static void dash_rows_free(struct dash_rows *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].key);
		free(r->v[i].sub);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

void dashboard_free(struct dashboard *b)
{
	dash_rows_free(&b->per_day);
	dash_rows_free(&b->owners);
	dash_rows_free(&b->hosts);
	dash_rows_free(&b->resolve);
}
