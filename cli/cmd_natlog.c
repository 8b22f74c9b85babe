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
#include <strings.h>
#include <sysexits.h>

#include "../db/natlog.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "cli.h"
#include "csv_in.h"

#define NAT_MAX_ERRORS 100

/* nat_row - validate and store one record; 0 ok, 1 bad (reason in err), -1 database */
static int nat_row(struct db *d, struct csv_in *in, char *err, size_t elen, long *added)
{
	struct ipaddr inside, outside;
	long t, iport = 0, oport;
	time_t tt;
	int rc;

	if (in->n != 5) {
		snprintf(err, elen, "%zu fields, 5 expected (time, inside_ip, inside_port, outside_ip, outside_port)", in->n);
		return 1;
	}
	if (str_to_long(in->f[0], 1, 0x7fffffffL * 2, &t) < 0) {
		if (time_parse_any(in->f[0], &tt) < 0) {
			snprintf(err, elen, "bad time '%.60s'", in->f[0]);
			return 1;
		}
		t = (long)tt;
	}
	if (ip_parse(in->f[1], &inside) < 0 || ip_parse(in->f[3], &outside) < 0) {
		snprintf(err, elen, "bad address '%.60s'", ip_parse(in->f[1], &inside) < 0 ? in->f[1] : in->f[3]);
		return 1;
	}
	if ((*in->f[2] && str_to_long(in->f[2], 0, 65535, &iport) < 0) ||
	    str_to_long(in->f[4], 1, 65535, &oport) < 0) {
		snprintf(err, elen, "bad port");
		return 1;
	}
	rc = natlog_insert(d, t, &inside, (int)iport, &outside, (int)oport);
	if (rc < 0)
		return -1;
	*added += rc;
	return 0;
}

/* nat_rows - every record; bad rows reported; returns bad count or -1 */
static int nat_rows(struct db *d, FILE *fp, const char *file, long n[2])
{
	struct csv_in in;
	char err[256];
	int rc, nbad = 0, first = 1;

	csv_in_init(&in, fp);
	while (nbad < NAT_MAX_ERRORS && (rc = csv_in_next(&in, err, sizeof(err))) != 0) {
		if (rc > 0 && first && (strcasecmp(in.f[0], "time") == 0 || strcasecmp(in.f[0], "at") == 0)) {
			first = 0;
			continue;
		}
		first = 0;
		if (rc > 0 && (rc = nat_row(d, &in, err, sizeof(err), &n[1])) < 0) {
			nbad = -1;
			break;
		}
		if (rc != 0) {
			fprintf(stderr, "%s:%ld: %s\n", file, in.rec_line, err);
			nbad++;
		} else {
			n[0]++;
		}
	}
	csv_in_free(&in);
	return nbad;
}

int cmd_natlog(struct cli *c, int argc, char **argv)
{
	const char *file;
	FILE *fp;
	struct db d;
	long n[2] = { 0, 0 };
	int rc, nbad = 0;

	if (argc != 3 || strcmp(argv[1], "import") != 0)
		return cli_usage("natlog");
	file = argv[2];
	if ((fp = cli_open_input(file)) == NULL)
		return EX_NOINPUT;
	if (cli_db(c, &d) < 0) {
		cli_close_input(fp);
		return EX_UNAVAILABLE;
	}
	if ((rc = db_begin(&d)) == DB_OK && (nbad = nat_rows(&d, fp, file, n)) == 0)
		rc = db_commit(&d);
	else
		db_rollback(&d);
	cli_close_input(fp);
	db_close(&d);
	if (nbad > 0) {
		msg_error("%s: %d bad row%s: nothing imported", file, nbad, nbad == 1 ? "" : "s");
		return EX_DATAERR;
	}
	if (rc != DB_OK || nbad < 0) {
		msg_error("%s: database %s, nothing imported", file, rc == DB_BUSY ? "busy" : "error");
		return rc == DB_BUSY ? EX_TEMPFAIL : EX_SOFTWARE;
	}
	msg_info("%s: %ld records, %ld new", file, n[0], n[1]);
	return EX_OK;
}
