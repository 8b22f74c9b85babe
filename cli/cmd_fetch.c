/*
 * cmd_fetch - collect reports from IMAP mailboxes (fetch_url) through the
 * ingest path; see app/fetch.h for the guarantees.
 *
 * Exit status: 0 every mailbox read; 75 (EX_TEMPFAIL) the server could not
 * be reached, timed out or went away, or the database or spool was
 * unavailable (the next run carries on, nothing lost); 69 (EX_UNAVAILABLE)
 * the login was refused, the server's certificate is not trusted or a
 * mailbox does not exist (a person must act); 78 (EX_CONFIG) fetch_url,
 * fetch_after or fetch_password_file is wrong.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "../app/fetch.h"
#include "../ingest/privs.h"
#include "../ingest/spool.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "cli.h"

/* report - one summary line per mailbox */
static void report(void *ctx, const char *mailbox, const struct fetch_counts *n)
{
	char *mb = str_sanitize(mailbox, 300);

	(void)ctx;
	printf("fetch: %s: %ld new, %ld duplicates, %ld truncated, %ld done on the server, %ld left%s\n", mb,
	       n->stored, n->dup, n->truncated, n->handled, n->left, n->failed ? " (some unreadable)" : "");
	fflush(stdout);
	free(mb);
}

int cmd_fetch(struct cli *c, int argc, char **argv)
{
	struct app_proc p;
	const char *only = NULL;
	char password[1024], err[1024];
	enum fetch_status st;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--once") == 0)
			continue;
		if (strcmp(argv[i], "--mailbox") == 0 && i + 1 < argc)
			only = argv[++i];
		else
			return cli_usage("fetch");
	}
	if (cli_config(c) < 0)
		return EX_CONFIG;
	if (spool_check(c->cfg.spool_dir) < 0) {
		msg_error("spool %s is not ready: run 'abusedesk init'", c->cfg.spool_dir);
		return EX_TEMPFAIL;
	}
	/* the password file may be readable by root only: read it first, then drop privileges */
	if (app_fetch_password(&c->cfg, password, sizeof(password), err, sizeof(err)) < 0) {
		msg_error("fetch: %s", err);
		return EX_CONFIG;
	}
	if (privs_drop(c->cfg.run_user, c->cfg.spool_dir, err, sizeof(err)) < 0) {
		msg_error("fetch: %s", err);
		return EX_TEMPFAIL;
	}
	proc_open(&p, &c->cfg);
	if (!p.have_db) {
		msg_error("fetch: %s", p.dberr);
		proc_close(&p);
		return EX_TEMPFAIL;
	}
	st = app_fetch(&p, password, only, report, NULL, err, sizeof(err));
	memset(password, 0, sizeof(password));
	proc_close(&p);
	if (err[0])
		msg_error("fetch: %s", err);
	switch (st) {
	case FETCH_OK: return EX_OK;
	case FETCH_TEMP: return EX_TEMPFAIL;
	case FETCH_REFUSED: return EX_UNAVAILABLE;
	case FETCH_CONFIG: return EX_CONFIG;
	}
	return EX_SOFTWARE;
}
