/*
 * cmd_import - feed a backlog (mbox or maildir) through the ingest path.
 *
 * Each message is spooled and processed exactly as if the MTA had piped it,
 * committed in batches, so a re-import of the same backlog adds nothing
 * twice. On a terminal a progress line (count/total, percentage, ETA,
 * rate); in any case one summary line on stdout at the end.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "../app/import.h"
#include "../ingest/privs.h"
#include "../ingest/spool.h"
#include "../util/msg.h"
#include "cli.h"
#include "progress.h"

/* progress - the line on a terminal: the total is the maildir's file count,
 * for an mbox the share of its bytes read (a pipe: the count only); counts
 * move when a batch commits */
static void progress(void *ctx, const struct import_counts *c, int final)
{
	struct progress *pr = ctx;
	long n = c->stored + c->dup + c->pending + c->failed;
	char extra[128];

	if (final) {            /* the summary line on stdout replaces it */
		progress_end(pr);
		return;
	}
	snprintf(extra, sizeof(extra), "%ld new, %ld duplicates, %ld pending", c->stored, c->dup, c->pending);
	progress_show(pr, n, c->total, c->total <= 0 && c->bytes_total > 0 ?
		      (double)c->bytes / (double)c->bytes_total : -1, extra, n == 1 || (c->total > 0 && n >= c->total));
}

int cmd_import(struct cli *c, int argc, char **argv)
{
	struct progress im;
	struct app_proc p;
	struct app_import ai;
	FILE *mbox = NULL;
	char err[512];
	long wait = PROC_DB_WAIT_MS;
	int rc;

	/* import [--db-wait SPAN] mbox|maildir PATH */
	if (argc >= 3 && strcmp(argv[1], "--db-wait") == 0) {
		if (cli_db_wait("import", argv[2], &wait) < 0)
			return EX_USAGE;
		argc -= 2;
		argv += 2;
	}
	if (argc != 3 || (strcmp(argv[1], "mbox") != 0 && strcmp(argv[1], "maildir") != 0))
		return cli_usage("import");
	if (cli_config(c) < 0)
		return EX_CONFIG;
	if (spool_check(c->cfg.spool_dir) < 0) {
		msg_error("spool %s is not ready: run 'abusedesk init'", c->cfg.spool_dir);
		return EX_CANTCREAT;
	}
	/* the mbox is opened first, so root can import a file only root reads;
	 * then, as for ingest, hostile mail is never parsed as root */
	if (strcmp(argv[1], "mbox") == 0 && (mbox = cli_open_input(argv[2])) == NULL)
		return EX_NOINPUT;
	if (privs_drop(c->cfg.run_user, c->cfg.spool_dir, err, sizeof(err)) < 0) {
		msg_error("import: %s", err);
		cli_close_input(mbox);
		return EX_NOPERM;
	}
	progress_init(&im, "import");
	proc_open(&p, &c->cfg);
	if (!p.have_db) {
		msg_error("%s", p.dberr);
		return EX_UNAVAILABLE;
	}
	p.db_wait_ms = wait;
	app_import_init(&ai, &p, progress, &im);
	if (mbox) {
		rc = app_import_mbox(&ai, mbox);
		cli_close_input(mbox);
	} else {
		rc = app_import_maildir(&ai, argv[2]);
	}
	progress(&im, &ai.n, 1);
	if (app_import_flush(&ai) < 0)
		rc = -1;
	proc_close(&p);
	{
		long n = ai.n.stored + ai.n.dup + ai.n.pending + ai.n.failed;
		double secs = progress_secs(&im);

		/* one line at the end, on a terminal or not */
		printf("import: %ld message%s in %.1f s (%.0f/s): %ld new, %ld duplicates, %ld pending, %ld failed\n",
		       n, n == 1 ? "" : "s", secs, secs > 0 ? n / secs : 0.0, ai.n.stored, ai.n.dup, ai.n.pending,
		       ai.n.failed);
	}
	return rc < 0 ? EX_NOINPUT : ai.n.failed ? EX_IOERR : EX_OK;
}
