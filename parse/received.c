/*
 * NAME
 *	received - parse one Received header value into a relay hop
 * SUMMARY
 *	rcvd_init() compiles the patterns once; rcvd_parse() turns an
 *	unfolded header value into a struct hop; hop_to_json() prints it.
 * DESCRIPTION
 *	A Received header is "from X by Y with Z id Q for R; date", and every
 *	MTA writes the part after "from" its own way. The parse runs in
 *	three steps, each cheap:
 *
 *	1. Normalise: cut at RCVD_MAX_LEN, control bytes to spaces, white
 *	   space collapsed; the date is what follows the last ';'.
 *	2. Tokenise the rest into top-level words and parenthesised groups
 *	   (a linear scan, no regex) and split it into clauses on the
 *	   keywords from, by, via, with, id and for.
 *	3. Match the from clause against a short, ordered table of anchored
 *	   PCRE2 patterns, one per family of writers (Sendmail/Postfix,
 *	   Exim, qmail, CommuniGate, smtpd...). The first pattern that
 *	   yields a valid address wins. Authentication and envelope sender
 *	   are found by PCRE2 patterns over the whole value, behind a cheap
 *	   substring pre-check.
 *
 *	Field semantics follow SpamAssassin's Received parser, so that its
 *	test corpus can judge this one (tests/conformance/received.sh).
 *	"auth" is the evidence: the authenticating protocol or a marker
 *	("ESMTPSA", "HTTP", "LOGIN", "authenticated"), followed by
 *	" user=NAME" when the header names the account.
 *
 *	All patterns are compiled once, JIT-compiled where available, and
 *	run with match and depth limits; a pattern that hits a limit counts
 *	as not matching, so a hostile header costs bounded time.
 * DIAGNOSTICS
 *	rcvd_init() exits 75 (EX_TEMPFAIL) when a pattern fails to compile.
 * SEE ALSO
 *	received.h, util/ipaddr.h, DESIGN.md "Report model"
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <pcre2.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "received.h"
#include "../util/ipaddr.h"
#include "../util/json.h"
#include "../util/mem.h"
#include "../util/msg.h"
#include "../util/str.h"

#define RCVD_MATCH_LIMIT 200000
#define RCVD_DEPTH_LIMIT 2000

/* An address: IPv6 (with "IPv6:" tag, zone id) or a dotted quad. */
#define IP "(?:(?i:IPv6:)?[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}" \
	"(?:\\.[0-9]{1,3}){0,3}|[0-9]{1,3}(?:\\.[0-9]{1,3}){3})(?:%[0-9A-Za-z._-]+)?"
/* A HELO argument: a word or an address literal. */
#define HELOTOK "(?:\\[[^\\]\\s]*\\]|[^\\s()\\[\\]]+)"

/* Patterns: from-clause formats first, in the order they are tried. */
enum pat {
	P_SMTPD, P_EXIM, P_CGP, P_EXIMLIT, P_QMAIL, P_HELOADDR, P_GMX, P_SENDMAIL, P_EXIM3,
	P_BARE, P_IPONLY, P_PARENIP, P_ANY,
	P_SKIP, P_EXIMTAG, P_ENVFROM, P_AUTHPROTO,
	P_AUTH_SENDER, P_AUTH_COURIER, P_AUTH_ACCOUNT, P_AUTH_WEBMAIL,
	P_AUTH_KV, P_AUTH_BARE, P_SMPAREN,
	P_COUNT
};
#define P_FROM_LAST P_ANY

static const char *const pat_src[P_COUNT] = {
	/* P_SMTPD: smtpd/juniper "rdns(ip), claiming to be "helo"" */
	"^(?<rdns>[^\\s()\\[\\]\",]+)\\((?<ip>" IP ")\\)"
	"(?:, claiming to be \"(?<helo>[^\"]*)\")?",
	/* P_EXIM: Exim, ecelerity, Sendmail no-rdns, MS: "host ([ip]:port helo=h)";
	 * "host ([ip]:port "EHLO h")" names the HELO in quotes and vouches for no rDNS */
	"^(?:(?<host>" HELOTOK ") )?\\(\\[(?<ip>" IP ")(?:[:.][0-9]+)?\\]"
	"(?::[0-9]+)?(?<verified> verified)?(?: port=[0-9]+)?"
	"(?: helo=(?<helo>[^\\s)]*))?(?: ident=(?<ident>[^\\s)]*))?"
	"(?: \"(?:HELO|EHLO) (?<qhelo>[^\"\\s)]*)\")?\\)",
	/* P_CGP: CommuniGate "[ip] (account a HELO h)" */
	"^\\[(?<ip>" IP ")\\] \\((?:account (?<user>[^\\s)]+) ?)?"
	"(?:HELO (?<helo>[^\\s)]*))?\\)",
	/* P_EXIMLIT: Exim without rdns "[ip]:port (port=n helo=h ident=i)", each part
	 * optional; a received_header_text that writes $sender_host_address before
	 * those items leaves the address bare, the comment glued or spaced:
	 * "ip(helo=h)", "ip (port=n helo=h)" */
	"^(?|\\[(?<ip>" IP ")\\](?::[0-9]+)?|(?<ip>" IP ")) ?"
	"\\((?=port=|helo=|ident=)(?:port=[0-9]+ ?)?"
	"(?:helo=(?<helo>[^\\s)]*) ?)?(?:ident=(?<ident>[^\\s)]*))?\\)",
	/* P_QMAIL: qmail, Yahoo, Critical Path, Exchange "rdns (HELO h) (ident@ip)";
	 * LMTP "rdns (LHLO h) (ip)" (Zimbra, Cyrus); Yahoo SMTP AUTH "(user@ip with plain)" */
	"^(?<host>" HELOTOK ") (?:\\((?:HELO|EHLO|LHLO) ?(?<helo>[^)]*)\\) )?"
	"\\((?:(?<ident>[^()\\s]*)@)?\\[?(?<ip>" IP ")(?:\\.[0-9]{1,5})?\\]?(?: with [A-Za-z0-9_-]+)?\\)",
	/* P_HELOADDR: the HELO and the bare address in parentheses, no rDNS:
	 * XMail "helo (ip:port)" (the port always there, brackets optional),
	 * Scalix "helo ( ip)" (a blank before the address) */
	"^(?<helo>" HELOTOK ") \\((?|\\[?(?<ip>[0-9]{1,3}(?:\\.[0-9]{1,3}){3})\\]?:[0-9]{1,5}"
	"| (?<ip>" IP "))\\)",
	/* P_GMX: GMX and WEB.DE "rdns (EHLO h) [ip]": the looked-up name, the
	 * HELO in parentheses, then the address */
	"^(?<rdns>[^\\s()\\[\\]]+) \\((?:HELO|EHLO) (?<helo>[^\\s)]*)\\) \\[(?<ip>" IP ")\\]",
	/* P_SENDMAIL: Sendmail, Postfix, Courier, Gmail "helo (ident@rdns [ip])".
	 * Sendmail and Postfix write the HELO argument as the client gave it:
	 * a word may carry brackets ("x[192.0.2.9]"); the client's address is
	 * the one in the comment that follows, never one inside the HELO (nor a
 * HELO word with parentheses of its own, "1.2.3.4(helo=x)"). The ident
 * may be quoted: Sun's SIMS writes "port N"@rdns when it has none;
 * tcp_wrappers' Sendmail prefixes it with "IDENT:" */
	"^(?:(?<helo>" HELOTOK "|[^\\s()]+|[^\\s]+(?= \\()) ?)?\\((?:(?<ident>\"[^\"()\\[\\]@]{1,64}\"|[^\\s@()\\[\\]]+)@)?"
	"(?<rdns>[^\\s()\\[\\]]*) ?\\[(?<ip>" IP ")(?:[:.][0-9]+)?\\]",
	/* P_EXIM3: Exim 1-3 $sender_fullhost "rdns (helo) [ip]:port" (Exim 3
	 * also "[ip.port]"): a plain name is the verified host name, the one in
	 * parentheses the HELO */
	"^(?<rdns>[^\\s()\\[\\]]+) \\((?<helo>[^\\s()]+)\\) \\[(?<ip>" IP ")(?:\\.[0-9]{1,5})?\\](?=[\\s:]|$)",
	/* P_BARE: "helo [ip]" (Sendmail without HELO, fetchmail);
	 * MXLogic "rdns [ip] (EHLO h)": the word is the rDNS, the HELO follows */
	"^(?<host>[^\\s()\\[\\]]+) \\[(?<ip>" IP ")\\]"
	"(?: \\((?:HELO|EHLO) (?<helo>[^\\s)]*)\\))?",
	/* P_IPONLY: the from host is the address itself (webmail, Yahoo) */
	"^\\[?(?<ip>" IP ")\\]?(?=[\\s(]|$)",
	/* P_PARENIP: McAfee's gateway "(ip) by host": the address alone in
	 * parentheses (a loopback one is a local pickup: no hop, from_clause) */
	"^\\(\\[?(?<ip>" IP ")\\]?\\)(?= |$)",
	/* P_ANY: last resort, the first address literal in the clause */
	"\\[(?<ip>" IP ")(?:[:.][0-9]+)?\\]",
	/* P_SKIP: qmail local handoff, qmail-scanner, fetchmail */
	"(?i)^\\(qmail [0-9]+ [^)]*invoked (?:by|from)|\\bby uid [0-9]+\\b|"
	"\\(fetchmail\\b|\\bwith qmail-scanner-",
	/* P_EXIMTAG */
	"\\(Exim [0-9]",
	/* P_ENVFROM: "(envelope-from <a>)" (Exim, Sendmail), "envelope-from <a>" (Haraka) */
	"(?i)(?:\\(|\\b)envelope-(?:from|sender)(?::? |=)<?(?<user>[^\\s<>(),]*)>?",
	/* P_AUTHPROTO: protocols that imply an authenticated client */
	"(?i)^(?:(?:E|L|UTF8S|UTF8L)SMTPS?A|LMTPS?A|ASMTPS?|HTTP(?:S|U|/MAPI)?|MAPI)$",
	/* P_AUTH_SENDER: Postfix, Critical Path, OpenSMTPD, Sendmail */
	"(?i)\\((?:authenticated sender:|authenticated as|authenticated user)"
	" (?<user>[^\\s)]+)|\\(authenticated (?:bits=[0-9]+|\\([0-9]+ bits\\))\\)",
	/* P_AUTH_COURIER: "(AUTH: LOGIN user, TLS: ...)" */
	"\\(AUTH: (?<mech>[A-Za-z0-9_-]+) (?<user>[^\\s,)]+)",
	/* P_AUTH_ACCOUNT: CommuniGate "(account user" */
	"\\(account (?<user>[^\\s)]+)",
	/* P_AUTH_WEBMAIL: SquirrelMail, NaSMail */
	"(?i)\\b(?:SquirrelMail|NaSMail) authenticated user (?<user>[^\\s)]+)",
	/* P_AUTH_KV: "auth=user" */
	"(?i)\\bauth=(?<user>[^\\s);,]+)",
	/* P_AUTH_BARE: any "authenticated" that is not "not authenticated" */
	"(?i)(?<!not )\\bauthenticated\\b",
	/* P_SMPAREN: Sendmail's "(from $_)" with no HELO: $_ is "[ident@][rdns ][ip]" */
	"^(?:(?<ident>[^\\s@()\\[\\]]+)@)?(?:(?<rdns>[^\\s@()\\[\\]]+) ?)?"
	"\\[(?<ip>" IP ")(?:[:.][0-9]+)?\\]",
};

/* Named groups, looked up once. */
enum grp { G_IP, G_HOST, G_RDNS, G_HELO, G_IDENT, G_USER, G_VERIFIED, G_MECH, G_QHELO, G_COUNT };
static const char *const grp_name[G_COUNT] = {
	"ip", "host", "rdns", "helo", "ident", "user", "verified", "mech", "qhelo"
};

static pcre2_code *pat_code[P_COUNT];
static int pat_grp[P_COUNT][G_COUNT];
static pcre2_match_context *pat_mctx;
static int rcvd_ready;

/* A span of the normalised text; n == 0 means absent. */
struct span {
	size_t off, n;
};

/* The working state of one parse. */
struct rcvd {
	char s[RCVD_MAX_LEN + 1];   /* normalised value */
	size_t len;                 /* of s, up to the last ';' */
	size_t tail, tail_len;      /* what follows that ';' (date, trailing comments) */
	pcre2_match_data *md;
	struct span from, by, with, id, for_addr, via, envfrom;
	int has_from, has_by;
	int paren_from;             /* Sendmail without HELO: "(from $_)" */
	int fmt;                    /* the from-clause pattern that matched, + 1 */
};

/* item_byte[c] - next_item looks at byte c (' ', '"', '(', ';', '[', ']') */
static const unsigned char item_byte[256] = {
	[' '] = 1, ['"'] = 1, ['('] = 1, [';'] = 1, ['['] = 1, [']'] = 1,
};

#define RCVD_JIT_AFTER 64
static unsigned pat_uses[P_COUNT];     /* matches run, up to RCVD_JIT_AFTER */

/* compile_one - compile pattern i and cache its group numbers; the JIT
 * comes later (run), when the pattern has shown it is used often */
static void compile_one(int i)
{
	int err, g;
	PCRE2_SIZE erroff;
	PCRE2_UCHAR msg[256];

	pat_code[i] = pcre2_compile((PCRE2_SPTR)pat_src[i], PCRE2_ZERO_TERMINATED,
				    0, &err, &erroff, NULL);
	if (pat_code[i] == NULL) {
		pcre2_get_error_message(err, msg, sizeof(msg));
		msg_fatal(75, "received: pattern %d at offset %zu: %s", i,
			  (size_t)erroff, (char *)msg);
	}
	for (g = 0; g < G_COUNT; g++)
		pat_grp[i][g] = pcre2_substring_number_from_name(pat_code[i],
						(PCRE2_SPTR)grp_name[g]);
}

/* rcvd_init - compile the patterns; idempotent; exits 75 on failure */
void rcvd_init(void)
{
	int i;

	if (rcvd_ready)
		return;
	pat_mctx = pcre2_match_context_create(NULL);
	if (pat_mctx == NULL)
		msg_fatal(75, "received: out of memory");
	pcre2_set_match_limit(pat_mctx, RCVD_MATCH_LIMIT);
	pcre2_set_depth_limit(pat_mctx, RCVD_DEPTH_LIMIT);
	for (i = 0; i < P_COUNT; i++)
		compile_one(i);
	rcvd_ready = 1;
}

/* rcvd_shutdown - release the compiled patterns */
void rcvd_shutdown(void)
{
	int i;

	if (!rcvd_ready)
		return;
	for (i = 0; i < P_COUNT; i++) {
		pcre2_code_free(pat_code[i]);
		pat_code[i] = NULL;
		pat_uses[i] = 0;
	}
	pcre2_match_context_free(pat_mctx);
	pat_mctx = NULL;
	rcvd_ready = 0;
}

/* JIT-compiling the patterns costs about 3 ms, more than one ingest (a
 * handful of headers) ever saves: a pattern is JIT-compiled on its
 * RCVD_JIT_AFTER-th use, so batch work (parse, received, import) gets
 * the JIT and a single ingest does not pay for it. */
/* run - match pattern p against s[0..n); 1 on match, 0 otherwise (limits too) */
static int run(struct rcvd *r, enum pat p, const char *s, size_t n)
{
	int rc;

	if (pat_uses[p] < RCVD_JIT_AFTER && ++pat_uses[p] == RCVD_JIT_AFTER)
		(void)pcre2_jit_compile(pat_code[p], PCRE2_JIT_COMPLETE);   /* optional */
	rc = pcre2_match(pat_code[p], (PCRE2_SPTR)s, n, 0, 0, r->md, pat_mctx);
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT
	    || rc == PCRE2_ERROR_JIT_STACKLIMIT)
		msg_debug("received: pattern %d hit its limit", (int)p);
	return rc > 0;
}

/* grp - named group g of the last match of p on subject s; 1 if it took part */
static int grp(struct rcvd *r, enum pat p, enum grp g, const char *s,
	       const char **b, size_t *n)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
	int k = pat_grp[p][g];

	if (k <= 0 || (uint32_t)k >= pcre2_get_ovector_count(r->md)
	    || ov[2 * k] == PCRE2_UNSET)
		return 0;
	*b = s + ov[2 * k];
	*n = ov[2 * k + 1] - ov[2 * k];
	return 1;
}

/* ci_at - 1 if s[0..n) starts with lower-case w, ASCII case ignored */
static int ci_at(const char *s, size_t n, const char *w, size_t wn)
{
	size_t i;

	if (n < wn)
		return 0;
	for (i = 0; i < wn; i++)
		if (s[i] != w[i] && !(w[i] >= 'a' && w[i] <= 'z' && s[i] == w[i] - 32))
			return 0;
	return 1;
}

/* has_lit - 1 if s[0..n) holds lit[0..ln); memchr finds its rare byte lit[k] */
static int has_lit(const char *s, size_t n, const char *lit, size_t ln, size_t k)
{
	const char *p = s + k, *end = s + n;

	if (n < ln)
		return 0;
	while (p < end && (p = memchr(p, lit[k], (size_t)(end - p))) != NULL) {
		if ((size_t)(end - p) >= ln - k && memcmp(p - k, lit, ln) == 0)
			return 1;
		p++;
	}
	return 0;
}

/* has_auth - strcasestr(s, "auth") != NULL for s[0..n) without NUL bytes */
static int has_auth(const char *s, size_t n)
{
	static const char us[2] = { 'u', 'U' };
	const char *p, *end = s + n;
	int k;

	for (k = 0; k < 2; k++)
		for (p = s + 1; p < end && (p = memchr(p, us[k], (size_t)(end - p))) != NULL; p++)
			if (end - p >= 3 && (p[-1] | 0x20) == 'a' && (p[1] | 0x20) == 't'
			    && (p[2] | 0x20) == 'h')
				return 1;
	return 0;
}

/* dupn - copy of b[0..n) (normalised text holds no NUL) */
static char *dupn(const char *b, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, b, n);
	p[n] = '\0';
	return p;
}

/* dup_span - copy of b[0..n) without surrounding blanks; NULL when empty */
static char *dup_span(const char *b, size_t n)
{
	while (n > 0 && *b == ' ')
		b++, n--;
	while (n > 0 && b[n - 1] == ' ')
		n--;
	return n ? dupn(b, n) : NULL;
}

/* dup_strip - dup_span without one pair of enclosing <> or [] */
static char *dup_strip(const char *b, size_t n)
{
	if (n >= 2 && ((b[0] == '<' && b[n - 1] == '>')
		       || (b[0] == '[' && b[n - 1] == ']')))
		b++, n -= 2;
	return dup_span(b, n);
}

/* dup_rdns - a reverse name, without its root dot; NULL for placeholders
 * ("unknown", "softdnserr", and InterMail's "(really [ip])", which marks the
 * address the client really connected from when its HELO named another) */
static char *dup_rdns(const char *b, size_t n)
{
	if (n > 1 && b[n - 1] == '.')
		n--;
	if ((n == 7 && strncasecmp(b, "unknown", 7) == 0)
	    || (n == 10 && strncasecmp(b, "softdnserr", 10) == 0)
	    || (n == 6 && strncasecmp(b, "really", 6) == 0)
	    || (n == 10 && strncasecmp(b, "unverified", 10) == 0))   /* MDaemon: no name confirmed */
		return NULL;
	return dup_span(b, n);
}

/* is_literal - 1 if the host word is an address, bracketed or not */
static int is_literal(const char *b, size_t n)
{
	char tmp[64];
	struct ipaddr a;

	if (n == 0 || *b == '[')
		return 1;
	if (n >= sizeof(tmp))
		return 0;
	memcpy(tmp, b, n);
	tmp[n] = '\0';
	return ip_parse(tmp, &a) == 0;
}

/* normalise - cut, controls to spaces, blanks collapsed, "Received:" dropped */
static void normalise(struct rcvd *r, const char *v, size_t len)
{
	size_t i, o = 0;
	int blank = 1;

	if (len > RCVD_MAX_LEN)
		len = RCVD_MAX_LEN;
	if (len >= 9 && strncasecmp(v, "Received:", 9) == 0)
		v += 9, len -= 9;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c <= ' ' || c == 0x7f) {
			if (!blank)
				r->s[o++] = ' ';
			blank = 1;
			continue;
		}
		r->s[o++] = (char)c;
		blank = 0;
	}
	while (o > 0 && r->s[o - 1] == ' ')
		o--;
	r->s[o] = '\0';
	r->len = o;
}

/* parse_date - RFC 5322 date, or the asctime() form some MTAs write */
static int parse_date(const char *s, time_t *t)
{
	char wd[4], mon[4], alt[64];
	int d, hh, mm, ss, y;

	if (time_parse_rfc5322(s, t) == 0)
		return 0;
	if (sscanf(s, " %3s %3s %d %d:%d:%d %d", wd, mon, &d, &hh, &mm, &ss, &y) != 7)
		return -1;
	snprintf(alt, sizeof(alt), "%d %s %d %02d:%02d:%02d +0000", d, mon, y, hh, mm, ss);
	return time_parse_rfc5322(alt, t);
}

/* split_date - cut the value at its last ';' and parse the date after it */
static void split_date(struct rcvd *r, struct hop *h)
{
	char *semi = memrchr(r->s, ';', r->len);
	char out[32];
	time_t t;

	if (semi == NULL)
		return;
	*semi = '\0';
	r->tail = (size_t)(semi - r->s) + 1;
	r->tail_len = r->len - r->tail;
	r->len = (size_t)(semi - r->s);
	while (r->len > 0 && r->s[r->len - 1] == ' ')
		r->s[--r->len] = '\0';
	if (parse_date(semi + 1, &t) == 0) {
		h->when = t;
		time_rfc3339(t, out);
		h->date = xstrdup(out);
	}
}

/* first_len - length of the first word of a span */
static size_t first_len(const char *b, size_t n)
{
	const char *sp = memchr(b, ' ', n);

	return sp ? (size_t)(sp - b) : n;
}

enum item { T_END, T_WORD, T_GROUP };

enum kw { K_NONE, K_FROM, K_BY, K_VIA, K_WITH, K_ID, K_FOR, K_ENVFROM };

static inline enum kw keyword(const char *w, size_t n);

/*
 * kv_group_end - where an unclosed "(key=value ...)" group at s[i] ends.
 * The TLS comments of ecelerity/Momentum ("(cipher=C subject="/CN=..")",
 * folded after cipher=) and Sendmail ("(version=V cipher=C bits=N
 * verify=X)") are key=value items only. When the closing parenthesis is
 * lost (a folded line dropped), the comment is taken to end before the
 * first clause keyword (id, for, by ...) that follows one or more such
 * items; any other word means it is no such comment: the rest, as before.
 */
static size_t kv_group_end(const char *s, size_t len, size_t i)
{
	size_t b = i + 1, k, items = 0;
	int quote;

	for (;;) {
		while (b < len && s[b] == ' ')
			b++;
		if (b >= len)
			return len;
		for (k = b, quote = 0; k < len && (quote || s[k] != ' '); k++) {
			if (s[k] == '"')
				quote = !quote;
			else if (!quote && (s[k] == '(' || s[k] == ')'))
				return len;       /* nested or odd: not the shape */
		}
		if (items > 0 && keyword(s + b, k - b) != K_NONE)
			return b - 1;             /* the blank before the keyword */
		if (memchr(s + b, '=', k - b) == NULL || s[b] == '=')
			return len;
		items++;
		b = k;
	}
}

/* next_group - span of the (group) at i, nested groups included; an
 * unclosed one is tried as a lost key=value comment once a value (*kv), so
 * that a value of many unclosed groups costs one scan each, not two */
static size_t next_group(const char *s, size_t len, size_t i, int *kv)
{
	size_t depth = 0, start = i;

	for (; i < len; i++) {
		if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i + 1;
	}
	if ((*kv)++)
		return len;                   /* unclosed: the rest */
	return kv_group_end(s, len, start);
}

/* next_item - the next top-level word or (group) from *pos; span [*b, *e) */
static enum item next_item(const char *s, size_t len, size_t *pos,
			   size_t *b, size_t *e, int *kv)
{
	size_t i = *pos, depth = 0;
	int quote = 0;

	while (i < len && (s[i] == ' ' || s[i] == ';'))
		i++;
	*b = i;
	if (i >= len)
		return T_END;
	if (s[i] == '(') {
		*e = *pos = next_group(s, len, i, kv);
		return T_GROUP;
	}
	for (; i < len; i++) {
		if (!item_byte[(unsigned char)s[i]])
			continue;                  /* changes no state */
		if (quote) {
			quote = s[i] != '"';
		} else if (s[i] == '"') {
			quote = 1;
		} else if (s[i] == '[') {
			depth++;
		} else if (s[i] == ']' && depth > 0) {
			depth--;
		} else if (depth == 0 && (s[i] == ' ' || s[i] == '(' || s[i] == ';')) {
			break;
		}
	}
	*pos = i;
	while (i > *b && s[i - 1] == ',')
		i--;
	*e = i;
	return T_WORD;
}

/* keyword - the clause keyword a top-level word is, if any (inline: the hot
 * scan calls it for every word) */
static inline enum kw keyword(const char *w, size_t n)
{
	static const struct { const char *w; size_t n; enum kw k; } kws[] = {
		{ "from", 4, K_FROM }, { "by", 2, K_BY }, { "via", 3, K_VIA },
		{ "with", 4, K_WITH }, { "id", 2, K_ID }, { "for", 3, K_FOR },
	};
	size_t i;

	if (n < 2 || n > 4)
		return K_NONE;
	for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
		if (kws[i].n == n && (*w | 0x20) == kws[i].w[0]
		    && ci_at(w, n, kws[i].w, n))
			return kws[i].k;
	return K_NONE;
}

/* extend - grow a span to cover [b, e) */
static void extend(struct span *sp, size_t b, size_t e)
{
	if (sp->n == 0)
		sp->off = b;
	sp->n = e - sp->off;
}

/* first_word - set a span to [b, e) unless it is set already */
static void first_word(struct span *sp, size_t b, size_t e)
{
	if (sp->n == 0) {
		sp->off = b;
		sp->n = e - b;
	}
}

/* enter - the clause a keyword opens; K_NONE when it is an ordinary word */
static enum kw enter(struct rcvd *r, enum kw k)
{
	if (k == K_FROM) {
		if (!r->has_from && !r->has_by)
			return r->has_from = 1, K_FROM;
		return r->has_by ? K_ENVFROM : K_NONE;   /* XMail "from <sender>" */
	}
	if (k == K_BY) {
		if (r->has_by)
			return K_NONE;
		r->has_by = 1;
	}
	return k;
}

/* take_word - file a top-level word under the clause it belongs to */
static void take_word(struct rcvd *r, enum kw state, int *with_open,
		      size_t b, size_t e)
{
	switch (state) {
	case K_FROM:    extend(&r->from, b, e); break;
	case K_BY:      first_word(&r->by, b, e); break;
	case K_VIA:     first_word(&r->via, b, e); break;
	case K_ID:      first_word(&r->id, b, e); break;
	case K_FOR:     first_word(&r->for_addr, b, e); break;
	case K_ENVFROM: first_word(&r->envfrom, b, e); break;
	case K_WITH:
		if (*with_open)
			extend(&r->with, b, e);
		break;
	default:
		break;
	}
}

/* scan_clauses - split the value into from/by/via/with/id/for clauses */
static void scan_clauses(struct rcvd *r)
{
	size_t pos = 0, b, e;
	enum item t;
	enum kw state = K_NONE, k;
	int with_open = 0, first = 1, kv = 0;

	while ((t = next_item(r->s, r->len, &pos, &b, &e, &kv)) != T_END) {
		if (t == T_GROUP) {
			with_open = 0;
			if (first && e - b > 7 && strncasecmp(r->s + b, "(from ", 6) == 0) {
				r->has_from = 1;           /* Sendmail "(from host [ip])" */
				r->paren_from = 1;
				extend(&r->from, b + 6, e - (r->s[e - 1] == ')'));
			} else if (state == K_FROM) {
				extend(&r->from, b, e);
			} else if (e - b > 6 && strncasecmp(r->s + b, "(via ", 5) == 0) {
				first_word(&r->via, b + 5,         /* web.de "(via HTTP)" */
					   b + 5 + first_len(r->s + b + 5, e - b - 6));
			}
		} else if (b < e) {
			k = keyword(r->s + b, e - b);
			if (k != K_NONE && (k = enter(r, k)) != K_NONE) {
				state = k;
				with_open = k == K_WITH && r->with.n == 0;
			} else {
				take_word(r, state, &with_open, b, e);
			}
		}
		first = 0;
	}
}

/* take_ip - canonical text of the ip group of the last match; 0 or -1 */
static int take_ip(struct rcvd *r, enum pat p, const char *f, char ip[46])
{
	const char *b;
	size_t n;
	char tmp[64];

	if (!grp(r, p, G_IP, f, &b, &n) || n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, b, n);
	tmp[n] = '\0';
	return ip_normalize(tmp, ip);
}

/* apply_host - decide what the from-host word is: HELO, rDNS, or both */
static void apply_host(struct rcvd *r, enum pat p, const char *f,
		       struct hop *h, int has_helo)
{
	const char *hb, *vb;
	size_t hn, vn;
	int lit, vouched;

	if (!grp(r, p, G_HOST, f, &hb, &hn) || hn == 0)
		return;
	lit = is_literal(hb, hn);
	if (p == P_QMAIL) {
		const char *ib;
		size_t in;

		/* qmail: "rdns (HELO h) (ip)"; no HELO part means HELO = rdns */
		if (!has_helo)
			h->helo = dup_span(hb, hn);
		/* Sendmail "helo (ident@[ip])": a bracketed literal with no name
		 * in front is Sendmail's $_ without rDNS; qmail writes bare ip */
		if (!has_helo && grp(r, p, G_IP, f, &ib, &in) && ib > f && ib[-1] == '[')
			return;
		if (*hb != '[')
			h->from_rdns = dup_rdns(hb, hn);
		return;
	}
	/* ecelerity "[ip] ([ip:port])": the word is the client's address again,
	 * its port inside the brackets; no HELO was recorded */
	if (!has_helo && lit && grp(r, p, G_IP, f, &vb, &vn) && vb[vn] == ':' && vb > f && vb[-1] == '[')
		return;
	/* Exim "rdns ([ip] helo=h)"; Exim, CommuniGate "verified": host is rDNS.
	 * An "ident=" item is Exim's $sender_rcvhost too (Sendmail writes the
	 * ident before an "@"): the word before it is the verified host name,
	 * with or without Exim's version comment. */
	vouched = grp(r, p, G_VERIFIED, f, &vb, &vn)   /* before run() reuses md */
		|| grp(r, p, G_IDENT, f, &vb, &vn)
		|| (has_lit(r->s, r->len, "(Exim ", 6, 3) && run(r, P_EXIMTAG, r->s, r->len));
	if (!has_helo)
		h->helo = dup_span(hb, hn);
	if (!lit && (has_helo || vouched))
		h->from_rdns = dup_rdns(hb, hn);
}

/* apply_format - fill the client fields from the format that matched */
static void apply_format(struct rcvd *r, enum pat p, const char *f, struct hop *h)
{
	const char *b;
	size_t n;
	int has_helo;

	has_helo = grp(r, p, G_HELO, f, &b, &n);
	if (has_helo)
		h->helo = dup_span(b, n);
	if (grp(r, p, G_IDENT, f, &b, &n)) {
		if (n > 6 && strncasecmp(b, "IDENT:", 6) == 0)
			b += 6, n -= 6;   /* tcp_wrappers' "IDENT:user" */
		h->ident = dup_span(b, n);
	}
	if (grp(r, p, G_RDNS, f, &b, &n))
		h->from_rdns = dup_rdns(b, n);
	if (p == P_EXIM && !has_helo && grp(r, p, G_QHELO, f, &b, &n)) {
		/* "host ([ip]:port "EHLO h")": the quoted word is the HELO; the
		 * host word is not known to be a verified name */
		h->helo = dup_span(b, n);
		return;
	}
	if (p == P_QMAIL || p == P_EXIM)
		apply_host(r, p, f, h, has_helo);
	if (p == P_BARE && grp(r, p, G_HOST, f, &b, &n)) {
		/* "word [ip]": the word is the HELO, unless "(EHLO h)" follows */
		if (has_helo)
			h->from_rdns = dup_rdns(b, n);
		else
			h->helo = dup_span(b, n);
	}
}

/* hostch - 1 if c may open [^\s()\[\]]; with strict also not '"' or ',' */
static int hostch(unsigned char c, int strict)
{
	if (c != 0 && strchr(" \t\n\v\f\r()[]", c) != NULL)
		return 0;
	return !strict || (c != '"' && c != ',');
}

/* ipch - 1 if c may open an unbracketed address (IP, "IPv6:" tag included) */
static int ipch(unsigned char c)
{
	return c == ':' || c == 'I' || c == 'i' || (c >= '0' && c <= '9')
	       || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/*
 * from_shape - bit p set unless from-clause pattern p cannot match f[0..n).
 * Each test is a necessary condition read off the pattern: the literal
 * '(' or '[' it needs, where that '(' must stand (the patterns allow one
 * space-free word before it), and what its first item can start with.
 */
/*
 * tcp_info_after - 1 when a group after the clause's first character holds
 * what Sendmail and Postfix write about the connection, "([ident@]rdns
 * [ip])" or "([ip])": the address the receiver saw. A clause that starts
 * with a bare address and has such a group starts with the client's HELO
 * ("from 1.2.3.4(helo=x) (unknown [203.0.113.5])"), whatever the HELO
 * looks like; a helo=[literal] item is no such group (its word has '=').
 */
static int tcp_info_after(const char *f, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		size_t j, k;

		if (f[i] != '(')
			continue;
		for (j = i + 1; j < n && !strchr(" ()[]=@", f[j]); j++)
			;
		if (j < n && f[j] == '@')
			for (j++; j < n && !strchr(" ()[]=@", f[j]); j++)
				;
		if (j < n && f[j] == ' ')
			j++;
		if (j >= n || f[j] != '[')
			continue;
		for (k = j + 1; k < n && (isxdigit((unsigned char)f[k]) || strchr(".:IPv6", f[k])); k++)
			;
		if (k < n && k > j + 1 && f[k] == ']')
			return 1;
	}
	return 0;
}

static unsigned from_shape(const char *f, size_t n)
{
	unsigned char c = (unsigned char)f[0];
	const char *sp = memchr(f, ' ', n);
	size_t w = sp ? (size_t)(sp - f) : n;          /* the first word */
	int brack = memchr(f, '[', n) != NULL;
	int after = w + 1 < n && f[w + 1] == '(';      /* "word (" */
	unsigned can = 0;

	if (memchr(f, '(', w) != NULL && hostch(c, 1))
		can |= 1u << P_SMTPD;
	if ((c == '(' && n > 1 && f[1] == '[') || (after && w + 2 < n && f[w + 2] == '['))
		can |= 1u << P_EXIM;
	if (after && c == '[')
		can |= 1u << P_CGP;
	if ((after || memchr(f, '(', w) != NULL) && (c == '[' || ipch(c)))
		can |= 1u << P_EXIMLIT;
	if (after)
		can |= 1u << P_QMAIL;
	/* "word (a.b.c.d:port)" (XMail; its "([ip]:port)" is P_EXIM's), "word ( ip)" (Scalix) */
	if (after && w + 2 < n && ((f[w + 2] >= '0' && f[w + 2] <= '9') || f[w + 2] == ' '))
		can |= 1u << P_HELOADDR;
	if (brack && (after || memchr(f, '(', w) != NULL))
		can |= 1u << P_SENDMAIL;
	if (after && brack && hostch(c, 1))
		can |= 1u << P_EXIM3;
	/* "rdns (EHLO h) [ip]" (GMX) */
	if (after && brack && hostch(c, 1) && w + 7 < n &&
	    (strncasecmp(f + w + 2, "EHLO ", 5) == 0 || strncasecmp(f + w + 2, "HELO ", 5) == 0))
		can |= 1u << P_GMX;
	if (brack && hostch(c, 0))
		can |= 1u << P_BARE;
	if (c == '[' || ipch(c))
		can |= 1u << P_IPONLY;
	if (c == '(' && n > 1 && (ipch((unsigned char)f[1]) || f[1] == '['))
		can |= 1u << P_PARENIP;
	if (brack)
		can |= 1u << P_ANY;
	/* a bare address first, and the receiver's own record of the
	 * connection after it: the address is the HELO's, not the client's */
	if (c != '[' && ipch(c) && brack && tcp_info_after(f, n))
		can &= ~(1u << P_EXIMLIT | 1u << P_IPONLY);
	return can;
}

/* port_num - the decimal port at s[0..n), 1..65535, or 0 */
static int port_num(const char *s, size_t n)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n && i < 5 && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (s[i] - '0');
	if (i == 0 || (i < n && s[i] >= '0' && s[i] <= '9') || v > 65535)
		return 0;
	return v;
}

/* v4_port - the port of "ip:N" at s[0..n) (ecelerity's "[ip:port]") when ip is
 * the client's dotted quad as written; 0 otherwise (a HELO's literal, IPv6) */
static int v4_port(const char *s, size_t n, const char *ip)
{
	size_t k = strlen(ip);

	if (n < k + 2 || s[k] != ':' || memcmp(s, ip, k) != 0 || strchr(ip, ':') != NULL)
		return 0;
	return port_num(s + k + 1, n - k - 1);
}

/*
 * client_port - the client's source port where the from clause records it:
 * Exim's "(port=N helo=...)" or "[ip]:N" right after the address literal
 * (Exim, some Sendmail builds), ecelerity's "[a.b.c.d:N]" around the
 * client's own address (IPv4 only: in an IPv6 literal a port would not be
 * told from the last group); 0 when it does not.
 */
static int client_port(const char *f, size_t n, const char *ip)
{
	const char *p, *q;
	int v;

	for (p = f; (p = memchr(p, 'p', n - (size_t)(p - f))) != NULL; p++)
		if ((size_t)(f + n - p) > 5 && memcmp(p, "port=", 5) == 0 &&
		    (p == f || p[-1] == ' ' || p[-1] == '(') &&
		    (v = port_num(p + 5, (size_t)(f + n - p - 5))) > 0)
			return v;
	for (p = f; (p = memchr(p, ']', n - (size_t)(p - f))) != NULL; p++)
		if ((size_t)(f + n - p) > 2 && p[1] == ':' &&
		    (v = port_num(p + 2, (size_t)(f + n - p - 2))) > 0)
			return v;
	for (int k = 0; k < 2; k++) {
		/* "[a.b.c.d:N]" (ecelerity), "(a.b.c.d:N)" (XMail) */
		char open = k ? '(' : '[', close = k ? ')' : ']';

		for (p = f; (p = memchr(p, open, n - (size_t)(p - f))) != NULL; p = q) {
			if ((q = memchr(p, close, n - (size_t)(p - f))) == NULL)
				break;
			if ((v = v4_port(p + 1, (size_t)(q - p - 1), ip)) > 0)
				return v;
		}
	}
	return 0;
}

/* port_after_helo - client_port past a HELO the clause starts with: the
 * client writes that word, so a "port=" or "[ip]:N" inside it is nobody's */
static int port_after_helo(const char *f, size_t n, struct hop *h)
{
	size_t k = h->helo ? strlen(h->helo) : 0;

	/* SIMS writes "port N" in quotes where there is no ident: no ident; not
	 * taken as the port either (what stands before '@' is the client's own
	 * RFC 1413 answer in the other writers) */
	if (h->ident && strncmp(h->ident, "\"port ", 6) == 0) {
		free(h->ident);
		h->ident = NULL;
	}
	if (k == 0 || k > n || strncasecmp(f, h->helo, k) != 0)
		k = 0;
	return client_port(f + k, n - k, h->from_ip);
}

/* from_clause - try the format table on the from clause; 1 if an address was found */
static int from_clause(struct rcvd *r, struct hop *h)
{
	const char *f = r->s + r->from.off;
	char ip[46];
	struct ipaddr lo;
	int p;
	unsigned can;

	if (!r->has_from || r->from.n == 0)
		return 0;
	/* Sendmail's "(from $_)": the name is its lookup; NAVGW writes the HELO there */
	if (r->paren_from && !has_lit(r->s, r->len, "(NAVGW ", 7, 1) &&
	    run(r, P_SMPAREN, f, r->from.n) && take_ip(r, P_SMPAREN, f, ip) == 0) {
		h->from_ip = xstrdup(ip);
		r->fmt = P_SMPAREN + 1;
		apply_format(r, P_SMPAREN, f, h);
		h->port = port_after_helo(f, r->from.n, h);
		return 1;
	}
	can = from_shape(f, r->from.n);
	for (p = 0; p <= P_FROM_LAST; p++) {
		if (!(can & 1u << p))
			continue;
		if (run(r, p, f, r->from.n) && take_ip(r, p, f, ip) == 0) {
			if (p == P_PARENIP && ip_parse(ip, &lo) == 0 && ip_is_loopback(&lo))
				return 0;   /* "(127.0.0.1) by": a local pickup (PowerMTA) */
			h->from_ip = xstrdup(ip);
			r->fmt = p + 1;
			apply_format(r, p, f, h);
			h->port = port_after_helo(f, r->from.n, h);
			return 1;
		}
	}
	return 0;
}

/* simple_fields - by, with, id, for: words after their keywords */
static void simple_fields(struct rcvd *r, struct hop *h)
{
	struct span *w = r->with.n ? &r->with : &r->via;

	if (r->by.n)
		h->by = dup_strip(r->s + r->by.off, r->by.n);
	if (w->n)
		h->with = dup_strip(r->s + w->off, w->n);
	if (r->id.n)
		h->id = dup_strip(r->s + r->id.off, r->id.n);
	if (h->id != NULL && strcmp(h->id, "=") == 0) {
		free(h->id);      /* cut by a quoted-printable soft break: no id */
		h->id = NULL;
	}
	if (r->for_addr.n)
		h->for_addr = dup_strip(r->s + r->for_addr.off, r->for_addr.n);
	if (h->with == NULL)
		return;
	/* webmail: the from host is no HELO (SpamAssassin semantics) */
	if (strncasecmp(h->with, "HTTP", 4) == 0) {
		free(h->helo);
		free(h->from_rdns);
		h->helo = h->from_rdns = NULL;
	}
	/* Exchange "from helo (ip) by ...": it records no reverse name */
	if (strncasecmp(h->with, "Microsoft SMTP Server", 21) == 0) {
		free(h->from_rdns);
		h->from_rdns = NULL;
	}
}

/* tail_id - Courier writes its queue id after the date: "; DATE id X" */
static void tail_id(struct rcvd *r, struct hop *h)
{
	const char *t = r->s + r->tail, *p, *e = r->s + r->tail + r->tail_len;
	size_t n;

	if (h->id != NULL || r->tail_len < 5)
		return;
	for (p = t; (p = memchr(p, 'i', (size_t)(e - p))) != NULL && e - p > 3; p++) {
		if (p[1] != 'd' || p[2] != ' ' || p == t || p[-1] != ' ')
			continue;
		p += 3;
		for (n = 0; p + n < e && p[n] != ' ' && p[n] != ';' && p[n] != '(' && p[n] != ')'; n++)
			;
		if (n)
			h->id = dupn(p, n);
		return;
	}
}

/* envfrom - "(envelope-from <a>)", "(envelope-sender <a>)", XMail "from <a>" */
static void envfrom(struct rcvd *r, struct hop *h)
{
	const char *b;
	size_t n;

	if (r->envfrom.n) {
		b = r->s + r->envfrom.off;
		n = r->envfrom.n;
		if (n >= 2 && b[0] == '<' && b[n - 1] == '>')
			b++, n -= 2;
		h->envfrom = dupn(b, n);
	} else if (has_lit(r->s, r->len, "nvelope-", 8, 1)
		   && run(r, P_ENVFROM, r->s, r->len)
		   && grp(r, P_ENVFROM, G_USER, r->s, &b, &n)) {
		h->envfrom = dupn(b, n);   /* "" for the null sender */
	} else if (r->tail_len && has_lit(r->s + r->tail, r->tail_len, "nvelope-", 8, 1)
		   && run(r, P_ENVFROM, r->s + r->tail, r->tail_len)
		   && grp(r, P_ENVFROM, G_USER, r->s + r->tail, &b, &n)) {
		h->envfrom = dupn(b, n);   /* Sendmail: "; date (envelope-from a)" */
	}
}

/* auth_evidence - method and account named by an auth comment, if any */
static void auth_evidence(struct rcvd *r, const char **mb, size_t *mn,
			  const char **ub, size_t *un)
{
	static const enum pat order[] = {
		P_AUTH_SENDER, P_AUTH_COURIER, P_AUTH_ACCOUNT, P_AUTH_WEBMAIL, P_AUTH_KV,
	};
	size_t i;

	if (!has_auth(r->s, r->len) && !strstr(r->s, "(account "))
		return;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!run(r, order[i], r->s, r->len))
			continue;
		grp(r, order[i], G_USER, r->s, ub, un);
		if (*mb == NULL && !grp(r, order[i], G_MECH, r->s, mb, mn))
			*mb = "authenticated", *mn = 13;
		return;
	}
	if (*mb == NULL && run(r, P_AUTH_BARE, r->s, r->len))
		*mb = "authenticated", *mn = 13;
}

/*
 * sasl_mech - Yahoo's SMTP AUTH comment "(user@ip with login)": the SASL
 * mechanism after the client's address in the comment that holds
 * "(ident@", when it is one; 1 and its span in *mb, *mn
 */
static int sasl_mech(const char *s, const char *user, const char **mb, size_t *mn)
{
	static const char *const mechs[] = { "login", "plain", "cram-md5", "digest-md5", "xoauth2",
					     "oauthbearer", "ntlm", "gssapi", "scram-sha-1", "scram-sha-256" };
	size_t ul = strlen(user);
	const char *p, *c, *w;

	for (p = strchr(s, '('); p; p = strchr(p + 1, '(')) {
		if (strncmp(p + 1, user, ul) != 0 || p[1 + ul] != '@' || (c = strchr(p, ')')) == NULL)
			continue;
		for (w = p; w + 6 < c && strncmp(w, " with ", 6) != 0; w++)
			;
		if (w + 6 >= c)
			return 0;
		w += 6;
		for (size_t i = 0; i < sizeof mechs / sizeof mechs[0]; i++)
			if ((size_t)(c - w) == strlen(mechs[i]) && strncasecmp(w, mechs[i], (size_t)(c - w)) == 0) {
				*mb = w;
				*mn = (size_t)(c - w);
				return 1;
			}
		return 0;
	}
	return 0;
}

/* find_auth - authentication evidence: protocol, comment, account */
static void find_auth(struct rcvd *r, struct hop *h)
{
	const char *mb = NULL, *ub = NULL;
	size_t mn = 0, un = 0;
	int sasl = 0;
	struct buf out;

	if (h->with) {
		size_t n = first_len(h->with, strlen(h->with));

		if (run(r, P_AUTHPROTO, h->with, n))
			mb = h->with, mn = n;
	}
	auth_evidence(r, &mb, &mn, &ub, &un);
	/* GMX's submission hosts (mail.gmx.net, mail.gmx.com) take mail from
	 * authenticated customers only and write the GMX form with plain
	 * "with SMTP" or "with ESMTP": the hop is a submission */
	if (mb == NULL && r->fmt == P_GMX + 1 && h->by && h->with &&
	    (strcasecmp(h->by, "mail.gmx.net") == 0 || strcasecmp(h->by, "mail.gmx.com") == 0) &&
	    (strcasecmp(h->with, "SMTP") == 0 || strcasecmp(h->with, "ESMTP") == 0))
		mb = "GMX", mn = 3;
	/* Yahoo's "(user@ip with login)": the user logged in with that mechanism */
	if (mb == NULL && un == 0 && h->ident && r->fmt == P_QMAIL + 1 && sasl_mech(r->s, h->ident, &mb, &mn))
		sasl = 1;
	/* qmail AUTH patches: "(user@ip)"; elsewhere the ident is RFC 1413's */
	if (mb && un == 0 && h->ident && r->fmt == P_QMAIL + 1)
		ub = h->ident, un = strlen(h->ident);
	if (mb == NULL && un == 0)
		return;
	buf_init(&out, 512);
	if (mb)
		buf_append(&out, mb, mn);
	if (un) {
		buf_puts(&out, mb ? " user=" : "user=");
		buf_append(&out, ub, un);
	}
	h->auth = buf_steal(&out);
	buf_free(&out);
	if (sasl) {
		/* the account, not an RFC 1413 ident */
		free(h->ident);
		h->ident = NULL;
	}
}

/* uid_at - 1 if s[0..n) holds " uid " (case ignored) with its 'd' or 'D' at s[i] */
static int uid_at(const char *s, size_t n, const char *d)
{
	size_t i = (size_t)(d - s);

	return i >= 3 && i + 1 < n && s[i - 3] == ' ' && (s[i - 2] | 0x20) == 'u'
	       && (s[i - 1] | 0x20) == 'i' && s[i + 1] == ' ';
}

/* has_uid - 1 if s[0..n) holds " uid ", case ignored; memchr finds the rare 'd' */
static int has_uid(const char *s, size_t n)
{
	static const char ds[2] = { 'd', 'D' };
	const char *p;
	int k;

	for (k = 0; k < 2; k++)
		for (p = s; (p = memchr(p, ds[k], n - (size_t)(p - s))) != NULL; p++)
			if (uid_at(s, n, p))
				return 1;
	return 0;
}

/* may_skip - cheap necessary condition for P_SKIP: "(" first, " uid ", "(fetchmail" */
static int may_skip(const struct rcvd *r)
{
	const char *p, *end = r->s + r->len;

	if (r->s[0] == '(' || has_uid(r->s, r->len)
	    || has_lit(r->s, r->len, "qmail-scanner-", 14, 0))
		return 1;
	for (p = r->s; (p = memchr(p, '(', (size_t)(end - p))) != NULL; p++)
		if (ci_at(p + 1, (size_t)(end - p - 1), "fetchmail", 9))
			return 1;
	return 0;
}

/* parse - the steps of rcvd_parse on a normalised value */
static int parse(struct rcvd *r, struct hop *h)
{
	if (may_skip(r) && run(r, P_SKIP, r->s, r->len))
		return 0;
	split_date(r, h);
	scan_clauses(r);
	if (!r->has_from && !r->has_by)
		return -1;
	if (!from_clause(r, h))
		return 0;
	simple_fields(r, h);
	tail_id(r, h);
	envfrom(r, h);
	find_auth(r, h);
	return 1;
}

/* rcvd_parse - parse an unfolded header value (without "Received:") */
int rcvd_parse(const char *value, size_t len, struct hop *out)
{
	struct rcvd r;
	int rc;

	memset(out, 0, sizeof(*out));
	if (value == NULL)
		return -1;
	rcvd_init();
	memset(&r.len, 0, sizeof(r) - offsetof(struct rcvd, len));
	normalise(&r, value, len);
	if (r.len == 0)
		return -1;
	r.md = pcre2_match_data_create(32, NULL);
	if (r.md == NULL)
		msg_fatal(75, "received: out of memory");
	rc = parse(&r, out);
	pcre2_match_data_free(r.md);
	if (rc != 1)
		hop_free(out);
	return rc;
}

/* hop_free - release the strings of a hop and zero it */
void hop_free(struct hop *h)
{
	if (h == NULL)
		return;
	free(h->from_ip);
	free(h->from_rdns);
	free(h->helo);
	free(h->ident);
	free(h->by);
	free(h->with);
	free(h->id);
	free(h->for_addr);
	free(h->envfrom);
	free(h->auth);
	free(h->date);
	memset(h, 0, sizeof(*h));
}

/* put_plain - append "key":value to o[*n..cap) when v needs no escaping; 0 or -1 */
static int put_plain(char *o, size_t *n, size_t cap, const char *key,
		     size_t kn, const char *v)
{
	size_t i;

	if (kn > cap - *n)
		return -1;
	memcpy(o + *n, key, kn);
	*n += kn;
	if (v == NULL) {
		if (4 > cap - *n)
			return -1;
		memcpy(o + *n, "null", 4);
		*n += 4;
		return 0;
	}
	i = json_plain_span(v);
	if (v[i] != '\0')
		return -1;
	if (i + 2 > cap - *n)
		return -1;
	o[(*n)++] = '"';
	memcpy(o + *n, v, i);
	*n += i;
	o[(*n)++] = '"';
	return 0;
}

/* hop_plain - the JSON of hop_to_json in one piece when no value needs escaping */
static int hop_plain(const struct hop *h, char *o, size_t cap, size_t *n)
{
	static const char *const key[11] = {
		"{\"from_ip\":", ",\"from_rdns\":", ",\"helo\":", ",\"ident\":",
		",\"by\":", ",\"with\":", ",\"id\":", ",\"for\":", ",\"envfrom\":",
		",\"auth\":", ",\"date\":",
	};
	const char *const val[11] = {
		h->from_ip, h->from_rdns, h->helo, h->ident, h->by, h->with, h->id,
		h->for_addr, h->envfrom, h->auth, h->date,
	};
	int i;

	*n = 0;
	for (i = 0; i < 11; i++)
		if (put_plain(o, n, cap, key[i], strlen(key[i]), val[i]) < 0)
			return -1;
	if (h->port > 0) {
		char pb[24];
		int pn = snprintf(pb, sizeof(pb), ",\"port\":%d", h->port);

		if (pn < 0 || (size_t)pn > cap - *n)
			return -1;
		memcpy(o + *n, pb, (size_t)pn);
		*n += (size_t)pn;
	}
	if (*n >= cap)
		return -1;
	o[(*n)++] = '}';
	return 0;
}

/* hop_to_json - one JSON object with the keys of DESIGN.md; "port" only when recorded */
void hop_to_json(const struct hop *h, struct buf *out)
{
	int first = 1;
	char o[2048];
	size_t n;

	if (hop_plain(h, o, sizeof(o), &n) == 0) {   /* the common case */
		buf_append(out, o, n);
		return;
	}
	buf_putc(out, '{');
	json_kv_str(out, &first, "from_ip", h->from_ip);
	json_kv_str(out, &first, "from_rdns", h->from_rdns);
	json_kv_str(out, &first, "helo", h->helo);
	json_kv_str(out, &first, "ident", h->ident);
	json_kv_str(out, &first, "by", h->by);
	json_kv_str(out, &first, "with", h->with);
	json_kv_str(out, &first, "id", h->id);
	json_kv_str(out, &first, "for", h->for_addr);
	json_kv_str(out, &first, "envfrom", h->envfrom);
	json_kv_str(out, &first, "auth", h->auth);
	json_kv_str(out, &first, "date", h->date);
	if (h->port > 0)
		json_kv_int(out, &first, "port", h->port);
	buf_putc(out, '}');
}
