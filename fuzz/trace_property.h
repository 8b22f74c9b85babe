/*
 * trace_property - the forged-hop property of the tracer, shared by
 * tests/unit/test_trace.c and fuzz/fuzz_trace.c.
 *
 * A reported message's Received block is cut at F, the first header (from
 * the top) that neither the complainant nor our hosts wrote: the spammer
 * controls that header and everything below it. Whatever is added below
 * header F, removed from there, rewritten or reordered - forged headers
 * naming our hosts and addresses, our proxies, customers and MTAs, login
 * markers, pickup lines, junk - the verdict's class, abused host and address
 * and injector must stay what they were. Header F itself is kept: a header
 * directly below our believed host that names that host as its writer is
 * indistinguishable from one it wrote.
 *
 * F is known from outside the tracer: generated chains (tp_chain) know where
 * the spammer's part starts, samples declare it (X-Sample "believed=N").
 *
 * Everything is static: include this file in one translation unit.
 */
#ifndef AD_FUZZ_TRACE_PROPERTY_H
#define AD_FUZZ_TRACE_PROPERTY_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../correlate/trace/trace.h"
#include "../parse/report.h"
#include "../util/buf.h"
#include "../util/mem.h"

#define TP_MAX_RCVD 40      /* Received headers kept in a block (more: left as they are) */

static unsigned long tp_mutations;   /* mutated messages traced so far */

/* A random source: a seeded xorshift, or the bytes of a fuzz input. */
struct tp_rng {
	uint64_t s;
	const uint8_t *data;  /* fuzz bytes, NULL for the seeded generator */
	size_t len, pos;
};

/* tp_rand - next value below n (n > 0) */
static unsigned tp_rand(struct tp_rng *g, unsigned n)
{
	uint64_t x;

	if (g->data) {
		x = g->pos < g->len ? g->data[g->pos] : 0;
		g->pos++;
		if (n > 256 && g->pos < g->len)
			x = (x << 8) | g->data[g->pos++];
		return (unsigned)(x % n);
	}
	x = g->s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	g->s = x;
	return (unsigned)((x >> 11) % n);
}

/* A message cut around its first block of Received headers. */
struct tp_msg {
	char *head, *tail;           /* before and after the block */
	char *rcvd[TP_MAX_RCVD + 1]; /* each header with its folded lines and line ends */
	size_t n;
};

/* tp_line_end - the end of the line at p (after its '\n'), or end */
static const char *tp_line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl + 1 : end;
}

/* tp_split - cut msg around its first run of Received headers */
static void tp_split(const char *msg, size_t len, struct tp_msg *m)
{
	const char *p = msg, *end = msg + len, *start = NULL;

	memset(m, 0, sizeof(*m));
	while (p < end) {
		if ((p == msg || p[-1] == '\n') && (size_t)(end - p) > 9 && strncmp(p, "Received:", 9) == 0) {
			start = p;
			break;
		}
		p = tp_line_end(p, end);
	}
	if (start == NULL) {
		m->head = xstrndup(msg, len);
		m->tail = xstrdup("");
		return;
	}
	m->head = xstrndup(msg, (size_t)(start - msg));
	p = start;
	while (p < end && m->n < TP_MAX_RCVD && (size_t)(end - p) > 9 && strncmp(p, "Received:", 9) == 0) {
		const char *q = tp_line_end(p, end);

		while (q < end && (*q == ' ' || *q == '\t'))
			q = tp_line_end(q, end);
		m->rcvd[m->n++] = xstrndup(p, (size_t)(q - p));
		p = q;
	}
	m->tail = xstrndup(p, (size_t)(end - p));
}

/* tp_join - the message again, into b */
static void tp_join(const struct tp_msg *m, struct buf *b)
{
	buf_reset(b);
	buf_puts(b, m->head);
	for (size_t i = 0; i < m->n; i++)
		buf_puts(b, m->rcvd[i]);
	buf_puts(b, m->tail);
}

/* tp_copy - deep copy */
static void tp_copy(const struct tp_msg *src, struct tp_msg *dst)
{
	dst->head = xstrdup(src->head);
	dst->tail = xstrdup(src->tail);
	dst->n = src->n;
	for (size_t i = 0; i < src->n; i++)
		dst->rcvd[i] = xstrdup(src->rcvd[i]);
}

static void tp_msg_free(struct tp_msg *m)
{
	free(m->head);
	free(m->tail);
	for (size_t i = 0; i < m->n; i++)
		free(m->rcvd[i]);
	memset(m, 0, sizeof(*m));
}

/* What the property compares. */
struct tp_key {
	int cls;
	char ip[64], host[256], injector[64];
};

/* tp_trace - the verdict's key for a message */
static void tp_trace(const char *msg, size_t len, const struct trace_conf *conf,
		     const struct trace_env *env, struct tp_key *k)
{
	struct report r;
	struct verdict v;

	report_init(&r);
	parse_message(msg, len, &r);
	verdict_init(&v);
	trace_report(&r, conf, env, &v);
	memset(k, 0, sizeof(*k));
	k->cls = (int)v.cls;
	snprintf(k->ip, sizeof(k->ip), "%s", v.abused_ip ? v.abused_ip : "-");
	snprintf(k->host, sizeof(k->host), "%s", v.abused_host ? v.abused_host : "-");
	snprintf(k->injector, sizeof(k->injector), "%s", v.injector_ip ? v.injector_ip : "-");
	verdict_free(&v);
	report_free(&r);
}

static int tp_same(const struct tp_key *a, const struct tp_key *b)
{
	return a->cls == b->cls && strcmp(a->ip, b->ip) == 0 && strcmp(a->host, b->host) == 0 &&
	       strcmp(a->injector, b->injector) == 0;
}

/* The pools forged headers are drawn from: our hosts and roles, outsiders. */
static const char *const tp_ips[] = {
	"192.0.2.25", "192.0.2.26", "192.0.2.80", "192.0.2.40", "192.0.2.1", "192.0.2.50",
	"192.0.2.99", "198.51.100.23", "198.51.100.200", "10.20.3.4", "100.64.1.1", "10.1.2.3",
	"IPv6:2001:db8:25::25", "127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.9", "127.0.0.70",
	"203.0.113.9", "203.0.113.77", "198.18.0.5", "2001:db8:99::7",
};
static const char *const tp_names[] = {
	"mx2.example.net", "smtp.example.net", "proxy1.example.net", "web1.example.net",
	"nat1.example.net", "shell.example.net", "relay-int.example.net", "h99.example.net",
	"mx2", "localhost", "mx.complainant.example", "mail.lottery.example.org",
	"spammer.example.org", "[192.0.2.25]", "pc23.dsl.example.net", "unknown",
};
static const char *const tp_with[] = {
	"SMTP", "ESMTP", "ESMTPS", "ESMTPA", "ESMTPSA", "LMTP", "HTTP", "esmtpa", "local",
};
static const char *const tp_ids[] = { "4MLog1", "4Xyz7Q", "FAKE9", "1rAbCd-000123-Xy", "x" };

#define TP_PICK(g, a) ((a)[tp_rand((g), (unsigned)(sizeof(a) / sizeof((a)[0])))])
#define TP_DATE "Wed, 01 May 2024 10:29:00 +0000"
#define TP_SPAMMER "Received: from bot (unknown [203.0.113.66]) by mx.bot.example.org with SMTP id " \
	"BOT1; " TP_DATE "\n"

/* tp_forged - a Received header a spammer could write, in a new string */
static char *tp_forged(struct tp_rng *g)
{
	struct buf b;
	const char *from = TP_PICK(g, tp_names), *ip = TP_PICK(g, tp_ips), *by = TP_PICK(g, tp_names);
	const char *w = TP_PICK(g, tp_with), *id = TP_PICK(g, tp_ids);

	buf_init(&b, 0);
	switch (tp_rand(g, 10)) {
	case 0: /* Postfix */
		buf_printf(&b, "Received: from %s (%s [%s]) by %s (Postfix) with %s id %s for "
			   "<victim@complainant.example>; " TP_DATE "\n", from, from, ip, by, w, id);
		break;
	case 1: /* Postfix after a login */
		buf_printf(&b, "Received: from %s (%s [%s])\n\t(Authenticated sender: bob@example.net)\n"
			   "\tby %s (Postfix) with ESMTPSA id %s; " TP_DATE "\n", from, from, ip, by, id);
		break;
	case 2: /* Exim */
		buf_printf(&b, "Received: from [%s] (helo=%s)\n\tby %s with %s (Exim 4.96)\n"
			   "\t(envelope-from <x@example.net>)\n\tid %s; " TP_DATE "\n", ip, from, by,
			   tp_rand(g, 2) ? "esmtp" : "esmtpsa", id);
		break;
	case 3: /* Exim with auth= */
		buf_printf(&b, "Received: from %s ([%s]) by %s with esmtpa (Exim 4.96)\n\t(envelope-from "
			   "<bob@example.net>) auth=bob@example.net id %s; " TP_DATE "\n", from, ip, by, id);
		break;
	case 4: /* Sendmail */
		buf_printf(&b, "Received: from %s (%s [%s])\n\tby %s (8.15.2/8.15.2) with %s id %s;\n\t"
			   TP_DATE "\n", from, from, ip, by, w, id);
		break;
	case 5: /* local pickup */
		buf_printf(&b, "Received: by %s (Postfix, from userid %s) id %s; " TP_DATE "\n", by,
			   tp_rand(g, 2) ? "33" : "1001", id);
		break;
	case 6: /* no address */
		buf_printf(&b, "Received: from %s (%s) by %s with %s id %s; " TP_DATE "\n", from, from, by, w, id);
		break;
	case 7: /* a content filter on the same host */
		buf_printf(&b, "Received: from localhost (localhost [127.0.0.1]) by %s (Postfix) with "
			   "ESMTP id %s; " TP_DATE "\n", by, id);
		break;
	case 8: /* an address literal as the writer */
		buf_printf(&b, "Received: from %s ([%s]) by [%s] with %s; " TP_DATE "\n", from, ip,
			   TP_PICK(g, tp_ips), w);
		break;
	default: /* junk */
		buf_printf(&b, "Received: (qmail %u invoked by uid 33); " TP_DATE "\n", tp_rand(g, 65536));
		break;
	}
	return buf_steal(&b);
}

/* tp_mutate - one to four changes strictly below header f */
static void tp_mutate(struct tp_rng *g, struct tp_msg *m, size_t f)
{
	unsigned ops = 1 + tp_rand(g, 4);

	for (unsigned i = 0; i < ops; i++) {
		size_t below = m->n > f + 1 ? m->n - f - 1 : 0, p, q;
		char *s;

		switch (tp_rand(g, 4)) {
		case 0: /* insert */
			if (m->n >= TP_MAX_RCVD)
				break;
			p = f + 1 + tp_rand(g, (unsigned)below + 1);
			memmove(&m->rcvd[p + 1], &m->rcvd[p], (m->n - p) * sizeof(m->rcvd[0]));
			m->rcvd[p] = tp_forged(g);
			m->n++;
			break;
		case 1: /* remove */
			if (!below)
				break;
			p = f + 1 + tp_rand(g, (unsigned)below);
			free(m->rcvd[p]);
			memmove(&m->rcvd[p], &m->rcvd[p + 1], (m->n - p - 1) * sizeof(m->rcvd[0]));
			m->n--;
			break;
		case 2: /* rewrite */
			if (!below)
				break;
			p = f + 1 + tp_rand(g, (unsigned)below);
			free(m->rcvd[p]);
			m->rcvd[p] = tp_forged(g);
			break;
		default: /* reorder */
			if (below < 2)
				break;
			p = f + 1 + tp_rand(g, (unsigned)below);
			q = f + 1 + tp_rand(g, (unsigned)below);
			s = m->rcvd[p];
			m->rcvd[p] = m->rcvd[q];
			m->rcvd[q] = s;
			break;
		}
	}
}


/*
 * tp_check - rounds mutations of msg below its header f (0-based; the first
 * header the spammer controls; a message with no header f gets the
 * spammer's own appended first). 0 when every verdict equals the unmutated
 * one; -1 with the first difference and the mutated block in why.
 */
static int tp_check(const char *msg, size_t len, size_t f, struct tp_rng *g, int rounds,
		    const struct trace_conf *conf, const struct trace_env *env, char *why, size_t wsize)
{
	struct tp_msg base, m;
	struct tp_key want, got;
	struct buf b;
	int rc = 0;

	tp_split(msg, len, &base);
	if (base.n >= TP_MAX_RCVD || f > base.n) {
		tp_msg_free(&base);
		return 0;
	}
	if (base.n == f)
		base.rcvd[base.n++] = xstrdup(TP_SPAMMER);
	buf_init(&b, 0);
	tp_join(&base, &b);
	tp_trace(b.data, b.len, conf, env, &want);
	for (int i = 0; i < rounds && rc == 0; i++) {
		memset(&m, 0, sizeof(m));
		tp_copy(&base, &m);
		tp_mutate(g, &m, f);
		tp_join(&m, &b);
		tp_trace(b.data, b.len, conf, env, &got);
		tp_mutations++;
		if (!tp_same(&want, &got)) {
			struct buf w;

			buf_init(&w, 0);
			buf_printf(&w, "%s %s %s inj %s became %s %s %s inj %s; Received block:\n",
				   verdict_name(want.cls), want.ip, want.host, want.injector,
				   verdict_name(got.cls), got.ip, got.host, got.injector);
			for (size_t k = 0; k < m.n; k++)
				buf_printf(&w, "%s%s", k == f ? "  [F] " : "      ", m.rcvd[k]);
			snprintf(why, wsize, "%s", w.data ? w.data : "");
			buf_free(&w);
			rc = -1;
		}
		tp_msg_free(&m);
	}
	buf_free(&b);
	tp_msg_free(&base);
	return rc;
}

/* Our hosts a generated chain goes through (the fixed inventory's, and two it lacks). */
struct tp_host {
	const char *name, *ip;
	int relays;      /* an MTA: can hand on and accept mail */
};
static const struct tp_host tp_hosts[] = {
	{ "mx2.example.net", "192.0.2.25", 1 }, { "smtp.example.net", "192.0.2.26", 1 },
	{ "shell.example.net", "192.0.2.50", 1 }, { "web1.example.net", "192.0.2.40", 1 },
	{ "h99.example.net", "192.0.2.99", 1 }, { "relay-int.example.net", "10.1.2.3", 1 },
	{ "mx2.example.net", "IPv6:2001:db8:25::25", 1 }, { "proxy1.example.net", "192.0.2.80", 0 },
	{ "nat1.example.net", "192.0.2.1", 0 }, { "pc23.dsl.example.net", "198.51.100.23", 0 },
	{ "cgn-1.example.net", "100.64.1.1", 0 },
};
/* clients whose own headers are not believed: a proxy, a customer, a dynamic address */
static const struct tp_host tp_role_clients[] = {
	{ "proxy1.example.net", "192.0.2.80", 0 }, { "pc23.dsl.example.net", "198.51.100.23", 0 },
	{ "cgn-1.example.net", "100.64.1.1", 0 },
};

/* tp_hop - a genuine header: by wrote it, from/ip was its client (Postfix, Exim or Sendmail) */
static void tp_hop(struct tp_rng *g, struct buf *b, const char *from, const char *ip, const char *by,
		   int auth, const char *id)
{
	switch (tp_rand(g, 3)) {
	case 0:
		buf_printf(b, "Received: from %s (%s [%s])\n\t%sby %s (Postfix) with %s id %s\n\t"
			   "for <victim@complainant.example>; " TP_DATE "\n", from, from, ip,
			   auth ? "(Authenticated sender: alice@example.net)\n\t" : "", by,
			   auth ? "ESMTPSA" : "ESMTP", id);
		break;
	case 1:
		buf_printf(b, "Received: from [%s] (helo=%s)\n\tby %s with %s (Exim 4.96)\n\t"
			   "(envelope-from <a@example.org>)%s\n\tid %s\n\tfor victim@complainant.example; "
			   TP_DATE "\n", ip, from, by, auth ? "esmtpsa" : "esmtp",
			   auth ? " auth=alice@example.net" : "", id);
		break;
	default:
		buf_printf(b, "Received: from %s (%s [%s])\n\tby %s (8.15.2/8.15.2) with %s id %s;\n\t"
			   TP_DATE "\n", from, from, ip, by, auth ? "ESMTPA" : "ESMTP", id);
		break;
	}
}

/*
 * tp_names_writer - header hdr names host h as its writer ("by mx2...", "by
 * [192.0.2.25]"; after a loopback handoff on h also "by localhost", as a
 * content filter there writes it)
 */
static int tp_names_writer(const char *hdr, const struct tp_host *h, int local)
{
	const char *ip = strncmp(h->ip, "IPv6:", 5) == 0 ? h->ip + 5 : h->ip;
	size_t label = strcspn(h->name, ".");
	const char *p = strstr(hdr, "by ");
	char lit[80];

	if (p == NULL)
		return 0;
	p += 3;
	if (local && (strncasecmp(p, "localhost", 9) == 0 || strncmp(p, "[127.", 5) == 0 ||
		      strncmp(p, "127.", 4) == 0))
		return 1;
	snprintf(lit, sizeof(lit), "[%s]", ip);
	if (strncmp(p, lit, strlen(lit)) == 0 || strncmp(p, ip, strlen(ip)) == 0)
		return 1;
	snprintf(lit, sizeof(lit), "[%s]", h->ip);
	if (strncmp(p, lit, strlen(lit)) == 0)
		return 1;
	return strncasecmp(p, h->name, label) == 0 && strchr(". (\n\t;", p[label]) != NULL;
}

/*
 * tp_chain - a lab-like report: the complainant's relays, our egress, our
 * relays (with content filters on loopback), an origin (an outside client,
 * a login, a proxy / customer / dynamic client, a local submission), then
 * the spammer's own header. The message goes into b; returns F, the index
 * of the first Received header the spammer wrote.
 */
static size_t tp_chain(struct tp_rng *g, struct buf *b)
{
	const struct tp_host *egress = &TP_PICK(g, tp_hosts), *cur = egress, *h;
	struct buf rc;
	size_t n = 0;
	unsigned hops;
	int src = tp_rand(g, 4) != 0, local = 0;

	/* a private or shared (CGNAT) address does not reach the complainant itself */
	while (strncmp(egress->ip, "10.", 3) == 0 || strncmp(egress->ip, "100.64.", 7) == 0)
		egress = cur = &TP_PICK(g, tp_hosts);
	buf_init(&rc, 0);
	if (tp_rand(g, 3) == 0) {
		buf_puts(&rc, "Received: from mx1.complainant.example (mx1.complainant.example [198.18.0.5])\n"
			 "\tby store.complainant.example with LMTP id C2; " TP_DATE "\n");
		n++;
	}
	buf_printf(&rc, "Received: from %s (%s [%s])\n\tby %s (Postfix) with ESMTP id C1; " TP_DATE "\n",
		   cur->name, cur->name, cur->ip, n ? "mx1.complainant.example" : "mx.complainant.example");
	n++;
	for (hops = tp_rand(g, 3); cur->relays && hops > 0; hops--) {
		if (tp_rand(g, 3) == 0) {
			/* a content filter: Postfix re-injection, amavisd-new's own header */
			buf_printf(&rc, "Received: from localhost (localhost [127.0.0.1])\n\tby %s (Postfix) "
				   "with ESMTP id F%u; " TP_DATE "\n", cur->name, hops);
			n++;
			local = 1;
			if (tp_rand(g, 2)) {
				buf_printf(&rc, "Received: from %s ([127.0.0.1])\n\tby localhost (%s [127.0.0.1]) "
					   "(amavisd-new, port 10024)\n\twith ESMTP id AV%u; " TP_DATE "\n",
					   cur->name, cur->name, hops);
				n++;
			}
		}
		h = &TP_PICK(g, tp_hosts);
		if (h == cur || strcmp(h->name, cur->name) == 0)
			continue;
		tp_hop(g, &rc, h->name, h->ip, cur->name, 0, "R1");
		n++;
		cur = h;
		local = 0;
	}
	if (cur->relays) {
		unsigned origin = tp_rand(g, 5);

		if (origin != 4)
			local = 0;
		switch (origin) {
		case 0: /* an outside client, no login */
			tp_hop(g, &rc, "spammer.example.org", "203.0.113.9", cur->name, 0, "O1");
			n++;
			break;
		case 1: /* a login */
			tp_hop(g, &rc, "laptop", "203.0.113.44", cur->name, 1, "A1");
			n++;
			break;
		case 2: /* a proxy, customer or dynamic address hands it over */
			h = &TP_PICK(g, tp_role_clients);
			tp_hop(g, &rc, h->name, h->ip, cur->name, 0, "P1");
			n++;
			break;
		case 3: /* a local submission */
			buf_printf(&rc, "Received: by %s (Postfix, from userid 33)\n\tid L1; " TP_DATE "\n",
				   cur->name);
			n++;
			break;
		default: /* none: a program there spoke SMTP itself, or an unlisted proxy */
			break;
		}
	}
	for (int tries = 0;; tries++) {
		/* the spammer's first header; naming the host above as its writer it would be
		 * indistinguishable from one that host wrote */
		char *f = tries < 8 ? tp_forged(g) : xstrdup(TP_SPAMMER);

		if (tries >= 8 || !tp_names_writer(f, cur, local)) {
			buf_puts(&rc, f);
			free(f);
			break;
		}
		free(f);
	}
	buf_reset(b);
	buf_puts(b, "From: fbl@complainant.example\nTo: abuse@example.net\nSubject: report\n"
		 "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=feedback-report; "
		 "boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nspam\n\n--b\n"
		 "Content-Type: message/feedback-report\n\nFeedback-Type: abuse\nVersion: 1\n");
	if (src)
		buf_printf(b, "Source-IP: %s\nSource-Port: %u\n",
			   strncmp(egress->ip, "IPv6:", 5) == 0 ? egress->ip + 5 : egress->ip,
			   40000 + tp_rand(g, 2000));
	buf_puts(b, "Arrival-Date: Wed, 01 May 2024 10:30:05 +0000\nOriginal-Rcpt-To: "
		 "<victim@complainant.example>\n\n--b\nContent-Type: message/rfc822\n\n");
	buf_puts(b, rc.data);
	buf_puts(b, "From: a@example.org\nTo: victim@complainant.example\nSubject: spam\n"
		 "Message-ID: <m1@example.org>\n\nbuy\n--b--\n");
	buf_free(&rc);
	return n;
}

#endif
