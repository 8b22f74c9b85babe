/*
 * dsn_text - recognise the common non-standard bounces by their wording.
 *
 * Postfix, Sendmail, Exim, qmail, Exchange / Office 365, Gmail, Yahoo,
 * Courier, Domino, OpenSMTPD, Amazon SES and their kin write a text for
 * people. A message is taken for a bounce when its text carries a marker
 * one of them always writes, when it has X-Failed-Recipients, or when it
 * comes from a mailer daemon with a bounce-like subject; and only when a
 * failed recipient can be found in it. The text is cut where the inline
 * copy of the original begins; in the part above, a line that is just an
 * address ("  user@host", "<user@host>:", "user@host: 550 ...", or after a
 * label such as "Recipient address:") starts a recipient, and the lines
 * after it, up to the next recipient, are its diagnostic. An address seen
 * again (Exchange lists them twice) adds to the same recipient. Statuses
 * come from the diagnostic (dsn_status.c); the default is 5.0.0, or 4.0.0
 * when the text says the failure is temporary.
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "../util/mem.h"
#include "dsn_local.h"
#include "fields.h"

/* Wording that only bounces use. */
static const char *const markers[] = {
	"created automatically by mail delivery software",
	"this is the qmail-send program",
	"wasn't able to deliver your message",
	"this is the mail system at host",
	"the original message was received at",
	"following addresses had permanent fatal errors",
	"following addresses had transient non-fatal errors",
	"delivery to the following recipient failed",
	"delivery to the following recipients failed",
	"delivery has failed to these recipients",
	"diagnostic information for administrators",
	"did not reach the following recipient",
	"did not reach some or all of the intended recipients",
	"unable to deliver your message",
	"could not be delivered to one or more recipients",
	"error has occurred while attempting to deliver",
	"transcript of session follows",
	"your message could not be delivered",
	"following address(es) failed",
	"message could not be delivered to the following",
	"your message was not delivered",
	"message delivery has failed",
	"was undeliverable",
	"could not be delivered",
	"delivery failed",
	"undeliverable",
	"permanent error",
	"we have tried to deliver",
	"delivery has failed",
	"not delivered to",
	"unable to deliver message",
};
#define N_STRONG 20   /* markers[0..N_STRONG) are enough alone */

/* Subjects of bounces. */
static const char *const subjects[] = {
	"undeliver", "delivery status notification", "mail delivery failed",
	"failure notice", "returned mail", "delivery failure", "delivery failed",
	"mail system error", "non-delivery", "nondeliverable", "not delivered",
	"could not be delivered", "delivery problem", "returned to sender",
	"delivery notification", "failed delivery", "delivery error",
	"unable to deliver", "delivery delayed", "delayed mail", "mail failure",
	"delivery incomplete", "error sending message", "message delivery",
	"notice of delivery", "returned message", "returning to sender",
	"error sending",
};

/* dsn_subject_bounce - 1 if the subject s[0..n) is one bounces carry */
int dsn_subject_bounce(const char *s, size_t n)
{
	for (size_t i = 0; s && i < sizeof subjects / sizeof subjects[0]; i++)
		if (mem_casestr(s, n, subjects[i]))
			return 1;
	return 0;
}

/* Lines where the inline copy of the original message begins. */
static const char *const orig_marks[] = {
	"this is a copy of the message",
	"below this line is a copy of the message",
	"original message headers",
	"copy of the original message",
	"----- original message",
	"unsent message follows",
	"header of the original message",
	"original message follows",
	"the original message was:",
	"message header follows",
	"headers of the original",
	"rfc822 headers of the message",
	"original message header",
	"text of the message follows",
	"------ original message",
	"the message you sent",
	"message headers follow",
	"headers of your message",
	"original message:",
};

/* Labels before an address that name a recipient. */
static const char *const labels[] = {
	"recipient", "address", "addressee", "destination", "failed to", "rcpt",
	"mailbox", "userid", "recipients", "fail",
};

/* Text of a temporary failure. */
static const char *const temporary[] = {
	"temporary", "will be retried", "will continue trying",
	"still trying", "has not yet been delivered", "delivery delayed",
	"transient non-fatal",
};

/* any_of - 1 if lowercased s[0..n) contains any of the phrases v[0..k) */
static int any_of(const char *s, size_t n, const char *const *v, size_t k)
{
	for (size_t i = 0; i < k; i++)
		if (memmem(s, n, v[i], strlen(v[i])))
			return 1;
	return 0;
}

/* lower8 - ASCII-lowercase the 8 bytes of x at once (bytes >= 0x80 kept) */
static inline uint64_t lower8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
	uint64_t low7 = x & ~high;                        /* each byte's low 7 bits */
	uint64_t ge_a = low7 + ones * (0x80 - 'A');       /* high bit: byte >= 'A' */
	uint64_t gt_z = low7 + ones * (0x80 - 'Z' - 1);   /* high bit: byte > 'Z' */
	uint64_t upper = (ge_a ^ gt_z) & ~x & high;       /* 'A'..'Z' and ASCII */

	return x | (upper >> 2);                          /* 0x80 >> 2 == 0x20 */
}

/* lower_copy - an ASCII-lowercased copy of s[0..n), NUL-terminated */
static char *lower_copy(const char *s, size_t n)
{
	char *o = xmalloc(n + 1);
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x;

		memcpy(&x, s + i, 8);
		x = lower8(x);
		memcpy(o + i, &x, 8);
	}
	for (; i < n; i++) {   /* the C locale's tolower */
		unsigned char c = (unsigned char)s[i];

		o[i] = (char)((unsigned)c - 'A' < 26u ? c + ('a' - 'A') : c);
	}
	o[n] = '\0';
	return o;
}

/* addr_char - may c be part of an address's local part or domain */
static int addr_char(int c)
{
	return isalnum(c) || (c && strchr(".-_+=%/!#$&'*?^`{|}~", c));
}

/* dsn_find_addr - the first user@domain.tld in s[0..n): start, length; 0 if none */
int dsn_find_addr(const char *s, size_t n, size_t *as, size_t *al)
{
	for (size_t i = 1; i + 1 < n; i++) {
		size_t b, e;
		int dot = 0;
		if (s[i] != '@' || !addr_char((unsigned char)s[i - 1]))
			continue;
		for (b = i; b > 0 && addr_char((unsigned char)s[b - 1]); b--)
			;
		for (e = i + 1; e < n && (isalnum((unsigned char)s[e]) ||
		     s[e] == '-' || s[e] == '.' || s[e] == '_'); e++)
			dot |= s[e] == '.';
		while (e > i + 1 && s[e - 1] == '.')
			e--;
		if (!dot || e <= i + 1 || s[b] == '.')
			continue;
		*as = b;
		*al = e - b;
		return 1;
	}
	return 0;
}

/* trim - strip white space at both ends of s[0..*n) */
static const char *trim(const char *s, size_t *n)
{
	while (*n && isspace((unsigned char)*s))
		s++, (*n)--;
	while (*n && isspace((unsigned char)s[*n - 1]))
		(*n)--;
	return s;
}

/* verb_to - does pre[0..n) end in "... deliver(ed|ing) ... to" or similar */
static int verb_to(const char *pre, size_t n)
{
	static const char *const verbs[] = {
		"deliver", "send", "sent", "mail to", "message to", "transmit",
		"reach", "relay", "forward",
	};

	if (n < 3 || strncasecmp(pre + n - 2, "to", 2) != 0 ||
	    isalnum((unsigned char)pre[n - 3]))
		return 0;
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (ci_find(pre, n, verbs[i]))
			return 1;
	return 0;
}

/* smtp_code - is pre[0..n) an SMTP reply code, maybe with a D.S.N */
static int smtp_code(const char *pre, size_t n)
{
	size_t i = 0;

	while (i < n && (isdigit((unsigned char)pre[i]) || pre[i] == '.' ||
			 pre[i] == ' ' || pre[i] == '-'))
		i++;
	return i == n && n >= 3 && isdigit((unsigned char)pre[0]) &&
	       isdigit((unsigned char)pre[1]) && isdigit((unsigned char)pre[2]);
}

/*
 * label_ok - may pre[0..n) stand before the address of a failed recipient:
 * 2 when anything may follow the address, 1 when only a little may, else 0
 */
static int label_ok(const char *pre, size_t n)
{
	while (n && (isspace((unsigned char)pre[n - 1]) || pre[n - 1] == '<' ||
		     pre[n - 1] == '"' || pre[n - 1] == '\''))
		n--;
	if (n >= 7 && strncasecmp(pre + n - 7, "mailto:", 7) == 0)
		n -= 7;
	while (n && isspace((unsigned char)pre[n - 1]))
		n--;
	if (n == 0)
		return 2;
	if (n <= 3 && strspn(pre, "*->o+#.") == n)
		return 1;
	if (n > 80)
		return 0;
	if (smtp_code(pre, n))
		return 1;
	if (pre[n - 1] == ':' || pre[n - 1] == ';') {
		size_t m = n - 1;
		while (m && isspace((unsigned char)pre[m - 1]))
			m--;
		if (verb_to(pre, m))
			return 1;
		if (m >= 6 && strncasecmp(pre, "rfc822", 6) == 0)
			return 1;
		for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
			if (ci_find(pre, n, labels[i]))
				return 2;
		return 0;
	}
	/* "server x rejected recipient <a> (...)" */
	if (n >= 10 && strncasecmp(pre + n - 9, "recipient", 9) == 0 &&
	    isspace((unsigned char)pre[n - 10]))
		return 1;
	return verb_to(pre, n);
}

/*
 * quoting_reply - does pre[0..n), the text before an address, quote a
 * server's answer: a 4xx/5xx reply code after the line's start ("Remote host
 * said: 550 ... Recipient: <a>"). The address is then part of what the
 * remote wrote, whatever label stands before it, and names no recipient of
 * ours unless the bounce names it elsewhere. A line that starts with the code
 * ("550 5.1.1 <a>... User unknown") is Sendmail's own recipient line.
 */
static int quoting_reply(const char *pre, size_t n)
{
	for (size_t i = 1; i + 3 <= n; i++)
		if ((pre[i] == '4' || pre[i] == '5') && isdigit((unsigned char)pre[i + 1]) &&
		    isdigit((unsigned char)pre[i + 2]) && !dsn_in_word((unsigned char)pre[i - 1]) &&
		    (i + 3 == n || pre[i + 3] == ' ' || pre[i + 3] == '-'))
			return 1;
	return 0;
}

/* suffix_ok - may s[0..n) follow the address on a recipient line */
static int suffix_ok(const char *s, size_t n)
{
	while (n && (*s == '>' || *s == '"' || *s == '\''))
		s++, n--;
	s = trim(s, &n);
	if (n == 0 || *s == ':' || *s == ',' || *s == '(' || *s == '[' ||
	    *s == ';' || *s == '<' || *s == '.')
		return 1;
	if (n >= 3 && strncmp(s, "...", 3) == 0)
		return 1;
	return n >= 3 && strncasecmp(s, "on ", 3) == 0;
}

struct tstate {
	struct dsn_list *l;
	struct rcpt *cur;
	const char *self;      /* the bounce's own From address */
	const char *pre;       /* an SMTP refusal above the first recipient */
	size_t pren;
};

/* line - one line of the error section */
static void line(struct tstate *t, const char *ln, size_t n)
{
	size_t as, al, tn = n;
	const char *tl = trim(ln, &tn);
	int lab;

	if (tn == 0)
		return;
	if (dsn_find_addr(tl, tn, &as, &al) && (lab = label_ok(tl, as)) != 0 &&
	    (lab == 2 || suffix_ok(tl + as + al, tn - as - al)) &&
	    !(t->self && strlen(t->self) == al && strncasecmp(t->self, tl + as, al) == 0) &&
	    (dsn_list_find(t->l, tl + as, al) || !quoting_reply(tl, as))) {
		struct rcpt *rc = dsn_list_find(t->l, tl + as, al);
		int seen = rc != NULL;
		if (!rc)
			rc = dsn_list_add(t->l, tl + as, al);
		t->cur = rc;
		if (rc && seen && as) {
			dsn_rcpt_diag(rc, tl, tn);   /* "... after RCPT TO:<a>: 550 ..." */
		} else if (rc) {
			size_t rest = tn - as - al;
			const char *r = tl + as + al;
			while (rest && (*r == '>' || *r == ':' || *r == ' '))
				r++, rest--;
			if (as && isdigit((unsigned char)tl[0]))
				dsn_rcpt_diag(rc, tl, tn);   /* "550 5.1.1 <a>... why" */
			else
				dsn_rcpt_diag(rc, r, rest);
		}
		return;
	}
	if (t->cur)
		dsn_rcpt_diag(t->cur, tl, tn);
	else if (!t->pre && dsn_find_reply(tl, tn) >= 400)
		t->pre = tl, t->pren = tn;   /* "Error message below: 550 ..." */
}

/* pre_diag - a recipient whose own lines carry no code takes the refusal
 * the text gave above the recipients */
static void pre_diag(struct tstate *t)
{
	char st[16];

	if (!t->pre)
		return;
	for (size_t i = 0; i < t->l->n; i++) {
		struct rcpt *rc = &t->l->v[i];
		const char *d = rc->diagnostic;
		size_t n = d ? strlen(d) : 0;

		if (n && (dsn_find_reply(d, n) || dsn_find_status(d, n, st) == 0))
			continue;
		free(rc->diagnostic);
		rc->diagnostic = NULL;
		dsn_rcpt_diag(rc, t->pre, t->pren);
	}
}

/*
 * orig_start - in the lowercased text, the offset of the line that
 * introduces the inline original (n if none); *after is where the next
 * line begins
 */
static size_t orig_start(const char *low, size_t n, size_t *after)
{
	const char *best = NULL, *p, *e;

	for (size_t i = 0; i < sizeof orig_marks / sizeof orig_marks[0]; i++) {
		p = memmem(low, best ? (size_t)(best - low) : n, orig_marks[i],
			   strlen(orig_marks[i]));
		if (p)
			best = p;
	}
	if (!best) {
		*after = n;
		return n;
	}
	for (p = best; p > low && p[-1] != '\n' && p[-1] != '\r'; p--)
		;
	for (e = best; e < low + n && *e != '\n' && *e != '\r'; e++)
		;
	if (e < low + n && *e == '\r')
		e++;
	if (e < low + n && *e == '\n')
		e++;
	*after = (size_t)(e - low);
	return (size_t)(p - low);
}

/* header_addrs - add the addresses of a header such as X-Failed-Recipients */
static void header_addrs(struct mpart *msg, const char *name, struct dsn_list *l)
{
	const char *v = mp_header(msg, name);
	size_t n, as, al;

	if (!v)
		return;
	n = strlen(v);
	while (n && dsn_find_addr(v, n, &as, &al)) {
		if (!dsn_list_find(l, v + as, al))
			dsn_list_add(l, v + as, al);
		v += as + al;
		n -= as + al;
	}
}

/* sender_is_daemon - is the bounce's From a mailer daemon or postmaster */
static int sender_is_daemon(struct mpart *msg, const char *from)
{
	const char *f = mp_header(msg, "From");
	size_t n = f ? strlen(f) : 0;

	if (!f || !*from)
		return 1;
	return ci_find(f, n, "mailer-daemon") || ci_find(f, n, "postmaster") ||
	       ci_find(f, n, "post_master") ||             /* Apache James */
	       ci_find(f, n, "mail delivery") || ci_find(f, n, "mailer_daemon") ||
	       ci_find(f, n, "mdaemon") || ci_find(f, n, "mail administrator") ||
	       ci_find(f, n, "system administrator");
}

/* from_addr - the bare address of the bounce's From, or "" */
static void from_addr(struct mpart *msg, char *out, size_t size)
{
	const char *f = mp_header(msg, "From");
	size_t as, al;

	out[0] = '\0';
	if (f && dsn_find_addr(f, strlen(f), &as, &al) && al < size) {
		memcpy(out, f + as, al);
		out[al] = '\0';
	}
}

/* inline_to - the first address of the To line among the first header lines
 * of an inline original (up to its first blank line, at most 64 lines) */
static void inline_to(const char *s, size_t n, struct dsn_list *l)
{
	struct dsn_lines it;
	const char *ln;
	size_t ll, as, al;
	int k = 0;

	dsn_lines_init(&it, s, n);
	while (k++ < 64 && dsn_line_next(&it, &ln, &ll)) {
		size_t tn = ll;
		const char *tl = trim(ln, &tn);

		if (tn == 0 && k > 1)
			return;
		if (tn > 3 && strncasecmp(tl, "to:", 3) == 0 &&
		    dsn_find_addr(tl + 3, tn - 3, &as, &al)) {
			dsn_list_add(l, tl + 3 + as, al);
			return;
		}
	}
}

/* dsn_text - see dsn_local.h */
int dsn_text(const struct dsn_text_in *in, struct dsn_list *l,
	     const char **orig, size_t *olen)
{
	const char *subj = mp_header_last(in->msg, "Subject");
	size_t sn = subj ? strlen(subj) : 0, cut, after;
	int strong, weak, temp, reply, daemon, bounce_subj, failed_hdr;
	char *low;
	struct tstate t;
	struct dsn_lines it;
	const char *ln;
	size_t ll;
	char self[256];

	*orig = NULL;
	*olen = 0;
	if (dsn_ses(in->body, in->blen, l))
		return 1;
	low = lower_copy(in->body, in->blen);
	cut = orig_start(low, in->blen, &after);
	strong = any_of(low, cut, markers, N_STRONG);
	weak = any_of(low, cut, markers + N_STRONG,
		      sizeof markers / sizeof markers[0] - N_STRONG);
	temp = any_of(low, cut, temporary, sizeof temporary / sizeof temporary[0]);
	reply = dsn_find_reply(low, cut) >= 400;   /* an SMTP refusal in the error text */
	free(low);
	from_addr(in->msg, self, sizeof self);
	daemon = sender_is_daemon(in->msg, self);
	if (subj) {
		char *ls = lower_copy(subj, sn);
		bounce_subj = any_of(ls, sn, subjects, sizeof subjects / sizeof subjects[0]);
		free(ls);
	} else {
		bounce_subj = 0;
	}
	failed_hdr = mp_header(in->msg, "X-Failed-Recipients") != NULL;
	if (!strong && !failed_hdr && !(daemon && (bounce_subj || weak || reply)) &&
	    !(weak && (bounce_subj || in->has_orig_part)))
		return 0;

	memset(&t, 0, sizeof t);
	t.l = l;
	t.self = self[0] ? self : NULL;
	dsn_lines_init(&it, in->body, cut);
	while (dsn_line_next(&it, &ln, &ll))
		line(&t, ln, ll);
	header_addrs(in->msg, "X-Failed-Recipients", l);
	pre_diag(&t);
	/* a bounce that names no recipient in its text (Sendmail's transcript of a
	 * deferral, a gateway's "could not be delivered"): the recipient is the
	 * To of the original it returns inline */
	if (l->n == 0 && (strong || failed_hdr || (bounce_subj && (daemon || weak))) && after < in->blen &&
	    !in->has_orig_part)
		inline_to(in->body + after, in->blen - after, l);
	if (l->n == 0)
		return strong || failed_hdr ? 2 : 0;
	dsn_finish(l, temp ? "4.0.0" : "5.0.0");
	if (after < in->blen && !in->has_orig_part) {
		*orig = in->body + after;
		*olen = in->blen - after;
		while (*olen && (**orig == '\n' || **orig == '\r' || **orig == ' ')) {
			(*orig)++;
			(*olen)--;
		}
	}
	return 1;
}

/* dsn_text_merge - diagnostics from the text for recipients that lack one */
void dsn_text_merge(const char *body, size_t n, struct dsn_list *l)
{
	struct dsn_list tmp = { 0 };
	struct tstate t;
	struct dsn_lines it;
	const char *ln;
	size_t ll, after, cut;
	int need = 0;
	char *low;

	for (size_t i = 0; i < l->n; i++)
		need |= l->v[i].diagnostic == NULL;
	if (!need)
		return;
	low = lower_copy(body, n);
	cut = orig_start(low, n, &after);
	free(low);
	memset(&t, 0, sizeof t);
	t.l = &tmp;
	dsn_lines_init(&it, body, cut);
	while (dsn_line_next(&it, &ln, &ll))
		line(&t, ln, ll);
	for (size_t i = 0; i < tmp.n; i++) {
		struct rcpt *rc = dsn_list_find(l, tmp.v[i].address, strlen(tmp.v[i].address));
		if (rc && !rc->diagnostic) {
			rc->diagnostic = tmp.v[i].diagnostic;
			tmp.v[i].diagnostic = NULL;
		}
	}
	dsn_list_free(&tmp);
}
