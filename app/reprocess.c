/*
 * reprocess - finish pending messages, or re-run the parser over all.
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
 *
 * Messages are committed in batches (proc_batch): counted, and moved to
 * cur/, once their batch committed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../db/reports.h"
#include "../ingest/spool.h"
#include "../util/msg.h"
#include "reprocess.h"

/* how far before the last reconcile's start a cur/ file is still checked (clock steps, ctime granularity) */
#define RECONCILE_MARGIN 3600
#define RECONCILE_MARK   "reconciled_at"

struct rp {
	struct app_proc *p;
	struct reprocess_counts *n;
	reprocess_progress_fn progress;
	void *ctx;
	struct proc_batch b;
	const char *sub;
	int reparse;
	int reconcile;             /* cur/ reconcile: only files no report names */
	long long since;           /* ... and whose ctime is at or after this */
	long checked;              /* recent cur/ files looked up */
};

/* done - a message's outcome, once its batch committed (or it was left pending) */
static void done(void *ctx, const struct proc_batch_item *it)
{
	struct rp *rp = ctx;
	const struct proc_result *res = &it->res;
	int reconciled = strcmp(it->sub, "cur") == 0 && !it->reparse;

	if (reconciled && res->outcome == PROC_DUPLICATE && strcmp(res->dup_of, it->m.name) == 0)
		return; /* recorded after our look-up: nothing to do */
	if (reconciled && res->outcome == PROC_STORED)
		msg_warn("reprocess: %s was in cur/ but no report named it; recorded", it->m.name);
	if (res->outcome == PROC_PENDING)
		rp->n->pending++;
	else if (res->outcome == PROC_DUPLICATE)
		rp->n->dup++;
	else
		rp->n->done++;
	if (msg_verbose)
		proc_log(res);
	if (rp->progress)
		rp->progress(rp->ctx, rp->n);
}

/* one - process spool file sub/name (spool_list callback) */
static int one(void *ctx, const char *name)
{
	struct rp *rp = ctx;
	char path[4096];
	struct spool_msg m;
	size_t len;
	char *data;
	int rc;

	if (rp->reconcile) {
		struct stat sb;

		if (spool_path(rp->p->cfg->spool_dir, rp->sub, name, path, sizeof(path)) < 0 ||
		    stat(path, &sb) < 0 || (long long)sb.st_ctime < rp->since)
			return -1;
		rp->checked++;
		if ((rc = reports_has_spool_name(&rp->p->db, name)) != 0) {
			if (rc < 0)
				msg_warn("reprocess: cannot look up cur/%s in the database", name);
			return -1;
		}
	}
	/* an ingest still finishing this file holds its lock: leave it to that process */
	if ((rc = spool_lock(rp->p->cfg->spool_dir, rp->sub, name)) == 1) {
		rp->n->busy++;
		return -1;
	}
	if (rc < 0 || (data = spool_read_held(&len)) == NULL) {
		spool_release();
		msg_warn("reprocess: cannot read %s/%s", rp->sub, name);
		rp->n->failed++;
		return -1;
	}
	spool_msg_load(name, data, len, &m);
	proc_batch_add(&rp->b, &m, rp->sub, data, len, spool_name_time(name), rp->reparse);
	free(data);
	return 0;
}

/*
 * reconcile - the files moved into cur/ since the last pass (less the margin)
 * that no report names; the start of this pass is remembered for the next.
 */
static void reconcile(struct rp *rp)
{
	const char *dir = rp->p->cfg->spool_dir;
	long long start = (long long)time(NULL), mark = 0; /* ctime is the real clock */
	int rc;

	if ((rc = reports_meta_get(&rp->p->db, RECONCILE_MARK, &mark)) < 0) {
		msg_warn("reprocess: cannot read the last reconcile time; cur/ not reconciled");
		return;
	}
	rp->since = rc == 1 ? mark - RECONCILE_MARGIN : 0;
	rp->reconcile = 1;
	rp->sub = "cur";
	rc = spool_list(dir, "cur", one, rp);
	proc_batch_flush(&rp->b);
	rp->reconcile = 0;
	if (rc < 0) {
		msg_warn("spool %s/cur: cannot list", dir);
		return;
	}
	if (reports_meta_set(&rp->p->db, RECONCILE_MARK, start) != DB_OK)
		msg_debug("reprocess: cannot record the reconcile time");
	msg_debug("reprocess: cur/ reconciled: %ld recent files looked up", rp->checked);
}

int app_reprocess(struct app_proc *p, int all, struct reprocess_counts *n, reprocess_progress_fn progress,
		  void *ctx)
{
	const char *dir = p->cfg->spool_dir;
	struct rp rp;
	int rc;

	memset(n, 0, sizeof(*n));
	memset(&rp, 0, sizeof(rp));
	rp.p = p;
	rp.n = n;
	rp.progress = progress;
	rp.ctx = ctx;
	proc_batch_init(&rp.b, p, REPROCESS_BATCH, REPROCESS_BATCH_MS, done, &rp);
	if (all) {
		long k = spool_count(dir, "cur"), j = spool_count(dir, "new");

		n->total = (k > 0 ? k : 0) + (j > 0 ? j : 0);
	}
	if (spool_clean_tmp(dir, 3600) > 0)
		msg_info("reprocess: removed stale partial files from %s/tmp", dir);
	if (all) {
		rp.sub = "cur";
		rp.reparse = 1;
		if (spool_list(dir, "cur", one, &rp) < 0)
			msg_warn("spool %s/cur: cannot list", dir);
		proc_batch_flush(&rp.b);
	} else {
		/* reconcile cur/ against the database: a file there that no report names lost its commit */
		reconcile(&rp);
	}
	rp.sub = "new";
	rp.reparse = 0;
	rc = spool_list(dir, "new", one, &rp);
	proc_batch_free(&rp.b);
	if (rc < 0) {
		msg_error("spool %s/new: cannot list it (is spool_dir right?)", dir);
		return -1;
	}
	return 0;
}
