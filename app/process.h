/*
 * process - take one spooled message all the way: parse, trace, store,
 * incident, notification queue. Shared by ingest, reprocess and import.
 */
#ifndef AD_APP_PROCESS_H
#define AD_APP_PROCESS_H

#include "../correlate/trace/trace.h"
#include "../db/db.h"
#include "../ingest/spool.h"
#include "../util/config.h"
#include "trace_env.h"

struct app_proc {
	const struct config *cfg;
	struct db db;
	int have_db;
	struct trace_conf tconf;
	struct trace_env env;      /* the database inventory, logs and NAT, then the CSV inventory */
	struct app_env aenv;
	char dberr[512];
};

enum proc_outcome {
	PROC_STORED,      /* new report recorded and processed */
	PROC_DUPLICATE,   /* same bytes already recorded: nothing added */
	PROC_UPDATED,     /* an existing report re-parsed (reprocess --all) */
	PROC_PENDING      /* database unavailable: left pending in the spool */
};

struct proc_result {
	enum proc_outcome outcome;
	long long report_id;
	long long incident_id;
	char format[16];
	char verdict[24];
	char host[256];
	char dup_of[SPOOL_NAME_MAX]; /* PROC_DUPLICATE: the spool file the stored row names */
};

/* proc_open - cfg stays owned by the caller and must outlive p; the DB may
 * fail to open (pending mode: have_db = 0, the reason in dberr) */
void proc_open(struct app_proc *p, const struct config *cfg);
void proc_close(struct app_proc *p);
/*
 * proc_message - the spooled message m (file in new/ or cur/), bytes in
 * data/len. received_at: when it arrived. reparse: update an existing report
 * instead of treating it as a duplicate. Never fails for bad input; the
 * outcome says what happened. The spool file is moved to cur/ when done, or
 * removed when it duplicates a row that names another file that exists. The
 * caller holds the file's lock (spool_store_*, spool_lock); it is released here.
 */
void proc_message(struct app_proc *p, const struct spool_msg *m, const char *data, size_t len,
		  long long received_at, int reparse, struct proc_result *res);
/*
 * proc_spooled - ingest's step after the message m is durably in new/ (its
 * lock held): read it back, process it with durable commits, log the line.
 * Any failure leaves it pending in the spool.
 */
void proc_spooled(const struct config *cfg, const struct spool_msg *m);
/* proc_log - the one log line per message */
void proc_log(const struct proc_result *res);

#endif
