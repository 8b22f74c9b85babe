/*
 * pipeline - take one spooled message all the way: parse, trace, store,
 * incident, notification queue. Shared by ingest, reprocess and import.
 */
#ifndef AD_PIPELINE_H
#define AD_PIPELINE_H

#include "../correlate/trace/trace.h"
#include "../ingest/spool.h"
#include "cli.h"

struct pipeline {
	struct cli *c;
	struct db db;
	int have_db;
	struct trace_conf tconf;
	struct trace_env env;
	void *csv_inventory;       /* inventory_csv when configured */
	char dberr[512];
};

enum pl_outcome {
	PL_STORED,      /* new report recorded and processed */
	PL_DUPLICATE,   /* same bytes already recorded: nothing added */
	PL_UPDATED,     /* an existing report re-parsed (reprocess --all) */
	PL_PENDING      /* database unavailable: left pending in the spool */
};

struct pl_result {
	enum pl_outcome outcome;
	long long report_id;
	long long incident_id;
	char format[16];
	char verdict[24];
	char host[256];
	char dup_of[SPOOL_NAME_MAX]; /* PL_DUPLICATE: the spool file the stored row names */
};

/* pipeline_open - config must be loaded; the DB may fail to open (pending mode) */
void pipeline_open(struct pipeline *p, struct cli *c);
void pipeline_close(struct pipeline *p);
/*
 * pipeline_process - the spooled message m (file in new/ or cur/), bytes in
 * data/len. received_at: when it arrived. reparse: update an existing report
 * instead of treating it as a duplicate. Never fails for bad input; the
 * outcome says what happened. The spool file is moved to cur/ when done, or
 * removed when it duplicates a row that names another file that exists. The
 * caller holds the file's lock (spool_store_*, spool_lock); it is released here.
 */
void pipeline_process(struct pipeline *p, const struct spool_msg *m, const char *data, size_t len,
		      long long received_at, int reparse, struct pl_result *res);
/* pipeline_log - the one log line per message */
void pipeline_log(const struct pl_result *res);

#endif
