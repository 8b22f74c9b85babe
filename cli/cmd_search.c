/*
 * cmd_search - `abusedesk search IP|MESSAGE-ID|TEXT` and `abusedesk stats`.
 *
 * search: a network (CIDR) is matched against the addresses of the newest
 * 5,000 incidents and reports; an address is looked up exactly (incidents.abused_ip, reports'
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
 *
 * Both are app/helpdesk.c's (queries in db/helpdesk.c); this file parses the
 * options and prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "../app/helpdesk.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "cli.h"
#include "helpdesk.h"

static const char *search_cols[] = { "kind", "id", "incident", "when", "status", "verdict", "host", "summary" };

int cmd_search(struct cli *c, int argc, char **argv)
{
	enum out_format fmt = OUT_TABLE;
	const char *q = NULL;
	long since = 90 * 86400L;
	struct search_hits h;
	struct table t;
	struct db d;
	char when[32];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc && out_format_parse(argv[i + 1], &fmt) == 0)
			i++;
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc && time_parse_span(argv[i + 1], &since) == 0)
			i++;
		else if (strcmp(argv[i], "--wide") == 0)
			out_set_wide();
		else if (q == NULL && argv[i][0] != '\0')
			q = argv[i];
		else
			return cli_usage("search");
	}
	if (q == NULL || strlen(q) > 500)
		return cli_usage("search");
	if (cli_db(c, &d) < 0)
		return EX_UNAVAILABLE;
	if (app_search(&d, q, since, &h) != DB_OK)
		msg_warn("search: database error, the list may be incomplete");
	if (fmt == OUT_JSON) {
		/* the one JSON of search hits (app/helpdesk_json.c, the API's too) */
		struct buf b;

		buf_init(&b, 0);
		app_search_json(&h, &b);
		fwrite(b.data, 1, b.len, stdout);
		buf_free(&b);
		search_hits_free(&h);
		db_close(&d);
		return EX_OK;
	}
	table_init(&t, 8, search_cols);
	table_numeric(&t, 1);
	table_numeric(&t, 2);
	/* on a narrow terminal: status, then verdict go; summary and host get shorter */
	table_fit(&t, 4, 0, 2);
	table_fit(&t, 5, 0, 1);
	table_fit(&t, 6, 12, 0);
	table_fit(&t, 7, 16, 0);
	for (size_t i = 0; i < h.n; i++) {
		const struct search_hit *x = &h.v[i];

		table_row(&t);
		table_set(&t, 0, x->kind);
		table_setf(&t, 1, "%lld", x->id);
		if (x->incident > 0)
			table_setf(&t, 2, "%lld", x->incident);
		hd_when(x->when, fmt, when);
		table_set(&t, 3, when);
		table_set(&t, 4, x->status);
		table_set(&t, 5, x->verdict);
		table_set(&t, 6, x->host);
		table_set(&t, 7, x->summary);
	}
	search_hits_free(&h);
	table_print(&t, fmt, stdout);
	db_close(&d);
	table_free(&t);
	return EX_OK;
}

int cmd_stats(struct cli *c, int argc, char **argv)
{
	static const char *cols[] = { "by", "value", "count" };
	enum out_format fmt = OUT_TABLE;
	long since = 30 * 86400L;
	struct stat_rows rows;
	struct table t;
	struct db d;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc && out_format_parse(argv[i + 1], &fmt) == 0)
			i++;
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc && time_parse_span(argv[i + 1], &since) == 0)
			i++;
		else if (strcmp(argv[i], "--wide") == 0)
			out_set_wide();
		else
			return cli_usage("stats");
	}
	if (cli_db(c, &d) < 0)
		return EX_UNAVAILABLE;
	app_stats(&d, since, &rows);
	if (fmt == OUT_JSON) {
		/* the one JSON of stats (app/helpdesk_json.c, the API's too) */
		struct buf b;

		buf_init(&b, 0);
		app_stats_json(&rows, &b);
		fwrite(b.data, 1, b.len, stdout);
		buf_free(&b);
		stat_rows_free(&rows);
		db_close(&d);
		return EX_OK;
	}
	table_init(&t, 3, cols);
	table_numeric(&t, 2);
	for (size_t i = 0; i < rows.n; i++) {
		table_row(&t);
		table_set(&t, 0, rows.v[i].by);
		table_set(&t, 1, rows.v[i].value);
		table_setf(&t, 2, "%lld", rows.v[i].count);
	}
	stat_rows_free(&rows);
	table_print(&t, fmt, stdout);
	table_free(&t);
	db_close(&d);
	return EX_OK;
}
