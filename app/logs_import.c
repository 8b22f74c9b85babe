/*
 * logs_import - the mail log and NAT record imports, each file in one
 * transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/csv.h"
#include "../correlate/logs/maillog_parse.h"
#include "../correlate/logs/natlog_parse.h"
#include "../db/maillog.h"
#include "../db/natlog.h"
#include "../ingest/spool.h"
#include "../util/msg.h"
#include "logs_import.h"
#include "records.h"

/* maillog_stream - every line of fp; counts in n */
static int maillog_stream(struct db *d, FILE *fp, struct log_import *n)
{
	char *line = NULL, hash[65];
	size_t cap = 0;
	ssize_t len;
	long long now = db_now();
	struct maillog_rec r;
	struct db_maillog_rec dr;
	int rc = DB_OK;

	while (rc >= 0 && (len = getline(&line, &cap, fp)) > 0) {
		n->lines++;
		if (!maillog_parse_line(line, (size_t)len, now, &r))
			continue;
		n->records++;
		spool_sha256(line, (size_t)len > MAILLOG_MAX_LINE ? MAILLOG_MAX_LINE : (size_t)len, hash);
		app_maillog_rec(&r, &dr);
		rc = maillog_insert(d, &dr, hash);
		if (rc == 1)
			n->added++;
	}
	free(line);
	return rc < 0 ? rc : DB_OK;
}

int app_maillog_import(struct db *d, FILE *fp, const char *file, struct log_import *n)
{
	int rc;

	memset(n, 0, sizeof(*n));
	rc = db_begin(d);
	if (rc == DB_OK)
		rc = maillog_stream(d, fp, n);
	if (rc == DB_OK && ferror(fp)) {
		msg_error("%s: read error, nothing imported", file);
		rc = DB_ERROR;
	}
	if (rc == DB_OK)
		rc = db_commit(d);
	else
		db_rollback(d);
	return rc;
}

/* nat_row - validate and store one record; 0 ok, 1 bad (reason in err), -1 database */
static int nat_row(struct db *d, struct csv_in *in, char *err, size_t elen, long *added)
{
	struct nat_rec r;
	int rc;

	if (natlog_parse_fields(in->f, in->n, &r, err, elen) < 0)
		return 1;
	rc = natlog_insert(d, r.at, &r.inside, r.inside_port, &r.outside, r.outside_port);
	if (rc < 0)
		return -1;
	*added += rc;
	return 0;
}

/* nat_rows - every record; bad rows reported; returns bad count or -1 */
static int nat_rows(struct db *d, FILE *fp, const char *file, FILE *errfp, struct log_import *n)
{
	struct csv_in in;
	char err[256];
	int rc, nbad = 0, first = 1;

	csv_in_init(&in, fp);
	while (nbad < NAT_MAX_ERRORS && (rc = csv_in_next(&in, err, sizeof(err))) != 0) {
		if (rc > 0 && first && natlog_is_header(in.f, in.n)) {
			first = 0;
			continue;
		}
		first = 0;
		if (rc > 0 && (rc = nat_row(d, &in, err, sizeof(err), &n->added)) < 0) {
			nbad = -1;
			break;
		}
		if (rc != 0) {
			fprintf(errfp, "%s:%ld: %s\n", file, in.rec_line, err);
			nbad++;
		} else {
			n->records++;
		}
	}
	csv_in_free(&in);
	return nbad;
}

int app_natlog_import(struct db *d, FILE *fp, const char *file, FILE *errfp, struct log_import *n)
{
	int rc, nbad = 0;

	memset(n, 0, sizeof(*n));
	if ((rc = db_begin(d)) == DB_OK && (nbad = nat_rows(d, fp, file, errfp, n)) == 0)
		rc = db_commit(d);
	else
		db_rollback(d);
	if (nbad > 0) {
		n->bad = nbad;
		return DB_OK;
	}
	if (rc == DB_OK && nbad < 0)
		rc = DB_ERROR;
	return rc;
}
