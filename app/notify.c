/*
 * app/notify - the outbox send loop: claim what is due, render it at send
 * time (notify/render.c, from records loaded here with the first report
 * read from the spool), send it (notify/smtp.c, notify/webhook.c), mark it.
 *
 * Any number of runners (`abusedesk notify`, `digest --send`, on one host or
 * several) may run at once: each row is claimed before it is sent
 * (outbox_claim: owner and lease set in the write transaction that picks the
 * row), so every row goes to one runner. Each due row is tried once per call:
 * over SMTP or as a webhook. A row is marked sent only by its claim owner and
 * only after the server accepted it, so a runner killed in between leaves the
 * claim to run out (cfg->notify_lease) and another runner sends the row then,
 * with the same Message-ID, rather than losing it. The lease must be longer
 * than one send can take (smtp_timeout, webhook_timeout). A database that
 * went away while the server took the message (restarted, out of reach) is
 * waited for, reconnecting, for up to notify_lease, so that the send is
 * recorded and not repeated by the next runner.
 *
 * An incident notice is rendered again at send time from the incident as it
 * is then (status, counts, confidence); a notice whose incident was resolved
 * or marked false_positive meanwhile is cancelled, not sent. A temporary
 * failure schedules the next try after cfg->notify_backoff, doubling each
 * attempt; after cfg->notify_max_attempts, or at once on a permanent
 * refusal, the row is failed for good and `abusedesk notify --status` shows
 * it with the server's reason.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../db/incidents.h"
#include "../ingest/spool.h"
#include "../util/msg.h"
#include "../notify/internal.h"
#include "notify.h"

#define RUN_MAX_DELAY (7L * 86400)

/* load_attachment - the raw bytes of the first complaint from the spool (NULL
 * when not wanted, unsafe or unreadable); render_notice caps them */
static char *load_attachment(const struct config *cfg, const struct outbox_report *first, size_t *len)
{
	char path[4096];

	*len = 0;
	if (!cfg->notify_attach_report || first == NULL || *first->spool_path == '\0' ||
	    strchr(first->spool_path, '/') || first->spool_path[0] == '.')
		return NULL;
	if (spool_find(cfg->spool_dir, first->spool_path, path, sizeof(path)) < 0)
		return NULL;
	return spool_read(path, len);
}

int notice_load(struct db *d, const struct config *cfg, long long incident_id,
		long long report_id, const char *reason, struct notice *n)
{
	struct outbox_incident in;
	struct outbox_report last, first;
	int rc, have_last = 0, have_first = 0;
	char *attach = NULL;
	size_t attach_len = 0;

	memset(n, 0, sizeof(*n));
	if ((rc = outbox_incident(d, incident_id, &in)) <= 0)
		return rc;
	if (report_id > 0 && (rc = outbox_report(d, report_id, 0, &last)) < 0)
		goto out;
	have_last = report_id > 0 && rc == 1;
	if ((rc = outbox_report(d, 0, incident_id, &first)) < 0)
		goto out;
	have_first = rc == 1;
	if (!have_last && have_first && (rc = outbox_report(d, first.id, 0, &last)) == 1)
		have_last = 1;
	if (have_first)
		attach = load_attachment(cfg, &first, &attach_len);
	render_notice(cfg, &in, have_last ? &last : NULL, have_first ? &first : NULL, reason, attach,
		      attach_len, n);
	rc = 1;
out:
	if (have_last)
		outbox_report_free(&last);
	if (have_first)
		outbox_report_free(&first);
	outbox_incident_free(&in);
	return rc;
}

/* backoff - the delay before attempt number attempts+1 */
static long long backoff(const struct config *cfg, long attempts)
{
	long long delay = cfg->notify_backoff > 0 ? cfg->notify_backoff : 60;

	for (long i = 1; i < attempts && delay < RUN_MAX_DELAY; i++)
		delay *= 2;
	return delay < RUN_MAX_DELAY ? delay : RUN_MAX_DELAY;
}

/* what is sent for one row: the stored body, or a notice rendered now */
struct payload {
	const char *subject, *body;
	size_t len;
	int fresh;              /* rendered at send time: store it with the row when sent */
	struct notice n;
	struct buf mail;
};

/* send_row - one transport attempt */
static enum send_result send_row(const struct config *cfg, const struct outbox_row *r,
				 const struct payload *p, char *err, size_t errlen)
{
	if (strcmp(r->channel, "smtp") == 0)
		return smtp_send(cfg, r->recipient, p->body, p->len,
				 r->kind && strcmp(r->kind, "ack") == 0, err, errlen);
	if (strcmp(r->channel, "webhook") == 0)
		return webhook_send(cfg, r->recipient, p->body, p->len, r->message_id, err, errlen);
	snprintf(err, errlen, "unknown channel");
	return SEND_PERM;
}

/* prepare - what to send for r: 1 send p, 0 cancel (why set), <0 DB error */
static int prepare(struct db *d, const struct config *cfg, const struct outbox_row *r,
		   struct payload *p, char *why, size_t whylen, long long now)
{
	struct outbox_incident in;
	int rc;

	memset(p, 0, sizeof(*p));
	p->subject = r->subject;
	p->body = r->body;
	p->len = r->body_len;
	buf_init(&p->mail, 40L * 1024 * 1024);
	if (strcmp(r->kind, "ack") == 0 && (rc = notify_ack_render(d, cfg, r, now, &p->mail)) != 0) {
		if (rc < 0)
			return rc;
		p->body = p->mail.data;
		p->len = p->mail.len;
		p->fresh = 1;
		return 1;
	}
	if (strcmp(r->kind, "notify") != 0 || r->incident_id <= 0 || *r->reason == '\0')
		return 1;
	if ((rc = outbox_incident(d, r->incident_id, &in)) <= 0)
		return rc;      /* < 0 error; 0: the incident is gone, send what was queued */
	if (strcmp(in.status, "resolved") == 0 || strcmp(in.status, "false_positive") == 0) {
		snprintf(why, whylen, "cancelled: incident %s before sending",
			 strcmp(in.status, "resolved") == 0 ? "resolved" : "marked false_positive");
		outbox_incident_free(&in);
		return 0;
	}
	outbox_incident_free(&in);
	if ((rc = notice_load(d, cfg, r->incident_id, r->report_id, r->reason, &p->n)) < 0)
		return rc;
	if (rc == 0)
		return 1;
	if (strcmp(r->channel, "smtp") == 0) {
		if (render_notice_mail(cfg, r->incident_id, r->recipient, &p->n, r->message_id, now,
				       &p->mail) < 0)
			return 1;       /* cannot build it now: the queued message still can go */
		p->body = p->mail.data;
		p->len = p->mail.len;
	} else {
		p->body = p->n.json.data;
		p->len = p->n.json.len;
	}
	p->subject = p->n.subject;
	p->fresh = 1;
	return 1;
}

/* payload_free - release what prepare built */
static void payload_free(struct payload *p)
{
	notice_free(&p->n);
	buf_free(&p->mail);
}

/* lost - a mark found the claim gone: say so (the lease was too short) */
static int lost(int rc, const struct outbox_row *r, const char *what)
{
	if (rc == 1)
		msg_warn("outbox=%lld: %s, but the claim had passed to another runner or the row was"
			 " cancelled (is notify_lease longer than a send takes?)", r->id, what);
	return rc == 1 ? DB_OK : rc;
}

/* mark_sent - the server has the message: record it; a database that went
 * away meanwhile (DB_BUSY: restarted, out of reach, locked) is tried again,
 * reconnecting, for up to notify_lease, after which the row goes out again
 * under the next claim (the same Message-ID) */
static int mark_sent(struct db *d, const struct config *cfg, const char *owner,
		     const struct outbox_row *r, long attempts, long long now, const struct payload *p)
{
	const struct timespec pause = { 0, 500 * 1000 * 1000 };
	struct timespec t0, t;
	int rc, said = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		rc = outbox_mark_sent(d, r->id, owner, attempts, now, p->subject, p->fresh ? p->body : NULL, p->len);
		if (rc != DB_BUSY)
			return rc;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= cfg->notify_lease)
			break;
		if (!said++)
			msg_warn("outbox=%lld: sent, but the database cannot record it (%s); trying again "
				 "for up to notify_lease", r->id, db_errmsg(d));
		nanosleep(&pause, NULL);
		(void)db_reconnect(d);
	}
	msg_error("outbox=%lld: sent, but the database could not record it within notify_lease (%s); "
		  "it goes out again after the lease, with the same Message-ID", r->id, db_errmsg(d));
	return rc;
}

/* deliver - try one claimed row and record the outcome */
static int deliver(struct db *d, const struct config *cfg, const char *owner,
		   const struct outbox_row *r, struct notify_result *res)
{
	char err[600] = "", note[400];
	long attempts = r->attempts + 1;
	long long now = db_now();
	struct payload p;
	enum send_result sr;
	int rc;

	if ((rc = prepare(d, cfg, r, &p, err, sizeof(err), now)) <= 0) {
		payload_free(&p);
		if (rc < 0)
			return rc;
		msg_info("outbox=%lld incident=%lld %s to %.200s: %s", r->id, r->incident_id,
			 r->channel, r->recipient, err);
		res->cancelled++;
		return lost(outbox_mark_cancelled(d, r->id, owner, err), r, "cancelled");
	}
	sr = send_row(cfg, r, &p, err, sizeof(err));
	now = db_now();
	if (sr == SEND_OK) {
		msg_info("outbox=%lld incident=%lld %s to %.200s: sent", r->id, r->incident_id,
			 r->channel, r->recipient);
		res->sent++;
		rc = lost(mark_sent(d, cfg, owner, r, attempts, now, &p), r, "sent");
		payload_free(&p);
		if (rc == DB_OK && r->incident_id > 0 && strcmp(r->kind, "notify") == 0) {
			snprintf(note, sizeof(note), "%s to %.300s", r->channel, r->recipient);
			rc = incident_set_status(d, r->incident_id, "notified", "notify", note);
			rc = rc == 1 ? DB_OK : rc;
		}
		return rc;
	}
	payload_free(&p);
	if (sr == SEND_TEMP && attempts < cfg->notify_max_attempts) {
		long long next = now + backoff(cfg, attempts);

		msg_warn("outbox=%lld %s to %.200s: %s (attempt %ld, next in %llds)", r->id, r->channel,
			 r->recipient, err, attempts, next - now);
		res->deferred++;
		return lost(outbox_mark_retry(d, r->id, owner, attempts, next, err), r, "deferred");
	}
	if (sr == SEND_TEMP) {
		size_t n = strlen(err);

		snprintf(err + n, sizeof(err) - n, " (gave up after %ld attempts)", attempts);
	}
	msg_error("outbox=%lld %s to %.200s: failed: %s", r->id, r->channel, r->recipient, err);
	res->failed++;
	return lost(outbox_mark_failed(d, r->id, owner, attempts, err), r, "failed");
}

int notify_run_opts(struct db *d, const struct config *cfg, int now_all, struct notify_result *res)
{
	long long start = db_now(), after = 0;
	char owner[160];
	struct outbox_row r;
	int rc;

	memset(res, 0, sizeof(*res));
	outbox_claim_owner(owner, sizeof(owner));
	while ((rc = outbox_claim(d, owner, db_now(), now_all ? LLONG_MAX : start,
				  cfg->notify_lease, after, &r)) == 1) {
		after = r.id;
		rc = deliver(d, cfg, owner, &r, res);
		outbox_row_free(&r);
		if (rc != DB_OK)
			return rc;
	}
	return rc;
}

int notify_run(struct db *d, const struct config *cfg, int *sent, int *failed, int *deferred)
{
	struct notify_result res;
	int rc = notify_run_opts(d, cfg, 0, &res);

	*sent = res.sent;
	*failed = res.failed;
	*deferred = res.deferred;
	return rc;
}
