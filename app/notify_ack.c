/*
 * app/notify_ack - a short "we got your report" to a human reporter.
 *
 * Only when cfg->ack_reporters is on, only for reports a person wrote or
 * forwarded (never ARF, X-ARF, SpamCop, JMRP, DMARC or DSN robots, never
 * auto-replies, bounces or list mail: RFC 3834), never to role and robot
 * addresses (mailer-daemon, noreply, *-request, owner-*, ...) nor to our own
 * sending addresses, and at most one per reporter per cfg->ack_interval
 * (acks table). The reply carries Auto-Submitted: auto-replied and refers to
 * the report by In-Reply-To only when its Message-ID is plainly formed.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../db/forward.h"
#include "../util/mem.h"
#include "../notify/internal.h"
#include "notify.h"

/* robot_address - RFC 3834 section 2: do not answer these */
static int robot_address(const char *addr)
{
	static const char *const exact[] = {
		"mailer-daemon", "postmaster", "abuse", "listserv", "majordomo", "noreply",
		"no-reply", "do-not-reply", "donotreply", "nobody", "root", "daemon",
	};
	size_t n = (size_t)(strchr(addr, '@') - addr);

	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (n == strlen(exact[i]) && strncasecmp(addr, exact[i], n) == 0)
			return 1;
	if (strncasecmp(addr, "owner-", 6) == 0 || strncasecmp(addr, "bounce", 6) == 0 ||
	    (n > 8 && strncasecmp(addr + n - 8, "-request", 8) == 0) ||
	    (n > 6 && strncasecmp(addr + n - 6, "-owner", 6) == 0))
		return 1;
	return 0;
}

/* human_format - a report a person wrote or forwarded */
static int human_format(enum report_format f)
{
	return f == FMT_FORWARD || f == FMT_PLAIN;
}

/* reply_ref - "<id>" when the report's Message-ID is plain enough to quote */
static void reply_ref(const char *mid, char *out, size_t outlen)
{
	size_t n;

	out[0] = '\0';
	if (mid == NULL)
		return;
	if (*mid == '<')
		mid++;
	n = strcspn(mid, ">");
	if (n == 0 || n > 250 || mid[n + (mid[n] == '>')] != '\0')
		return;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)mid[i]) && !strchr("!#$%&'*+-/=?^_`{|}~.@", mid[i]))
			return;
	snprintf(out, outlen, "<%.*s>", (int)n, mid);
}

/* ack_text - the body of the acknowledgement, with the outcome when known */
static void ack_text(struct buf *t, const struct config *cfg, long long report_id, long long incident_id,
		     const char *outcome)
{
	buf_puts(t, "Hello,\n\nthank you for your report to the abuse desk of ");
	mime_clean(t, cfg->organization, 200, 0);
	buf_printf(t, ".\nWe recorded it as report #%lld", report_id);
	if (incident_id > 0)
		buf_printf(t, " and filed it under incident #%lld", incident_id);
	buf_puts(t, ". We look into every report.\n\n");
	if (outcome && *outcome) {
		buf_puts(t, outcome);
		buf_puts(t, "\n\n");
	}
	buf_puts(t, "This is an automatic reply; you will hear from us again only if we\n"
		 "need more information. There is no need to answer it.\n\n-- \nabusedesk for ");
	mime_clean(t, cfg->organization, 200, 0);
	buf_putc(t, '\n');
}

/* queue_ack - compose and queue */
static int queue_ack(struct db *d, const struct config *cfg, const struct report *r, const char *to,
		     long long report_id, long long incident_id, long long now)
{
	struct mail m = { 0 };
	struct buf text, subj, msg;
	char mid[300], ref[260];
	long long oid = 0;
	int rc = DB_OK;

	buf_init(&text, 0);
	buf_init(&subj, 0);
	buf_init(&msg, 1024 * 1024);
	ack_text(&text, cfg, report_id, incident_id, NULL);
	buf_puts(&subj, "Auto: ");
	mime_clean(&subj, r->subject && *r->subject ? r->subject : "your abuse report", 300, 0);
	mime_message_id(cfg->from_address, mid, sizeof(mid));
	reply_ref(r->message_id, ref, sizeof(ref));
	m.from = cfg->from_address;
	m.to = to;
	m.subject = subj.data;
	m.message_id = mid;
	m.in_reply_to = ref;
	m.auto_submitted = "auto-replied";
	m.organization = cfg->organization;
	m.date = now;
	m.text = text.data;
	if (compose_mail(&m, &msg) == 0 &&
	    (rc = outbox_add(d, incident_id, "ack", "smtp", to, subj.data, mid, msg.data, msg.len,
			     "pending", NULL, now, &oid)) == DB_OK)
		rc = outbox_set_render(d, oid, "outcome", report_id);   /* the outcome is added when sent */
	buf_free(&text);
	buf_free(&subj);
	buf_free(&msg);
	return rc;
}

int notify_enqueue_ack(struct db *d, const struct config *cfg, const struct report *r,
		       long long report_id, long long incident_id)
{
	long long now = db_now();
	char *to;
	int rc;

	if (!cfg->ack_reporters || r == NULL || !human_format(r->format) || r->auto_submitted)
		return DB_OK;
	if (!mime_addr_ok(r->from) || robot_address(r->from) || !mime_addr_ok(cfg->from_address))
		return DB_OK;
	if (strcasecmp(r->from, cfg->from_address) == 0 ||
	    (cfg->team_address && strcasecmp(r->from, cfg->team_address) == 0))
		return DB_OK;
	to = str_lower(xstrdup(r->from));
	rc = outbox_ack_allow(d, to, now, cfg->ack_interval);
	if (rc == 1)
		rc = queue_ack(d, cfg, r, to, report_id, incident_id, now);
	free(to);
	return rc < 0 ? rc : DB_OK;
}

/*
 * outcome - what became of the report, in a sentence or two: acted on
 * (incident and state), a duplicate of an incident already open, or not
 * ours (forwarded to whom, or the contact to write to). "" when nothing
 * can be said yet.
 */
static int outcome(struct db *d, const struct config *cfg, const struct db_fwd_report *r, struct buf *o)
{
	struct outbox_incident in;
	struct outbox_report first;
	int rc, dup = 0;

	if (strcmp(r->verdict, "not_ours") == 0) {
		const char *ip = r->injector_ip[0] ? r->injector_ip : r->source_ip[0] ? r->source_ip : NULL;

		buf_puts(o, "The mail you report did not come from our network");
		if (ip)
			buf_printf(o, " but from %s", ip);
		if (strcmp(r->forward_state, "queued") == 0 && r->forward_to[0])
			buf_printf(o, ".\nWe forwarded your report to the abuse contact of that network,\n%s.",
				   r->forward_to);
		else if (r->contact_email[0])
			buf_printf(o, ".\nThe abuse contact of that network is %s; please write to them.",
				   r->contact_email);
		else
			buf_puts(o, ".\nPlease report it to the abuse contact of the network it came from.");
		return DB_OK;
	}
	if (r->incident_id <= 0)
		return DB_OK;
	if ((rc = outbox_incident(d, r->incident_id, &in)) <= 0)
		return rc;
	if ((rc = outbox_report(d, 0, r->incident_id, &first)) < 0) {
		outbox_incident_free(&in);
		return rc;
	}
	if (rc == 1) {
		dup = first.id != r->id;
		outbox_report_free(&first);
	}
	if (strcmp(in.status, "resolved") == 0 || strcmp(in.status, "false_positive") == 0)
		buf_printf(o, "Incident #%lld is closed (%s).", in.id, in.status);
	else if (dup)
		buf_printf(o, "It concerns incident #%lld, which was already open (%s): your report\n"
			   "was added to it and is being acted on.", in.id, in.status);
	else
		buf_printf(o, "We traced it to a host in our network and are acting on it:\n"
			   "incident #%lld, %s%s.", in.id, in.status,
			   strcmp(in.status, "notified") == 0 ? ", the host's owner has been told" : "");
	outbox_incident_free(&in);
	return DB_OK;
}

int notify_ack_render(struct db *d, const struct config *cfg, const struct outbox_row *row, long long now,
		      struct buf *out)
{
	struct db_fwd_report r;
	struct mail m = { 0 };
	struct buf text, oc;
	char ref[260];
	int rc;

	if (strcmp(row->kind, "ack") != 0 || strcmp(row->reason, "outcome") != 0 || row->report_id <= 0)
		return 0;
	if ((rc = forward_report(d, row->report_id, &r)) <= 0)
		return rc;
	buf_init(&text, 0);
	buf_init(&oc, 0);
	if ((rc = outcome(d, cfg, &r, &oc)) < 0)
		goto out;
	ack_text(&text, cfg, r.id, r.incident_id, oc.data);
	reply_ref(r.message_id, ref, sizeof(ref));
	m.from = cfg->from_address;
	m.to = row->recipient;
	m.subject = row->subject;
	m.message_id = row->message_id;
	m.in_reply_to = ref;
	m.auto_submitted = "auto-replied";
	m.organization = cfg->organization;
	m.date = now;
	m.text = text.data;
	rc = compose_mail(&m, out) == 0 ? 1 : 0;
out:
	buf_free(&text);
	buf_free(&oc);
	return rc;
}
