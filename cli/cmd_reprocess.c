/*
 * cmd_reprocess - finish pending messages, or re-run the parser over all.
 *
 *   --pending   every message still in the spool's new/ folder (the database
 *               was unavailable when it arrived, or the process was killed)
 *   --all       also every processed message in cur/: re-parse and re-trace
 *               with this version; rebuilds a lost database from the spool
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "../ingest/privs.h"
#include "../ingest/spool.h"
#include "../util/msg.h"
#include "cli.h"
#include "pipeline.h"

struct rp {
	struct pipeline p;
	const char *sub;
	int reparse;
	long done, pending, dup, failed;
	long total;
	int tty;
};

static int one(void *ctx, const char *name)
{
	struct rp *rp = ctx;
	char path[4096];
	struct spool_msg m;
	struct pl_result res;
	size_t len;
	char *data;

	if (spool_path(rp->p.c->cfg.spool_dir, rp->sub, name, path, sizeof(path)) < 0 ||
	    (data = spool_read(path, &len)) == NULL) {
		msg_warn("reprocess: cannot read %s", path);
		rp->failed++;
		return -1;
	}
	memset(&m, 0, sizeof(m));
	str_copy(m.name, sizeof(m.name), name);
	m.size = len;
	m.truncated = spool_is_truncated(name);
	spool_sha256(data, len, m.sha256);
	pipeline_process(&rp->p, &m, data, len, spool_name_time(name), rp->reparse, &res);
	free(data);
	if (res.outcome == PL_PENDING)
		rp->pending++;
	else if (res.outcome == PL_DUPLICATE)
		rp->dup++;
	else
		rp->done++;
	if (msg_verbose)
		pipeline_log(&res);
	if (rp->tty && (rp->done + rp->dup + rp->pending) % 50 == 0)
		fprintf(stderr, "\rreprocess: %ld messages", rp->done + rp->dup + rp->pending);
	return 0;
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
	pipeline_open(&rp.p, c);
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
	}
	rp.sub = "new";
	rp.reparse = 0;
	if (spool_list(c->cfg.spool_dir, "new", one, &rp) < 0) {
		msg_error("spool %s/new: cannot list it (is spool_dir right?)", c->cfg.spool_dir);
		pipeline_close(&rp.p);
		return EX_IOERR;
	}
	pipeline_close(&rp.p);
	if (rp.tty)
		fputc('\n', stderr);
	printf("reprocess: %ld processed, %ld duplicates, %ld still pending, %ld unreadable\n", rp.done,
	       rp.dup, rp.pending, rp.failed);
	return rp.pending || rp.failed ? EX_TEMPFAIL : EX_OK;
}
