/*
 * cmd_maillog - `abusedesk maillog import FILE|-`: Postfix and Exim log
 * lines into the maillog table, for the trace to confirm the injecting
 * client and name the SASL account.
 *
 * Each stored line is keyed by the SHA-256 of its text, so importing the
 * same log again (or an overlapping rotation) adds nothing twice. The whole
 * file goes in one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "../app/records.h"
#include "../correlate/logs/maillog_parse.h"
#include "../db/maillog.h"
#include "../ingest/spool.h"
#include "../util/msg.h"
#include "cli.h"

/* import_stream - every line of fp; counts in n[0] read, n[1] records, n[2] added */
static int import_stream(struct db *d, FILE *fp, long n[3])
{
	char *line = NULL, hash[65];
	size_t cap = 0;
	ssize_t len;
	long long now = db_now();
	struct maillog_rec r;
	struct db_maillog_rec dr;
	int rc = DB_OK;

	while (rc >= 0 && (len = getline(&line, &cap, fp)) > 0) {
		n[0]++;
		if (!maillog_parse_line(line, (size_t)len, now, &r))
			continue;
		n[1]++;
		spool_sha256(line, (size_t)len > MAILLOG_MAX_LINE ? MAILLOG_MAX_LINE : (size_t)len, hash);
		app_maillog_rec(&r, &dr);
		rc = maillog_insert(d, &dr, hash);
		if (rc == 1)
			n[2]++;
	}
	free(line);
	return rc < 0 ? rc : DB_OK;
}

int cmd_maillog(struct cli *c, int argc, char **argv)
{
	const char *file;
	FILE *fp;
	struct db d;
	long n[3] = { 0, 0, 0 };
	int rc;

	if (argc != 3 || strcmp(argv[1], "import") != 0)
		return cli_usage("maillog");
	file = argv[2];
	if ((fp = cli_open_input(file)) == NULL)
		return EX_NOINPUT;
	if (cli_db(c, &d) < 0) {
		cli_close_input(fp);
		return EX_UNAVAILABLE;
	}
	rc = db_begin(&d);
	if (rc == DB_OK)
		rc = import_stream(&d, fp, n);
	if (rc == DB_OK && ferror(fp)) {
		msg_error("%s: read error, nothing imported", file);
		rc = DB_ERROR;
	}
	if (rc == DB_OK)
		rc = db_commit(&d);
	else
		db_rollback(&d);
	cli_close_input(fp);
	db_close(&d);
	if (rc != DB_OK) {
		msg_error("%s: database %s, nothing imported", file, rc == DB_BUSY ? "busy" : "error");
		return rc == DB_BUSY ? EX_TEMPFAIL : EX_SOFTWARE;
	}
	msg_info("%s: %ld lines, %ld records, %ld new", file, n[0], n[1], n[2]);
	return EX_OK;
}
