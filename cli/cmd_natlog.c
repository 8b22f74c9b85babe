/*
 * cmd_natlog - `abusedesk natlog import FILE.csv`: NAT translation records
 * (time, inside_ip, inside_port, outside_ip, outside_port) so that a
 * complaint naming our gateway's outside ip:port names the inside host.
 *
 * time is epoch seconds, RFC 3339 or "YYYY-MM-DD HH:MM:SS" (UTC). A first
 * line naming the columns is skipped. All or nothing, like inventory import:
 * a bad row is reported as FILE:LINE: reason and the file is rolled back.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "../app/logs_import.h"
#include "../util/msg.h"
#include "cli.h"

int cmd_natlog(struct cli *c, int argc, char **argv)
{
	const char *file;
	FILE *fp;
	struct db d;
	struct log_import n;
	int rc;

	if (argc != 3 || strcmp(argv[1], "import") != 0)
		return cli_usage("natlog");
	file = argv[2];
	if ((fp = cli_open_input(file)) == NULL)
		return EX_NOINPUT;
	if (cli_db(c, &d) < 0) {
		cli_close_input(fp);
		return EX_UNAVAILABLE;
	}
	rc = app_natlog_import(&d, fp, file, stderr, &n);
	cli_close_input(fp);
	db_close(&d);
	if (rc == DB_OK && n.bad > 0) {
		msg_error("%s: %d bad row%s: nothing imported", file, n.bad, n.bad == 1 ? "" : "s");
		return EX_DATAERR;
	}
	if (rc != DB_OK) {
		msg_error("%s: database %s, nothing imported", file, rc == DB_BUSY ? "busy" : "error");
		return rc == DB_BUSY ? EX_TEMPFAIL : EX_SOFTWARE;
	}
	msg_info("%s: %ld records, %ld new", file, n.records, n.added);
	return EX_OK;
}
