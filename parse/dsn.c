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
 * message/global-headers part, or an inline copy in the text.
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
	GMimeObject *ds;          /* message/delivery-status leaf */
	GMimeObject *orig_msg;    /* message/rfc822 or message/global */
	GMimeObject *orig_hdr;    /* headers-only original, or a leaf message */
	int orig_hdr_only;
	GMimeObject *text;        /* first text/plain */
	GMimeObject *html;        /* first text/html, when no text/plain */
	int feedback;             /* multipart/report; report-type=feedback-report */
	int report;               /* multipart/report; report-type=delivery-status */
	size_t parts;
};

/* is_type - content type of o is type/subtype (case-insensitive) */
static int is_type(GMimeContentType *ct, const char *type, const char *sub)
{
	return ct && g_mime_content_type_is_type(ct, type, sub);
}

/* scan_leaf - note a leaf part that matters to a bounce */
static void scan_leaf(struct dsn_scan *s, GMimeObject *o)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);

	if (is_type(ct, "message", "delivery-status") ||
	    is_type(ct, "message", "global-delivery-status")) {
		if (!s->ds)
			s->ds = o;
	} else if (is_type(ct, "text", "rfc822-headers") ||
		   is_type(ct, "text", "rfc822-header") ||
		   is_type(ct, "message", "rfc822-headers") ||
		   is_type(ct, "message", "global-headers")) {
		if (!s->orig_hdr || !s->orig_hdr_only) {
			s->orig_hdr = o;
			s->orig_hdr_only = 1;
		}
	} else if (is_type(ct, "message", "rfc822") || is_type(ct, "message", "global")) {
		if (!s->orig_hdr)
			s->orig_hdr = o;
	} else if (is_type(ct, "text", "plain")) {
		if (!s->text)
			s->text = o;
	} else if (is_type(ct, "text", "html")) {
		if (!s->html)
			s->html = o;
	}
}

/* scan - walk the tree, not into attached messages, bounded in depth and parts */
static void scan(struct dsn_scan *s, GMimeObject *o, int depth)
{
	if (!o || depth > PARSE_MAX_MIME_DEPTH || ++s->parts > PARSE_MAX_PARTS)
		return;
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		GMimeContentType *ct = g_mime_object_get_content_type(o);
		int n = g_mime_multipart_get_count(mp);
		if (is_type(ct, "multipart", "report") && depth == 0) {
			const char *rt = g_mime_content_type_get_parameter(ct, "report-type");
			if (rt && strcasecmp(rt, "feedback-report") == 0)
				s->feedback = 1;
			if (rt && strcasecmp(rt, "delivery-status") == 0)
				s->report = 1;
		}
		for (int i = 0; i < n && s->parts <= PARSE_MAX_PARTS; i++)
			scan(s, g_mime_multipart_get_part(mp, i), depth + 1);
	} else if (part_is_message(o)) {
		if (!s->orig_msg)
			s->orig_msg = o;
	} else if (GMIME_IS_PART(o)) {
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
	if (s->orig_msg && (!GMIME_IS_MESSAGE_PART(s->orig_msg) ||
	    g_mime_message_part_get_message(GMIME_MESSAGE_PART(s->orig_msg)))) {
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
	GMimeObject *o = s->text ? s->text : s->html;
	const char *b;

	*n = 0;
	if (o)
		return part_text(o, DSN_MAX_TEXT, n);
	b = raw_body(raw, len, n);
	return b ? xstrndup(b, *n) : NULL;
}

/* raw_fields - delivery-status fields in a body whose MIME structure broke */
static void raw_fields(const char *raw, size_t len, struct dsn_list *l, char **mta)
{
	static const char *const starts[] = {
		"\nReporting-MTA:", "\nOriginal-Recipient:", "\nFinal-Recipient:",
	};
	size_t n, best = SIZE_MAX;
	const char *b = raw_body(raw, len, &n), *p;

	if (!b || !ci_find(b, n, "\nFinal-Recipient:") ||
	    (!ci_find(b, n, "\nAction:") && !ci_find(b, n, "\nStatus:")))
		return;
	for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++)
		if ((p = ci_find(b, n, starts[i])) && (size_t)(p - b) < best)
			best = (size_t)(p - b);
	dsn_fields(b + best + 1, n - best - 1, l, mta);
}

/* orig_to - the decoded To header of the attached original (caller frees), or NULL */
static char *orig_to(GMimeObject *part)
{
	struct fieldit it;
	struct buf v;
	const char *n;
	size_t nlen, len = 0;
	char *raw, *dec = NULL, *to;

	if (GMIME_IS_MESSAGE_PART(part)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));
		const char *h = m ? g_mime_object_get_header(GMIME_OBJECT(m), "To") : NULL;

		return h ? xstrdup(h) : NULL;
	}
	raw = part_bytes(part, PARSE_MAX_ORIG_HEADERS, &len);
	buf_init(&v, 0);
	fieldit_init(&it, raw, len, 1);
	while (!dec && fieldit_next(&it, &n, &nlen, &v))
		if (name_is(n, nlen, "To"))
			dec = g_mime_utils_header_decode_text(NULL, v.data);
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

/* cr_only - do the raw message's lines end in a bare CR (old Mac mail) */
static int cr_only(const char *raw, size_t len)
{
	size_t n = len < 65536 ? len : 65536;
	const char *p = raw ? memchr(raw, '\r', n) : NULL;

	return p && !memchr(raw, '\n', (size_t)(p - raw)) &&
	       (p + 1 >= raw + len || p[1] != '\n');
}

static int dsn_parse_msg(GMimeMessage *msg, const char *raw, size_t len, struct report *r);

/* parse_lf - read a CR-only message again with its line ends made LF */
static int parse_lf(const char *raw, size_t len, struct report *r)
{
	char *copy = xmalloc(len + 1);
	GMimeStream *st;
	GMimeParser *p;
	GMimeMessage *m;
	int ok;

	for (size_t i = 0; i < len; i++)
		copy[i] = raw[i] == '\r' && (i + 1 == len || raw[i + 1] != '\n') ? '\n' : raw[i];
	copy[len] = '\0';
	st = g_mime_stream_mem_new_with_buffer(copy, len);
	p = g_mime_parser_new_with_stream(st);
	m = g_mime_parser_construct_message(p, NULL);
	ok = m ? dsn_parse_msg(m, copy, len, r) : 0;
	if (m)
		g_object_unref(m);
	g_object_unref(p);
	g_object_unref(st);
	free(copy);
	return ok;
}

/* dsn_parse - recognise a bounce and fill r; 1 when it is one */
int dsn_parse(GMimeMessage *msg, const char *raw, size_t len, struct report *r)
{
	if (cr_only(raw, len))
		return parse_lf(raw, len, r);
	return dsn_parse_msg(msg, raw, len, r);
}

/* dsn_parse_msg - dsn_parse on a message whose line ends GMime understands */
static int dsn_parse_msg(GMimeMessage *msg, const char *raw, size_t len, struct report *r)
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
	scan(&s, g_mime_message_get_mime_part(msg), 0);
	if (s.feedback)
		return 0;
	if (s.ds) {
		size_t n = 0;
		char *t = part_text(s.ds, DSN_MAX_TEXT, &n);
		if (t)
			dsn_fields(t, n, &l, &mta);
		free(t);
	}
	if (!s.ds && !s.text)
		raw_fields(raw, len, &l, &mta);
	if (l.n == 0) {
		struct dsn_text_in in;
		text = body_text(&s, raw, len, &tlen);
		in.msg = msg;
		in.body = text ? text : "";
		in.blen = text ? tlen : 0;
		in.has_orig_part = s.orig_msg || s.orig_hdr;
		dsn_list_free(&l);
		ok = dsn_text(&in, &l, &inl, &ilen);
		if (ok == 2)
			rcpt_from_original(&s, &l);
	} else {
		ok = 1;
		if (s.text && (text = part_text(s.text, DSN_MAX_TEXT, &tlen)))
			dsn_text_merge(text, tlen, &l);
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
