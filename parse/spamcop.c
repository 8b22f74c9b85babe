/*
 * spamcop - SpamCop's text reports ("Email from <ip> / <date>" followed by
 * "[ Offending message ]" or "Offending message:" and the spam's headers)
 * and legacy Microsoft JMRP complaints (multipart/mixed holding the
 * reported message, X-HmXmrOriginalRecipient, no feedback part).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse_int.h"
#include "../util/mem.h"

/* after_marker - the text after the line holding marker, or NULL */
static const char *after_marker(const char *t, size_t n, const char *marker)
{
	const char *p = mem_casestr(t, n, marker), *e;

	if (!p)
		return NULL;
	e = memchr(p, '\n', (size_t)(t + n - p));
	return e ? e + 1 : t + n;
}

/* email_from - "Email from 192.0.2.1 / Thu, 19 Jun 2003 17:34:13 -0400" */
static void email_from(struct report *r, const char *t, size_t n)
{
	const char *p = mem_casestr(t, n, "Email from "), *e, *slash;
	char line[256];
	size_t ll;

	if (!p)
		return;
	p += 11;
	e = memchr(p, '\n', (size_t)(t + n - p));
	ll = e ? (size_t)(e - p) : (size_t)(t + n - p);
	if (ll >= sizeof(line))
		ll = sizeof(line) - 1;
	memcpy(line, p, ll);
	line[ll] = '\0';
	set_source_ip(r, line);
	slash = strchr(line, '/');
	if (slash)
		set_arrival(r, slash + 1);
}

/* spamvertised - "Spamvertised web site: http://..." lines */
static void spamvertised(struct report *r, const char *t, size_t n)
{
	const char *p = t, *end = t + n, *e;
	char *u;

	while ((p = mem_casestr(p, (size_t)(end - p), "Spamvertised web site:")) != NULL) {
		p += 22;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		for (e = p; e < end && *e != '\n' && *e != ' '; e++)
			;
		u = xstrndup(p, (size_t)(e - p));
		list_add(r, &r->reported_uris, u, "reported URIs");
		free(u);
		p = e;
	}
}

/* spamcop_parse - a SpamCop text report; 1 when taken */
int spamcop_parse(struct pctx *c, struct report *r)
{
	const char *t = c->body_text, *o;
	size_t n = c->body_text_len;
	int from_sc = r->reporter && mem_casestr(r->reporter, strlen(r->reporter), "spamcop.net");

	if (!t)
		return 0;
	o = after_marker(t, n, "[ Offending message ]");
	if (!o)
		o = after_marker(t, n, "Offending message:");
	if (!o || !(from_sc || mem_casestr(t, n, "SpamCop") || mem_casestr(t, n, "Email from ")))
		return 0;
	r->format = FMT_SPAMCOP;
	set_str(&r->feedback_type, "abuse");
	set_str(&r->category, "spam");
	set_str(&r->user_agent, "SpamCop");
	email_from(r, t, (size_t)(o - t));
	spamvertised(r, t, (size_t)(o - t));
	if (!r->source_ip)
		report_warn(r, "SpamCop report without \"Email from\" address");
	while (o < t + n && (*o == ' ' || *o == '\n'))
		o++;
	if (o < t + n && *o == '>') {
		/* the report forwarded inline and quoted ("> "): its message is quoted too */
		size_t ul;
		char *u = text_unquote(o, (size_t)(t + n - o), &ul), *s = u;

		while (*s == ' ' || *s == '\n')
			s++;
		parse_original_headers(r, s, ul - (size_t)(s - u), 0);
		free(u);
	} else {
		parse_original_headers(r, o, (size_t)(t + n - o), 0);
	}
	if (!r->orig.present)
		report_warn(r, "SpamCop report without the offending message");
	return 1;
}

/* jmrp_parse - legacy Microsoft JMRP complaint; 1 when taken */
int jmrp_parse(struct pctx *c, struct report *r)
{
	struct mpart *m = c->msg;
	const char *subj = r->subject, *p;
	int staff = r->reporter && !strcasecmp(r->reporter, "staff@hotmail.com");
	int complaint = subj && mem_casestr(subj, strlen(subj), "complaint about message from");
	int hm = mem_casestr(c->text, c->len, "\nX-HmXmrOriginalRecipient:") != NULL;

	if (!m || !(hm || (staff && complaint)))
		return 0;
	r->format = FMT_JMRP;
	set_str(&r->feedback_type, "abuse");
	set_str(&r->user_agent, "Microsoft JMRP");
	if (complaint) {
		p = mem_casestr(subj, strlen(subj), "message from") + 12;
		set_source_ip(r, p);
	}
	if (part_is_message(c->orig)) {
		parse_original_part(r, c->orig);
	} else if (hdr(m, "X-HmXmrOriginalRecipient")) {
		report_warn(r, "JMRP report without its wrapper; the message is the reported one");
		parse_original_headers(r, c->text, c->len, 0);
	}
	if (r->orig.headers) {
		char *rcpt = field_value(r->orig.headers, strlen(r->orig.headers), "X-HmXmrOriginalRecipient");

		list_add(r, &r->original_rcpt_to, rcpt, "recipients");
		free(rcpt);
	}
	return 1;
}
