/*
 * gen - deterministic generator of realistic abuse@ mail for benchmarks.
 *
 *   gen [--seed N] [--count N] (--dir DIR | --mbox FILE)
 *
 * The mix follows what an abuse desk receives: mostly ARF from mailbox
 * providers' feedback loops (several dialects), then bounces (backscatter),
 * X-ARF, SpamCop, legacy JMRP and human forwards. The reported messages carry
 * Received chains that cross "our" networks (192.0.2.0/24, 198.51.100.0/24,
 * 2001:db8::/32, domain example.net) in the ways abuse happens: open relay,
 * compromised account, infected customer, open proxy, web script, and forged
 * or foreign chains. The same seed gives the same bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <glib.h>

#include "../util/buf.h"
#include "../util/str.h"

static uint64_t rng = 88172645463325252ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

static const char *pick(const char *const *v, size_t n)
{
	return v[rnd((uint32_t)n)];
}
#define PICK(a) pick(a, sizeof(a) / sizeof(a[0]))

static const char *const providers[] = { "aol.com", "yahoo.com", "comcast.net", "outlook.com",
					 "mail.ru", "gmx.net", "web.de", "spamexperts.com" };
static const char *const words[] = { "cheap", "offer", "pharmacy", "invoice", "winner", "urgent",
				     "account", "verify", "bitcoin", "loan", "discount", "watches" };
static const char *const users[] = { "alice", "bob", "carol", "dave", "erin", "frank", "grace" };

struct chain {
	char text[4096];
	char injector[64];
	char source_ip[64];
};

static void date_str(time_t t, char *out, size_t n)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

/* make_chain - Received headers of the reported message, newest first */
static void make_chain(struct chain *c, time_t t, const char *rcpt_domain)
{
	char d[64], qid[16];
	int kind = (int)rnd(100);
	struct buf b;

	buf_init(&b, sizeof(c->text) - 1);
	date_str(t, d, sizeof(d));
	snprintf(qid, sizeof(qid), "%08X", rnd(0xffffffffu));
	snprintf(c->injector, sizeof(c->injector), "203.0.113.%u", 1 + rnd(250));
	if (kind < 35) {            /* open relay on mx2 */
		snprintf(c->source_ip, sizeof(c->source_ip), "192.0.2.25");
		buf_printf(&b, "Received: from mx2.example.net (mx2.example.net [192.0.2.25])\n"
			   "\tby mx%u.%s (Postfix) with ESMTPS id 4X%s\n\tfor <u%u@%s>; %s\n",
			   rnd(9), rcpt_domain, qid, rnd(99999), rcpt_domain, d);
		buf_printf(&b, "Received: from spammer.example (unknown [%s])\n"
			   "\tby mx2.example.net (Postfix) with ESMTP id 3Y%s\n\tfor <u%u@%s>; %s\n",
			   c->injector, qid, rnd(99999), rcpt_domain, d);
	} else if (kind < 55) {     /* compromised account */
		snprintf(c->source_ip, sizeof(c->source_ip), "192.0.2.30");
		buf_printf(&b, "Received: from smtp.example.net (smtp.example.net [192.0.2.30])\n"
			   "\tby mx.%s with ESMTPS id %s; %s\n", rcpt_domain, qid, d);
		buf_printf(&b, "Received: from [10.%u.%u.%u] (unknown [%s])\n"
			   "\t(Authenticated sender: %s@example.net)\n"
			   "\tby smtp.example.net (Postfix) with ESMTPSA id 5Z%s; %s\n",
			   rnd(255), rnd(255), rnd(255), c->injector, PICK(users), qid, d);
	} else if (kind < 75) {     /* infected customer, direct to MX */
		snprintf(c->source_ip, sizeof(c->source_ip), "198.51.100.%u", 1 + rnd(250));
		buf_printf(&b, "Received: from host-%u.dyn.example.net (host.dyn.example.net [%s])\n"
			   "\tby mx.%s with SMTP id %s; %s\n", rnd(999), c->source_ip, rcpt_domain, qid, d);
		snprintf(c->injector, sizeof(c->injector), "%s", c->source_ip);
	} else if (kind < 85) {     /* open proxy */
		snprintf(c->source_ip, sizeof(c->source_ip), "192.0.2.80");
		buf_printf(&b, "Received: from proxy.example.net (proxy.example.net [192.0.2.80])\n"
			   "\tby mx.%s with SMTP id %s; %s\n", rcpt_domain, qid, d);
	} else if (kind < 92) {     /* IPv6 web server script */
		snprintf(c->source_ip, sizeof(c->source_ip), "2001:db8::80");
		buf_printf(&b, "Received: from www.example.net (www.example.net [IPv6:2001:db8::80])\n"
			   "\tby mx.%s with ESMTP id %s; %s\n", rcpt_domain, qid, d);
		buf_printf(&b, "Received: by www.example.net (Postfix, from userid 33)\n\tid 7W%s; %s\n",
			   qid, d);
	} else {                    /* not ours, with a forged lower hop */
		snprintf(c->source_ip, sizeof(c->source_ip), "%s", c->injector);
		buf_printf(&b, "Received: from bad.example ([%s])\n\tby mx.%s with SMTP id %s; %s\n",
			   c->injector, rcpt_domain, qid, d);
		buf_printf(&b, "Received: from mx2.example.net ([192.0.2.25])\n"
			   "\tby relay.example.net with SMTP id F%s; %s\n", qid, d);
	}
	memcpy(c->text, b.data, b.len + 1);
	buf_free(&b);
}

static void original(struct buf *o, const struct chain *c, time_t t, const char *rcpt, unsigned id)
{
	char d[64];

	date_str(t, d, sizeof(d));
	buf_puts(o, c->text);
	buf_printf(o, "From: \"%s %s\" <%s@example.net>\nTo: <%s>\nSubject: %s %s %s\n"
		   "Date: %s\nMessage-ID: <%u.%u@example.net>\nMIME-Version: 1.0\n"
		   "Content-Type: text/plain; charset=us-ascii\n\n",
		   PICK(words), PICK(words), PICK(users), rcpt, PICK(words), PICK(words), PICK(words),
		   d, id, rnd(1000000));
	for (int i = 0, n = 3 + (int)rnd(12); i < n; i++)
		buf_printf(o, "%s %s %s %s %s http://%s.example.com/%u\n", PICK(words), PICK(words),
			   PICK(words), PICK(words), PICK(words), PICK(words), rnd(10000));
}

static void arf(struct buf *m, const struct chain *c, time_t t, unsigned id)
{
	const char *p = PICK(providers);
	char d[64], rcpt[128];
	int headers_only = rnd(4) == 0, b64 = rnd(8) == 0, v01 = rnd(5) == 0;
	struct buf fb, o;

	date_str(t + 3600, d, sizeof(d));
	snprintf(rcpt, sizeof(rcpt), "user%u@%s", rnd(100000), p);
	buf_init(&fb, 0);
	buf_init(&o, 0);
	buf_printf(&fb, "Feedback-Type: abuse\nUser-Agent: %s-FBL/1.%u\nVersion: %s\n"
		   "Original-Mail-From: <%s@example.net>\nOriginal-Rcpt-To: <%s>\n"
		   "%s: %s\nReported-Domain: example.net\nSource-IP: %s\n%s",
		   p, rnd(9), v01 ? "0.1" : "1", PICK(users), rcpt, v01 ? "Received-Date" : "Arrival-Date",
		   d, c->source_ip, rnd(3) == 0 ? "Source-Port: 4711\n" : "");
	original(&o, c, t, rcpt, id);
	buf_printf(m, "From: %s Feedback Loop <fbl@%s>\nTo: abuse@example.net\n"
		   "Subject: Email Feedback Report for IP %s\nDate: %s\nMessage-ID: <fbl%u@%s>\n"
		   "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=feedback-report;\n"
		   "\tboundary=\"b%u\"\n\n--b%u\nContent-Type: text/plain; charset=us-ascii\n\n"
		   "This is an email abuse report for an email message received from IP %s on %s.\n\n"
		   "--b%u\nContent-Type: message/feedback-report\n%s\n",
		   p, p, c->source_ip, d, id, p, id, id, c->source_ip, d, id,
		   b64 ? "Content-Transfer-Encoding: base64\n" : "");
	if (b64) {
		char *enc = g_base64_encode((const unsigned char *)fb.data, fb.len);

		for (size_t i = 0, n = strlen(enc); i < n; i += 76)
			buf_printf(m, "%.76s\n", enc + i);
		g_free(enc);
	} else {
		buf_puts(m, fb.data);
	}
	if (headers_only) {
		char *end = strstr(o.data, "\n\n");

		buf_printf(m, "\n--b%u\nContent-Type: text/rfc822-headers\n\n", id);
		buf_append(m, o.data, end ? (size_t)(end - o.data) + 1 : o.len);
	} else {
		buf_printf(m, "\n--b%u\nContent-Type: message/rfc822\nContent-Disposition: inline\n\n%s", id,
			   o.data);
	}
	buf_printf(m, "\n--b%u--\n", id);
	buf_free(&fb);
	buf_free(&o);
}

static void dsn(struct buf *m, const struct chain *c, time_t t, unsigned id)
{
	char d[64], rcpt[128];
	const char *p = PICK(providers);
	struct buf o;

	buf_init(&o, 0);
	date_str(t + 60, d, sizeof(d));
	snprintf(rcpt, sizeof(rcpt), "nobody%u@%s", rnd(100000), p);
	original(&o, c, t, rcpt, id);
	{
		char *end = strstr(o.data, "\n\n");

		if (end)
			end[1] = '\0';
	}
	buf_printf(m, "From: MAILER-DAEMON@mx.%s (Mail Delivery System)\nTo: %s@example.net\n"
		   "Subject: Undelivered Mail Returned to Sender\nDate: %s\nMessage-ID: <dsn%u@mx.%s>\n"
		   "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n"
		   "Content-Type: multipart/report; report-type=delivery-status; boundary=\"d%u\"\n\n"
		   "--d%u\nContent-Type: text/plain\n\nI'm sorry to have to inform you that your message "
		   "could not be delivered.\n\n<%s>: host mx.%s said: 550 5.1.1 user unknown\n\n"
		   "--d%u\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.%s\n"
		   "Arrival-Date: %s\n\nFinal-Recipient: rfc822; %s\nAction: failed\nStatus: 5.1.1\n"
		   "Remote-MTA: dns; mx.%s\nDiagnostic-Code: smtp; 550 5.1.1 <%s>: user unknown\n\n"
		   "--d%u\nContent-Type: text/rfc822-headers\n\n%s\n--d%u--\n",
		   p, PICK(users), d, id, p, id, id, rcpt, p, id, p, d, rcpt, p, rcpt, id, o.data, id);
	buf_free(&o);
}

static void xarf(struct buf *m, const struct chain *c, time_t t, unsigned id)
{
	char d[64];
	struct buf o;

	buf_init(&o, 0);
	date_str(t, d, sizeof(d));
	original(&o, c, t, "trap@blocklist.example.org", id);
	buf_printf(m, "From: reports@blocklist.example.org\nTo: abuse@example.net\nX-ARF: YES\n"
		   "Subject: abuse report about %s\nDate: %s\nMessage-ID: <xarf%u@blocklist.example.org>\n"
		   "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"x%u\"\n\n"
		   "--x%u\nContent-Type: text/plain; charset=utf-8\n\nSpam from your network.\n\n"
		   "--x%u\nContent-Type: text/plain; charset=utf-8; name=\"report.txt\"\n\n"
		   "Reported-From: reports@blocklist.example.org\nCategory: abuse\nReport-Type: spam\n"
		   "Service: smtp\nVersion: 0.2\nUser-Agent: bench-xarf 1.0\nDate: %s\n"
		   "Source-Type: ipv4\nSource: %s\nPort: 25\nReport-ID: %u@blocklist.example.org\n\n"
		   "--x%u\nContent-Type: message/rfc822\n\n%s\n--x%u--\n",
		   c->source_ip, d, id, id, id, id, d, c->source_ip, id, id, o.data, id);
	buf_free(&o);
}

static void spamcop(struct buf *m, const struct chain *c, time_t t, unsigned id)
{
	char d[64];
	struct buf o;

	buf_init(&o, 0);
	date_str(t, d, sizeof(d));
	original(&o, c, t, "x@spamcop.example", id);
	buf_printf(m, "From: %u@reports.spamcop.net\nTo: abuse@example.net\n"
		   "Subject: [SpamCop (http://example.net/) id:%u]%s %s\nDate: %s\n"
		   "Message-ID: <sc%u@reports.spamcop.net>\n\n"
		   "- SpamCop V5.%u -\nThis message is brief for your comfort.  Please use links below for details.\n\n"
		   "Email from %s / %s\nhttps://www.spamcop.net/sc?id=z%u\n\n[ Offending message ]\n%s",
		   rnd(1000000), id, PICK(words), PICK(words), d, id, rnd(9), c->source_ip, d, id, o.data);
	buf_free(&o);
}

static void forward(struct buf *m, const struct chain *c, time_t t, unsigned id)
{
	char d[64];
	struct buf o;

	buf_init(&o, 0);
	date_str(t + 7200, d, sizeof(d));
	original(&o, c, t, "me@home.example.org", id);
	buf_printf(m, "From: Annoyed Person <me@home.example.org>\nTo: abuse@example.net\n"
		   "Subject: Fwd: spam from your network!!\nDate: %s\nMessage-ID: <fw%u@home.example.org>\n"
		   "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"f%u\"\n\n"
		   "--f%u\nContent-Type: text/plain\n\nPlease stop this. I keep getting these.\n\n"
		   "--f%u\nContent-Type: message/rfc822\n\n%s\n--f%u--\n", d, id, id, id, id, o.data, id);
	buf_free(&o);
}

static void jmrp(struct buf *m, const struct chain *c, time_t t, unsigned id)
{
	char d[64];
	struct buf o;

	buf_init(&o, 0);
	date_str(t, d, sizeof(d));
	original(&o, c, t, "someone@hotmail.com", id);
	buf_printf(m, "From: staff@hotmail.com\nTo: abuse@example.net\nSubject: complaint about message from %s\n"
		   "Date: %s\nMessage-ID: <jmrp%u@hotmail.com>\nMIME-Version: 1.0\n"
		   "Content-Type: multipart/mixed; boundary=\"j%u\"\n\n--j%u\nContent-Type: text/plain\n\n"
		   "This is a junk mail report.\n\n--j%u\nContent-Type: message/rfc822\n"
		   "Content-Disposition: attachment\n\nX-HmXmrOriginalRecipient: <someone@hotmail.com>\n%s\n--j%u--\n",
		   c->source_ip, d, id, id, id, id, o.data, id);
	buf_free(&o);
}

static void one(struct buf *m, unsigned id, time_t base)
{
	struct chain c;
	time_t t = base + (time_t)rnd(14 * 86400);
	int k = (int)rnd(100);

	make_chain(&c, t, PICK(providers));
	if (k < 55)
		arf(m, &c, t, id);
	else if (k < 70)
		dsn(m, &c, t, id);
	else if (k < 78)
		xarf(m, &c, t, id);
	else if (k < 86)
		spamcop(m, &c, t, id);
	else if (k < 92)
		jmrp(m, &c, t, id);
	else
		forward(m, &c, t, id);
}

int main(int argc, char **argv)
{
	long seed = 1, count = 1000;
	const char *dir = NULL, *mbox = NULL;
	FILE *mfp = NULL;
	struct buf m;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			str_to_long(argv[++i], 0, 0x7fffffff, &seed);
		else if (!strcmp(argv[i], "--count") && i + 1 < argc)
			str_to_long(argv[++i], 1, 100000000, &count);
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--mbox") && i + 1 < argc)
			mbox = argv[++i];
		else {
			fputs("usage: gen [--seed N] [--count N] (--dir DIR | --mbox FILE)\n", stderr);
			return 64;
		}
	}
	if (!dir == !mbox) {
		fputs("gen: give exactly one of --dir or --mbox\n", stderr);
		return 64;
	}
	rng ^= (uint64_t)seed * 0x9E3779B97F4A7C15ULL;
	if (dir && mkdir(dir, 0755) < 0 && errno != EEXIST) {
		perror(dir);
		return 73;
	}
	if (mbox && (mfp = fopen(mbox, "w")) == NULL) {
		perror(mbox);
		return 73;
	}
	buf_init(&m, 0);
	for (long i = 0; i < count; i++) {
		buf_reset(&m);
		one(&m, (unsigned)i, 1767225600);   /* 2026-01-01 */
		if (mfp) {
			fputs("From abuse-bench Thu Jan  1 00:00:00 2026\n", mfp);
			fwrite(m.data, 1, m.len, mfp);
			fputc('\n', mfp);
		} else {
			char p[4096];
			FILE *fp;

			snprintf(p, sizeof(p), "%s/%08ld.eml", dir, i);
			if ((fp = fopen(p, "w")) == NULL) {
				perror(p);
				return 73;
			}
			fwrite(m.data, 1, m.len, fp);
			fclose(fp);
		}
	}
	buf_free(&m);
	if (mfp)
		fclose(mfp);
	return 0;
}
