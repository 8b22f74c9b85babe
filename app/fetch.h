/*
 * fetch - collect reports from IMAP mailboxes (fetch_url) through the same
 * path as a piped message.
 *
 * For each mailbox: its UIDVALIDITY is read (STATUS) and stored, the UIDs
 * are listed (UID SEARCH), and each message, oldest first and at most
 * fetch_max_messages a run, is fetched, stored in the spool exactly as
 * ingest stores a piped one (fsync, rename, fsync; cut at max_message_size
 * and flagged, deduped on the SHA-256 of the bytes received) and processed
 * with a durable commit. Only then is it moved (fetch_after = move:FOLDER),
 * deleted (delete), or remembered by UID (keep). A run killed at any moment
 * leaves at worst a message recorded and still on the server: the next run
 * fetches it again, finds its bytes recorded (a duplicate, no new report)
 * and moves or marks it. A new UIDVALIDITY reads the whole mailbox again;
 * the content dedupe keeps that from adding anything twice.
 */
#ifndef AD_APP_FETCH_H
#define AD_APP_FETCH_H

#include <stddef.h>

#include "process.h"

/* the outcome of a run, by what the caller should do about it */
enum fetch_status {
	FETCH_OK = 0,      /* every mailbox read (messages over fetch_max_messages wait) */
	FETCH_TEMP,        /* server unreachable, timed out, went away, database busy:
			      try again later, nothing lost */
	FETCH_REFUSED,     /* authentication or TLS verification failed, mailbox or
			      folder missing: a person must act */
	FETCH_CONFIG       /* fetch_url, fetch_after or the password file is wrong */
};

struct fetch_counts {
	long listed;       /* messages on the server not yet done */
	long stored;       /* new reports */
	long dup;          /* bytes already recorded (piped too, or a re-run) */
	long truncated;    /* stored cut at max_message_size */
	long handled;      /* moved, deleted or remembered on the server side */
	long left;         /* waiting for the next run (fetch_max_messages) */
	long failed;       /* fetched nothing usable (left on the server) */
};

/* fetch_report - called once per mailbox with its counts */
typedef void (*fetch_report_fn)(void *ctx, const char *mailbox, const struct fetch_counts *n);

/*
 * app_fetch_password - read the password (its first line) from
 * cfg->fetch_password_file into out; called before privileges are dropped.
 * 0, or -1 with the reason in err.
 */
int app_fetch_password(const struct config *cfg, char *out, size_t outlen, char *err, size_t errlen);

/*
 * app_fetch - one pass over the mailboxes of fetch_url (only the one whose
 * mailbox name or URL is 'only', when not NULL). p is open with a database.
 * The reason for a status other than FETCH_OK is in err.
 */
enum fetch_status app_fetch(struct app_proc *p, const char *password, const char *only,
			    fetch_report_fn report, void *ctx, char *err, size_t errlen);

#endif
