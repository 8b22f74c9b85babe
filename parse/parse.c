/*
 * parse - turn the raw bytes of one message into a struct report.
 *
 * The bytes are normalised (line ends, NULs, an mbox "From " line), checked
 * for structures that would make the MIME parser work too hard, split once
 * into parts (mimescan.c; GMime reads the headers and contents that matter),
 * walked iteratively into a summary (struct pctx), and handed to
 * the format readers in order of how sure each signal is: DSN, ARF, ACNS, X-ARF,
 * JMRP, SpamCop, DMARC, bounce-like, auto-reply, forwarded, plain.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse_int.h"
#include "dsn_local.h"
#include "../util/lsan.h"
#include "../util/mem.h"

static int parse_ready;

/* parse_init - once per process: GMime and the Received patterns */
void parse_init(void)
{
	if (parse_ready)
		return;
	__lsan_disable();
	g_mime_init();
	__lsan_enable();
	rcvd_init();
	parse_ready = 1;
}

/* parse_shutdown - release what parse_init set up */
void parse_shutdown(void)
{
	if (!parse_ready)
		return;
	rcvd_shutdown();
	g_mime_shutdown();
	parse_ready = 0;
}

/* skip_envelope - skip leading blank lines and an mbox "From " line */
static size_t skip_envelope(const char *d, size_t len)
{
	size_t i = 0, j;

	for (;;) {
		for (j = i; j < len && (d[j] == ' ' || d[j] == '\t'); j++)
			;
		if (j < len && (d[j] == '\n' || d[j] == '\r')) {
			i = j + 1;
			continue;
		}
		break;
	}
	if (len - i > 5 && memcmp(d + i, "From ", 5) == 0) {
		while (i < len && d[i] != '\n' && d[i] != '\r')
			i++;
		if (i < len && d[i] == '\r')
			i++;
		if (i < len && d[i] == '\n')
			i++;
	}
	return i;
}

/* normalise - LF line ends and no NULs; returns a copy when needed, else NULL */
static char *normalise(struct report *r, const char *d, size_t len, size_t *outlen)
{
	const char *cr = memchr(d, '\r', len), *nul = memchr(d, '\0', len);
	char *o;
	size_t i, n = 0;

	if (nul) {
		r->flags |= REPORT_F_BINARY;
		report_warn(r, "message contains NUL bytes");
	}
	if (!cr && !nul)
		return NULL;
	o = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (d[i] == '\r') {
			o[n++] = '\n';
			if (i + 1 < len && d[i + 1] == '\n')
				i++;
		} else {
			o[n++] = d[i] ? d[i] : ' ';
		}
	}
	o[n] = '\0';
	*outlen = n;
	return o;
}

/* too_deep - count multipart/ and message/ types: a bound on MIME nesting */
static int too_deep(const char *d, size_t len)
{
	const char *p = d, *end = d + len, *s;
	long n = 0;

	while ((s = memchr(p, '/', (size_t)(end - p))) != NULL) {
		int last = s > d ? s[-1] | 0x20 : 0;   /* 't' of multipart, 'e' of message */

		if ((last == 't' && s - d >= 9 && strncasecmp(s - 9, "multipart", 9) == 0) ||
		    (last == 'e' && s - d >= 7 && strncasecmp(s - 7, "message", 7) == 0)) {
			if (++n > PARSE_MAX_PARTS)
				return 1;
		}
		p = s + 1;
	}
	return 0;
}

/* has_suffix - s ends with suf (case-insensitive) */
static int has_suffix(const char *s, const char *suf)
{
	size_t a = s ? strlen(s) : 0, b = strlen(suf);

	return a >= b && strcasecmp(s + a - b, suf) == 0;
}

/* classify_leaf - note what a leaf part is good for */
static void classify_leaf(struct pctx *c, struct mpart *o)
{
	const char *t = o->ctype, *fn = NULL;

	if (!part_is_message(o))
		fn = mp_filename(o);
	if (!strcmp(t, "message/feedback-report")) {
		if (!c->feedback)
			c->feedback = o;
	} else if (!strcmp(t, "message/delivery-status") || !strcmp(t, "message/global-delivery-status")) {
		if (!c->delivery)
			c->delivery = o;
	} else if (!strcmp(t, "message/rfc822") || !strcmp(t, "message/global")) {
		if (!c->orig || c->orig_headers_only) {
			c->orig = o;
			c->orig_headers_only = 0;
		}
	} else if (!strncmp(t, "text/rfc822-header", 18) || !strncmp(t, "message/rfc822-header", 21) ||
		   !strcmp(t, "text/rfc822")) {
		if (!c->orig) {
			c->orig = o;
			c->orig_headers_only = strcmp(t, "text/rfc822") != 0;
		}
	} else if (!strcmp(t, "application/json") || has_suffix(fn, ".json")) {
		if (!c->json)
			c->json = o;
	} else if (!strcmp(t, "text/csv") || has_suffix(fn, ".csv")) {
		if (!c->csv)
			c->csv = o;
	} else if (strstr(t, "zip") || strstr(t, "xml") || has_suffix(fn, ".gz") ||
		   has_suffix(fn, ".xml") || has_suffix(fn, ".zip")) {
		if (!c->dmarc)
			c->dmarc = o;
	}
	if ((fn && has_suffix(fn, "report.txt")) ||
	    (!strcmp(t, "text/plain") && header_is(o, "Content-Type", "x-arf"))) {
		if (!c->xarf)
			c->xarf = o;
	}
	if (!strcmp(t, "text/plain") && !c->text_part && o != c->xarf)
		c->text_part = o;
	/* an HTML text, not an attached file (a reported page, the spam saved) */
	if (!strcmp(t, "text/html") && !c->html_part && fn == NULL &&
	    !header_is(o, "Content-Disposition", "attachment"))
		c->html_part = o;
}

/* walk - visit the MIME tree iteratively, bounded in depth and count */
static void walk(struct pctx *c, struct report *r, struct mpart *top)
{
	struct { struct mpart *o; int depth; } stack[PARSE_MAX_MIME_DEPTH * 8 + 8];
	int sp = 0, i, n, room;
	struct mpart *k;

	stack[sp].o = top;
	stack[sp++].depth = 0;
	while (sp > 0) {
		struct mpart *o = stack[--sp].o;
		int depth = stack[sp].depth;

		if (++c->nparts > PARSE_MAX_PARTS) {
			report_warn(r, "more than %d MIME parts; the rest ignored", PARSE_MAX_PARTS);
			r->flags |= REPORT_F_MALFORMED;
			return;
		}
		if (!o->multipart) {
			classify_leaf(c, o);
			continue;
		}
		if (depth >= PARSE_MAX_MIME_DEPTH) {
			report_warn(r, "MIME nesting deeper than %d; inner parts ignored", PARSE_MAX_MIME_DEPTH);
			r->flags |= REPORT_F_MALFORMED;
			continue;
		}
		/* the last children that fit, the first of them on top */
		n = o->nkids;
		room = (int)(sizeof(stack) / sizeof(stack[0])) - sp;
		if (n > room) {
			report_warn(r, "too many MIME parts at one level; some ignored");
			n = room;
		}
		for (i = 0, k = mp_first(o); k; i++, k = mp_next(k)) {
			if (i < o->nkids - n)
				continue;
			stack[sp + o->nkids - 1 - i].o = k;
			stack[sp + o->nkids - 1 - i].depth = depth + 1;
		}
		sp += n;
	}
}

/* outer_fields - reporter, Message-ID, Subject and auto-submitted of the outer message */
static void outer_fields(struct pctx *c, struct report *r)
{
	const char *v;
	char *s;

	if (c->msg) {
		struct mpart *m = c->msg;

		if ((v = hdr(m, "From")) != NULL && (s = addr_only(v)) != NULL) {
			set_str(&r->from, s);
			set_str(&r->reporter, s);
			free(s);
		}
		if ((v = mp_header_last(m, "Message-ID")) != NULL && (s = g_mime_utils_decode_message_id(v)) != NULL) {
			set_str(&r->message_id, s);
			g_free(s);
		}
		if ((v = mp_header_last(m, "Subject")) != NULL) {
			set_str(&r->subject, v);
			if (strstr(v, "=?"))
				report_warn(r, "Subject holds an encoded word that does not decode");
		}
		if (((v = hdr(m, "Auto-Submitted")) && strncasecmp(v, "no", 2) != 0) ||
		    header_is(m, "Precedence", "bulk") || header_is(m, "Precedence", "junk") ||
		    header_is(m, "Precedence", "list") || header_is(m, "Precedence", "auto_reply") ||
		    hdr(m, "X-Autoreply") || hdr(m, "X-Autorespond") || hdr(m, "List-Id"))
			r->auto_submitted = 1;
	}
}

/* html_body - the text of the HTML part o as a reader sees it; else its source, with a warning */
static void html_body(struct pctx *c, struct report *r, struct mpart *o)
{
	size_t n = 0;
	char *src = part_text(o, PARSE_MAX_TEXT, &n), err[160];

	if (src == NULL)
		return;
	c->body_text = html_text(src, n, mp_param(o, "charset"), PARSE_MAX_TEXT, &c->body_text_len,
				 err, sizeof(err));
	if (c->body_text == NULL) {
		report_warn(r, "the HTML text is read as it is written: %s", err);
		c->body_text = src;
		c->body_text_len = n;
		return;
	}
	free(src);
}

/* body_text - the text that a human wrote: the first text/plain part, else
 * the first text/html part as a reader sees it, or the raw body */
static void body_text(struct pctx *c, struct report *r)
{
	if (c->text_part) {
		c->body_text = part_text(c->text_part, PARSE_MAX_TEXT, &c->body_text_len);
	} else if (c->html_part) {
		html_body(c, r, c->html_part);
	} else if (c->msg && !c->msg->multipart) {
		if (mp_is(c->msg, "text", "*"))
			c->body_text = part_text(c->msg, PARSE_MAX_TEXT, &c->body_text_len);
	} else if (!c->msg && c->body) {
		c->body_text_len = c->body_len < PARSE_MAX_TEXT ? c->body_len : PARSE_MAX_TEXT;
		c->body_text = xstrndup(c->body, c->body_text_len);
	}
}

/* split - the MIME structure of the normalised bytes; fills c->msg and the walk */
static void split(struct pctx *c, struct report *r)
{
	struct mpart *top;
	const char *rt, *b;

	mp_parse(&c->mime, c->text, c->len);
	if (c->mime.nomsg) {
		report_warn(r, "not a MIME message");
		r->flags |= REPORT_F_MALFORMED;
		return;
	}
	c->msg = top = &c->mime.parts[0];
	c->top_type = xstrdup(top->ctype);
	if ((rt = mp_param(top, "report-type")) != NULL)
		c->report_type = str_lower(xstrdup(rt));
	walk(c, r, top);
	if (top->multipart) {
		char close[256];

		b = mp_param(top, "boundary");
		snprintf(close, sizeof(close), "\n--%s--", b ? b : "");
		if (!b || !memmem(c->text, c->len, close, strlen(close))) {
			report_warn(r, "MIME boundary never closed (message cut short?)");
			r->flags |= REPORT_F_MALFORMED;
		}
	}
}

/* addr_of - the first address in v, lowercased, into out ("" when none) */
static void addr_of(const char *v, char *out, size_t outlen)
{
	size_t as, al;

	out[0] = '\0';
	if (v && dsn_find_addr(v, strlen(v), &as, &al) && al < outlen) {
		for (size_t i = 0; i < al; i++)
			out[i] = (char)(v[as + i] >= 'A' && v[as + i] <= 'Z' ? v[as + i] + 32 : v[as + i]);
		out[al] = '\0';
	}
}

/* returns_own - the message hands its recipient back a message that
 * recipient sent: an attached original whose envelope sender (or, without a
 * Return-Path, its From) is the notice's To. That is what a bounce is,
 * whatever its sender and subject say (a carrier's no-reply address, a
 * subject in the reader's language); dsn_parse still wants a failure's
 * wording and a failed recipient before it takes the message. */
static int returns_own(struct pctx *c)
{
	char to[256], sender[256];
	char *h, *v;
	size_t n = 0;

	if (c->orig == NULL || c->orig_headers_only)
		return 0;
	addr_of(hdr(c->msg, "To"), to, sizeof(to));
	if (!to[0] || (h = mp_decode(c->orig, 65536, &n)) == NULL)
		return 0;
	if ((v = field_value(h, n, "Return-Path")) == NULL)
		v = field_value(h, n, "From");
	addr_of(v, sender, sizeof(sender));
	free(v);
	free(h);
	return sender[0] && strcmp(sender, to) == 0;
}

/* dispatch - hand the message to the readers in order of certainty */
static void dispatch(struct pctx *c, struct report *r)
{
	int is_report = c->top_type && !strcmp(c->top_type, "multipart/report");

	if (c->msg && (c->delivery || (is_report && c->report_type &&
	    strstr(c->report_type, "delivery-status"))) && dsn_parse(c->msg, c->text, c->len, r))
		return;
	if (c->feedback && arf_parse(c, r))
		return;
	if (acns_parse(c, r) || xarf_parse(c, r) || feed_parse(c, r) || jmrp_parse(c, r) || spamcop_parse(c, r) ||
	    ses_parse(c, r))
		return;
	if (arf_raw_parse(c, r) || dmarc_parse(c, r))
		return;
	if (c->msg && (bounce_like(c) || returns_own(c)) && dsn_parse(c->msg, c->text, c->len, r))
		return;
	if (apple_unsubscribe(c, r) || autoreply_parse(c, r) || forward_parse(c, r) || plain_parse(c, r))
		return;
	r->format = FMT_UNKNOWN;
	report_warn(r, "no complaint format recognised");
}

/* ascii - s[0..n) has no 8-bit byte */
static int ascii(const char *s, size_t n)
{
	unsigned char acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= (unsigned char)s[i];
	return acc < 0x80;
}

/* find_body - where the top header block ends; odd headers noted */
static void find_body(struct pctx *c, struct report *r)
{
	struct fieldit it;
	struct buf v;
	const char *n;
	size_t nl;

	buf_init(&v, 0);
	fieldit_init(&it, c->text, c->len, 1);
	while (fieldit_next(&it, &n, &nl, &v))
		if (!ascii(v.data, v.len) && !g_utf8_validate(v.data, (gssize)v.len, NULL))
			report_warn(r, "header %.*s is not valid UTF-8", (int)(nl > 40 ? 40 : nl), n);
	buf_free(&v);
	if (it.capped)
		report_warn(r, "more than %d header lines; the rest ignored", PARSE_MAX_HEADERS);
	if (it.cut)
		report_warn(r, "header field longer than %d bytes cut", PARSE_MAX_FIELD);
	c->body = it.body;
	c->body_len = it.body ? (size_t)(c->text + c->len - it.body) : 0;
}

/* parse_message - parse len bytes into r (see report.h) */
int parse_message(const char *data, size_t len, struct report *r)
{
	struct pctx c;
	char *copy;
	size_t off, n = 0;

	parse_init();
	memset(&c, 0, sizeof(c));
	if (!data || len == 0) {
		r->abuse_category = CAT_OTHER;
		r->flags |= REPORT_F_EMPTY;
		report_warn(r, "empty message");
		return 0;
	}
	off = skip_envelope(data, len);
	copy = normalise(r, data + off, len - off, &n);
	c.text = copy ? copy : data + off;
	c.len = copy ? n : len - off;
	find_body(&c, r);
	if (too_deep(c.text, c.len)) {
		report_warn(r, "more than %d nested MIME types; MIME structure not parsed", PARSE_MAX_PARTS);
		r->flags |= REPORT_F_MALFORMED;
	} else {
		split(&c, r);
	}
	outer_fields(&c, r);
	body_text(&c, r);
	dispatch(&c, r);
	report_categorize(&c, r);
	free(c.body_text);
	free(c.top_type);
	free(c.report_type);
	mp_free(&c.mime);
	free(copy);
	return 0;
}
