/*
 * cmd_search - `abusedesk search IP|MESSAGE-ID|TEXT` and `abusedesk stats`.
 *
 * search: an address is looked up exactly (incidents.abused_ip, reports'
 * source and injector IPs, hops of reported messages); something with an
 * '@' also as a Message-ID (the reported message's or the report's own);
 * anything else (or a Message-ID not found) as text: a LIKE with % and _
 * escaped over the newest 5,000 incidents (host, owner, account,
 * explanation) and the newest 5,000 reports of the last --since (default
 * 90d), so a text search costs the same whatever the size of the database.
 *
 * An address or Message-ID reads at most 100 index entries per column.
 *
 * stats: incidents active since --since (default 30d) by verdict, status
 * and owner, and reports received since then by reporter (top 20 each,
 * ties by value), exact to the second: whole days come from the per-day
 * counters of db/schema.c, the first partial day from the rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "../db/db_int.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "cli.h"
#include "helpdesk.h"

#define SEARCH_LIMIT 100
#define SEARCH_SCAN  "5000"    /* newest incidents / reports a text search reads */

static const char *search_cols[] = { "kind", "id", "incident", "when", "status", "verdict", "host", "summary" };

/* add_rows - run st (columns as search_cols minus kind) into t as kind */
static void add_rows(struct db *d, sqlite3_stmt *st, const char *kind, struct table *t, enum out_format f)
{
	char when[32];

	while (st && db_step(d, st) == SQLITE_ROW && t->nrows < SEARCH_LIMIT) {
		int dup = 0;

		for (size_t r = 0; r < t->nrows && !dup; r++)
			dup = strcmp(t->cells[r * t->ncols], kind) == 0 &&
			      strcmp(t->cells[r * t->ncols + 1], db_col_text(st, 0)) == 0;
		if (dup)
			continue;
		table_row(t);
		table_set(t, 0, kind);
		for (int i = 0; i < 7; i++) {
			if (i == 2) {
				hd_when(sqlite3_column_int64(st, 2), f, when);
				table_set(t, 3, when);
			} else if (sqlite3_column_type(st, i) != SQLITE_NULL) {
				table_set(t, (size_t)i + 1, db_col_text(st, i));
			}
		}
	}
	sqlite3_finalize(st);
}

#define INC_COLS "SELECT id, id, last_seen, status, verdict, coalesce(abused_host, key_host)," \
	" coalesce(owner, '') || ' ' || coalesce(explanation, '') FROM incidents "
#define REP_COLS "SELECT id, incident_id, received_at, status, verdict, abused_host," \
	" coalesce(reporter, '') || ': ' || coalesce(orig_subject, subject, '') FROM reports "

/*
 * NEWEST(col) - ids of the newest 100 reports with col = ?1: one index range
 * per column, so an OR of two columns never turns into a scan of reports
 */
#define NEWEST(col) "SELECT id FROM (SELECT id FROM reports WHERE " col " = ?1 ORDER BY id DESC LIMIT 100)"

/* query - prepare sql and bind v to ?1 (text), since to ?2 when given */
static sqlite3_stmt *query(struct db *d, const char *sql, const char *v, long long since)
{
	sqlite3_stmt *st = db_prepare(d, sql);

	if (st) {
		db_bind_text(st, 1, v);
		if (sqlite3_bind_parameter_count(st) >= 2)
			db_bind_int(st, 2, since);
	}
	return st;
}

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

/* search_exact - by address or Message-ID; 1 when q was an address */
static int search_exact(struct db *d, const char *q, struct table *t, enum out_format f)
{
	char ip[46], mid[512];
	size_t n;

	if (ip_normalize(q, ip) == 0) {
		add_rows(d, query(d, INC_COLS "WHERE abused_ip = ?1 ORDER BY last_seen DESC LIMIT 100", ip, 0),
			 "incident", t, f);
		add_rows(d, query(d, REP_COLS "WHERE id IN (" NEWEST("source_ip") " UNION " NEWEST("injector_ip")
				  ") ORDER BY id DESC LIMIT 100", ip, 0), "report", t, f);
		add_rows(d, query(d, REP_COLS "WHERE id IN (SELECT report_id FROM report_hops WHERE from_ip = ?1"
				  " ORDER BY report_id DESC LIMIT 100) ORDER BY id DESC", ip, 0), "report", t, f);
		return 1;
	}
	if (strchr(q, '@') == NULL)
		return 0;
	str_copy(mid, sizeof(mid), q[0] == '<' ? q + 1 : q);
	n = strlen(mid);
	if (n && mid[n - 1] == '>')
		mid[n - 1] = '\0';
	add_rows(d, query(d, REP_COLS "WHERE id IN (" NEWEST("orig_message_id") " UNION " NEWEST("message_id")
			  ") ORDER BY id DESC LIMIT 100", mid, 0), "report", t, f);
	return 0;
}

int cmd_search(struct cli *c, int argc, char **argv)
{
	enum out_format fmt = OUT_TABLE;
	const char *q = NULL;
	long since = 90 * 86400L;
	struct table t;
	struct db d;
	char *pat;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc && out_format_parse(argv[i + 1], &fmt) == 0)
			i++;
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc && time_parse_span(argv[i + 1], &since) == 0)
			i++;
		else if (q == NULL && argv[i][0] != '\0')
			q = argv[i];
		else
			return cli_usage("search");
	}
	if (q == NULL || strlen(q) > 500)
		return cli_usage("search");
	if (cli_db(c, &d) < 0)
		return EX_UNAVAILABLE;
	table_init(&t, 8, search_cols);
	table_numeric(&t, 1);
	table_numeric(&t, 2);
	if (search_exact(&d, q, &t, fmt) || t.nrows > 0)
		goto out;      /* an address, or a Message-ID that was found */
	pat = like_pattern(q);
	add_rows(&d, query(&d, INC_COLS "WHERE id IN (SELECT id FROM incidents ORDER BY last_seen DESC LIMIT "
			   SEARCH_SCAN ") AND (key_host LIKE ?1 ESCAPE '\\' OR owner LIKE ?1 ESCAPE '\\'"
			   " OR auth_user LIKE ?1 ESCAPE '\\' OR explanation LIKE ?1 ESCAPE '\\')"
			   " ORDER BY last_seen DESC LIMIT 100", pat, 0), "incident", &t, fmt);
	add_rows(&d, query(&d, REP_COLS "WHERE id IN (SELECT id FROM reports WHERE received_at >= ?2"
			   " ORDER BY received_at DESC LIMIT " SEARCH_SCAN ") AND (reporter LIKE ?1 ESCAPE '\\'"
			   " OR orig_subject LIKE ?1 ESCAPE '\\' OR orig_from LIKE ?1 ESCAPE '\\'"
			   " OR subject LIKE ?1 ESCAPE '\\' OR original_mail_from LIKE ?1 ESCAPE '\\')"
			   " ORDER BY received_at DESC LIMIT 100", pat, db_now() - since), "report", &t, fmt);
	free(pat);
out:
	table_print(&t, fmt, stdout);
	db_close(&d);
	if (t.nrows == 0 && fmt == OUT_TABLE)
		fprintf(stderr, "nothing found\n");
	table_free(&t);
	return EX_OK;
}

/*
 * STAT_SQL - the top 20 of a stats dimension since ?1: whole UTC days (day
 * >= ?2) from the per-day counters the schema's triggers keep, the partial
 * first day [?1, ?3) from the rows themselves, so the cost is that of one
 * day of rows plus a few counters a day, whatever the span.
 */
#define STAT_SQL(counters, rows) "SELECT v, sum(n) FROM (" counters " UNION ALL " rows ") GROUP BY v" \
	" ORDER BY 2 DESC, 1 LIMIT 20"
#define STAT_INC(dim, col) STAT_SQL("SELECT value AS v, n FROM incident_days WHERE dim = '" dim "' AND day >= ?2", \
	"SELECT " col ", 1 FROM incidents WHERE last_seen >= ?1 AND last_seen < ?3")

int cmd_stats(struct cli *c, int argc, char **argv)
{
	static const char *cols[] = { "by", "value", "count" };
	static const struct { const char *by, *sql; } q[] = {
		{ "verdict", STAT_INC("verdict", "verdict") },
		{ "status", STAT_INC("status", "status") },
		{ "owner", STAT_INC("owner", "coalesce(owner, '-')") },
		{ "reporter", STAT_SQL("SELECT reporter AS v, n FROM report_days WHERE day >= ?2",
				       "SELECT coalesce(reporter, '-'), 1 FROM reports"
				       " WHERE received_at >= ?1 AND received_at < ?3") },
	};
	enum out_format fmt = OUT_TABLE;
	long since = 30 * 86400L;
	long long from;
	struct table t;
	struct db d;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc && out_format_parse(argv[i + 1], &fmt) == 0)
			i++;
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc && time_parse_span(argv[i + 1], &since) == 0)
			i++;
		else
			return cli_usage("stats");
	}
	from = db_now() - since;
	if (from < 0)
		from = 0;
	if (cli_db(c, &d) < 0)
		return EX_UNAVAILABLE;
	table_init(&t, 3, cols);
	table_numeric(&t, 2);
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		sqlite3_stmt *st = db_prepare(&d, q[i].sql);

		if (st == NULL)
			continue;
		db_bind_int(st, 1, from);
		db_bind_int(st, 2, from / 86400 + 1);
		db_bind_int(st, 3, (from / 86400 + 1) * 86400);
		while (db_step(&d, st) == SQLITE_ROW) {
			table_row(&t);
			table_set(&t, 0, q[i].by);
			table_set(&t, 1, db_col_text(st, 0));
			table_set(&t, 2, db_col_text(st, 1));
		}
		sqlite3_finalize(st);
	}
	table_print(&t, fmt, stdout);
	table_free(&t);
	db_close(&d);
	return EX_OK;
}
