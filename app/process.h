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
	long db_wait_ms;           /* a batch's wait for a database that went away (PROC_DB_WAIT_MS) */
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
/*
 * A batch: many messages in one write transaction (import, reprocess), so
 * a commit and its sync are paid once per batch, not once per message.
 * Each message is spooled and its lock held, as for proc_message; the
 * batch keeps the locks until its commit. Only after the commit is a
 * message moved to cur/ and reported to done(): a message counts as stored
 * only once its batch committed. When a statement or the commit fails, the
 * batch is rolled back and each of its messages is stored again in a
 * transaction of its own, so one bad message costs only itself (it stays
 * pending). A crash before the commit leaves the batch's files in new/:
 * nothing of them is in the database, and a re-import or reprocess --pending
 * records each once (the digest is the dedupe key).
 */
struct proc_batch_item {
	struct spool_msg m;
	char sub[4];                /* "new" or "cur": where the file is */
	long long received_at;
	int reparse;
	int fd;                     /* the file's lock, held until the commit */
	struct proc_result res;
};

/* called once per message when its outcome is final (committed, or pending) */
typedef void (*proc_batch_fn)(void *ctx, const struct proc_batch_item *it);

struct proc_batch {
	struct app_proc *p;
	struct proc_batch_item *it;
	size_t n, max;              /* messages in the open transaction, the most before a commit */
	long max_ms;                /* the longest a transaction stays open (others wait for it) */
	long long t0;               /* when it began (monotonic ms) */
	int open;
	proc_batch_fn done;
	void *ctx;
	int down;                   /* it stayed away: messages go pending without a try */
	long long retry_at;         /* while down: when to try reaching it again (monotonic ms) */
	long long down_at;          /* when it went away */
	size_t left;                /* messages left pending while it was away */
	struct proc_fly *fly;       /* the message whose first statement the server runs */
};

/*
 * A server database can go away in the middle of a run (a restart, a
 * failover, the network). A batch that fails with the connection lost waits
 * for it, trying to connect again every second for up to p->db_wait_ms
 * (PROC_DB_WAIT_MS unless the command says), then stores its messages
 * again one by one. When it does
 * not come back in time the batch's messages, and each later one, stay
 * pending in the spool without a try (one warning, not a line a message)
 * while the run tries again every PROC_DB_RETRY_MS; the first message after
 * it is back is stored as usual. SQLite has no connection to lose.
 */
#define PROC_DB_WAIT_MS 60000
#define PROC_DB_RETRY_MS 2000

/*
 * A server database (PostgreSQL) commits at most PROC_BATCH_SERVER messages
 * at a time. A batch holds the row lock of each incident it updated until
 * it commits (db/incidents.c counts a batch's later reports of an incident
 * in memory and writes the row once), so another host's report of the same
 * incident waits for the batch: 500 messages are about 0.2 s of an import
 * here. On a 10,000-message import batches of 100 ran 2,077 msg/s, of 500
 * 2,382 and of 2,000 2,507 (docs/benchmarks.md). SQLite keeps the caller's size.
 */
#define PROC_BATCH_SERVER 500

/* proc_batch_init - commit every max messages or max_ms milliseconds, whichever
 * comes first (max is lowered to fit the open-files limit, and to
 * PROC_BATCH_SERVER on a server database) */
void proc_batch_init(struct proc_batch *b, struct app_proc *p, size_t max, long max_ms, proc_batch_fn done,
		     void *ctx);
/* proc_batch_add - as proc_message, for the spool file sub/m->name whose lock
 * the caller holds (it passes to the batch); may commit the batch */
void proc_batch_add(struct proc_batch *b, const struct spool_msg *m, const char *sub, const char *data,
		    size_t len, long long received_at, int reparse);
/* proc_batch_flush - commit the open batch and report each message; 0, or -1
 * when the commit failed (each message was then stored on its own) */
int proc_batch_flush(struct proc_batch *b);
/* proc_batch_free - flush, then free */
void proc_batch_free(struct proc_batch *b);

/* proc_log - the one log line per message */
void proc_log(const struct proc_result *res);

#endif
