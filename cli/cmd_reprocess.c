/*
 * cmd_reprocess - `abusedesk reprocess --pending|--all`: finish pending
 * messages, or re-run the parser over all (app/reprocess.c says how).
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "../app/reprocess.h"
#include "../ingest/privs.h"
#include "../util/msg.h"
#include "cli.h"
#include "progress.h"

/* progress - the line on a terminal (--all: out of the files counted at the start) */
static void progress(void *ctx, const struct reprocess_counts *n)
{
	long k = n->done + n->dup + n->pending;
	char extra[96];

	snprintf(extra, sizeof(extra), "%ld processed, %ld duplicates, %ld pending", n->done, n->dup, n->pending);
	progress_show(ctx, k, n->total, -1, extra, k == 1);
}

int cmd_reprocess(struct cli *c, int argc, char **argv)
{
	struct app_proc p;
	struct reprocess_counts n;
	struct progress pr;
	long wait = PROC_DB_WAIT_MS;
	int all = -1, rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--pending") == 0) {
			all = 0;
		} else if (strcmp(argv[i], "--all") == 0) {
			all = 1;
		} else if (strcmp(argv[i], "--db-wait") == 0 && i + 1 < argc) {
			if (cli_db_wait("reprocess", argv[++i], &wait) < 0)
				return EX_USAGE;
		} else {
			return cli_usage("reprocess");
		}
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
	progress_init(&pr, "reprocess");
	proc_open(&p, &c->cfg);
	if (!p.have_db) {
		msg_error("%s", p.dberr);
		return EX_UNAVAILABLE;
	}
	p.db_wait_ms = wait;
	rc = app_reprocess(&p, all, &n, pr.tty ? progress : NULL, &pr);
	proc_close(&p);
	if (rc < 0)
		return EX_IOERR;
	progress_end(&pr);
	printf("reprocess: %ld processed, %ld duplicates, %ld still pending, %ld unreadable, %ld busy\n",
	       n.done, n.dup, n.pending, n.failed, n.busy);
	return n.pending || n.failed ? EX_TEMPFAIL : EX_OK;
}
