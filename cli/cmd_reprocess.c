/*
 * cmd_reprocess - `abusedesk reprocess --pending|--all`: finish pending
 * messages, or re-run the parser over all (app/reprocess.c says how).
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "../app/reprocess.h"
#include "../ingest/privs.h"
#include "../util/msg.h"
#include "cli.h"

/* progress - "reprocess: N messages" on a terminal, every 50 */
static void progress(void *ctx, const struct reprocess_counts *n)
{
	long k = n->done + n->dup + n->pending;

	if (k % 50 == 0)
		fprintf(stderr, "\rreprocess: %ld messages", k);
}

int cmd_reprocess(struct cli *c, int argc, char **argv)
{
	struct app_proc p;
	struct reprocess_counts n;
	int all = -1, tty, rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--pending") == 0)
			all = 0;
		else if (strcmp(argv[i], "--all") == 0)
			all = 1;
		else
			return cli_usage("reprocess");
	}
	if (all < 0)
		return cli_usage("reprocess");
	if (cli_config(c) < 0)
		return EX_CONFIG;
	{
		char err[512];

		if (privs_drop(c->cfg.run_user, c->cfg.spool_dir, err, sizeof(err)) < 0) {
			msg_error("reprocess: %s", err);
			return EX_NOPERM;
		}
	}
	tty = isatty(STDERR_FILENO);
	proc_open(&p, &c->cfg);
	if (!p.have_db) {
		msg_error("%s", p.dberr);
		return EX_UNAVAILABLE;
	}
	rc = app_reprocess(&p, all, &n, tty ? progress : NULL, NULL);
	proc_close(&p);
	if (rc < 0)
		return EX_IOERR;
	if (tty)
		fputc('\n', stderr);
	printf("reprocess: %ld processed, %ld duplicates, %ld still pending, %ld unreadable, %ld busy\n",
	       n.done, n.dup, n.pending, n.failed, n.busy);
	return n.pending || n.failed ? EX_TEMPFAIL : EX_OK;
}
