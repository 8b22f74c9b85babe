/*
 * cmd_reprocess - finish pending messages, or re-run the parser over all.
 *
 *   --pending   every message still in the spool's new/ folder (the database
 *               was unavailable when it arrived, or the process was killed),
 *               and every file in cur/ that no report names (a crash lost the
 *               commit but not the move). Ingest commits durably before it
 *               moves a file into cur/, so only files moved there since the
 *               last such pass (less RECONCILE_MARGIN) are candidates: their
 *               ctime is the move. Each is looked up by name (an index), so
 *               the cost follows the new files, not the number of reports.
 *   --all       also every processed message in cur/: re-parse and re-trace
 *               with this version; rebuilds a lost database from the spool
 *               (every file in cur/, however old)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "../ingest/privs.h"
#include "../db/reports.h"
#include "../ingest/spool.h"
#include "../util/msg.h"
#include "cli.h"
#include "../app/process.h"

/* how far before the last reconcile's start a cur/ file is still checked (clock steps, ctime granularity) */
#define RECONCILE_MARGIN 3600
#define RECONCILE_MARK   "reconciled_at"

struct rp {
	struct app_proc p;
	const char *sub;
	int reparse;
	long done, pending, dup, failed, busy;
	long total;
	int tty;
	int reconcile;             /* cur/ reconcile: only files no report names */
	long long since;           /* ... and whose ctime is at or after this */
	long checked;              /* recent cur/ files looked up */
};

static int one(void *ctx, const char *name)
{
	struct rp *rp = ctx;
	char path[4096];
	struct spool_msg m;
	struct proc_result res;
	size_t len;
	char *data;
	int rc;

	if (rp->reconcile) {
		struct stat sb;

		if (spool_path(rp->p.cfg->spool_dir, rp->sub, name, path, sizeof(path)) < 0 ||
		    stat(path, &sb) < 0 || (long long)sb.st_ctime < rp->since)
			return -1;
		rp->checked++;
		if ((rc = reports_has_spool_name(&rp->p.db, name)) != 0) {
			if (rc < 0)
				msg_warn("reprocess: cannot look up cur/%s in the database", name);
			return -1;
		}
	}
	/* an ingest still finishing this file holds its lock: leave it to that process */
	if ((rc = spool_lock(rp->p.cfg->spool_dir, rp->sub, name)) == 1) {
		rp->busy++;
		return -1;
	}
	if (rc < 0 || spool_path(rp->p.cfg->spool_dir, rp->sub, name, path, sizeof(path)) < 0 ||
	    (data = spool_read(path, &len)) == NULL) {
		spool_release();
		msg_warn("reprocess: cannot read %s/%s", rp->sub, name);
		rp->failed++;
		return -1;
	}
	spool_msg_load(name, data, len, &m);
	proc_message(&rp->p, &m, data, len, spool_name_time(name), rp->reparse, &res);
	free(data);
	if (rp->reconcile && res.outcome == PROC_DUPLICATE && strcmp(res.dup_of, name) == 0)
		return -1; /* recorded after our look-up: nothing to do */
	if (rp->reconcile && res.outcome == PROC_STORED)
		msg_warn("reprocess: %s was in cur/ but no report named it; recorded", name);
	if (res.outcome == PROC_PENDING)
		rp->pending++;
	else if (res.outcome == PROC_DUPLICATE)
		rp->dup++;
	else
		rp->done++;
	if (msg_verbose)
		proc_log(&res);
	if (rp->tty && (rp->done + rp->dup + rp->pending) % 50 == 0)
		fprintf(stderr, "\rreprocess: %ld messages", rp->done + rp->dup + rp->pending);
	return 0;
}

/*
 * reconcile - the files moved into cur/ since the last pass (less the margin)
 * that no report names; the start of this pass is remembered for the next.
 */
static void reconcile(struct rp *rp)
{
	const char *dir = rp->p.cfg->spool_dir;
	long long start = (long long)time(NULL), mark = 0; /* ctime is the real clock */
	int rc;

	if ((rc = reports_meta_get(&rp->p.db, RECONCILE_MARK, &mark)) < 0) {
		msg_warn("reprocess: cannot read the last reconcile time; cur/ not reconciled");
		return;
	}
	rp->since = rc == 1 ? mark - RECONCILE_MARGIN : 0;
	rp->reconcile = 1;
	rp->sub = "cur";
	rc = spool_list(dir, "cur", one, rp);
	rp->reconcile = 0;
	if (rc < 0) {
		msg_warn("spool %s/cur: cannot list", dir);
		return;
	}
	if (reports_meta_set(&rp->p.db, RECONCILE_MARK, start) != DB_OK)
		msg_debug("reprocess: cannot record the reconcile time");
	msg_debug("reprocess: cur/ reconciled: %ld recent files looked up", rp->checked);
}

int cmd_reprocess(struct cli *c, int argc, char **argv)
{
	struct rp rp;
	int all = -1;

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
	memset(&rp, 0, sizeof(rp));
	rp.tty = isatty(STDERR_FILENO);
	proc_open(&rp.p, &c->cfg);
	if (!rp.p.have_db) {
		msg_error("%s", rp.p.dberr);
		return EX_UNAVAILABLE;
	}
	if (spool_clean_tmp(c->cfg.spool_dir, 3600) > 0)
		msg_info("reprocess: removed stale partial files from %s/tmp", c->cfg.spool_dir);
	if (all) {
		rp.sub = "cur";
		rp.reparse = 1;
		if (spool_list(c->cfg.spool_dir, "cur", one, &rp) < 0)
			msg_warn("spool %s/cur: cannot list", c->cfg.spool_dir);
	} else {
		/* reconcile cur/ against the database: a file there that no report names lost its commit */
		reconcile(&rp);
	}
	rp.sub = "new";
	rp.reparse = 0;
	if (spool_list(c->cfg.spool_dir, "new", one, &rp) < 0) {
		msg_error("spool %s/new: cannot list it (is spool_dir right?)", c->cfg.spool_dir);
		proc_close(&rp.p);
		return EX_IOERR;
	}
	proc_close(&rp.p);
	if (rp.tty)
		fputc('\n', stderr);
	printf("reprocess: %ld processed, %ld duplicates, %ld still pending, %ld unreadable, %ld busy\n",
	       rp.done, rp.dup, rp.pending, rp.failed, rp.busy);
	return rp.pending || rp.failed ? EX_TEMPFAIL : EX_OK;
}
