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
/* outbox_next_due - the first pending row due at 'now' with id > after; 1 found, 0 none, <0 error */
int outbox_next_due(struct db *d, long long now, long long after, struct outbox_row *r);
/* outbox_get - one row by id; 1 found, 0 none, <0 error */
int outbox_get(struct db *d, long long id, struct outbox_row *r);
void outbox_row_free(struct outbox_row *r);
/* outbox_mark_sent - the server accepted it */
int outbox_mark_sent(struct db *d, long long id, long attempts, long long now);
/* outbox_mark_retry - temporary failure: try again at 'next' */
int outbox_mark_retry(struct db *d, long long id, long attempts, long long next, const char *err);
/* outbox_mark_failed - failed for good */
int outbox_mark_failed(struct db *d, long long id, long attempts, const char *err);
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
