/*
 * app/notify - tell the owner of an abused host, and optionally the reporter:
 * the queueing policy and the outbox send loop (rendering and transports
 * are notify/'s).
 *
 * Ingest only enqueues: notify_enqueue and notify_enqueue_ack run inside the
 * pipeline's per-message transaction, decide by policy, render the message
 * once (the Message-ID is fixed at that moment) and add outbox rows.
 * `abusedesk notify` calls notify_run, which claims each due row (owner and
 * lease, so overlapping runners never send one row twice), renders an
 * incident notice again from the incident's state at that moment, sends over
 * SMTP or as a signed JSON webhook, marks a row sent only after the server
 * accepted it, and retries with doubling backoff until notify_max_attempts.
 */
#ifndef AD_APP_NOTIFY_H
#define AD_APP_NOTIFY_H

#include "../db/db.h"
#include "../db/incidents.h"     /* struct incident_change */
#include "../db/outbox.h"        /* struct outbox_row */
#include "../util/buf.h"
#include "../parse/report.h"
#include "../util/config.h"

/*
 * notify_enqueue - decide by policy whether the owner of incident ch->id hears
 * now, and enqueue the rendered message(s): SMTP to the owner's email (or
 * cfg->team_address when there is no owner or no email), a webhook when the
 * owner has a webhook_url. Policy: owners.policy immediate|digest|none; a
 * notice on open, on reopen, and when the report count passes one of
 * cfg->notify_thresholds; at most one per incident per cfg->notify_interval.
 * Call inside the caller's transaction. Returns 0 or DB_ERROR/DB_BUSY.
 */
int notify_enqueue(struct db *d, const struct config *cfg, const struct incident_change *ch,
		   long long report_id);

/*
 * notify_enqueue_ack - when cfg->ack_reporters, a short acknowledgement to a
 * human reporter: never to ARF/X-ARF/SpamCop/JMRP/DMARC robots, bounces,
 * auto-replies or lists (RFC 3834), never to our own addresses, at most one
 * per reporter per cfg->ack_interval. Returns 0 or DB_ERROR/DB_BUSY.
 */
/*
 * notify_ack_render - an acknowledgement queued with reason "outcome",
 * written again when it is sent, with what became of the report by then:
 * acted on (its incident and state), a duplicate of an incident already
 * open, or not ours (forwarded to whom, or the contact to write to). 1 the
 * message is in out, 0 send the stored one, <0 DB error.
 */
int notify_ack_render(struct db *d, const struct config *cfg, const struct outbox_row *row, long long now,
		      struct buf *out);
int notify_enqueue_ack(struct db *d, const struct config *cfg, const struct report *r,
		       long long report_id, long long incident_id);

/*
 * notify_run - send the outbox rows that are due now (each at most once per
 * call). Counts go to *sent, *failed (for good) and *deferred (retry later).
 * Returns 0, or DB_ERROR/DB_BUSY when the database could not be read/updated.
 */
int notify_run(struct db *d, const struct config *cfg, int *sent, int *failed, int *deferred);

/* what one run did */
struct notify_result {
	int sent, failed, deferred, cancelled;
};
/*
 * notify_run_opts - notify_run with its counts in res (cancelled: notices
 * whose incident was resolved or marked false_positive before the send);
 * with now_all, rows waiting for their backoff are tried now too. Rows are
 * claimed one at a time (owner and cfg->notify_lease), so runners may overlap.
 */
int notify_run_opts(struct db *d, const struct config *cfg, int now_all, struct notify_result *res);

struct notice;
/*
 * notice_load - load incident_id, the report that triggered the notice
 * (report_id, 0 for the latest), the first report and its raw message from
 * the spool (when cfg->notify_attach_report), and render the notice into n
 * (notify/internal.h render_notice). 1 done, 0 no such incident, <0 DB error.
 */
int notice_load(struct db *d, const struct config *cfg, long long incident_id,
		long long report_id, const char *reason, struct notice *n);

#endif
