/*
 * reprocess - finish the messages left pending in the spool, or re-parse
 * and re-trace every message (see reprocess.c for how cur/ is reconciled).
 */
#ifndef AD_APP_REPROCESS_H
#define AD_APP_REPROCESS_H

#include "process.h"

struct reprocess_counts {
	long done, pending, dup, failed, busy;
	long total;                /* --all: the files in cur/ and new/ at the start; else 0 */
};

/* a commit every REPROCESS_BATCH messages or REPROCESS_BATCH_MS, whichever first */
#define REPROCESS_BATCH    500
#define REPROCESS_BATCH_MS 500

/* called after each message, once its batch committed */
typedef void (*reprocess_progress_fn)(void *ctx, const struct reprocess_counts *n);

/*
 * app_reprocess - all = 0: reconcile cur/ and process new/ (--pending);
 * all = 1: re-parse every message in cur/, then new/ (--all). p is open with
 * a database. Counts in *n; 0, or -1 (reported) when new/ cannot be listed.
 */
int app_reprocess(struct app_proc *p, int all, struct reprocess_counts *n, reprocess_progress_fn progress,
		  void *ctx);

#endif
