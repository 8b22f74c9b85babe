/*
 * cmd_db - `abusedesk db copy SRC DST`: a whole database from one store to
 * another, SQLite or PostgreSQL on either side (db/dbcopy.h).
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "../db/dbcopy.h"
#include "../util/msg.h"
#include "cli.h"

struct copy_progress {
	int tty;
	struct timespec t0;
};

/* show - the table and its rows so far, on a terminal */
static void show(const char *table, long long rows, void *arg)
{
	struct copy_progress *p = arg;
	struct timespec now;
	double s;

	if (!p->tty)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	s = (double)(now.tv_sec - p->t0.tv_sec) + (double)(now.tv_nsec - p->t0.tv_nsec) / 1e9;
	fprintf(stderr, "\rcopy: %-16s %10lld rows  %6.1f s", table, rows, s);
	fflush(stderr);
}

int cmd_db(struct cli *c, int argc, char **argv)
{
	struct db src, dst;
	struct dbcopy_result r;
	struct copy_progress p;
	char err[512];
	int rc, bad = 0;

	if (argc != 4 || strcmp(argv[1], "copy") != 0)
		return cli_usage("db");
	if (cli_config(c) < 0)
		return EX_CONFIG;
	if (strcmp(argv[2], argv[3]) == 0) {
		msg_error("db copy: the source and the destination are the same database");
		return EX_USAGE;
	}
	if (db_is_file(argv[2]) && access(argv[2], R_OK) != 0) {
		msg_error("db copy: %s: no such database", argv[2]);
		return EX_NOINPUT;
	}
	if (db_open(&src, argv[2], c->cfg.db_busy_timeout, 0, err, sizeof(err)) != DB_OK) {
		msg_error("%s", err);
		return EX_NOINPUT;
	}
	if (db_open(&dst, argv[3], c->cfg.db_busy_timeout, 1, err, sizeof(err)) != DB_OK) {
		msg_error("%s", err);
		db_close(&src);
		return EX_CANTCREAT;
	}
	/* a whole table is one statement: no deadline on the server's answer */
	db_answer_unbounded(&src);
	db_answer_unbounded(&dst);
	if (db_schema_version(&src) != DB_SCHEMA_VERSION) {
		msg_error("db copy: %s has schema version %d, this abusedesk %d: run abusedesk init on it first",
			  src.path, db_schema_version(&src), DB_SCHEMA_VERSION);
		rc = EX_DATAERR;
		goto out;
	}
	if (db_migrate(&dst, err, sizeof(err)) != DB_OK) {
		msg_error("%s", err);
		rc = EX_CANTCREAT;
		goto out;
	}
	p.tty = isatty(2);
	clock_gettime(CLOCK_MONOTONIC, &p.t0);
	rc = db_copy(&src, &dst, show, &p, &r, err, sizeof(err));
	if (p.tty)
		fputc('\n', stderr);
	if (rc != DB_OK) {
		msg_error("db copy: %s (nothing was copied)", err);
		rc = rc == DB_BUSY ? EX_TEMPFAIL : EX_SOFTWARE;
		goto out;
	}
	printf("%-20s %12s %12s\n", "table", "source", "copy");
	for (size_t i = 0; i < r.n; i++) {
		int same = r.t[i].src_rows == r.t[i].dst_rows;

		bad += !same;
		printf("%-20s %12lld %12lld%s%s\n", r.t[i].name, r.t[i].src_rows, r.t[i].dst_rows,
		       r.t[i].copied ? "" : "  (counted again)", same ? "" : "  DIFFERS");
	}
	printf("db copy: %lld rows from %s to %s; %s\n", r.rows, src.path, dst.path,
	       bad ? "counts differ" : "every table has the same count");
	rc = bad ? EX_DATAERR : EX_OK;
out:
	db_close(&src);
	db_close(&dst);
	return rc;
}
