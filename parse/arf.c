/*
 * arf - Abuse Reporting Format (RFC 5965, 6692 Source-Port, 6591 auth-failure)
 * and the deviations of real feedback loops: draft Version 0.1 with
 * Received-Date, Source-IP absent, redacted or with a comment, base64 feedback
 * parts, misspelt third-part types, and MIME so broken that the fields have
 * to be found in the raw text.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse_int.h"
#include "../util/mem.h"

/* reporting_mta - "dns; mx.example.com" -> "mx.example.com" */
static void set_mta(struct report *r, const char *v)
{
	const char *semi = strchr(v, ';');

	set_str(&r->reporting_mta, semi ? semi + 1 : v);
}

/* set_port - Source-Port 1..65535 */
static void set_port(struct report *r, const char *v)
{
	long p;
	char tmp[16];

	str_copy(tmp, sizeof(tmp), v);
	str_trim(tmp);
	if (str_to_long(tmp, 1, 65535, &p) == 0)
		r->source_port = (int)p;
	else
		report_warn(r, "Source-Port not understood (%.20s)", v);
}

/* set_incidents - Incidents: a positive count */
static void set_incidents(struct report *r, const char *v)
{
	long n;
	char tmp[24];

	str_copy(tmp, sizeof(tmp), v);
	str_trim(tmp);
	if (str_to_long(tmp, 1, 1000000000L, &n) == 0)
		r->incidents = n;
	else
		report_warn(r, "Incidents not understood (%.20s)", v);
}

/* arf_field - one field of a feedback report */
static void arf_field(struct report *r, const char *n, size_t nl, const char *v, int *seen_ip)
{
	char *s;

	if (name_is(n, nl, "Feedback-Type")) {
		if (!r->feedback_type)
			set_str_lower(&r->feedback_type, v);
	} else if (name_is(n, nl, "User-Agent")) {
		if (!r->user_agent)
			set_str(&r->user_agent, v);
	} else if (name_is(n, nl, "Arrival-Date") || name_is(n, nl, "Received-Date")) {
		if (!r->arrival_date)
			set_arrival(r, v);
	} else if (name_is(n, nl, "Source-IP")) {
		if (!*seen_ip)
			set_source_ip(r, v);
		*seen_ip = 1;
	} else if (name_is(n, nl, "Source-Port")) {
		if (!r->source_port)
			set_port(r, v);
	} else if (name_is(n, nl, "Original-Mail-From")) {
		if (!r->original_mail_from && (s = angle_strip(v)) != NULL)
			r->original_mail_from = s;
	} else if (name_is(n, nl, "Original-Rcpt-To") || name_is(n, nl, "Removal-Recipient")) {
		s = angle_strip(v);
		list_add(r, &r->original_rcpt_to, s, "Original-Rcpt-To fields");
		free(s);
	} else if (name_is(n, nl, "Reported-Domain")) {
		list_add(r, &r->reported_domains, v, "Reported-Domain fields");
	} else if (name_is(n, nl, "Reported-URI")) {
		list_add(r, &r->reported_uris, v, "Reported-URI fields");
	} else if (name_is(n, nl, "Incidents")) {
		set_incidents(r, v);
	} else if (name_is(n, nl, "Reporting-MTA")) {
		if (!r->reporting_mta)
			set_mta(r, v);
	} else if (name_is(n, nl, "Authentication-Results")) {
		if (!r->auth_results)
			set_str(&r->auth_results, v);
	} else if (name_is(n, nl, "Auth-Failure")) {
		if (!r->auth_failure)
			set_str_lower(&r->auth_failure, v);
	} else {
		/* fields kept as written, the first of each */
		static const struct { const char *name; size_t off; } kept[] = {
			{ "Version", offsetof(struct report, arf_version) },
			{ "Original-Envelope-Id", offsetof(struct report, original_envelope_id) },
			{ "Delivery-Result", offsetof(struct report, delivery_result) },
			{ "DKIM-Domain", offsetof(struct report, dkim_domain) },
			{ "DKIM-Identity", offsetof(struct report, dkim_identity) },
			{ "DKIM-Selector", offsetof(struct report, dkim_selector) },
			{ "SPF-DNS", offsetof(struct report, spf_dns) },
			{ "Identity-Alignment", offsetof(struct report, identity_alignment) },
		};

		for (size_t k = 0; k < sizeof(kept) / sizeof(kept[0]); k++) {
			char **dst = (char **)((char *)r + kept[k].off);

			if (name_is(n, nl, kept[k].name)) {
				if (!*dst)
					set_str(dst, v);
				break;
			}
		}
	}
}

/* arf_fields - read the fields of a message/feedback-report block */
void arf_fields(struct report *r, const char *block, size_t len)
{
	struct fieldit it;
	struct buf v;
	const char *n;
	size_t nl;
	int seen_ip = 0;

	buf_init(&v, 0);
	fieldit_init(&it, block, len, 0);
	while (fieldit_next(&it, &n, &nl, &v))
		arf_field(r, n, nl, v.data, &seen_ip);
	buf_free(&v);
	if (it.capped)
		report_warn(r, "feedback report has more than %d lines; the rest ignored", PARSE_MAX_HEADERS);
	if (!r->feedback_type)
		report_warn(r, "feedback report without Feedback-Type");
	if (!seen_ip)
		report_warn(r, "feedback report without Source-IP");
}

/* orig_from_part - the reported message from the third part */
static void orig_from_part(struct pctx *c, struct report *r)
{
	char *t;
	size_t n;

	if (!c->orig) {
		report_warn(r, "report does not include the reported message");
		return;
	}
	if (part_is_message(c->orig)) {
		parse_original_part(r, c->orig);
		return;
	}
	t = part_text(c->orig, PARSE_MAX_TEXT, &n);
	if (t) {
		size_t off = 0;

		while (off < n && (t[off] == '\n' || t[off] == ' '))
			off++;
		if (n - off > 5 && memcmp(t + off, "From ", 5) == 0)
			while (off < n && t[off++] != '\n')
				;
		parse_original_headers(r, t + off, n - off, c->orig_headers_only);
	}
	free(t);
}

/* arf_finish - format refinements shared by MIME and raw ARF */
static void arf_finish(struct report *r)
{
	const char *ft = r->feedback_type;

	r->format = FMT_ARF;
	if ((r->user_agent && mem_casestr(r->user_agent, strlen(r->user_agent), "spamcop")) ||
	    (r->reporter && strchr(r->reporter, '@') &&
	     str_domain_match(strchr(r->reporter, '@') + 1, "spamcop.net")))
		r->format = FMT_SPAMCOP;
	if (ft && (!strcmp(ft, "auth-failure") || !strcmp(ft, "authfailure") || !strcmp(ft, "dmarc"))) {
		if ((r->auth_failure && strstr(r->auth_failure, "dmarc")) ||
		    (r->auth_results && mem_casestr(r->auth_results, strlen(r->auth_results), "dmarc=")) ||
		    (r->subject && mem_casestr(r->subject, strlen(r->subject), "dmarc")))
			set_str(&r->category, "dmarc-failure");
	}
}

/* arf_parse - a message with a message/feedback-report part */
int arf_parse(struct pctx *c, struct report *r)
{
	char *t;
	size_t n;

	t = part_text(c->feedback, PARSE_MAX_TEXT, &n);
	if (!t)
		return 0;
	arf_fields(r, t, n);
	free(t);
	if (!c->top_type || strcmp(c->top_type, "multipart/report") != 0)
		report_warn(r, "feedback report is not inside multipart/report");
	else if (!c->report_type || strcmp(c->report_type, "feedback-report") != 0)
		report_warn(r, "multipart/report without report-type=feedback-report");
	orig_from_part(c, r);
	arf_finish(r);
	return 1;
}

/* line_start - the start of the line holding p */
static const char *line_start(const char *base, const char *p)
{
	while (p > base && p[-1] != '\n')
		p--;
	return p;
}

/* slice_end - the next MIME boundary-like line ("--x") after p, or end */
static const char *slice_end(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && (q = memchr(q, '\n', (size_t)(end - q))) != NULL) {
		q++;
		if (end - q > 2 && q[0] == '-' && q[1] == '-' && q[2] != ' ' && q[2] != '\n')
			return q;
	}
	return end;
}

/* skip_part_headers - past "Content-...:" lines and the blank line of a part */
static const char *skip_part_headers(const char *p, const char *end)
{
	const char *e = p;
	size_t ll;
	const char *l, *save = p;

	while ((l = line_next(&e, end, &ll)) != NULL) {
		if (ll == 0)
			return e;
		if (strncasecmp(l, "Content-", 8) != 0 && l[0] != ' ' && l[0] != '\t')
			return l;
	}
	return save;
}

/* arf_raw_parse - the feedback fields and original found in raw text when MIME failed */
int arf_raw_parse(struct pctx *c, struct report *r)
{
	const char *text = c->body ? c->body : c->text, *end = c->text + c->len, *fb, *ft, *o, *oe;
	size_t len = (size_t)(end - text);

	ft = mem_casestr(text, len, "\nFeedback-Type:");
	fb = mem_casestr(text, len, "message/feedback-report");
	if (!ft || (!fb && (!c->top_type || strcmp(c->top_type, "multipart/report") != 0) && c->msg))
		return 0;
	if (fb && fb < ft) {
		fb = skip_part_headers(line_start(text, fb), end);
	} else {
		fb = line_start(text, ft + 1);
	}
	report_warn(r, "feedback report found by scanning the raw text (MIME structure broken)");
	r->flags |= REPORT_F_MALFORMED;
	oe = slice_end(fb, end);
	arf_fields(r, fb, (size_t)(oe - fb));
	o = mem_casestr(oe, (size_t)(end - oe), "rfc822");
	if (o) {
		int headers_only = mem_casestr(o, end - o < 20 ? (size_t)(end - o) : 20, "header") != NULL;

		o = skip_part_headers(line_start(oe, o), end);
		parse_original_headers(r, o, (size_t)(slice_end(o, end) - o), headers_only);
	} else {
		report_warn(r, "report does not include the reported message");
	}
	arf_finish(r);
	return 1;
}

/* apple_unsubscribe - Apple's "X-Apple-Unsubscribe: true" notice is opt-out feedback */
int apple_unsubscribe(struct pctx *c, struct report *r)
{
	if (!c->msg || !header_is(c->msg, "X-Apple-Unsubscribe", "true"))
		return 0;
	r->format = FMT_ARF;
	set_str(&r->feedback_type, "opt-out");
	report_warn(r, "Apple unsubscribe notice read as opt-out feedback");
	return 1;
}
