/*
 * import - feed a backlog (mbox or maildir) through the same path as
 * ingest: each message is spooled and processed exactly as if the MTA had
 * piped it, so a re-import of the same backlog adds nothing twice.
 */
#ifndef AD_APP_IMPORT_H
#define AD_APP_IMPORT_H

#include <stdio.h>

#include "process.h"

struct import_counts {
	long stored, dup, pending, failed;
	long total;                 /* messages known up front (a maildir), 0 unknown */
	long long bytes, bytes_total;   /* an mbox: bytes read and its size (0 unknown) */
};

/* called after each message once its batch committed (final 0) and by the caller at the end
 * if it wants (final 1) */
typedef void (*import_progress_fn)(void *ctx, const struct import_counts *n, int final);

/* a commit every IMPORT_BATCH messages or IMPORT_BATCH_MS, whichever first */
#define IMPORT_BATCH    2000
#define IMPORT_BATCH_MS 1000

struct app_import {
	struct app_proc *p;             /* open; its configuration names the spool */
	struct proc_batch b;
	struct import_counts n;
	import_progress_fn progress;    /* may be NULL */
	void *ctx;
};

/* app_import_init - im over p; the spool stops syncing each message (the
 * backlog stays on disk until app_import_flush: one sync at the end
 * instead of four a message) */
void app_import_init(struct app_import *im, struct app_proc *p, import_progress_fn progress, void *ctx);
/* app_import_mbox - split fp on "From " lines that start a message; 0.
 * A regular file's size is n.bytes_total, for the progress */
int app_import_mbox(struct app_import *im, FILE *fp);
/* app_import_maildir - PATH/new and PATH/cur, or every file of a plain
 * folder, counted first (n.total, for the progress); 0, or -1 (reported)
 * when neither can be read */
int app_import_maildir(struct app_import *im, const char *path);
/* app_import_flush - the last batch committed, then the spool and the
 * database on the disk (the import does not sync each message); 0 or -1.
 * Called once, at the end */
int app_import_flush(struct app_import *im);

#endif
