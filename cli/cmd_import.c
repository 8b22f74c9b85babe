/*
 * cmd_import - feed a backlog (mbox or maildir) through the ingest path.
 *
 * Each message is spooled durably and processed exactly as if the MTA had
 * piped it, so a re-import of the same backlog adds nothing twice. On a
 * terminal a progress line (count/total, percentage, ETA); in any case one
 * summary line on stdout at the end.
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
	double start, last;        /* monotonic seconds: the start, the last line drawn */
};

/* now_mono - monotonic seconds */
static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* span - "1h02m", "3m07s", "12s" */
static void span(double secs, char *out, size_t len)
{
	long s = secs < 0 ? 0 : secs > 359999 ? 359999 : (long)(secs + 0.5);

	if (s >= 3600)
		snprintf(out, len, "%ldh%02ldm", s / 3600, s / 60 % 60);
	else if (s >= 60)
		snprintf(out, len, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(out, len, "%lds", s);
}

/* progress - on a terminal: "import: N/TOTAL messages  P%  ETA T  (...)  R/s",
 * redrawn at most five times a second; the total is the maildir's file
 * count, for an mbox the share of its bytes read (a pipe: the count only) */
static void progress(void *ctx, const struct import_counts *c, int final)
{
	struct imp *im = ctx;
	long n = c->stored + c->dup + c->pending + c->failed;
	double t = now_mono(), secs = t - im->start, frac = -1;
	char count[64], eta[32];

	if (!im->tty)
		return;
	if (final) {            /* the summary line on stdout replaces it */
		fputs("\r\033[K", stderr);
		return;
	}
	if (n != 1 && (c->total <= 0 || n < c->total) && t - im->last < 0.2)
		return;
	im->last = t;
	if (c->total > 0) {
		snprintf(count, sizeof(count), "%ld/%ld", n, c->total);
		frac = (double)n / (double)c->total;
	} else {
		snprintf(count, sizeof(count), "%ld", n);
		if (c->bytes_total > 0)
			frac = (double)c->bytes / (double)c->bytes_total;
	}
	if (frac > 1)
		frac = 1;
	fprintf(stderr, "\rimport: %s message%s", count, n == 1 && c->total <= 0 ? "" : "s");
	if (frac >= 0) {
		span(frac > 0 ? secs * (1 - frac) / frac : 0, eta, sizeof(eta));
		fprintf(stderr, "  %3.0f%%  ETA %s", frac * 100, frac > 0 ? eta : "-");
	}
	fprintf(stderr, "  (%ld new, %ld duplicates, %ld pending)  %.0f/s\033[K", c->stored, c->dup, c->pending,
		secs > 0 ? n / secs : 0.0);
	fflush(stderr);
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
	im.start = im.last = now_mono();
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
	{
		long n = ai.n.stored + ai.n.dup + ai.n.pending + ai.n.failed;
		double secs = now_mono() - im.start;

		/* one line at the end, on a terminal or not */
		printf("import: %ld message%s in %.1f s (%.0f/s): %ld new, %ld duplicates, %ld pending, %ld failed\n",
		       n, n == 1 ? "" : "s", secs, secs > 0 ? n / secs : 0.0, ai.n.stored, ai.n.dup, ai.n.pending,
		       ai.n.failed);
	}
	return rc < 0 ? EX_NOINPUT : ai.n.failed ? EX_IOERR : EX_OK;
}
