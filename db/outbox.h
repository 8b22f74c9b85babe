/*
 * outbox - the SQL behind notifications: the outbox queue, the reporter
 * acknowledgement rate limit, and the incident/report/owner facts that a
 * notification is rendered from.
 *
 * notify/ decides and renders; this file only stores and fetches. Strings
 * returned in the structs below are owned by the struct (free with the
 * matching _free function) and are never NULL ("" when the column is NULL).
 */
#ifndef AD_OUTBOX_H
#define AD_OUTBOX_H

#include <stddef.h>

#include "db.h"

/* One queued message as notify_run sees it. */
struct outbox_row {
	long long id, incident_id;      /* incident_id 0 when NULL */
	char *kind, *channel, *recipient, *subject, *message_id, *state, *last_error;
	char *body;                     /* NUL-terminated copy of the BLOB */
	size_t body_len;
	long attempts;
	long long next_attempt_at, created_at, sent_at;
	char *claim_owner;              /* "" when unclaimed */
	long long claim_until;          /* lease end, 0 when unclaimed */
	char *reason;                   /* notices: open|reopened|grew; "" = send the stored body */
	long long report_id;            /* notices: the report that triggered it, 0 for none */
};

/* The incident facts the policy and the renderer need. */
struct outbox_incident {
	long long id;
	char *key_host, *verdict, *status, *abused_host, *abused_ip, *owner, *role;
	char *confidence, *explanation, *auth_user;
	long long first_seen, last_seen, notified_at;   /* notified_at 0 when NULL */
	long reports, messages, reporters, notified_reports;
};

/* The report facts the renderer needs. */
struct outbox_report {
	long long id, received_at;
	char *spool_path, *format, *reporter, *source_ip, *orig_subject, *orig_message_id;
	char *orig_headers, *explanation, *trace_json, *injector_ip;
	char *category;         /* normalised category (spam, login-attack, ...); "" for rows parsed before */
};

/* An owners row; found = 0 when the key names nobody. */
struct outbox_owner {
	int found;
	char *name, *email, *webhook_url, *policy;
};

/* outbox_add - queue one message (state "pending" or "failed" with error);
 * *id may be NULL. 0 or DB_ERROR/DB_BUSY. */
int outbox_add(struct db *d, long long incident_id, const char *kind, const char *channel,
	       const char *recipient, const char *subject, const char *message_id,
	       const char *body, size_t len, const char *state, const char *error,
	       long long now, long long *id);
/* outbox_set_render - remember how notice id is rendered again at send time */
int outbox_set_render(struct db *d, long long id, const char *reason, long long report_id);
/* outbox_add_digest - queue a digest once per dedupe_key (recipient and period):
 * 1 queued, 0 already pending or sent, <0 error */
int outbox_add_digest(struct db *d, const char *recipient, const char *subject,
		      const char *message_id, const char *body, size_t len, const char *dedupe_key,
		      long long now);

/*
 * outbox_claim - claim the first pending row with id > after that is due at
 * 'due' and unclaimed or whose lease ended before 'now': set claim_owner =
 * owner and claim_until = now + lease in one write transaction (BEGIN
 * IMMEDIATE; UPDATE ... RETURNING) and read it into r. Any number of runners
 * (notify, digest --send) get disjoint rows. 1 claimed, 0 none, <0 error.
 * PostgreSQL: the same UPDATE with "FOR UPDATE SKIP LOCKED" in the subquery
 * that picks the id, so runners on several hosts pass over each other's rows
 * instead of waiting (see db/schema.c, v2).
 */
int outbox_claim(struct db *d, const char *owner, long long now, long long due, long lease,
		 long long after, struct outbox_row *r);
/* outbox_claim_owner - a claim owner name, "host:pid:random" (out >= 128 bytes) */
void outbox_claim_owner(char *out, size_t outlen);
/* outbox_get - one row by id; 1 found, 0 none, <0 error */
int outbox_get(struct db *d, long long id, struct outbox_row *r);
void outbox_row_free(struct outbox_row *r);
/*
 * The marks below change a row only while 'owner' holds its claim, and
 * release the claim: DB_OK when done, 1 when the claim was lost (another
 * runner took the row after the lease ran out, or the row was cancelled
 * meanwhile), <0 error. Sent is recorded even over a cancel: it went out.
 */
/* outbox_mark_sent - the server accepted it; subject/body (when body is not
 * NULL) replace the stored ones with what was sent */
int outbox_mark_sent(struct db *d, long long id, const char *owner, long attempts, long long now,
		     const char *subject, const char *body, size_t len);
/* outbox_mark_retry - temporary failure: try again at 'next' */
int outbox_mark_retry(struct db *d, long long id, const char *owner, long attempts, long long next,
		      const char *err);
/* outbox_mark_failed - failed for good */
int outbox_mark_failed(struct db *d, long long id, const char *owner, long attempts, const char *err);
/* outbox_mark_cancelled - not sent: why says so */
int outbox_mark_cancelled(struct db *d, long long id, const char *owner, const char *why);
/* outbox_cancel_incident - cancel the incident's pending notices (call in
 * the transaction that resolves it); the number cancelled or <0 */
int outbox_cancel_incident(struct db *d, long long incident_id, const char *why, long long now);
/* outbox_waiting - pending rows not yet due at now: how many, and the
 * earliest next try (0 when none); 0 or <0 */
int outbox_waiting(struct db *d, long long now, long *n, long long *next);
/* outbox_each - call fn for each row, oldest first; with all = 0 only rows not sent */
int outbox_each(struct db *d, int all, void (*fn)(void *ctx, const struct outbox_row *r), void *ctx);
/* outbox_count - rows in a state */
long outbox_count(struct db *d, const char *state);

/* outbox_ack_allow - 1 (and recorded) when reporter had no acknowledgement
 * within interval seconds of now, 0 when rate-limited, <0 error */
int outbox_ack_allow(struct db *d, const char *reporter, long long now, long interval);

/* outbox_incident - load an incident; 1 found, 0 none, <0 error */
int outbox_incident(struct db *d, long long id, struct outbox_incident *in);
void outbox_incident_free(struct outbox_incident *in);
/* outbox_incident_copy - dst a deep copy of src (outbox_incident_free) */
void outbox_incident_copy(struct outbox_incident *dst, const struct outbox_incident *src);
/* outbox_incident_noted - remember that the incident's owner was told at now about reports */
int outbox_incident_noted(struct db *d, long long id, long long now, long reports);

/* outbox_report - load a report (id > 0), or the first report of incident_id
 * when id is 0; 1 found, 0 none, <0 error */
int outbox_report(struct db *d, long long id, long long incident_id, struct outbox_report *r);
void outbox_report_free(struct outbox_report *r);

/* outbox_owner - the owners row of key (found = 0 when none); 0 or <0 error */
int outbox_owner(struct db *d, const char *key, struct outbox_owner *o);
void outbox_owner_free(struct outbox_owner *o);

#endif
