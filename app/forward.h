/*
 * forward - pass a not_ours report on to the outside network's abuse
 * contact as an ARF report (RFC 5965): our text, our message/feedback-report
 * part (Feedback-Type abuse, User-Agent abusedesk, Version 1, Source-IP,
 * Original-Mail-From, ...), the complaint as received attached as
 * message/rfc822. Queued in the outbox (kind 'forward') and sent by notify.
 *
 * Policy (forward_not_ours): never (default: only `abusedesk forward` by
 * hand), ask (notify marks reports with a contact as waiting for the
 * operator), auto (notify forwards them). At most one forward per
 * destination per forward_interval. A complaint that carries our own
 * X-Abusedesk-Forward marker is one of our forwards come back: never
 * forwarded again (state 'loop'); nor is anything forwarded to our_domains.
 */
#ifndef AD_APP_FORWARD_H
#define AD_APP_FORWARD_H

#include "../db/db.h"
#include "../util/config.h"

enum fwd_outcome {
	FWD_QUEUED,             /* queued to dest */
	FWD_NO_REPORT,          /* no such report */
	FWD_NOT_NOT_OURS,       /* the verdict is not not_ours: ours to handle */
	FWD_ALREADY,            /* already queued or sent (to dest) */
	FWD_NO_COMPLAINT,       /* the complaint is not in the spool any more */
	FWD_LOOP,               /* our own forward came back, or dest is ours */
	FWD_NO_CONTACT,         /* no address to send to */
	FWD_BAD_ADDRESS,        /* dest is not a plain address */
	FWD_RATE_LIMITED        /* a forward to dest went out within forward_interval */
};

/* fwd_outcome_text - a few words for the outcome */
const char *fwd_outcome_text(enum fwd_outcome o);

/*
 * app_forward - forward report_id to 'to' (NULL: the contact recorded, else
 * an RDAP lookup when lookup is set). The outcome and destination are
 * recorded on the report. DB_OK (see *out) or DB_ERROR/DB_BUSY.
 */
int app_forward(struct db *d, const struct config *cfg, long long report_id, const char *to, int lookup,
		enum fwd_outcome *out, char *dest, size_t destlen);

/* app_forward_run - the notify run's part under forward_not_ours ask|auto,
 * at most max reports; *n: reports queued (auto) or marked (ask). */
int app_forward_run(struct db *d, const struct config *cfg, int max, int *n);

#endif
