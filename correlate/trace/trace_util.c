/*
 * trace_util - small helpers of the tracer: which addresses and names are
 * ours, inventory nodes, authentication evidence, recipients, web-script
 * markers and evidence lines.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../util/buf.h"
#include "../../parse/fields.h"
#include "../../parse/received.h"
#include "../../util/mem.h"
#include "trace_int.h"

/* trace_ip_ours - ip (text) is inside our_networks */
int trace_ip_ours(const struct tstate *t, const char *ip)
{
	struct ipaddr a;

	if (ip == NULL || *ip == '\0' || ip_parse(ip, &a) < 0)
		return 0;
	return netlist_contains(&t->conf->our_networks, &a);
}

/* trace_ip_loopback - 127/8 or ::1: a handoff on the same host */
int trace_ip_loopback(const char *ip)
{
	struct ipaddr a;

	return ip != NULL && ip_parse(ip, &a) == 0 && ip_is_loopback(&a);
}

/* trace_ip_private - not routable on the Internet (RFC 1918, CGNAT, ULA...) */
int trace_ip_private(const char *ip)
{
	struct ipaddr a;

	return ip != NULL && ip_parse(ip, &a) == 0 && ip_is_private(&a);
}

/* trace_name_ours - host name within one of our_domains */
int trace_name_ours(const struct tstate *t, const char *name)
{
	const struct strlist *d = &t->conf->our_domains;

	if (name == NULL || *name == '\0')
		return 0;
	for (size_t i = 0; i < d->n; i++)
		if (str_domain_match(name, d->v[i]))
			return 1;
	return 0;
}

/* org_part - start of the "registered domain" of a host name (approximate) */
static const char *org_part(const char *h)
{
	const char *dots[3] = { NULL, NULL, NULL };
	const char *p;
	size_t tld;
	int n = 0;

	for (p = h + strlen(h); p > h && n < 3; p--)
		if (p[-1] == '.')
			dots[n++] = p - 1;
	if (n < 1)
		return h;
	tld = strlen(dots[0] + 1);
	/* example.co.uk, example.com.au: a short label under a country code */
	if (tld == 2 && n >= 2 && dots[0] - dots[1] - 1 <= 3)
		return n >= 3 ? dots[2] + 1 : h;
	return n >= 2 ? dots[1] + 1 : h;
}

/* trace_same_org - two host names share their registered domain */
int trace_same_org(const char *a, const char *b)
{
	if (a == NULL || b == NULL || !strchr(a, '.') || !strchr(b, '.'))
		return 0;
	if (a[0] == '[' || b[0] == '[')
		return 0;
	return strcasecmp(org_part(a), org_part(b)) == 0;
}

/* usable_name - a host name worth showing ("unknown" and literals are not) */
static int usable_name(const char *s)
{
	return s && *s && strcasecmp(s, "unknown") != 0 && s[0] != '[' && strchr(s, '.') != NULL;
}

/* trace_node - fill n for ip (may be "") with the inventory answer; name is a fallback */
void trace_node(struct tstate *t, struct tnode *n, const char *ip, const char *name)
{
	struct ipaddr a;

	memset(n, 0, sizeof(*n));
	n->set = 1;
	if (ip && ip_parse(ip, &a) == 0) {
		ip_format(&a, n->ip);
		if (t->env && t->env->lookup)
			t->env->lookup(t->env->ctx, &a, &n->inv);
		if (!n->inv.found)
			memset(&n->inv, 0, sizeof(n->inv));
	}
	if (n->inv.host[0])
		str_copy(n->name, sizeof(n->name), n->inv.host);
	else if (usable_name(name))
		str_copy(n->name, sizeof(n->name), name);
}

/* word_after - copy the word following key in s (case-insensitive) */
static int word_after(const char *s, const char *key, char *out, size_t osize)
{
	const char *p = strcasestr(s, key);
	size_t n = 0;

	if (p == NULL)
		return 0;
	p += strlen(key);
	while (*p == ' ')
		p++;
	while (p[n] && !strchr(" \t);,<>", p[n]))
		n++;
	if (n == 0 || n >= osize)
		return 0;
	memcpy(out, p, n);
	out[n] = '\0';
	return 1;
}

/* trace_hop_auth - the hop records authentication; user filled when named */
int trace_hop_auth(const struct hop *h, char *user, size_t usize)
{
	static const char *with_auth[] = { "ESMTPA", "ESMTPSA", "ESMTPSRA", "ESMTPRA",
		"LMTPA", "LMTPSA", "UTF8SMTPA", "UTF8SMTPSA" };
	int yes = 0;

	user[0] = '\0';
	if (h->auth && *h->auth) {
		yes = 1;
		if (!word_after(h->auth, "user=", user, usize) &&
		    !word_after(h->auth, "authenticated sender:", user, usize))
			word_after(h->auth, "auth=", user, usize);
	}
	for (size_t i = 0; !yes && h->with && i < sizeof(with_auth) / sizeof(with_auth[0]); i++)
		if (strcasecmp(h->with, with_auth[i]) == 0)
			yes = 1;
	return yes;
}

/* rcpt_domain - domain of an address in s ("Name <a@b>", "a@b"), into out */
static int rcpt_domain(const char *s, char *out, size_t osize)
{
	const char *at, *e;

	if (s == NULL || (at = strrchr(s, '@')) == NULL)
		return 0;
	at++;
	for (e = at; *e && !strchr(" \t>;,)\"", *e); e++)
		;
	if (e == at || (size_t)(e - at) >= osize)
		return 0;
	memcpy(out, at, (size_t)(e - at));
	out[e - at] = '\0';
	return 1;
}

/* consider - one recipient; returns 1 outside, 0 ours, -1 no domain */
static int consider(const struct tstate *t, const char *addr, char *which, size_t wsize)
{
	char dom[256];

	if (!rcpt_domain(addr, dom, sizeof(dom)))
		return -1;
	if (trace_name_ours(t, dom))
		return 0;
	str_copy(which, wsize, dom);
	return 1;
}

/*
 * trace_rcpt_outside - 1 when a recipient's domain is outside our_domains
 * (its domain in which), 0 when every known recipient is ours, -1 when no
 * recipient is known or our_domains is empty.
 */
int trace_rcpt_outside(const struct tstate *t, char *which, size_t wsize)
{
	const struct report *r = t->r;
	int known = 0, rc;

	if (t->conf->our_domains.n == 0)
		return -1;
	for (size_t i = 0; i < r->original_rcpt_to.n && i < PARSE_MAX_LIST; i++)
		if ((rc = consider(t, r->original_rcpt_to.v[i], which, wsize)) >= 0 && (known = 1) && rc)
			return 1;
	for (size_t i = 0; i < r->nrcpts && i < PARSE_MAX_RCPTS; i++)
		if ((rc = consider(t, r->rcpts[i].address, which, wsize)) >= 0 && (known = 1) && rc)
			return 1;
	for (size_t i = 0; i < r->nhops && i < PARSE_MAX_HOPS; i++)
		if ((rc = consider(t, r->hops[i].for_addr, which, wsize)) >= 0 && (known = 1) && rc)
			return 1;
	if ((rc = consider(t, r->orig.to, which, wsize)) >= 0 && (known = 1) && rc)
		return 1;
	return known ? 0 : -1;
}

/* marker - which web server's submission mark a header line has (lower is
 * stronger), or -1 */
static int marker(const char *line)
{
	static const char *needles[] = { "x-php-originating-script:", "x-php-script:",
		"from userid 33)", "from userid 48)", "invoked by uid 33)", "invoked by uid 48)",
		"from www-data by ", "from apache by ", "<www-data@", "<apache@", "by uid 33 with",
		"(envelope-from www-data@" };

	for (size_t i = 0; i < sizeof(needles) / sizeof(needles[0]); i++)
		if (strcasestr(line, needles[i]))
			return (int)i;
	return -1;
}

/*
 * trace_web_marker - the original's headers show a web server's submission
 * (PHP script header, "from userid 33" local pickup by www-data/apache...);
 * copies the header line into line. 1 found, 0 not. A Received header
 * counts only inside our believed chain: down to the oldest believed hop
 * and the one header the parser left out right below it (the pickup line
 * its host wrote). What lies further down was written by whoever handed
 * the message over, and a fake "from userid 33" there proves nothing.
 */
int trace_web_marker(const struct tstate *t, char *line, size_t lsize)
{
	const char *h = t->r->orig.headers, *name;
	int last = t->last_ours_hop > t->egress_hop ? t->last_ours_hop : t->egress_hop;
	int parsed = 0, gap = 0, best = -1, m;
	struct fieldit it;
	struct buf v, l;
	size_t nlen;

	if (h == NULL)
		return 0;
	buf_init(&v, 0);
	buf_init(&l, 0);
	fieldit_init(&it, h, strlen(h), 1);
	while (best != 0 && fieldit_next(&it, &name, &nlen, &v)) {
		int believed = 1;

		if (name_is(name, nlen, "Received")) {
			struct hop hop;
			int rc = parsed < PARSE_MAX_HOPS ? rcvd_parse(v.data, v.len, &hop) : -1;

			if (rc == 1) {
				hop_free(&hop);
				believed = parsed++ <= last;
				gap = 0;
			} else {
				/* left out by the parser: above the oldest believed hop, or the first below it */
				believed = parsed - 1 < last || (parsed - 1 == last && gap++ == 0);
			}
		}
		if (!believed)
			continue;
		buf_reset(&l);
		buf_append(&l, name, nlen);
		buf_puts(&l, ": ");
		buf_puts(&l, v.data);
		if ((m = marker(l.data)) >= 0 && (best < 0 || m < best)) {
			char *s = str_sanitize(l.data, lsize - 1);

			str_copy(line, lsize, str_trim(s));
			free(s);
			best = m;
		}
	}
	buf_free(&v);
	buf_free(&l);
	return best >= 0;
}

/* token_after - the word after "key " at the start of s or after a blank; 1 found */
static int token_after(const char *s, const char *key, char *out, size_t osize)
{
	size_t kl = strlen(key), n;

	for (const char *p = s; (p = strcasestr(p, key)) != NULL; p += kl) {
		if ((p != s && p[-1] != ' ' && p[-1] != '\t') || p[kl] != ' ')
			continue;
		p += kl + 1;
		n = strcspn(p, " \t();");
		if (n == 0 || n >= osize)
			return 0;
		memcpy(out, p, n);
		out[n] = '\0';
		return 1;
	}
	return 0;
}

/* local_pickup - an unparsed Received value that records a local submission */
static int local_pickup(const char *v)
{
	return strncasecmp(v, "by ", 3) == 0 || strncasecmp(v, "(from ", 6) == 0 ||
	       strcasestr(v, "from userid ") || strcasestr(v, "invoked by uid ") ||
	       strcasestr(v, " with local ") || strcasestr(v, " with local;");
}

/* read_gaps - fill t->gap from the original's raw Received headers */
static void read_gaps(struct tstate *t)
{
	const char *h = t->r->orig.headers, *name;
	struct fieldit it;
	struct buf v;
	size_t nlen;
	int parsed = 0;

	t->gaps_read = 1;
	memset(t->gap, 0, sizeof(t->gap));
	if (h == NULL)
		return;
	buf_init(&v, 0);
	fieldit_init(&it, h, strlen(h), 1);
	while (parsed < PARSE_MAX_HOPS && fieldit_next(&it, &name, &nlen, &v)) {
		struct tgap *g = &t->gap[parsed];
		struct hop hop;
		char by[128];

		if (!name_is(name, nlen, "Received"))
			continue;
		if (rcvd_parse(v.data, v.len, &hop) == 1) {
			hop_free(&hop);
			parsed++;
			continue;
		}
		if (local_pickup(v.data)) {
			g->pickup = 1;
		} else if (token_after(v.data, "by", by, sizeof(by)) && g->n++ == 0) {
			str_copy(g->by, sizeof(g->by), by);
			if (strncasecmp(v.data, "from ", 5) == 0)
				token_after(v.data, "from", g->from, sizeof(g->from));
		}
	}
	buf_free(&v);
}

/* trace_gap - what the parser left out between hop k-1 and hop k (from the raw headers) */
const struct tgap *trace_gap(struct tstate *t, int k)
{
	if (!t->gaps_read)
		read_gaps(t);
	return &t->gap[k < 0 ? 0 : k > PARSE_MAX_HOPS ? PARSE_MAX_HOPS : k];
}

/* trace_evidence - add one sanitised, capped evidence line */
void trace_evidence(struct tstate *t, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;

	if (t->v->evidence.n >= TRACE_MAX_EVIDENCE)
		return;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	strlist_add_own(&t->v->evidence, str_sanitize(tmp, TRACE_EVIDENCE_LEN));
}

/* cut - a hostile field shortened for an evidence line */
static const char *cut(const char *s, char *tmp, size_t n)
{
	if (s == NULL)
		return NULL;
	str_copy(tmp, n, s);
	return tmp;
}

/* trace_hop_evidence - "hop 2: from 203.0.113.9 (rdns) by mx2 (ESMTP, id X) note" */
void trace_hop_evidence(struct tstate *t, int k, const char *note)
{
	const struct hop *h = &t->r->hops[k];
	char a[64], b[80], c[40], d[64], e[80];
	struct buf w;

	buf_init(&w, 1024);
	buf_printf(&w, "hop %d: from %s", k + 1, h->from_ip ? cut(h->from_ip, a, sizeof(a)) : "(no address)");
	if (usable_name(h->from_rdns))
		buf_printf(&w, " (%s)", cut(h->from_rdns, b, sizeof(b)));
	else if (h->helo && *h->helo)
		buf_printf(&w, " (helo %s)", cut(h->helo, b, sizeof(b)));
	buf_printf(&w, " by %s", h->by ? cut(h->by, e, sizeof(e)) : "?");
	if (h->with || h->id) {
		buf_printf(&w, " (%s", h->with ? cut(h->with, c, sizeof(c)) : "");
		if (h->id)
			buf_printf(&w, "%sid %s", h->with ? ", " : "", cut(h->id, d, sizeof(d)));
		buf_puts(&w, ")");
	}
	if (h->auth && *h->auth)
		buf_printf(&w, ", auth %s", cut(h->auth, d, sizeof(d)));
	if (note && *note)
		buf_printf(&w, ": %s", note);
	trace_evidence(t, "%s", w.data);
	buf_free(&w);
}

/* trace_set - replace an owned verdict string (NULL or "" clears it) */
void trace_set(char **dst, const char *s)
{
	free(*dst);
	*dst = (s && *s) ? xstrdup(s) : NULL;
}

/* trace_lower - confidence is at most c */
void trace_lower(struct tstate *t, enum confidence c)
{
	if (t->conf_level > c)
		t->conf_level = c;
}
