/*
 * cmd_reports - list stored reports.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "../db/db_int.h"
#include "../util/msg.h"
#include "cli.h"

int cmd_reports(struct cli *c, int argc, char **argv)
{
	static const char *cols[] = { "id", "received", "status", "format", "feedback_type", "reporter",
				      "source_ip", "verdict", "abused_host", "incident", "subject" };
	enum out_format fmt = OUT_TABLE;
	long since = 0, limit = 100;
	const char *status = NULL;
	struct table t;
	struct db d;
	sqlite3_stmt *st;
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
	st = db_prepare(&d, "SELECT id, received_at, status, format, feedback_type, reporter, source_ip,"
			    " verdict, abused_host, incident_id, coalesce(orig_subject, subject)"
			    " FROM reports WHERE received_at >= ? AND (?2 IS NULL OR status = ?2)"
			    " ORDER BY received_at DESC, id DESC LIMIT ?");
	if (st == NULL) {
		db_close(&d);
		return EX_SOFTWARE;
	}
	db_bind_int(st, 1, since ? db_now() - since : 0);
	db_bind_text(st, 2, status);
	db_bind_int(st, 3, limit);
	table_init(&t, sizeof(cols) / sizeof(cols[0]), cols);
	table_numeric(&t, 0);
	table_numeric(&t, 9);
	while (db_step(&d, st) == SQLITE_ROW) {
		table_row(&t);
		for (int col = 0; col < 11; col++) {
			if (col == 1) {
				time_rfc3339((time_t)sqlite3_column_int64(st, 1), when);
				table_set(&t, 1, when);
			} else if (sqlite3_column_type(st, col) != SQLITE_NULL) {
				table_set(&t, (size_t)col, db_col_text(st, col));
			}
		}
	}
	sqlite3_finalize(st);
	table_print(&t, fmt, stdout);
	table_free(&t);
	db_close(&d);
	return EX_OK;
}
