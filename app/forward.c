/*
 * forward - ARF forwards of not_ours reports (see forward.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../db/forward.h"
#include "../db/outbox.h"
#include "../db/rdap.h"
#include "../ingest/spool.h"
#include "../notify/internal.h"
#include "../util/msg.h"
#include "../util/str.h"
#include "forward.h"
#include "whois.h"

#ifndef ABUSEDESK_VERSION
#define ABUSEDESK_VERSION "0"
#endif

#define FWD_MAX (40L * 1024 * 1024)

const char *fwd_outcome_text(enum fwd_outcome o)
{
	static const char *const t[] = {
		"queued", "no such report", "not a not_ours report", "already forwarded",
		"the complaint is no longer in the spool", "loop: our own forward came back",
		"unknown contact", "not a plain address", "rate-limited",
	};

	return (unsigned)o < sizeof(t) / sizeof(t[0]) ? t[o] : "?";
}

/* domain_of - the domain of an address, "" none */
static const char *domain_of(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;

	return at ? at + 1 : "";
}

/* ours - the address is in one of our_domains (or a subdomain) */
static int ours(const struct config *cfg, const char *addr)
{
	const char *dom = domain_of(addr);
	size_t n = strlen(dom);

	for (size_t i = 0; i < cfg->our_domains.n; i++) {
		const char *o = cfg->our_domains.v[i];
		size_t k = strlen(o);

		if (strcasecmp(dom, o) == 0 || (n > k && dom[n - k - 1] == '.' && strcasecmp(dom + n - k, o) == 0))
			return 1;
	}
	return 0;
}

/*
 * came_back - the complaint carries "X-Abusedesk-Forward: <...@OURDOMAIN>",
 * a header or feedback field only our forwards have (at a line start)
 */
static int came_back(const struct config *cfg, const char *raw, size_t len)
{
	const char *dom = domain_of(cfg->from_address);
	size_t hl = strlen(FORWARD_HEADER), dl = strlen(dom);

	if (dl == 0)
		return 0;
	for (size_t i = 0; i + hl + 1 < len; i++) {
		const char *p = raw + i, *e;

		if ((i > 0 && raw[i - 1] != '\n') || strncasecmp(p, FORWARD_HEADER, hl) != 0 || p[hl] != ':')
			continue;
		e = memchr(p, '\n', len - i);
		e = e ? e : raw + len;
		for (const char *q = p + hl; q + dl + 1 < e; q++)
			if (*q == '@' && strncasecmp(q + 1, dom, dl) == 0 && q[dl + 1] == '>')
				return 1;
	}
	return 0;
}

/* field - "Name: value" LF when value is plain printable ASCII */
static void field(struct buf *b, const char *name, const char *value, int angle)
{
	size_t n = value ? strlen(value) : 0;

	if (n == 0 || n > 300)
		return;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)value[i] < 0x21 || (unsigned char)value[i] > 0x7e ||
		    (angle && (value[i] == '<' || value[i] == '>')))
			return;
	buf_printf(b, angle ? "%s: <%s>\n" : "%s: %s\n", name, value);
}

/* load_complaint - the raw complaint from the spool, NULL when gone */
static char *load_complaint(const struct config *cfg, const char *name, size_t *len)
{
	char path[4096];

	*len = 0;
	if (*name == '\0' || strchr(name, '/') || name[0] == '.' ||
	    spool_find(cfg->spool_dir, name, path, sizeof(path)) < 0)
		return NULL;
	return spool_read(path, len);
}

/* compose - the ARF message into msg */
static int compose(const struct config *cfg, const struct db_fwd_report *r, const char *to, const char *raw,
		   size_t rawlen, const char *mid, const char *fid, long long now, struct buf *msg,
		   struct buf *subj)
{
	struct mail m = { 0 };
	struct buf text, fb;
	char date[64];
	const char *ip = r->injector_ip[0] ? r->injector_ip : r->source_ip;
	int rc;

	buf_init(&text, 0);
	buf_init(&fb, 0);
	buf_puts(&text, "Hello,\n\nthe abuse desk of ");
	mime_clean(&text, cfg->organization, 200, 0);
	buf_printf(&text, " received the complaint attached below. The mail it is about\n"
		   "came from %s, which is not in our network; the registry names you\n"
		   "as the abuse contact of that address, so we pass the complaint on.\n\n", ip);
	if (r->reporter[0]) {
		buf_puts(&text, "Reported by: ");
		mime_clean(&text, r->reporter, 300, 0);
		buf_putc(&text, '\n');
	}
	if (r->orig_subject[0]) {
		buf_puts(&text, "Subject of the reported mail: ");
		mime_clean(&text, r->orig_subject, 300, 0);
		buf_putc(&text, '\n');
	}
	buf_printf(&text, "Our reference: report #%lld\n\n"
		   "The second part is a machine-readable feedback report (RFC 5965); the\n"
		   "third is the complaint exactly as it reached us. This message was sent\n"
		   "automatically; please do not send it back to us.\n\n-- \nabusedesk for ", r->id);
	mime_clean(&text, cfg->organization, 200, 0);
	buf_putc(&text, '\n');

	field(&fb, "Feedback-Type", "abuse", 0);
	field(&fb, "User-Agent", "abusedesk/" ABUSEDESK_VERSION, 0);
	field(&fb, "Version", "1", 0);
	field(&fb, "Original-Mail-From", r->original_mail_from, 1);
	field(&fb, "Original-Rcpt-To", r->rcpt_to, 1);
	mime_date(r->arrival_at > 0 ? r->arrival_at : r->received_at, date);
	buf_printf(&fb, "Arrival-Date: %s\n", date);
	if (strchr(cfg->from_address, '@')) {
		char rm[300];

		snprintf(rm, sizeof(rm), "dns; %s", domain_of(cfg->from_address));
		if (!str_has_ctl(rm, strlen(rm)) && !strchr(rm + 5, ' '))
			buf_printf(&fb, "Reporting-MTA: %s\n", rm);
	}
	field(&fb, "Source-IP", ip, 0);
	field(&fb, "Reported-Domain", r->domain, 0);
	field(&fb, FORWARD_HEADER, fid, 0);

	buf_puts(subj, "Abuse report forwarded: ");
	mime_clean(subj, r->orig_subject[0] ? r->orig_subject : ip, 200, 0);
	m.from = cfg->from_address;
	m.to = to;
	m.subject = subj->data;
	m.message_id = mid;
	m.auto_submitted = "auto-generated";
	m.organization = cfg->organization;
	m.date = now;
	m.text = text.data;
	m.attach = raw;
	m.attach_len = rawlen;
	m.feedback = fb.data;
	m.forward_id = fid;
	rc = compose_mail(&m, msg);
	buf_free(&text);
	buf_free(&fb);
	return rc;
}

/* queue - compose and queue in one transaction with the report's record */
static int queue(struct db *d, const struct config *cfg, const struct db_fwd_report *r, const char *to,
		 const char *raw, size_t rawlen)
{
	struct buf msg, subj;
	char mid[300], fid[300];
	long long now = db_now(), oid = 0;
	int rc;

	buf_init(&msg, FWD_MAX);
	buf_init(&subj, 0);
	mime_message_id(cfg->from_address, mid, sizeof(mid));
	mime_message_id(cfg->from_address, fid, sizeof(fid));
	if (compose(cfg, r, to, raw, rawlen, mid, fid, now, &msg, &subj) < 0) {
		msg_error("report %lld: the forward cannot be built (too large or a bad address)", r->id);
		rc = DB_ERROR;
	} else if ((rc = db_begin(d)) == DB_OK) {
		if ((rc = outbox_add(d, r->incident_id, "forward", "smtp", to, subj.data, mid, msg.data, msg.len,
				     "pending", NULL, now, &oid)) == DB_OK &&
		    (rc = outbox_set_render(d, oid, "", r->id)) == DB_OK &&
		    (rc = forward_set(d, r->id, "queued", to, now)) == DB_OK)
			rc = db_commit(d);
		if (rc != DB_OK)
			db_rollback(d);
	}
	buf_free(&msg);
	buf_free(&subj);
	return rc;
}

int app_forward(struct db *d, const struct config *cfg, long long report_id, const char *to, int lookup,
		enum fwd_outcome *out, char *dest, size_t destlen)
{
	struct db_fwd_report r;
	char *raw = NULL;
	size_t rawlen = 0;
	long long now = db_now();
	int rc, n;

	dest[0] = '\0';
	if ((rc = forward_report(d, report_id, &r)) < 0)
		return rc;
	*out = FWD_NO_REPORT;
	if (rc == 0)
		return DB_OK;
	*out = FWD_NOT_NOT_OURS;
	if (strcmp(r.verdict, "not_ours") != 0)
		return DB_OK;
	*out = FWD_ALREADY;
	str_copy(dest, destlen, r.forward_to);
	if (strcmp(r.forward_state, "queued") == 0 || strcmp(r.forward_state, "sent") == 0)
		return DB_OK;
	dest[0] = '\0';
	*out = FWD_NO_COMPLAINT;
	if ((raw = load_complaint(cfg, r.spool_path, &rawlen)) == NULL)
		return DB_OK;
	if (came_back(cfg, raw, rawlen)) {
		*out = FWD_LOOP;
		free(raw);
		return forward_set(d, r.id, "loop", NULL, now);
	}
	if (to == NULL && r.contact_email[0] == '\0' && lookup && (r.injector_ip[0] || r.source_ip[0])) {
		struct db_rdap w;
		int cached;
		const char *ip = r.injector_ip[0] ? r.injector_ip : r.source_ip;

		if ((rc = app_whois(d, cfg, ip, 0, &w, &cached)) != DB_OK) {
			free(raw);
			return rc;
		}
		if (strcmp(w.status, "error") != 0 && (rc = rdap_report_set(d, r.id, w.email, now)) != DB_OK) {
			free(raw);
			return rc;
		}
		str_copy(r.contact_email, sizeof(r.contact_email), w.email);
	}
	str_copy(dest, destlen, to ? to : r.contact_email);
	if (dest[0] == '\0') {
		*out = FWD_NO_CONTACT;
		free(raw);
		return forward_set(d, r.id, "no_contact", NULL, now);
	}
	if (!mime_addr_ok(dest)) {
		*out = FWD_BAD_ADDRESS;
		free(raw);
		return DB_OK;
	}
	if (ours(cfg, dest) || strcasecmp(dest, cfg->from_address) == 0 ||
	    (cfg->team_address && strcasecmp(dest, cfg->team_address) == 0)) {
		*out = FWD_LOOP;
		free(raw);
		return forward_set(d, r.id, "loop", dest, now);
	}
	if ((n = forward_recent(d, dest, now - cfg->forward_interval)) < 0) {
		free(raw);
		return n;
	}
	if (n > 0) {
		*out = FWD_RATE_LIMITED;
		free(raw);
		return forward_set(d, r.id, "rate_limited", dest, now);
	}
	rc = queue(d, cfg, &r, dest, raw, rawlen);
	free(raw);
	if (rc == DB_OK) {
		*out = FWD_QUEUED;
		msg_info("report %lld: forwarded to %s (queued)", r.id, dest);
	}
	return rc;
}

struct run_ctx {
	struct db *d;
	const struct config *cfg;
	int auto_, n, rc;
};

/* run_one - forward (auto) or mark for the operator (ask) */
static void run_one(void *ctx, long long id)
{
	struct run_ctx *c = ctx;
	enum fwd_outcome o;
	char dest[256];

	if (c->rc != DB_OK)
		return;
	if (!c->auto_) {
		struct db_fwd_report r;

		if ((c->rc = forward_report(c->d, id, &r)) == 1 &&
		    (c->rc = forward_set(c->d, id, "ask", r.contact_email, db_now())) == DB_OK)
			c->n++;
		if (c->rc == 1)
			c->rc = DB_OK;
		return;
	}
	if ((c->rc = app_forward(c->d, c->cfg, id, NULL, 0, &o, dest, sizeof(dest))) == DB_OK && o == FWD_QUEUED)
		c->n++;
}

int app_forward_run(struct db *d, const struct config *cfg, int max, int *n)
{
	struct run_ctx c = { d, cfg, 0, 0, DB_OK };
	int rc;

	*n = 0;
	if (strcmp(cfg->forward_not_ours, "auto") == 0)
		c.auto_ = 1;
	else if (strcmp(cfg->forward_not_ours, "ask") != 0)
		return DB_OK;
	/* auto: new ones and those a rate limit held back; ask: new ones */
	rc = forward_due(d, 1, c.auto_ ? "rate_limited" : NULL, max, run_one, &c);
	*n = c.n;
	return rc != DB_OK ? rc : c.rc;
}
