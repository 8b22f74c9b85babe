/*
 * cmd_import - feed a backlog (mbox or maildir) through the ingest path.
 *
 * Each message is spooled durably and processed exactly as if the MTA had
 * piped it, so a re-import of the same backlog adds nothing twice.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "../app/import.h"
#include "../ingest/privs.h"
#include "../ingest/spool.h"
#include "../util/msg.h"
#include "cli.h"

struct imp {
	int tty;
	time_t start;
};

/* progress - "import: N messages (...)  R/s" on a terminal, every 100 and at the end */
static void progress(void *ctx, const struct import_counts *c, int final)
{
	struct imp *im = ctx;
	long n = c->stored + c->dup + c->pending + c->failed;
	double secs = difftime(time(NULL), im->start);

	if (!im->tty || (!final && n % 100 != 0))
		return;
	fprintf(stderr, "\rimport: %ld messages (%ld new, %ld duplicates, %ld pending)  %.0f/s   %s", n,
		c->stored, c->dup, c->pending, secs > 0 ? n / secs : (double)n, final ? "\n" : "");
}

int cmd_import(struct cli *c, int argc, char **argv)
{
	struct imp im;
	struct app_proc p;
	struct app_import ai;
	FILE *mbox = NULL;
	char err[512];
	int rc;

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
	im.tty = isatty(STDERR_FILENO);
	im.start = time(NULL);
	proc_open(&p, &c->cfg);
	if (!p.have_db) {
		msg_error("%s", p.dberr);
		return EX_UNAVAILABLE;
	}
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
	printf("import: %ld new, %ld duplicates, %ld pending, %ld failed\n", ai.n.stored, ai.n.dup, ai.n.pending,
	       ai.n.failed);
	return rc < 0 ? EX_NOINPUT : ai.n.failed ? EX_IOERR : EX_OK;
}
