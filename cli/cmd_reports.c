/*
 * cmd_reports - list stored reports (app_reports, app/helpdesk.c).
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "../app/helpdesk.h"
#include "../util/msg.h"
#include "cli.h"
#include "helpdesk.h"

int cmd_reports(struct cli *c, int argc, char **argv)
{
	static const char *cols[] = { "id", "received", "status", "format", "feedback_type", "reporter",
				      "source_ip", "verdict", "abused_host", "incident", "subject", "category" };
	enum out_format fmt = OUT_TABLE;
	long since = 0, limit = 100;
	const char *status = NULL;
	struct table t;
	struct db d;
	struct report_rows rows;
	long long total;
	char when[32];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
			if (time_parse_span(argv[++i], &since) < 0) {
				msg_error("--since: expected a duration like 24h or 7d");
				return EX_USAGE;
			}
		} else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
			if (str_to_long(argv[++i], 1, 1000000, &limit) < 0) {
				msg_error("--limit: expected a number from 1 to 1000000");
				return EX_USAGE;
			}
		} else if (strcmp(argv[i], "--status") == 0 && i + 1 < argc) {
			status = argv[++i];
			if (strcmp(status, "pending") != 0 && strcmp(status, "done") != 0) {
				msg_error("--status: no report status '%.60s'; valid: pending, done", status);
				return EX_USAGE;
			}
		} else if (strcmp(argv[i], "--wide") == 0) {
			out_set_wide();
		} else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			if (out_format_parse(argv[++i], &fmt) < 0) {
				msg_error("--format: expected table, json or csv");
				return EX_USAGE;
			}
		} else {
			return cli_usage("reports");
		}
	}
	if (cli_config(c) < 0)
		return EX_CONFIG;
	if (cli_db(c, &d) < 0)
		return EX_UNAVAILABLE;
	if (app_reports(&d, since, status, limit, &rows) != DB_OK && rows.n == 0) {
		db_close(&d);
		return EX_SOFTWARE;
	}
	if (fmt == OUT_JSON) {
		/* the one JSON of a report list (app/helpdesk_json.c, the API's too) */
		struct buf b;

		buf_init(&b, 0);
		app_reports_json(&rows, &b);
		fwrite(b.data, 1, b.len, stdout);
		buf_free(&b);
		if (rows.n > 0 && (long)rows.n == limit && (total = app_reports_count(&d, since, status)) > limit)
			fprintf(stderr, "showing %zu of %lld (--limit N shows more)\n", rows.n, total);
		report_rows_free(&rows);
		db_close(&d);
		return EX_OK;
	}
	table_init(&t, sizeof(cols) / sizeof(cols[0]), cols);
	table_numeric(&t, 0);
	table_numeric(&t, 9);
	/* on a narrow terminal: format details, source and status go first;
	 * subject, reporter and host get shorter */
	table_fit(&t, 4, 0, 6);
	table_fit(&t, 3, 0, 5);
	table_fit(&t, 2, 0, 4);
	table_fit(&t, 6, 0, 3);
	table_fit(&t, 7, 0, 2);
	table_fit(&t, 5, 12, 0);
	table_fit(&t, 8, 12, 1);
	table_fit(&t, 10, 16, 0);
	table_fit(&t, 11, 0, 7);
	for (size_t i = 0; i < rows.n; i++) {
		const struct report_row *r = &rows.v[i];

		table_row(&t);
		table_setf(&t, 0, "%lld", r->id);
		hd_when(r->received_at, fmt, when);
		table_set(&t, 1, when);
		table_set(&t, 2, r->status);
		table_set(&t, 3, r->format);
		table_set(&t, 4, r->feedback_type);
		table_set(&t, 5, r->reporter);
		table_set(&t, 6, r->source_ip);
		table_set(&t, 7, r->verdict);
		table_set(&t, 8, r->abused_host);
		if (r->incident > 0)
			table_setf(&t, 9, "%lld", r->incident);
		table_set(&t, 10, r->subject);
		table_set(&t, 11, r->category);
	}
	report_rows_free(&rows);
	table_print(&t, fmt, stdout);
	if (t.nrows > 0 && (long)t.nrows == limit && (total = app_reports_count(&d, since, status)) > limit)
		fprintf(fmt == OUT_TABLE ? stdout : stderr, "showing %zu of %lld (--limit N shows more)\n",
			t.nrows, total);
	table_free(&t);
	db_close(&d);
	return EX_OK;
}
