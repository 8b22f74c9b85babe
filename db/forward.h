/*
 * forward - the facts a forward of a not_ours report is built from, what
 * was done with it (reports.forward_*), and the per-destination rate limit
 * (outbox rows of kind 'forward').
 */
#ifndef AD_DB_FORWARD_H
#define AD_DB_FORWARD_H

#include "db.h"

/* One report as a forward (or `show --report`) needs it; strings "" when NULL. */
struct db_fwd_report {
	long long id, incident_id, received_at, arrival_at, contact_at, forward_at;
	char verdict[32], message_id[300], spool_path[256], reporter[320], source_ip[46], injector_ip[46];
	char original_mail_from[320], reporting_mta[256], orig_subject[300], orig_message_id[300];
	char feedback_type[64], format[32], explanation[1024];
	char contact_email[256], forward_state[32], forward_to[256];
	char rcpt_to[320], domain[256];         /* the first of each, "" none */
	char sent_state[16];                    /* the forward's outbox state, "" none */
	long long sent_at;                      /* when the forward went out, 0 not yet */
	char sent_error[256];
};

/* forward_report - one report; 1 found, 0 none, DB_ERROR */
int forward_report(struct db *d, long long id, struct db_fwd_report *r);

/* forward_set - record what was done: state, destination (NULL none), time */
int forward_set(struct db *d, long long id, const char *state, const char *to, long long at);

/* forward_recent - forwards to 'to' queued or sent since 'since'; >= 0 or DB_ERROR */
int forward_recent(struct db *d, const char *to, long long since);

/*
 * forward_due - not_ours reports with a contact whose forward state is
 * in 'states' (a comma-free list: NULL matches a NULL state), oldest
 * first, at most max: fn(ctx, id) for each. DB_OK or DB_ERROR.
 */
int forward_due(struct db *d, int include_null, const char *state, int max,
		void (*fn)(void *ctx, long long id), void *ctx);

#endif
