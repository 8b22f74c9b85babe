/*
 * dsn - recognise a bounce (delivery status notification).
 *
 * dsn_parse walks the MIME tree once. An RFC 3464 report (multipart/report;
 * report-type=delivery-status, or any message/delivery-status part, also the
 * RFC 6533 message/global-delivery-status) is read field by field: per
 * recipient Final-Recipient (Original-Recipient as fallback), Action,
 * Status, Remote-MTA, Diagnostic-Code; Reporting-MTA once. Anything else is
 * handed to dsn_text (dsn_text.c), which knows the wording of the common
 * non-standard bounces. The returned original comes from an attached
 * message/rfc822 or message/global, a text/rfc822-headers or
 * message/global-headers part, or an inline copy in the text. A notice that
 * names no recipient and attaches a delivery status report instead of the
 * original is read through that report (nested_report).
 * ARF feedback reports are left alone. Nothing in r changes unless the
 * message is a bounce.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/mem.h"
#include "dsn_local.h"
#include "parse_int.h"

/* What one walk over the MIME tree found. */
struct dsn_scan {
	struct mpart *ds;         /* message/delivery-status leaf */
	struct mpart *orig_msg;   /* message/rfc822 or message/global */
	struct mpart *orig_hdr;   /* headers-only original */
	int orig_hdr_only;
	struct mpart *text;       /* first text/plain */
	struct mpart *html;       /* first text/html, when no text/plain */
	int feedback;             /* multipart/report; report-type=feedback-report */
	int report;               /* multipart/report; report-type=delivery-status */
	size_t parts;
};

/* scan_leaf - note a leaf part that matters to a bounce */
static void scan_leaf(struct dsn_scan *s, struct mpart *o)
{
	if (mp_is(o, "message", "delivery-status") ||
	    mp_is(o, "message", "global-delivery-status")) {
		if (!s->ds)
			s->ds = o;
	} else if (mp_is(o, "text", "rfc822-headers") ||
		   mp_is(o, "text", "rfc822-header") ||
		   mp_is(o, "message", "rfc822-headers") ||
		   mp_is(o, "message", "global-headers")) {
		if (!s->orig_hdr || !s->orig_hdr_only) {
			s->orig_hdr = o;
			s->orig_hdr_only = 1;
		}
	} else if (mp_is(o, "message", "rfc822") || mp_is(o, "message", "global")) {
		if (!s->orig_hdr)
			s->orig_hdr = o;
	} else if (mp_is(o, "text", "plain")) {
		if (!s->text)
			s->text = o;
	} else if (mp_is(o, "text", "html")) {
		if (!s->html)
			s->html = o;
	}
}

/* scan - walk the tree, not into attached messages, bounded in depth and parts */
static void scan(struct dsn_scan *s, struct mpart *o, int depth)
{
	if (!o || depth > PARSE_MAX_MIME_DEPTH || ++s->parts > PARSE_MAX_PARTS)
		return;
	if (o->multipart) {
		struct mpart *k;

		if (mp_is(o, "multipart", "report") && depth == 0) {
			const char *rt = mp_param(o, "report-type");
			if (rt && strcasecmp(rt, "feedback-report") == 0)
				s->feedback = 1;
			if (rt && strcasecmp(rt, "delivery-status") == 0)
				s->report = 1;
		}
		for (k = mp_first(o); k && s->parts <= PARSE_MAX_PARTS; k = mp_next(k))
			scan(s, k, depth + 1);
	} else if (part_is_message(o)) {
		if (!s->orig_msg)
			s->orig_msg = o;
	} else {
		scan_leaf(s, o);
	}
}

/* commit - move the recipients and what else was found into r */
static void commit(struct report *r, struct dsn_list *l, char *mta)
{
	r->format = FMT_DSN;
	r->rcpts = l->v;
	r->nrcpts = l->n;
	memset(l, 0, sizeof *l);
	if (mta && !r->reporting_mta)
		r->reporting_mta = mta;
	else
		free(mta);
}

/* original - fill r->orig from the attached or inline original */
static void original(struct report *r, const struct dsn_scan *s,
		     const char *inl, size_t ilen)
{
	if (s->orig_msg) {
		parse_original_part(r, s->orig_msg);
	} else if (s->orig_hdr) {
		size_t n = 0;
		char *t = part_text(s->orig_hdr, PARSE_MAX_ORIG_HEADERS * 4, &n);
		if (t && n)
			parse_original_headers(r, t, n, s->orig_hdr_only);
		free(t);
	} else if (inl && ilen) {
		int only = !ci_find(inl, ilen, "\n\n") && !ci_find(inl, ilen, "\r\n\r\n");
		parse_original_headers(r, inl, ilen, only);
	}
}

/* raw_body - the bytes after the header block of the raw message */
static const char *raw_body(const char *raw, size_t len, size_t *n)
{
	struct dsn_lines it;
	const char *ln;
	size_t ll;

	*n = 0;
	if (!raw)
		return NULL;
	dsn_lines_init(&it, raw, len);
	while (dsn_line_next(&it, &ln, &ll)) {
		if (ll == 0) {
			*n = (size_t)(raw + len - it.p);
			if (*n > DSN_MAX_TEXT)
				*n = DSN_MAX_TEXT;
			return it.p;
		}
	}
	return NULL;
}

/* body_text - the human-readable text of the bounce, decoded; else raw */
static char *body_text(const struct dsn_scan *s, const char *raw, size_t len, size_t *n)
{
	struct mpart *o = s->text ? s->text : s->html;
	const char *b;

	*n = 0;
	if (o)
		return part_text(o, DSN_MAX_TEXT, n);
	b = raw_body(raw, len, n);
	return b ? xstrndup(b, *n) : NULL;
}

/*
 * inline_fields - delivery-status fields written into a body or text part
 * instead of a message/delivery-status part: a MIME structure that broke,
 * a "Technical report" block in a text bounce (Amazon WorkMail), a bounce
 * quoted in a bounce. A block counts when a line starts with
 * Final-Recipient and one with Action or Status.
 */
static void inline_fields(const char *b, size_t n, struct dsn_list *l, char **mta)
{
	static const char *const starts[] = {
		"\nReporting-MTA:", "\nOriginal-Recipient:", "\nFinal-Recipient:",
	};
	size_t best = SIZE_MAX;
	const char *p;

	if (!b || !ci_find(b, n, "\nFinal-Recipient:") ||
	    (!ci_find(b, n, "\nAction:") && !ci_find(b, n, "\nStatus:")))
		return;
	for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++)
		if ((p = ci_find(b, n, starts[i])) && (size_t)(p - b) < best)
			best = (size_t)(p - b);
	dsn_fields(b + best + 1, n - best - 1, l, mta);
}

/*
 * quoted_fields - inline_fields on a bounce forwarded by hand, every line
 * quoted ("> Final-Recipient: ..."): read without the quote marks
 */
static void quoted_fields(const char *b, size_t n, struct dsn_list *l, char **mta)
{
	size_t un;
	char *u;

	if (!b || !ci_find(b, n, "\n> Final-Recipient:"))
		return;
	u = text_unquote(b, n, &un);
	inline_fields(u, un, l, mta);
	free(u);
}

/* orig_to - the decoded To header of the attached original (caller frees), or NULL */
static char *orig_to(struct mpart *part)
{
	struct fieldit it;
	struct buf v;
	const char *n;
	size_t nlen, len = 0;
	char *raw, *dec = NULL, *to;

	raw = mp_decode(part, PARSE_MAX_ORIG_HEADERS, &len);
	buf_init(&v, 0);
	fieldit_init(&it, raw, len, 1);
	while (!dec && fieldit_next(&it, &n, &nlen, &v))
		if (name_is(n, nlen, "To"))
			dec = mp_decode_text(v.data);
	buf_free(&v);
	free(raw);
	to = dec ? xstrdup(dec) : NULL;
	g_free(dec);
	return to;
}

/* rcpt_from_original - the first To address of the attached original */
static void rcpt_from_original(const struct dsn_scan *s, struct dsn_list *l)
{
	char *to = s->orig_msg ? orig_to(s->orig_msg) : NULL;
	size_t as, al;

	if (to && dsn_find_addr(to, strlen(to), &as, &al))
		dsn_list_add(l, to + as, al);
	free(to);
}

/* is_mailbox - local@domain, not a pipe, a file or a bare route "@host" */
static int is_mailbox(const char *a)
{
	const char *at = a ? strrchr(a, '@') : NULL;

	return at && at > a && at[1] && a[0] != '|' && a[0] != '/';
}

/*
 * name_recipient - a Final-Recipient that is no mailbox (Exim's "pipe to |cmd"
 * or "save to /file" deliveries, a Sendmail "@host" left by a route) names
 * the recipient the bounce gives in its own words, when it gives exactly one:
 * X-Failed-Recipients (Exim) first, else the text's one failed address.
 */
static void name_recipient(struct mpart *msg, const char *text, size_t tlen,
			   int has_orig, struct dsn_list *l)
{
	struct dsn_list alt = { 0 };
	struct dsn_text_in in;
	const char *inl = NULL;
	size_t ilen = 0;

	if (l->n != 1 || is_mailbox(l->v[0].address))
		return;
	in.msg = msg;
	in.body = text ? text : "";
	in.blen = text ? tlen : 0;
	in.has_orig_part = has_orig;
	if (dsn_text(&in, &alt, &inl, &ilen) && alt.n == 1 && is_mailbox(alt.v[0].address)) {
		free(l->v[0].address);
		l->v[0].address = alt.v[0].address;
		alt.v[0].address = NULL;
	}
	dsn_list_free(&alt);
}

/*
 * nested_report - a notice that says a message bounced but names no
 * recipient of its own, and attaches a delivery status notification in place
 * of the original (a gateway or filter that wraps the bounce it received, as
 * Sisimai's "X5" notices do: "The following addresses had permanent delivery
 * errors" and an empty list, then message/rfc822 holding a multipart/report).
 * The failure is the attached report's: its message/delivery-status fields
 * give the recipients and the reporting MTA, and its own attached original
 * is the message that failed (r->orig, with its Received hops). One level
 * only; 1 when the attached message is such a report with a recipient.
 */
static int nested_report(const struct dsn_scan *s, struct dsn_list *l, char **mta,
			 struct report *r)
{
	struct dsn_scan in;
	struct mime m;
	struct dsn_list got = { 0 };
	const char *raw;
	char *dec = NULL, *t;
	size_t n = 0;
	int ok = 0;

	if (!s->orig_msg || (raw = mp_raw(s->orig_msg, &n)) == NULL) {
		if (!s->orig_msg || (dec = mp_decode(s->orig_msg, PARSE_MAX_TEXT, &n)) == NULL)
			return 0;
		raw = dec;
	}
	memset(&m, 0, sizeof m);
	mp_parse(&m, raw, n);
	memset(&in, 0, sizeof in);
	if (!m.nomsg && m.n > 0)
		scan(&in, &m.parts[0], 0);
	if (in.report && in.ds && !in.feedback && (t = part_text(in.ds, DSN_MAX_TEXT, &n)) != NULL) {
		dsn_fields(t, n, &got, mta);
		free(t);
	}
	if (got.n > 0) {
		dsn_list_free(l);
		*l = got;
		memset(&got, 0, sizeof got);
		original(r, &in, NULL, 0);   /* copied out before m goes */
		ok = 1;
	}
	dsn_list_free(&got);
	mp_free(&m);
	free(dec);
	return ok;
}

/* dsn_parse - recognise a bounce and fill r; 1 when it is one */
int dsn_parse(struct mpart *msg, const char *raw, size_t len, struct report *r)
{
	struct dsn_scan s;
	struct dsn_list l = { 0 };
	char *mta = NULL, *text = NULL;
	const char *inl = NULL;
	size_t ilen = 0, tlen = 0;
	int ok = 0;

	if (!msg)
		return 0;
	memset(&s, 0, sizeof s);
	scan(&s, msg, 0);
	if (s.feedback)
		return 0;
	if (s.ds) {
		size_t n = 0;
		char *t = part_text(s.ds, DSN_MAX_TEXT, &n);
		if (t)
			dsn_fields(t, n, &l, &mta);
		free(t);
	}
	if (!s.ds && !s.text) {
		size_t n = 0;
		const char *b = raw_body(raw, len, &n);
		inline_fields(b, n, &l, &mta);
	} else if (!s.ds) {
		size_t n = 0;
		char *t = part_text(s.text, DSN_MAX_TEXT, &n);
		inline_fields(t, n, &l, &mta);
		if (l.n == 0)
			quoted_fields(t, n, &l, &mta);
		free(t);
	}
	if (l.n == 0) {
		struct dsn_text_in in;
		text = body_text(&s, raw, len, &tlen);
		in.msg = msg;
		in.body = text ? text : "";
		in.blen = text ? tlen : 0;
		in.has_orig_part = s.orig_msg || s.orig_hdr;
		dsn_list_free(&l);
		ok = dsn_text(&in, &l, &inl, &ilen);
		if (ok == 2 && nested_report(&s, &l, &mta, r))
			ok = 1;
		else if (ok == 2)
			rcpt_from_original(&s, &l);
	} else {
		ok = 1;
		if (s.text && (text = part_text(s.text, DSN_MAX_TEXT, &tlen)))
			dsn_text_merge(text, tlen, &l);
		name_recipient(msg, text, tlen, s.orig_msg || s.orig_hdr, &l);
	}
	if (ok && l.n > 0) {
		dsn_finish(&l, "5.0.0");
		commit(r, &l, mta);
		mta = NULL;
		original(r, &s, inl, ilen);
	} else {
		ok = 0;
	}
	dsn_list_free(&l);
	free(mta);
	free(text);
	return ok;
}
