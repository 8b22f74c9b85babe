/*
 * app/notify_policy - decide whether an incident's owner hears about it now, and queue
 * the notice.
 *
 * A notice goes out when an incident opens, when it reopens, and when its
 * report count passes one of cfg->notify_thresholds since the last notice;
 * never more than once per incident per cfg->notify_interval; never for
 * resolved or false-positive incidents or not_ours verdicts. The owner's
 * policy (owners.policy) may be immediate, digest (the digest tells them)
 * or none. Mail goes to the owner's address, or to cfg->team_address when
 * there is no owner or no address; a webhook too when the owner has one.
 * Messages are rendered here, and the Message-ID never changes after; the
 * row keeps the reason and the triggering report, so notify_run renders the
 * notice again from the incident as it is when the message is sent.
 */
#include <stdlib.h>
#include <string.h>

#include "../util/mem.h"
#include "../util/msg.h"
#include "../notify/internal.h"
#include "notify.h"

/* passed_threshold - a configured threshold t with before < t <= now */
static int passed_threshold(const struct config *cfg, long before, long now)
{
	for (size_t i = 0; i < cfg->notify_thresholds.n; i++) {
		long t;

		if (str_to_long(cfg->notify_thresholds.v[i], 1, 1000000000L, &t) == 0 &&
		    before < t && now >= t)
			return 1;
	}
	return 0;
}

/* due_reason - "open", "reopened", "grew" or NULL when nothing is due now */
static const char *due_reason(const struct config *cfg, const struct incident_change *ch,
			      const struct outbox_incident *in, long reports, long long now)
{
	int thr = passed_threshold(cfg, in->notified_reports, reports);

	if (strcmp(in->verdict, "not_ours") == 0 || strcmp(in->status, "resolved") == 0 ||
	    strcmp(in->status, "false_positive") == 0)
		return NULL;
	if (strcmp(in->status, "acknowledged") == 0 && !ch->reopened && !thr)
		return NULL;
	if (in->notified_at > 0 && now - in->notified_at < cfg->notify_interval)
		return NULL;
	if (ch->reopened)
		return "reopened";
	if (in->notified_at == 0)
		return "open";
	return thr ? "grew" : NULL;
}

/* refuse - queue a row that is failed from the start, so --status shows why */
static int refuse(struct db *d, long long id, const char *channel, const char *to,
		  const struct notice *n, const char *why, long long now)
{
	char *clean = str_sanitize(to, 300);
	int rc;

	msg_warn("incident %lld: %s: %s", id, clean, why);
	rc = outbox_add(d, id, "notify", channel, clean, n->subject, NULL, n->text.data, n->text.len,
			"failed", why, now, NULL);
	free(clean);
	return rc;
}

/* queue_mail - compose and queue the notice for one address */
static int queue_mail(struct db *d, const struct config *cfg, long long id, const char *to,
		      const struct notice *n, const char *reason, long long report_id, long long now)
{
	struct buf msg;
	char mid[300];
	long long row = 0;
	int rc;

	if (!mime_addr_ok(to))
		return refuse(d, id, "smtp", to, n, "refusing to send: the recipient is not a plain"
			      " address (addr-spec without CR/LF, spaces or a display name)", now);
	if (!mime_addr_ok(cfg->from_address))
		return refuse(d, id, "smtp", to, n, "refusing to send: from_address is not a plain address", now);
	mime_message_id(cfg->from_address, mid, sizeof(mid));
	buf_init(&msg, 40L * 1024 * 1024);
	if (render_notice_mail(cfg, id, to, n, mid, now, &msg) < 0)
		rc = refuse(d, id, "smtp", to, n, "the message would be too large to send", now);
	else if ((rc = outbox_add(d, id, "notify", "smtp", to, n->subject, mid, msg.data, msg.len,
				  "pending", NULL, now, &row)) == DB_OK)
		rc = outbox_set_render(d, row, reason, report_id);
	buf_free(&msg);
	return rc;
}

/* queue_hook - queue the JSON for the owner's webhook */
static int queue_hook(struct db *d, const struct config *cfg, long long id, const char *url,
		      const struct notice *n, const char *reason, long long report_id, long long now)
{
	char mid[300];
	long long row = 0;
	int rc;

	if (!webhook_url_ok(url))
		return refuse(d, id, "webhook", url, n, "refusing to post: webhook_url is not a plain"
			      " http(s) URL", now);
	mime_message_id(cfg->from_address, mid, sizeof(mid));
	rc = outbox_add(d, id, "notify", "webhook", url, n->subject, mid, n->json.data, n->json.len,
			"pending", NULL, now, &row);
	return rc == DB_OK ? outbox_set_render(d, row, reason, report_id) : rc;
}

/* queue_notice - render once, queue mail (and webhook), remember the notice */
static int queue_notice(struct db *d, const struct config *cfg, const struct outbox_incident *in,
			const struct outbox_owner *o, long long report_id, const char *reason,
			long reports, long long now)
{
	const char *to = o->found && *o->email ? o->email : cfg->team_address;
	struct notice n;
	int rc;

	if ((rc = notice_load(d, cfg, in->id, report_id, reason, &n)) <= 0) {
		notice_free(&n);
		return rc;
	}
	rc = queue_mail(d, cfg, in->id, to, &n, reason, report_id, now);
	if (rc == DB_OK && o->found && *o->webhook_url)
		rc = queue_hook(d, cfg, in->id, o->webhook_url, &n, reason, report_id, now);
	if (rc == DB_OK)
		rc = outbox_incident_noted(d, in->id, now, reports);
	notice_free(&n);
	return rc;
}

int notify_enqueue(struct db *d, const struct config *cfg, const struct incident_change *ch,
		   long long report_id)
{
	struct outbox_incident own;
	const struct outbox_incident *in = &own;
	struct outbox_owner o;
	const char *reason;
	long long now = db_now();
	long reports;
	int rc;

	memset(&own, 0, sizeof(own));
	if (ch == NULL)
		return DB_OK;
	/* the row the change brought back (PostgreSQL's update answers it), else read */
	if (ch->have_row && ch->row.id == ch->id && ch->id)
		in = &ch->row;
	else if ((rc = outbox_incident(d, ch->id, &own)) <= 0)
		return rc;
	reports = ch->reports > in->reports ? ch->reports : in->reports;
	if ((reason = due_reason(cfg, ch, in, reports, now)) == NULL) {
		outbox_incident_free(&own);
		return DB_OK;
	}
	if ((rc = outbox_owner(d, in->owner, &o)) == DB_OK && strcmp(o.policy, "immediate") != 0) {
		msg_debug("incident %lld: owner policy %s, no notice", in->id, o.policy);
	} else if (rc == DB_OK) {
		/* a change counted but not yet written (a batch's later report):
		 * the row written first and the notice made from it as it is now */
		if (ch->deferred && in != &own) {
			if ((rc = incident_flush(d, ch->id, &own)) == 0)
				rc = outbox_incident(d, ch->id, &own);
			if (rc == 1) {
				in = &own;
				reports = own.reports > reports ? own.reports : reports;
			}
		}
		if (rc >= 0)
			rc = queue_notice(d, cfg, in, &o, report_id, reason, reports, now);
	}
	outbox_owner_free(&o);
	outbox_incident_free(&own);
	return rc;
}
