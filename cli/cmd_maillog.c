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

#include "../app/logs_import.h"
#include "../util/msg.h"
#include "cli.h"

int cmd_maillog(struct cli *c, int argc, char **argv)
{
	const char *file;
	FILE *fp;
	struct db d;
	struct log_import n;
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
	rc = app_maillog_import(&d, fp, file, &n);
	cli_close_input(fp);
	db_close(&d);
	if (rc != DB_OK) {
		msg_error("%s: database %s, nothing imported", file, rc == DB_BUSY ? "busy" : "error");
		return rc == DB_BUSY ? EX_TEMPFAIL : EX_SOFTWARE;
	}
	if (n.lines > 0 && n.records == 0) {
		msg_warn("%s: %ld lines, none recognised as a Postfix or Exim log line: nothing imported"
			 " (abusedesk(1), maillog, lists the lines it reads)", file, n.lines);
		return EX_DATAERR;
	}
	msg_info("%s: %ld lines, %ld records, %ld new", file, n.lines, n.records, n.added);
	return EX_OK;
}
